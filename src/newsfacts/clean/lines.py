"""The non-blank lines of a decoded text, each with the shape facts every later step needs
(computed once). Blank lines are structure, not content: a gap in line numbers marks one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from newsfacts.clean.rules import (
    PROSE_CHARS,
    PROSE_WORDS,
    SENTENCE_MIN_CHARS,
    SENTENCE_MIN_WORDS,
    WORD,
    ends_like_sentence,
    strip_list_number,
)

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class Line:
    no: int  # 1-based line number in the decoded text
    raw: str  # the line as it was, without its line break
    text: str  # stripped, without a leading list number
    tokens: list[str]  # \w+ words of text
    sentence: bool  # reads as prose (see rules.sentence_shape)
    ends: bool  # ends as a sentence does (see rules.ends_like_sentence)


def split_lines(text: str) -> tuple[list[Line], int]:
    """(the non-blank lines, the number of lines in the text)."""
    raw_lines = LINE_BREAK.split(text) if "\r" in text else text.split("\n")  # the same lines, faster
    lines = []
    findall = WORD.findall
    for no, raw in enumerate(raw_lines, 1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped[0].isdigit():
            stripped = strip_list_number(stripped)
            if not stripped:
                continue
        tokens = findall(stripped)
        ends = ends_like_sentence(stripped)
        words, chars = len(tokens), len(stripped)
        # rules.sentence_shape, inlined: prose when long, else when long enough and ending as a sentence
        if words >= PROSE_WORDS or chars >= PROSE_CHARS:
            sentence = True
        else:
            sentence = ends and (words >= SENTENCE_MIN_WORDS or chars >= SENTENCE_MIN_CHARS)
        lines.append(Line(no, raw, stripped, tokens, sentence, ends))
    return lines, len(raw_lines)


def line_texts(text: str) -> list[str]:
    """The `text` of each of split_lines' lines, without their shape facts (cheaper: for counting)."""
    raw_lines = LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    texts = []
    for raw in raw_lines:
        stripped = raw.strip()
        if stripped and stripped[0].isdigit():
            stripped = strip_list_number(stripped)
        if stripped:
            texts.append(stripped)
    return texts
