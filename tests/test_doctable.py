"""The document table the rules read instead of Token objects: every column as spaCy's own attributes give it."""
from __future__ import annotations

import pytest

from newsfacts import extract
from newsfacts.extract.doctable import tables


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


TEXT = ("Mayor Ana Ruiz of Tarnow said on Monday that 1,200 people had been moved. \"We are calm,\" she added.\n\n"
        "The Tarn Valley Ledger (TVL) reported twelve arrests; Ruiz's office did not comment.")


def test_columns_are_what_tokens_say(nlp):
    doc = nlp(TEXT)
    table = tables(doc)
    assert table.texts == [t.text for t in doc]
    assert table.lower == [t.lower_ for t in doc]
    assert table.idx == [t.idx for t in doc]
    assert table.pos == [t.pos_ for t in doc]
    assert table.dep == [t.dep_ for t in doc]
    assert table.tag == [t.tag_ for t in doc]
    assert table.ent_type == [t.ent_type_ for t in doc]
    assert table.is_alpha == [t.is_alpha for t in doc]
    assert table.is_punct == [t.is_punct for t in doc]
    assert table.is_space == [t.is_space for t in doc]
    assert table.like_num == [t.like_num for t in doc]
    assert table.sent_start == [bool(t.is_sent_start) for t in doc]
    assert table.sent_end == [t.sent.end for t in doc]
    assert table.text == doc.text and [e.text for e in table.ents] == [e.text for e in doc.ents]


def test_spans_are_cut_from_the_text_as_spacy_cuts_them(nlp):
    doc = nlp(TEXT)
    table = tables(doc)
    for start in range(len(doc)):
        for end in range(start, min(start + 6, len(doc)) + 1):
            span = doc[start:end]
            assert table.span_text(start, end) == span.text
            if end > start:
                assert table.span_chars(start, end) == (span.start_char, span.end_char)


def test_one_table_a_document_and_none_for_no_tokens(nlp):
    doc = nlp(TEXT)
    assert tables(doc) is tables(doc)
    empty = tables(nlp.make_doc(""))
    assert empty.texts == [] and empty.lower == [] and empty.sent_end == [] and empty.span_text(0, 0) == ""


def test_heads_are_token_heads(nlp):
    doc = nlp(TEXT)
    assert tables(doc).head == [t.head.i for t in doc]
