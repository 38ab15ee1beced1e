"""Numeric claims: a number, how it is hedged, what it counts, what happened to it, and who claims it.

"More than 40 protesters were killed ..., interior minister Paul Ostrowski said"
-> value 40, qualifier more_than, kind killed, counted "protesters", claimant the
minister. Years, dates, ages, durations and ordinals are not figures.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from newsfacts.extract.attribution import Referent, Referents
from newsfacts.extract.claims import claimant_of
from newsfacts.extract.doctable import tables
from newsfacts.extract.kinds import FIGHTERS, PEOPLE, Topics, casualty_kind, casualty_word
from newsfacts.records import Figure
from newsfacts.schemas import EVENT_KINDS

WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
MAGNITUDES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# "k" is left out: "4K TVs" is a resolution.
SHORT_MAGNITUDES = {"m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}
SHORT_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(m|mn|bn)")
# Plural magnitudes without a number are vague amounts: "dozens of people" -> at least 24.
VAGUE_AMOUNTS = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "millions": 2_000_000}
# "an estimated 25 million" is the figure as stated, not a range around it.
QUALIFIERS = (  # (words before the number, qualifier), longest first
    (("no", "fewer", "than"), "at_least"), (("no", "less", "than"), "at_least"), (("more", "than"), "more_than"),
    (("at", "least"), "at_least"), (("up", "to"), "up_to"), (("as", "many", "as"), "up_to"),
    (("at", "most"), "up_to"), (("fewer", "than"), "up_to"), (("less", "than"), "up_to"),
    (("close", "to"), "about"), (("an", "estimated"), "exact"), (("upwards", "of"), "more_than"),
    (("over",), "more_than"), (("about",), "about"), (("around",), "about"), (("some",), "about"),
    (("approximately",), "about"), (("roughly",), "about"), (("nearly",), "about"), (("almost",), "about"),
    (("estimated",), "exact"), (("approx",), "about"), (("a",), "about"),
)
QUALIFIER_WORDS = max(len(words) for words, _ in QUALIFIERS)
UNITS = {  # unit word -> unit
    "km": "km", "kilometer": "km", "kilometre": "km", "kilometers": "km", "kilometres": "km",
    "mile": "mi", "miles": "mi", "m": "m", "meter": "m", "metre": "m", "meters": "m", "metres": "m",
    "cm": "cm", "centimeter": "cm", "centimetre": "cm", "centimeters": "cm", "centimetres": "cm",
    "mm": "mm", "millimeter": "mm", "millimetre": "mm", "millimeters": "mm", "millimetres": "mm",
    "kg": "kg", "kilogram": "kg", "kilograms": "kg", "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t",
}
MASS_UNITS = frozenset({"kg", "t"})
CURRENCIES = frozenset({"euro", "dollar", "pound", "rouble", "ruble", "hryvnia", "yuan", "yen", "rupee", "franc"})
EXCEEDING_VERBS = frozenset({"pass", "exceed", "top", "surpass", "cross", "rise", "climb"})
SIZE_WORDS = frozenset({"wide", "long", "deep", "high", "tall", "across"})
TIME_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "decade", "century",
                        "years", "months", "weeks", "days", "hours", "minutes", "seconds", "decades", "night",
                        "nights", "time", "times", "percent", "per", "%"})
# Words that start a number phrase without being a number themselves (see number_phrase).
NUMBER_WORDS = frozenset({*VAGUE_AMOUNTS, "dozen", *MAGNITUDES})
YEAR = re.compile(r"^(?:1[89]|20|21)\d\d$")
NON_FIGURE_ENTS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "ORDINAL"})


def find_figures(doc: Doc, doc_id: str, refs: Referents) -> list[Figure]:
    figures = []
    topics = Topics(doc)
    starts = number_starts(tables(doc))
    at = 0  # the next of `starts` to try
    for sent in doc.sents:
        taken: set[int] = set()
        counted = []
        while at < len(starts) and starts[at] < sent.start:
            at += 1
        while at < len(starts) and starts[at] < sent.end:
            i = starts[at]
            at += 1
            if i in taken:
                continue
            phrase = number_phrase(doc[i])
            if phrase is None:
                continue
            taken.update(range(phrase[0], phrase[1]))
            figure = figure_at(doc, doc_id, sent, phrase, refs, topics)
            if figure is not None:
                counted.append(figure)
        figures.extend(counted)
        listing = any(f.kind in EVENT_KINDS for f in counted)
        figures.extend(single_victims(doc, doc_id, sent, refs, listing))
    return figures


def number_starts(table) -> list[int]:
    """The words where a number may start (number_phrase's own first tests), read from the document's
    table in one pass: most words start no number, and a Token is made only for those that may."""
    return [i for i, (number, lower) in enumerate(zip(table.like_num, table.lower))
            if number or lower[:1].isdigit() or lower in NUMBER_WORDS]


def number_phrase(token: Token) -> tuple[int, int, float | None, float | None] | None:
    """(start, end, value, vague lower bound) of the number starting at this token, or None."""
    doc = token.doc
    lower = token.lower_
    if lower in VAGUE_AMOUNTS and token.pos_ == "NOUN":
        return token.i, token.i + 1, None, VAGUE_AMOUNTS[lower]
    if lower == "dozen" and token.i > 0 and doc[token.i - 1].lower_ in ("a", "one"):
        return token.i, token.i + 1, 12.0, None
    if lower in MAGNITUDES and token.i > 0 and doc[token.i - 1].lower_ in ("several", "few", "many"):
        return token.i, token.i + 1, None, 2 * MAGNITUDES[lower]  # "several hundred": vague, at least 200
    if not (token.like_num or SHORT_NUMBER.fullmatch(token.lower_)) or in_date(token):
        return None
    end = token.i + 1
    while end < len(doc):
        if doc[end].like_num and not in_date(doc[end]) and not doc[end].is_punct:
            end += 1
        elif tens_hyphen_unit(doc, end):  # "twenty-three"
            end += 2
        elif short_magnitude(doc, end):  # "1.2m people"
            end += 1
            break
        else:
            break
    value = parse_number([t.lower_ for t in doc[token.i:end] if t.text != "-"])
    if value is None:
        return None
    if end - token.i == 1 and YEAR.match(token.text):
        return None
    return token.i, end, value, None


def short_magnitude(doc: Doc, i: int) -> bool:
    """'1.2m people', '30bn': a magnitude abbreviation before a plural noun (a '20m wall' is metres)."""
    return (doc[i].lower_ in SHORT_MAGNITUDES and not doc[i].whitespace_ == "" and doc[i - 1].whitespace_ == ""
            and i + 1 < len(doc) and doc[i + 1].tag_ in ("NNS", "NNPS"))


def tens_hyphen_unit(doc: Doc, i: int) -> bool:
    return (doc[i].text == "-" and i + 1 < len(doc) and WORD_NUMBERS.get(doc[i - 1].lower_, 0) >= 20
            and 0 < WORD_NUMBERS.get(doc[i + 1].lower_, 0) < 10)


def in_date(token: Token) -> bool:
    """Inside a date, time, percentage, amount of money or ordinal. A bare count the model
    tagged DATE ('that 40 had been killed') is still a count."""
    if token.ent_type_ not in NON_FIGURE_ENTS:
        return False
    if token.ent_type_ not in ("DATE", "TIME"):
        return True
    return not all(t.like_num for t in entity_of(token)) or bool(YEAR.match(token.text))


def entity_of(token: Token) -> Span:
    """The entity a token is in, from the IOB tags (cheaper than building doc.ents)."""
    doc = token.doc
    start, end = token.i, token.i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def parse_number(words: list[str]) -> float | None:
    total, current = 0.0, 0.0
    for word in words:
        digits = word.replace(",", "")
        short = SHORT_NUMBER.fullmatch(digits)
        if re.fullmatch(r"\d+(?:\.\d+)?", digits):
            current += float(digits)
        elif short:  # "30bn"
            total, current = total + current + float(short[1]) * SHORT_MAGNITUDES[short[2]], 0.0
        elif word in SHORT_MAGNITUDES and current:  # "1.2 m" split by the tokenizer
            total, current = total + current * SHORT_MAGNITUDES[word], 0.0
        elif word in WORD_NUMBERS:
            current += WORD_NUMBERS[word]
        elif word in MAGNITUDES:
            current = (current or 1) * MAGNITUDES[word]
            if MAGNITUDES[word] >= 1000:
                total, current = total + current, 0.0
        elif word == "dozen":
            current = (current or 1) * 12
        else:
            return None
    return total + current


def figure_at(doc: Doc, doc_id: str, sent: Span, phrase, refs: Referents, topics: Topics) -> Figure | None:
    start, end, value, vague_low = phrase
    number = doc[end - 1]
    if not_a_count(doc, start, end):
        return None
    qualifier, q_start = qualifier_before(doc, start, sent.start)
    if qualifier == "exact" and number.dep_ in ("dobj", "pobj") and exceeding(number):
        qualifier = "more_than"  # "the toll passed 400", "topped 1,000"
    if value is not None and doc[start].lower_ == "dozen":  # "a dozen" is about 12; "up to a dozen" is up to
        qualifier, q_start = qualifier_before(doc, start - 1, sent.start)
        qualifier, q_start = ("about", start - 1) if qualifier == "exact" else (qualifier, q_start)
    elif vague_low is not None:
        qualifier, q_start = "vague", start
    counted_head = counted_noun(number)
    unit = measurement(doc, end)
    if unit is not None:
        kind = unit
        counted = None
    else:
        kind = casualty_kind(doc, number, counted_head, end, topics)
        counted = phrase_text(counted_head) if counted_head is not None else None
        if kind is None:
            if counted_head is None or counted_head.lemma_.lower() in TIME_UNITS or vague_low is not None:
                return None
            kind = "money" if counted_head.lemma_.lower() in CURRENCIES else counted_head.lower_
    low, high = value_range(value, vague_low, qualifier)
    span = doc[q_start:end]
    return Figure(
        doc_id=doc_id, value=value, value_low=low, value_high=high, value_text=span.text,
        qualifier=qualifier, kind=kind, counted=counted, counted_class=counted_class(counted_head, kind),
        **claim(claimant_of(sent, number, refs)),
        sentence=tables(doc).span_text(sent.start, sent.end), char_start=span.start_char, char_end=span.end_char,
    )


def not_a_count(doc: Doc, start: int, end: int) -> bool:
    """Ages ('10-year-old'), durations ('15-month war'), 'one of the ...', names ('Su-25'), times."""
    after = doc[end] if end < len(doc) else None
    before = doc[start - 1] if start > 0 else None
    if after is not None:
        if after.lower_ in TIME_UNITS or after.lemma_.lower() in TIME_UNITS:
            return True
        if after.text == "-" and end + 1 < len(doc) and doc[end + 1].lemma_.lower() in TIME_UNITS:
            return True
        if after.lower_ == "of" and doc[start].lower_ == "one":
            return True
        if after.text in (":", "/") or after.lower_ in ("am", "pm", "a.m.", "p.m."):
            return True
    if before is not None and (before.text in ("-", "/", "#", "№") or before.like_num):
        return True
    if before is not None and before.text == "(" and start >= 2 and doc[start - 2].lower_ in UNITS:
        return True  # a conversion: "600km (373 miles)"
    if doc[start].lower_ == "one" and end - start == 1 and (
            doc[start].pos_ in ("NOUN", "PRON") or (before is not None and before.lower_ in ("the", "this", "that"))):
        return True  # "the one on which ...": a pronoun, not a count
    return doc[start].pos_ == "PRON" or is_age(doc, start, end) or part_of_name(doc, start, end)


def is_age(doc: Doc, start: int, end: int) -> bool:
    """'Jane Roe, 29, said', 'Jane Roe (29)': a small number set off right after a person's name."""
    number = doc[end - 1]
    if number.dep_ == "appos" and number.head.ent_type_ == "PERSON":
        return True
    if start < 2 or doc[start - 1].text not in (",", "(") or doc[start - 2].ent_type_ != "PERSON":
        return False
    return end == len(doc) or doc[end].text in (",", ")", ".", ";")


def part_of_name(doc: Doc, start: int, end: int) -> bool:
    """'Type 1 diabetes', 'Flight 370', 'Article 5': a number that completes the capitalised word before it."""
    before = doc[start - 1] if start > 0 else None
    if before is None or before.is_sent_start or not before.is_title or before.ent_type_ in ("DATE", "TIME"):
        return False
    return doc[end - 1].head.i == before.i and doc[end - 1].dep_ in ("nummod", "appos", "compound")


def exceeding(number: Token) -> bool:
    verb = number.head.head if number.dep_ == "pobj" else number.head
    return verb.lemma_.lower() in EXCEEDING_VERBS and (number.dep_ == "dobj" or number.head.lower_ in ("above", "over"))


def qualifier_before(doc: Doc, start: int, floor: int) -> tuple[str, int]:
    # The words before the number read once (not once per qualifier: this runs for every number).
    before = tuple(doc[i].lower_ for i in range(max(floor, start - QUALIFIER_WORDS), start))
    for words, qualifier in QUALIFIERS:
        n = len(words)
        if n <= len(before) and before[len(before) - n:] == words:
            if words == ("a",) and doc[start].lower_ != "dozen":
                continue
            return qualifier, start - n
    return "exact", start


def counted_noun(number: Token) -> Token | None:
    """The noun a number counts: '40 protesters' -> protesters; '12 wounded' -> wounded;
    'hundreds of people' -> people."""
    of_phrase = [c for c in number.children if c.dep_ == "prep" and c.lower_ == "of"]
    if of_phrase:
        objects = [c for c in of_phrase[0].children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")]
        if objects:
            return objects[0]
    if number.dep_ in ("nummod", "quantmod") and number.head.pos_ in ("NOUN", "PROPN", "ADJ", "VERB"):
        head = number.head
        return head if head.pos_ in ("NOUN", "PROPN") or head.i == number.i + 1 else None
    nxt = number.nbor() if number.i + 1 < len(number.doc) else None
    if nxt is not None and nxt.pos_ in ("NOUN", "ADJ"):
        return nxt
    if number.dep_ in ("nsubj", "nsubjpass"):
        # an elliptical subject ('repelled the gunmen and that 40 had been killed')
        # counts the plural noun named just before it
        for token in reversed(list(number.sent[: number.i - number.sent.start])):
            if token.tag_ == "NNS":
                return token
    return None


def measurement(doc: Doc, end: int) -> str | None:
    """'40 kilometers' -> distance_km; '20 metre-wide' -> size_m."""
    unit_token = doc[end] if end < len(doc) else None
    if unit_token is None or unit_token.lower_ not in UNITS:
        return None
    unit = UNITS[unit_token.lower_]
    following = [t.lower_ for t in doc[end + 1:end + 3]]
    size = any(w in SIZE_WORDS for w in following)
    if unit in MASS_UNITS:
        return f"mass_{unit}"
    return f"{'size' if size else 'distance'}_{unit}"


def single_victims(doc: Doc, doc_id: str, sent: Span, refs: Referents, listing: bool) -> list[Figure]:
    """'killed two civilians and wounded a 10-year-old boy': 'a' + noun after a casualty verb is
    one when it is listed beside other counts (`listing`: the sentence has one), in one clause with
    them; alone, 'a passenger' is the story's subject, not a count. 'no civilians were killed' is
    none. A bare infinitive ('saw a comrade die') and a collective ('killed a couple') are no count."""
    figures = []
    pos = tables(doc).pos
    for i in range(sent.start, sent.end):
        if pos[i] != "VERB":
            continue  # (read from the table: a Token only for a verb)
        verb = doc[i]
        if verb.tag_ == "VB":
            continue
        kind = casualty_word(verb)
        if kind is None:
            continue
        victim_deps = ("dobj", "nsubjpass", "nsubj") if kind == "died" else ("dobj", "nsubjpass")
        for obj in verb.children:
            if obj.dep_ not in victim_deps or obj.pos_ != "NOUN" or obj.lemma_.lower() in COLLECTIVES:
                continue
            if obj.tag_ != "NN" and not any(c.lower_ == "no" for c in obj.children):
                continue
            det = next((c for c in obj.children if c.dep_ == "det"), None)
            if det is None or det.lower_ not in ("a", "an", "no"):
                continue
            value = 0.0 if det.lower_ == "no" else 1.0
            if value == 1.0 and not (listing and listed_with_counts(verb)):
                continue
            figures.append(Figure(
                doc_id=doc_id, value=value, value_low=value, value_high=value, value_text=det.text,
                qualifier="exact", kind=kind, counted=phrase_text(obj), counted_class=counted_class(obj, kind),
                **claim(claimant_of(sent, verb, refs)),
                sentence=sent.text, char_start=det.idx, char_end=det.idx + len(det.text),
            ))
    return figures


def listed_with_counts(verb: Token) -> bool:
    """'killed two ... and wounded a boy' (one subject, coordinated casualty verbs), not
    'killed 40 ..., and police arrested a suspect' (a clause of its own)."""
    partners = [verb.head] if verb.dep_ == "conj" and not own_agent(verb) else []
    partners += [c for c in verb.children if c.dep_ == "conj" and not own_agent(c)]
    if not own_agent(verb):  # "were killed and a civilian was wounded, the army said": two clauses the parser
        partners += [s for s in verb.head.children if s.i != verb.i and s.dep_ == verb.dep_ and coordinated(s, verb)]
    return any(casualty_word(p) for p in partners)


def coordinated(a: Token, b: Token) -> bool:
    low, high = sorted((a.i, b.i))
    return any(t.dep_ == "cc" for t in a.doc[low:high])


def own_agent(verb: Token) -> bool:
    """An active subject that did it ('police arrested ...'); the one who died is no agent."""
    return casualty_word(verb) != "died" and any(c.dep_ == "nsubj" for c in verb.children)


def phrase_text(head: Token) -> str:
    """The counted noun with its adjectives: 'armed protesters', 'elderly woman'."""
    left = head.i
    for child in head.lefts:
        if child.dep_ in ("amod", "compound") and child.i < left and not child.like_num:
            left = child.i
    return head.doc[left:head.i + 1].text


def counted_class(head: Token | None, kind: str) -> str | None:
    """A coarse class of what is counted, so outlets' counts of one thing line up: people,
    fighters, jobs ('4,000 jobs' and '4,000 employees' cut), or the counted noun's lemma for things."""
    if kind == "laid_off":
        return "jobs"
    if head is None:
        return "people"
    lemma = head.lemma_.lower()
    if kind == "infected" and lemma in CASE_NOUNS:  # "10 human cases", "3 confirmed diagnoses"
        return "animals" if any(c.lower_ in ("animal", "animals") for c in head.children) else "people"
    if lemma in FIGHTERS:
        return "fighters"
    if lemma in PEOPLE or head.pos_ == "ADJ" or casualty_word(head):
        return "people"
    return lemma


CASE_NOUNS = frozenset({"case", "infection", "diagnosis", "illness", "patient"})
COLLECTIVES = frozenset({"couple", "family", "group", "crowd", "handful", "number", "pair", "team", "few", "total",
                         "tally", "toll", "lot", "series", "host", "majority", "dozen", "hundred", "thousand", "score"})
def claim(claimant: Referent | None) -> dict[str, str | None]:
    return {"claimant_text": claimant.text if claimant else None, "claimant_key": claimant.key if claimant else None}


def value_range(value: float | None, vague_low: float | None, qualifier: str) -> tuple[float | None, float | None]:
    if value is None:
        return vague_low, None
    if qualifier == "exact":
        return value, value
    if qualifier in ("more_than", "at_least"):
        return value, None
    if qualifier == "about":
        return round(value * 0.9, 6), round(value * 1.1, 6)
    if qualifier == "up_to":
        return 0.0, value
    return None, None
