"""A failed run told in one line: what happened, where, that nothing was published, and what to do.

The exception a run failed with (a full disk, a folder it may not write, ...) is looked for along its
chain of causes; DuckDB reports a failed write as its own error with the file and the system's
message in its text, so that text is read too. The traceback itself belongs in the run's log.
"""
from __future__ import annotations

import errno
import os
import re
import traceback
from pathlib import Path

NOTHING_PUBLISHED = "nothing was published (the published tables are as they were)"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
SYSTEM_MESSAGES = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
                   "Permission denied": errno.EACCES, "Read-only file system": errno.EROFS}
QUOTED_PATH = re.compile(r'"(/[^"]+)"|\'(/[^\']+)\'')


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or while handling, outermost first."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def system_error(exc: BaseException) -> tuple[int, str | None] | None:
    """(errno, file) of the first operating-system error along the chain, DuckDB's included."""
    for link in reversed(chain(exc)):  # the innermost names the file the system refused
        if isinstance(link, OSError) and link.errno is not None:
            return link.errno, link.filename
        for text, number in SYSTEM_MESSAGES.items():
            if text in str(link):
                found = QUOTED_PATH.search(str(link))
                return number, (found.group(1) or found.group(2)) if found else None
    return None


def describe(exc: BaseException, warehouse: Path) -> str:
    """One line for the terminal."""
    found = system_error(exc)
    if found is None:
        last = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return (f"the run failed ({type(exc).__name__}{': ' + last if last else ''}); {NOTHING_PUBLISHED}. "
                "Fix what the message names and run again.")
    number, filename = found
    where = filename or str(warehouse)
    if number in NO_SPACE:
        return (f"no space left on the disk of {where}; {NOTHING_PUBLISHED}. Free some space there (or point "
                "--warehouse at a disk with room) and run again: the next run goes on from what this one stored.")
    if number in NOT_WRITABLE:
        what = "the file system is read-only" if number == errno.EROFS else "permission denied"
        return (f"cannot write {where} ({what}); {NOTHING_PUBLISHED}. Make {warehouse} writable for this user "
                "(or point --warehouse at a folder that is) and run again.")
    return f"{os.strerror(number)}: {where}; {NOTHING_PUBLISHED}. Fix that and run again."


def forget_frames(exc: BaseException) -> None:
    """Let go of the local variables a failure's traceback keeps alive (open DuckDB connections among
    them), so they are closed now, not reported as leaked when the interpreter exits."""
    for link in chain(exc):
        if link.__traceback__ is not None:
            traceback.clear_frames(link.__traceback__)
