"""Clean stage: raw documents in, article bodies (and the lines taken out, with why) out."""
from __future__ import annotations

from collections import Counter

from newsfacts.clean.html import clean_html
from newsfacts.clean.rules import strip_list_number
from newsfacts.clean.text import clean_text
from newsfacts.records import CleanedDocument, RawDocument

__all__ = ["clean_documents", "clean_html", "clean_text", "repeated_lines"]

# A line seen in this many documents of one batch is furniture of the site(s) they came from.
MIN_REPEATS = 3


def clean_documents(raw_docs: list[RawDocument]) -> list[CleanedDocument]:
    """One CleanedDocument per RawDocument, in the same order."""
    repeated = repeated_lines([raw.text for raw in raw_docs if raw.format == "text"])
    return [
        clean_html(raw.text, raw.doc_id) if raw.format == "html" else clean_text(raw.text, raw.doc_id, repeated)
        for raw in raw_docs
    ]


def repeated_lines(texts: list[str], min_repeats: int = MIN_REPEATS) -> frozenset[str]:
    """Stripped lines that occur in at least `min_repeats` different texts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(distinct_lines(text))
    return frozenset(line for line, count in counts.items() if count >= min_repeats)


def distinct_lines(text: str) -> set[str]:
    # str.splitlines also breaks at rarer separators than split_lines does; only identity matters here
    stripped = set(map(str.strip, text.splitlines()))
    stripped.discard("")
    numbered = {line for line in stripped if line[:1].isdigit()}
    return (stripped - numbered) | {unnumbered for unnumbered in map(strip_list_number, numbered) if unnumbered}
