"""Load and publish: the DuckDB files, their `staging` schema and the published tables in `main`.

Every statement comes from a file in sql/: sql/staging/<table>.sql loads a stored table's
committed rows, sql/checks/<table>.sql builds the batch GX validates, sql/publish/<table>.sql
builds a published table from staging.

Two published files used in turn (blue-green): newsfacts.duckdb is a link to the one readers open
(the active file); the writer never opens it for writing. An incremental run brings the other one
(inactive) up to date from the active file (the rows of what the last publish changed, which the
active file lists), stages, checks and publishes into it (work.duckdb links to it), then renames a
new link over newsfacts.duckdb: readers never wait for the writer nor see half a publish, and a
reader that opened the old file keeps reading it until it closes. A run copies the active file whole
only when the inactive one cannot be brought up to date (missing, held open by a reader, or left by
a run killed after it wrote it) and after a full build.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from newsfacts import pause, project, schemas, store

DATABASE_NAME = "newsfacts.duckdb"
WORK_NAME = "work.duckdb"
NEXT_NAME = "newsfacts.next.duckdb"
# The two published files newsfacts.duckdb links to in turn.
PUBLISHED_FILES = ("newsfacts.blue.duckdb", "newsfacts.green.duckdb")
LINK_NAME = "newsfacts.duckdb.link"  # the new link, renamed over newsfacts.duckdb
# An incremental run's DuckDB buffers, bounded (DuckDB spills what does not fit to a folder beside the
# file, and otherwise keeps the blocks it read up to the bound): its scans of every stored key keep no
# more memory at 200,000 documents than at 2,000. A run with more than BOUNDED_SCOPE documents in scope
# (staged and published again) joins and sorts that much more, in LARGE_SCOPE_MEMORY. Documents whose
# mentions are only relinked in place (a hub entity re-made across the corpus) do not count: their
# UPDATE joins the relinks with the published mentions, and spills like a scan (23,000 relinked
# mentions at 200,000 documents: within 256 MB the publish peaked 270 MB lower than within 512 MB, and
# took no longer). A full build keeps the default (80% of the machine).
WRITER_MEMORY = "256MB"
BOUNDED_SCOPE = 2000
LARGE_SCOPE_MEMORY = "512MB"
# The published file is written in the storage format of DuckDB 1.0 (storage version 64), which every
# DuckDB from 1.0 on reads: the DuckDB CLI from PyPI and the 1.x versions that DBeaver, notebooks and
# BI tools bundle. DuckDB 2.0's own format (69) is read by 2.0 only. The work file stays in 2.0's.
PUBLISHED_STORAGE_VERSION = "v1.0.0"
# Publish order: later tables may read earlier published ones.
PUBLISHED_TABLES = (
    "documents",
    "story_matches",
    "removed_lines",
    "entities",
    "entity_mentions",
    "figures",
    "quotes",
    "ingest_errors",
    "withdrawn_documents",
    "source_profile",
    "stories",  # the story tables last: an incremental publish rebuilds them from the published document tables
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
    """Drop the work file (or its link to the inactive published file) and any half-built publish
    (left by an interrupted run); writer only."""
    remove_database(work_path(warehouse))
    remove_database(warehouse / NEXT_NAME)
    (warehouse / LINK_NAME).unlink(missing_ok=True)


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The writer's connection to the work file (never the active published one); its memory bounded
    in an incremental run (work.duckdb links to the inactive published file) of a small scope."""
    warehouse.mkdir(parents=True, exist_ok=True)
    work = work_path(warehouse)
    con = duckdb.connect(str(work.resolve()))
    if work.is_symlink():
        bound_memory(con)
    return con


def bound_memory(con: duckdb.DuckDBPyConnection) -> None:
    """WRITER_MEMORY, or LARGE_SCOPE_MEMORY when the run's scope (once staged) holds more than BOUNDED_SCOPE
    documents (those it relinks in place do not count)."""
    staged = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging' "
                         "AND table_name = 'scope'").fetchone()[0]
    scope = con.execute("SELECT count(*) FROM staging.scope").fetchone()[0] if staged else 0
    con.execute(f"SET memory_limit = '{WRITER_MEMORY if scope <= BOUNDED_SCOPE else LARGE_SCOPE_MEMORY}'")


def writer_connect(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), config={"memory_limit": WRITER_MEMORY})


def start_work(warehouse: Path, definitions: str | None, last_published: dict | None) -> bool:
    """The work file for this run: the inactive published file brought up to date with the active
    one when the run can publish what changed into it (returns True; work.duckdb links to it), else a
    new empty file (a first publish, new SQL or expectations, a published file that is not the last
    publish on record: everything is built again)."""
    discard_work(warehouse)
    if definitions is None or not incremental_base(warehouse, definitions, last_published):
        return False
    start_incremental(warehouse)
    return True


def start_incremental(warehouse: Path) -> None:
    """work.duckdb made a link to the inactive published file, brought up to date with the active one."""
    discard_work(warehouse)
    os.symlink(prepare_inactive(warehouse).name, work_path(warehouse))


def active_file(warehouse: Path) -> Path | None:
    """The published file newsfacts.duckdb names (itself, when it is a file and not a link, as an
    older newsfacts left it); None when nothing is published."""
    path = database_path(warehouse)
    if not path.exists():
        return None
    return path.resolve() if path.is_symlink() else path


def inactive_file(warehouse: Path) -> Path:
    """The published file readers do not open: the one of PUBLISHED_FILES newsfacts.duckdb does not name."""
    active = active_file(warehouse)
    first, second = (warehouse / name for name in PUBLISHED_FILES)
    return second if active is not None and active.name == first.name else first


def prepare_inactive(warehouse: Path) -> Path:
    """The inactive published file made equal to the active one, and returned. Brought up to date in
    place (one transaction, sql/publish/catch_up: the rows the active file's publish changed) when it
    holds the publish the active one was built from, or the same one; else (missing, open by a reader,
    written by a run killed before it switched, an older newsfacts) a copy of the active file."""
    active, target = active_file(warehouse), inactive_file(warehouse)
    try:
        con = writer_connect(target) if target.exists() else None
    except duckdb.IOException:  # a reader still has it open (DuckDB's file lock): leave it to them
        con = None
    if con is not None:
        with con:
            if catch_up(con, active):
                return target
    copy_over(active, target)
    return target


def copy_over(source: Path, target: Path) -> None:
    """A byte copy of `source` renamed over `target` (a reader of the old `target` keeps it until it closes)."""
    built = target.with_name(NEXT_NAME)
    remove_database(built)
    shutil.copyfile(source, built)
    with open(built, "rb") as file:
        os.fsync(file.fileno())
    remove_database(target.with_name(target.name + ".wal"))  # a killed run's log is not the copy's
    os.replace(built, target)


def catch_up(con: duckdb.DuckDBPyConnection, active: Path) -> bool:
    """The connection's file made equal to `active` in one transaction, if it holds the publish
    `active` was built from (the keyed rows that publish changed copied from it) or the same publish;
    every small table copied whole. False (nothing changed) when it holds another."""
    con.execute("ATTACH ? AS active (READ_ONLY)", [str(active)])
    try:
        mine, theirs = publish_marker(con, current_database(con)), publish_marker(con, "active")
        if mine is None or theirs is None or mine[0] not in (theirs[0], theirs[1]):
            return False
        changed = mine[0] != theirs[0]
        con.execute("BEGIN TRANSACTION")
        try:
            for schema in SCRATCH_SCHEMAS:  # left by a run killed after it staged
                con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            tables, own = set(file_tables(con, "active")), set(file_tables(con, current_database(con)))
            for schema, table in own - tables:
                con.execute(f'DROP TABLE "{schema}"."{table}"')
            for schema, table in sorted(tables):
                name = f'"{schema}"."{table}"'
                if (schema, table) not in KEYED_TABLES or (schema, table) not in own:
                    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM active.{name}")
                elif changed:
                    key, listed = KEYED_TABLES[(schema, table)]
                    keys = f"SELECT {key} FROM active.publish_state.{listed}"
                    con.execute(f"DELETE FROM {name} WHERE {key} IN ({keys})")
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM active.{name} WHERE {key} IN ({keys})")
            pause.point("catch_up:changed")  # killed here, the transaction is rolled back: the file is as it was
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.execute("DETACH active")
    return True


def current_database(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def file_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    """(schema, table) of every table of an attached file's published state (main, publish_state)."""
    return [tuple(row) for row in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND schema_name IN ('main', 'publish_state')", [database]).fetchall()]


def publish_marker(con: duckdb.DuckDBPyConnection, database: str) -> tuple[str, str | None] | None:
    """(publish_id, base_publish_id) of the publish an attached file holds (sql/publish/published.sql)."""
    if ("publish_state", "published") not in file_tables(con, database):
        return None
    row = con.execute(f'SELECT publish_id, base_publish_id FROM "{database}".publish_state.published').fetchone()
    return (row[0], row[1]) if row else None


def incremental_base(warehouse: Path, definitions: str, last_published: dict | None) -> bool:
    """Whether the published file is the last publish on record, built by these definitions."""
    if last_published is None or last_published.get("definitions") != definitions:
        return False
    try:
        with open_read_only(warehouse) as con:
            names = {r[0] for r in con.execute(read_sql("queries", "published_table_names")).fetchall()}
            run = con.execute("SELECT max(run_id) FROM main.runs WHERE status = 'published'").fetchone()[0]
    except (WarehouseMissing, duckdb.Error):
        return False
    return run == last_published["run_id"] and set(PUBLISHED_TABLES) <= names


def is_incremental(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the work file was started from the published file (load_staging noted it)."""
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging' "
                            "AND table_name = 'scope'").fetchone()[0]) and bool(
        con.execute("SELECT incremental FROM staging.mode").fetchone()[0])


def load_staging(con: duckdb.DuckDBPyConnection, warehouse: Path, incremental: bool = False) -> dict[str, int]:
    """Load the stored tables' committed rows into the staging schema; returns row counts. DuckDB reads
    the committed part files itself: the corpus never passes through Python.

    Incremental (the work file holds the last publish, warehouse.catch_up): staging holds only the documents in
    scope (sql/staging/scope.sql: new, or moved to another story), read from the part files that can
    hold them (the commits since the last publish, and the runs of the published ones in scope), and
    the entities; `whole` holds views over every stored row, for the keys scope.sql compares and the
    checks that judge a whole column. Otherwise every document is in scope."""
    con.execute("CREATE SCHEMA IF NOT EXISTS staging").fetchall()
    con.execute("CREATE OR REPLACE TABLE staging.mode AS SELECT ? AS incremental", [incremental])
    store_tables(con, warehouse)
    con.execute("CREATE SCHEMA IF NOT EXISTS whole")
    for table in schemas.STORED_TABLES:
        con.execute(f"CREATE OR REPLACE VIEW whole.{table} AS {stored_select(warehouse, table)}")
    if incremental:
        # the story rows committed since the last publish: the only ones that can differ from it (a
        # stored row never changes; a gone document's are hidden)
        recent = scope_parts(con, warehouse, with_scope=False)["story_members"]
        con.execute("CREATE SCHEMA IF NOT EXISTS recent")
        con.execute(f"CREATE OR REPLACE VIEW recent.story_members AS "
                    f"{stored_select(warehouse, 'story_members', parts=recent)}")
        con.execute(read_sql("staging", "publish_state")).fetchall()
        con.execute(read_sql("staging", "scope")).fetchall()
        bound_memory(con)  # a large scope: unbounded from here on
    else:
        con.execute("CREATE OR REPLACE TABLE staging.scope AS SELECT doc_id FROM whole.documents")
        con.execute("CREATE OR REPLACE TABLE staging.changed_entities AS SELECT entity_id FROM whole.entities")
        con.execute("CREATE OR REPLACE TABLE staging.digest_entities AS SELECT DISTINCT entity_id FROM whole.entity_links")
    parts = scope_parts(con, warehouse) if incremental else None
    counts = {}
    for table in schemas.STORED_TABLES:
        scoped = incremental and table in SCOPED_TABLES
        select = stored_select(warehouse, table, scoped, parts.get(table) if scoped and parts is not None else None)
        con.execute(f"CREATE OR REPLACE TEMP VIEW stored_rows AS {select}")
        con.execute(read_sql("staging", table)).fetchall()
        con.execute("DROP VIEW stored_rows")
        counts[table] = con.execute(f"SELECT count(*) FROM staging.{table}").fetchall()[0][0]
    con.execute("CREATE OR REPLACE VIEW staging.all_entity_links AS SELECT * FROM whole.entity_links")
    return counts


# Staged tables with a doc_id whose rows an incremental run stages for the documents in scope only.
SCOPED_TABLES = (*schemas.PER_DOCUMENT_TABLES, "entity_links", "story_members")


def scope_parts(con: duckdb.DuckDBPyConnection, warehouse: Path,
                with_scope: bool = True) -> dict[str, list[tuple[str, Path]]]:
    """table -> the committed parts that can hold rows of the documents in scope: those of commits the
    last publish did not include (its new documents), and (`with_scope`) those of the runs that stored
    the published documents in scope (a compacted part: when one of its runs is). Nothing else is read."""
    published = con.execute("SELECT max(run_id) FROM main.runs WHERE status = 'published'").fetchone()[0] or ""
    runs_in_scope = sorted(r for (r,) in con.execute(
        "SELECT DISTINCT run_id FROM main.documents WHERE doc_id IN (SELECT doc_id FROM staging.scope)").fetchall()
    ) if with_scope else []
    wanted: dict[str, list[tuple[str, Path]]] = {table: [] for table in schemas.COMMITTED_TABLES}
    for manifest in store.committed(warehouse):
        last = manifest["run_id"].removesuffix(store.QUARANTINE_SUFFIX)
        first = manifest.get("first_run_id", last)
        if last > published or any(first <= run <= last for run in runs_in_scope):
            for table, part in manifest["parts"].items():
                if table in wanted:  # the story index's parts are the stories stage's, never staged
                    wanted[table].append(("" if manifest.get("replaces") else manifest["run_id"], warehouse / part))
    return wanted


def store_tables(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """staging.withdrawn_keys: what stored_select's SQL reads beside the part files."""
    con.register("withdrawn_rows", store.read_dataset(warehouse, "withdrawn_documents", ["document_run_id", "doc_id"]))
    con.execute("CREATE OR REPLACE TABLE staging.withdrawn_keys AS SELECT * FROM withdrawn_rows")
    con.unregister("withdrawn_rows")


def quoted(path: Path | str) -> str:
    """A file name as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def empty_select(schema: pa.Schema) -> str:
    types = {pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
             pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN", pa.date32(): "DATE",
             pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ", pa.list_(pa.string()): "VARCHAR[]",
             pa.list_(pa.uint64()): "UBIGINT[]", pa.large_list(pa.string()): "VARCHAR[]"}
    columns = ", ".join(f'CAST(NULL AS {types[f.type]}) AS "{f.name}"' for f in schema)
    return f"SELECT {columns} WHERE false"


def stored_select(warehouse: Path, table: str, scoped: bool = False,
                  parts: list[tuple[str, Path]] | None = None) -> str:
    """SQL for what store.read_dataset returns, read by DuckDB from the part files: each part's rows
    with the run that committed them, less the withdrawn documents' rows (staging.withdrawn_keys);
    `scoped`: only the rows of the documents in staging.scope; `parts`: only these committed parts
    (run_id, path) are read."""
    schema = schemas.STORED_TABLES[table]
    columns = ", ".join(f'r."{name}"' for name in schema.names)
    in_scope = " AND r.doc_id IN (SELECT doc_id FROM staging.scope)" if scoped else ""
    if table in schemas.CORPUS_TABLES:
        path = store.parquet_dir(warehouse, table) / "current.parquet"
        if not path.exists():
            return empty_select(schema)
        return f"SELECT {columns} FROM read_parquet({quoted(path)}) AS r WHERE true{in_scope}"
    parts = store.committed_parts(warehouse, table) if parts is None else parts
    if not parts:
        return empty_select(schema)
    # each part read on its own with its run as a constant (a view keeps no parameters), the parts' rows
    # put together by column name (a column an older part lacks is NULL there): joining the rows of
    # one read of every part with their run by file name costs more than the rest of the read
    listed = " UNION ALL BY NAME ".join(f"SELECT *, {quoted(run_id)} AS part_run_id FROM read_parquet({quoted(path)})"
                                        for run_id, path in parts)
    compacted = any(not run_id for run_id, _ in parts)  # a compacted part names each row's run
    run = f"coalesce(nullif(r.part_run_id, ''), r.{store.COMMIT_RUN_COLUMN})" if compacted else "r.part_run_id"
    if table in schemas.DOCUMENT_STATE_TABLES:  # a story member is hidden by the run that stored its document
        run = "r.document_run_id"
    hidden = (f" AND NOT EXISTS (SELECT 1 FROM staging.withdrawn_keys AS w WHERE w.doc_id = r.doc_id "
              f"AND w.document_run_id = {run})"
              if table in {**schemas.PER_DOCUMENT_TABLES, **schemas.DOCUMENT_STATE_TABLES} else "")
    return f"SELECT {columns} FROM ({listed}) AS r WHERE true{hidden}{in_scope}"


def check_batches(con: duckdb.DuckDBPyConnection):
    """The data each GX suite validates, as pandas frames keyed by table name (in an incremental run,
    the rows of the documents in scope)."""
    return {table: con.execute(read_sql("checks", table)).df() for table in CHECKED_TABLES}


# Checked tables whose staging an incremental run narrows to the documents (and entities) in scope.
SCOPED_CHECKS = ("documents", "removed_lines", "entity_mentions", "figures", "quotes", "story_members", "entities")
# Where a whole-column check reads a table's every stored row when its check SQL would build more than
# the column (an entity's documents, for its id).
WHOLE_SOURCES = {"entities": "SELECT entity_id FROM whole.entities"}


def whole_batches(con: duckdb.DuckDBPyConnection, expectations: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """For an incremental run, the expectations that judge a whole column (keys unique across the corpus,
    shares of it) measured in DuckDB over every stored row (the check SQL on the `whole` views, its
    judged columns read once into a temporary table, then counted per expectation): table -> one measure
    per expectation {element_count, missing_count, unexpected_count, examples}. Only counts and a few
    examples come back to Python, never the column."""
    measured = {}
    for table, items in expectations.items():
        if table not in SCOPED_CHECKS:
            continue
        source = WHOLE_SOURCES.get(table) or read_sql("checks", table).replace("staging.", "whole.").strip().rstrip(";")
        con.execute(f"CREATE OR REPLACE TEMP TABLE whole_rows AS SELECT {', '.join(sorted({column_of(i) for i in items}))} "
                    f"FROM ({source})")
        measured[table] = [measure(con, item) for item in items]
        con.execute("DROP TABLE whole_rows")
    return measured


def column_of(item: dict) -> str:
    return f'"{item["kwargs"]["column"]}"'


def measure(con: duckdb.DuckDBPyConnection, item: dict) -> dict:
    """One whole-column expectation over whole_rows: how many values it judged and how many fail it."""
    column, kwargs = column_of(item), item["kwargs"]
    kind = item["type"]
    if kind == "expect_column_values_to_be_unique":
        failing = (f"{column} IN (SELECT {column} FROM whole_rows WHERE {column} IS NOT NULL "
                   f"GROUP BY ALL HAVING count(*) > 1)")
    elif kind == "expect_column_values_to_be_between":
        bounds = [f"{column} >= {float(kwargs['min_value'])}" if kwargs.get("min_value") is not None else "true",
                  f"{column} <= {float(kwargs['max_value'])}" if kwargs.get("max_value") is not None else "true"]
        failing = f"NOT ({' AND '.join(bounds)})"
    elif kind == "expect_column_values_to_be_in_set":
        failing = f"{column} NOT IN (SELECT unnest(?))"
    elif kind == "expect_column_values_to_not_be_null":
        failing = f"{column} IS NULL"
    else:
        raise ValueError(f"{kind}({kwargs.get('column')}) cannot judge a whole column in SQL: scope it 'row'")
    parameters = [list(kwargs["value_set"])] if kind == "expect_column_values_to_be_in_set" else []
    missing_counts = kind != "expect_column_values_to_not_be_null"  # GX leaves missing values out of the rest
    where = f"({failing}) AND {column} IS NOT NULL" if missing_counts else failing
    element, missing, unexpected = con.execute(
        f"SELECT count(*), count(*) - count({column}), count(*) FILTER (WHERE {where}) FROM whole_rows",
        parameters).fetchone()
    examples = [row[0] for row in con.execute(
        f"SELECT {column} FROM whole_rows WHERE {where} LIMIT 5", parameters).fetchall()] if unexpected else []
    return {"element_count": element, "missing_count": missing if missing_counts else 0,
            "unexpected_count": unexpected, "examples": examples}


# Published tables with one row per document (or per row of one), and tables of stories: an incremental
# publish replaces the rows of the documents, and the stories, in scope (staging.replaced_docs,
# staging.scope_stories); entities are replaced by id; the other tables are small and built whole.
DOCUMENT_TABLES = ("documents", "story_matches", "removed_lines", "entity_mentions", "figures", "quotes",
                   "source_profile")
STORY_TABLES = ("stories", "figure_comparison", "source_agreement", "quote_corroboration")
# What the publish SQL reads of tables published before it, in an incremental publish: a document table's
# rows are built for the documents in scope, a story table's from the published rows of the stories in scope.
SCOPED_PUBLISHED = {
    "scoped": {
        "documents": "doc_id IN (SELECT doc_id FROM staging.scope)",
        "entity_mentions": "doc_id IN (SELECT doc_id FROM staging.scope)",
    },
    "scoped_stories": {
        "documents": "doc_id IN (SELECT doc_id FROM staging.story_docs)",
        "story_matches": "story_id IN (SELECT story_id FROM staging.scope_stories)",
        "entity_mentions": "doc_id IN (SELECT doc_id FROM staging.story_docs)",
        "figures": "doc_id IN (SELECT doc_id FROM staging.story_docs)",
        "quotes": "doc_id IN (SELECT doc_id FROM staging.story_docs)",
        "figure_comparison": "story_id IN (SELECT story_id FROM staging.scope_stories)",
    },
}
SCRATCH_SCHEMAS = (*SCOPED_PUBLISHED, "whole", "recent", "staging")

# Published tables an incremental publish changes by key (the rest are small and rebuilt whole), with
# the table of publish_state that lists the keys it changed.
KEYED_TABLES = {
    **{("main", table): ("doc_id", "changed_documents") for table in DOCUMENT_TABLES},
    **{("main", table): ("story_id", "changed_stories") for table in STORY_TABLES},
    ("main", "entities"): ("entity_id", "changed_entities"),
    ("publish_state", "entity_links"): ("entity_id", "changed_entities"),
}


def publish(con: duckdb.DuckDBPyConnection, validation_rows: pa.Table, run_rows: pa.Table | None = None,
            quarantine_rows: pa.Table | None = None) -> dict[str, int]:
    """Build every published table in the work file in one transaction, then swap the result in whole.
    The quarantined documents' rows are left out of every table first (sql/staging/quarantine.sql).
    Incremental (the work file holds the last publish): only the rows in scope are replaced,
    and the work file itself, closed, is renamed over the published one."""
    incremental = is_incremental(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("quarantine_rows", schemas.quarantine.empty_table() if quarantine_rows is None else quarantine_rows)
        con.execute(read_sql("staging", "quarantine")).fetchall()
        # entities no published document links to (it reads every link: an incremental publish without
        # quarantine leaves it to scope.sql, which drops the entities its changed links leave unlinked)
        if not incremental or con.execute("SELECT count(*) FROM staging.quarantine").fetchone()[0]:
            con.execute(read_sql("staging", "quarantine_entities")).fetchall()
        con.execute(read_sql("publish", "quarantine")).fetchall()
        con.unregister("quarantine_rows")
        if incremental:
            publish_changes(con)
        else:
            for table in PUBLISHED_TABLES:
                con.execute(read_sql("publish", table)).fetchall()
        con.execute(read_sql("publish", "publish_state")).fetchall()
        record_publish(con, incremental)
        con.register("validation_rows", validation_rows)
        con.execute(read_sql("publish", "validation_results")).fetchall()
        con.unregister("validation_rows")
        con.register("run_rows", schemas.runs.empty_table() if run_rows is None else run_rows)
        con.execute(read_sql("publish", "runs")).fetchall()
        con.unregister("run_rows")
        pause.point("publish:changed")  # every table changed, not yet committed
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    counts = {t: con.execute(f"SELECT count(*) FROM main.{t}").fetchall()[0][0] for t in (*PUBLISHED_TABLES, "quarantine")}
    if incremental:
        swap_work_in(con, work_database_dir(con))
    else:
        swap_in(con, work_database_dir(con))
    return counts


def publish_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Inside publish's transaction: the published rows of the documents in scope and gone replaced by
    their staged rows, mentions whose entity changed updated in place, entities replaced by id, the
    stories in scope rebuilt from the published document tables; the small tables built whole."""
    for schema, views in SCOPED_PUBLISHED.items():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        # views, read when the story tables are built, after the document tables: materialised, the rows of
        # the stories of a renamed hub entity's 20,000 documents were written into the file at COMMIT
        # (publish 23 s -> 8 s at 200,000 stored documents)
        for table, condition in views.items():
            con.execute(f"CREATE OR REPLACE VIEW {schema}.{table} AS SELECT * FROM main.{table} WHERE {condition}")
    replaced = "SELECT doc_id FROM staging.replaced_docs UNION SELECT doc_id FROM staging.quarantine"
    for table in PUBLISHED_TABLES:
        if table in DOCUMENT_TABLES:
            if table == "source_profile":
                con.execute(read_sql("publish", "relinks")).fetchall()
            con.execute(f"DELETE FROM main.{table} WHERE doc_id IN ({replaced})")
            con.execute(insert_statement(table, "scoped"))
        elif table in STORY_TABLES:
            con.execute(f"DELETE FROM main.{table} WHERE story_id IN (SELECT story_id FROM staging.scope_stories)")
            con.execute(insert_statement(table, "scoped_stories"))
        elif table == "entities":
            con.execute("DELETE FROM main.entities WHERE entity_id IN (SELECT entity_id FROM staging.changed_entities "
                        "UNION SELECT entity_id FROM staging.dropped_entities)")
            con.execute(insert_statement(table, None, "entity_id IN (SELECT entity_id FROM staging.changed_entities)"))
        else:
            con.execute(read_sql("publish", table)).fetchall()


def insert_statement(table: str, schema: str | None, where: str | None = None) -> str:
    """sql/publish/<table>.sql as an INSERT of the rows in scope: the same SELECT, reading the tables
    published before it through the views of `schema` (SCOPED_PUBLISHED); `where`: only its rows that
    meet it."""
    create = f"CREATE OR REPLACE TABLE main.{table} AS"
    head, found, body = read_sql("publish", table).partition(create)
    if not found:
        raise ValueError(f"sql/publish/{table}.sql does not start with {create!r}")
    for name in SCOPED_PUBLISHED.get(schema, {}):
        body = body.replace(f"main.{name} ", f"{schema}.{name} ").replace(f"main.{name}\n", f"{schema}.{name}\n")
    if where:
        body = f" SELECT * FROM ({body.strip().rstrip(';')}) WHERE {where}"
    return f"{head}INSERT INTO main.{table}{body}"


def record_publish(con: duckdb.DuckDBPyConnection, incremental: bool) -> None:
    """Inside the publish's transaction: a new publish id for the file, the one it was built from
    (incremental) and the keys of the rows this publish changed (sql/publish/changes.sql), which the
    next run reads to bring the other published file up to date (catch_up)."""
    base = publish_marker(con, current_database(con)) if incremental else None
    con.execute(read_sql("publish", "published"), {"publish_id": uuid.uuid4().hex, "base": base and base[0]})
    con.execute(read_sql("publish", "changes" if incremental else "no_changes")).fetchall()


def swap_work_in(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """The work file, its scratch schemas dropped and checkpointed, closed and made the active published
    file (work.duckdb links to the inactive one; a plain work file is renamed to it)."""
    for schema in SCRATCH_SCHEMAS:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    con.execute("CHECKPOINT")
    con.close()
    work = work_path(warehouse)
    if work.is_symlink():
        built = work.resolve()
        work.unlink()
    else:
        built = inactive_file(warehouse)
        remove_database(built)
        os.replace(work, built)
    switch_to(built, warehouse)


def work_database_dir(con: duckdb.DuckDBPyConnection) -> Path:
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    return Path(path).resolve().parent


def swap_in(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """A full build: the connection's database copied into a new inactive published file, which becomes
    the active one; then the other published file is made a copy of it, so that the next run finds
    both holding this publish."""
    target = warehouse / NEXT_NAME
    remove_database(target)
    source = current_database(con)
    con.execute(f"ATTACH ? AS next_publish (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')", [str(target)])
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO next_publish')
        for schema in SCRATCH_SCHEMAS:  # the work file keeps them (a test publishes twice from one)
            con.execute(f"DROP SCHEMA IF EXISTS next_publish.{schema} CASCADE")
        con.execute("CHECKPOINT next_publish")
    finally:
        con.execute("DETACH next_publish")
    built = inactive_file(warehouse)
    remove_database(built)
    os.replace(target, built)
    switch_to(built, warehouse)
    copy_over(built, inactive_file(warehouse))


def switch_to(built: Path, warehouse: Path) -> None:
    """Make `built` (checkpointed, closed) the file newsfacts.duckdb names: a new link renamed over it, so
    a reader opens either the previous publish or this one."""
    pause.point("publish:built")
    with open(built, "rb") as file:
        os.fsync(file.fileno())
    remove_database(built.with_name(built.name + ".wal"))  # empty after the checkpoint
    link = warehouse / LINK_NAME
    link.unlink(missing_ok=True)
    os.symlink(built.name, link)  # relative: the warehouse folder can be moved
    os.replace(link, database_path(warehouse))
    directory = os.open(warehouse, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    pause.point("publish:swapped")


def publish_runs(warehouse: Path, run_rows: pa.Table) -> None:
    """Republish only the runs table (after a run that published nothing else): into the inactive
    published file brought up to date, then switched to, as a publish is."""
    if active_file(warehouse) is not None:
        target = prepare_inactive(warehouse)
    else:
        target = inactive_file(warehouse)
        remove_database(target)
    with writer_connect() as con:
        con.execute(f"ATTACH ? AS next_publish (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')", [str(target)])
        con.execute("USE next_publish")
        con.execute("BEGIN TRANSACTION")
        con.register("run_rows", run_rows)
        con.execute(read_sql("publish", "runs"))
        base = publish_marker(con, "next_publish")
        con.execute(read_sql("publish", "published"), {"publish_id": uuid.uuid4().hex, "base": base and base[0]})
        con.execute(read_sql("publish", "no_changes")).fetchall()
        con.execute("COMMIT")
        con.execute("CHECKPOINT next_publish")
        con.execute("USE memory")
        con.execute("DETACH next_publish")
    switch_to(target, warehouse)


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


def open_read_only(warehouse: Path, attempts: int = 5) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the active published file. A reader that followed newsfacts.duckdb to a
    file just before a publish switched away from it can find that file locked by the writer, who has
    begun bringing it up to date: the link, followed again, names the new publish. Opening the file
    while the link is switched has also been refused once as a file the lockdown forbids (CI, one read in
    thousands, not reproduced since): opening runs no query of the reader's, so that is retried too."""
    path = database_path(warehouse)
    for attempt in range(1, attempts):
        try:
            return connect_read_only(path)
        except (duckdb.IOException, duckdb.PermissionException) as exc:
            if not opened_as_the_link_switched(exc):
                raise
            time.sleep(0.1 * attempt)
    return connect_read_only(path)


def opened_as_the_link_switched(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.PermissionException) or "lock" in str(exc).lower()


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
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
