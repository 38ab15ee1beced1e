"""Row-level failures quarantine their documents and the rest publishes; table-level ones block.
Real Parquet, DuckDB and GX on small hand-made records."""
from __future__ import annotations

import json

from datetime import date, datetime, timezone

from newsfacts import store, story_index, validate, warehouse
from newsfacts.records import (
    CleanedDocument,
    DocumentFacts,
    Entity,
    EntityLink,
    EntityMention,
    Figure,
    Quote,
    RawDocument,
    RemovedLine,
)

BODY = 'Officials in {town} said 12 people were wounded.\n\n"We are safe," Anna Smith said.'
DOCUMENTS = 21  # one bad document in 21 is under the 5% a run may quarantine


def document(n: int, quote_end_shift: int = 0, path: str | None = None):
    doc_id = f"d{n:02d}"
    body = BODY.format(town=f"Town {n}")
    raw = RawDocument(doc_id, path or f"{doc_id}.txt", "text", "utf-8", 100, "Skip to content\n" + body)
    cleaned = CleanedDocument(doc_id, body, [RemovedLine(1, "Skip to content", "navigation")], title="A title",
                              published_date=date(2023, 5, 23), raw_line_count=4, body_line_count=2, language="en")
    start, quote_start, figure = body.index("Anna Smith"), body.index("We are safe,"), body.index("12")
    facts = DocumentFacts(doc_id, word_count=12, mentions=[
        EntityMention(doc_id, "Anna Smith", "PERSON", start, start + 10, "Anna Smith")])
    facts.figures.append(Figure(doc_id, 12, 12, 12, "12", "exact", "wounded", "people", "people", None, None,
                                body.split("\n")[0], figure, figure + 2))
    facts.quotes.append(Quote(doc_id, "We are safe,", quote_start, quote_start + 12 + quote_end_shift,
                              "Anna Smith", "Anna Smith", "said", False))
    return raw, cleaned, facts


def stage(home, documents, run_id="r1", town_type="GPE"):
    """Every document names Anna Smith (entity e1) and its own town (entity t<n>, of `town_type`)."""
    raws, cleaned, facts = map(list, zip(*documents))
    for doc, found in zip(cleaned, facts):
        start = doc.body_text.index("Town")
        found.mentions.append(EntityMention(doc.doc_id, doc.body_text[start:start + 7].rstrip(), "GPE", start,
                                            start + len(doc.body_text[start:start + 7].rstrip()), "town"))
    towns = [Entity(f"t{r.doc_id}", m.text, town_type if r.doc_id == "d00" else "GPE", [m.text], 1, 1)
             for r, f in zip(raws, facts) for m in f.mentions if m.local_key == "town"]
    store.ensure_datasets(home)
    store.store_run(home, run_id, datetime.now(timezone.utc), raws, cleaned, facts, [])
    store.store_entities(home, [Entity("e1", "Anna Smith", "PERSON", ["Anna Smith"], len(raws), len(raws)), *towns],
                         [EntityLink(r.doc_id, "Anna Smith", "e1") for r in raws]
                         + [EntityLink(r.doc_id, "town", f"t{r.doc_id}") for r in raws])
    story_index.update(home, run_id)
    con = warehouse.connect(home)
    warehouse.load_staging(con, home)
    return con


def count(home, sql):
    return warehouse.query(home, sql)[1][0][0]


def test_a_document_with_a_bad_row_is_quarantined_and_the_rest_publishes(tmp_path):
    docs = [document(0, quote_end_shift=-5)] + [document(n) for n in range(1, DOCUMENTS)]
    with stage(tmp_path, docs) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
        assert report.success, report.blocking
        assert report.quarantined_doc_ids == {"d00"}
        warehouse.publish(con, report.table(), quarantine_rows=report.quarantine_table())
    (row,) = warehouse.query(tmp_path, "SELECT run_id, doc_id, source_path, table_name, expectation, detail "
                                       "FROM quarantine")[1]
    assert row[:5] == ("r1", "d00", "d00.txt", "quotes", "expect_column_values_to_be_in_set(span_matches_text)")
    assert "span_matches_text" in row[5]
    for table in ("documents", "removed_lines", "entity_mentions", "figures", "quotes", "source_profile",
                  "figure_comparison"):
        assert count(tmp_path, f"SELECT count(*) FILTER (WHERE doc_id = 'd00') FROM {table}") == 0, table
        assert count(tmp_path, f"SELECT count(DISTINCT doc_id) FROM {table}") == DOCUMENTS - 1, table
    assert count(tmp_path, "SELECT count(*) FROM source_agreement WHERE 'd00' IN (doc_id_a, doc_id_b)") == 0
    assert count(tmp_path, "SELECT count(*) FROM validation_results WHERE NOT success AND scope = 'row'") == 1


def test_a_quarantined_document_is_not_counted_as_processed(tmp_path):
    docs = [document(0, quote_end_shift=-5)] + [document(n) for n in range(1, DOCUMENTS)]
    with stage(tmp_path, docs):
        pass
    assert store.quarantine_documents(tmp_path, "r1", datetime.now(timezone.utc), {"d00"}) == 1
    assert "d00" not in store.stored_doc_ids(tmp_path) and len(store.stored_doc_ids(tmp_path)) == DOCUMENTS - 1
    assert store.read_dataset(tmp_path, "quotes").num_rows == DOCUMENTS - 1
    assert store.read_committed(tmp_path, "quotes").num_rows == DOCUMENTS, "its rows are kept, hidden"
    reasons = store.read_dataset(tmp_path, "withdrawn_documents").column("reason").to_pylist()
    assert reasons == ["quarantined"]


def test_a_table_level_failure_blocks_publishing(tmp_path):
    docs = [document(n) for n in range(DOCUMENTS)] + [document(DOCUMENTS, path="d01.txt")]
    with stage(tmp_path, docs) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
    assert not report.success and not report.quarantine
    assert any("expect_column_values_to_be_unique(source_path)" in reason for reason in report.blocking)


def test_too_many_quarantined_documents_block_publishing(tmp_path):
    docs = [document(0, quote_end_shift=-5), document(1, quote_end_shift=-5)] + [
        document(n) for n in range(2, DOCUMENTS)]
    with stage(tmp_path, docs) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
    assert not report.success and report.quarantined_doc_ids == {"d00", "d01"}
    assert "2 of 21 documents failed row-level expectations" in report.blocking[0]


def test_every_expectation_says_whether_it_judges_rows_or_the_table():
    for path in sorted(validate.project.expectations_dir().glob("*.json")):
        validate.load_suite(path)  # raises on an expectation without meta.scope


def test_two_bounds_on_one_column_are_both_checked():
    for path in sorted(validate.project.expectations_dir().glob("*.json")):
        spec = json.loads(path.read_text())
        assert len(validate.load_suite(path).expectations) == len(spec["expectations"]), path.name


def test_a_row_level_failure_that_names_no_document_blocks(tmp_path):
    report = validate.ValidationReport(True, document_count=100, unattributed=["figures: expect_x(value)"])
    assert report.blocking == ["figures: expect_x(value) (rows with no document to quarantine)"]


def test_an_entity_that_fails_quarantines_the_documents_that_name_it(tmp_path):
    with stage(tmp_path, [document(n) for n in range(DOCUMENTS)], town_type="PLANET") as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
        assert report.success, report.blocking
        assert report.quarantined_doc_ids == {"d00"}
        warehouse.publish(con, report.table(), quarantine_rows=report.quarantine_table())
    (row,) = warehouse.query(tmp_path, "SELECT doc_id, table_name, expectation, detail FROM quarantine")[1]
    assert row[:3] == ("d00", "entities", "expect_column_values_to_be_in_set(entity_type)")
    assert "PLANET" in row[3] and "td00" in row[3]
    assert count(tmp_path, "SELECT count(*) FROM entities WHERE entity_id = 'td00'") == 0
    assert count(tmp_path, "SELECT count(*) FROM documents") == DOCUMENTS - 1
