"""Spoken cues: what to say (pure Python, rate limited) and a tiny browser component that says it.

The coach raises events on every frame; speaking all of them would be a
babble. ``SpeechPlanner`` turns feedback into candidate phrases (counts, hold
milestones, cues) and ``SpeechLimiter`` lets at most one through every
``min_gap_s`` seconds, never repeats the same phrase within ``repeat_s``
seconds and drops phrases that waited too long to still make sense.
The browser speaks with its own ``speechSynthesis``: no audio leaves the machine.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from posecheck.coach.feedback import Feedback

MIN_GAP_S = 2.5
REPEAT_S = 8.0
# Longer than MIN_GAP_S, so a cue raised together with a count is said right after it, not dropped.
MAX_WAIT_S = 4.0
# Lower is more important: a count beats a hold milestone beats a cue.
PRIORITY_COUNT = 0
PRIORITY_HOLD = 1
PRIORITY_CUE = {"fault": 2, "warn": 3, "info": 4}

_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *(
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ),
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0..99 ("twenty-one"); digits beyond that (speech engines read them fine)."""
    if 0 <= n < 20:
        return _ONES[n]
    if 20 <= n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    return str(n)


@dataclass(frozen=True)
class Utterance:
    """One phrase to speak; ``id`` increases, so the browser can tell new phrases from re-renders."""

    id: int
    text: str
    priority: int
    t: float


@dataclass
class SpeechLimiter:
    """At most one phrase per ``min_gap_s``; the same text not again within ``repeat_s``."""

    min_gap_s: float = MIN_GAP_S
    repeat_s: float = REPEAT_S
    max_wait_s: float = MAX_WAIT_S
    _pending: list[Utterance] = field(default_factory=list)
    _last_said_t: float = float("-inf")
    _said: dict[str, float] = field(default_factory=dict)
    _next_id: int = 1

    def offer(self, text: str, t: float, priority: int) -> None:
        """Queue a candidate phrase raised at time ``t`` (seconds, any monotonic clock)."""
        text = text.strip()
        if not text:
            return
        # A newer phrase of the same priority replaces the older one (the count "four" makes "three" stale).
        self._pending = [u for u in self._pending if u.priority != priority or u.text == text]
        if not any(u.text == text for u in self._pending):
            self._pending.append(Utterance(self._next_id, text, priority, t))
            self._next_id += 1

    def poll(self, t: float) -> Utterance | None:
        """The phrase to say now, if the rate limits allow one."""
        self._pending = [
            u
            for u in self._pending
            if t - u.t <= self.max_wait_s and t - self._said.get(u.text, float("-inf")) >= self.repeat_s
        ]
        if not self._pending or t - self._last_said_t < self.min_gap_s:
            return None
        best = min(self._pending, key=lambda u: (u.priority, -u.t))
        self._pending.remove(best)
        self._last_said_t = t
        self._said[best.text] = t
        # Forget old phrases so a long session does not grow the table.
        self._said = {k: v for k, v in self._said.items() if t - v < self.repeat_s}
        return best


@dataclass
class SpeechPlanner:
    """Turns the coach's per-frame feedback into phrases for a :class:`SpeechLimiter`."""

    limiter: SpeechLimiter = field(default_factory=SpeechLimiter)
    milestone_s: float = 5.0
    _hold_said: int = 0  # milestones already announced in the current hold
    _hold_done: bool = False

    def observe(self, fb: Feedback, now: float, has_sides: bool) -> None:
        """Offer what this frame adds: a finished rep, a hold milestone, new cues."""
        if "rep" in fb.events:
            count = fb.reps_total
            if has_sides and fb.side is not None:
                count = fb.reps_left if fb.side == "left" else fb.reps_right
                self.limiter.offer(f"{number_words(count)}, {fb.side}", now, PRIORITY_COUNT)
            else:
                self.limiter.offer(number_words(count), now, PRIORITY_COUNT)
        self._observe_hold(fb, now)
        for cue in fb.new_cues:
            self.limiter.offer(cue.text, now, PRIORITY_CUE.get(cue.severity, 4))

    def _observe_hold(self, fb: Feedback, now: float) -> None:
        if fb.hold_s <= 0 or fb.phase != "target":
            self._hold_said, self._hold_done = 0, False
            return
        target = fb.hold_target_s
        if target and fb.hold_s >= target and not self._hold_done:
            self._hold_done = True
            self.limiter.offer(f"{number_words(round(target))} seconds. Relax.", now, PRIORITY_HOLD)
            return
        reached = int(fb.hold_s // self.milestone_s)
        if reached > self._hold_said and not self._hold_done:
            self._hold_said = reached
            self.limiter.offer(
                f"{number_words(round(reached * self.milestone_s))} seconds", now, PRIORITY_HOLD
            )

    def poll(self, now: float) -> Utterance | None:
        """The phrase to say now, if any."""
        return self.limiter.poll(now)


def speech_html(utterance: Utterance | None, session_id: str, rate: float = 1.0) -> str:
    """HTML/JS that speaks ``utterance`` once with the browser's speechSynthesis.

    Streamlit re-renders the component on every refresh; the utterance id,
    remembered in the parent window, stops the same phrase being spoken twice.
    The parent window's synthesiser is used so speech is not cut off when the
    component's frame is replaced by the next phrase.
    """
    payload = json.dumps(
        {
            "id": utterance.id if utterance else 0,
            "text": utterance.text if utterance else "",
            "session": session_id,
            "rate": rate,
        }
    )
    shown = f"Said: “{html.escape(utterance.text)}”" if utterance else ""
    style = "font:14px sans-serif;color:#666;white-space:nowrap;overflow:hidden;text-overflow:ellipsis"
    return f"""<div id="said" title="{shown}" style="{style}">{shown}</div>
<script>
(function() {{
  const u = {payload};
  if (!u.text) return;
  let w = window;
  try {{ if (window.parent && window.parent.speechSynthesis) w = window.parent; }} catch (e) {{ w = window; }}
  const key = u.session + ":" + u.id;
  w.__posecheckSpoken = w.__posecheckSpoken || [];
  if (w.__posecheckLastKey === key) return;
  w.__posecheckLastKey = key;
  w.__posecheckSpoken.push(u.text);
  if (!w.speechSynthesis) return;
  const s = new w.SpeechSynthesisUtterance(u.text);
  s.rate = u.rate;
  w.speechSynthesis.speak(s);
}})();
</script>"""
