"""Direct quotations and their speakers.

Quote marks are paired per paragraph (curly marks by direction, straight marks in turn). The
speaker is the subject of the speech verb nearest the quote, outside it, in the sentences the
quote spans ('"...," the ministry added', 'Novak said: "..."'); a quote with no cue of its own
that continues the previous one ('"...," he said. "..."') keeps that speaker.
"""
from __future__ import annotations

import bisect
import re

from spacy.tokens import Doc, Token

from newsfacts.extract.attribution import Referent, Referents, first_spoken, source_in, speech_verbs
from newsfacts.records import Quote

PARAGRAPH = re.compile(r"[^\n]+")
OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"', "‘": "’"}
# A curly single closing mark is also the apostrophe ("Chile’s"): it closes a quote only where
# no letter follows it.
SINGLE_CLOSE = re.compile(r"’(?![^\W\d_])")
MIN_WORDS = 2  # one quoted word is a scare quote ('a "sabotage" group'), not a quotation
CONTINUATION_GAP = 2  # sentences between a quote and the one it continues


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each pair of quote marks."""
    spans = []
    for paragraph in PARAGRAPH.finditer(text):
        body, offset, i = paragraph.group(), paragraph.start(), 0
        while i < len(body):
            closer = OPENERS.get(body[i])
            if closer is None or (closer == "’" and i > 0 and body[i - 1].isalnum()):
                i += 1
                continue
            end = closing_mark(body, closer, i + 1)
            if end < 0:  # a quote running to the end of the paragraph (it continues in the next one)
                end = len(body)
            spans.append((offset + i + 1, offset + end))
            i = end + 1
    return spans


def closing_mark(body: str, closer: str, start: int) -> int:
    if closer == "’":
        match = SINGLE_CLOSE.search(body, start)
        return match.start() if match else -1
    return body.find(closer, start)


def find_quotes(doc: Doc, doc_id: str, refs: Referents, spans: list[tuple[int, int]]) -> list[Quote]:
    """`spans`: quote_spans of the document's text."""
    quotes: list[Quote] = []
    previous: tuple[Quote, int] | None = None  # last attributed quote and the sentence it ended in
    sentences = list(doc.sents)
    starts = [s.start for s in sentences]
    full_text = doc.text  # built anew on every access
    for start, end in spans:
        text = full_text[start:end]
        stripped = text.strip()
        if len(stripped.split()) < MIN_WORDS:
            continue
        lead = len(text) - len(text.lstrip())
        start, end = start + lead, start + lead + len(stripped)
        inside = doc.char_span(start, end, alignment_mode="expand")
        if inside is None:
            continue
        first_no = bisect.bisect_right(starts, inside.start) - 1
        sent_no = bisect.bisect_right(starts, inside.end - 1) - 1
        first_sent, last_sent = sentences[first_no], sentences[sent_no]
        outside = [t for t in doc[first_sent.start:last_sent.end] if not (start - 1 <= t.idx < end + 1)]
        verb, speaker = nearest_cue(outside, start, end, refs)
        if speaker is None:
            speaker = source_in(outside, refs)
        who = (speaker.text, speaker.key) if speaker else (None, None)
        cue = verb.lemma_.lower() if verb is not None else None
        if speaker is None and verb is None and opens_sentence(full_text, first_sent.start_char, start):
            if previous is not None and first_no - previous[1] <= CONTINUATION_GAP:
                last = previous[0]  # '"...," he said. "..."': the quote goes on
                who, cue = (last.speaker_text, last.speaker_key), last.cue_verb
            else:
                intro_verb, intro = introduction(sentences, first_no, full_text, refs)
                if intro is not None:  # 'Novak said the talks had failed. "We are calm."'
                    who, cue = (intro.text, intro.key), intro_verb.lemma_.lower()
        quote = Quote(doc_id, stripped, start, end, who[0], who[1], cue, is_partial(full_text, start, end))
        quotes.append(quote)
        if quote.speaker_text is not None:
            previous = (quote, sent_no)
    return quotes


def opens_sentence(text: str, sentence_start: int, quote_start: int) -> bool:
    """Speech that goes on from an earlier cue opens its sentence; a fragment quoted inside the
    reporter's own sentence does not."""
    return not text[sentence_start:quote_start - 1].strip()


def introduction(sentences: list, index: int, text: str, refs: Referents) -> tuple[Token | None, Referent | None]:
    """The speaker of the sentence just before a quote, in the same paragraph, when that
    sentence is reported speech of its own (and holds no quotation)."""
    if index == 0:
        return None, None
    before, current = sentences[index - 1], sentences[index]
    between = text[before.start_char:current.start_char]
    if "\n" in between or any(mark in before.text for mark in OPENERS):
        return None, None
    return first_spoken(speech_verbs(before), refs)


def nearest_cue(outside: list[Token], start: int, end: int, refs: Referents) -> tuple[Token | None, Referent | None]:
    """The nearest speech verb outside the quote that has a speaker (else the nearest at all)."""
    verbs = sorted(speech_verbs(outside), key=lambda v: v.idx - end if v.idx >= end else start - v.idx)
    verb, speaker = first_spoken(verbs, refs)
    return (verb, speaker) if speaker is not None else ((verbs[0] if verbs else None), None)


def quoted_tokens(doc: Doc, spans: list[tuple[int, int]]) -> frozenset[int]:
    inside = set()
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            inside.update(range(span.start, span.end))
    return frozenset(inside)


def is_partial(text: str, start: int, end: int) -> bool:
    """A fragment woven into the reporter's sentence: it neither starts with a capital nor ends
    with the punctuation of a sentence of its own."""
    quoted = text[start:end]
    ends_sentence = quoted.rstrip()[-1:] in ".!?,…"
    return not (quoted[:1].isupper() and ends_sentence)
