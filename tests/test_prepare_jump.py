"""The cut/new-person check must use the same median as np.nanmedian, without its cost."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from posecheck.coach.prepare import _jump

coordinate = st.one_of(st.floats(-100, 100), st.just(np.nan), st.just(1.0))
frames = hnp.arrays(np.float64, (33, 2), elements=coordinate, fill=coordinate)


@settings(max_examples=300, deadline=None)
@given(frames, frames, st.floats(0, 300) | st.just(np.nan))
def test_jump_is_nanmedian_over_half_a_torso(xy: np.ndarray, last: np.ndarray, length: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slice
        moved = np.nanmedian(np.hypot(*(xy - last).T))
    expected = bool(np.isfinite(moved) and np.isfinite(length) and moved > 0.5 * length)
    assert _jump(xy, last, length) is expected
    # Exactly at the threshold it is not a jump: the median itself must be exact.
    if np.isfinite(moved):
        assert _jump(xy, last, 2 * float(moved)) is False
