"""The plain-text path: decide for every line whether it is article body or boilerplate.

Order of decisions: line rules (shape of furniture), the publication date and title lines
(they become fields), context rules (runs of menu items, captions around credits,
caption-then-heading runs, fragments after the last sentence, the lead paragraph kept), then the
line classifier for what is left, then the cut before a run of dated records (reader comments).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from newsfacts.clean import classifier, rules
from newsfacts.clean.rules import WORD
from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.fields import is_title_like, may_be_date_line, parse_date_line, split_site_name
from newsfacts.records import CleanedDocument, RemovedLine

PARAGRAPH_JOIN = "\n\n"
MAX_PICTURE_BLOCK = 4  # link, caption, credit, and one more line such as a media label
CAPTION_THEN_HEADING = re.compile(r"(?=sffs)")  # over a string of s(entence)/f(ragment), one per kept line
MENU_ITEM_WORDS = 3
MENU_RUN = re.compile(r"m{4,}")  # over a string of m(enu-item shaped)/other, one per line
MIN_TITLE_WORDS = 3
LEAD_MIN_WORDS = 12  # a standfirst is a full sentence or two
LEAD_MAX_SKIPPED = 2  # short lines (byline, kicker) allowed between the headline and its lead
# Dated records (reader comments, dated teaser lists, feed metadata): a short line that carries a
# time or a date and whose leading words recur on this many lines of the page ...
RECORD_REPEATS = 3
RECORD_MAX_WORDS = 25  # ... a record's header line ("Posted by: Ann | May 3, 2012 2:14 PM"), not prose
RECORD_LEADING_WORDS = 2
# ... after at least this much body: records above the article (an archive list in a sidebar) are
# left to the other rules.
RECORD_MIN_BODY_BEFORE = 50
CLOCK_OR_DATE = re.compile(r"\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
LETTERS = re.compile(r"[^\W\d_]+")
STAMP_WORDS = {"am", "pm", "at", "on", "of"}
MONTH_AND_DAY_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                       "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
                       "saturday", "sunday", "sept", "tues", "thurs")


@dataclass
class Decision:
    rule: str | None = None  # None: body
    score: float | None = None
    keep: str | None = None  # a context rule that keeps the line as body whatever the classifier says
    published: date | None = None  # the date a published_date line states


def clean_text(
    text: str,
    doc_id: str = "",
    repeated: frozenset[str] = frozenset(),
    model: classifier.LineModel | None = None,
    use_classifier: bool = True,
) -> CleanedDocument:
    """The article body of a plain-text page. `repeated`: lines recurring across the batch;
    `model`: the line classifier (default: the shipped one)."""
    lines, line_count = split_lines(text)
    decisions = decide_lines(lines, repeated, model, use_classifier)
    # after every other decision, and outside decide_lines: the line classifier is trained on what
    # decide_lines' rules leave (scripts/train_line_classifier.py), and this cut is no line's shape
    mark_dated_records(lines, decisions)
    return build_document(doc_id, lines, decisions, line_count)


def decide_lines(
    lines: list[Line],
    repeated: frozenset[str] = frozenset(),
    model: classifier.LineModel | None = None,
    use_classifier: bool = True,
) -> list[Decision]:
    decisions = [Decision(rules.line_rule(line.text)) for line in lines]
    mark_repeated(lines, decisions, repeated)
    mark_published_date(lines, decisions)
    mark_title(lines, decisions)
    mark_menu_runs(lines, decisions)
    mark_captions_near_media(lines, decisions)
    mark_caption_before_heading(lines, decisions)
    mark_trailing_fragments(lines, decisions)
    mark_lead(lines, decisions)
    if use_classifier:
        classifier.mark_by_classifier(lines, decisions, model or classifier.shipped_model(), repeated)
    return decisions


def open_indices(decisions: list[Decision]) -> list[int]:
    """Indices of the lines no rule has removed yet."""
    return [i for i, decision in enumerate(decisions) if decision.rule is None]


def iter_open(decisions: list[Decision], start: int = 0) -> Iterator[int]:
    """open_indices from `start` on, lazily (for rules that stop at the first few)."""
    return (i for i in range(start, len(decisions)) if decisions[i].rule is None)


def mark_repeated(lines: list[Line], decisions: list[Decision], repeated: frozenset[str]) -> None:
    """Short non-sentence lines that recur across documents of the batch are site furniture."""
    if not repeated:
        return
    for i in open_indices(decisions):
        if lines[i].text in repeated and not lines[i].sentence:
            decisions[i].rule = "repeated_line"


def mark_published_date(lines: list[Line], decisions: list[Decision]) -> None:
    """The first line that is only a date (with a label) is the publication date."""
    for i in iter_open(decisions):
        if may_be_date_line(lines[i].text):
            published = parse_date_line(lines[i].text)
            if published is not None:
                decisions[i].rule, decisions[i].published = "published_date", published
                return


def mark_title(lines: list[Line], decisions: list[Decision]) -> None:
    """The first line left before the prose that reads as a headline is the title. A section
    label or breadcrumb ("World | Africa") is too short to be one: a headline has three words."""
    for i in iter_open(decisions):
        if lines[i].sentence:
            return
        headline, _site = split_site_name(lines[i].text)
        if is_title_like(lines[i].text) and len(WORD.findall(headline)) >= MIN_TITLE_WORDS:
            decisions[i].rule = "title"
            return


def mark_menu_runs(lines: list[Line], decisions: list[Decision]) -> None:
    """Four or more short fragments in a row (blank lines or not) are a menu, a tag list or a link
    list: an article's headings and datelines stand alone, between paragraphs."""
    shape = "".join(["m" if len(line.tokens) <= MENU_ITEM_WORDS and not line.sentence else "." for line in lines])
    for run in MENU_RUN.finditer(shape):
        for i in range(run.start(), run.end()):
            if decisions[i].rule is None:
                decisions[i].rule = "menu"


def blocks(lines: list[Line]) -> list[list[int]]:
    """Runs of lines between blank lines (a caption sits in its picture's block)."""
    runs: list[list[int]] = []
    for i, line in enumerate(lines):
        if runs and lines[i - 1].no == line.no - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def mark_captions_near_media(lines: list[Line], decisions: list[Decision]) -> None:
    """A non-sentence line in the same small block as a credit, a media caption or a bare link is a
    caption. Only small blocks: a text without blank lines is one block, and its headings are not captions."""
    if not any(decision.rule in rules.MEDIA_RULES for decision in decisions):
        return
    for block in blocks(lines):
        if not 2 <= len(block) <= MAX_PICTURE_BLOCK or not any(decisions[i].rule in rules.MEDIA_RULES for i in block):
            continue
        for i in block:
            if decisions[i].rule is None and not lines[i].sentence:
                decisions[i].rule = "caption"


def mark_caption_before_heading(lines: list[Line], decisions: list[Decision]) -> None:
    """Between two paragraphs, two fragments in a row are a picture caption and a heading:
    a heading introduces the prose that follows it, so the first fragment is the caption."""
    kept = open_indices(decisions)
    shape = "".join(["s" if lines[i].sentence else "f" for i in kept])  # sentence or fragment
    for match in CAPTION_THEN_HEADING.finditer(shape):
        decisions[kept[match.start() + 1]].rule = "caption"


def mark_trailing_fragments(lines: list[Line], decisions: list[Decision]) -> None:
    """Fragments after the last sentence introduce nothing: footers, tags, link lists."""
    kept = open_indices(decisions)
    sentences = [i for i in kept if lines[i].sentence]
    if not sentences:
        return
    for i in kept:
        if i > sentences[-1]:
            decisions[i].rule = "trailing_fragment"


def mark_lead(lines: list[Line], decisions: list[Decision]) -> None:
    """The first paragraph after the headline (past its date and byline lines) is the article's
    lead when the article's prose goes on after it (or when it is the whole article): a
    standfirst, often set apart from the next paragraph by a picture block, that a classifier
    reading the neighbourhood would take for a teaser."""
    title = next((i for i, decision in enumerate(decisions) if decision.rule == "title"), None)
    if title is None:
        return
    kept = list(islice(iter_open(decisions, title + 1), LEAD_MAX_SKIPPED + 2))  # candidates and the line after
    for position, i in enumerate(kept[: LEAD_MAX_SKIPPED + 1]):
        line = lines[i]
        if line.sentence and len(line.tokens) >= LEAD_MIN_WORDS:
            following = kept[position + 1 : position + 2]
            if not following or lines[following[0]].sentence:  # prose goes on, or the lead is all there is
                decisions[i].keep = "lead"
            return
        if line.sentence:
            return  # a shorter sentence first: the article has begun without a standfirst


def mark_dated_records(lines: list[Line], decisions: list[Decision]) -> None:
    """Everything from the first of a page's dated records on, once the article has begun, is not
    the article. A record's header is a short line with a time or a date whose leading words recur
    on three lines or more ("Posted by: Ann | May 3, 2012", "Ann says: 8 August 2018 at 3:17 pm", a
    teaser's "By Staff | 11/20/2019 01:14 PM"): reader comments, lists of dated headlines and feed
    metadata, all of which follow the article. Its prose (a comment) reads as body line by line,
    but its shape repeats; an article's own date line stands once."""
    start = first_record(lines)
    if start is None:
        return
    body_words = sum(len(lines[i].tokens) for i in range(start) if decisions[i].rule is None)
    if body_words < RECORD_MIN_BODY_BEFORE:
        return
    for i in range(start, len(lines)):
        # a date found among the records is a comment's, not the article's
        if decisions[i].rule is None or decisions[i].rule == "published_date":
            decisions[i].rule, decisions[i].keep, decisions[i].published = "dated_records", None, None


def first_record(lines: list[Line]) -> int | None:
    """Index of the first line of a record header shape that recurs RECORD_REPEATS times, or None."""
    seen: dict[tuple[str, ...], list[int]] = defaultdict(list)
    search = CLOCK_OR_DATE.search
    for i, line in enumerate(lines):
        # record_header_shape's first tests, inlined: they run on every line of every page
        if len(line.tokens) <= RECORD_MAX_WORDS and search(line.text):
            shape = record_header_shape(line)
            if shape is not None:
                seen[shape].append(i)
    starts = [found[0] for found in seen.values() if len(found) >= RECORD_REPEATS]
    return min(starts, default=None)


def record_header_shape(line: Line) -> tuple[str, ...] | None:
    """The leading words of a short line that states a time or a date (None for any other line)."""
    if len(line.tokens) > RECORD_MAX_WORDS or not CLOCK_OR_DATE.search(line.text):
        return None
    words = [word for word in LETTERS.findall(line.text) if not is_stamp_word(word)]
    # a bare stamp ("6:05 p.m.", "March 26, 2012") heads an entry of a live blog or a timeline, which is
    # the article: a record's header says more than when (who posted it, who says)
    return tuple(word.lower() for word in words[:RECORD_LEADING_WORDS]) or None


def is_stamp_word(word: str) -> bool:
    """A word of a time or date itself: a.m./p.m. and their letters, a month or weekday (or its short
    form), "at", a time zone (EDT, GMT, ET)."""
    lower = word.lower()
    month_or_day = len(lower) >= 3 and any(name.startswith(lower) for name in MONTH_AND_DAY_NAMES)
    time_zone = word.isupper() and len(word) <= 4 and word.endswith("T")
    return len(word) == 1 or lower in STAMP_WORDS or month_or_day or time_zone


def build_document(doc_id: str, lines: list[Line], decisions: list[Decision], line_count: int) -> CleanedDocument:
    body = [line.raw.strip() for line, decision in zip(lines, decisions) if decision.rule is None]
    removed = [
        RemovedLine(line.no, line.raw, decision.rule, decision.score)
        for line, decision in zip(lines, decisions)
        if decision.rule is not None
    ]
    doc = CleanedDocument(
        doc_id=doc_id,
        body_text=PARAGRAPH_JOIN.join(body),
        removed_lines=removed,
        raw_line_count=line_count,
        body_line_count=len(body),
    )
    fill_fields(doc, lines, decisions)
    return doc


def fill_fields(doc: CleanedDocument, lines: list[Line], decisions: list[Decision]) -> None:
    for line, decision in zip(lines, decisions):
        if decision.rule == "title" and doc.title is None:
            doc.title, doc.site_name = split_site_name(line.text)
        elif decision.rule == "published_date" and doc.published_date is None:
            doc.published_date = decision.published
            doc.published_text = line.text
