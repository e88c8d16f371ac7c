"""The Routine page: a programme done exercise by exercise with the live coach (``/routine?programme=handout``).

The order, the rests and the outcomes are :class:`posecheck.routine.Routine` (plain state, tested
without a browser); this page owns the camera, the coach (one LiveSession kept across exercises,
so the camera connects once) and what is shown and said. Every set is saved in the history as it
is counted, with source "routine"; the routine's place lives in this browser session.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from posecheck.coach.feedback import SessionSummary
from posecheck.coach.schema import RuleSet
from posecheck.dose import Counts, DosePlan
from posecheck.errors import PosecheckError
from posecheck.programme import DEFAULT_PROGRAMME, Programme, load_programme, shipped_programmes
from posecheck.routine import Routine, dose_done
from posecheck.ui import history_ui, webrtc
from posecheck.ui.live import LiveSession
from posecheck.ui.pages_live import REFRESH_S, camera_stream, instructions, live_session
from posecheck.ui.routine_views import live_counts, progress, summary_view
from posecheck.ui.speech import Utterance, speech_html

PROGRAMME_KEY = "programme"  # query parameter
STATE_KEY = "routine_state"
SESSION_KEY = "routine_session"
SAY_KEY = "routine_say"


@dataclass
class RoutineState:
    """This browser session's routine: the programme, each entry's coach rules, and where it is."""

    programme: Programme
    rules: list[RuleSet]
    routine: Routine


def _state(name: str) -> RoutineState:
    state = st.session_state.get(STATE_KEY)
    if isinstance(state, RoutineState) and state.programme.id == name:
        return state
    programme = load_programme(name)
    steps = [(e.exercise, e.dose) for e in programme.entries]
    state = RoutineState(
        programme, [e.coach_rules() for e in programme.entries], Routine(steps, programme.rest_between_s)
    )
    st.session_state[STATE_KEY] = state
    return state


def _pick_programme() -> str | None:
    options = shipped_programmes()
    if not options:
        st.error("No programme files found: the app needs at least one programmes/<name>.toml.")
        return None
    wanted = st.query_params.get(PROGRAMME_KEY) or DEFAULT_PROGRAMME
    if wanted not in options:
        # Kept in the session: the address is corrected below, and the next rerun would lose the warning.
        st.session_state["programme_warning"] = (
            f"No programme '{wanted}' (from the address). Available: {', '.join(options)}."
        )
        wanted = options[0] if DEFAULT_PROGRAMME not in options else DEFAULT_PROGRAMME
    name = st.selectbox(
        "Programme",
        options,
        index=options.index(wanted),
        key="routine_programme",
        on_change=lambda: st.session_state.pop("programme_warning", None),
    )
    if st.session_state.get("programme_warning"):
        st.warning(st.session_state["programme_warning"])
    if st.query_params.get(PROGRAMME_KEY) != name:
        st.query_params[PROGRAMME_KEY] = name
    return name


def _say(text: str) -> None:
    """Queue a spoken transition (it is said before the coach's next phrase)."""
    # A list: on a slow machine a short rest can end before the page has said "Next: ...".
    st.session_state.setdefault(SAY_KEY, []).append(text)


def _first_sentence(text: str) -> str:
    head = text.strip().split(". ")[0].strip()
    return head if head.endswith(".") else head + "."


def _speak(session: LiveSession, enabled: bool) -> None:
    said: list[str] = st.session_state.pop(SAY_KEY, [])
    utterance = session.next_utterance()
    if said:  # the routine's words go first; a count raised at the same moment is dropped
        n = int(st.session_state.get("routine_say_n", 0)) + 1
        st.session_state["routine_say_n"] = n
        # Ids far above the coach's own (which restart at 1 each set), so the browser takes it as new.
        utterance = Utterance(1_000_000 + n, " ".join(said), 0, time.monotonic())
    if utterance is not None:
        st.session_state["routine_last_utterance"] = utterance
    if enabled:
        sid = st.session_state.setdefault("routine_speech_id", uuid.uuid4().hex)
        st.iframe(speech_html(st.session_state.get("routine_last_utterance"), sid), height=28)


def _faults(summary: SessionSummary | None) -> dict[str, int]:
    faults: dict[str, int] = {}
    for rep in summary.rep_events if summary else []:
        for f in rep.faults:
            faults[f] = faults.get(f, 0) + 1
    return faults


def _partial(plan: DosePlan | None) -> Callable[[SessionSummary], bool] | None:
    """How an ended set is judged: partial when its dose was not done."""
    return None if plan is None else (lambda s: not dose_done(plan, Counts.from_summary(s)))


def end_exercise(state: RoutineState, session: LiveSession) -> None:
    """Close the current exercise's set (dose done, Next or Skip) and move on: rest, or the end."""
    routine = state.routine
    plan = routine.plan
    if plan is None:
        return
    following = min(routine.index + 1, len(state.rules) - 1)
    session.pause(True)  # no frame may start the next exercise's set before its rest is over
    entry = state.programme.entries[following]
    session.record_to(
        history_ui.history_writer(),
        history_ui.set_info(entry.exercise, entry.rules_path, "routine", state.programme.id),
    )
    summary = session.next_set(state.rules[following], judge=_partial(plan))
    counts = Counts.from_summary(summary) if summary is not None else Counts()
    routine.end_exercise(time.monotonic(), counts, _faults(summary))
    if routine.phase == "finished":
        _say("That was the last exercise. Well done.")
    else:
        rules = state.rules[routine.index]
        _say(f"Next: {rules.title}. {_first_sentence(rules.instructions)}")


def _begin_exercise(state: RoutineState, session: LiveSession) -> None:
    session.pause(False)
    _say(f"Start: {state.rules[state.routine.index].title}.")


def _conductor(state: RoutineState, session: LiveSession, playing: bool, speak: bool) -> None:
    """Beside the video: progress, rest countdown or summary; moves the routine on (refreshed)."""
    routine = state.routine
    live = playing and routine.phase == "exercise"

    @st.fragment(run_every=REFRESH_S if live or routine.phase == "rest" else None)
    def refresh() -> None:
        if (
            routine.phase == "exercise"
            and playing
            and routine.plan
            and dose_done(routine.plan, live_counts(session))
        ):
            end_exercise(state, session)  # the dose is done: on to the rest
            st.rerun(scope="app")
        if routine.tick(time.monotonic()):
            _begin_exercise(state, session)
            st.rerun(scope="app")
        if routine.phase == "exercise" and routine.plan is not None:
            progress(state.rules[routine.index], routine.plan, session)
        elif routine.phase == "rest":
            coming = state.rules[routine.index]
            st.metric("Rest", f"{routine.rest_left(time.monotonic()):.0f} s")
            st.info(
                f"**Next: {coming.title}.** Camera: {coming.camera.placement}", icon=":material/photo_camera:"
            )
        else:
            summary_view(routine.summary())
        _speak(session, speak)
        history_ui.history_line(history_ui.history_writer())

    refresh()


def _header(state: RoutineState) -> None:
    routine, n = state.routine, len(state.rules)
    if routine.phase == "finished":
        st.success(f"{state.programme.title}: finished.", icon=":material/task_alt:")
        return
    rules, entry = state.rules[routine.index], state.programme.entries[routine.index]
    doing = "Rest, then" if routine.phase == "rest" else "Now"
    st.markdown(f"#### {doing} exercise {routine.index + 1} of {n}: {rules.title}")
    instructions(rules)
    if entry.note:
        st.caption(f"Note: {entry.note}")
    if routine.phase == "exercise" and routine.upcoming is not None:
        st.caption(f"Then: {state.rules[routine.index + 1].title}")


def _buttons(state: RoutineState, session: LiveSession) -> None:
    routine = state.routine
    cols = st.columns(3)
    if routine.phase == "exercise":
        if cols[0].button("Next", help="This exercise is done for today: on to the next"):
            end_exercise(state, session)
            st.rerun()
        if cols[1].button("Skip", help="Leave this exercise out today (what was counted is kept)"):
            end_exercise(state, session)
            st.rerun()
    elif routine.phase == "rest":
        if cols[0].button("Start now", help="End the rest"):
            routine.start_now()
            _begin_exercise(state, session)
            st.rerun()
        if cols[1].button("Skip", help="Leave the coming exercise out today"):
            routine.skip_upcoming(time.monotonic())
            following = min(routine.index, len(state.rules) - 1)
            session.next_set(state.rules[following])
            st.rerun()
    if cols[2].button("Start over", help="The programme again from the first exercise"):
        session.pause(True)
        session.next_set(state.rules[0], judge=_partial(routine.plan))
        st.session_state.pop(STATE_KEY, None)
        st.rerun()


def page() -> None:
    """The routine page."""
    st.title("Routine")
    # Everything above the video sits in one container: a part that comes and goes (a warning, an
    # exercise's note) must not move the video component, or Streamlit would remount it and cut the camera.
    top = st.container()
    with top:
        name = _pick_programme()
    if name is None:
        return
    try:
        state = _state(name)
        rtc_configuration = webrtc.configure()
    except PosecheckError as exc:
        top.error(str(exc))
        return
    top.caption(f"**{state.programme.title}** ({len(state.rules)} exercises). {state.programme.about}")
    routine = state.routine
    current = min(routine.index, len(state.rules) - 1)
    entry = state.programme.entries[current]
    info = history_ui.set_info(entry.exercise, entry.rules_path, "routine", state.programme.id)
    session = live_session(state.rules[current], SESSION_KEY, history_ui.history_writer(), info)
    session.pause(routine.phase != "exercise")
    with top:
        _header(state)
    left, right = st.columns([3, 2], gap="large")
    with left:
        ctx = camera_stream("routine", session, rtc_configuration, end_set_with_stream=False)
        st.caption(
            "Press START once: the routine moves on by itself when an exercise's dose is done. The video "
            "is processed on this computer and never stored; each set's counts and body landmarks (no "
            "picture) are saved in your history."
        )
        _buttons(state, session)
    playing = bool(ctx.state.playing)
    if not playing and not ctx.state.signalling:
        session.warm_up()
    with right:
        speak = st.toggle(
            "Speak", value=True, key="routine_speak", help="Counts, cues and what comes next, spoken."
        )
        _conductor(state, session, playing, speak)
