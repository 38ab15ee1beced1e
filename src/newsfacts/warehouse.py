"""Load and publish: the DuckDB file, its `staging` schema and the published tables in `main`.

Every statement comes from a file in sql/: sql/staging/<table>.sql loads a stored Parquet
dataset, sql/checks/<table>.sql builds the batch GX validates, sql/publish/<table>.sql builds a
published table from staging.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from newsfacts import project, schemas
from newsfacts.store import parquet_dir

DATABASE_NAME = "newsfacts.duckdb"
# Publish order: later tables may read earlier published ones.
PUBLISHED_TABLES = (
    "documents",
    "removed_lines",
    "entities",
    "entity_mentions",
    "figures",
    "quotes",
    "ingest_errors",
    "source_profile",
    "figure_comparison",
    "source_agreement",
    "quote_corroboration",
)
CHECKED_TABLES = ("documents", "removed_lines", "entity_mentions", "entities", "figures", "quotes", "ingest_errors")


class WarehouseMissing(FileNotFoundError):
    pass


def database_path(warehouse: Path) -> Path:
    return warehouse / DATABASE_NAME


def read_sql(kind: str, table: str) -> str:
    return (project.sql_dir() / kind / f"{table}.sql").read_text()


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(database_path(warehouse)))


def load_staging(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict[str, int]:
    """Replace the staging schema with the stored Parquet datasets; returns row counts."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    counts = {}
    for table in schemas.STORED_TABLES:
        files = sorted(str(p) for p in parquet_dir(warehouse, table).glob("*.parquet"))
        con.execute(read_sql("staging", table), {"files": files})
        counts[table] = con.execute(f"SELECT count(*) FROM staging.{table}").fetchone()[0]
    return counts


def check_batches(con: duckdb.DuckDBPyConnection):
    """The data each GX suite validates, as pandas frames keyed by table name."""
    return {table: con.execute(read_sql("checks", table)).df() for table in CHECKED_TABLES}


def publish(con: duckdb.DuckDBPyConnection, validation_rows: pa.Table,
            quarantine_rows: pa.Table | None = None) -> dict[str, int]:
    """Replace every published table in one transaction: all of them change, or none.
    The quarantined documents' rows are left out of every table first (sql/staging/quarantine.sql)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("quarantine_rows", schemas.quarantine.empty_table() if quarantine_rows is None else quarantine_rows)
        con.execute(read_sql("staging", "quarantine"))
        con.execute(read_sql("publish", "quarantine"))
        con.unregister("quarantine_rows")
        for table in PUBLISHED_TABLES:
            con.execute(read_sql("publish", table))
        con.register("validation_rows", validation_rows)
        con.execute(read_sql("publish", "validation_results"))
        con.unregister("validation_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {t: con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0] for t in (*PUBLISHED_TABLES, "quarantine")}


def published_tables(warehouse: Path) -> dict[str, pa.Table]:
    with open_read_only(warehouse) as con:
        names = [r[0] for r in con.execute(read_sql("queries", "published_table_names")).fetchall()]
        return {name: con.sql(f'SELECT * FROM main."{name}"').to_arrow_table() for name in names}


def open_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    path = database_path(warehouse)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `newsfacts run` first")
    return duckdb.connect(str(path), read_only=True)


def query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple]]:
    with open_read_only(warehouse) as con:
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall()
