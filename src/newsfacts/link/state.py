"""The linking state in the store: what the last link left (entities, entity_links, entity_keys,
linked_documents under parquet/<table>/current.parquet), read and written together, and the link of a
warehouse's live documents from it (link/incremental.py decides what is linked again)."""
from __future__ import annotations

import functools
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
    return Linker(warehouse).finish()


def planned_steps(live: pa.Table, linked_before: pa.Table) -> tuple[list[pa.Table], int]:
    """The live documents each step of a link sees (doc_id, run_id), and how many are new: many new documents
    are linked LINK_CHUNK_DOCS at a time in the order they were stored, each step an incremental update (which
    gives what one link of them all gives), so that a first run's memory is bounded like its batches'."""
    linked = pc.is_in(live["doc_id"], value_set=linked_before["doc_id"])
    settled, fresh = live.filter(linked), live.filter(pc.invert(linked))
    return [pa.concat_tables([settled, fresh.slice(0, start + LINK_CHUNK_DOCS)])
            for start in range(0, max(fresh.num_rows, 1), LINK_CHUNK_DOCS)], fresh.num_rows


class Linker:
    """The link of a warehouse from its stored state, step by step (see planned_steps). While a run still stores
    batches, `ahead` links the steps whose new documents are all stored; `finish` links the rest and writes the
    state. A step linked ahead is kept only when the final plan takes that very step (the same live documents,
    in the same order): else (a document withdrawn or stored out of order since) the link starts again from the
    stored state, so what is written is always what linking at the end alone writes."""

    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self.looked = 0  # steps' worth of stored documents when ahead last read the store
        self.state: incremental.LinkState | None = None  # after the steps linked (None: none yet)
        self.steps: list[tuple[pa.Table, incremental.LinkChange]] = []  # (live documents of the step, its change)

    @functools.cached_property
    def before(self) -> incremental.LinkState:
        """The stored state, read when first needed: a run that stores fewer than a step's documents holds
        none of it while it extracts."""
        return read_link_state(self.warehouse) or incremental.empty_state()

    def mentions(self, documents: pa.Table) -> pa.Table:  # of the documents linking asks for, not the corpus's
        return store.rows_of_documents(self.warehouse, "entity_mentions", documents, MENTION_COLUMNS)

    def live(self) -> pa.Table:
        return store.live_documents(self.warehouse).select(["doc_id", "run_id"])

    def ahead(self, stored: int) -> int:
        """Link the steps whose new documents are all stored, `stored` new documents having been stored by
        the run so far: the store is read each time they fill one more step. Returns the steps linked."""
        if stored // LINK_CHUNK_DOCS <= self.looked:
            return 0
        self.looked = stored // LINK_CHUNK_DOCS
        plan, new = planned_steps(self.live(), self.before.documents)
        return self.take(plan[:new // LINK_CHUNK_DOCS])

    def finish(self) -> incremental.LinkChange:
        """The rest of the link, its state written when it changed; the change of the whole link."""
        plan, _ = planned_steps(self.live(), self.before.documents)
        self.take(plan)
        if self.state is not self.before:
            write_link_state(self.warehouse, self.state)
        return incremental.combined([change for _, change in self.steps])

    def take(self, plan: list[pa.Table]) -> int:
        """Link the steps of `plan` not linked yet; start again when those linked are not its first ones."""
        if self.state is None or len(self.steps) > len(plan) or any(
                not taken.equals(step) for (taken, _), step in zip(self.steps, plan)):
            self.state, self.steps = self.before, []
        linked = 0
        for step in plan[len(self.steps):]:
            self.state, change = incremental.update(self.state, step, self.mentions)
            self.steps.append((step, change))
            linked += 1
        return linked


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
