"""An incremental publish costs what changed: new documents staged and checked, a changed entity updated
by id without staging the documents that name it, whole-column checks measured in DuckDB, and the
result equal to building every table again; it is written into the published file readers do not use,
brought up to date in place (never copied whole unless it cannot be). Real Parquet, DuckDB and GX on
small hand-made records."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import duckdb

import pyarrow as pa

from newsfacts import schemas, store, story_index, validate, warehouse
from newsfacts.records import Entity, EntityLink
from test_quarantine import document

FIRST = 21


def run_rows(*run_ids: str) -> pa.Table:
    now = datetime.now(timezone.utc)
    return pa.Table.from_pylist([{"run_id": r, "started": now, "finished": now, "status": "published"}
                                 for r in run_ids], schema=schemas.runs)


def store_documents(home, numbers, run_id):
    raws, cleaned, facts = map(list, zip(*(document(n) for n in numbers)))
    for doc, found in zip(cleaned, facts):  # every document also names its town
        start = doc.body_text.index("Town")
        end = start + len(doc.body_text[start:start + 7].rstrip())
        found.mentions.append(type(found.mentions[0])(doc.doc_id, doc.body_text[start:end], "GPE", start, end, "town"))
    store.ensure_datasets(home)
    for number, batch in enumerate([(raws, cleaned, facts)]):
        store.store_batch(home, run_id, number, datetime.now(timezone.utc), *batch)


def link(home, numbers, run_id, anna="Anna Smith", moved_town: int | None = None):
    """Anna Smith (e1) in every document, each town its own entity; `moved_town`: that document's town
    linked to another entity than before."""
    docs = [f"d{n:02d}" for n in numbers]
    towns = [Entity(f"t{d}", f"Town {d[1:].lstrip('0') or '0'}", "GPE", ["Town"], 1, 1) for d in docs]
    links = [EntityLink(d, "Anna Smith", "e1") for d in docs] + [EntityLink(d, "town", f"t{d}") for d in docs]
    if moved_town is not None:
        moved = f"d{moved_town:02d}"
        links = [EntityLink(moved, "town", "t-elsewhere") if (l.doc_id, l.local_key) == (moved, "town") else l
                 for l in links]
        towns.append(Entity("t-elsewhere", "Elsewhere", "GPE", ["Elsewhere"], 1, 1))
    store.store_entities(home, [Entity("e1", anna, "PERSON", [anna], len(docs), len(docs)), *towns], links)
    story_index.update(home, run_id)


def publish(home, incremental: bool, *run_ids: str):
    if incremental:
        warehouse.start_incremental(home)
    with warehouse.connect(home) as con:
        staged = warehouse.load_staging(con, home, incremental)
        scope = {name: con.execute(f"SELECT count(*) FROM staging.{name}").fetchone()[0]
                 for name in ("scope", "relinks", "scope_stories", "changed_entities")} if incremental else {}
        batches = warehouse.check_batches(con)
        whole = warehouse.whole_batches(con, validate.whole_columns(batches)) if incremental else None
        report = validate.validate(batches, home, run_ids[-1], whole)
        if report.success:
            warehouse.publish(con, report.table(), run_rows(*run_ids), report.quarantine_table())
    warehouse.discard_work(home)
    return staged, scope, report


def published_rows(home):
    return {name: sorted(map(repr, table.to_pylist())) for name, table in warehouse.published_tables(home).items()
            if name not in ("runs", "validation_results")}


def first_publish(home):
    store_documents(home, range(FIRST), "r1")
    link(home, range(FIRST), "r1")
    assert publish(home, False, "r1")[2].success


def test_new_documents_alone_are_staged_and_a_changed_entity_is_updated_by_id(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    store_documents(home, [FIRST, FIRST + 1], "r2")
    link(home, range(FIRST + 2), "r2", anna="Anna B. Smith", moved_town=3)  # a renamed entity, a moved link
    staged, scope, report = publish(home, True, "r1", "r2")
    assert report.success, report.blocking
    assert staged["documents"] == 2 and staged["entity_mentions"] == 4, "only the new documents are staged"
    assert scope["scope"] == 2
    assert scope["relinks"] == FIRST + 1, "every kept mention of the renamed entity, and the moved town"
    assert count(home, "SELECT count(*) FROM entity_mentions WHERE canonical_name = 'Anna B. Smith'") == FIRST + 2
    assert count(home, "SELECT canonical_name FROM entity_mentions WHERE doc_id = 'd03' AND label = 'GPE'") \
        == "Elsewhere"
    assert count(home, "SELECT count(*) FROM quotes WHERE speaker_name = 'Anna B. Smith'") == FIRST + 2
    whole = [row for row in report.rows if row["table_name"] == "documents" and row["column_name"] == "doc_id"
             and row["expectation"] == "expect_column_values_to_be_unique"]
    assert whole[0]["element_count"] == FIRST + 2, "a key is unique over every stored document, not the new ones"

    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(home, rebuilt)
    assert publish(rebuilt, False, "r1", "r2")[2].success
    assert published_rows(rebuilt) == published_rows(home)


def test_a_key_shared_with_a_stored_document_blocks_although_only_new_rows_are_staged(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    raws, cleaned, facts = map(list, zip(document(FIRST, path="d05.txt")))  # the path of a stored document
    store.store_batch(home, "r2", 0, datetime.now(timezone.utc), raws, cleaned, facts)
    link(home, range(FIRST + 1), "r2")
    before = published_rows(home)
    staged, _, report = publish(home, True, "r1", "r2")
    assert staged["documents"] == 1
    failed = [(row["table_name"], row["column_name"], row["element_count"], row["unexpected_count"])
              for row in report.failures]
    assert failed == [("documents", "source_path", FIRST + 1, 2)]
    assert not report.success and published_rows(home) == before


def test_a_withdrawn_document_leaves_every_table_and_its_story_is_rebuilt(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    live = store.live_documents(home).filter(pa.compute.equal(store.live_documents(home)["doc_id"], "d04"))
    rows = [{"source_path": "d04.txt", "doc_id": "d04", "document_run_id": live["run_id"][0].as_py(),
             "reason": "removed", "replaced_by": None}]
    store.store_run_end(home, "r2", datetime.now(timezone.utc), [], rows)
    link(home, [n for n in range(FIRST) if n != 4], "r2")
    matched_it = count(home, "SELECT count(*) FROM story_matches WHERE matched_doc_id = 'd04'")
    staged, scope, report = publish(home, True, "r1", "r2")
    assert report.success, report.blocking
    # staged again: only documents whose story row changed (one that matched it shows its outlet no more)
    assert matched_it <= staged["documents"] == scope["scope"] <= matched_it + 1
    assert count(home, "SELECT count(*) FROM documents WHERE doc_id = 'd04'") == 0
    assert count(home, "SELECT count(*) FROM stories WHERE list_contains(doc_ids, 'd04')") == 0
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(home, rebuilt)
    assert publish(rebuilt, False, "r1", "r2")[2].success
    assert published_rows(rebuilt) == published_rows(home)


def count(home, sql):
    return warehouse.query(home, sql)[1][0][0]


def file_rows(path):
    """Every row of a published file's tables (main and publish_state), by table."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                            "WHERE schema_name IN ('main', 'publish_state')").fetchall()
        return {f"{schema}.{name}": sorted(map(repr, con.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall()))
                for schema, name in names}


def active_and_caught_up(home):
    """The active file's rows, and those of the inactive one once the next run has brought it up to date
    (and whether that was done in place: the same file, not a copy)."""
    before = os.stat(warehouse.inactive_file(home)).st_ino
    warehouse.start_incremental(home)
    in_place = os.stat(warehouse.inactive_file(home)).st_ino == before
    warehouse.discard_work(home)
    return file_rows(warehouse.active_file(home)), file_rows(warehouse.inactive_file(home)), in_place


def test_publishes_alternate_between_two_files_and_the_other_is_caught_up_in_place(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    link_target = os.readlink(warehouse.database_path(home))
    assert link_target in warehouse.PUBLISHED_FILES
    assert file_rows(warehouse.inactive_file(home)) == file_rows(warehouse.active_file(home)), \
        "a full build leaves both files holding it"
    # new documents, an entity renamed and a link moved; then a document withdrawn; then new documents again
    store_documents(home, [FIRST, FIRST + 1], "r2")
    link(home, range(FIRST + 2), "r2", anna="Anna B. Smith", moved_town=3)
    assert publish(home, True, "r1", "r2")[2].success
    assert os.readlink(warehouse.database_path(home)) != link_target, "the other file is published"
    active, caught_up, in_place = active_and_caught_up(home)
    assert in_place and caught_up == active
    assert any("d21" in row for row in active["main.documents"])
    warehouse.start_incremental(home)
    with warehouse.connect(home) as con:  # an incremental run's buffers are bounded, a full build's are not
        bounded = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    warehouse.discard_work(home)
    with warehouse.connect(home) as con:
        unbounded = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    warehouse.discard_work(home)
    assert bounded.endswith("MiB") and int(float(bounded.split()[0])) <= 256 and bounded != unbounded

    live = store.live_documents(home)
    rows = [{"source_path": "d04.txt", "doc_id": "d04", "reason": "removed", "replaced_by": None,
             "document_run_id": live.filter(pa.compute.equal(live["doc_id"], "d04"))["run_id"][0].as_py()}]
    store.store_run_end(home, "r3", datetime.now(timezone.utc), [], rows)
    link(home, [n for n in range(FIRST + 2) if n != 4], "r3", anna="Anna B. Smith", moved_town=3)
    assert publish(home, True, "r1", "r2", "r3")[2].success
    active, caught_up, in_place = active_and_caught_up(home)
    assert in_place and caught_up == active and not any("'d04'" in row for row in active["main.documents"])

    warehouse.publish_runs(home, run_rows("r1", "r2", "r3", "r4"))  # a run with nothing new
    active, caught_up, in_place = active_and_caught_up(home)
    assert in_place and caught_up == active and len(active["main.runs"]) == 4

    store_documents(home, [FIRST + 2], "r5")
    link(home, [n for n in range(FIRST + 3) if n != 4], "r5", anna="Anna B. Smith", moved_town=3)
    assert publish(home, True, "r1", "r2", "r3", "r4", "r5")[2].success
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(home, rebuilt)
    assert publish(rebuilt, False, "r1", "r2", "r3", "r4", "r5")[2].success
    assert published_rows(rebuilt) == published_rows(home)


READER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
"""


def test_a_reader_still_holding_the_other_file_keeps_it_and_the_run_copies_the_active_one(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    store_documents(home, [FIRST], "r2")
    link(home, range(FIRST + 1), "r2")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse.database_path(home))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == str(FIRST)
        assert publish(home, True, "r1", "r2")[2].success  # the reader's file is now the inactive one
        held = os.stat(warehouse.inactive_file(home)).st_ino
        store_documents(home, [FIRST + 1], "r3")
        link(home, range(FIRST + 2), "r3")
        assert publish(home, True, "r1", "r2", "r3")[2].success, "the reader's lock does not stop the run"
        assert os.stat(warehouse.active_file(home)).st_ino != held, "a copy was published, not the reader's file"
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == str(FIRST), "the reader still sees the publish it opened"
    finally:
        reader.kill()
        reader.wait()
    assert count(home, "SELECT count(*) FROM documents") == FIRST + 2


def test_a_file_written_by_a_publish_that_never_switched_is_replaced_by_a_copy(tmp_path):
    home = tmp_path / "warehouse"
    first_publish(home)
    store_documents(home, [FIRST], "r2")
    link(home, range(FIRST + 1), "r2")
    active = file_rows(warehouse.active_file(home))
    warehouse.start_incremental(home)
    with warehouse.connect(home) as con:  # a publish committed into the inactive file, killed before its switch
        warehouse.load_staging(con, home, True)
        con.execute("BEGIN TRANSACTION")
        warehouse.record_publish(con, False)
        con.execute("DELETE FROM main.documents WHERE doc_id = 'd01'")
        con.execute("COMMIT")
    warehouse.discard_work(home)
    before = os.stat(warehouse.inactive_file(home)).st_ino
    warehouse.start_incremental(home)
    assert os.stat(warehouse.inactive_file(home)).st_ino != before, "copied, not caught up"
    with warehouse.connect(home) as con:
        assert con.execute("SELECT count(*) FROM main.documents WHERE doc_id = 'd01'").fetchone()[0] == 1
    warehouse.discard_work(home)
    assert file_rows(warehouse.inactive_file(home)) == active
    assert publish(home, True, "r1", "r2")[2].success
    assert count(home, "SELECT count(*) FROM documents") == FIRST + 1
