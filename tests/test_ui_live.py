"""The live page's core without a browser: frame callback, per-session state, speech limits, ICE settings."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.coach.loader import load_exercise
from posecheck.coach.session import person_frames
from posecheck.track import PersonLandmarks, Track
from posecheck.ui import webrtc
from posecheck.ui.camera_check import brightness, missing_parts
from posecheck.ui.live import STREAM_GONE_S, LiveSession
from posecheck.ui.speech import SpeechLimiter, SpeechPlanner, number_words, speech_html

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "videos"
BRIDGE_CLIP = VIDEOS / "bridge" / "ndnam0109-fitness-content__glute_bridges.mp4"
BRIDGE_TRACK = REPO / "sample_videos" / "tracks" / "bridge" / "ndnam0109-fitness-content__glute_bridges.npz"
BRIDGE_REPS = 3  # labels.json: 3 clean reps
TIME_BASE = Fraction(1, 90000)  # what WebRTC video frames carry


def video_frame(rgb: np.ndarray, t: float) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    frame.pts = round(t / TIME_BASE)
    frame.time_base = TIME_BASE
    return frame


class ReplayEstimator:
    """Stands in for MediaPipe: returns a recorded track's landmarks, one frame per call."""

    def __init__(self, track: Track) -> None:
        self.track = track
        self.i = 0
        self.closed = False
        self.calls = 0

    def detect(self, rgb: np.ndarray, t: float) -> list[PersonLandmarks]:
        assert not self.closed, "used after close()"
        self.calls += 1
        i = min(self.i, len(self.track) - 1)
        self.i += 1
        xy, z, vis, _ = person_frames(self.track, i)
        if xy is None or z is None or vis is None:
            return []
        return [PersonLandmarks(xy=xy, z=z, visibility=vis, world=np.zeros((33, 3), np.float32))]

    def close(self) -> None:
        self.closed = True


class NobodyEstimator:
    def __init__(self) -> None:
        self.closed = False

    def detect(self, rgb: np.ndarray, t: float) -> list[PersonLandmarks]:
        return []

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def bridge_rules():  # type: ignore[no-untyped-def]
    return load_exercise("bridge")


@pytest.fixture(scope="module")
def bridge_track() -> Track:
    return Track.load(BRIDGE_TRACK)


def feed_track(session: LiveSession, track: Track, frames: int | None = None) -> None:
    blank = np.full((track.height, track.width, 3), 90, np.uint8)
    for i in range(len(track) if frames is None else frames):
        out = session.process(video_frame(blank.copy(), float(track.t[i])))
        assert isinstance(out, av.VideoFrame)


# ----- the frame callback with synthetic frames ----------------------------------------------------
def test_process_returns_a_drawn_frame_with_the_same_size_and_time(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    est = NobodyEstimator()
    session = LiveSession(bridge_rules, estimator_factory=lambda: est)
    rgb = np.full((480, 640, 3), 120, np.uint8)
    frame = video_frame(rgb, 12.345)
    out = session.process(frame)
    assert (out.width, out.height) == (640, 480)
    assert out.pts == frame.pts and out.time_base == frame.time_base
    drawn = out.to_ndarray(format="rgb24")
    assert not np.array_equal(drawn, rgb), "the overlay (counter panel) is drawn"
    snap = session.snapshot()
    assert snap.frames == 1 and snap.reps_total == 0 and snap.active
    assert snap.check is not None and not snap.check.person_found
    assert "No one found" in snap.check.problems()[0]


def test_dark_picture_is_reported(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(bridge_rules, estimator_factory=NobodyEstimator)
    session.process(video_frame(np.full((240, 320, 3), 12, np.uint8), 0.0))
    check = session.snapshot().check
    assert check is not None and check.too_dark and not check.ok
    assert brightness(np.full((8, 8, 3), 200, np.uint8)) == 200


def test_missing_parts_names_body_parts(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    lm = np.full((33, 2), 10.0)
    lm[[27, 28]] = np.nan  # both ankles untrusted
    assert missing_parts(bridge_rules, lm) == ("feet",)
    assert "hips" in missing_parts(bridge_rules, None)


def test_an_error_in_the_callback_is_shown_not_raised(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    class Broken(NobodyEstimator):
        def detect(self, rgb: np.ndarray, t: float) -> list[PersonLandmarks]:
            raise RuntimeError("model exploded")

    session = LiveSession(bridge_rules, estimator_factory=Broken)
    rgb = np.zeros((48, 64, 3), np.uint8)
    out = session.process(video_frame(rgb, 0.0))
    assert out.to_ndarray(format="rgb24").shape == rgb.shape
    assert "model exploded" in session.snapshot().error


# ----- counting, sets, separate sessions, close -----------------------------------------------------
def test_counts_rise_on_a_recorded_bridge(bridge_rules, bridge_track: Track) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(bridge_rules, estimator_factory=lambda: ReplayEstimator(bridge_track))
    feed_track(session, bridge_track)
    snap = session.snapshot()
    assert snap.reps_total == BRIDGE_REPS
    assert snap.t == pytest.approx(float(bridge_track.t[-1] - bridge_track.t[0]), abs=0.1)
    summary = session.end_set()
    assert summary is not None and summary.reps_total == BRIDGE_REPS
    assert session.snapshot().last_summary is summary


def test_a_page_reading_no_stream_for_a_moment_does_not_end_a_set_that_still_gets_frames(
    bridge_rules, bridge_track: Track
) -> None:  # type: ignore[no-untyped-def]
    # Under load a page rerun can read "not playing" while frames still arrive (another browser
    # session starting): the set goes on; only STREAM_GONE_S without a frame ends it.
    now = [0.0]
    session = LiveSession(
        bridge_rules, estimator_factory=lambda: ReplayEstimator(bridge_track), clock=lambda: now[0]
    )
    feed_track(session, bridge_track)
    assert session.snapshot().reps_total == BRIDGE_REPS
    now[0] += STREAM_GONE_S - 1.0
    assert session.end_set_if_gone() is None
    assert session.snapshot().reps_total == BRIDGE_REPS, "the running set kept its count"
    now[0] += 1.0
    summary = session.end_set_if_gone()
    assert summary is not None and summary.reps_total == BRIDGE_REPS
    assert session.snapshot().last_summary is summary


def test_two_sessions_keep_separate_state(bridge_rules, bridge_track: Track) -> None:  # type: ignore[no-untyped-def]
    a = LiveSession(bridge_rules, estimator_factory=lambda: ReplayEstimator(bridge_track))
    b = LiveSession(bridge_rules, estimator_factory=NobodyEstimator)
    # Interleave the two streams on two threads, as two browsers would.
    ta = threading.Thread(target=feed_track, args=(a, bridge_track))
    tb = threading.Thread(target=feed_track, args=(b, bridge_track, 100))
    ta.start(), tb.start()
    ta.join(), tb.join()
    assert a.snapshot().reps_total == BRIDGE_REPS
    assert b.snapshot().reps_total == 0
    assert b.snapshot().frames == 100
    assert a._coach is not b._coach


def test_a_new_set_starts_from_zero_after_the_stream_ends(bridge_rules, bridge_track: Track) -> None:  # type: ignore[no-untyped-def]
    made: list[ReplayEstimator] = []

    def factory() -> ReplayEstimator:
        made.append(ReplayEstimator(bridge_track))
        return made[-1]

    session = LiveSession(bridge_rules, estimator_factory=factory)
    feed_track(session, bridge_track)
    session.on_stream_ended()
    assert made[0].closed, "the model is released when the stream stops"
    session.process(video_frame(np.zeros((64, 64, 3), np.uint8), 0.0))  # times restart with a new stream
    snap = session.snapshot()
    assert snap.reps_total == 0 and snap.frames == 1 and snap.last_summary is not None
    assert len(made) == 2


def test_changing_rules_starts_a_new_set(bridge_rules, bridge_track: Track) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(bridge_rules, estimator_factory=lambda: ReplayEstimator(bridge_track))
    feed_track(session, bridge_track)
    stricter = bridge_rules.model_copy(update={"title": "Bridge (copy)"})
    session.set_rules(stricter)
    feed_track(session, bridge_track, 5)
    assert session.snapshot().reps_total == 0
    assert session.rules is stricter


def test_close_releases_the_model_and_passes_frames_through(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    est = NobodyEstimator()
    session = LiveSession(bridge_rules, estimator_factory=lambda: est)
    session.process(video_frame(np.zeros((64, 64, 3), np.uint8), 0.0))
    session.close()
    assert est.closed and session.closed
    rgb = np.full((64, 64, 3), 7, np.uint8)
    out = session.process(video_frame(rgb, 1.0))
    assert np.array_equal(out.to_ndarray(format="rgb24"), rgb)


def test_warm_up_builds_the_model_ahead(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    made: list[NobodyEstimator] = []
    session = LiveSession(bridge_rules, estimator_factory=lambda: made.append(NobodyEstimator()) or made[-1])
    session.warm_up()
    assert session._warming is not None
    session._warming.join(5)
    session.process(video_frame(np.zeros((64, 64, 3), np.uint8), 0.0))
    assert len(made) == 1, "the frame used the warmed-up model"
    session.close()


def test_a_garbage_collected_session_closes_its_model(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    import gc

    est = NobodyEstimator()
    session = LiveSession(bridge_rules, estimator_factory=lambda: est)
    session.process(video_frame(np.zeros((64, 64, 3), np.uint8), 0.0))
    del session
    gc.collect()
    assert est.closed


# ----- real frames through the real model -----------------------------------------------------------
def stream_clip(session: LiveSession, width: int, height: int, quarter_turns: int = 0) -> list[int]:
    """Feed the bridge clip as WebRTC would (frames of ``width`` x ``height`` turned ``quarter_turns``
    counter-clockwise, the clip's real timestamps); the rep count after each frame."""
    if not BRIDGE_CLIP.is_file():
        pytest.skip(f"real footage not found at {BRIDGE_CLIP} (the shared test videos are not in the repo)")
    reps_seen = []
    with av.open(str(BRIDGE_CLIP)) as container:
        for frame in container.decode(container.streams.video[0]):
            rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
            rgb = np.ascontiguousarray(np.rot90(rgb, quarter_turns))
            out = session.process(video_frame(rgb, float(frame.time or 0.0)))
            assert (out.width, out.height) == (rgb.shape[1], rgb.shape[0])
            reps_seen.append(session.snapshot().reps_total)
    return reps_seen


@pytest.mark.footage
@pytest.mark.slow
def test_real_bridge_clip_frame_by_frame_counts_reps(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    session = LiveSession(bridge_rules)
    try:
        reps_seen = stream_clip(session, 360, 640)  # a webcam-sized frame
        snap = session.snapshot()
    finally:
        session.close()
    assert reps_seen[0] == 0
    assert snap.reps_total == BRIDGE_REPS
    assert reps_seen == sorted(reps_seen), "counts only rise"
    assert snap.process_ms > 0


@pytest.mark.footage
@pytest.mark.slow
def test_a_phone_on_its_side_streaming_sideways_is_turned_upright(bridge_rules) -> None:  # type: ignore[no-untyped-def]
    # A phone lying on its side with the rotation locked sends the picture turned a quarter (no
    # metadata on a live stream): the session reads it turned back, as analyze does. At 720p, as a
    # phone streams, MediaPipe misreads the sideways body (0 reps from its landmarks alone, measured).
    session = LiveSession(bridge_rules)
    try:
        stream_clip(session, 720, 1280, quarter_turns=-1)  # turned clockwise: 1280 x 720
        snap = session.snapshot()
    finally:
        session.close()
    assert snap.reps_total == BRIDGE_REPS


# ----- speech --------------------------------------------------------------------------------------
def test_number_words() -> None:
    assert [number_words(n) for n in (0, 3, 13, 20, 21, 99, 120)] == [
        "zero", "three", "thirteen", "twenty", "twenty-one", "ninety-nine", "120",
    ]  # fmt: skip


def test_limiter_keeps_a_gap_and_does_not_repeat() -> None:
    lim = SpeechLimiter(min_gap_s=2.5, repeat_s=8.0, max_wait_s=2.0)
    lim.offer("one", 0.0, 0)
    first = lim.poll(0.0)
    assert first is not None and first.text == "one"
    lim.offer("Lift your hips.", 0.5, 2)
    assert lim.poll(1.0) is None, "too soon after the last phrase"
    said = lim.poll(2.5)
    assert said is not None and said.text == "Lift your hips."
    lim.offer("Lift your hips.", 5.5, 2)
    assert lim.poll(5.5) is None, "the same cue is not repeated within 8 s"
    lim.offer("Lift your hips.", 11.0, 2)
    again = lim.poll(11.0)
    assert again is not None and again.id > said.id


def test_limiter_prefers_counts_and_drops_stale_phrases() -> None:
    lim = SpeechLimiter(min_gap_s=2.5, max_wait_s=2.0)
    lim.offer("Don't arch.", 0.0, 2)
    lim.offer("two", 0.1, 0)
    first = lim.poll(0.2)
    assert first is not None and first.text == "two"
    assert lim.poll(2.8) is None, "the cue waited more than 2 s and is dropped"
    lim.offer("three", 3.0, 0)
    lim.offer("four", 3.1, 0)  # a newer count replaces the older one
    latest = lim.poll(3.2)
    assert latest is not None and latest.text == "four"


def test_a_cue_raised_with_a_count_is_said_after_it() -> None:
    lim = SpeechLimiter()  # the defaults the app uses
    lim.offer("three", 10.0, 0)
    lim.offer("Lift your hips.", 10.0, 2)
    said = [u.text for t in (10.0, 11.0, 12.0, 12.5, 13.0) if (u := lim.poll(t)) is not None]
    assert said == ["three", "Lift your hips."]


def test_planner_speaks_counts_and_hold_milestones() -> None:
    from posecheck.coach.feedback import Feedback

    def fb(**kw: object) -> Feedback:
        base: dict[str, object] = dict(
            t=0.0, person_found=True, posture="supine", view="side", phase="rest", reps_total=0, reps_left=0,
            reps_right=0, hold_s=0.0, hold_target_s=None, side=None, cue=None,
        )  # fmt: skip
        base.update(kw)
        return Feedback(**base)  # type: ignore[arg-type]

    planner = SpeechPlanner(limiter=SpeechLimiter(min_gap_s=0.0, max_wait_s=10))
    planner.observe(fb(events=["rep"], reps_total=3), 0.0, has_sides=False)
    u = planner.poll(0.0)
    assert u is not None and u.text == "three"
    planner.observe(fb(events=["rep"], reps_total=3, reps_left=2, side="left"), 1.0, has_sides=True)
    u = planner.poll(1.0)
    assert u is not None and u.text == "two, left"
    said = []
    for i in range(0, 130):
        planner.observe(fb(phase="target", hold_s=i / 5, hold_target_s=20.0), 2 + i / 5, has_sides=False)
        u = planner.poll(2 + i / 5)
        if u is not None:
            said.append(u.text)
    assert said == ["five seconds", "ten seconds", "fifteen seconds", "twenty seconds. Relax."]


def test_speech_html_escapes_text_and_dedupes_by_id() -> None:
    from posecheck.ui.speech import Utterance

    text = speech_html(Utterance(7, "Don't <arch>", 2, 0.0), "abc")
    assert "&lt;arch&gt;" in text and '"id": 7' in text and "speechSynthesis" in text
    assert "__posecheckLastKey" in text
    assert speech_html(None, "abc").count("speak(") == 1  # the script exits early when there is nothing


# ----- WebRTC settings -----------------------------------------------------------------------------
def test_default_rtc_configuration_uses_no_outside_server() -> None:
    assert webrtc.rtc_configuration({}) == {"iceServers": []}


def test_ice_servers_from_environment() -> None:
    env = {webrtc.ICE_SERVERS_ENV: '[{"urls": "stun:stun.example.org:3478"}]'}
    assert webrtc.rtc_configuration(env) == {"iceServers": [{"urls": "stun:stun.example.org:3478"}]}
    env = {webrtc.ICE_SERVERS_ENV: '{"iceServers": [{"urls": ["turn:t.example.org"], "username": "u"}]}'}
    assert webrtc.ice_servers(env)[0]["username"] == "u"


@pytest.mark.parametrize("bad", ["not json", '[{"url": "stun:x"}]', '[{"urls": "http://x"}]', '"stun:x"'])
def test_bad_ice_servers_give_a_clear_error(bad: str) -> None:
    from posecheck.errors import InputError

    with pytest.raises(InputError, match=webrtc.ICE_SERVERS_ENV):
        webrtc.ice_servers({webrtc.ICE_SERVERS_ENV: bad})


def test_loopback_opt_in_adds_127_0_0_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from aioice import ice

    monkeypatch.setattr(ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["192.0.2.7"])
    assert not webrtc.loopback_requested({})
    assert webrtc.loopback_requested({webrtc.LOOPBACK_ENV: "1"})
    webrtc.configure({webrtc.LOOPBACK_ENV: "1"})
    assert ice.get_host_addresses(True, False) == ["192.0.2.7", "127.0.0.1"]
    assert ice.get_host_addresses(False, True) == ["192.0.2.7"]
    webrtc.enable_loopback_candidates()  # idempotent: not wrapped twice
    assert ice.get_host_addresses(True, False) == ["192.0.2.7", "127.0.0.1"]


# ----- serving the annotated video -----------------------------------------------------------------
def test_video_responses_start_with_a_start_message() -> None:
    """st.video's media route through Streamlit's gzip middleware.

    Streamlit 1.60 with Starlette >= 1 sends no start message for video and the
    server answers 500: the reason for the starlette<1 pin in pyproject.toml.
    """
    import asyncio

    from starlette.responses import Response
    from streamlit.web.server.starlette.starlette_gzip_middleware import SelectiveGZipMiddleware

    async def app(scope: object, receive: object, send: object) -> None:
        await Response(b"\x00" * 5000, media_type="video/mp4")(scope, receive, send)  # type: ignore[arg-type]

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "path": "/media/x.mp4",
        "headers": [(b"accept-encoding", b"gzip")],
        "method": "GET",
    }
    # A thread of its own: the browser tests may leave an event loop running in this one.
    worker = threading.Thread(target=asyncio.run, args=(SelectiveGZipMiddleware(app)(scope, receive, send),))  # type: ignore[arg-type]
    worker.start()
    worker.join()
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"\x00" * 5000, "video is passed through, not compressed"
