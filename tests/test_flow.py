"""End to end: the real Prefect flow on the sample articles, into temporary warehouses."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsfacts import project, warehouse
from newsfacts.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()
HTML_PAGE = """<!DOCTYPE html><html lang="en"><head>
<title>Dam breach floods valley towns | Valley Herald</title>
<meta property="og:title" content="Dam breach floods valley towns">
<meta property="og:site_name" content="Valley Herald">
<meta property="article:published_time" content="2024-04-09T08:30:00Z">
<link rel="canonical" href="https://valleyherald.example/news/dam-breach"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Dam breach floods valley towns</h1>
<p>A dam upstream of the town of Marlow gave way early on Tuesday, flooding hundreds of homes across the valley,
the regional emergency service said.</p>
<figure><img src="dam.jpg"><figcaption>Water pours through the breach. Photo: J. Doe/Valley Herald</figcaption></figure>
<p>"The water rose faster than anyone expected," said fire chief Anna Berg. At least 40 people were evacuated by
boat and three were taken to hospital with minor injuries.</p>
<p>Engineers had warned about cracks in the structure for years, according to documents seen by the Herald.</p>
</article><footer><p>© 2024 Valley Herald. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def run_cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(prefect_server, tmp_path_factory, samples_dir):
    home = tmp_path_factory.mktemp("warehouse")
    before = tree_digest(samples_dir)
    result = run_cli("run", "--raw", str(samples_dir), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert tree_digest(samples_dir) == before, "raw files must never change"
    return home, result.output


def count(home: Path, sql: str) -> int:
    return warehouse.query(home, sql)[1][0][0]


def test_run_prints_a_short_summary_and_no_traceback(published):
    _, output = published
    assert "Traceback" not in output and "database is locked" not in output
    assert "5 new" in output and "validation    passed" in output and "newsfacts.duckdb" in output


def test_every_published_table_is_filled_from_the_samples(published):
    home, _ = published
    assert count(home, "SELECT count(*) FROM documents") == 5
    for table in ("removed_lines", "entity_mentions", "entities", "figures", "quotes", "source_profile",
                  "figure_comparison", "validation_results"):
        assert count(home, f"SELECT count(*) FROM {table}") > 0, table
    assert count(home, "SELECT count(*) FROM validation_results WHERE NOT success") == 0
    assert count(home, "SELECT count(*) FROM entity_mentions WHERE entity_id IS NULL") == 0


def test_outlets_are_put_side_by_side(published):
    home, _ = published
    assert count(home, "SELECT max(n_sources) FROM figure_comparison") >= 3
    assert count(home, "SELECT count(*) FROM source_agreement") > 0
    assert count(home, "SELECT max(n_sources) FROM quote_corroboration") >= 3


def test_sql_command_reads_the_published_warehouse(published):
    home, _ = published
    result = run_cli("sql", "SELECT count(*) AS n FROM documents", "--warehouse", str(home), "--json")
    assert result.exit_code == 0 and json.loads(result.output) == [{"n": 5}]
    refused = run_cli("sql", "DELETE FROM documents", "--warehouse", str(home))
    assert refused.exit_code == 1 and count(home, "SELECT count(*) FROM documents") == 5


def test_second_run_skips_processed_documents(published, tmp_path):
    home, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy)
    before = count(copy, "SELECT count(*) FROM figures")
    result = run_cli("run", "--raw", str(Path(__file__).resolve().parents[1] / "data" / "raw"),
                     "--warehouse", str(copy))
    assert result.exit_code == 0, result.output
    assert "0 new, 5 already processed" in result.output
    assert "unchanged     nothing new since run" in result.output
    assert count(copy, "SELECT count(*) FROM figures") == before
    assert count(copy, "SELECT count(*) FROM documents") == 5
    statuses = warehouse.query(copy, "SELECT status FROM runs ORDER BY run_id")[1]
    assert [row[0] for row in statuses] == ["published", "unchanged"]


def test_nothing_new_but_a_new_bad_file_or_a_new_expectation_publishes_again(published, tmp_path, monkeypatch):
    home, _ = published
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy)
    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", raw)
    (raw / "empty.txt").write_bytes(b"")
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(copy))
    assert result.exit_code == 0 and "unchanged" not in result.output, result.output
    assert warehouse.query(copy, "SELECT source_path, reason FROM ingest_errors")[1] == [("empty.txt", "empty")]
    checked = count(copy, "SELECT count(*) FROM validation_results")
    project_with_expectation(tmp_path, monkeypatch, "documents", {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "word_count", "min_value": 0, "max_value": 10_000_000}, "meta": {"scope": "row"}})
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(copy))
    assert result.exit_code == 0 and "unchanged" not in result.output, result.output
    assert count(copy, "SELECT count(*) FROM validation_results") == checked + 1
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(copy))
    assert "unchanged     nothing new since run" in result.output


def test_bad_files_land_in_ingest_errors_while_good_ones_are_published(prefect_server, raw_copy, tmp_path):
    (raw_copy / "empty.txt").write_bytes(b"")
    (raw_copy / "scan.txt").write_bytes(b"\x00\x01\x02binary" * 50)
    (raw_copy / "menu.txt").write_text("Skip to content\nHome\nNews\nSport\nSign in\n")
    (raw_copy / "nested").mkdir()
    latin = "Officials said on Monday that 14 people were wounded in the shelling of the town."
    (raw_copy / "nested" / "latin1.txt").write_bytes(
        ("Shelling hits border town\n\n" + latin + " Café owners fled.\n").encode("cp1252"))
    (raw_copy / "nested" / "page.html").write_text(HTML_PAGE)
    home = tmp_path / "warehouse"
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    html = warehouse.query(home, "SELECT format, title, site_name, url, published_date, body_text FROM documents "
                                 "WHERE source_path = 'nested/page.html'")[1]
    assert html and html[0][:5] == ("html", "Dam breach floods valley towns", "Valley Herald",
                                    "https://valleyherald.example/news/dam-breach", date(2024, 4, 9))
    assert "fire chief" in html[0][5] and "Privacy policy" not in html[0][5] and "Sport" not in html[0][5]
    errors = dict(warehouse.query(home, "SELECT source_path, reason FROM ingest_errors")[1])
    assert errors == {"empty.txt": "empty", "scan.txt": "binary", "menu.txt": "no_article_text"}
    assert count(home, "SELECT count(*) FROM documents") == 7
    assert count(home, "SELECT count(*) FROM documents WHERE source_path = 'nested/latin1.txt' "
                       "AND charset <> 'utf-8' AND body_text LIKE '%Café%'") == 1


def project_with_expectation(tmp_path, monkeypatch, table: str, expectation: dict) -> Path:
    """A copy of sql/, flows/ and expectations/ with one more expectation in `table`'s suite, used by the run."""
    root = tmp_path / "project"
    for folder in ("sql", "flows", "expectations"):
        shutil.copytree(project.project_root() / folder, root / folder)
    suite_file = root / "expectations" / f"{table}.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append(expectation)
    suite_file.write_text(json.dumps(suite))
    monkeypatch.setenv("NEWSFACTS_HOME", str(root))
    return root


@pytest.fixture
def strict_project(tmp_path, monkeypatch):
    """A copy of sql/, flows/ and expectations/ whose documents suite no article can pass
    (row-level: every document is quarantined, far more than the 5% that lets the rest publish)."""
    return project_with_expectation(tmp_path, monkeypatch, "documents", {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "word_count", "min_value": 0, "max_value": 5}, "meta": {"scope": "row"}})


def test_a_failing_expectation_blocks_publishing_and_keeps_the_old_tables(published, raw_copy, tmp_path,
                                                                         strict_project):
    home = tmp_path / "warehouse"
    shutil.copytree(published[0], home)
    before = warehouse.query(home, "SELECT doc_id, figure_count FROM source_profile ORDER BY doc_id")
    (raw_copy / "new.txt").write_text("Evacuation ordered\n\nOfficials said on Tuesday that 30 people had been evacuated from the area.\n")
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 1
    assert "documents: expect_column_values_to_be_between(word_count) failed" in result.output
    assert "6 of 6 documents failed row-level expectations (more than 5%)" in result.output
    assert warehouse.query(home, "SELECT doc_id, figure_count FROM source_profile ORDER BY doc_id") == before
    rejected = list((home / "rejected").rglob("documents.parquet"))
    assert len(rejected) == 1, "the rejected run's facts are kept aside, not lost"
    failed = warehouse.query(home, "SELECT why FROM runs WHERE status = 'validation_failed'")[1]
    assert len(failed) == 1 and "expect_column_values_to_be_between(word_count)" in failed[0][0]


def test_eval_scores_the_samples_against_the_gold(prefect_server, samples_dir, gold_path):
    result = run_cli("eval", "--raw", str(samples_dir), "--gold", str(gold_path), "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert list(scores) == ["boilerplate_precision", "boilerplate_recall", "figures_precision", "figures_recall",
                            "claimant_accuracy", "quotes_recall", "speaker_accuracy", "entity_pairwise_f1",
                            "published_date_accuracy"]
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    # the quality bar the project holds itself to on its development set
    floors = {"boilerplate_precision": 1.0, "boilerplate_recall": 1.0, "figures_recall": 0.90,
              "figures_precision": 0.85, "claimant_accuracy": 0.80, "quotes_recall": 0.95, "speaker_accuracy": 0.90,
              "entity_pairwise_f1": 0.90, "published_date_accuracy": 1.0}
    below = {name: scores[name] for name, floor in floors.items() if scores[name] < floor}
    assert not below, below


def test_cross_source_tables_put_the_outlets_figures_side_by_side(published):
    home, _ = published
    fighters = warehouse.query(home, "SELECT DISTINCT regexp_extract(source_path, '[^/]+$'), value_display "
                                     "FROM figure_comparison JOIN documents USING (doc_id) "
                                     "WHERE kind = 'killed' AND counted_class = 'fighters' AND value = 70")[1]
    assert len({doc for doc, _ in fighters}) >= 4
    assert {display for _, display in fighters} >= {"70", ">70"}
    relations = {r[0] for r in warehouse.query(home, "SELECT relation FROM source_agreement")[1]}
    assert "compatible" in relations or "contradict" in relations


def test_long_texts_odd_paths_and_disguised_html_never_end_the_run(prefect_server, raw_copy, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("Someone else's notes, not part of the corpus.\n")
    (raw_copy / "leak.txt").symlink_to(outside / "private.txt")
    (raw_copy / "loop.txt").symlink_to(raw_copy / "loop.txt")
    (raw_copy / "gone.txt").symlink_to(raw_copy / "deleted.txt")
    (raw_copy / "folder.txt").mkdir()
    os.mkfifo(raw_copy / "pipe.txt")
    (raw_copy / "one_line.txt").write_text("The inquiry heard from another witness. " * 75_000)  # 3 MB, one line
    paragraph = "The inquiry into the Eastvale dam heard on Tuesday that 12 engineers had raised concerns.\n\n"
    (raw_copy / "long_article.txt").write_text(paragraph * (9_000_000 // len(paragraph)))  # 9 MB, under MAX_BYTES
    (raw_copy / "saved_page.txt").write_text(HTML_PAGE.replace("Dam breach", "Levee breach"))
    home = tmp_path / "warehouse"
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    errors = dict(warehouse.query(home, "SELECT source_path, reason FROM ingest_errors")[1])
    assert errors == {"leak.txt": "outside_raw_folder", "loop.txt": "link_loop", "gone.txt": "broken_link",
                      "folder.txt": "not_a_file", "pipe.txt": "not_a_file", "one_line.txt": "too_long",
                      "long_article.txt": "too_long"}
    assert count(home, "SELECT count(*) FROM documents") == 6
    page = warehouse.query(home, "SELECT format, title, body_text FROM documents "
                                 "WHERE source_path = 'saved_page.txt'")[1]
    assert page[0][:2] == ("html", "Levee breach floods valley towns")
    assert "fire chief" in page[0][2] and "<p>" not in page[0][2] and "Privacy policy" not in page[0][2]
    assert count(home, "SELECT count(*) FROM documents WHERE body_text LIKE '%not part of the corpus%'") == 0


@pytest.fixture
def markup_free_removed_lines(tmp_path, monkeypatch):
    """A project whose removed_lines suite refuses any '<', so a hostile title line fails it."""
    return project_with_expectation(tmp_path, monkeypatch, "removed_lines", {
        "type": "expect_column_values_to_not_match_regex",
        "kwargs": {"column": "text", "regex": "<"}, "meta": {"scope": "table"}})


def test_article_markup_in_a_failed_expectation_is_escaped_in_every_html_page(prefect_server, raw_copy, tmp_path,
                                                                              markup_free_removed_lines):
    from html.parser import HTMLParser

    title = "Harbour flooded <script>alert(1)</script> <img src=x onerror=alert(1)>"
    (raw_copy / "hostile.txt").write_text(f"{title}\n\nOfficials in Port Alder said on Monday that 30 homes were "
                                          "flooded when the harbour wall gave way overnight.\n")
    home = tmp_path / "warehouse"
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 1 and "removed_lines: expect_column_values_to_not_match_regex(text)" in result.output

    class LiveMarkup(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "img") or any(name.startswith("on") for name, _ in attrs):
                self.found.append((tag, attrs))

    pages = sorted(home.rglob("*.htm*"))
    assert home / "report" / "validation" / "latest.html" in pages
    for page in pages:
        text = page.read_text()
        parser = LiveMarkup()
        parser.feed(text)
        assert parser.found == [] and "<script>alert" not in text and "<img src=x onerror" not in text, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in (
        home / "report" / "validation" / "latest.html").read_text()
TOWNS = ["Brennick", "Saltmere", "Owlby", "Carrow", "Dunhollow", "Fenwater", "Hethel", "Jessop", "Kilmory",
         "Lowerby", "Marrick", "Norwell", "Ostley", "Pellham", "Quarrow", "Rushden"]
PORTUGUESE = ("Chuva forte inunda bairros de Vila Serena\n\n"
              "A prefeitura de Vila Serena informou na terça-feira que cerca de 200 famílias deixaram suas casas "
              "depois que o rio transbordou durante a noite.\n\n"
              "Segundo a defesa civil, as equipes de resgate usaram barcos para levar os moradores até uma escola "
              "que funciona como abrigo provisório.\n")


def write_local_articles(folder: Path) -> None:
    for n, town in enumerate(TOWNS):
        (folder / f"local-{n:02d}.txt").write_text(
            f"{town} council approves new library\n\n"
            f"Councillors in {town} voted on Wednesday to build a new public library, the council said in a "
            f"statement, after {40 + n} residents wrote in support of the plan.\n\n"
            f"The building will open in the spring of next year and will cost about {n + 2} million pounds, "
            f"according to the council's finance officer.\n")


@pytest.fixture
def flagging_project(tmp_path, monkeypatch):
    """A copy of sql/, flows/ and expectations/ with one more row-level expectation that one file fails."""
    return project_with_expectation(tmp_path, monkeypatch, "documents", {
        "type": "expect_column_values_to_not_match_regex",
        "kwargs": {"column": "source_path", "regex": "flagged"}, "meta": {"scope": "row"}})


def test_a_bad_document_is_quarantined_and_retried_while_the_rest_publishes(prefect_server, raw_copy, tmp_path,
                                                                            flagging_project, monkeypatch):
    write_local_articles(raw_copy)
    (raw_copy / "flagged.txt").write_text("Harbour closed after storm\n\nThe harbour at Kilmory was closed on "
                                          "Friday after a storm damaged the sea wall, the port authority said.\n")
    (raw_copy / "serena.txt").write_text(PORTUGUESE)
    home = tmp_path / "warehouse"
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert "quarantine    1 document(s)" in result.output and "pt 1" in result.output
    assert warehouse.query(home, "SELECT source_path, table_name, expectation FROM quarantine")[1] == [
        ("flagged.txt", "documents", "expect_column_values_to_not_match_regex(source_path)")]
    assert count(home, "SELECT count(*) FROM documents") == 22
    assert count(home, "SELECT count(*) FROM documents WHERE source_path = 'flagged.txt'") == 0
    # the Portuguese article is a document with its language and no English facts
    assert warehouse.query(home, "SELECT language, entity_mention_count, figure_count, quote_count FROM source_profile "
                                 "WHERE source_path = 'serena.txt'")[1] == [("pt", 0, 0, 0)]
    assert count(home, "SELECT count(*) FROM source_profile WHERE language = 'en'") == 21

    monkeypatch.delenv("NEWSFACTS_HOME")  # the expectation is fixed: the quarantined file is tried again
    result = run_cli("run", "--raw", str(raw_copy), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert "1 new, 22 already processed" in result.output
    assert count(home, "SELECT count(*) FROM documents WHERE source_path = 'flagged.txt'") == 1
    assert count(home, "SELECT count(*) FROM quarantine") == 0

