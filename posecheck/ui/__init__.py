"""The Streamlit app's pieces: pages, the live-coaching core, speech, tuning and WebRTC settings.

This module holds what every page shares: which rule files exist, and the
exercise and rule-file pickers that keep the exercise in the address
(``/?exercise=bridge``) so a link opens the right exercise on any page.
Streamlit is imported inside the widget functions only, so the pure modules
(``live``, ``tuning``, ``speech``, ``webrtc``) load without it.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

from posecheck.coach.loader import EXERCISES, load_rules, rules_dir
from posecheck.coach.schema import RuleSet
from posecheck.errors import PosecheckError, RuleError
from posecheck.ui.tuning import repo_root, tuned_rules_dir

EXERCISE_KEY = "exercise"  # session-state key and query parameter


def rule_files(folder: Path | None = None) -> dict[str, Path]:
    """Shipped rule files by exercise id (file stem), in handout order, whatever exists right now."""
    base = folder or rules_dir()
    files = sorted(base.glob("*.toml")) if base.is_dir() else []
    order = {ex: i for i, ex in enumerate(EXERCISES)}
    files.sort(key=lambda p: (order.get(p.stem, len(order)), p.stem))
    return {p.stem: p for p in files}


def tuned_rule_files(exercise: str, folder: Path | None = None) -> list[Path]:
    """Tuned rule files for ``exercise`` (by their ``exercise`` key); unreadable files are left out."""
    base = folder or tuned_rules_dir()
    if not base.is_dir():
        return []
    out = []
    for path in sorted(base.rglob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if data.get("exercise") == exercise:
            out.append(path)
    return out


def display_path(path: Path) -> str:
    """``path`` relative to the project when inside it (shorter, and what the command line takes)."""
    try:
        return str(path.resolve().relative_to(repo_root()))
    except ValueError:
        return str(path)


def exercise_label(exercise: str) -> str:
    """ "5. Bridge" style label from the exercise id."""
    number = f"{EXERCISES.index(exercise) + 1}. " if exercise in EXERCISES else ""
    return number + exercise.replace("_", " ").capitalize()


def load_rule_file(path: Path, exercise: str) -> RuleSet:
    """Load and validate ``path``; it must be a rule file for ``exercise``."""
    rules = load_rules(path)
    if rules.exercise != exercise:
        raise RuleError(f"{display_path(path)}: this rule file is for '{rules.exercise}', not '{exercise}'")
    return rules


def pick_exercise(page: str) -> str | None:
    """Exercise selector synced with ``?exercise=``; None (after an error message) when there are no rules."""
    import streamlit as st

    options = list(rule_files())
    if not options:
        st.error(f"No rule files found in {rules_dir()}: the app needs at least one rules/<exercise>.toml.")
        return None
    wanted = st.query_params.get(EXERCISE_KEY)
    if wanted is not None and wanted not in options:
        hint = ", ".join(options)
        # Kept in the session: the next rerun (e.g. a component mounting) would otherwise wipe it at once.
        st.session_state["exercise_warning"] = f"No rule file for exercise '{wanted}' (from the address). "
        st.session_state["exercise_warning"] += f"Available: {hint}."
        wanted = None
    remembered = st.session_state.get(EXERCISE_KEY)
    current = wanted or (remembered if remembered in options else options[0])
    key = f"exercise_select_{page}"
    st.session_state[key] = current

    def changed() -> None:
        value = st.session_state[key]
        st.session_state[EXERCISE_KEY] = value
        st.query_params[EXERCISE_KEY] = value
        st.session_state.pop("exercise_warning", None)

    st.selectbox("Exercise", options, key=key, format_func=exercise_label, on_change=changed)
    if st.session_state.get("exercise_warning"):
        st.warning(st.session_state["exercise_warning"])
    st.session_state[EXERCISE_KEY] = current
    if st.query_params.get(EXERCISE_KEY) != current:
        st.query_params[EXERCISE_KEY] = current
    return current


def pick_rules(exercise: str, page: str) -> tuple[RuleSet, Path] | None:
    """Rule-file selector (shipped or tuned) for ``exercise``; None after showing why it cannot be used."""
    import streamlit as st

    shipped = rule_files().get(exercise)
    choices = ([shipped] if shipped else []) + tuned_rule_files(exercise)
    if not choices:
        st.error(f"No rule file for '{exercise}'.")
        return None
    remember = f"rules_file:{exercise}"
    remembered = st.session_state.get(remember)
    current = next((c for c in choices if str(c) == remembered), choices[0])
    key = f"rules_select_{page}_{exercise}"
    st.session_state[key] = current

    def changed() -> None:
        st.session_state[remember] = str(st.session_state[key])

    def label(path: Path) -> str:
        kind = "shipped" if path == shipped else "tuned"
        return f"{display_path(path)} ({kind})"

    st.selectbox(
        "Rule file",
        choices,
        key=key,
        format_func=label,
        on_change=changed,
        help="Tuned rule files saved on the Tune thresholds page (in tuned_rules/) appear here.",
    )
    st.session_state[remember] = str(current)
    try:
        return load_rule_file(current, exercise), current
    except PosecheckError as exc:
        st.error(str(exc))
        return None
