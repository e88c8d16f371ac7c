"""Running decode and encode beside inference, so offline analysis uses both cores.

MediaPipe, FFmpeg and OpenCV release the GIL while they work, so plain threads
overlap them. Queues are bounded: memory stays flat however long the video.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class Prefetch(Generic[T]):
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead.

    An exception raised by the source is re-raised in the consumer, at the
    point where the item would have arrived, so nothing before it is lost.
    """

    def __init__(self, source: Iterable[T], depth: int = 4) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(iter(source),), daemon=True, name="prefetch")
        self._thread.start()

    def _run(self, it: Iterator[T]) -> None:
        try:
            for item in it:
                while not self._stop.is_set():
                    try:
                        self._queue.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, not lost in the thread
            self._queue.put(exc)
            return
        self._queue.put(_DONE)

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def close(self) -> None:
        """Stop the producer (e.g. when the consumer gives up early)."""
        self._stop.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=5)


class Background:
    """Call ``work(*args)`` for each submitted item in one background thread, in order.

    Used for encoding the annotated video while the next frame is analysed.
    ``close()`` waits for the queue to drain and re-raises the first error.
    """

    def __init__(self, work: Callable[..., object], depth: int = 4) -> None:
        self._work = work
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="background")
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:
                try:
                    self._work(*item)  # type: ignore[misc]
                except BaseException as exc:
                    self._error = exc

    def submit(self, *args: object) -> None:
        """Queue one call; blocks while ``depth`` calls are waiting (bounded memory)."""
        if self._error is not None:
            self._queue.put(_DONE)  # let the thread end; the caller stops here
            raise self._error
        self._queue.put(args)

    def close(self) -> None:
        """Finish every queued call, stop the thread, and raise the first error if any."""
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error
