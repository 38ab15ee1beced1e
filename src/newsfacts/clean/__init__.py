"""Clean stage: raw documents in, article bodies (and the lines taken out, with why) out."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from newsfacts.clean.html import clean_html
from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.text import clean_text
from newsfacts.records import CleanedDocument, RawDocument

__all__ = ["clean_documents", "clean_html", "clean_text", "repeated_lines"]

# A line seen in this many documents of one batch is furniture of the site(s) they came from ...
MIN_REPEATS = 3
# ... unless it lies in a block of lines that documents share in the same order and that holds this
# much prose (characters, so that scripts without spaces count alike): one article carried by several
# sites (agency copy), each in its own chrome. Furniture repeats as menus, labels and short notices;
# an article body is paragraphs.
SHARED_PROSE_CHARS = 500


def clean_documents(raw_docs: list[RawDocument]) -> list[CleanedDocument]:
    """One CleanedDocument per RawDocument, in the same order."""
    repeated = repeated_lines([raw.text for raw in raw_docs if raw.format == "text"])
    return [
        clean_html(raw.text, raw.doc_id) if raw.format == "html" else clean_text(raw.text, raw.doc_id, repeated)
        for raw in raw_docs
    ]


def repeated_lines(texts: list[str], min_repeats: int = MIN_REPEATS) -> frozenset[str]:
    """Stripped lines (without list numbers) that occur in at least `min_repeats` different texts,
    less the lines of article text that several texts share (see SHARED_PROSE_CHARS)."""
    pages = [split_lines(text)[0] for text in texts]
    counts: Counter[str] = Counter()
    neighbours: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        keys = [line.text for line in lines]
        counts.update(set(keys))
        neighbours.update(set(zip(keys, keys[1:])))
    repeated = {line for line, count in counts.items() if count >= min_repeats}
    shared_prose = {
        line.text
        for lines in pages
        for block in shared_blocks(lines, neighbours)
        if prose_chars(block) >= SHARED_PROSE_CHARS
        for line in block
    }
    return frozenset(repeated - shared_prose)


def shared_blocks(lines: list[Line], neighbours: Counter[tuple[str, str]]) -> Iterator[list[Line]]:
    """Runs of consecutive lines whose every pair of neighbours also stands together in another text.
    A site's chrome around a wire story is not part of the story's run: the other sites' copies
    have their own chrome around it."""
    block: list[Line] = []
    for previous, line in zip([None, *lines], lines):
        if previous is not None and neighbours[previous.text, line.text] >= 2:
            block.append(line)
            continue
        if len(block) > 1:
            yield block
        block = [line]
    if len(block) > 1:
        yield block


def prose_chars(block: list[Line]) -> int:
    return sum(len(line.text) for line in block if line.sentence)
