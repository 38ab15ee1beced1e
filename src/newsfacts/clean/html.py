"""The HTML path: trafilatura finds the article's main content and its metadata; the line rules
of the text path then take out the furniture trafilatura keeps (credits, sign-offs, teasers).

Removed lines are numbered by their line in trafilatura's extracted text (HTML has no text lines
of its own), so every removed line of a document has its own number."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import trafilatura.external
from htmldate import find_date
from trafilatura import metadata
from trafilatura.settings import set_date_params

from newsfacts.clean import rules
from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.text import PARAGRAPH_JOIN, Decision, mark_dated_records
from newsfacts.clean.trafilatura_steps import Precise, bare_extraction, compare, parse, precise_extraction
from newsfacts.records import CleanedDocument, RemovedLine

EXTRACT_OPTIONS = {
    "favor_precision": True,  # the best trafilatura setting on the benchmark (with the fallback below)
    "include_comments": False,  # reader comments are not the article
    "include_tables": True,
    "with_metadata": False,  # read once per page by page_metadata, not once per extraction
}
# A precise extraction this short has missed the article (its container was judged furniture):
# extract again with trafilatura's balanced settings and keep the longer text.
MIN_ARTICLE_WORDS = 50
FALLBACK_OPTIONS = {**EXTRACT_OPTIONS, "favor_precision": False}

# trafilatura checks its own extraction against readability's (and justext's) unless `fast`: about
# half its CPU a page. It takes readability's text only when its own lacks paragraphs, is mostly
# tables, is short, or holds <time>/<figure>/<nav>... (unclean), or when readability's is more than
# twice as long, which needs a page with much more text than the extraction. Without those signs the
# fast extraction is the same text, so the comparison runs only on pages that show one of them.
COMPARE_BELOW_CHARS = 250  # trafilatura's MIN_EXTRACTED_SIZE: shorter texts are compared
COMPARE_PARAGRAPH_SHARE = 0.3  # extraction under this share of the page's <p> text: compare
COMPARE_PAGE_SHARE = 0.2  # ... or under this share of the words of the page's text
UNREAD_ELEMENTS = frozenset({"script", "style", "noscript", "template"})  # their text is no page text
UNCLEAN_XPATH = trafilatura.external.SANITIZED_XPATH


@dataclass
class Extracted:
    """trafilatura's main content of a page and the metadata the pipeline keeps."""
    text: str
    title: str | None = None
    sitename: str | None = None
    url: str | None = None
    date: str | None = None


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


def extract(html: str | bytes, url: str | None = None) -> Extracted | None:
    """The page's main content and metadata, or None when trafilatura finds no content. The page is
    parsed once: what the gates and the metadata read is read first, then the precise extraction
    prunes the tree itself; the rare fallback parses the page again."""
    tree = parse(html)
    if tree is None:
        return None
    page = PageMeasures.of(tree)
    fields = page_metadata(tree, url)
    precise = precise_extraction(tree, url)
    compare = needs_comparison(precise, page)
    document = compared(precise, html, url) if compare else precise
    words = word_count(document)
    if words < MIN_ARTICLE_WORDS:
        fallback = bare_extraction(parse(html), url, {**FALLBACK_OPTIONS, "fast": not compare})
        if word_count(fallback) > words:
            document = fallback
    if document is None:
        return None
    return Extracted(document.text or "", **fields)


@dataclass
class PageMeasures:
    """What the comparison gate reads of the whole page, measured before the extraction prunes it."""
    paragraph_chars: int
    words: int

    @classmethod
    def of(cls, tree) -> "PageMeasures":
        return cls(sum(len(p.text_content()) for p in tree.iter("p")), page_words(tree))


def compared(precise: Precise | None, html: str | bytes, url: str | None):
    """trafilatura's full precise extraction (fast=False): its own extraction compared with
    readability's and justext's. The fast extraction is its first half unless it read `fast`."""
    if precise is None or precise.options.fast_read:
        return bare_extraction(parse(html), url, EXTRACT_OPTIONS)
    return compare(precise)


def word_count(document) -> int:
    return len(rules.WORD.findall(document.text or "")) if document is not None else 0


def needs_comparison(document, page: PageMeasures) -> bool:
    """Whether trafilatura's comparison with readability and justext could change this fast
    extraction (see COMPARE_*): the signs its comparison reads, and a page with much more text."""
    if document is None or len(document.text or "") < COMPARE_BELOW_CHARS:
        return True
    body = document.body
    if not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p")):
        return True
    if body.xpath(UNCLEAN_XPATH):
        return True
    if len(document.text) < COMPARE_PARAGRAPH_SHARE * page.paragraph_chars:
        return True
    return len(document.text.split()) < COMPARE_PAGE_SHARE * page.words


def page_words(tree) -> int:
    """Words of the page's text outside scripts and styles (trafilatura's html2txt, which also
    drops asides and footers, reads the same pages in 7 times the time)."""
    parts = []
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag not in UNREAD_ELEMENTS:
            parts.append(element.text or "")
        parts.append(element.tail or "")  # a comment's or a script's tail is the page's text
    return len(" ".join(parts).split())


def page_metadata(tree, url: str | None) -> dict:
    """Title, site name, URL and publication date as trafilatura's extract_metadata finds them,
    without the fields it also reads and the pipeline does not keep (author, categories, tags,
    licence: most of its time)."""
    meta = metadata.examine_meta(tree)
    try:
        meta = metadata.extract_meta_json(tree, meta)
    except Exception:  # noqa: BLE001 - its JSON-LD reader can fail on odd JSON; extract_metadata goes on too
        pass
    meta.title = meta.title or metadata.extract_title(tree)
    meta.url = meta.url or metadata.extract_url(tree, url)
    meta.date = find_date(tree, url=meta.url, **set_date_params(True))
    meta.sitename = site_name(meta.sitename or metadata.extract_sitename(tree), meta.url)
    meta.clean_and_trim()
    return {"title": meta.title, "sitename": meta.sitename, "url": meta.url, "date": meta.date}


def site_name(name: str | None, url: str | None) -> str | None:
    """trafilatura's reading: a Twitter handle without its @, a bare lowercase name capitalised,
    else the URL's host."""
    if name:
        name = name.lstrip("@")
        if name and "." not in name and not name[0].isupper():
            name = name.title()
        return name
    match = metadata.META_URL.match(url) if url else None
    return match[1] if match else None


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
