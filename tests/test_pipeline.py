import threading
import time

import pytest

from posecheck.pipeline import Background, Prefetch


def test_prefetch_yields_everything_in_order() -> None:
    assert list(Prefetch(range(100), depth=3)) == list(range(100))


def test_prefetch_reraises_after_the_items_before_the_error() -> None:
    def source():  # type: ignore[no-untyped-def]
        yield 1
        yield 2
        raise ValueError("broken file")

    got = []
    with pytest.raises(ValueError, match="broken file"):
        for item in Prefetch(source()):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_stays_bounded_and_close_stops_the_producer() -> None:
    produced = []

    def source():  # type: ignore[no-untyped-def]
        for i in range(10_000):
            produced.append(i)
            yield i

    p = Prefetch(source(), depth=2)
    it = iter(p)
    next(it)
    time.sleep(0.1)
    assert len(produced) <= 5  # depth 2 in the queue, one in hand, one blocked
    p.close()
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())


def test_background_runs_in_order_and_reports_errors() -> None:
    seen: list[int] = []
    bg = Background(seen.append, depth=2)
    for i in range(50):
        bg.submit(i)
    bg.close()
    assert seen == list(range(50))

    def fail(x: int) -> None:
        if x == 3:
            raise OSError("disk full")

    bg = Background(fail)
    with pytest.raises(OSError, match="disk full"):
        for i in range(10):
            bg.submit(i)
        bg.close()
