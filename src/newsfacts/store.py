"""Store: turn stage records into Arrow tables (schemas.py) and keep them as Parquet datasets.

Layout under the warehouse directory:
    parquet/<table>/part-<run_id>.parquet   per-document tables, one part per run that added documents
    parquet/<table>/current.parquet         corpus tables, rebuilt whole each run
Every file is written under a temporary name and renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from newsfacts import schemas
from newsfacts.records import (
    CleanedDocument,
    DocumentFacts,
    Entity,
    EntityLink,
    EntityMention,
    IngestError,
    RawDocument,
)


def parquet_dir(warehouse: Path, table: str) -> Path:
    return warehouse / "parquet" / table


def short_id(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


# ---------- records -> Arrow ----------

def records_table(records: Iterable[object], schema: pa.Schema, **extra: object) -> pa.Table:
    rows = [{**asdict(r), **extra} if hasattr(r, "__dataclass_fields__") else {**r, **extra} for r in records]
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.Table.from_pydict(columns, schema=schema)


def documents_table(raws: list[RawDocument], cleaned: list[CleanedDocument], facts: list[DocumentFacts],
                    run_id: str, now: datetime) -> pa.Table:
    by_id = {f.doc_id: f for f in facts}
    rows = []
    for raw, doc in zip(raws, cleaned, strict=True):
        rows.append({
            **{f.name: getattr(raw, f.name) for f in fields(RawDocument) if f.name != "text"},
            **{f.name: getattr(doc, f.name) for f in fields(CleanedDocument) if f.name != "removed_lines"},
            "word_count": by_id[doc.doc_id].word_count if doc.doc_id in by_id else 0,
            "run_id": run_id,
            "ingested_at": now,
        })
    return records_table(rows, schemas.documents)


def removed_lines_table(cleaned: list[CleanedDocument]) -> pa.Table:
    rows = [{"doc_id": doc.doc_id, **asdict(line)} for doc in cleaned for line in doc.removed_lines]
    return records_table(rows, schemas.removed_lines)


def mentions_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**asdict(m), "mention_id": short_id(m.doc_id, m.char_start, m.char_end)}
            for f in facts for m in f.mentions]
    return records_table(rows, schemas.entity_mentions)


def figures_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**asdict(g), "figure_id": short_id(g.doc_id, g.char_start, g.char_end, g.kind)}
            for f in facts for g in f.figures]
    return records_table(rows, schemas.figures)


def quotes_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**asdict(q), "quote_id": short_id(q.doc_id, q.char_start, q.char_end)}
            for f in facts for q in f.quotes]
    return records_table(rows, schemas.quotes)


def ingest_errors_table(errors: list[IngestError], run_id: str, now: datetime) -> pa.Table:
    return records_table(errors, schemas.ingest_errors, run_id=run_id, recorded_at=now)


def mentions_from_table(table: pa.Table) -> list[EntityMention]:
    names = [f.name for f in fields(EntityMention)]
    return [EntityMention(**{n: row[n] for n in names}) for row in table.select(names).to_pylist()]


# ---------- Parquet ----------

def write_parquet(table: pa.Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(table, partial, compression="zstd")
    os.replace(partial, path)
    return path


def append_part(warehouse: Path, table_name: str, table: pa.Table, run_id: str) -> Path:
    return write_parquet(table, parquet_dir(warehouse, table_name) / f"part-{run_id}.parquet")


def replace_current(warehouse: Path, table_name: str, table: pa.Table) -> Path:
    return write_parquet(table, parquet_dir(warehouse, table_name) / "current.parquet")


def read_dataset(warehouse: Path, table_name: str) -> pa.Table:
    """All stored rows of a table (an empty table with the schema when nothing is stored yet)."""
    schema = schemas.STORED_TABLES[table_name]
    files = sorted(str(p) for p in parquet_dir(warehouse, table_name).glob("*.parquet"))
    if not files:
        return schema.empty_table()
    return ds.dataset(files, schema=schema, format="parquet").to_table()


def stored_doc_ids(warehouse: Path) -> set[str]:
    return set(read_dataset(warehouse, "documents").column("doc_id").to_pylist())


def ensure_datasets(warehouse: Path) -> None:
    """Give every table at least an empty file, so DuckDB can always read its dataset."""
    for name, schema in schemas.STORED_TABLES.items():
        folder = parquet_dir(warehouse, name)
        if not any(folder.glob("*.parquet")):
            target = "current.parquet" if name in schemas.CORPUS_TABLES else "part-empty.parquet"
            write_parquet(schema.empty_table(), folder / target)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def reject_run(warehouse: Path, run_id: str) -> Path:
    """Move a run's parts out of the datasets (kept for inspection) after its validation failed.

    Its documents then count as unprocessed, so the next run extracts them again.
    """
    target = warehouse / "rejected" / run_id
    for part in sorted((warehouse / "parquet").glob(f"*/part-{run_id}.parquet")):
        target.mkdir(parents=True, exist_ok=True)
        os.replace(part, target / f"{part.parent.name}.parquet")
    return target


def reset_datasets(warehouse: Path) -> None:
    """Forget every stored fact so the next run processes all raw files again (raw files untouched)."""
    root = warehouse / "parquet"
    for part in sorted(root.glob("*/*.parquet")):
        part.unlink()


def store_run(warehouse: Path, run_id: str, now: datetime, raws: list[RawDocument],
              cleaned: list[CleanedDocument], facts: list[DocumentFacts],
              errors: list[IngestError]) -> dict[str, int]:
    """Write this run's new documents and facts, and this run's ingest errors; returns row counts."""
    tables = {
        "documents": documents_table(raws, cleaned, facts, run_id, now),
        "removed_lines": removed_lines_table(cleaned),
        "entity_mentions": mentions_table(facts),
        "figures": figures_table(facts),
        "quotes": quotes_table(facts),
    }
    if raws:
        for name, table in tables.items():
            append_part(warehouse, name, table, run_id)
    replace_current(warehouse, "ingest_errors", ingest_errors_table(errors, run_id, now))
    return {name: table.num_rows for name, table in tables.items()} | {"ingest_errors": len(errors)}


def store_entities(warehouse: Path, entities: list[Entity], links: list[EntityLink]) -> int:
    replace_current(warehouse, "entities", records_table(entities, schemas.entities))
    replace_current(warehouse, "entity_links", records_table(links, schemas.entity_links))
    return len(entities)


def quarantine_documents(warehouse: Path, run_id: str, doc_ids: set[str]) -> Path:
    """Take quarantined documents' rows out of the per-document datasets (kept for inspection under
    quarantined/<run_id>/), so that they count as unprocessed and the next run extracts them again."""
    target = warehouse / "quarantined" / run_id
    wanted = pa.array(sorted(doc_ids), pa.string())
    for name in schemas.PER_DOCUMENT_TABLES:
        taken = []
        for part in sorted(parquet_dir(warehouse, name).glob("part-*.parquet")):
            table = pq.read_table(part)
            hit = pc.is_in(table.column("doc_id"), value_set=wanted)
            if not pc.any(hit).as_py():
                continue
            taken.append(table.filter(hit))
            write_parquet(table.filter(pc.invert(hit)), part)
        if taken:
            write_parquet(pa.concat_tables(taken, promote_options="permissive"), target / f"{name}.parquet")
    return target
