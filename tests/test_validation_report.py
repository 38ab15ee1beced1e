"""The validation report: article text reaches the reviewer's browser as text, never as markup."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsfacts import project, store, validate, validation_report, warehouse
from newsfacts.records import CleanedDocument, DocumentFacts, RawDocument, RemovedLine

HOSTILE_LINES = ["<img src=x onerror=alert(1)>", "<script>alert('pwned')</script>", '"><svg onload=alert(2)>']


class Markup(HTMLParser):
    """Every element and attribute a browser would build from a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)


def live_markup(page: str) -> Markup:
    parser = Markup()
    parser.feed(page)
    return parser


def assert_inert(page: str) -> None:
    markup = live_markup(page)
    assert "script" not in markup.tags and "img" not in markup.tags and "svg" not in markup.tags
    assert not [name for name in markup.attributes if name.startswith("on")]
    assert not any(live in page for live in ("<script>alert", "<img src=x onerror", "<svg onload"))


def test_examples_are_escaped_in_the_page():
    row = {"run_id": "r9", "table_name": "removed_lines", "expectation": "expect_column_values_to_be_in_set",
           "column_name": "text", "success": False, "element_count": 3, "unexpected_count": 3,
           "unexpected_examples": json.dumps(HOSTILE_LINES), "notes": "<b>note</b>"}
    page = validation_report.render("r9", [row])
    assert_inert(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;note&lt;/b&gt;" in page
    assert "Content-Security-Policy" in page and "failed" in page


@pytest.fixture
def strict_removed_lines(tmp_path, monkeypatch):
    """A project whose removed_lines suite accepts only one line, so the article's lines are unexpected."""
    root = tmp_path / "project"
    for folder in ("sql", "expectations"):
        shutil.copytree(project.project_root() / folder, root / folder)
    suite_file = root / "expectations" / "removed_lines.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append({"type": "expect_column_values_to_be_in_set",
                                  "kwargs": {"column": "text", "value_set": ["Skip to content"]},
                                  "meta": {"scope": "table"}})
    suite_file.write_text(json.dumps(suite))
    monkeypatch.setenv("NEWSFACTS_HOME", str(root))
    return root


def test_a_failed_expectation_on_hostile_article_lines_leaves_no_live_markup(tmp_path, strict_removed_lines):
    home = tmp_path / "warehouse"
    stale = home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<div><img src=x onerror=alert(1)></div>")  # as GX's Data Docs rendered it
    body = "Officials in Eastvale said 12 people were wounded."
    lines = [RemovedLine(no, line, "navigation") for no, line in enumerate(HOSTILE_LINES, start=1)]
    store.ensure_datasets(home)
    store.store_run(home, "r1", datetime.now(timezone.utc),
                    [RawDocument("d1", "a.txt", "text", "utf-8", 200, "\n".join(HOSTILE_LINES) + "\n" + body)],
                    [CleanedDocument("d1", body, lines, raw_line_count=4, body_line_count=1)],
                    [DocumentFacts("d1", word_count=8)], [])
    store.store_entities(home, [], [])
    with warehouse.connect(home) as con:
        warehouse.load_staging(con, home)
        result = validate.validate(warehouse.check_batches(con), home, "r1")
    [failure] = [row for row in result.failures if row["table_name"] == "removed_lines"]
    assert failure["column_name"] == "text" and json.loads(failure["unexpected_examples"]) == HOSTILE_LINES
    pages = sorted(home.rglob("*.htm*"))
    assert result.data_docs in pages and home / "report" / "validation" / "latest.html" in pages
    assert not stale.exists()
    for page in pages:
        assert_inert(page.read_text())
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in result.data_docs.read_text()
