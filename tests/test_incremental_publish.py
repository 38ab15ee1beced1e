"""An incremental publish costs what changed: new documents staged and checked, a changed entity updated
by id without staging the documents that name it, whole-column checks measured in DuckDB, and the
result equal to building every table again. Real Parquet, DuckDB and GX on small hand-made records."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

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
        warehouse.discard_work(home)
        shutil.copyfile(warehouse.database_path(home), warehouse.work_path(home))
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
