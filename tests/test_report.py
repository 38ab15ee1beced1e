"""The report page: rendered from plain data, article text always escaped, nothing loaded from elsewhere."""
from __future__ import annotations

import html
import json
import re
from datetime import date
from html.parser import HTMLParser

from newsfacts import report

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


class Links(HTMLParser):
    """Every address the page refers to (src, href, CSS url()) and every element it holds."""

    def __init__(self):
        super().__init__()
        self.addresses, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.addresses += [value for name, value in attrs if name in ("src", "href", "xlink:href", "action") and value]
        self.addresses += [value for _, value in attrs if value and "url(" in value]

    def handle_data(self, data):
        self.addresses += re.findall(r"url\(([^)]*)\)", data)


def figure(outlet: str, value: float, display: str, sentence: str) -> dict:
    return {"story_id": "story-1", "fact": "killed people", "fact_key": "story-1 | killed people | - | -",
            "place": None, "event_date": None, "outlet": outlet, "value": value, "value_display": display,
            "qualifier": "exact", "claimant_name": None, "claimant_text": "police", "sentence": sentence,
            "disagreement": True, "n_outlets": 2, "min_value": 3, "max_value": 4}


def sample_data() -> dict:
    docs = [{"doc_id": d, "story_id": "story-1", "outlet": outlet, "title": title, "url": None,
             "published_date": date(2025, 1, 2), "source_path": f"{d}.txt", "word_count": 100}
            for d, outlet, title in (("a", "Coast " + HOSTILE, "Flood " + HOSTILE), ("b", "Inland Post", "Flood"))]
    story = {"story_id": "story-1", "title": "Flood " + HOSTILE, "documents": 2, "outlets": 2,
             "first_published": date(2025, 1, 2), "last_published": date(2025, 1, 2)}
    figures = [figure(docs[0]["outlet"], 3, "3", "Three died. " + HOSTILE), figure("Inland Post", 4, "4", "Four died.")]
    quotes = [{"doc_id": "a", "story_id": "story-1", "outlet": docs[0]["outlet"], "speaker_name": "Ann " + HOSTILE,
               "text": "x"}]
    return {"stories": report.story_views([story], docs, figures, quotes), "documents": docs,
            "expectations": [{"table_name": "documents", "passed": 3, "failed": 0}], "failures": [],
            "ingest_errors": [{"source_path": "bad.txt", "reason": "empty", "detail": HOSTILE}],
            "quarantined": [], "counts": {"figures": 2, "quotes": 1, "entities": 1},
            "profile": [{"source_path": "a.txt", "outlet": docs[0]["outlet"], "removed_share": 0.25,
                         "removed_line_count": 1, "body_line_count": 3}]}


def test_article_text_is_escaped_everywhere():
    page = report.render(sample_data(), {"run_id": "r1"})
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    parser = Links()
    parser.feed(page)
    assert not [tag for tag, attrs in parser.tags if tag == "script" or any(a.startswith("on") for a in attrs)]


def test_the_page_refers_to_nothing_outside_itself():
    page = report.render(sample_data(), {"run_id": "r1"})
    parser = Links()
    parser.feed(page)
    assert parser.addresses and all(address.startswith("#") for address in parser.addresses), parser.addresses
    assert not re.search(r"(?:https?|file|ftp)://", page)
    assert "<svg" in page, "the fact's chart is inlined"


def test_disagreeing_outlets_are_flagged_and_charted_by_outlet():
    view = sample_data()["stories"][0]
    fact = view["facts"][0]
    assert fact["disagreement"] and fact["label"] == "killed people"
    assert "Inland Post" in fact["chart"] and "<script" not in fact["chart"]
    assert view["speakers"][0]["outlets"] == ["Coast " + HOSTILE]


# Appended to a copy of the page (the report itself holds no script): what Chromium made of the
# stylesheet, written into the DOM that --dump-dom prints.
STYLE_PROBE = """<script>
const sheet = document.styleSheets[0];
const body = [...sheet.cssRules].find(rule => rule.selectorText === "body");
const probe = document.createElement("pre");
probe.id = "style-probe";
probe.textContent = JSON.stringify({
  computed: getComputedStyle(document.body).fontFamily,
  declared: body ? body.style.fontFamily : null,
  rules: sheet.cssRules.length,
  source: document.querySelector("style").textContent,
});
document.body.append(probe);
</script>"""


def style_seen_by_chromium(chromium, page: str, tmp_path) -> dict:
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", STYLE_PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--dump-dom", probed.as_uri())
    found = re.search(r'<pre id="style-probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_chromium_applies_the_whole_stylesheet_in_its_sans_serif_font(chromium, tmp_path):
    page = report.render(sample_data(), {"run_id": "r1"})
    seen = style_seen_by_chromium(chromium, page, tmp_path)
    css = report.stylesheet()
    assert seen["source"].strip() == css.strip(), "the <style> block holds report.css as written"
    assert not re.search(r"&(#\d+|#x[0-9a-f]+|quot|amp|lt|gt|apos);", seen["source"], re.I), "no entity in the CSS"
    assert seen["rules"] == css.count("{"), "every rule parsed (the stylesheet has no nested blocks)"
    assert seen["declared"] and seen["declared"].startswith("system-ui"), seen
    families = [name.strip().strip('"').lower() for name in seen["computed"].split(",")]
    assert families[0] == "system-ui" and families[-1] == "sans-serif", seen  # not the browser's serif default


def small_published_warehouse(home, stories: int):
    """A published file with `stories` one-document stories, story i last published on day i."""
    import duckdb

    home.mkdir()
    with duckdb.connect(str(home / "newsfacts.duckdb")) as con:
        con.execute(f"""
            CREATE TABLE documents AS SELECT 'd' || i AS doc_id, 's' || i AS story_id, 'Outlet ' || i AS outlet,
                   'Story ' || i AS title, NULL AS url, DATE '2025-01-01' + i::INTEGER AS published_date,
                   'd' || i || '.txt' AS source_path, 100 AS word_count FROM range({stories}) AS r(i);
            CREATE TABLE stories AS SELECT story_id, title, 1 AS documents, 1 AS outlets,
                   published_date AS first_published, published_date AS last_published FROM documents;
            CREATE TABLE figure_comparison (story_id VARCHAR, fact_key VARCHAR, outlet VARCHAR, value DOUBLE, sentence VARCHAR);
            CREATE TABLE figures (doc_id VARCHAR);
            CREATE TABLE entities (entity_id VARCHAR);
            CREATE TABLE quotes AS SELECT doc_id, 'Ann Lee' AS speaker_name, 'x' AS text FROM documents;
            CREATE TABLE validation_results (table_name VARCHAR, success BOOLEAN, expectation VARCHAR,
                   column_name VARCHAR, unexpected_count BIGINT, unexpected_examples VARCHAR);
            CREATE TABLE ingest_errors AS SELECT 'bad' || i || '.txt' AS source_path, 'empty' AS reason,
                   '' AS detail FROM range(3) AS r(i);
            CREATE TABLE source_profile AS SELECT doc_id, source_path, 0.5 AS removed_share,
                   1 AS removed_line_count, 1 AS body_line_count FROM documents""")


def test_the_page_shows_the_newest_stories_and_counts_them_all(tmp_path):
    small_published_warehouse(tmp_path / "warehouse", stories=5)
    data = report.collect(tmp_path / "warehouse", shown_stories=2)
    assert sorted(story["story_id"] for story in data["stories"]) == ["s3", "s4"], "the two published last"
    assert sorted(doc["doc_id"] for doc in data["documents"]) == ["d3", "d4"]
    assert [len(story["speakers"]) for story in data["stories"]] == [1, 1]
    page = report.render(data, {"run_id": "r1"})
    assert '<td id="summary-stories">5</td>' in page and '<td id="summary-documents">5</td>' in page
    assert 'id="stories-shown"' in page and "shows the 2 stories published last, of\n    5" in page

    whole = report.render(report.collect(tmp_path / "warehouse"), {"run_id": "r1"})
    assert 'id="stories-shown"' not in whole, "no note when every story is on the page"
