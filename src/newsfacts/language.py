"""Language: which language each cleaned article body is written in.

py3langid (langid.py's model, shipped inside the wheel: nothing is downloaded) names the language
as an ISO 639-1 code, or "und" when the text is too short or too mixed to say. Only documents in the
language of the loaded spaCy pipeline go through fact extraction: an English model run over
Portuguese or Korean text finds nonsense entities. The others are published as documents, with their
language and without facts.
"""
from __future__ import annotations

from collections import Counter

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from newsfacts.clean.rules import WORD
from newsfacts.records import CleanedDocument, DocumentFacts

UNDETERMINED = "und"
# Below this probability the identifier is guessing (a headline, a line of names): say so.
MIN_CONFIDENCE = 0.5
# The identifier walks every byte in Python; an article's first 3,000 characters (about 500 words)
# name its language as the whole body does (3,099 bodies and texts of the benchmarks and stories
# sets: the same code for every one from 2,000 characters up), in less than half the time.
READ_CHARS = 3000


@cache
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True, min_confidence=MIN_CONFIDENCE)


def identify(text: str) -> str:
    """ISO 639-1 code of the text's language (read from its first READ_CHARS characters), or "und"."""
    text = text[:READ_CHARS]
    if not WORD.search(text):
        return UNDETERMINED
    code, _confidence = identifier().classify(text)
    return code


def tag_languages(cleaned: list[CleanedDocument]) -> list[CleanedDocument]:
    """Set each document's language from its article body (the title is too short to count)."""
    for doc in cleaned:
        doc.language = identify(doc.body_text)
    return cleaned


def split_by_language(cleaned: list[CleanedDocument], language: str
                      ) -> tuple[list[CleanedDocument], list[CleanedDocument]]:
    """(documents in `language`, the others), each in input order."""
    return [d for d in cleaned if d.language == language], [d for d in cleaned if d.language != language]


def facts_without_extraction(doc: CleanedDocument) -> DocumentFacts:
    """A document kept without facts still reports its length (words as \\w+ runs)."""
    return DocumentFacts(doc.doc_id, word_count=len(WORD.findall(doc.body_text)))


def count_by_language(cleaned: list[CleanedDocument]) -> dict[str, int]:
    return most_first(Counter(doc.language for doc in cleaned))


def most_first(counts: Counter) -> dict[str, int]:
    """Documents per language, the most common language first (ties by code)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
