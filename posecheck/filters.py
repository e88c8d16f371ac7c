"""Causal smoothing of landmark positions (One-Euro filter) and visibility gating."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroSettings:
    """One-Euro filter parameters (Casiez et al. 2012).

    Positions are normalised by the frame's long side before filtering, as in
    legacy MediaPipe, so the defaults do not depend on resolution.
    """

    min_cutoff: float = 1.0  # Hz; lower = smoother at rest, more lag
    beta: float = 10.0  # speed coefficient; higher = less lag when moving fast
    d_cutoff: float = 1.0  # Hz; cutoff for the speed estimate


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Vectorised One-Euro filter over an array of any fixed shape.

    NaN inputs (landmark not found) leave that element's state untouched and
    come out as NaN; the element restarts from the next real value.
    """

    def __init__(self, settings: OneEuroSettings | None = None, scale: float = 1.0) -> None:
        self.settings = settings or OneEuroSettings()
        self.scale = scale  # divide positions by this before filtering (frame long side)
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        """Forget the past (e.g. after a cut or a long loss of the person)."""
        self._x = self._dx = None
        self._t = None

    def __call__(self, value: np.ndarray, t: float) -> np.ndarray:
        """Filter ``value`` observed at time ``t`` (seconds, increasing)."""
        x = np.asarray(value, dtype=np.float64) / self.scale
        if self._x is None or self._t is None or self._dx is None:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = t
            return x * self.scale
        dt = t - self._t
        if not (dt > 0 and math.isfinite(dt)):
            dt = 1.0 / 30.0
        self._t = t
        s = self.settings
        valid = ~np.isnan(x)
        fresh = np.isnan(self._x) & valid
        dx = (x - self._x) / dt
        a_d = _alpha(s.d_cutoff, dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = s.min_cutoff + s.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        x_hat = a * x + (1 - a) * self._x
        # A fresh element restarts from x; a missing one keeps its state.
        self._x = np.where(fresh, x, np.where(valid, x_hat, self._x))
        self._dx = np.where(fresh, 0.0, np.where(valid, dx_hat, self._dx))
        return np.where(valid, self._x, np.nan) * self.scale


def gate_visibility(xy: np.ndarray, visibility: np.ndarray, threshold: float) -> np.ndarray:
    """Copy of ``xy`` (..., 33, 2) with landmarks below ``threshold`` set to NaN."""
    out = np.array(xy, dtype=np.float64, copy=True)
    out[np.asarray(visibility) < threshold] = np.nan
    return out
