"""Clean stage: raw documents in, article bodies (and the lines taken out, with why) out."""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from newsfacts.clean.html import clean_html
from newsfacts.clean.lines import Line, line_texts, split_lines
from newsfacts.clean.text import clean_text
from newsfacts.records import CleanedDocument, RawDocument

__all__ = ["LineStatistics", "clean_documents", "clean_html", "clean_text", "repeated_lines"]

# A line seen in this many documents of one batch is furniture of the site(s) they came from ...
MIN_REPEATS = 3
# ... unless it lies in a block of lines that documents share in the same order and that holds this
# much prose (characters, so that scripts without spaces count alike): one article carried by several
# sites (agency copy), each in its own chrome. Furniture repeats as menus, labels and short notices;
# an article body is paragraphs.
SHARED_PROSE_CHARS = 500


def clean_documents(raw_docs: list[RawDocument], lines: LineStatistics | None = None) -> list[CleanedDocument]:
    """One CleanedDocument per RawDocument, in the same order. `lines`: what the texts of the whole run
    repeat (LineStatistics.of these documents' texts when not given: the batch is the run)."""
    if lines is None:
        lines = LineStatistics.of([raw.text for raw in raw_docs if raw.format == "text"])
    return [clean_html(raw.text, raw.doc_id) if raw.format == "html" else clean_one_text(raw, lines)
            for raw in raw_docs]


def clean_one_text(raw: RawDocument, lines: LineStatistics) -> CleanedDocument:
    return clean_text(raw.text, raw.doc_id, lines.repeated_on(split_lines(raw.text)[0]))


def line_key(text: str) -> int:
    """A line as 8 bytes: the statistics of a run's lines stay small, whatever its texts weigh."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass
class LineStatistics:
    """In how many texts of a run each line, and each pair of neighbouring lines, occurs.

    Built one text at a time (`add`), so a run can survey its texts without holding them.
    """

    counts: Counter = field(default_factory=Counter)
    neighbours: Counter = field(default_factory=Counter)
    min_repeats: int = MIN_REPEATS

    @classmethod
    def of(cls, texts: list[str], min_repeats: int = MIN_REPEATS) -> "LineStatistics":
        stats = cls(min_repeats=min_repeats)
        for text in texts:
            stats.add(text)
        return stats

    def add(self, text: str) -> None:
        keys = [line_key(line) for line in line_texts(text)]
        self.counts.update(set(keys))
        self.neighbours.update(set(zip(keys, keys[1:])))

    def repeated_on(self, lines: list[Line]) -> frozenset[str]:
        """The page's lines that occur in at least `min_repeats` texts, less its lines of article text
        that several texts share (see SHARED_PROSE_CHARS)."""
        keys = {line.text: line_key(line.text) for line in lines}
        repeated = {text for text, key in keys.items() if self.counts[key] >= self.min_repeats}
        if not repeated:
            return frozenset()
        shared_prose = {line.text for block in shared_blocks(lines, keys, self.neighbours)
                        if prose_chars(block) >= SHARED_PROSE_CHARS for line in block}
        return frozenset(repeated - shared_prose)


def repeated_lines(texts: list[str], min_repeats: int = MIN_REPEATS) -> frozenset[str]:
    """Stripped lines (without list numbers) that some text repeats as furniture: in at least
    `min_repeats` different texts, and not inside that text's article prose shared with others."""
    stats = LineStatistics.of(texts, min_repeats)
    return frozenset().union(*(stats.repeated_on(split_lines(text)[0]) for text in texts))


def shared_blocks(lines: list[Line], keys: dict[str, int], neighbours: Counter) -> Iterator[list[Line]]:
    """Runs of consecutive lines whose every pair of neighbours also stands together in another text.
    A site's chrome around a wire story is not part of the story's run: the other sites' copies
    have their own chrome around it."""
    block: list[Line] = []
    for previous, line in zip([None, *lines], lines):
        if previous is not None and neighbours[keys[previous.text], keys[line.text]] >= 2:
            block.append(line)
            continue
        if len(block) > 1:
            yield block
        block = [line]
    if len(block) > 1:
        yield block


def prose_chars(block: list[Line]) -> int:
    return sum(len(line.text) for line in block if line.sentence)
