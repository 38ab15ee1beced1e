"""The array attribute ruler, lemmatizer and paragraph breaks give exactly what spaCy's own components give."""
from __future__ import annotations

import numpy
import pytest
import spacy
from spacy.attrs import (DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, NORM, ORTH, POS, SENT_START, SPACY, TAG)
from spacy.language import Language
from spacy.pipeline import AttributeRuler, Lemmatizer

from newsfacts import extract
from newsfacts.extract.pipeline import ArrayAttributeRuler, ArrayLemmatizer, use_array_components

ATTRS = [ORTH, NORM, SPACY, TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START, ENT_IOB, ENT_TYPE]

TEXTS = [
    "I ain't gonna wait, y'all. Let's go! We gotta leave before they'd say it's over.",
    "She can't and won't. I'd have had it done; he's been there. C'mon, there is nothin' doin'.",
    "There are  two   spaces here.\tA tab, and a trailing space ",
    "The mayor said 4,000 households were connected.\n\nA second paragraph starts here.\n  \nAnd a third one.",
    "Line one\nline two without a full stop\r\nline three.",
    "  Leading spaces. 'Em folks said: \"Something's wrong with anybody who'd do that.\"",
    "Who did what? That is what they did, and that's that. Those were the days; these are not.",
    "",
    " ",
    "\n",
    "Word",
]


@Language.component("reference_breaks")
def reference_breaks(doc):
    """The paragraph-break component as it was, token by token."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    return doc


@pytest.fixture(scope="module")
def ours():
    return extract.load_nlp()


@pytest.fixture(scope="module")
def stock(ours):
    nlp = spacy.load(ours.meta["lang"] + "_" + ours.meta["name"], exclude=["senter"])
    nlp.add_pipe("reference_breaks", before="parser")
    return nlp


def same(a, b) -> None:
    assert len(a) == len(b)
    assert numpy.array_equal(a.to_array(ATTRS), b.to_array(ATTRS))
    assert [t.lemma_ for t in a] == [t.lemma_ for t in b]
    assert [str(t.morph) for t in a] == [str(t.morph) for t in b]
    assert [s.text for s in a.sents] == [s.text for s in b.sents]
    assert [(e.start, e.end, e.label_) for e in a.ents] == [(e.start, e.end, e.label_) for e in b.ents]


def test_load_nlp_swaps_in_the_array_components(ours, stock):
    assert ours.pipe_names == [n if n != "reference_breaks" else "paragraph_breaks" for n in stock.pipe_names]
    assert isinstance(ours.get_pipe("attribute_ruler"), ArrayAttributeRuler)
    assert isinstance(ours.get_pipe("lemmatizer"), ArrayLemmatizer)


def test_same_annotations_one_by_one_and_in_batches(ours, stock):
    for text in TEXTS:
        same(stock(text), ours(text))
    for a, b in zip(stock.pipe(TEXTS * 3, batch_size=4), ours.pipe(TEXTS * 3, batch_size=4)):
        same(a, b)


def test_multi_token_patterns_and_contractions_are_applied(ours):
    doc = ours("I ain't gonna go, y'all. Let's see.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert (lemmas["ai"], lemmas["gon"], lemmas["na"], lemmas["'s"]) == ("be", "go", "to", "us")
    assert [t.pos_ for t in ours("There are  cats.")][:2] == ["PRON", "VERB"]
    spaces = [t for t in ours("Two  spaces.\n\nNext.") if t.is_space]
    assert spaces and all(t.tag_ == "_SP" and t.pos_ == "SPACE" for t in spaces)


def test_a_line_break_starts_a_sentence(ours):
    doc = ours("a heading without a stop\n\nthe body goes on\nanother line")
    assert [t.text for t in doc if t.is_sent_start] == ["a", "the", "another"]


def invented_ruler(vocab) -> AttributeRuler:
    ruler = AttributeRuler(vocab)
    ruler.add([[{"LOWER": {"REGEX": "^gr[ae]y$"}}]], {"LEMMA": "colour", "POS": "ADJ"})
    ruler.add([[{"TAG": {"NOT_IN": ["NN", ""]}, "IS_TITLE": True}]], {"MORPH": "Case=Nom"})
    ruler.add([[{"LOWER": "very"}, {"TAG": "JJ"}]], {"LEMMA": "intensified"}, index=-1)
    ruler.add([[{"LOWER": "very"}, {}]], {"POS": "ADV"}, index=0)
    ruler.add([[{"IS_PUNCT": True}]], {"POS": "PUNCT", "LEMMA": "mark"})
    ruler.add([[{"LOWER": "grey"}]], {"LEMMA": "grey"})  # a later rule wins over the REGEX one
    ruler.add([[{"ORTH": "Harrowgate"}, {"LOWER": "bay"}, {"IS_PUNCT": True}]], {"DEP": "dep"}, index=1)
    return ruler


def test_an_invented_ruler_gives_what_spacy_gives(stock):
    texts = ["The very grey cat of Harrowgate Bay, very tall and gray.", "Very big.  Harrowgate bay!", "very"]
    parsed = [stock.get_pipe("parser")(stock.get_pipe("tagger")(stock.get_pipe("tok2vec")(stock.make_doc(t))))
              for t in texts]
    reference, ours = invented_ruler(stock.vocab), ArrayAttributeRuler(invented_ruler(stock.vocab))
    for doc in parsed:
        same(reference(doc.copy()), ours(doc.copy()))
    batch = [doc.copy() for doc in parsed]
    for expected, got in zip([reference(doc.copy()) for doc in parsed], ours.pipe(batch, batch_size=2)):
        same(expected, got)
    first = batch[0]  # the rules did apply: the later rule won, REGEX, any-token and punctuation patterns hit
    assert (first[2].lemma_, first[-2].lemma_, first[1].pos_, first[-1].lemma_) == ("grey", "colour", "ADV", "mark")


def test_a_ruler_or_lemmatizer_it_does_not_cover_stays_spacys_own():
    nlp = spacy.blank("en")
    nlp.add_pipe("attribute_ruler").add([[{"LOWER": "a"}, {"OP": "+"}]], {"LEMMA": "many"})
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})  # its table never loaded: spaCy's own reports that
    assert use_array_components(nlp) == []
    assert type(nlp.get_pipe("attribute_ruler")) is AttributeRuler
    assert isinstance(nlp.get_pipe("lemmatizer"), Lemmatizer)
    assert not isinstance(nlp.get_pipe("lemmatizer"), ArrayLemmatizer)
