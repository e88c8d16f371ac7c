import numpy as np
import pytest

from posecheck.filters import OneEuroFilter, OneEuroSettings, gate_visibility


def test_constant_input_passes_unchanged() -> None:
    f = OneEuroFilter(scale=1000)
    x = np.array([[100.0, 200.0]])
    for i in range(30):
        out = f(x, i / 30)
    np.testing.assert_allclose(out, x)


def test_noise_is_reduced_at_rest() -> None:
    rng = np.random.default_rng(1)
    f = OneEuroFilter(OneEuroSettings(min_cutoff=1.0, beta=10.0), scale=1000)
    raw = 500 + rng.normal(0, 3, size=(300, 1))
    out = np.array([f(r, i / 30)[0] for i, r in enumerate(raw)])
    assert out[60:].std() < 0.5 * raw[60:].std()


def test_fast_move_follows_with_little_lag() -> None:
    f = OneEuroFilter(OneEuroSettings(min_cutoff=1.0, beta=10.0), scale=1000)
    out = [f(np.array([0.0 if i < 30 else 300.0]), i / 30)[0] for i in range(45)]
    # Within 5 frames (0.17 s) of a 300 px jump the filter is most of the way there.
    assert out[34] > 200


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_same_time_constant_at_any_frame_rate(fps: int) -> None:
    f = OneEuroFilter(OneEuroSettings(min_cutoff=1.0, beta=0.0), scale=1000)
    values = [f(np.array([0.0 if t < 1.0 else 100.0]), t)[0] for t in np.arange(0, 1.5, 1 / fps)]
    assert 55 < values[-1] < 100


def test_nan_keeps_state_and_restarts_cleanly() -> None:
    f = OneEuroFilter(scale=1000)
    f(np.array([10.0, 10.0]), 0.0)
    out = f(np.array([np.nan, 20.0]), 0.033)
    assert np.isnan(out[0]) and np.isfinite(out[1])
    out = f(np.array([50.0, 20.0]), 0.066)
    assert np.isfinite(out).all()


def test_repeated_or_backwards_time_does_not_blow_up() -> None:
    f = OneEuroFilter(scale=1000)
    f(np.array([1.0]), 1.0)
    assert np.isfinite(f(np.array([2.0]), 1.0)).all()
    assert np.isfinite(f(np.array([3.0]), 0.5)).all()


def test_gate_visibility() -> None:
    xy = np.ones((33, 2))
    vis = np.full(33, 0.9)
    vis[5] = 0.2
    out = gate_visibility(xy, vis, 0.5)
    assert np.isnan(out[5]).all() and np.isfinite(np.delete(out, 5, axis=0)).all()
