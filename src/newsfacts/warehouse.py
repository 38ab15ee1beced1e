"""Load and publish: the DuckDB files, their `staging` schema and the published tables in `main`.

Every statement comes from a file in sql/: sql/staging/<table>.sql loads a stored table's
committed rows, sql/checks/<table>.sql builds the batch GX validates, sql/publish/<table>.sql
builds a published table from staging.

Two files: the run loads, checks and builds its tables in the work file (work.duckdb), which only
the writer opens. Publishing copies it to a new file beside the published one and renames that
over newsfacts.duckdb: readers never wait for the writer nor see half a publish, and a reader that
opened the old file keeps reading it until it closes.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa

from newsfacts import pause, project, schemas, store

DATABASE_NAME = "newsfacts.duckdb"
WORK_NAME = "work.duckdb"
NEXT_NAME = "newsfacts.next.duckdb"
# Publish order: later tables may read earlier published ones.
PUBLISHED_TABLES = (
    "documents",
    "stories",
    "story_matches",
    "removed_lines",
    "entities",
    "entity_mentions",
    "figures",
    "quotes",
    "ingest_errors",
    "withdrawn_documents",
    "source_profile",
    "figure_comparison",
    "source_agreement",
    "quote_corroboration",
)
CHECKED_TABLES = ("documents", "removed_lines", "entity_mentions", "entities", "figures", "quotes", "ingest_errors",
                  "withdrawn_documents", "story_members")


# Readers get the published tables and nothing else: no files (COPY ... TO, read_text, glob),
# no other databases (ATTACH), no extensions (INSTALL, LOAD), and no SET to undo any of it.
READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class WarehouseMissing(FileNotFoundError):
    pass


def database_path(warehouse: Path) -> Path:
    return warehouse / DATABASE_NAME


def read_sql(kind: str, table: str) -> str:
    return (project.sql_dir() / kind / f"{table}.sql").read_text()


def work_path(warehouse: Path) -> Path:
    return warehouse / WORK_NAME


def remove_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def discard_work(warehouse: Path) -> None:
    """Drop the work file and any half-built publish (left by an interrupted run); writer only."""
    remove_database(work_path(warehouse))
    remove_database(warehouse / NEXT_NAME)


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The writer's connection to the work file (never the published one)."""
    warehouse.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(work_path(warehouse)))


def load_staging(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict[str, int]:
    """Replace the staging schema with the stored tables' committed rows; returns row counts."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging").fetchall()
    counts = {}
    for table in schemas.STORED_TABLES:
        con.register("stored_rows", store.read_dataset(warehouse, table))
        con.execute(read_sql("staging", table)).fetchall()
        con.unregister("stored_rows")
        counts[table] = con.execute(f"SELECT count(*) FROM staging.{table}").fetchall()[0][0]
    return counts


def check_batches(con: duckdb.DuckDBPyConnection):
    """The data each GX suite validates, as pandas frames keyed by table name."""
    return {table: con.execute(read_sql("checks", table)).df() for table in CHECKED_TABLES}


def publish(con: duckdb.DuckDBPyConnection, validation_rows: pa.Table, run_rows: pa.Table | None = None,
            quarantine_rows: pa.Table | None = None) -> dict[str, int]:
    """Build every published table in the work file in one transaction, then swap the result in whole.
    The quarantined documents' rows are left out of every table first (sql/staging/quarantine.sql)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("quarantine_rows", schemas.quarantine.empty_table() if quarantine_rows is None else quarantine_rows)
        con.execute(read_sql("staging", "quarantine")).fetchall()
        con.execute(read_sql("publish", "quarantine")).fetchall()
        con.unregister("quarantine_rows")
        for table in PUBLISHED_TABLES:
            con.execute(read_sql("publish", table)).fetchall()
        con.register("validation_rows", validation_rows)
        con.execute(read_sql("publish", "validation_results")).fetchall()
        con.unregister("validation_rows")
        con.register("run_rows", schemas.runs.empty_table() if run_rows is None else run_rows)
        con.execute(read_sql("publish", "runs")).fetchall()
        con.unregister("run_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    swap_in(con, work_database_dir(con))
    return {t: con.execute(f"SELECT count(*) FROM main.{t}").fetchall()[0][0] for t in (*PUBLISHED_TABLES, "quarantine")}


def work_database_dir(con: duckdb.DuckDBPyConnection) -> Path:
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    return Path(path).resolve().parent


def swap_in(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Copy the connection's database to a new file beside the published one and rename it over it."""
    target = warehouse / NEXT_NAME
    remove_database(target)
    source = con.execute("SELECT current_database()").fetchall()[0][0]
    con.execute("ATTACH ? AS next_publish", [str(target)])
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO next_publish')
        con.execute("CHECKPOINT next_publish")
    finally:
        con.execute("DETACH next_publish")
    replace_published(target, warehouse)


def replace_published(built: Path, warehouse: Path) -> None:
    pause.point("publish:built")
    with open(built, "rb") as file:
        os.fsync(file.fileno())
    remove_database(built.with_name(built.name + ".wal"))  # empty after the checkpoint
    os.replace(built, database_path(warehouse))
    pause.point("publish:swapped")


def publish_runs(warehouse: Path, run_rows: pa.Table) -> None:
    """Republish only the runs table (after a run that published nothing else), by the same swap."""
    target = warehouse / NEXT_NAME
    remove_database(target)
    if database_path(warehouse).exists():
        shutil.copyfile(database_path(warehouse), target)
    with duckdb.connect(str(target)) as con:
        con.register("run_rows", run_rows)
        con.execute(read_sql("publish", "runs"))
        con.execute("CHECKPOINT")
    replace_published(target, warehouse)


def published_run_id(warehouse: Path) -> str | None:
    """The run whose tables are published now, if the published file says so."""
    try:
        with open_read_only(warehouse) as con:
            row = con.execute("SELECT max(run_id) FROM main.runs WHERE status = 'published'").fetchone()
    except (WarehouseMissing, duckdb.Error):
        return None
    return row[0]


def published_tables(warehouse: Path) -> dict[str, pa.Table]:
    with open_read_only(warehouse) as con:
        names = [r[0] for r in con.execute(read_sql("queries", "published_table_names")).fetchall()]
        return {name: con.sql(f'SELECT * FROM main."{name}"').to_arrow_table() for name in names}


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    path = database_path(warehouse)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `newsfacts run` first")
    return duckdb.connect(str(path), read_only=True, config=READER_CONFIG)


def query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple]]:
    with open_read_only(warehouse) as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()


def describe_query_error(exc: duckdb.Error) -> str:
    """One line for the reader: what DuckDB refused and why, without its caret diagram."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in message:
        return f"refused: queries read the published tables only, no files, other databases or extensions ({message})"
    return message
