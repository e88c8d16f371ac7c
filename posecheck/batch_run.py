"""Running a batch: its tasks planned, run in a local process pool or on Ray, and summarised.

The pool and Ray run the same function, :func:`posecheck.batch.run_one`, on the same
:class:`~posecheck.batch.BatchTask`; rows are kept in input order whatever finishes first, so
the summary does not depend on the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from posecheck.batch import COLUMNS, BatchTask, one_line, result_name, run_one
from posecheck.batch_inputs import BatchItem
from posecheck.errors import InputError

RowFn = Callable[[dict[str, Any]], None]
# Cores a local Ray started without an address may use (the machines we run on have two).
LOCAL_RAY_CPUS = 2
CLUSTER_HINT = "install posecheck[cluster] (pip install 'posecheck[cluster]')"


def _rules_texts(exercises: set[str], rules_file: str | None) -> dict[str, tuple[str, str]]:
    """exercise -> (rule file text, its name): ``rules_file`` for its own exercise, else the shipped file."""
    from posecheck.coach.loader import load_exercise, load_rules, rules_dir

    texts: dict[str, tuple[str, str]] = {}
    tuned = load_rules(rules_file).exercise if rules_file else None
    if "auto" in exercises:  # every rule set, the tuned one in place of its exercise's
        from posecheck.batch_auto import auto_rules_text

        texts["auto"] = auto_rules_text(rules_file)
        exercises = exercises - {"auto"}
    elif tuned is not None and tuned not in exercises:
        raise InputError(
            f"--rules {rules_file} is for '{tuned}', and no input is; pass that exercise's inputs"
        )
    for exercise in sorted(exercises):
        path = Path(rules_file) if exercise == tuned and rules_file else rules_dir() / f"{exercise}.toml"
        load_exercise(exercise, path)  # a broken rule file is bad usage (exit 2), not one error row per input
        texts[exercise] = (path.read_bytes().decode("utf-8"), str(path))
    return texts


def plan(
    items: Sequence[BatchItem], out_dir: Path, rules_file: str | None, annotate: bool
) -> list[BatchTask]:
    """One task per item, each with its own result folder under ``out_dir``."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} exists and is not a folder; choose another --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    # Staging folders of a run that was killed: never a result, safe to drop.
    for stale in out_dir.glob(".work-*"):
        shutil.rmtree(stale, ignore_errors=True)
    texts = _rules_texts({str(i.exercise) for i in items}, rules_file)
    out = out_dir.resolve()
    tasks = []
    folders: set[Path] = set()
    for item in items:
        exercise = str(item.exercise)
        text, source = texts[exercise]
        folder = out / result_name(item.path, exercise)
        if folder in folders:  # one input twice would be two workers writing one folder
            continue
        folders.add(folder)
        tasks.append(BatchTask(str(item.path), exercise, item.profile, text, source, str(folder), annotate))
    return tasks


def _crashed_row(task: BatchTask, exc: BaseException) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row.update(
        path=task.path, exercise=task.exercise, profile=task.profile, status="error",
        error=f"the worker analysing it stopped ({one_line(exc)})", result=Path(task.result_dir).name,
    )  # fmt: skip
    return row


def run_pool(tasks: Sequence[BatchTask], workers: int, on_row: RowFn) -> list[dict[str, Any]]:
    """Run the tasks in ``workers`` spawned processes; rows in task order."""
    rows: list[dict[str, Any] | None] = [None] * len(tasks)
    # spawn, not fork: MediaPipe and FFmpeg start threads, and a forked copy of a threaded process
    # may deadlock; spawn is also what macOS and Windows do.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context)
    try:
        pending: dict[Future[dict[str, Any]], int] = {pool.submit(run_one, t): i for i, t in enumerate(tasks)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    row = future.result()
                except Exception as exc:  # a worker that died (a crash in native code) is one error row
                    row = _crashed_row(tasks[i], exc)
                rows[i] = row
                on_row(row)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [r for r in rows if r is not None]


def import_ray(local: bool) -> Any:
    """The ``ray`` module, set up before its import: no usage statistics, and for a local Ray the loopback only.

    Ray turns a node address of 127.0.0.1 into the one it finds by asking the system for a route to
    a public server, and then listens on every interface; in its single-machine mode (its own
    setting, the default on macOS and Windows) it stays on 127.0.0.1. Both are read at import.
    """
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if local:
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    try:
        import ray
    except ImportError:
        raise InputError(f"--ray needs Ray, which is not installed; {CLUSTER_HINT}") from None
    return ray


def start_local_ray(num_cpus: int = LOCAL_RAY_CPUS) -> Any:
    """Start Ray on this machine, listening on 127.0.0.1 only, with ``num_cpus`` CPUs; returns ``ray``."""
    ray = import_ray(local=True)
    try:
        ray.init(
            address=None, num_cpus=num_cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
            log_to_driver=False, logging_level="ERROR",
        )  # fmt: skip
    except Exception as exc:  # Ray's own errors when it cannot start
        raise InputError(f"cannot start a local Ray ({one_line(exc)})") from None
    addresses = {str(n.get("NodeManagerAddress")) for n in ray.nodes()}
    if addresses != {"127.0.0.1"}:
        # Ray was imported before import_ray could set it up: it listens beyond this machine.
        ray.shutdown()
        raise InputError(f"the local Ray took the address {', '.join(sorted(addresses))}, not 127.0.0.1 only")
    return ray


def _connect_ray(address: str) -> Any:
    ray = import_ray(local=False)
    try:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    except Exception as exc:  # Ray's own errors for a cluster it cannot reach
        raise InputError(f"cannot reach the Ray cluster at {address} ({one_line(exc)})") from None
    return ray


def run_ray(tasks: Sequence[BatchTask], address: str | None, on_row: RowFn) -> list[dict[str, Any]]:
    """Run the tasks as Ray tasks on ``address`` (a local Ray on 127.0.0.1 when None); rows in task order.

    A Ray connection this process already has (``ray.init`` by the caller) is used as it is.
    """
    ray = import_ray(local=not address)
    owned = not ray.is_initialized()
    if owned:
        ray = _connect_ray(address) if address else start_local_ray()
    try:
        remote = ray.remote(num_cpus=1)(run_one)
        pending = {remote.remote(t): i for i, t in enumerate(tasks)}
        rows: list[dict[str, Any] | None] = [None] * len(tasks)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(done[0])
            try:
                row = ray.get(done[0])
            except Exception as exc:  # a task whose worker or node died
                row = _crashed_row(tasks[i], exc)
            rows[i] = row
            on_row(row)
    finally:
        if owned:
            ray.shutdown()
    return [r for r in rows if r is not None]


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_summary(out_dir: Path, rows: Sequence[dict[str, Any]]) -> tuple[Path, Path]:
    """DIR/summary.csv and DIR/summary.json, one row per input (written atomically)."""
    from posecheck.report import posecheck_version

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in COLUMNS})
    errors = sum(r["status"] != "ok" for r in rows)
    data = {
        "posecheck_version": posecheck_version(),
        "inputs": len(rows),
        "ok": len(rows) - errors,
        "errors": errors,
        "rows": list(rows),
    }
    csv_path, json_path = out_dir / "summary.csv", out_dir / "summary.json"
    _atomic_write(csv_path, buf.getvalue())
    _atomic_write(json_path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return csv_path, json_path
