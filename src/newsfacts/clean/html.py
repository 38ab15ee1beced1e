"""The HTML path: trafilatura finds the article's main content and its metadata; the line rules
of the text path then take out the furniture trafilatura keeps (credits, sign-offs, teasers).

Removed lines are numbered by their line in trafilatura's extracted text (HTML has no text lines
of its own), so every removed line of a document has its own number."""
from __future__ import annotations

from datetime import date

import trafilatura

from newsfacts.clean import rules
from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.text import PARAGRAPH_JOIN, Decision, mark_dated_records
from newsfacts.records import CleanedDocument, RemovedLine

EXTRACT_OPTIONS = {
    "favor_precision": True,  # the best trafilatura setting on the benchmark (with the fallback below)
    "include_comments": False,  # reader comments are not the article
    "include_tables": True,
    "with_metadata": True,
}
# A precise extraction this short has missed the article (its container was judged furniture):
# extract again with trafilatura's balanced settings and keep the longer text.
MIN_ARTICLE_WORDS = 50
FALLBACK_OPTIONS = {**EXTRACT_OPTIONS, "favor_precision": False}


def clean_html(html: str | bytes, doc_id: str = "", url: str | None = None) -> CleanedDocument:
    extracted = extract(html, url)
    text = extracted.text if extracted is not None else ""
    lines, _count = split_lines(text or "")
    decisions = decide_extracted_lines(lines)
    body = [line.raw.strip() for line, decision in zip(lines, decisions) if decision.rule is None]
    doc = CleanedDocument(
        doc_id=doc_id,
        body_text=PARAGRAPH_JOIN.join(body),
        removed_lines=[
            RemovedLine(line.no, line.raw, decision.rule, decision.score)
            for line, decision in zip(lines, decisions)
            if decision.rule is not None
        ],
        raw_line_count=len(lines),
        body_line_count=len(body),
    )
    if extracted is not None:
        doc.title = extracted.title or None
        doc.site_name = extracted.sitename or None
        doc.url = extracted.url or url
        doc.published_date, doc.published_text = parse_iso_date(extracted.date)
    return doc


def extract(html: str | bytes, url: str | None = None):
    """trafilatura's Document (text + metadata), or None when it finds no content."""
    document = bare_extraction(html, url, EXTRACT_OPTIONS)
    words = len(rules.WORD.findall(document.text or "")) if document is not None else 0
    if words < MIN_ARTICLE_WORDS:
        fallback = bare_extraction(html, url, FALLBACK_OPTIONS)
        if fallback is not None and len(rules.WORD.findall(fallback.text or "")) > words:
            return fallback
    return document


def bare_extraction(html: str | bytes, url: str | None, options: dict):
    try:
        return trafilatura.bare_extraction(html, url=url, **options)
    except (ValueError, TypeError):  # malformed markup that lxml cannot parse at all
        return None


def decide_extracted_lines(lines: list[Line]) -> list[Decision]:
    """Line rules, and the cut before dated records (comments or dated teasers that trafilatura
    took for part of the article): trafilatura's output is already the main content, so context
    rules tuned for whole pages (titles, trailing fragments) would cut real paragraphs."""
    decisions = [Decision(rules.line_rule(line.text)) for line in lines]
    mark_dated_records(lines, decisions)
    return decisions


def parse_iso_date(value: str | None) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    try:
        return date.fromisoformat(value[:10]), value
    except ValueError:
        return None, value
