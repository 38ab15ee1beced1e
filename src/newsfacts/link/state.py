"""The linking state in the store: what the last link left (entities, entity_links, entity_keys,
linked_documents under parquet/<table>/current.parquet), read and written together, and the link of a
warehouse's live documents from it (link/incremental.py decides what is linked again)."""
from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsfacts import pause, schemas, store
from newsfacts.link import incremental

LINK_STATE_KEY = b"newsfacts_link_state"

# New documents linked in one step of incremental linking, at most.
LINK_CHUNK_DOCS = 500

MENTION_COLUMNS = ["doc_id", "text", "label", "char_start", "char_end", "local_key"]


def link_warehouse(warehouse: Path) -> incremental.LinkChange:
    """Link the live documents' entity mentions: only what changed since the stored linking state,
    or all of them when there is none (a new or reset warehouse, or a state a crash left half written)."""
    live = store.live_documents(warehouse).select(["doc_id", "run_id"])

    def mentions(documents: pa.Table) -> pa.Table:  # of the documents linking asks for, not the corpus's
        return store.rows_of_documents(warehouse, "entity_mentions", documents, MENTION_COLUMNS)

    state = before = read_link_state(warehouse) or incremental.empty_state()
    linked = pc.is_in(live["doc_id"], value_set=state.documents["doc_id"])
    settled, fresh = live.filter(linked), live.filter(pc.invert(linked))
    steps = []
    # Many new documents are linked LINK_CHUNK_DOCS at a time, each step an incremental update (which
    # gives what one link of them all gives): a first run's memory is bounded like its batches'.
    for start in range(0, max(fresh.num_rows, 1), LINK_CHUNK_DOCS):
        upto = pa.concat_tables([settled, fresh.slice(0, start + LINK_CHUNK_DOCS)])
        state, step = incremental.update(state, upto, mentions)
        steps.append(step)
    if state is not before:
        write_link_state(warehouse, state)
    return incremental.combined(steps)


def read_link_state(warehouse: Path) -> incremental.LinkState | None:
    """The state the last link wrote, or None when a table of it is missing or from another link. The
    members (entity_links with their spellings) stay on disk: only DuckDB reads them."""
    paths = state_paths(warehouse)
    if not all(path.exists() for path in paths.values()):
        return None
    marks = {(pq.read_schema(path).metadata or {}).get(LINK_STATE_KEY) for path in paths.values()}
    if len(marks) != 1 or None in marks or "spelling_id" not in pq.read_schema(paths["entity_links"]).names:
        return None
    tables = {name: pq.read_table(paths[name], schema=schemas.LINK_STATE_TABLES[name])
              for name in ("entities", "entity_keys", "entity_spellings", "linked_documents")}
    return incremental.LinkState(tables["entities"], tables["entity_keys"], tables["entity_spellings"],
                                 tables["linked_documents"], incremental.Members(paths["entity_links"]))


def state_paths(warehouse: Path) -> dict[str, Path]:
    return {name: store.parquet_dir(warehouse, name) / "current.parquet" for name in schemas.LINK_STATE_TABLES}


def write_link_state(warehouse: Path, state: incremental.LinkState) -> None:
    """Every table marked with one id: a crash between two of them leaves marks that differ, and the
    next run links everything again instead of starting from half a state. entity_links (each member
    with its spelling's entity) is written by DuckDB from the file last written and the change since
    (never whole in Python), before any table is replaced."""
    mark = {LINK_STATE_KEY: store.new_run_id().encode()}
    paths = state_paths(warehouse)
    links = paths["entity_links"].with_name(f".{paths['entity_links'].name}.next")
    with duckdb.connect() as con:
        con.register("spellings", state.spellings.select(["spelling_id", "entity_id"]))
        write_query(con, f"SELECT m.doc_id, m.local_key, s.entity_id, m.spelling_id FROM {state.members.select(con)} "
                         "AS m JOIN spellings AS s USING (spelling_id)", schemas.LINK_STATE_TABLES["entity_links"],
                    links, mark)
    tables = {"entity_keys": state.keys, "linked_documents": state.documents, "entity_spellings": state.spellings,
              "entities": state.entities, "entity_links": None}
    for name, table in tables.items():
        if table is None:
            os.replace(links, paths[name])
        else:
            store.replace_current(warehouse, name, table.replace_schema_metadata(mark))
        pause.point(f"link:{name}")


def write_query(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema, path: Path, mark: dict) -> None:
    """`sql`'s rows as a Parquet file, written a batch at a time (a run never holds the table whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    batches = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    with open(path, "wb") as out:
        with pq.ParquetWriter(out, schema.with_metadata(mark), compression="zstd") as writer:
            for batch in batches:
                writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema.with_metadata(mark)))
        out.flush()
        os.fsync(out.fileno())


# Rows written at a time by write_query.
BATCH_ROWS = 100_000
