"""A failed run told in one line, from invented exceptions (newsfacts.failures)."""
from __future__ import annotations

import errno
from pathlib import Path

import duckdb

from newsfacts import failures

HOME = Path("/data/warehouse")


def raised_while_handling(first: BaseException, second: BaseException) -> BaseException:
    try:
        try:
            raise first
        except BaseException:
            raise second
    except BaseException as exc:
        return exc


def test_a_full_disk_names_the_file_says_nothing_was_published_and_what_to_do():
    line = failures.describe(OSError(errno.ENOSPC, "No space left on device", "/data/warehouse/x.parquet"), HOME)
    assert line.startswith("no space left on the disk of /data/warehouse/x.parquet; nothing was published")
    assert "Free some space" in line and "\n" not in line


def test_duckdbs_own_write_error_is_read_for_the_system_message_and_the_file():
    exc = duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file '
                                      '"/data/warehouse/newsfacts.next.duckdb.wal": No space left on device')
    assert failures.system_error(exc) == (errno.ENOSPC, "/data/warehouse/newsfacts.next.duckdb.wal")


def test_the_first_cause_counts_not_a_later_error_while_handling_it():
    first = OSError(errno.EROFS, "Read-only file system", "/data/warehouse/writer.lock")
    exc = raised_while_handling(first, RuntimeError("cleanup failed"))
    line = failures.describe(exc, HOME)
    assert line.startswith("cannot write /data/warehouse/writer.lock (the file system is read-only)")
    assert f"Make {HOME} writable" in line


def test_permission_denied_without_a_file_names_the_warehouse():
    line = failures.describe(PermissionError(errno.EACCES, "Permission denied"), HOME)
    assert line.startswith(f"cannot write {HOME} (permission denied); nothing was published")


def test_any_other_failure_still_says_nothing_was_published_in_one_line():
    line = failures.describe(ValueError("bad value\nsecond line"), HOME)
    assert line == ("the run failed (ValueError: bad value); nothing was published (the published tables are as they "
                    "were). Fix what the message names and run again.")


def test_forgetting_frames_lets_go_of_what_the_failed_code_held():
    import gc
    import weakref

    class Held:
        pass

    def fail() -> None:
        held = Held()
        probe.append(weakref.ref(held))
        raise OSError(errno.ENOSPC, "No space left on device")

    probe: list = []
    try:
        fail()
    except OSError as exc:
        caught = exc
    failures.forget_frames(caught)
    gc.collect()
    assert probe[0]() is None
