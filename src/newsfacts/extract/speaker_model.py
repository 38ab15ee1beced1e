"""A learned second opinion on who speaks a quotation the rules leave without a speaker.

Every person or body named (or referred to by a resolved pronoun or description) near the
quotation is a candidate; each is described by a few parse features (how far before or after the
quotation, in which sentence and paragraph, whether it was the subject of a verb of saying,
whether it spoke the previous quotation ...), and a logistic regression trained on PolNeAR's
train split (scripts/train_speaker_model.py) scores it. The best candidate speaks when its score
reaches the model's threshold; otherwise the quotation stays without a speaker (no guessing).
The model is a list of weights in `speaker_model.json`: no download, no dependency at run time.
"""
from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc

from newsfacts.extract.attribution import QUOTE_VERBS, Referent, Referents
from newsfacts.extract.doctable import tables
from newsfacts.records import Quote

MODEL_PATH = Path(__file__).with_name("speaker_model.json")
FORMAT = "newsfacts-speaker-model/1"
SPEAKERS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
PARAGRAPHS_BEFORE = 2  # candidates come from the quotation's paragraph and this many before it
FEATURES = (
    "has_before", "before_distance", "before_rank", "before_person_rank", "has_after", "after_distance",
    "same_sentence", "previous_sentence", "same_paragraph", "previous_paragraph", "subject",
    "speech_verb_subject", "pronoun", "colon_between", "is_person", "is_org", "is_place", "is_group",
    "mentions", "spoke_previous_quote", "quote_opens_sentence", "quote_partial", "opens_x_before",
    "partial_x_same_sentence", "quote_in_paragraph_start",
)


@dataclass
class Candidate:
    referent: Referent
    features: list[float]


@dataclass(frozen=True)
class SpeakerModel:
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, features: list[float]) -> float:
        raw = self.bias + sum(w * x for w, x in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, raw))))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> SpeakerModel | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    if data.get("format") != FORMAT or tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: not a {FORMAT} model for these features")
    return SpeakerModel(tuple(data["weights"]), data["bias"], data["threshold"])


def fill_speakers(doc: Doc, refs: Referents, quotes: list[Quote], model: SpeakerModel | None = None) -> None:
    """Give each quotation of whole sentences the rules left without any speaker the best candidate,
    when likely enough."""
    model = model or load_model()
    if model is None:
        return
    counts = None  # how often the document names each referent, counted once when first needed
    for k, quote in enumerate(quotes):
        if quote.speaker_text is not None or quote.is_partial:  # a fragment in a sentence is the rules'
            continue  # ('a song called "River of Salt"' names, it does not quote)
        counts = counts if counts is not None else mention_counts(refs)
        scored = [(model.probability(c.features), c) for c in candidates(doc, refs, quotes, k, counts)]
        if not scored:
            continue
        probability, best = max(scored, key=lambda pair: pair[0])
        if probability >= model.threshold:
            quote.speaker_text, quote.speaker_key = best.referent.text, best.referent.key


def mention_counts(refs: Referents) -> dict[str, int]:
    counts: dict[str, int] = {}
    for referent, _ in refs.entries:
        if referent.key is not None:
            counts[referent.key] = counts.get(referent.key, 0) + 1
    return counts


def candidates(doc: Doc, refs: Referents, quotes: list[Quote], k: int,
               counts: dict[str, int] | None = None) -> list[Candidate]:
    """The named referents around quotation k, each with its features (`counts`: mention_counts(refs))."""
    quote = quotes[k]
    text = tables(doc).text  # (doc.text is built anew on every access)
    inside = doc.char_span(quote.char_start, quote.char_end, alignment_mode="expand")
    if inside is None:
        return []
    paragraph_start = text.rfind("\n", 0, quote.char_start) + 1
    window_start = paragraph_start
    for _ in range(PARAGRAPHS_BEFORE):
        window_start = text.rfind("\n", 0, max(0, window_start - 1)) + 1 if window_start > 0 else 0
    paragraph_end = text.find("\n", quote.char_end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    first = doc.char_span(window_start, window_start + 1, alignment_mode="expand")
    last = doc.char_span(max(paragraph_end - 1, 0), paragraph_end, alignment_mode="expand")
    lo = first.start if first is not None else 0
    hi = last.end if last is not None else len(doc)
    before: dict[str, tuple[int, bool]] = {}  # key -> (token of the nearest occurrence, was a subject)
    after: dict[str, tuple[int, bool]] = {}
    named: dict[str, Referent] = {}
    for position in range(bisect.bisect_left(refs.positions, lo), bisect.bisect_left(refs.positions, hi)):
        token_i = refs.positions[position]
        referent, subject = refs.entries[position]
        if referent.key is None or referent.label not in SPEAKERS:
            continue
        named.setdefault(referent.key, referent)
        if token_i < inside.start:
            before[referent.key] = (token_i, subject)
        elif token_i >= inside.end and referent.key not in after:
            after[referent.key] = (token_i, subject)
    if not named:
        return []
    counts = mention_counts(refs) if counts is None else counts
    by_distance = sorted(before, key=lambda key: -before[key][0])
    people = [key for key in by_distance if named[key].label == "PERSON"]
    previous_speaker = next((q.speaker_key for q in reversed(quotes[:k]) if q.speaker_key is not None), None)
    quote_sentence = inside[0].sent
    opens = not text[quote_sentence.start_char:quote.char_start].strip(" \"'“”‘’«»")
    starts_paragraph = not text[paragraph_start:quote.char_start].strip(" \"'“”‘’«»")
    found = []
    for key, referent in named.items():
        occurrence = before.get(key) or after.get(key)
        token = doc[occurrence[0]]
        has_before, has_after = key in before, key in after and after[key][0] < hi
        before_gap = inside.start - before[key][0] if has_before else 0
        after_gap = after[key][0] - inside.end if key in after else 0
        sentence = token.sent
        features = [
            float(has_before),
            min(math.log1p(before_gap) / 6, 1.0) if has_before else 1.0,
            min(by_distance.index(key), 5) / 5 if has_before else 1.0,
            min(people.index(key), 5) / 5 if key in people else 1.0,
            float(has_after),
            min(math.log1p(after_gap) / 6, 1.0) if key in after else 1.0,
            float(sentence.start == quote_sentence.start or any(
                doc[i].sent.start == quote_sentence.start for i in (before.get(key, (-1,))[0], after.get(key, (-1,))[0])
                if i >= 0)),
            float(has_before and before_gap > 0 and doc[before[key][0]].sent.end == quote_sentence.start),
            float(text.rfind("\n", 0, token.idx) + 1 == paragraph_start),
            float(token.idx < paragraph_start),
            float(occurrence[1]),
            float(token.head.lemma_.lower() in QUOTE_VERBS and token.dep_ in ("nsubj", "nsubjpass")),
            float(token.pos_ == "PRON"),
            float(has_before and ":" in text[token.idx:quote.char_start]),
            float(referent.label == "PERSON"),
            float(referent.label == "ORG"),
            float(referent.label == "GPE"),
            float(referent.label == "NORP"),
            min(math.log1p(counts.get(key, 1)) / 3, 1.0),
            float(key == previous_speaker),
            float(opens),
            float(quote.is_partial),
            float(opens and has_before),
            float(quote.is_partial and sentence.start == quote_sentence.start),
            float(starts_paragraph),
        ]
        found.append(Candidate(referent, features))
    return found
