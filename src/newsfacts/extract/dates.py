"""Dates of facts: the date expression in a fact's sentence, resolved against the publication date.

"on Monday" in an article published on Tuesday 23 May 2023 is 22 May 2023; "yesterday" the day
before publication. Without a publication date the expression is kept as text, unresolved.
"""
from __future__ import annotations

import re
import warnings
from datetime import date, datetime, time
from functools import lru_cache

import dateparser
from spacy.tokens import Span

SETTINGS = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": False}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELATIVE_DAYS = frozenset({"yesterday", "today", "tonight", "tomorrow", "overnight"})
DAY_NUMBER = re.compile(r"\b(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b")


def date_phrase(sent: Span, around: int | None = None, date_ents: list[Span] | None = None) -> Span | None:
    """The DATE entity of a sentence nearest a token (the first one without a token). `date_ents`: the
    document's DATE entities, when the caller has them (Span.ents reads every entity of the document)."""
    found = sent.ents if date_ents is None else [ent for ent in date_ents
                                                  if sent.start <= ent.start and ent.end <= sent.end]
    dates = [ent for ent in found if ent.label_ == "DATE" and not all(t.like_num for t in ent)
             and not ent.text.lower().endswith("old")]  # a bare count or an age is no date
    if not dates:
        return None
    if around is None:
        return dates[0]
    return min(dates, key=lambda ent: min(abs(ent.start - around), abs(ent.end - around)))


def resolve(text: str, published: date | None) -> date | None:
    if published is None:
        return None
    return _resolve(text.lower().strip(), published)


@lru_cache(maxsize=4096)
def _resolve(text: str, published: date) -> date | None:
    words = text.replace(",", " ").split()
    weekday = next((w for w in words if w in WEEKDAYS), None)
    if weekday is not None and not any(ch.isdigit() for ch in text):
        # the most recent such day, publication day included ("on Tuesday" in Tuesday's paper)
        back = (published.weekday() - WEEKDAYS.index(weekday)) % 7
        return date.fromordinal(published.toordinal() - back)
    if not (RELATIVE_DAYS & set(words) or DAY_NUMBER.search(text)):
        return None  # "last month", "in March": no single day to give
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # English only: the pipeline's model is English, and guessing the language is most of the cost
        parsed = dateparser.parse(text, languages=["en"],
                                  settings={**SETTINGS, "RELATIVE_BASE": datetime.combine(published, time(12))})
    if parsed is None:
        return None
    resolved = parsed.date()
    if abs((resolved - published).days) > 366 * 5:
        return None
    return resolved
