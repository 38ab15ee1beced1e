"""What the rules read of a parsed document again and again, read once per document.

spaCy builds `doc.text` anew (joining every token's text) on each access, makes a Token object on every
`doc[i]` and every step of `for token in doc`, and a Span object on every `doc[i:j]`. The rules read the
same words of a document many times over (every rule that walks the document tests each word's text
first), so these tables hold them as plain Python lists, built from one `doc.to_array` call: a rule
tests a word by its text, part of speech or dependency from a list, and makes a Token only for the
few words it looks at further.

`tables(doc)` keeps the table of the last document it was asked for, one per thread (the rules read one
document at a time and never change its parse). Not in `doc.user_data`: a table refers to its Doc, and
that cycle would keep every Doc of a batch alive until Python's full garbage collection.
"""
from __future__ import annotations

import threading
from functools import cached_property

import numpy
from spacy.attrs import (DEP, ENT_TYPE, HEAD, IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, LIKE_NUM, LOWER, ORTH, POS, SENT_START,
                         TAG)
from spacy.tokens import Doc

_last = threading.local()  # .table: the table of the last document this thread read


def tables(doc: Doc) -> DocTable:
    """The document's table, made on first use."""
    table = getattr(_last, "table", None)
    if table is None or table.doc is not doc:
        table = _last.table = DocTable(doc)
    return table


class DocTable:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.length = len(doc)
        self.strings = doc.vocab.strings
        attributes = [ORTH, IDX, POS, DEP, IS_ALPHA, LIKE_NUM, SENT_START, IS_PUNCT, IS_SPACE, ENT_TYPE, TAG, HEAD]
        columns = doc.to_array(attributes).reshape(self.length, len(attributes))  # (no rows: no tokens)
        self.texts: list[str] = self.decoded(columns[:, 0])  # each token's text
        self.idx: list[int] = columns[:, 1].tolist()  # each token's first character
        self.pos: list[str] = self.decoded(columns[:, 2])  # coarse part of speech ('PROPN')
        self.dep: list[str] = self.decoded(columns[:, 3])  # dependency label ('nsubj')
        self.is_alpha: list[bool] = columns[:, 4].astype(bool).tolist()
        self.like_num: list[bool] = columns[:, 5].astype(bool).tolist()
        self.sent_start: list[bool] = (columns[:, 6] == 1).tolist()  # token.is_sent_start (-1: not, 0: unknown)
        self.is_punct: list[bool] = columns[:, 7].astype(bool).tolist()
        self.is_space: list[bool] = columns[:, 8].astype(bool).tolist()
        self.ent_type: list[str] = self.decoded(columns[:, 9])  # entity label, '' outside entities
        self.tag: list[str] = self.decoded(columns[:, 10])  # fine-grained tag ('NNS', 'POS')
        # each token's head (token.head.i; the array holds it relative to the token, as two's complement)
        self.head: list[int] = (columns[:, 11].astype(numpy.int64) + numpy.arange(self.length)).tolist()

    def decoded(self, hashes: numpy.ndarray) -> list[str]:
        """The strings of a column of hashes, each distinct hash looked up once."""
        distinct, where = numpy.unique(hashes, return_inverse=True)
        names = [self.strings[h] for h in distinct.tolist()]
        return [names[k] for k in where.ravel().tolist()]

    @cached_property
    def text(self) -> str:
        return self.doc.text

    @cached_property
    def ents(self) -> tuple:
        """doc.ents (built anew from the entity tags on every access)."""
        return self.doc.ents

    @cached_property
    def sent_end(self) -> list[int]:
        """For each token, the end of its sentence (token.sent.end, without making the sentence)."""
        ends, end = [0] * self.length, self.length
        for i in range(self.length - 1, -1, -1):
            ends[i] = end
            if self.sent_start[i]:
                end = i
        return ends

    @cached_property
    def lower(self) -> list[str]:
        """Each token's text in lower case (token.lower_)."""
        return self.decoded(self.doc.to_array([LOWER]).reshape(-1))

    def span_chars(self, start: int, end: int) -> tuple[int, int]:
        """doc[start:end].start_char and .end_char: the first token's first character, the last one's end."""
        if end <= start:  # an empty span: as spaCy places it
            span = self.doc[start:end]
            return span.start_char, span.end_char
        return self.idx[start], self.idx[end - 1] + len(self.texts[end - 1])

    def span_text(self, start: int, end: int) -> str:
        """doc[start:end].text, cut from the document's text by offsets."""
        if end <= start:
            return ""
        start_char, end_char = self.span_chars(start, end)
        return self.text[start_char:end_char]
