"""What a run costs as the store grows: the same 20 new documents added to warehouses of N stored documents.

A seed warehouse is made by a real run on a few documents (benchmark HTML pages with invented leads,
or the articles of a raw folder). A warehouse of N documents is then grown from it without
extracting anything: the seed's stored rows (documents, facts, story features, linking state) copied
under new document ids, in DuckDB, written as the store's own Parquet parts and commit, and published
once. Copy i of a document is published i days earlier, and its MinHash signature is scrambled, so
copies are distinct documents to the story index (as a year of news is), not near-duplicates of
each other; entities keep their ids (a copy mentions the same people), their counts scaled.

Each N then gets one real `newsfacts run` (a child process) adding the same new documents: its wall
time, `stage_seconds` from its run record, the peak resident memory of its whole process tree
(bench.scale.run_child), and the files under the warehouse after it. The raw folder holds only the
new documents: the stored ones count as archived away (`--keep-removed`), so what is measured is the
cost of the corpus already stored, not of surveying a large raw folder.

`--publish-only` measures the stages that follow linking and stories alone, where a whole run at
N = 200,000 would spend its time and memory in them (see the README's Growth): the same 20 more copies
committed after the grown publish, with their entity links and story rows added as a run's linking
and stories leave them (the entities they name counted once more), then load, validate and publish
timed in a child process (`python -m newsfacts.bench.growth publish HOME`), with its peak memory.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from newsfacts import runs, schemas, store, story_index, warehouse
from newsfacts.bench import scale

SIZES = (2_000, 20_000, 200_000)
NEW_DOCUMENTS = 20
SEED_DOCUMENTS = 60
# Per-document tables and the columns that carry a per-row id made from the document's.
ROW_IDS = {"entity_mentions": "mention_id", "figures": "figure_id", "quotes": "quote_id"}


def source_texts(data: Path) -> tuple[list[str], str]:
    """The benchmark's HTML pages when `data` is the article-extraction benchmark, else the articles
    (*.txt, *.html) of a raw folder; with the suffix new files get."""
    if (Path(data) / "html").is_dir():
        return scale.benchmark_pages(data), ".html"
    files = sorted(p for p in Path(data).iterdir() if p.suffix in (".txt", ".html", ".htm"))
    if not files:
        raise ValueError(f"no articles in {data} (*.txt, *.html) and no benchmark pages in {data}/html")
    return [p.read_text(encoding="utf-8", errors="replace") for p in files], files[0].suffix


def with_lead(text: str, lead: str, suffix: str) -> str:
    if suffix == ".txt":  # after the first paragraph (a plain text's title), so the title stays first
        head, _, rest = text.partition("\n\n")
        return f"{head}\n\n{lead}\n\n{rest}"
    return scale.with_lead(text, lead)


def write_documents(texts: list[str], suffix: str, numbers: range, folder: Path) -> Path:
    """Document `number`: text `number` (cycling) with invented lead `number`: distinct bytes each."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        text = with_lead(texts[number % len(texts)], scale.invented_lead(number), suffix)
        (folder / f"growth-{number:07d}{suffix}").write_text(text, encoding="utf-8")
    return folder


def files_under(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def grow(seed: Path, target: Path, size: int) -> dict:
    """A warehouse of `size` stored documents made from the seed warehouse's (copied under new ids)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(seed, target, ignore=shutil.ignore_patterns("parquet", "commits", "*.duckdb", "*.wal"))
    store.ensure_datasets(target)
    live = store.live_documents(seed)
    if live.num_rows == 0:
        raise ValueError("the seed run stored no document")
    run_id = live.column("run_id")[0].as_py()
    copies = -(-size // live.num_rows)
    with duckdb.connect() as con:
        con.register("seed_documents", store.read_dataset(seed, "documents"))
        con.execute("""
            CREATE TABLE ids AS
            SELECT doc_id AS seed_id, i AS copy,
                   CASE WHEN i = 0 THEN doc_id ELSE sha256(doc_id || ':' || i) END AS doc_id
            FROM (SELECT doc_id, row_number() OVER (ORDER BY doc_id) - 1 AS n FROM seed_documents)
            CROSS JOIN range(?) AS r(i)
            WHERE i * (SELECT count(*) FROM seed_documents) + n < ?""", [copies, size])
        parts = {}
        for name in schemas.PER_DOCUMENT_TABLES:
            con.register("seed_rows", store.read_dataset(seed, name))
            parts[name] = store.part_path(target, name, run_id)
            copy_rows(con, per_document_copy(name), parts[name])
            con.unregister("seed_rows")
        parts["withdrawn_documents"] = store.append_part(
            target, "withdrawn_documents", schemas.withdrawn_documents.empty_table(), run_id)
        parts |= copy_story_tables(con, seed, target, run_id)
        store.commit(target, run_id, datetime.now(timezone.utc), parts, run_id)
        copy_corpus_tables(con, seed, target, copies)
    publish_grown(seed, target)
    return {"stored_documents": store.live_documents(target).num_rows, "copies": copies}


def per_document_copy(name: str) -> str:
    """SELECT of a per-document table's seed rows, once per copy of their document."""
    replaced = {"doc_id": "ids.doc_id"}
    if name == "documents":
        replaced |= {"source_path": "'stored/' || ids.copy || '/' || r.source_path",
                     "published_date": "r.published_date - CAST(ids.copy AS INTEGER)"}
    if name in ROW_IDS:
        column = ROW_IDS[name]
        replaced[column] = f"CASE WHEN ids.copy = 0 THEN r.{column} ELSE substr(sha256(r.{column} || ':' || ids.copy), 1, 16) END"
    columns = ", ".join(f"{replaced.get(c, 'r.' + c)} AS {c}" for c in schemas.PER_DOCUMENT_TABLES[name].names)
    return f"SELECT {columns} FROM seed_rows AS r JOIN ids ON ids.seed_id = r.doc_id ORDER BY ids.copy"


def copy_rows(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    """The rows written by DuckDB to a Parquet file under a temporary name, then renamed (as the store writes;
    a table read by key in the store's small row groups)."""
    partial = path.with_name(f".{path.name}.partial")
    table = path.parent.name
    groups = f", ROW_GROUP_SIZE {store.LOOKUP_ROW_GROUP_ROWS}" if table in store.LOOKUP_TABLES else ""
    con.execute(f"COPY ({select}) TO '{partial}' (FORMAT parquet, COMPRESSION zstd{groups})")
    partial.replace(path)


def copy_story_tables(con: duckdb.DuckDBPyConnection, seed: Path, target: Path, run_id: str) -> dict[str, Path]:
    """The seed's story members copied like the documents they describe (a copy's story, its match and
    the story it follows up are the copies of the seed's), with their index rows (band keys of the
    scrambled signature, the same headline names) and feature counts (days shifted with the copy)."""
    con.register("seed_members", story_index.read_members(seed))
    con.register("seed_index", story_index.read_index(seed))
    con.execute("""
        CREATE TABLE grown_members AS
        SELECT r.* REPLACE (
                   ids.doc_id AS doc_id, ? AS document_run_id,
                   row_number() OVER (ORDER BY ids.copy, r.member_seq) AS member_seq,
                   CASE WHEN ids.copy = 0 THEN story_id ELSE story_id || 'c' || ids.copy END AS story_id,
                   published_date - CAST(ids.copy AS INTEGER) AS published_date,
                   CASE WHEN ids.copy = 0 THEN minhash
                        ELSE list_transform(minhash, lambda h: hash(h, ids.copy) % 4294967295) END AS minhash,
                   matched.doc_id AS matched_doc_id,
                   -- a match whose document the last, partial copy lacks is no match
                   CASE WHEN matched.doc_id IS NOT NULL THEN match_score END AS match_score,
                   CASE WHEN matched.doc_id IS NOT NULL THEN shared_names END AS shared_names,
                   CASE WHEN matched.doc_id IS NOT NULL THEN shared_words END AS shared_words,
                   CASE WHEN matched.doc_id IS NOT NULL THEN days_apart END AS days_apart,
                   CASE WHEN matched.doc_id IS NULL OR related_story_id IS NULL THEN NULL
                        WHEN ids.copy = 0 THEN related_story_id
                        ELSE related_story_id || 'c' || ids.copy END AS related_story_id),
               r.member_seq AS seed_seq
        FROM seed_members AS r JOIN ids ON ids.seed_id = r.doc_id
        LEFT JOIN ids AS matched ON matched.seed_id = r.matched_doc_id AND matched.copy = ids.copy""", [run_id])
    members = ", ".join(schemas.story_members.names)
    selects = {
        "story_members": f"SELECT {members} FROM grown_members ORDER BY member_seq",
        "story_index": f"""SELECT CAST(b AS SMALLINT) AS band,
                                  (CAST(minhash[2 * b + 1] AS UBIGINT) << 32) | CAST(minhash[2 * b + 2] AS UBIGINT) AS key,
                                  member_seq
                           FROM grown_members CROSS JOIN range({story_index.BANDS}) AS r(b)
                           UNION ALL
                           SELECT i.band, i.key, m.member_seq FROM seed_index AS i
                           JOIN grown_members AS m ON m.seed_seq = i.member_seq WHERE i.band = {story_index.HEADLINE_BAND}""",
        "story_features": f"""SELECT feature, count(*) AS documents FROM (
                                  SELECT unnest(words || names) AS feature FROM grown_members
                                  UNION ALL SELECT '{story_index.TOTAL_KEY}' FROM grown_members
                                  UNION ALL SELECT '{story_index.DAY_KEY}' || strftime(published_date, '%Y-%m-%d')
                                  FROM grown_members WHERE published_date IS NOT NULL)
                              GROUP BY feature ORDER BY feature""",
    }
    parts = {}
    for name, select in selects.items():
        parts[name] = store.part_path(target, name, run_id)
        copy_rows(con, select, parts[name])
    return parts


def copy_corpus_tables(con: duckdb.DuckDBPyConnection, seed: Path, target: Path, copies: int) -> None:
    """The linking state, copied like the documents it describes."""
    for name in ("entity_links", "linked_documents", "entities", "entity_keys", "entity_spellings"):
        path = store.parquet_dir(seed, name) / "current.parquet"
        schema = (schemas.CORPUS_TABLES | schemas.LINK_STATE_TABLES)[name]
        con.register("seed_rows", store.pq.read_table(path, schema=schema))
        select = {
            "entity_links": "SELECT r.* REPLACE (ids.doc_id AS doc_id) FROM seed_rows AS r JOIN ids ON ids.seed_id = r.doc_id",
            "linked_documents": "SELECT r.* REPLACE (ids.doc_id AS doc_id) FROM seed_rows AS r JOIN ids ON ids.seed_id = r.doc_id",
            "entities": f"SELECT * REPLACE (document_count * {copies} AS document_count, "
                        f"mention_count * {copies} AS mention_count) FROM seed_rows",
            "entity_keys": "SELECT * FROM seed_rows",
            "entity_spellings": "SELECT r.* REPLACE (n.documents AS documents) FROM seed_rows AS r JOIN (SELECT "
                                "spelling_id, count(*) AS documents FROM grown_entity_links GROUP BY ALL) AS n USING (spelling_id)",
        }[name]
        table = con.sql(select).to_arrow_table().rename_columns(schema.names).cast(schema)
        con.register(f"grown_{name}", table)
        metadata = store.pq.read_schema(path).metadata  # the linking state's mark, the same on all five
        store.replace_current(target, name, table.replace_schema_metadata(metadata))
        con.unregister("seed_rows")


def publish_grown(seed: Path, home: Path) -> None:
    """Publish the grown store as its seed run did, with the seed run's validation results."""
    with warehouse.open_read_only(seed) as seed_con:
        validation = seed_con.sql("SELECT * FROM main.validation_results").to_arrow_table()
    warehouse.discard_work(home)
    with warehouse.connect(home) as con:
        warehouse.load_staging(con, home)
        warehouse.publish(con, validation.cast(schemas.validation_results), runs.runs_table(home))
    warehouse.discard_work(home)


def add_copies(seed: Path, home: Path, size: int, count: int = NEW_DOCUMENTS) -> str:
    """Commit `count` more copies of the seed's documents (numbers size .. size+count-1) after the grown
    publish, and add their entity links, linked documents and story rows to the stored state, as a run
    that stored, linked and placed them in stories would leave it; returns the commit's run id."""
    run_id = store.new_run_id()
    seed_count = store.live_documents(seed).num_rows
    with duckdb.connect() as con:
        con.register("seed_documents", store.read_dataset(seed, "documents", ["doc_id"]))
        con.execute("""
            CREATE TABLE ids AS
            SELECT doc_id AS seed_id, i AS copy, sha256(doc_id || ':' || i) AS doc_id
            FROM (SELECT doc_id, row_number() OVER (ORDER BY doc_id) - 1 AS n FROM seed_documents)
            CROSS JOIN range(?) AS r(i)
            WHERE i * ? + n >= ? AND i * ? + n < ?""", [(size + count) // seed_count + 1, seed_count, size, seed_count,
                                                       size + count])
        parts = {}
        for name in schemas.PER_DOCUMENT_TABLES:
            con.register("seed_rows", store.read_dataset(seed, name))
            select = per_document_copy(name)
            if name == "documents":  # stored by this run
                select = f"SELECT * REPLACE ('{run_id}' AS run_id) FROM ({select})"
            parts[name] = store.part_path(home, name, store.batch_commit_id(run_id, 0))
            copy_rows(con, select, parts[name])
            con.unregister("seed_rows")
        store.commit(home, run_id, datetime.now(timezone.utc), parts, store.batch_commit_id(run_id, 0))
        # each new copy starts a story of its own (it matched no stored document), appended as a run's
        # stories commit appends its members
        con.register("seed_members", story_index.read_members(seed))
        with story_index.connect(home) as stored:
            first_seq = story_index.next_member_seq(stored)
        con.execute("""CREATE TABLE added_members AS
                       SELECT r.* REPLACE (ids.doc_id AS doc_id, ? AS document_run_id,
                                           ? + row_number() OVER (ORDER BY ids.copy, r.member_seq) - 1 AS member_seq,
                                           story_id || 'c' || ids.copy AS story_id,
                                           NULL AS matched_doc_id, NULL AS related_story_id, NULL AS match_score,
                                           NULL AS days_apart, [] AS shared_names, [] AS shared_words)
                       FROM seed_members AS r JOIN ids ON ids.seed_id = r.doc_id""", [run_id, first_seq])
        members = ", ".join(schemas.story_members.names)
        parts["story_members"] = store.part_path(home, "story_members", story_index.commit_id(run_id))
        copy_rows(con, f"SELECT {members} FROM added_members ORDER BY member_seq", parts["story_members"])
        store.commit(home, run_id, datetime.now(timezone.utc), {"story_members": parts.pop("story_members")},
                     story_index.commit_id(run_id))
        added = {
            "entity_links": "SELECT r.* REPLACE (ids.doc_id AS doc_id) FROM seed_rows AS r JOIN ids ON ids.seed_id = r.doc_id",
            "linked_documents": f"""SELECT r.* REPLACE (ids.doc_id AS doc_id, '{run_id}' AS run_id)
                                    FROM seed_rows AS r JOIN ids ON ids.seed_id = r.doc_id""",
        }
        for name, select in added.items():
            schema = (schemas.CORPUS_TABLES | schemas.LINK_STATE_TABLES)[name]
            con.register("seed_rows", store.pq.read_table(store.parquet_dir(seed, name) / "current.parquet", schema=schema))
            con.execute(f"CREATE TABLE added_{name} AS {select}")
            con.unregister("seed_rows")
            append_current(con, home, name, f"SELECT * FROM added_{name}")
        append_current(con, home, "entities", """
            SELECT e.* REPLACE (e.document_count + coalesce(n.documents, 0) AS document_count)
            FROM stored_rows AS e
            LEFT JOIN (SELECT entity_id, count(DISTINCT doc_id) AS documents FROM added_entity_links GROUP BY ALL) AS n
                   USING (entity_id)""", replace=True)
    return run_id


def append_current(con: duckdb.DuckDBPyConnection, home: Path, name: str, select: str, replace: bool = False) -> None:
    """A stored corpus table with `select`'s rows added (replace: rewritten as `select` of its rows,
    stored_rows), keeping its metadata (the linking state's mark)."""
    path = store.parquet_dir(home, name) / "current.parquet"
    schema = (schemas.CORPUS_TABLES | schemas.LINK_STATE_TABLES)[name]
    con.execute(f"CREATE OR REPLACE TEMP VIEW stored_rows AS SELECT * FROM read_parquet('{path}')")
    query = select if replace else f"SELECT * FROM stored_rows UNION ALL {select}"
    table = con.sql(query).to_arrow_table().rename_columns(schema.names).cast(schema)
    store.replace_current(home, name, table.replace_schema_metadata(store.pq.read_schema(path).metadata))


def time_publish(home: Path) -> dict:
    """Load, validate and publish what changed since the grown publish, as a run does (seconds each)."""
    from newsfacts import validate

    last = runs.last_published(home)
    seconds = {}
    started = time.perf_counter()
    if not warehouse.start_work(home, last["definitions"], last):
        raise RuntimeError(f"{home}: the published file is not the last publish on record")
    seconds["catch_up"] = time.perf_counter() - started  # the inactive published file brought up to date
    with warehouse.connect(home) as con:
        staged = warehouse.load_staging(con, home, incremental=True)
        seconds["load"] = time.perf_counter() - started
        started = time.perf_counter()
        batches = warehouse.check_batches(con)
        whole = warehouse.whole_batches(con, validate.whole_columns(batches))
    report = validate.validate(batches, home, store.new_run_id(), whole)
    seconds["validate"] = time.perf_counter() - started
    if not report.success:
        raise RuntimeError(f"validation failed: {report.blocking}")
    started = time.perf_counter()
    with warehouse.connect(home) as con:
        published = warehouse.publish(con, report.table(), runs.runs_table(home), report.quarantine_table())
    warehouse.discard_work(home)
    seconds["publish"] = time.perf_counter() - started
    return {"stage_seconds": {k: round(v, 2) for k, v in seconds.items()}, "staged_documents": staged["documents"],
            "published_documents": published["documents"],
            "database_mb": round(warehouse.database_path(home).stat().st_size / 2**20, 1)}


def timed_publish(home: Path) -> dict:
    """time_publish in a child process, with the peak memory of its process tree."""
    code, output, errors, seconds, peak_mb = watched([sys.executable, "-m", "newsfacts.bench.growth", "publish", str(home)])
    if code != 0:
        raise RuntimeError(f"timing the publish of {home} failed:\n{errors[-2000:]}")
    return {"run_s": round(seconds, 2), **json.loads(output.strip().splitlines()[-1]), "peak_rss_mb": round(peak_mb, 1)}


def run_child(raw: Path, home: Path, workers: int, *extra: str) -> dict:
    """`newsfacts run` in a child process: its wall time and the peak memory of its process tree."""
    command = [sys.executable, "-c", "from newsfacts.cli import main; main()", "run", "--raw", str(raw),
               "--warehouse", str(home), "--workers", str(workers), *extra]
    code, output, _, seconds, peak_mb = watched(command, merge_errors=True)
    if code != 0:
        raise RuntimeError(f"`newsfacts run` on {raw} exited {code}:\n{output[-2000:]}")
    return {"seconds": seconds, "peak_rss_mb": peak_mb}


def watched(command: list[str], merge_errors: bool = False) -> tuple[int, str, str, float, float]:
    """Run `command` to its end: exit code, output, errors, wall seconds, peak MB of its process tree."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                             stderr=subprocess.STDOUT if merge_errors else subprocess.PIPE)
    peak = [0]
    watcher = threading.Thread(target=scale.watch_memory, args=(child.pid, peak), daemon=True)
    watcher.start()
    output, errors = child.communicate()
    seconds = time.perf_counter() - started
    watcher.join()
    return child.returncode, output, errors or "", seconds, peak[0] / 2**20


def timed_run(raw: Path, home: Path, workers: int) -> dict:
    before = {r["run_id"] for r in runs.records(home)}
    measured = run_child(raw, home, workers, "--keep-removed")
    record = next(r for r in runs.records(home) if r["run_id"] not in before)
    if record["status"] != "published" or record.get("documents_new") != NEW_DOCUMENTS:
        raise RuntimeError(f"the timed run did not publish its {NEW_DOCUMENTS} new documents: {record}")
    return {"run_s": round(measured["seconds"], 2), "stage_seconds": record["stage_seconds"],
            "peak_rss_mb": round(measured["peak_rss_mb"], 1)}


def run_growth_bench(data: Path, sizes: tuple[int, ...] = SIZES, workers: int = 2, seed_documents: int = SEED_DOCUMENTS,
                     work_dir: Path | None = None, publish_only: bool = False) -> dict:
    texts, suffix = source_texts(data)
    seed_documents = min(seed_documents, min(sizes))
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsfacts-growth-", dir=work_dir) as tmp:
        root = Path(tmp)
        seed_raw = write_documents(texts, suffix, range(seed_documents), root / "raw-seed")
        new_raw = write_documents(texts, suffix, range(seed_documents, seed_documents + NEW_DOCUMENTS), root / "raw-new")
        run_child(seed_raw, root / "seed", workers)
        for size in sizes:
            home = root / "warehouse"
            started = time.perf_counter()
            grown = grow(root / "seed", home, size)
            row = {"stored_documents": grown["stored_documents"], "new_documents": NEW_DOCUMENTS,
                   "grow_s": round(time.perf_counter() - started, 1)}
            if publish_only:
                add_copies(root / "seed", home, grown["stored_documents"])
                row |= timed_publish(home)
            else:
                row |= timed_run(new_raw, home, workers)
            row["files"] = files_under(home)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            shutil.rmtree(home)
    return {"rows": rows, "seed_documents": seed_documents, "workers": workers, "publish_only": publish_only}


def format_table(results: dict) -> str:
    lines = [f"{'stored':>9} {'new':>4} {'run s':>7} {'peak MB':>8} {'files':>6}  stage seconds"]
    for row in results["rows"]:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in row["stage_seconds"].items())
        lines.append(f"{row['stored_documents']:>9,} {row['new_documents']:>4} {row['run_s']:>7.1f} "
                     f"{row['peak_rss_mb']:>8.0f} {row['files']:>6}  {stages}")
    first, last = results["rows"][0], results["rows"][-1]
    lines.append(f"largest / smallest: time {last['run_s'] / first['run_s']:.2f}x, "
                 f"peak memory {last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x")
    return "\n".join(lines)


if __name__ == "__main__":  # `python -m newsfacts.bench.growth publish HOME`: timed_publish's child
    if sys.argv[1:2] != ["publish"] or len(sys.argv) != 3:
        raise SystemExit("usage: python -m newsfacts.bench.growth publish HOME")
    print(json.dumps(time_publish(Path(sys.argv[2]))))
