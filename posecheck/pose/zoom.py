"""Looking closer when the person is small in the picture.

MediaPipe's person detector sees the whole picture shrunk to 224 x 224 pixels, so a person who
fills little of it is not found at all. Measured: the Hpy2GitHub bird dog (1920 x 1080, the person
~25% of the width) is found in every frame; scaled to half size in the same frame (~11%), its
first camera angle (seen from behind at an angle) was found in 16% of the frames, and in 0 of 11
sampled frames, while the same frames cut into overlapping tiles of 60% found the person in all 11.

So when nobody has been found for a while, the picture is searched in tiles; once a small person
is found there, the model is given a region around them (the picture's shape, with room for a limb
to swing out) that follows them, until they would need most of the picture or are lost. Nothing
changes while the person is found in the whole picture (`posecheck eval` from the video gives the
same figures with and without this, every clip and variant). This module only decides where to look;
:class:`posecheck.pose.estimator.PoseEstimator` looks.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.track import PersonLandmarks

# (x0, y0, x1, y1): a region of the picture in its pixels, x1 and y1 excluded.
Box = tuple[int, int, int, int]

# Nobody found for this long in the whole picture (a moment's dropout is the tracker's to mend):
# search it in tiles. Before anybody was ever found, search at once.
SEARCH_AFTER_S = 1.0
SEARCH_EVERY_S = 1.0  # each search is four extra single-picture inferences
TILE_SHARE = 0.6  # a tile's side, as a share of the picture's: 2 x 2 tiles overlapping by 20%
# The region is the person's box grown by this share of its long side on every side: a bird dog's
# lifted leg or a reaching arm must stay inside it until the next frame moves it.
MARGIN = 0.5
MIN_SHARE = 0.3  # a region is at least this share of the picture (the model needs context)
# A region is only made for a person found in a tile who needs at most this share of the picture
# (their long side is then under ~25% of the picture's: the size from which the whole picture
# found the bird dog in every frame); a bigger person is the whole picture's to find. A region
# that would grow past MAX_SHARE is given up for the whole picture.
ZOOM_SHARE = 0.5
MAX_SHARE = 0.75
LET_GO_S = 1.0  # the person lost in the region this long: back to the whole picture


def search_tiles(width: int, height: int) -> list[Box]:
    """Four overlapping tiles covering the picture, each ``TILE_SHARE`` of its width and height."""
    tw, th = round(width * TILE_SHARE), round(height * TILE_SHARE)
    return [(x, y, x + tw, y + th) for y in (0, height - th) for x in (0, width - tw)]


def region_around(xy: np.ndarray, width: int, height: int, max_share: float = MAX_SHARE) -> Box | None:
    """A region of the picture's shape around the landmarks ``xy`` (33, 2).

    None = the whole picture: nobody, or the region would be more than ``max_share`` of it.
    """
    pts = xy[np.isfinite(xy).all(axis=1)]
    if len(pts) == 0:
        return None
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    grow = MARGIN * max(x1 - x0, y1 - y0)
    need_w, need_h = x1 - x0 + 2 * grow, y1 - y0 + 2 * grow
    # Same shape as the picture: as wide as the person needs, or as tall, whichever decides.
    share = max(need_w / width, need_h / height, MIN_SHARE)
    if share > max_share:
        return None
    w, h = math.ceil(width * share), math.ceil(height * share)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(min(max(cx - w / 2, 0), width - w))
    top = int(min(max(cy - h / 2, 0), height - h))
    return left, top, left + w, top + h


def inside(xy: np.ndarray, box: Box, border: float = 0.1) -> bool:
    """Whether every landmark lies inside ``box`` less a ``border`` share of its size on each side."""
    pts = xy[np.isfinite(xy).all(axis=1)]
    x0, y0, x1, y1 = box
    bx, by = border * (x1 - x0), border * (y1 - y0)
    return bool(
        len(pts)
        and (pts[:, 0] >= x0 + bx).all()
        and (pts[:, 0] <= x1 - bx).all()
        and (pts[:, 1] >= y0 + by).all()
        and (pts[:, 1] <= y1 - by).all()
    )


def shift(person: PersonLandmarks, dx: float, dy: float) -> PersonLandmarks:
    """``person`` found in a region whose corner is at (dx, dy), in the whole picture's pixels."""
    xy = (person.xy + np.array([dx, dy], person.xy.dtype)).astype(person.xy.dtype)
    return PersonLandmarks(xy=xy, z=person.z, visibility=person.visibility, world=person.world)


class PersonZoom:
    """Where the model should look: the whole picture (``region`` None) or a region of it."""

    region: Box | None
    _lost_since: float | None  # when the person was last lost (None while found)
    _last_search: float
    _ever_found: bool

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to the whole picture, as new (e.g. after the picture was turned)."""
        self.region, self._lost_since, self._last_search, self._ever_found = None, None, -math.inf, False

    def search_due(self, t: float) -> bool:
        """Whether to search the picture in tiles now (nobody found for a while, whole picture)."""
        wait = SEARCH_AFTER_S if self._ever_found else 0.0
        return (
            self.region is None
            and self._lost_since is not None
            and t - self._lost_since >= wait
            and t - self._last_search >= SEARCH_EVERY_S
        )

    def searched(self, t: float, found: np.ndarray | None, width: int, height: int) -> bool:
        """Record a tile search that found the landmarks ``found`` (or nobody); True = region set."""
        self._last_search = t
        if found is None:
            return False
        self.region = region_around(found, width, height, ZOOM_SHARE)
        self._lost_since = None if self.region is not None else self._lost_since
        return self.region is not None

    def observe(self, t: float, tracked: np.ndarray | None, width: int, height: int) -> bool:
        """Follow the tracked person's landmarks (picture pixels); True = the region changed."""
        if tracked is None or not np.isfinite(tracked).any():
            self._lost_since = t if self._lost_since is None else self._lost_since
            if self.region is not None and t - self._lost_since >= LET_GO_S:
                self.region = None
                return True
            return False
        self._lost_since = None
        self._ever_found = True
        if self.region is None or inside(tracked, self.region):
            return False
        # Near the region's edge (moving away, or a limb reaching out): centre the region again.
        self.region = region_around(tracked, width, height)
        return True
