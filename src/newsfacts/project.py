"""Where the project's version-controlled SQL and expectation files live, and run-wide defaults."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

# Set before Prefect or GX is imported, so a local run prints only our own summary:
# Prefect's ephemeral server otherwise writes telemetry into its SQLite file while flow
# runs write there too ("database is locked"), and GX sends usage statistics.
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TELEMETRY_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_ENABLED": "true",  # warnings and errors (tracebacks) kept in the run's log
    "GX_ANALYTICS_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "DASK_LOGGING__DISTRIBUTED": "error",  # Dask cluster chatter (workers joining, leaving) is not ours to show
}


def apply_quiet_defaults() -> None:
    for name, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)


def project_root() -> Path:
    """The checkout holding sql/, expectations/ and flows/ (override with NEWSFACTS_HOME)."""
    if "NEWSFACTS_HOME" in os.environ:
        return Path(os.environ["NEWSFACTS_HOME"]).resolve()
    for candidate in [Path(__file__).resolve().parents[2], Path.cwd(), *Path.cwd().parents]:
        if (candidate / "sql").is_dir() and (candidate / "expectations").is_dir():
            return candidate
    raise FileNotFoundError("cannot find the newsfacts checkout (sql/ and expectations/); set NEWSFACTS_HOME")


def sql_dir() -> Path:
    return project_root() / "sql"


def expectations_dir() -> Path:
    return project_root() / "expectations"


def flow_entrypoint() -> str:
    return f"{project_root() / 'flows' / 'newsfacts_flow.py'}:newsfacts_flow"


def definitions_fingerprint() -> str:
    """What the published tables are built and checked by (the SQL, the expectations, the package's
    version): a run with nothing new republishes anyway when this changed since the last publish."""
    from newsfacts import __version__

    digest = hashlib.sha1(__version__.encode())
    for path in sorted([*sql_dir().rglob("*.sql"), *expectations_dir().glob("*.json")]):
        digest.update(path.relative_to(project_root()).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
