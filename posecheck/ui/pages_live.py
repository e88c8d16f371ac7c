"""Page 1 (default): live coaching from the webcam, with spoken cues."""

from __future__ import annotations

import html
import uuid
from typing import Any

import streamlit as st

from posecheck.coach.feedback import SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.dose import dose_text, plan_from_rules
from posecheck.errors import PosecheckError
from posecheck.history.live_sets import HistoryWriter, SetInfo
from posecheck.report import doubt_lines, uncounted_lines
from posecheck.ui import display_path, history_ui, pick_exercise, pick_rules, webrtc
from posecheck.ui.camera_check import CameraCheck
from posecheck.ui.live import LiveSession
from posecheck.ui.live_snapshot import LiveSnapshot
from posecheck.ui.speech import Utterance, speech_html

SESSION_KEY = "live_session"
# How often the panel beside the video refreshes while playing. Every refresh is a script run on a new
# thread of the server, whose event loop also carries the video: at 0.3 s two streams on a two-core
# machine starved each other of frames, at 0.5 s they did not.
REFRESH_S = 0.5
# The camera's default size (640x480 for most webcams in Chrome: enough for the pose model and light on
# a two-core machine) at up to 30 fps. Asking for a size makes Chrome crop cameras of another shape.
MEDIA_CONSTRAINTS = {"video": {"frameRate": {"ideal": 30, "max": 30}}, "audio": False}
CONNECT_HELP = """\
- Allow the camera when the browser asks, and close other apps that use it.
- On this computer the app needs no internet. From another device the page must be opened over
  **HTTPS** (browsers only give the camera to secure pages), and the two ends may need a STUN/TURN
  server: start the app with `POSECHECK_ICE_SERVERS='[{"urls": "stun:stun.example.org:3478"}]'`
  (a JSON list of RTCIceServer objects; TURN entries take `username` and `credential`).
- On a machine whose only network is loopback (a container, a test sandbox), start the app with
  `POSECHECK_WEBRTC_LOOPBACK=1` so it offers a 127.0.0.1 connection candidate.
"""
SEVERITY_COLOURS = {"fault": "#d62728", "warn": "#c77c02", "info": "#2b8a3e"}


def live_session(
    rules: RuleSet, key: str = SESSION_KEY, writer: HistoryWriter | None = None, info: SetInfo | None = None
) -> LiveSession:
    """This browser session's LiveSession under ``key`` (created on first use; never shared between
    sessions); its next sets are saved with ``info`` through ``writer`` (both None: not saved)."""
    session = st.session_state.get(key)
    if not isinstance(session, LiveSession) or session.closed:
        session = LiveSession(rules)
        st.session_state[key] = session
    # Before the rules: a frame in between would start the new rules' set with the old set's info.
    session.record_to(writer, info)
    session.set_rules(rules)
    return session


def instructions(rules: RuleSet) -> None:
    """Camera placement and the handout's instructions and safety advice."""
    cols = st.columns([3, 2])
    cols[0].info(f"**Camera:** {rules.camera.placement}", icon=":material/photo_camera:")
    if rules.safety:
        cols[1].warning(rules.safety, icon=":material/health_and_safety:")
    with st.expander(f"How to do it: {rules.title}", expanded=False):
        st.write(rules.instructions)
        st.caption(f"Dose: {dose_text(plan_from_rules(rules))}.")
        if rules.not_verified:
            st.caption(f"What the camera cannot check: {rules.not_verified}")


def _check_list(check: CameraCheck, rules: RuleSet) -> None:
    def line(ok: bool | None, text: str) -> str:
        mark = ":green[✔]" if ok else (":gray[–]" if ok is None else ":red[✘]")
        return f"{mark} {text}"

    rows = [
        line(check.person_found, "Person found"),
        line(
            check.whole_body if check.person_found else None,
            "Whole body visible" + (f" (can't see {', '.join(check.missing)})" if check.missing else ""),
        ),
        line(
            check.side_on,
            "Side-on to the camera" if rules.camera.view == "side" else f"{rules.camera.view} view",
        ),
        line(not check.too_dark, f"Light enough (brightness {check.brightness:.0f}/255)"),
    ]
    st.markdown("**Camera check**  \n" + "  \n".join(rows))
    if check.ok:
        st.success("Ready: start the exercise.", icon=":material/check_circle:")
    else:
        for problem in check.problems():
            st.caption(problem)


def _cue_box(snap: LiveSnapshot) -> None:
    if snap.cue is not None:
        colour = SEVERITY_COLOURS.get(snap.cue.severity, "#333")
        text = html.escape(snap.cue.text)
    else:
        colour, text = "#888", "&nbsp;"
    st.markdown(
        f'<div data-testid="posecheck-cue" style="font-size:1.9rem;line-height:1.25;font-weight:600;'
        f'color:{colour};min-height:2.5em">{text}</div>',
        unsafe_allow_html=True,
    )


def _speak(session: LiveSession, enabled: bool) -> None:
    utterance = session.next_utterance()  # polled even when muted, so phrases do not pile up
    if utterance is not None:
        st.session_state["live_last_utterance"] = utterance
    last: Utterance | None = st.session_state.get("live_last_utterance")
    if not enabled:
        return
    sid = st.session_state.setdefault("live_speech_id", uuid.uuid4().hex)
    st.iframe(speech_html(last, sid), height=28)


def summary_view(summary: SessionSummary, rules: RuleSet) -> None:
    """The set summary shown after STOP."""
    st.subheader("Set summary")
    cols = st.columns(4 if rules.has_sides else 2)
    cols[0].metric(
        "Reps in the set", summary.reps_total, help=f"handout: {dose_text(plan_from_rules(rules))}"
    )
    if rules.has_sides:
        cols[1].metric("Left side", summary.reps_left or 0)
        cols[2].metric("Right side", summary.reps_right or 0)
    cols[-1].metric("Duration", f"{summary.duration_s:.0f} s")
    for line in uncounted_lines(summary.uncounted) + doubt_lines(summary.rep_events):
        st.info(line, icon=":material/info:")
    faults: dict[str, int] = {}
    for rep in summary.rep_events:
        for f in rep.faults:
            faults[f] = faults.get(f, 0) + 1
    if summary.holds:
        good = sum(h.reached_target for h in summary.holds)
        st.write(
            f"Holds: {len(summary.holds)} ({good} reached the target time); longest "
            f"{max(h.seconds for h in summary.holds):.0f} s."
        )
    if faults:
        st.write("Form notes: " + ", ".join(f"{k.replace('_', ' ')} ×{v}" for k, v in faults.items()))
    elif summary.reps_total:
        st.write("No form faults seen. Well done.")
    if summary.cues:
        with st.expander(f"Cues given ({len(summary.cues)})"):
            st.dataframe(
                [{"time (s)": round(c.t, 1), "cue": c.text, "severity": c.severity} for c in summary.cues],
                hide_index=True,
            )
    for note in summary.notes:
        st.caption(note)


def panel(
    session: LiveSession, rules: RuleSet, playing: bool, speak: bool, writer: HistoryWriter | None = None
) -> None:
    """Counts, hold timer, current cue and camera check beside the video (refreshed while playing)."""

    @st.fragment(run_every=REFRESH_S if playing else None)
    def refresh() -> None:
        snap = session.snapshot()
        if snap.error:
            st.error(snap.error)
        total, left, right = snap.reps_total, snap.reps_left, snap.reps_right
        ended = snap.last_summary if not playing else None
        if ended is not None:  # after STOP the counts of the finished set stay on show
            total, left, right = ended.reps_total, ended.reps_left or 0, ended.reps_right or 0
        cols = st.columns(3 if rules.has_sides else 1)
        cols[0].metric("Reps", total, help=f"handout dose: {dose_text(plan_from_rules(rules))}")
        if rules.has_sides:
            cols[1].metric("Left", left)
            cols[2].metric("Right", right)
        if rules.dose.hold_s[1] > 0:
            target = rules.dose.hold_s[0]
            st.progress(
                min(1.0, snap.hold_s / target) if target else 0.0,
                text=f"Hold {snap.hold_s:.1f} s of {target:g} s",
            )
        _cue_box(snap)
        if playing and snap.check is not None and snap.phase == "setup":
            _check_list(snap.check, rules)
        if playing:
            st.caption(
                f"{snap.frames} frames coached · {snap.fps:.0f} frames/s · "
                f"{snap.process_ms:.0f} ms per frame · {snap.state or snap.phase} · {snap.posture}"
            )
        _speak(session, speak)
        if writer is not None:
            history_ui.history_line(writer)
        if ended is not None:
            summary_view(ended, rules)

    refresh()


def camera_stream(key: str, session: LiveSession, rtc_configuration: Any, end_set_with_stream: bool) -> Any:
    """The browser's camera, each frame coached by ``session`` and sent back drawn (streamlit-webrtc).

    ``end_set_with_stream``: the set ends when the stream does (the live page's STOP); the routine
    keeps its set open so a lost camera, once back, goes on counting the same exercise.
    """
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    return webrtc_streamer(
        key=key,
        mode=WebRtcMode.SENDRECV,
        rtc_configuration=rtc_configuration,
        media_stream_constraints=MEDIA_CONSTRAINTS,
        video_frame_callback=session.process,
        on_video_ended=session.on_stream_ended if end_set_with_stream else None,
        # Frames that arrive while the model is busy are dropped: the newest frame is coached.
        async_processing=True,
        video_html_attrs={"autoPlay": True, "controls": False, "muted": True, "style": {"width": "100%"}},
    )


def page() -> None:
    """The live coaching page."""
    st.title("Live coach")
    top = st.columns(2)
    with top[0]:
        exercise = pick_exercise("live")
    if exercise is None:
        return
    with top[1]:
        picked = pick_rules(exercise, "live")
    if picked is None:
        return
    rules, path = picked
    instructions(rules)
    try:
        rtc_configuration = webrtc.configure()
    except PosecheckError as exc:
        st.error(str(exc))
        return
    writer = history_ui.history_writer()
    # Sets are saved as they are counted (see posecheck/history/live_sets.py); set by set, so a new
    # rule file or profile applies from the next set.
    session = live_session(rules, writer=writer, info=history_ui.set_info(exercise, path, "live"))
    left, right = st.columns([3, 2], gap="large")
    with left:
        ctx = camera_stream("live", session, rtc_configuration, end_set_with_stream=True)
        st.caption(
            f"Press START and allow the camera. Rules: {display_path(path)}. The video is processed on this "
            "computer and never stored or sent anywhere; each set's counts and body landmarks (no picture) "
            "are saved in your history (POSECHECK_KEEP_TRACKS=0: counts only)."
        )
        with st.expander("Camera does not connect?"):
            st.markdown(CONNECT_HELP)
    playing = bool(ctx.state.playing)
    if not playing and not ctx.state.signalling:
        # STOP ends the set through on_video_ended; this catches a stream that dropped unreported.
        session.end_set_if_gone()
        session.warm_up()  # load the pose model now, so START shows the overlay at once
    with right:
        speak = st.toggle(
            "Speak cues",
            value=True,
            key="live_speak",
            help="Counts, hold times and cues, spoken "
            "by your browser (rate limited; nothing leaves this computer).",
        )
        panel(session, rules, playing, speak, writer)
