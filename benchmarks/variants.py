"""Section 3: threading variants of the real ``analyze_media`` (benchmark only; posecheck is not edited).

*its threads off* swaps analyze's ``Prefetch``/``Background`` for inline stand-ins (the sequential
analyze, to show what its threads buy); *+ own encoder thread* gives each ``VideoWriter`` a queue
and a thread, so drawing and encoding run apart. Frame order is kept, so outputs are the same.
The figures are printed in section 1's table, beside the runs they compete with.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import Timing, patched, timed
from posecheck.analyze import analyze_media
from posecheck.coach.schema import RuleSet
from posecheck.video import Frame, VideoReader


def _put(q: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put unless ``stop`` is set (never blocks forever on a full queue)."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class _InlinePrefetch:
    """Stand-in for ``posecheck.pipeline.Prefetch`` that decodes in the caller's thread."""

    def __init__(self, source: Any, depth: int = 4) -> None:
        self._source = source

    def __iter__(self) -> Iterator[Any]:
        return iter(self._source)

    def close(self) -> None:
        """Nothing to stop."""


class _InlineBackground:
    """Stand-in for ``posecheck.pipeline.Background`` that does the work in the caller's thread."""

    def __init__(self, work: Callable[..., object], depth: int = 4) -> None:
        self._work = work

    def submit(self, *args: object) -> None:
        """Do the work now."""
        self._work(*args)

    def close(self) -> None:
        """Nothing queued."""


def analyze_pipelines() -> bool:
    """Whether ``analyze_media`` runs decode and draw/encode in threads (posecheck.pipeline)."""
    import posecheck.analyze as analyze_module

    return hasattr(analyze_module, "Prefetch") or hasattr(analyze_module, "Background")


@contextlib.contextmanager
def threads_off() -> Iterator[None]:
    """Make ``analyze_media`` sequential again: its Prefetch/Background run inline."""
    import posecheck.analyze as analyze_module

    with contextlib.ExitStack() as stack:
        stack.enter_context(patched(analyze_module, "Prefetch", lambda _original: _InlinePrefetch))
        stack.enter_context(patched(analyze_module, "Background", lambda _original: _InlineBackground))
        yield


@dataclass
class _Encoder:
    """A writer's background thread and its queue."""

    queue: queue.Queue[Any]
    thread: threading.Thread
    errors: list[BaseException]


_DONE = object()


@contextlib.contextmanager
def own_encoder_thread(depth: int = 4, prefetch: bool = False) -> Iterator[None]:
    """Give every VideoWriter its own encoder thread (and, with ``prefetch``, decode ahead).

    VideoWriter.write only queues the frame; a per-writer thread encodes, and close()
    drains it first. On top of analyze's own threads this splits drawing from encoding
    (one more thread); on a sequential analyze, ``prefetch`` adds the decode thread too.
    Frame order is kept (FIFO), so the outputs are the same.
    """
    from posecheck.writer import VideoWriter

    def prefetching(original: Any) -> Any:
        def frames(self: VideoReader) -> Iterator[Frame]:
            q: queue.Queue[Any] = queue.Queue(maxsize=depth)
            stop = threading.Event()

            def work() -> None:
                try:
                    for frame in original(self):
                        if not _put(q, ("frame", frame), stop):
                            return
                    _put(q, ("end", None), stop)
                except BaseException as exc:
                    _put(q, ("error", exc), stop)

            worker = threading.Thread(target=work, name="bench-decode", daemon=True)
            worker.start()
            try:
                while True:
                    kind, item = q.get()
                    if kind == "end":
                        return
                    if kind == "error":
                        raise item
                    yield item
            finally:
                stop.set()
                worker.join()

        return frames

    def queued_write(original: Any) -> Any:
        def write(self: Any, image: np.ndarray, t: float) -> None:
            enc: _Encoder | None = self.__dict__.get("_bench_encoder")
            if enc is None:
                enc = _Encoder(queue.Queue(maxsize=depth), threading.Thread(), [])

                def work(enc: _Encoder = enc) -> None:
                    while True:
                        item = enc.queue.get()
                        if item is _DONE:
                            return
                        if enc.errors:
                            continue  # keep draining so the producer never blocks
                        try:
                            original(self, *item)
                        except BaseException as exc:
                            enc.errors.append(exc)

                enc.thread = threading.Thread(target=work, name="bench-encode", daemon=True)
                self.__dict__["_bench_encoder"] = enc
                enc.thread.start()
            if enc.errors:
                raise enc.errors[0]
            enc.queue.put((image, t))

        return write

    def draining_close(original: Any) -> Any:
        def close(self: Any, *args: Any, **kwargs: Any) -> Any:
            enc: _Encoder | None = self.__dict__.pop("_bench_encoder", None)
            if enc is not None:
                enc.queue.put(_DONE)
                enc.thread.join()
                if enc.errors:
                    original(self, *args, **kwargs)
                    raise enc.errors[0]
            return original(self, *args, **kwargs)

        return close

    with contextlib.ExitStack() as stack:
        if prefetch:
            stack.enter_context(patched(VideoReader, "__iter__", prefetching))
        stack.enter_context(patched(VideoWriter, "write", queued_write))
        stack.enter_context(patched(VideoWriter, "close", draining_close))
        yield


def analyze_variant(
    path: Path, rules: RuleSet, workdir: Path, variant: Callable[[], contextlib.AbstractContextManager[None]]
) -> tuple[Timing, int]:
    """Time ``analyze_media`` under ``variant()`` (a patching context); also return its rep count."""
    out = Path(tempfile.mkdtemp(prefix="variant-", dir=workdir))

    def run() -> tuple[int, int]:
        with variant():
            result = analyze_media(path, rules, out, force=True)
        return int(result.summary.frames_total), int(result.summary.reps_total)

    try:
        return timed(run)
    finally:
        shutil.rmtree(out, ignore_errors=True)
