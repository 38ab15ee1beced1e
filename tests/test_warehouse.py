"""Store -> load -> validate -> publish on small hand-made records (real Parquet, DuckDB and GX)."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from newsfacts import store, story_index, validate, warehouse
from newsfacts.records import (
    CleanedDocument,
    DocumentFacts,
    Entity,
    EntityLink,
    EntityMention,
    Figure,
    IngestError,
    Quote,
    RawDocument,
    RemovedLine,
)

BODY = 'Officials said 12 people were wounded.\n\n"We are safe," Anna Smith said.'


def sample_run(body: str = BODY, quote_end: int | None = None):
    raw = RawDocument("d1", "a.txt", "text", "utf-8", 100, "Skip to content\n" + body)
    cleaned = CleanedDocument("d1", body, [RemovedLine(1, "Skip to content", "navigation")],
                              title="A title", published_date=date(2023, 5, 23), raw_line_count=4,
                              body_line_count=2)
    start = body.index("Anna Smith")
    quote_start = body.index("We are safe,")
    facts = DocumentFacts("d1", word_count=12, mentions=[
        EntityMention("d1", "Anna Smith", "PERSON", start, start + 10, "Anna Smith")])
    facts.figures.append(Figure("d1", 12, 12, 12, "12", "exact", "wounded", "people", "people", None, None,
                                body.split("\n")[0], body.index("12"), body.index("12") + 2))
    facts.quotes.append(Quote("d1", "We are safe,", quote_start, quote_end or quote_start + 12,
                              "Anna Smith", "Anna Smith", "said", False))
    return raw, cleaned, facts


def stage(tmp_path, body: str = BODY, quote_end: int | None = None):
    raw, cleaned, facts = sample_run(body, quote_end)
    store.ensure_datasets(tmp_path)
    now = datetime.now(timezone.utc)
    store.store_run(tmp_path, "r1", now, [raw], [cleaned], [facts], [IngestError("bad.txt", "empty", "no bytes", 0)])
    store.store_entities(tmp_path, [Entity("e1", "Anna Smith", "PERSON", ["Anna Smith"], 1, 1)],
                         [EntityLink("d1", "Anna Smith", "e1")])
    story_index.update(tmp_path, "r1")
    con = warehouse.connect(tmp_path)
    warehouse.load_staging(con, tmp_path)
    return con


def test_valid_staging_passes_and_publishes_every_table(tmp_path):
    with stage(tmp_path) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
        assert report.success, report.failures
        counts = warehouse.publish(con, report.table())
    assert counts["documents"] == 1 and counts["quotes"] == 1 and counts["ingest_errors"] == 1
    assert counts["stories"] == 1
    columns, rows = warehouse.query(tmp_path, "SELECT speaker_name, text FROM quotes")
    assert rows == [("Anna Smith", "We are safe,")]
    _, profile = warehouse.query(tmp_path, "SELECT removed_line_count, figure_count, quote_count FROM source_profile")
    assert profile == [(1, 1, 1)]
    assert report.data_docs is not None and report.data_docs.exists()


def test_a_span_that_misses_its_text_fails_validation_and_names_the_expectation(tmp_path):
    with stage(tmp_path, quote_end=BODY.index("We are safe,") + 5) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
    assert not report.success
    failed = {(row["table_name"], row["column_name"]) for row in report.failures}
    assert ("quotes", "span_matches_text") in failed
    assert "quotes: expect_column_values_to_be_in_set(span_matches_text) failed" in validate.describe(
        next(r for r in report.failures if r["column_name"] == "span_matches_text"))


def test_publish_is_all_or_nothing(tmp_path, monkeypatch):
    with stage(tmp_path) as con:
        report = validate.validate(warehouse.check_batches(con), tmp_path, "r1")
        warehouse.publish(con, report.table())
        real_read_sql = warehouse.read_sql

        def broken(kind, table):
            if (kind, table) == ("publish", "quote_corroboration"):
                return "CREATE OR REPLACE TABLE main.quote_corroboration AS SELECT * FROM no_such_table"
            return real_read_sql(kind, table)

        con.execute("DELETE FROM staging.documents")
        monkeypatch.setattr(warehouse, "read_sql", broken)
        with pytest.raises(duckdb.Error):
            warehouse.publish(con, report.table())
    _, rows = warehouse.query(tmp_path, "SELECT count(*) FROM documents")
    assert rows == [(1,)]


def test_query_refuses_writes(tmp_path):
    with stage(tmp_path) as con:
        warehouse.publish(con, validate.validate(warehouse.check_batches(con), tmp_path, "r1").table())
    with pytest.raises(duckdb.Error):
        warehouse.query(tmp_path, "DROP TABLE documents")


@pytest.fixture(scope="module")
def published_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("published")
    with stage(home) as con:
        warehouse.publish(con, validate.validate(warehouse.check_batches(con), home, "r1").table())
    return home


def test_readers_still_select_join_and_aggregate_under_the_lockdown(published_home):
    _, rows = warehouse.query(published_home, "SELECT d.source_path, count(q.quote_id) FROM documents d "
                                              "JOIN quotes q USING (doc_id) GROUP BY ALL")
    assert rows == [("a.txt", 1)]


def test_opening_as_the_link_switches_is_retried_but_a_refused_query_is_not(published_home, monkeypatch):
    real_connect, refusals = warehouse.connect_read_only, [duckdb.IOException("Could not set lock on file"),
                                                          duckdb.PermissionException("Cannot access file")]
    def connect_after_refusals(path):
        if refusals:
            raise refusals.pop(0)
        return real_connect(path)
    monkeypatch.setattr(warehouse, "connect_read_only", connect_after_refusals)
    assert warehouse.query(published_home, "SELECT count(*) FROM documents")[1] == [(1,)]
    with pytest.raises(duckdb.PermissionException):
        warehouse.query(published_home, "SELECT * FROM read_text('/etc/hostname')")


REFUSED = {
    "copy_to_a_file": "COPY documents TO '{out}'",
    "attach_another_database": "ATTACH '{out}' AS other (READ_WRITE)",
    "read_a_local_file": "SELECT * FROM read_text('/etc/hostname')",
    "read_a_local_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "install_an_extension": "INSTALL httpfs",
    "lift_the_lockdown": "SET enable_external_access = true",
    "unlock_the_configuration": "SET lock_configuration = false",
}


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
def test_sql_command_refuses_files_databases_extensions_and_settings(published_home, tmp_path, statement):
    from typer.testing import CliRunner

    from newsfacts.cli import app

    out = tmp_path / "leak.duckdb"
    result = CliRunner().invoke(app, ["sql", statement.format(out=out), "--warehouse", str(published_home)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused:"), result.output
    assert not out.exists()
    assert warehouse.query(published_home, "SELECT current_setting('enable_external_access')")[1] == [(False,)]


def duckdb_cli() -> Path:
    """The DuckDB CLI from PyPI (duckdb-cli, in requirements.lock): the newest 1.x a user installs with pip."""
    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists(), "duckdb-cli is in requirements.lock: run `make .venv/.installed`"
    return cli


def test_the_duckdb_cli_1x_opens_the_published_warehouse(published_home):
    def cli(sql: str) -> str:
        result = subprocess.run([duckdb_cli(), "-readonly", "-csv", "-noheader", str(warehouse.database_path(published_home)),
                                 "-c", sql], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and not result.stderr, result.stderr
        return result.stdout.strip()

    assert cli("SELECT library_version FROM pragma_version()").startswith("v1.")
    assert cli("SELECT count(*) FROM documents") == "1"
    assert cli("SELECT speaker_name FROM quotes JOIN documents USING (doc_id)") == "Anna Smith"
    assert int(cli("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'")) >= len(
        warehouse.PUBLISHED_TABLES)


def storage_version(path: Path) -> int:
    """The version number in a DuckDB file's main header (after the checksum and the magic bytes DUCK)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return int.from_bytes(header[12:20], "little")


def test_the_runs_only_republish_keeps_the_1x_storage_format(published_home, tmp_path):
    import shutil

    from newsfacts import runs

    home = tmp_path / "home"
    shutil.copytree(published_home, home)
    warehouse.publish_runs(home, runs.runs_table(home))
    assert storage_version(warehouse.database_path(home)) == 64  # DuckDB 1.0's, read by every 1.x
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    warehouse.publish_runs(fresh, runs.runs_table(fresh))  # nothing published before: a new file
    assert storage_version(warehouse.database_path(fresh)) == 64


def sql_cli(home: Path, *args: str, columns: int = 80):
    from typer.testing import CliRunner

    from newsfacts.cli import app

    return CliRunner().invoke(app, ["sql", *args, "--warehouse", str(home)], env={"COLUMNS": str(columns)})


def test_a_wide_result_keeps_its_first_and_last_columns_whole_and_says_what_it_left_out(published_home):
    result = sql_cli(published_home, "SELECT * FROM documents", columns=80)
    assert result.exit_code == 0, result.output
    table = [line for line in result.stdout.splitlines() if line.startswith(("│", "┌", "└"))]
    assert max(len(line) for line in table) <= 80
    header = table[1]
    assert header.split("│")[1].strip() == "doc_id" and "a.txt" in table[3], "the first columns whole"
    assert " ingested_at " in header, "the last column whole"
    shown = re.search(r"(\d+) columns \((\d+) shown\)", result.stdout)
    total = len(warehouse.query(published_home, "SELECT * FROM documents")[0])
    assert shown and int(shown.group(1)) == total and int(shown.group(2)) < total
    assert "--format line" in result.stderr, "says how to see every column"
    narrow = sql_cli(published_home, "SELECT doc_id, title FROM documents")
    assert "columns (" not in narrow.stdout and not narrow.stderr, "a result that fits is shown whole"


def test_line_csv_json_and_markdown_formats(published_home):
    import csv
    import io
    import json

    query = "SELECT doc_id, title, published_date, NULL AS nothing, 'a|b' AS piped FROM documents"
    line = sql_cli(published_home, query, "--format", "line").stdout
    assert "        doc_id = d1" in line and "published_date = 2023-05-23" in line and "nothing = NULL" in line
    assert list(csv.reader(io.StringIO(sql_cli(published_home, query, "--format", "csv").stdout))) == [
        ["doc_id", "title", "published_date", "nothing", "piped"], ["d1", "A title", "2023-05-23", "", "a|b"]]
    assert json.loads(sql_cli(published_home, query, "--format", "json").stdout) == [
        {"doc_id": "d1", "title": "A title", "published_date": "2023-05-23", "nothing": None, "piped": "a|b"}]
    assert json.loads(sql_cli(published_home, query, "--json").stdout)[0]["doc_id"] == "d1"
    assert sql_cli(published_home, query, "--format", "markdown").stdout.splitlines() == [
        "| doc_id | title | published_date | nothing | piped |", "|---|---|---|---|---|",
        "| d1 | A title | 2023-05-23 | NULL | a\\|b |"]
    refused = sql_cli(published_home, query, "--format", "xml")
    assert refused.exit_code == 2 and "choose one of table, line, csv, json, markdown" in refused.stderr


def test_output_writes_the_whole_result_only_where_asked(published_home, tmp_path):
    import csv
    import json

    import pyarrow.parquet as pq

    query = "SELECT doc_id, title, published_date FROM documents"
    for name in ("out.csv", "out.parquet", "out.json"):
        result = sql_cli(published_home, query, "--output", str(tmp_path / name))
        assert result.exit_code == 0 and "1 row(s), 3 column(s) written to" in result.stdout, result.output
    assert list(csv.DictReader((tmp_path / "out.csv").open())) == [
        {"doc_id": "d1", "title": "A title", "published_date": "2023-05-23"}]
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == [
        {"doc_id": "d1", "title": "A title", "published_date": date(2023, 5, 23)}]
    assert json.loads((tmp_path / "out.json").read_text())[0]["published_date"] == "2023-05-23"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.json", "out.parquet"], "nothing else"
    refused = sql_cli(published_home, query, "--output", str(tmp_path / "out.duckdb"))
    assert refused.exit_code == 2 and not (tmp_path / "out.duckdb").exists()
    copied = sql_cli(published_home, f"COPY documents TO '{tmp_path / 'copy.csv'}'", "--output", str(tmp_path / "x.csv"))
    assert copied.exit_code == 1 and copied.stderr.startswith("refused:") and not (tmp_path / "copy.csv").exists()
    assert not (tmp_path / "x.csv").exists()


def test_the_writer_bound_follows_the_documents_in_scope_not_those_only_relinked(tmp_path):
    """A hub entity re-made across the corpus relinks many documents' mentions in place: their UPDATE
    spills like a scan, and keeps the small bound; a scope of more than BOUNDED_SCOPE documents (staged and
    published again) gets the larger one."""
    def limit_after(scope: int, relinked: int) -> int:
        with duckdb.connect(str(tmp_path / f"bound-{scope}-{relinked}.duckdb")) as con:
            con.execute("CREATE SCHEMA staging")
            con.execute("CREATE TABLE staging.scope AS SELECT 'd' || range AS doc_id FROM range(?)", [scope])
            con.execute("CREATE TABLE staging.relinks AS SELECT 'r' || range AS doc_id FROM range(?)", [relinked])
            warehouse.bound_memory(con)
            return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    small, large = limit_after(20, 0), limit_after(warehouse.BOUNDED_SCOPE + 1, 0)
    assert small != large
    assert limit_after(20, warehouse.BOUNDED_SCOPE * 10) == small
