"""The HTML path: the page's markup blocks read as lines (clean.blocks), judged by the text path's
line rules and then by a line classifier that reads, next to each line's shape and neighbourhood,
what the markup says about its block (link density, element, class/id words such as "comment" or
"footer") and whether trafilatura, which also gives the page's metadata, kept it as main content.

Removed lines are numbered by their line in the blocks' text (one line per block, a blank line
where the markup breaks a paragraph), so every removed line of a document has its own number.
Without the model file, trafilatura's text with the line rules is the body."""
from __future__ import annotations

from datetime import date

import trafilatura

from newsfacts.clean import classifier, rules
from newsfacts.clean.blocks import blocks_as_lines, markup_features, page_blocks
from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.text import PARAGRAPH_JOIN, Decision, build_document, decide_lines
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


def clean_html(
    html: str | bytes, doc_id: str = "", url: str | None = None, model: classifier.LineModel | None = None
) -> CleanedDocument:
    """The article body of an HTML page; `model`: the HTML line model (default: the shipped one)."""
    extracted = extract(html, url)
    model = model or classifier.shipped_html_model()
    lines, line_blocks, count = blocks_as_lines(page_blocks(html)) if model is not None else ([], [], 0)
    if lines:
        decisions = decide_lines(lines, use_classifier=False)
        extra = markup_features(lines, line_blocks, extracted.text or "" if extracted is not None else "")
        classifier.mark_by_classifier(lines, decisions, model, extra=extra)
        doc = build_document(doc_id, lines, decisions, count)
    else:
        doc = clean_extracted(extracted.text if extracted is not None else "", doc_id)
    if extracted is not None:  # the page's metadata before what the line rules read off its text
        doc.title = extracted.title or doc.title
        doc.site_name = extracted.sitename or doc.site_name
        doc.url = extracted.url or url
        if extracted.date:
            doc.published_date, doc.published_text = parse_iso_date(extracted.date)
    return doc


def clean_extracted(text: str, doc_id: str) -> CleanedDocument:
    """trafilatura's text less the lines the line rules take out."""
    lines, _count = split_lines(text or "")
    decisions = decide_extracted_lines(lines)
    body = [line.raw.strip() for line, decision in zip(lines, decisions) if decision.rule is None]
    return CleanedDocument(
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
    """Line rules only: trafilatura's output is already the main content, so context rules tuned
    for whole pages (titles, trailing fragments) would cut real paragraphs."""
    return [Decision(rules.line_rule(line.text)) for line in lines]


def parse_iso_date(value: str | None) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    try:
        return date.fromisoformat(value[:10]), value
    except ValueError:
        return None, value
