"""A test-only hook that lets a test kill a real run at a named point, as a crash would.

With NEWSFACTS_TEST_PAUSE_AT=<point> set, a run that reaches <point> writes the point's name to the
file NEWSFACTS_TEST_PAUSE_MARKER and sleeps, so the test can SIGKILL it exactly there. Points are
named "stage:<stage>" (before each flow stage), "store:<table>" (after each part file),
"store:committed", "link:entities", "catch_up:changed" (inside the transaction bringing the inactive published file up to date),
"publish:changed" (inside the publish transaction), "publish:built" / "publish:swapped", "compact:<table>" (after each
merged part) and "compact:committed". Unset, it does nothing.
With NEWSFACTS_TEST_FULL_DISK_AT=<point>, a run reaching <point> fails there as a full disk would
(OSError ENOSPC), for a test on a machine where it cannot mount a small filesystem.
"""
from __future__ import annotations

import errno
import os
import time
from pathlib import Path


def point(name: str) -> None:
    if os.environ.get("NEWSFACTS_TEST_FULL_DISK_AT") == name:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if os.environ.get("NEWSFACTS_TEST_PAUSE_AT") != name:
        return
    marker = os.environ.get("NEWSFACTS_TEST_PAUSE_MARKER")
    if marker:  # renamed into place, so the test never reads it half written
        partial = Path(marker).with_name(Path(marker).name + ".partial")
        partial.write_text(name)
        os.replace(partial, marker)
    time.sleep(3600)
