"""Document fields lifted out of lines: the publication date and the title."""
from __future__ import annotations

import re
import warnings
from datetime import date, datetime

from dateutil import parser as date_parser

from newsfacts.clean.rules import WORD, strip_list_number

YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
NUMERIC_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
MONTH_NAMES = date_parser.parserinfo()  # dateutil's own month table, for a cheap pre-check
MAX_DATE_LINE_WORDS = 14
MAX_DATE_LINE_CHARS = 100
MAX_LEFTOVER_WORDS = 4  # "Updated:", "Published on", "Reuters", a weekday: labels around a date
# Two far-apart defaults: a field that differs between the two parses was not in the text.
DEFAULTS = (datetime(1901, 1, 1), datetime(1902, 2, 2))
TITLE_MAX_WORDS = 30
BRACKETS = str.maketrans("()[]{}", "      ")
# The commonest date lines, read without the general parser (which is slow): an optional label,
# an optional weekday, "May 23, 2023" or "23 May 2023", an optional time. Anything else goes to
# dateutil, which reads these lines the same way.
MONTHS = {name.lower(): number for number, names in enumerate(date_parser.parserinfo.MONTHS, 1) for name in names}
_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
_LABEL = r"(?:(?:updated|published|posted|first published)(?: on)?\s*:?\s+)?"
_WEEKDAY = r"(?:(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?,?\s+)?"
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?)?"
COMMON_DATE_LINE = re.compile(
    rf"(?i:{_LABEL}{_WEEKDAY}"
    rf"(?:(?P<month_first>{_MONTH_NAME})\.?\s+(?P<day_second>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year_a>(?:19|20)\d{{2}})"
    rf"|(?P<day_first>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month_second>{_MONTH_NAME})\.?,?\s+(?P<year_b>(?:19|20)\d{{2}}))"
    rf"{_TIME})$"
)
SITE_SEPARATOR = re.compile(r"\s+[|｜]\s+")


def may_be_date_line(text: str) -> bool:
    """Cheap pre-check: short and naming a year."""
    return len(text) <= MAX_DATE_LINE_CHARS and YEAR.search(text) is not None


def parse_date_line(line: str) -> date | None:
    """The calendar date a short date line states in full (day, month and year), else None.

    "May 23, 2023" and "Updated: May 23, 2023, 7:23 AM" qualify; a prose line that happens to
    contain a date does not (too many words the date parser had to skip).
    """
    text = strip_list_number(line).translate(BRACKETS)  # "(Published Nov. 18, 2019)": the parser trips on ")"
    if len(text) > MAX_DATE_LINE_CHARS or not YEAR.search(text):
        return None
    words = WORD.findall(text)
    if len(words) > MAX_DATE_LINE_WORDS:
        return None
    if not NUMERIC_DATE.search(text) and not any(MONTH_NAMES.month(word) for word in words):
        return None  # no month: the parser would only guess
    common = COMMON_DATE_LINE.match(text.strip())
    if common:
        return common_date(common)
    first = parse_with_default(text, DEFAULTS[0])
    if first is None or first.year == DEFAULTS[0].year or not 1900 <= first.year <= 2100:
        return None  # (the default's year: the parser did not find the year the line names)
    # A day or month equal to the default's may have been filled in by the parser: check with
    # the other default (rarely needed, so one parse for most lines).
    if first.month == DEFAULTS[0].month or first.day == DEFAULTS[0].day:
        if parse_with_default(text, DEFAULTS[1]) != first:
            return None
    return first


def common_date(match: re.Match) -> date | None:
    month = MONTHS[(match["month_first"] or match["month_second"]).lower()]
    try:
        return date(int(match["year_a"] or match["year_b"]), month, int(match["day_second"] or match["day_first"]))
    except ValueError:  # "February 30"
        return None


def parse_with_default(text: str, default: datetime) -> date | None:
    try:
        with warnings.catch_warnings():  # words such as outlet names read as unknown time zones
            warnings.simplefilter("ignore")
            value, skipped = date_parser.parse(text, default=default, fuzzy_with_tokens=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if len(WORD.findall(" ".join(skipped))) > MAX_LEFTOVER_WORDS:
        return None
    return value.date()


def is_title_like(line: str) -> bool:
    """A headline: a few words, not a sentence ending in a full stop."""
    text = strip_list_number(line)
    words = len(WORD.findall(text))
    return 2 <= words <= TITLE_MAX_WORDS and not text.endswith((".", ";", ","))


def split_site_name(title: str) -> tuple[str, str | None]:
    """'Headline | Site' -> ('Headline', 'Site'): page titles carry the site after a bar."""
    parts = SITE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title, None
    return " | ".join(parts[:-1]).strip(), parts[-1].strip() or None
