"""The learned speaker model: what it adds to the rules, on sentences written here (invented people)."""
from __future__ import annotations

import json

import pytest

from newsfacts import extract
from newsfacts.extract import speaker_model
from newsfacts.extract.attribution import build_referents
from newsfacts.extract.mentions import find_mentions
from newsfacts.extract.quotes import find_quotes, quote_spans, quoted_tokens
from newsfacts.records import CleanedDocument


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


def quotes_of(nlp, text: str):
    return extract.extract_documents([CleanedDocument("d", text)], nlp)[0].quotes


def test_the_shipped_model_loads_and_matches_its_features():
    model = speaker_model.load_model()
    assert model is not None and len(model.weights) == len(speaker_model.FEATURES)
    data = json.loads(speaker_model.MODEL_PATH.read_text())
    assert 0 < data["threshold"] < 1
    cv = data["cross_validation"]
    assert cv["speaker_accuracy_rules_plus_model_cv"] > cv["speaker_accuracy_rules_alone"]


def test_a_speaker_named_in_the_sentence_before(nlp):
    text = 'Senator Ann Holt paused. "We will not yield on the budget, not this year and not the next."'
    assert [q.speaker_key for q in quotes_of(nlp, text)] == ["ann holt"]


def test_no_guess_without_anyone_near(nlp):
    text = ("The storm reached the coast on Monday.\n\n"
            '"It was the loudest night of the whole year on this coast."')
    assert [q.speaker_key for q in quotes_of(nlp, text)] == [None]


def test_the_model_fills_only_what_the_rules_left_open(nlp):
    doc = nlp('"We will build the bridge anyway," Ann Holt said, while Tom Vale watched. She left.')
    mentions = find_mentions(doc, "d")
    spans = quote_spans(doc.text)
    refs = build_referents(doc, mentions, quoted_tokens(doc, spans))
    quotes = find_quotes(doc, "d", refs, spans)
    always = speaker_model.SpeakerModel(tuple(0.0 for _ in speaker_model.FEATURES), 30.0, 0.5)
    speaker_model.fill_speakers(doc, refs, quotes, always)
    assert quotes[0].speaker_key == "ann holt"  # the rules' answer stands
    quotes[0].speaker_text = quotes[0].speaker_key = None
    speaker_model.fill_speakers(doc, refs, quotes, always)
    assert quotes[0].speaker_key in ("ann holt", "tom vale")  # left open, a candidate near it is taken
