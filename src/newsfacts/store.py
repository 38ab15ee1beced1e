"""Store: turn stage records into Arrow tables (schemas.py) and keep them as Parquet datasets.

Layout under the warehouse directory:
    parquet/<table>/part-<commit_id>.parquet   per-document tables and withdrawn_documents, one part per commit
    commits/<commit_id>.json                   a commit: the part files that belong to it, and its run
    parquet/<table>/current.parquet            corpus tables, rebuilt whole each run from committed data
A run commits each batch of documents on its own (commit id `<run_id>-b<number>`), then its
withdrawals (commit id `<run_id>`). A commit writes its part files first and renames its manifest
into commits/ last: its facts become visible together or not at all, and a run cut short keeps the
batches it committed (the next run goes on from there; a failed validation takes them all back). Readers (the already-processed check,
linking, staging) read only committed parts, less the documents withdrawn since; part files no
manifest lists are what a crash left behind, and the next run deletes them.
Every file is written under a temporary name and renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsfacts import pause, schemas
from newsfacts.records import (
    CleanedDocument,
    DocumentFacts,
    Entity,
    EntityLink,
    FileStat,
    IngestError,
    RawDocument,
)

QUARANTINE_SUFFIX = "-quarantine"
# A compacted part keeps, with each row, the run that first committed it (withdrawals name documents by run).
COMMIT_RUN_COLUMN = "commit_run_id"
# Compaction merges published commits once more than this many manifests are in commits/ ...
MAX_COMMITS = 32
# ... leaving alone the commits whose parts already hold this many bytes (merged once, not again and again).
LARGE_COMMIT_BYTES = 64 * 2**20
COMPACTED_SUFFIX = "+compacted"
# Tables read by key (a story member by number, a feature's count) are written in small row groups, whose
# min/max let DuckDB read only those that may hold a key: a lookup of 45 members among 200,000 in 1M-row
# groups decompressed every signature (1.5 s, 150 MB), in 2,048-row ones it reads a few (0.04 s).
LOOKUP_TABLES = ("story_members", "story_features")
LOOKUP_ROW_GROUP_ROWS = 2048


def parquet_dir(warehouse: Path, table: str) -> Path:
    return warehouse / "parquet" / table


def commits_dir(warehouse: Path) -> Path:
    return warehouse / "commits"


def short_id(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]


# ---------- records -> Arrow ----------

def as_row(record) -> dict:
    """A flat record's fields by name. Not dataclasses.asdict: it deep-copies every value, which cost the
    main process about 10 ms a document's facts while the workers parse (the records hold scalars only)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def records_table(records: Iterable[object], schema: pa.Schema, **extra: object) -> pa.Table:
    rows = [{**as_row(r), **extra} if hasattr(r, "__dataclass_fields__") else {**r, **extra} for r in records]
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
    rows = [{"doc_id": doc.doc_id, **as_row(line)} for doc in cleaned for line in doc.removed_lines]
    return records_table(rows, schemas.removed_lines)


def mentions_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**as_row(m), "mention_id": short_id(m.doc_id, m.char_start, m.char_end)}
            for f in facts for m in f.mentions]
    return records_table(rows, schemas.entity_mentions)


def figures_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**as_row(g), "figure_id": short_id(g.doc_id, g.char_start, g.char_end, g.kind)}
            for f in facts for g in f.figures]
    return records_table(rows, schemas.figures)


def quotes_table(facts: list[DocumentFacts]) -> pa.Table:
    rows = [{**as_row(q), "quote_id": short_id(q.doc_id, q.char_start, q.char_end)}
            for f in facts for q in f.quotes]
    return records_table(rows, schemas.quotes)


def ingest_errors_table(errors: list[IngestError], run_id: str, now: datetime) -> pa.Table:
    return records_table(errors, schemas.ingest_errors, run_id=run_id, recorded_at=now)


def withdrawn_table(rows: list[dict], run_id: str, now: datetime) -> pa.Table:
    return records_table(rows, schemas.withdrawn_documents, run_id=run_id, withdrawn_at=now)


# ---------- Parquet ----------

def write_durably(path: Path, write) -> Path:
    """Write through `write(file)` under a temporary name, flush to disk, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
    return path


def write_parquet(table: pa.Table, path: Path, row_group_rows: int | None = None) -> Path:
    return write_durably(path, lambda out: pq.write_table(table, out, compression="zstd", row_group_size=row_group_rows))


def write_json(data: dict, path: Path) -> Path:
    return write_durably(path, lambda out: out.write(json.dumps(data, indent=1, default=str).encode()))


def part_path(warehouse: Path, table_name: str, commit_id: str) -> Path:
    return parquet_dir(warehouse, table_name) / f"part-{commit_id}.parquet"


def append_part(warehouse: Path, table_name: str, table: pa.Table, commit_id: str) -> Path:
    rows = LOOKUP_ROW_GROUP_ROWS if table_name in LOOKUP_TABLES else None
    return write_parquet(table, part_path(warehouse, table_name, commit_id), rows)


def replace_current(warehouse: Path, table_name: str, table: pa.Table) -> Path:
    return write_parquet(table, parquet_dir(warehouse, table_name) / "current.parquet")


# ---------- commits ----------

def commit(warehouse: Path, run_id: str, now: datetime, parts: dict[str, Path], commit_id: str | None = None) -> Path:
    """The one atomic step that makes part files visible: their manifest renamed into commits/."""
    commit_id = commit_id or run_id
    manifest = {"run_id": run_id, "commit_id": commit_id, "committed_at": now.isoformat(),
                "parts": {name: path.relative_to(warehouse).as_posix() for name, path in parts.items()}}
    return write_json(manifest, commits_dir(warehouse) / f"{commit_id}.json")


def batch_commit_id(run_id: str, number: int) -> str:
    return f"{run_id}-b{number:05d}"


def all_manifests(warehouse: Path) -> list[dict]:
    """Every manifest in commits/, oldest first, those a compaction replaced included."""
    return [json.loads(path.read_text()) for path in sorted(commits_dir(warehouse).glob("*.json"))]


def committed(warehouse: Path) -> list[dict]:
    """Every commit's manifest, oldest first; a compaction's manifest stands for the commits it merged
    (their manifests, until deleted, are skipped: renaming the compaction's in is its one atomic step)."""
    manifests = all_manifests(warehouse)
    replaced = {commit_id for m in manifests for commit_id in m.get("replaces", ())}
    return [m for m in manifests if m["commit_id"] not in replaced]


def committed_run_ids(warehouse: Path) -> set[str]:
    """The runs whose commits are in the store (a quarantine commit counts as its publishing run's)."""
    return {m["run_id"].removesuffix(QUARANTINE_SUFFIX) for m in committed(warehouse)}


def committed_parts(warehouse: Path, table_name: str) -> list[tuple[str, Path]]:
    """(run_id, part file) of a table's committed parts; a compacted part's rows name their run in
    COMMIT_RUN_COLUMN (its run_id is "")."""
    return [("" if m.get("replaces") else m["run_id"], warehouse / m["parts"][table_name])
            for m in committed(warehouse) if table_name in m["parts"]]


def withdrawn_keys(warehouse: Path) -> dict[str, set[str]]:
    """run_id -> doc_ids of that run's documents withdrawn by a later commit."""
    keys: dict[str, set[str]] = {}
    for row in read_committed(warehouse, "withdrawn_documents").select(["doc_id", "document_run_id"]).to_pylist():
        keys.setdefault(row["document_run_id"], set()).add(row["doc_id"])
    return keys


def read_committed(warehouse: Path, table_name: str, hidden: dict[str, set[str]] | None = None,
                   columns: list[str] | None = None) -> pa.Table:
    """Committed rows of a table (only `columns`, when given), less the rows of documents in `hidden`
    (run_id -> doc_ids)."""
    schema = schemas.PART_TABLES[table_name]
    wanted = columns or schema.names
    read = list(dict.fromkeys([*wanted, "doc_id"])) if hidden else wanted
    pieces = []
    for run_id, path in committed_parts(warehouse, table_name):
        piece = read_part(path, run_id, schema, read)
        if hidden:
            piece = piece.filter(pc.invert(hidden_rows(piece, hidden)))
        pieces.append(piece.select(wanted))
    return pa.concat_tables(pieces) if pieces else pa.schema([schema.field(c) for c in wanted]).empty_table()


def read_part(path: Path, run_id: str, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """A part's rows (only `columns`, when given) with the run that committed each (COMMIT_RUN_COLUMN)."""
    columns = list(columns or schema.names)
    if run_id:
        piece = pq.read_table(path, schema=schema, columns=columns)
        return piece.append_column(COMMIT_RUN_COLUMN, pa.array([run_id] * piece.num_rows, pa.string()))
    return pq.read_table(path, schema=schema.append(pa.field(COMMIT_RUN_COLUMN, pa.string())),
                         columns=[*columns, COMMIT_RUN_COLUMN])


def hidden_rows(piece: pa.Table, hidden: dict[str, set[str]]) -> pa.Array:
    """Which rows belong to a (run, document) in `hidden`."""
    keys = pc.binary_join_element_wise(piece[COMMIT_RUN_COLUMN], piece["doc_id"], "\x1f")
    wanted = pa.array(sorted(f"{run_id}\x1f{doc_id}" for run_id, docs in hidden.items() for doc_id in docs), pa.string())
    return pc.is_in(keys, value_set=wanted)


def read_dataset(warehouse: Path, table_name: str, columns: list[str] | None = None) -> pa.Table:
    """The rows of a stored table readers see: committed and not withdrawn (an empty table when none);
    only `columns`, when given."""
    if table_name in schemas.CORPUS_TABLES:
        path = parquet_dir(warehouse, table_name) / "current.parquet"
        schema = schemas.CORPUS_TABLES[table_name]
        table = pq.read_table(path, schema=schema, columns=columns) if path.exists() else schema.empty_table()
        return table.select(columns) if columns else table
    hidden = withdrawn_keys(warehouse) if table_name in schemas.PER_DOCUMENT_TABLES else None
    table = read_committed(warehouse, table_name, hidden, columns)
    if table_name in schemas.DOCUMENT_STATE_TABLES:  # hidden by the run that stored the document
        rows = read_committed(warehouse, table_name, columns=["doc_id", "document_run_id"])
        table = table.filter(pc.invert(hidden_rows(rows.rename_columns(["doc_id", COMMIT_RUN_COLUMN]),
                                                   withdrawn_keys(warehouse))))
    return table


def live_documents(warehouse: Path) -> pa.Table:
    """doc_id, source_path and run_id of every document the published tables are built from."""
    return read_dataset(warehouse, "documents", ["doc_id", "source_path", "run_id"])


def stored_doc_ids(warehouse: Path) -> set[str]:
    return set(live_documents(warehouse).column("doc_id").to_pylist())


def ensure_datasets(warehouse: Path) -> None:
    """Create the store's folders (readers treat a table with no committed part as empty)."""
    for name in {**schemas.STORED_TABLES, **schemas.PART_TABLES}:
        parquet_dir(warehouse, name).mkdir(parents=True, exist_ok=True)
    commits_dir(warehouse).mkdir(parents=True, exist_ok=True)


def clean_uncommitted(warehouse: Path) -> list[Path]:
    """Delete what an interrupted run left: part files no commit lists, and half-written files.

    Only call with the writer lock held. A store written before commits existed is adopted first.
    """
    if not commits_dir(warehouse).exists():
        adopt_legacy_parts(warehouse)
    live = committed(warehouse)
    live_ids = {m["commit_id"] for m in live}
    for path in sorted(commits_dir(warehouse).glob("*.json")):  # merged by a compaction that finished
        if path.stem not in live_ids:
            path.unlink()
    listed = {warehouse / part for m in live for part in m["parts"].values()}
    root = warehouse / "parquet"
    leftovers = [p for p in root.glob("*/part-*.parquet") if p not in listed]
    leftovers += list(root.glob("*/.*.partial")) + list(commits_dir(warehouse).glob(".*.partial"))
    for path in leftovers:
        path.unlink()
    return sorted(leftovers)


# ---------- compaction ----------

def commit_bytes(warehouse: Path, manifest: dict) -> int:
    return sum((warehouse / part).stat().st_size for part in manifest["parts"].values())


def compactable(warehouse: Path, published_run_id: str | None, max_commits: int = MAX_COMMITS) -> list[dict]:
    """The commits the next compaction merges: none while commits/ holds at most `max_commits`; else
    every published commit (never one a failed validation could still take back) not already large."""
    manifests = committed(warehouse)
    if published_run_id is None or len(manifests) <= max_commits:
        return []
    small = [m for m in manifests if m["run_id"].removesuffix(QUARANTINE_SUFFIX) <= published_run_id
             and commit_bytes(warehouse, m) < LARGE_COMMIT_BYTES]
    return small if len(small) > 1 else []


def compact(warehouse: Path, published_run_id: str | None, max_commits: int = MAX_COMMITS) -> int:
    """Merge many small published commits into one, table by table; returns how many were merged.

    Crash-safe like any commit: the merged parts are written first, then the manifest naming them and
    the commits they replace is renamed in (the one atomic step; readers skip replaced commits from
    then on), and only then are the replaced manifests and parts deleted (by clean_uncommitted, which
    also finishes a compaction a crash interrupted, or drops the parts of one that never committed).
    Only the writer calls it. The rows stay as they were, with the run that committed each.
    """
    merged = compactable(warehouse, published_run_id, max_commits)
    if not merged:
        return 0
    first_run_id = merged[0].get("first_run_id", merged[0]["run_id"])
    commit_id = f"{first_run_id}{COMPACTED_SUFFIX}-{new_run_id()}"  # sorts just before the commits it merged
    parts = {}
    for name, schema in schemas.PART_TABLES.items():
        pieces = [read_part(warehouse / m["parts"][name], "" if m.get("replaces") else m["run_id"], schema)
                  for m in merged if name in m["parts"]]
        if pieces:
            parts[name] = append_part(warehouse, name, pa.concat_tables(pieces), commit_id)
            pause.point(f"compact:{name}")
    manifest = {"run_id": max(m["run_id"].removesuffix(QUARANTINE_SUFFIX) for m in merged), "commit_id": commit_id,
                "first_run_id": first_run_id, "committed_at": datetime.now(timezone.utc).isoformat(),
                "replaces": [m["commit_id"] for m in merged],
                "parts": {name: path.relative_to(warehouse).as_posix() for name, path in parts.items()}}
    write_json(manifest, commits_dir(warehouse) / f"{commit_id}.json")
    pause.point("compact:committed")
    clean_uncommitted(warehouse)
    return len(merged)


def adopt_legacy_parts(warehouse: Path) -> None:
    """Commit the runs of a store written before commits existed whose every table has its part."""
    root = warehouse / "parquet"
    runs = {p.stem.removeprefix("part-") for p in root.glob("documents/part-*.parquet")} - {"empty"}
    for run_id in sorted(runs):
        parts = {name: part_path(warehouse, name, run_id) for name in schemas.PER_DOCUMENT_TABLES}
        if all(p.exists() for p in parts.values()):
            commit(warehouse, run_id, datetime.now(timezone.utc), parts)
    commits_dir(warehouse).mkdir(parents=True, exist_ok=True)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def reject_run(warehouse: Path, run_id: str) -> Path:
    """Take a run's commits back after its validation failed; their files are kept for inspection.

    Moving a manifest out is the atomic step; the run's documents then count as unprocessed again,
    so the next run extracts them again (and withdraws again what it withdrew). The run's own
    commit goes last: until then, its batches' documents are still withdrawn from nothing.
    """
    target = warehouse / "rejected" / run_id
    manifests = (sorted(commits_dir(warehouse).glob(f"{run_id}-b*.json"))
                 + [commits_dir(warehouse) / f"{run_id}-stories.json", commits_dir(warehouse) / f"{run_id}.json"])
    for manifest in manifests:
        if manifest.exists():
            commit_id = manifest.stem
            take_back(warehouse, manifest, target if commit_id == run_id else target / commit_id.removeprefix(f"{run_id}-"))
    return target


def take_back(warehouse: Path, manifest: Path, target: Path) -> None:
    parts = json.loads(manifest.read_text())["parts"]
    target.mkdir(parents=True, exist_ok=True)
    os.replace(manifest, target / "commit.json")
    for name, part in parts.items():
        if (warehouse / part).exists():
            os.replace(warehouse / part, target / f"{name}.parquet")


def reset_datasets(warehouse: Path) -> None:
    """Forget every stored fact so the next run processes all raw files again (raw files untouched).

    Commits go first, newest first: whatever a crash leaves is still a set of whole commits.
    """
    for manifest in sorted(commits_dir(warehouse).glob("*.json"), reverse=True):
        manifest.unlink()
    for part in sorted((warehouse / "parquet").glob("*/*.parquet")):
        part.unlink()


# ---------- the raw folder is the truth ----------

def raw_contents(documents: list[RawDocument], known: dict[str, str], errors: list[IngestError]) -> dict[str, str | None]:
    """Every path now in the raw folder -> the doc_id of its bytes ("" when not known, None when unreadable)."""
    contents: dict[str, str | None] = {d.source_path: d.doc_id for d in documents} | known
    for error in errors:
        contents.setdefault(error.source_path, None if error.reason == "unreadable" else error.doc_id or "")
    return contents


def withdrawals(live: pa.Table, contents: dict[str, str | None], keep_removed: bool = False) -> list[dict]:
    """Live documents whose raw file now holds other bytes (superseded) or is gone (removed).

    A file that cannot be read just now keeps its document; with keep_removed, so does a file
    archived away on purpose.
    """
    rows = []
    for doc in live.to_pylist():
        path = doc["source_path"]
        if path not in contents:
            if keep_removed:
                continue
            reason, replaced_by = "removed", None
        elif contents[path] is None or contents[path] == doc["doc_id"]:
            continue
        else:
            reason, replaced_by = "superseded", contents[path] or None
        rows.append({"source_path": path, "doc_id": doc["doc_id"], "document_run_id": doc["run_id"],
                     "reason": reason, "replaced_by": replaced_by})
    return rows


# ---------- one run ----------

def document_tables(raws: list[RawDocument], cleaned: list[CleanedDocument], facts: list[DocumentFacts],
                    run_id: str, now: datetime) -> dict[str, pa.Table]:
    return {
        "documents": documents_table(raws, cleaned, facts, run_id, now),
        "removed_lines": removed_lines_table(cleaned),
        "entity_mentions": mentions_table(facts),
        "figures": figures_table(facts),
        "quotes": quotes_table(facts),
    }


def commit_tables(warehouse: Path, run_id: str, commit_id: str, now: datetime, tables: dict[str, pa.Table]) -> Path:
    parts = {}
    for name, table in tables.items():
        parts[name] = append_part(warehouse, name, table, commit_id)
        pause.point(f"store:{name}")
    manifest = commit(warehouse, run_id, now, parts, commit_id)
    pause.point("store:committed")
    return manifest


def store_batch(warehouse: Path, run_id: str, number: int, now: datetime, raws: list[RawDocument],
                cleaned: list[CleanedDocument], facts: list[DocumentFacts]) -> dict[str, int]:
    """Write one batch of a run's new documents and their facts, and commit them; returns row counts."""
    tables = document_tables(raws, cleaned, facts, run_id, now)
    if raws:
        commit_tables(warehouse, run_id, batch_commit_id(run_id, number), now, tables)
    return {name: table.num_rows for name, table in tables.items()}


def store_run_end(warehouse: Path, run_id: str, now: datetime, errors: list[IngestError],
                  withdrawn: list[dict] = ()) -> dict[str, int]:
    """After a run's batches: its withdrawals (committed) and the raw folder's ingest errors (a corpus
    table, recomputed every run)."""
    table = withdrawn_table(list(withdrawn), run_id, now)
    replace_current(warehouse, "ingest_errors", ingest_errors_table(errors, run_id, now))
    pause.point("store:ingest_errors")
    if withdrawn:
        commit_tables(warehouse, run_id, run_id, now, {"withdrawn_documents": table})
    return {"withdrawn_documents": table.num_rows, "ingest_errors": len(errors)}


def raw_files_path(warehouse: Path) -> Path:
    return parquet_dir(warehouse, "raw_files") / "current.parquet"


def known_raw_files(warehouse: Path) -> dict[str, FileStat]:
    """What the last survey found of each raw file (ingest.survey's known_files)."""
    path = raw_files_path(warehouse)
    if not path.exists():
        return {}
    return {row["source_path"]: FileStat(row["size_bytes"], row["mtime_ns"], row["doc_id"])
            for row in pq.read_table(path, schema=schemas.raw_files).to_pylist()}


def write_raw_files(warehouse: Path, stats: dict[str, FileStat]) -> Path:
    rows = [{"source_path": path, "size_bytes": s.size_bytes, "mtime_ns": s.mtime_ns, "doc_id": s.doc_id}
            for path, s in sorted(stats.items())]
    return write_parquet(pa.Table.from_pylist(rows, schema=schemas.raw_files), raw_files_path(warehouse))


def same_ingest_errors(warehouse: Path, errors: list[IngestError]) -> bool:
    """Whether the stored ingest errors are these (the raw folder's errors have not changed)."""
    columns = ["source_path", "doc_id", "reason", "detail", "size_bytes"]
    stored = read_dataset(warehouse, "ingest_errors").select(columns).to_pylist()
    return sorted(map(tuple, (row.values() for row in stored)), key=repr) == sorted(
        ((e.source_path, e.doc_id, e.reason, e.detail, e.size_bytes) for e in errors), key=repr)


def store_run(warehouse: Path, run_id: str, now: datetime, raws: list[RawDocument],
              cleaned: list[CleanedDocument], facts: list[DocumentFacts],
              errors: list[IngestError], withdrawn: list[dict] = ()) -> dict[str, int]:
    """A whole run in one commit (documents, facts and withdrawals) and its ingest errors; returns row counts."""
    tables = document_tables(raws, cleaned, facts, run_id, now) | {
        "withdrawn_documents": withdrawn_table(list(withdrawn), run_id, now)}
    replace_current(warehouse, "ingest_errors", ingest_errors_table(errors, run_id, now))
    pause.point("store:ingest_errors")
    if raws or withdrawn:
        commit_tables(warehouse, run_id, run_id, now, tables)
    return {name: table.num_rows for name, table in tables.items()} | {"ingest_errors": len(errors)}


# ---------- reading some documents' rows ----------

def rows_of_documents(warehouse: Path, table: str, documents: pa.Table, columns: list[str]) -> pa.Table:
    """A per-document table's rows of these documents (doc_id, run_id: as that run stored them), read by
    DuckDB from the parts of those runs only, filtered as it reads: what is held is what is asked for."""
    import duckdb

    runs = {run.removesuffix(QUARANTINE_SUFFIX) for run in documents["run_id"].to_pylist()}
    parts = []
    for manifest in committed(warehouse):
        first, last = manifest.get("first_run_id", manifest["run_id"]), manifest["run_id"]
        if table in manifest["parts"] and any(first <= run <= last for run in runs):
            parts.append(("" if manifest.get("replaces") else manifest["run_id"],
                          str(warehouse / manifest["parts"][table])))
    schema = schemas.PART_TABLES[table]
    if not parts or not documents.num_rows:
        return pa.schema([schema.field(c) for c in columns]).empty_table()
    compacted = any(not run for run, _ in parts)
    run = f"coalesce(nullif(p.run_id, ''), r.{COMMIT_RUN_COLUMN})" if compacted else "p.run_id"
    selected = ", ".join(f'r."{c}"' for c in columns)
    with duckdb.connect() as con:
        con.register("wanted", documents.select(["doc_id", "run_id"]))
        con.register("part_runs", pa.table({"run_id": [r for r, _ in parts], "filename": [f for _, f in parts]}))
        listed = ", ".join("'" + f.replace("'", "''") + "'" for _, f in parts)
        rows = con.sql(f"SELECT {selected} FROM read_parquet([{listed}], filename = true, union_by_name = true) AS r "
                       f"JOIN part_runs AS p ON p.filename = r.filename "
                       f"SEMI JOIN wanted AS w ON w.doc_id = r.doc_id AND w.run_id = {run}").to_arrow_table()
    return rows.cast(pa.schema([schema.field(c) for c in columns]))



# ---------- linking ----------

def store_entities(warehouse: Path, entities: list[Entity], links: list[EntityLink]) -> int:
    replace_current(warehouse, "entities", records_table(entities, schemas.entities))
    pause.point("link:entities")
    replace_current(warehouse, "entity_links", records_table(links, schemas.entity_links))
    return len(entities)


def quarantine_documents(warehouse: Path, run_id: str, now: datetime, doc_ids: set[str]) -> int:
    """Withdraw quarantined documents (reason `quarantined`) in a commit of their own; returns how many.

    Their stored rows stay, hidden like any withdrawn document's, and they no longer count as
    processed, so the next run extracts them again. Called after the publish that left them out: a
    crash before this commit only means the next run quarantines them again.
    """
    live = [doc for doc in live_documents(warehouse).to_pylist() if doc["doc_id"] in doc_ids]
    if not live:
        return 0
    rows = [{"source_path": doc["source_path"], "doc_id": doc["doc_id"], "document_run_id": doc["run_id"],
             "reason": "quarantined", "replaced_by": None} for doc in live]
    key = f"{run_id}{QUARANTINE_SUFFIX}"  # not a run of its own: a later failed run never takes it back
    part = append_part(warehouse, "withdrawn_documents", withdrawn_table(rows, run_id, now), key)
    commit(warehouse, key, now, {"withdrawn_documents": part})
    return len(rows)
