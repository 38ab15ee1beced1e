"""Runs: one writer at a time on a warehouse, and a record of every run.

The writer lock is an OS file lock (filelock, flock on Unix) on <warehouse>/writer.lock: the
kernel releases it when its process dies, so a lock left by a killed run is simply taken over.
Beside it, writer.json names the holder (run id, pid, start time) for the message a second run
prints; a writer.json found by the run that just took the lock is the trace of a killed run.
`newsfacts run` takes the lock itself before it starts Prefect (`hold`), so a second run is refused
at once even while the first one's Prefect server is starting; the flow it then runs in the same
process carries on under that lock instead of taking it again.

Run records are <warehouse>/runs/<run_id>.json, written when a run starts ("running", with the
stage it is in) and rewritten when it ends; a record still "running" when the next run takes the
lock belongs to a run that crashed or was killed.
"""
from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from filelock import FileLock, Timeout

from newsfacts import pause

if TYPE_CHECKING:
    import pyarrow as pa

COUNTS = ("documents_new", "documents_skipped", "documents_quarantined", "documents_superseded",
          "documents_removed")


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's writer lock."""


def lock_path(warehouse: Path) -> Path:
    return warehouse / "writer.lock"


def holder_path(warehouse: Path) -> Path:
    return warehouse / "writer.json"


def runs_dir(warehouse: Path) -> Path:
    return warehouse / "runs"


def describe_holder(warehouse: Path) -> str:
    try:
        holder = json.loads(holder_path(warehouse).read_text())
    except (OSError, ValueError):
        return "another run (it has not named itself yet)"
    who = f"run {holder['run_id']}" if holder.get("run_id") else "a run still starting"
    return f"{who} (pid {holder['pid']} on {holder['host']}, started {holder['started']})"


def busy_message(warehouse: Path) -> str:
    return (f"another run is writing the warehouse {warehouse}: {describe_holder(warehouse)}; "
            "this run changed nothing. Run again when it has finished.")


@dataclass
class HeldLock:
    """A writer lock this process holds: the lock, and the holder record of a killed run it took over."""
    lock: FileLock
    stale: dict | None


# Writer locks taken by this process before it started its flow (by resolved warehouse path).
_held_by_process: dict[Path, HeldLock] = {}


def acquire(warehouse: Path, run_id: str | None, started: datetime) -> HeldLock:
    """Take the writer lock and name the holder; WarehouseBusy at once (nothing written) when it is held."""
    warehouse.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(warehouse), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise WarehouseBusy(busy_message(warehouse)) from None
    try:
        stale = read_json(holder_path(warehouse))
        name_holder(warehouse, run_id, started)
    except BaseException:
        lock.release()
        raise
    return HeldLock(lock, stale)


def name_holder(warehouse: Path, run_id: str | None, started: datetime) -> None:
    write_json({"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                "started": started.isoformat()}, holder_path(warehouse))


def release(warehouse: Path, held: HeldLock) -> None:
    try:
        holder_path(warehouse).unlink(missing_ok=True)
    finally:
        held.lock.release()


@contextmanager
def hold(warehouse: Path) -> Iterator[None]:
    """Hold the writer lock for this whole process (the CLI, before it starts Prefect): a flow this
    process runs on the warehouse meanwhile carries on under it. Raises WarehouseBusy at once."""
    key = warehouse.resolve()
    held = acquire(warehouse, None, datetime.now(timezone.utc))
    _held_by_process[key] = held
    try:
        yield
    finally:
        del _held_by_process[key]
        release(warehouse, held)


@contextmanager
def writer_lock(warehouse: Path, run_id: str, started: datetime) -> Iterator[dict | None]:
    """Hold the warehouse's writer lock; yields the holder record of a killed run it took over, if any.

    Raises WarehouseBusy at once (no waiting, nothing written) when another live run holds it. When
    this process already holds it (`hold`), the run names itself as the holder and goes on.
    """
    held = _held_by_process.get(warehouse.resolve())
    if held is not None:
        name_holder(warehouse, run_id, started)
        yield held.stale
        return
    held = acquire(warehouse, run_id, started)
    try:
        yield held.stale
    finally:
        release(warehouse, held)


def check_free(warehouse: Path) -> None:
    """Raise WarehouseBusy when a run is writing the warehouse (for a quick answer before starting)."""
    if not lock_path(warehouse).exists():
        return
    lock = FileLock(lock_path(warehouse), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise WarehouseBusy(busy_message(warehouse)) from None
    lock.release()


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def record_path(warehouse: Path, run_id: str) -> Path:
    return runs_dir(warehouse) / f"{run_id}.json"


def records(warehouse: Path) -> list[dict]:
    """Every run record, oldest first."""
    found = (read_json(path) for path in sorted(runs_dir(warehouse).glob("*.json")))
    return [record for record in found if record]


def start(warehouse: Path, run_id: str, started: datetime) -> dict:
    record = {"run_id": run_id, "pid": os.getpid(), "started": started.isoformat(), "finished": None,
              "status": "running", "stage": "start", "stage_at": time.time(), "why": None} | dict.fromkeys(COUNTS)
    write_json(record, record_path(warehouse, run_id))
    return record


def enter_stage(warehouse: Path, run_id: str, stage: str) -> None:
    """Note the stage a run is in (so a crash is reported with where it happened)."""
    record = read_json(record_path(warehouse, run_id))
    if record is not None:
        write_json(timed(record, stage) | {"stage": stage}, record_path(warehouse, run_id))
    pause.point(f"stage:{stage}")


def end_stage(warehouse: Path, run_id: str) -> None:
    """Add the seconds of a stage that runs after the record was closed (compaction after a publish)."""
    record = read_json(record_path(warehouse, run_id))
    if record is not None:
        write_json(timed(record), record_path(warehouse, run_id))


def timed(record: dict, next_stage: str | None = None) -> dict:
    """The record with the seconds its current stage took added to `stage_seconds` (where a run's time went)."""
    now = time.time()
    seconds = dict(record.get("stage_seconds") or {})
    if record.get("stage_at") is not None:
        seconds[record["stage"]] = round(seconds.get(record["stage"], 0) + now - record["stage_at"], 3)
    return record | {"stage_seconds": seconds, "stage_at": now if next_stage else None}


def finish(warehouse: Path, run_id: str, status: str, why: str | None, counts: dict | None = None,
           finished: datetime | None = None, definitions: str | None = None) -> dict:
    """Close a run's record; `definitions`: the fingerprint of what a publish built its tables with."""
    record = timed(read_json(record_path(warehouse, run_id)) or {"run_id": run_id})
    record |= {"status": status, "why": why, "finished": (finished or datetime.now(timezone.utc)).isoformat()}
    if definitions is not None:
        record["definitions"] = definitions
    record |= {name: value for name, value in (counts or {}).items() if name in COUNTS}
    write_json(record, record_path(warehouse, run_id))
    return record


def recognise_crashed(warehouse: Path, found_by: str, published_run_id: str | None = None) -> list[str]:
    """Record every run still "running" (none is: the caller holds the lock) as crashed.

    A run whose tables were published but that died before its record said so is recorded published.
    """
    ended = []
    for record in records(warehouse):
        if record["status"] != "running" or record["run_id"] == found_by:
            continue
        if record["run_id"] == published_run_id:
            why = "published; the process ended before its record was closed"
            finish(warehouse, record["run_id"], "published", why, finished=None)
        else:
            why = (f"ended without finishing, during stage '{record.get('stage')}' (killed or crashed); "
                   f"found by run {found_by}")
            record |= {"status": "crashed", "why": why}
            write_json(record, record_path(warehouse, record["run_id"]))
        ended.append(record["run_id"])
    return ended


def last_published(warehouse: Path) -> dict | None:
    published = [r for r in records(warehouse) if r["status"] == "published"]
    return published[-1] if published else None


def unpublished_run_ids(warehouse: Path, run_id: str) -> list[str]:
    """This run and every run since the last one that published (their commits were never published)."""
    published = [r["run_id"] for r in records(warehouse) if r["status"] == "published"]
    since = published[-1] if published else ""
    return sorted({r["run_id"] for r in records(warehouse) if r["run_id"] > since} | {run_id})


def write_json(data: dict, path: Path) -> Path:
    # pyarrow (store, schemas) is imported on first use: `newsfacts run` takes the lock before that.
    from newsfacts.store import write_json as write_durably

    return write_durably(data, path)


def runs_table(warehouse: Path, current: dict | None = None) -> pa.Table:
    """Every run record as a table (schemas.runs); `current` overrides the fields of its own run."""
    import pyarrow as pa

    from newsfacts import schemas

    rows = []
    for record in records(warehouse):
        if current and record["run_id"] == current["run_id"]:
            record = record | current
        rows.append({name: record.get(name) for name in schemas.runs.names})
    for row in rows:
        for name in ("started", "finished"):
            row[name] = datetime.fromisoformat(row[name]) if row[name] else None
    return pa.Table.from_pylist(rows, schema=schemas.runs)
