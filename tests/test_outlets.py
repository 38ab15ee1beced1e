"""Outlets and URLs: from metadata beside the text (sidecars, JSON Lines feeds) or in the page."""
from __future__ import annotations

import json
from datetime import date

from newsfacts import clean, ingest, outlets
from newsfacts.records import CleanedDocument, RawDocument

ARTICLE = ("Ferry runs aground off Port Elmsworth\n\n"
           "A passenger ferry ran aground off Port Elmsworth on Sunday, the coastguard said. "
           "All 212 passengers were taken ashore by lifeboat crews and nobody was hurt.\n")


def test_registered_domain_uses_the_public_suffix_list_offline():
    assert outlets.registered_domain("https://www.northgazette.co.uk/news/ferry-aground") == "northgazette.co.uk"
    assert outlets.registered_domain("http://news.example.com.au/a") == "example.com.au"
    assert outlets.registered_domain(None) is None
    assert outlets.registered_domain("not a url") is None


def test_sidecar_metadata_names_the_outlet_of_a_text_file(tmp_path):
    (tmp_path / "ferry.txt").write_text(ARTICLE)
    (tmp_path / "ferry.json").write_text(json.dumps({
        "url": "https://www.northgazette.co.uk/news/ferry", "outlet": "North Gazette",
        "title": "Ferry aground", "published": "2025-03-02T10:00:00Z"}))
    found = ingest.ingest(tmp_path)
    assert not found.errors and [d.source_path for d in found.documents] == ["ferry.txt"]
    raw = found.documents[0]
    doc = outlets.apply_metadata(raw, clean.clean_documents([raw])[0])
    assert (doc.outlet, doc.url, doc.title, doc.published_date) == (
        "North Gazette", "https://www.northgazette.co.uk/news/ferry", "Ferry aground", date(2025, 3, 2))


def test_a_sidecar_with_only_a_url_gives_the_registered_domain(tmp_path):
    (tmp_path / "ferry.txt").write_text(ARTICLE)
    (tmp_path / "ferry.json").write_text('{"url": "https://mobile.harbourtimes.com/x/1"}')
    raw = ingest.ingest(tmp_path).documents[0]
    assert outlets.apply_metadata(raw, clean.clean_documents([raw])[0]).outlet == "harbourtimes.com"


def test_a_broken_sidecar_is_reported_and_its_article_still_read(tmp_path):
    (tmp_path / "ferry.txt").write_text(ARTICLE)
    (tmp_path / "ferry.json").write_text("{not json")
    found = ingest.ingest(tmp_path)
    assert [(e.source_path, e.reason) for e in found.errors] == [("ferry.json", "bad_metadata")]
    assert [d.source_path for d in found.documents] == ["ferry.txt"]


def test_without_metadata_the_file_name_is_the_last_fallback(tmp_path):
    (tmp_path / "ferry-report.txt").write_text(ARTICLE)
    raw = ingest.ingest(tmp_path).documents[0]
    assert outlets.apply_metadata(raw, clean.clean_documents([raw])[0]).outlet == "ferry-report"


def test_a_json_lines_feed_gives_one_document_per_line(tmp_path):
    lines = [
        {"url": "https://www.coastpost.org/ferry", "source_domain": "coastpost.org", "title": "Ferry aground",
         "date_publish": "2025-03-02 11:20:00", "maintext": ARTICLE},
        {"url": "https://tidings.example.net/ferry", "text": ARTICLE.replace("212", "210")},
        "not an object",
        {"title": "No body here"},
    ]
    (tmp_path / "crawl.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n\n")
    found = ingest.ingest(tmp_path)
    assert [d.source_path for d in found.documents] == ["crawl.jsonl#1", "crawl.jsonl#2"]
    assert {e.source_path: e.reason for e in found.errors} == {
        "crawl.jsonl#3": "bad_metadata", "crawl.jsonl#4": "empty", "crawl.jsonl#5": "bad_metadata"}
    cleaned = outlets.apply_all(found.documents, clean.clean_documents(found.documents))
    assert [d.outlet for d in cleaned] == ["coastpost.org", "example.net"]
    assert cleaned[0].published_date == date(2025, 3, 2) and "212 passengers" in cleaned[0].body_text
    assert len({d.doc_id for d in found.documents}) == 2


def test_page_metadata_names_the_outlet_before_the_url():
    raw = RawDocument("d1", "page.html", "html", "utf-8", 10, "")
    doc = CleanedDocument("d1", "text", site_name="Harbour Times", url="https://www.harbourtimes.com/a")
    assert outlets.apply_metadata(raw, doc).outlet == "Harbour Times"
    doc = CleanedDocument("d1", "text", url="https://www.harbourtimes.com/a")
    assert outlets.apply_metadata(raw, doc).outlet == "harbourtimes.com"


def test_a_site_name_that_is_an_address_becomes_its_registered_domain():
    raw = RawDocument("d1", "page.html", "html", "utf-8", 10, "")
    doc = CleanedDocument("d1", "text", site_name="https://www.islandnewsnow.com")
    assert outlets.apply_metadata(raw, doc).outlet == "islandnewsnow.com"
    assert outlets.outlet_name("www.harbourtimes.co.uk") == "harbourtimes.co.uk"
    assert outlets.outlet_name(" Harbour Times ") == "Harbour Times"
