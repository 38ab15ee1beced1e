"""Entity mentions in one document: spaCy's named entities, repaired, grouped into local entities.

Repairs are general patterns of the small English model's span errors: quote marks and
possessives inside spans, honorifics and titles left outside, "Chile's Interior Ministry" split
in two, "the Electoral Commission of the Republic of Tarn" cut at "of", a possessive owner glued
to a person ("Peru's Ostrowski"), a person read as a date, a platform read as a person, acronyms
and the names they abbreviate missed. Local entities (one `local_key` each) join a document's
mentions of one referent: repeats, surnames after full names (also with particles, or a family
name written first), title forms, acronyms defined in the text or matching a name's initials,
short names of bodies and companies, and aliases the text states.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from newsfacts.extract.attribution import PERSON_ROLES, SPEECH_VERBS
from newsfacts.extract.doctable import tables
from newsfacts.unionfind import DisjointSets
from newsfacts.extract.names import (CORPORATE_WORDS, COUNTRY_OF, GENDER_MARKS, HONORIFICS, NAME_PARTICLES,
                                     QUOTE_CHARS, TITLES, abbreviates, clean_name, gender_of_words, given_name_gender, initials,
                                     is_acronym, is_given_name, name_tokens, person_tokens, romanised,
                                     same_given_name, same_middle_names, strip_titles)
from newsfacts.records import EntityMention

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
PLACE_LABELS = frozenset({"GPE", "LOC", "NORP"})
# Head nouns of institutions: "Chile's Interior Ministry" is one organisation, "Peru's Ostrowski" is not.
INSTITUTION_NOUNS = frozenset({
    "ministry", "committee", "government", "parliament", "council", "office", "agency", "service", "services",
    "army", "navy", "forces", "military", "police", "guard", "court", "bank", "commission", "cabinet",
    "department", "embassy", "administration", "legion", "corps", "directorate", "authority", "authorities",
    "duma", "senate", "assembly", "party", "command", "staff", "ministries", "intelligence",
})
ALIAS_BETWEEN = re.compile(r"^\W*(?:also|otherwise|better|formerly|sometimes)?\s*known\s+as\W*(?:the\s+)?$|^\W*a\.?k\.?a\.?\W*$",
                           re.I)
PLACE_NOUNS = frozenset({"region", "district", "province", "oblast", "city", "town", "village", "county", "area",
                         "capital", "port", "municipality", "settlement", "raion", "oblast"})
DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "ans", "ians")
LOCATIVE_PREPOSITIONS = frozenset({"in", "near", "outside", "inside", "across", "towards", "toward", "around"})
SURNAME_MATCH = 85  # romanised similarity of two surnames of one person (Tkachenko/Tkatchenko)
# Labels the model gives a surname written alone: often a person, sometimes an organisation or a place.
SHORT_FORM_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
# Titles and roles that tell two people of one surname apart ('President Roe' and 'first lady Ana Roe').
ROLE_WORDS = (TITLES | PERSON_ROLES | {"lady", "candidate", "nominee"}) - {
    "general", "vice", "deputy", "chief", "head", "official", "source", "man", "woman", "leader", "prime"}
# Words before a name that describe the person: titles, roles, honorifics, kin ('his daughter Ana Roe').
DESCRIBING_WORDS = ROLE_WORDS | HONORIFICS | GENDER_MARKS["f"] | GENDER_MARKS["m"]
# Abbreviated titles as their words: 'Sen. Roe' is 'Senator Roe'.
TITLE_FORMS = {"sen": "senator", "gov": "governor", "rep": "representative", "lt": "lieutenant", "gen": "general",
               "capt": "captain", "col": "colonel", "maj": "major", "adm": "admiral", "sgt": "sergeant",
               "det": "detective", "insp": "inspector", "supt": "superintendent", "prof": "professor",
               "dr": "doctor", "rev": "reverend", "fr": "father", "cmdr": "commander", "pres": "president"}
# Prepositions before a platform or publication, never before a person: "posted on Tarnbook".
MEDIUM_PREPOSITIONS = frozenset({"on", "via"})
POSTING_VERBS = frozenset({"post", "share", "trend", "publish", "upload", "stream", "broadcast", "react", "joke"})
PLATFORM_NOUNS = frozenset({"user", "follower", "post", "account", "feed", "trend", "page", "handle", "thread",
                            "video", "people", "reaction", "hashtag", "profile", "channel", "story", "comment"})
NOT_NAMES = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september",
                       "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
                       "saturday", "sunday"})
MISREAD_LABELS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})


@dataclass
class Found:
    start: int  # token indices
    end: int
    label: str


def find_mentions(doc: Doc, doc_id: str) -> list[EntityMention]:
    spans = repaired_spans(doc)
    spans += acronym_mentions(doc, spans)
    spans += repeated_names(doc, spans)
    spans += repeated_surnames(doc, spans)
    spans.sort(key=lambda f: f.start)
    groups = local_groups(doc, spans)
    table = tables(doc)
    mentions = []
    for found, key in zip(spans, groups):
        start_char, end_char = table.span_chars(found.start, found.end)
        mentions.append(EntityMention(doc_id, table.text[start_char:end_char], found.label, start_char, end_char, key))
    return mentions


# ---------- span repair ----------

def repaired_spans(doc: Doc) -> list[Found]:
    found = []
    for ent in tables(doc).ents:
        if ent.label_ in NAME_LABELS:
            found.append(trim(doc, Found(ent.start, ent.end, ent.label_)))
        elif ent.label_ in MISREAD_LABELS and (person := misread_person(doc, ent)) is not None:
            found.append(person)
    table = tables(doc)
    found = [f for f in found if f.end > f.start and any(ch.isalpha() for ch in table.span_text(f.start, f.end))
             and (f.label != "PERSON" or any(w[:1].isupper() for w in table.texts[f.start:f.end]))]
    found = merge_owner_institution(doc, found)
    found = merge_of_phrases(doc, found)
    found = merge_qualified_acronyms(doc, found)
    found += institution_phrases(doc, found)
    found += capitalised_institutions(doc, found)
    found += bracketed_definitions(doc, found)
    found += unnamed_speakers(doc, found)
    covered = covered_tokens(found)
    found = [extend_person(doc, f, covered) for f in found]
    found = [f for f in found if f.label != "PERSON" or any(w[:1].isupper() for w in table.texts[f.start:f.end])]
    found = [extend_title(doc, medium_by_context(doc, place_by_context(doc, f))) for f in found]
    found = [definite_short_name(doc, f, found) for f in found]
    found += expanded_acronyms(doc, found)
    return found


def function_word(word: str) -> bool:
    """A word of the sentence, capitalised as its first word, never a given name ('Beyond Roe's
    finances'): one of spaCy's English stop words that is not also a given name ('Will')."""
    return word in STOP_WORDS and not is_given_name(word)


def misread_person(doc: Doc, ent) -> Found | None:
    """'American Ivo Brandt and Australian Tom Days': the model reads 'Days' as a date. A capitalised
    name without digits, with the capitalised words before it, joined by 'and' to a person, is a person."""
    start = ent.start
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].ent_type_ == "" and doc[start - 1].is_alpha:
        start -= 1
    words = list(doc[start:ent.end])
    if len(words) < 2 or not all(t.is_alpha and t.text[:1].isupper() for t in words):
        return None
    if any(t.lower_ in NOT_NAMES for t in words) or ent.root.pos_ != "PROPN":
        return None
    root = ent.root
    if root.dep_ == "conj" and root.head.ent_type_ == "PERSON":
        return Found(start, ent.end, "PERSON")
    return None


def extend_person(doc: Doc, f: Found, covered: set[int]) -> Found:
    """A person's span cut after the first name takes the capitalised name words after it
    ('Oleksandr' + 'Tkatchenko'); a leading role word is not part of the name ('Footballer')."""
    if f.label != "PERSON":
        return f
    start, end = f.start, f.end
    while end - start > 1 and (doc[start].lower_ in PERSON_ROLES
                               or (doc[start].is_sent_start and function_word(doc[start].lower_))
                               or (doc[start].text[:1].islower() and doc[start].lower_ not in NAME_PARTICLES)):
        start += 1  # a role word, or a word of the sentence the model swept in ('rang Novak')
    while (end < len(doc) and end not in covered and doc[end].pos_ == "PROPN" and doc[end].is_alpha
           and doc[end].text[:1].isupper() and not doc[end].is_sent_start and end - start < 4):
        end += 1
    return Found(start, end, f.label)


def place_by_context(doc: Doc, f: Found) -> Found:
    """A one-word 'person' written as a place is one: 'the Marlow district', 'in Tarnow',
    'the town of Cesena', 'Faenza, Forli and Imola regions'."""
    if f.label not in ("PERSON", "NORP", "ORG") or f.end - f.start != 1:
        return f
    token = doc[f.start]
    if token.lower_ in COUNTRY_OF or token.lower_.endswith(DEMONYM_ENDINGS):
        return f  # "Chilean region": a demonym, not a place name
    after = doc[f.end] if f.end < len(doc) else None
    before = doc[f.start - 1] if f.start > 0 else None
    if after is not None and after.lemma_.lower() in PLACE_NOUNS:
        return Found(f.start, f.end, "GPE")
    if before is not None and before.lower_ == "of" and f.start >= 2 and doc[f.start - 2].lemma_.lower() in PLACE_NOUNS:
        return Found(f.start, f.end, "GPE")
    if f.label != "PERSON" or (after is not None and after.tag_ == "POS"):
        return f
    if token.dep_ == "pobj" and token.head.lower_ in LOCATIVE_PREPOSITIONS:
        return Found(f.start, f.end, "GPE")
    if token.dep_ == "conj" and token.head.ent_type_ in ("GPE", "LOC"):
        return Found(f.start, f.end, "GPE")
    return f


def medium_by_context(doc: Doc, f: Found) -> Found:
    """A one-word 'person' where something is posted, or that has users, is a platform: 'wrote on
    Tarnbook', 'people on Tarnbook', 'Tarnbook users', 'a Tarnbook post'. ('pressure on Novak' is not.)"""
    if f.label != "PERSON" or f.end - f.start != 1:
        return f
    token = doc[f.start]
    if token.dep_ == "pobj" and token.head.lower_ in MEDIUM_PREPOSITIONS:
        attached = token.head.head
        if attached.lemma_.lower() in SPEECH_VERBS | POSTING_VERBS or attached.lemma_.lower() in PLATFORM_NOUNS:
            return Found(f.start, f.end, "ORG")
    if token.dep_ == "compound" and token.head.i == f.end and token.head.lemma_.lower() in PLATFORM_NOUNS:
        return Found(f.start, f.end, "ORG")
    return f


def trim(doc: Doc, f: Found) -> Found:
    """Quote marks, punctuation and a possessive ending are not part of a name."""
    start, end = f.start, f.end
    table = tables(doc)
    punct, texts = table.is_punct, table.texts
    while start < end and (punct[start] or texts[start] in QUOTE_CHARS
                           or (table.dep[start] == "det" and start + 1 < end and texts[start + 1] in QUOTE_CHARS)):
        start += 1
    while end > start and (punct[end - 1] or texts[end - 1] in QUOTE_CHARS or table.tag[end - 1] == "POS"):
        end -= 1
    bracket = next((k for k in range(start, end) if texts[k] == "("), None)
    if bracket is not None and bracket > start:  # 'Tarn Water Board (TWB': the name ends at the bracket
        return trim(doc, Found(start, bracket, f.label))
    return Found(start, end, f.label)


def _possessive_index(doc: Doc, f: Found) -> int | None:
    for i in range(f.start + 1, f.end - 1):
        if possessive(doc[i]):
            return i
    return None


def merge_owner_institution(doc: Doc, found: list[Found]) -> list[Found]:
    """'Chile' + 's + 'Interior Ministry' -> one ORG; 'Peru's Ostrowski' -> owner and person."""
    result: list[Found] = []
    for f in found:
        cut = _possessive_index(doc, f)
        if cut is not None:
            if doc[f.end - 1].lower_ in INSTITUTION_NOUNS:
                result.append(Found(f.start, f.end, "ORG"))
            else:
                result += [Found(f.start, cut, "GPE" if f.label in PLACE_LABELS else f.label),
                           Found(cut + 1, f.end, "PERSON" if f.label in PLACE_LABELS else f.label)]
            continue
        previous = result[-1] if result else None
        if (previous and previous.label in PLACE_LABELS and f.label == "ORG"
                and doc[f.end - 1].lower_ in INSTITUTION_NOUNS and glued(doc, previous.end, f.start)):
            result[-1] = Found(previous.start, f.end, "ORG")
            continue
        result.append(f)
    return result


def glued(doc: Doc, end: int, start: int) -> bool:
    """Nothing but a possessive between two spans."""
    between = doc[end:start]
    return all(possessive(t) or t.text in ("'", "’") for t in between)


def possessive(token) -> bool:
    return token.tag_ == "POS" or token.text in ("'s", "’s")


def covered_tokens(found: list[Found]) -> set[int]:
    return {i for f in found for i in range(f.start, f.end)}


def merge_of_phrases(doc: Doc, found: list[Found]) -> list[Found]:
    """'the Electoral Commission' + 'of the Republic of Tarn' -> one ORG."""
    result: list[Found] = []
    for f in found:
        previous = result[-1] if result else None
        if previous and previous.label == "ORG" and f.label in PLACE_LABELS | {"ORG"}:
            between = tables(doc).lower[previous.end:f.start]
            if between in (["of"], ["of", "the"]) and doc[previous.end - 1].lower_ in INSTITUTION_NOUNS:
                result[-1] = Found(previous.start, f.end, "ORG")
                continue
        result.append(f)
    return result


def institution_phrases(doc: Doc, found: list[Found]) -> list[Found]:
    """Lower-case institutions the model misses: "Chile's interior ministry", "the British interior
    ministry" (a place, then one or two words ending in an institution noun)."""
    covered = covered_tokens(found)
    extra = []
    for f in found:
        if f.label not in PLACE_LABELS:
            continue
        i = f.end
        if i < len(doc) and possessive(doc[i]):
            i += 1
        for length in (1, 2):
            tail = doc[i:i + length]
            if (len(tail) == length and tail[-1].lower_ in INSTITUTION_NOUNS and tail[-1].pos_ in ("NOUN", "PROPN")
                    and tail[-1].dep_ != "compound"  # 'Tarnese service members' are people, not a service
                    and all(t.is_alpha for t in tail) and not any(t.i in covered for t in tail)):
                extra.append(Found(f.start, i + length, "ORG"))
                covered.update(range(f.start, i + length))
                break
    if not extra:
        return []
    starts = {e.start for e in extra}
    found[:] = [f for f in found if f.start not in starts]
    return extra


def capitalised_institutions(doc: Doc, found: list[Found]) -> list[Found]:
    """Capitalised names ending in an institution noun that the model missed: 'the Freedom of
    Tarn Brigade', 'the Electoral Commission'. Words may be joined by 'of', 'for', 'the'."""
    covered = covered_tokens(found)
    table = tables(doc)
    texts = table.texts
    extra, i = [], 0
    while i < len(doc):
        if (not capitalised_at(table, i) or i in covered
                or table.sent_start[i] and table.pos[i] != "PROPN"):
            i += 1
            continue
        end, last_name = i, None
        while end < len(doc) and end not in covered:
            if capitalised_at(table, end):
                last_name = end
            elif not (texts[end].lower() in ("of", "for", "the") and end + 1 < len(doc)
                      and capitalised_at(table, end + 1)):
                break
            end += 1
        if last_name is not None and last_name > i and doc[last_name].lower_ in INSTITUTION_NOUNS:
            extra.append(Found(i, last_name + 1, "ORG"))
            covered.update(range(i, last_name + 1))
        i = max(end, i + 1)
    return extra


def unnamed_speakers(doc: Doc, found: list[Found]) -> list[Found]:
    """People the model missed who are named as the subject of a speech verb: 'Mayor Ana Ruiz
    said', 'Governor Ruiz told'. A full name, or a surname after a role word."""
    covered = covered_tokens(found)
    table = tables(doc)
    extra = []
    for i in range(len(doc)):
        if table.dep[i] != "nsubj" or table.pos[i] != "PROPN" or i in covered:
            continue  # (tested from the table: a Token only for a proper-noun subject)
        token = doc[i]
        if token.head.lemma_.lower() not in SPEECH_VERBS or not capitalised(token):
            continue
        start = token.i
        while start > 0 and doc[start - 1].dep_ == "compound" and doc[start - 1].pos_ == "PROPN" and capitalised(doc[start - 1]):
            start -= 1
        names = [t for t in doc[start:token.i + 1] if t.lower_ not in PERSON_ROLES]
        if len(names) >= 2 or (len(names) == 1 and names[0].i > start):
            extra.append(Found(start, token.i + 1, "PERSON"))
    return extra


def capitalised(token) -> bool:
    return token.is_alpha and token.text[:1].isupper() and token.pos_ in ("PROPN", "NOUN", "ADJ")


def capitalised_at(table, i: int) -> bool:
    """capitalised(doc[i]), read from the document's table (no Token object)."""
    return (table.texts[i][:1].isupper() and table.is_alpha[i]
            and table.pos[i] in ("PROPN", "NOUN", "ADJ"))


def token_texts(doc: Doc) -> list[str]:
    """Every token's text, read once a document (doctable): a walk over the document that tests most
    words by their text alone costs a Token object only for the few it looks at further."""
    return tables(doc).texts


def extend_title(doc: Doc, f: Found) -> Found:
    """'Mr Novak', 'Dr. Ana Ruiz', 'Prime Minister Ruiz' are mentions of the person: an honorific, or
    a capitalised title before a surname alone, belongs to the span (the name's key leaves it out,
    see person_tokens). Before a full name a title is a description: 'Gov. Ana Ruiz' is 'Ana Ruiz'."""
    if f.label != "PERSON":
        return f
    surname_only = sum(tables(doc).is_alpha[f.start:f.end]) == 1
    start = f.start
    while start > 0 and f.start - start < 3 and title_word(doc[start - 1], surname_only):
        start -= 1
    return Found(start, f.end, f.label)


def title_word(token, surname_only: bool) -> bool:
    word = token.lower_.rstrip(".")
    if word in HONORIFICS:
        return True
    return surname_only and word in TITLES and token.text[:1].isupper() and token.ent_type_ in ("", "PERSON")


def definite_short_name(doc: Doc, f: Found, found: list[Found]) -> Found:
    """'the Ledger' after 'the Tarn Valley Ledger' is that body, whatever the model tagged."""
    lower = tables(doc).lower
    if f.end - f.start != 1 or f.start == 0 or lower[f.start - 1] != "the":
        return f
    word = lower[f.start]
    longer = {o.label for o in found if o.label not in PLACE_LABELS | {"PERSON"} and o.end - o.start > 1
              and lower[o.end - 1] == word}
    return Found(f.start, f.end, longer.pop()) if len(longer) == 1 else f


def merge_qualified_acronyms(doc: Doc, found: list[Found]) -> list[Found]:
    """'the Tarnese BMA' names Tarn's BMA, not another country's: a nationality or place right
    before an acronym organisation is part of its name."""
    result: list[Found] = []
    for f in found:
        previous = result[-1] if result else None
        if (previous and previous.label in PLACE_LABELS and f.label == "ORG" and previous.end == f.start
                and f.end - f.start == 1 and is_acronym(doc[f.start].text)):
            result[-1] = Found(previous.start, f.end, "ORG")
            continue
        result.append(f)
    return result


def bracketed_definitions(doc: Doc, found: list[Found]) -> list[Found]:
    """'the Tarn County Water Commissioner (TCWC)': a capitalised name the model missed, defined by the
    acronym in brackets after it, is an organisation (it replaces a shorter span inside it)."""
    extra = []
    texts = token_texts(doc)
    for i in range(1, len(doc) - 2):
        if not (texts[i] == "(" and texts[i + 2] == ")" and is_acronym(texts[i + 1])):
            continue
        start = capitalised_run_start(doc, i)
        if start is None or i - start < 2 or any(f.start <= start and i <= f.end for f in found):
            continue
        if abbreviates(doc[i + 1].text, initials([t.text for t in doc[start:i]])):
            found[:] = [f for f in found if f.end <= start or f.start >= i]
            extra.append(Found(start, i, "ORG"))
    return extra


def capitalised_run_start(doc: Doc, end: int) -> int | None:
    """Start of the capitalised words (joined by of/for/and/the) that end right before `end`."""
    start = end
    while start > 0 and (doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha
                         or doc[start - 1].lower_ in ("of", "for", "and") and start < end):
        start -= 1
    while start < end and (not doc[start].text[:1].isupper() or doc[start].lower_ == "the"):
        start += 1
    return start if start < end else None


def expanded_acronyms(doc: Doc, found: list[Found]) -> list[Found]:
    """An organisation known by its acronym, also written out: 'TRD' and, uncapitalised by the model,
    'The Ridge Dispatch'. A run of capitalised words inside a sentence whose initials are a found
    acronym is a mention of it."""
    acronyms = {doc[f.start].text: f.label for f in found if f.end - f.start == 1 and is_acronym(doc[f.start].text)
                and "." not in doc[f.start].text}
    if not acronyms:
        return []
    covered = covered_tokens(found)
    table = tables(doc)
    texts = table.texts
    extra, i = [], 0
    while i < len(doc):
        if i in covered or not texts[i][:1].isupper() or not table.is_alpha[i] or table.sent_start[i]:
            i += 1
            continue
        end = i
        while end < len(doc) and end not in covered and texts[end][:1].isupper() and table.is_alpha[end]:
            end += 1
        letters = initials(texts[i:end])
        if end - i >= 2 and letters in acronyms:
            extra.append(Found(i, end, acronyms[letters]))
        i = end
    return extra


def repeated_names(doc: Doc, found: list[Found]) -> list[Found]:
    """Later occurrences of a name the model tagged once, where it missed them (one sense per document)."""
    covered = covered_tokens(found)
    texts = token_texts(doc)
    by_words: dict[tuple[str, ...], str] = {}
    for f in found:
        words = tuple(texts[f.start:f.end])
        if words[0][:1].isupper():
            by_words.setdefault(words, f.label)
    firsts = {words[0] for words in by_words}
    starts: dict[str, list[int]] = {}  # where each name's first word is written
    for i, text in enumerate(texts):
        if text in firsts:
            starts.setdefault(text, []).append(i)
    extra = []
    for words, label in by_words.items():
        n = len(words)
        for i in starts.get(words[0], []):
            if tuple(texts[i:i + n]) == words:
                if not any(j in covered for j in range(i, i + n)) and not continues_name(doc, i, i + n):
                    extra.append(Found(i, i + n, label))
                    covered.update(range(i, i + n))
    return extra


def repeated_surnames(doc: Doc, found: list[Found]) -> list[Found]:
    """'Novak' written alone after 'Ivo Novak', where the model missed it (or read it as a common
    word, 'Weeks'): a capitalised word, not the start of a longer name, not after 'the'."""
    covered = covered_tokens(found)
    surnames = {}
    for f in found:
        if f.label != "PERSON":
            continue
        words = [t for t in doc[f.start:f.end] if t.is_alpha]
        clean = all(t.is_alpha or t.text.endswith(".") or t.text == "-" for t in doc[f.start:f.end])
        if clean and len(words) >= 2 and words[-1].text[:1].isupper():
            surnames.setdefault(words[-1].text, f.label)
    extra = []
    if not surnames:
        return extra
    for i, text in enumerate(token_texts(doc)):
        if text not in surnames or i in covered:
            continue
        token = doc[i]
        if continues_name(doc, token.i, token.i + 1):
            continue
        if token.i > 0 and doc[token.i - 1].lower_ == "the":
            continue
        if token.is_sent_start and token.pos_ != "PROPN":
            continue
        extra.append(Found(token.i, token.i + 1, "PERSON"))
        covered.add(token.i)
    return extra


def continues_name(doc: Doc, start: int, end: int) -> bool:
    """A match inside a longer capitalised name ("Chile" in "Chile Volunteer Brigade") is not a mention."""
    table = tables(doc)
    return any(0 <= k < len(doc) and table.pos[k] == "PROPN" and table.texts[k][:1].isupper() for k in (start - 1, end))


# ---------- local entities ----------

def local_groups(doc: Doc, spans: list[Found]) -> list[str]:
    """One local key per span: the fullest name of the local entity it belongs to."""
    sets = DisjointSets(len(spans))
    union, find = sets.union, sets.find
    table = tables(doc)
    texts = [table.span_text(f.start, f.end) for f in spans]
    names = [clean_name(text) for text in texts]
    tokens = [person_tokens(text) if f.label == "PERSON" else name_tokens(text) for f, text in zip(spans, texts)]
    written = [" ".join(words) or name for words, name in zip(tokens, names)]
    short = {i for i, f in enumerate(spans) if f.label in SHORT_FORM_LABELS and surname_form(texts[i], tokens[i])}
    # A surname alone is not joined by its spelling: 'Roe' may be either of two Roes.
    for i, j in same_name_pairs([None if i in short else name for i, name in enumerate(written)]):
        union(i, j)
    for i, j in full_name_pairs(spans, tokens, texts):
        union(i, j)
    for i, j in surname_pairs(doc, spans, tokens, texts, find):
        union(i, j)
    for i, j in acronym_pairs(doc, spans, texts):
        union(i, j)
    for i, j in alias_pairs(doc, spans):
        union(i, j)
    for i, j in shorter_org_pairs(spans, tokens):
        union(i, j)
    for i, j in company_short_pairs(spans, tokens):
        union(i, j)
    for i, j in initials_pairs(doc, spans, find):
        union(i, j)
    fullest: dict[int, int] = {}
    for i in range(len(spans)):
        root = find(i)
        best = fullest.get(root)
        if best is None or (len(tokens[i]), len(names[i])) > (len(tokens[best]), len(names[best])):
            fullest[root] = i
    keys = []
    for i in range(len(spans)):
        best = fullest[find(i)]
        keys.append(strip_titles(names[best]) if spans[best].label == "PERSON" else names[best])
    return keys


def same_name_pairs(names: list[str | None]):
    """Spans written alike (None: a span not to join by its spelling)."""
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name is None:
            continue
        if name in first:
            yield i, first[name]
        else:
            first[name] = i


def surname_form(text: str, words: list[str]) -> list[str] | None:
    """The words of a name written without its given name: 'Novak', 'von Bergen'; else None."""
    if len(words) == 1:
        return words
    first = next(iter(text.split(None, 1)), "")
    if len(words) >= 2 and first.lower() in NAME_PARTICLES and first[:1].islower():
        return words
    return None


def full_names(spans: list[Found], tokens: list[list[str]], texts: list[str]) -> list[int]:
    return [i for i, f in enumerate(spans)
            if f.label == "PERSON" and len(tokens[i]) >= 2 and surname_form(texts[i], tokens[i]) is None]


def full_name_pairs(spans: list[Found], tokens: list[list[str]], texts: list[str]):
    """Full names of one person written two ways: 'Joe Biden' and 'Joseph R. Biden', 'Hillary
    Rodham Clinton' and 'Hillary Clinton'; never two given names ('Bill Clinton', 'Hillary Clinton')."""
    full = full_names(spans, tokens, texts)
    spelled = {i: tuple(tokens[i]) for i in full}
    same: dict[tuple, bool] = {}  # two spellings compared once, however often each is written
    for a, b in itertools.combinations(full, 2):
        if spelled[a] == spelled[b]:
            continue
        pair = (spelled[a], spelled[b])
        if pair not in same:
            same[pair] = same_full_name(tokens[a], tokens[b])
        if same[pair]:
            yield a, b


def same_full_name(a: list[str], b: list[str]) -> bool:
    return (ends_with(a, b[-1:]) and same_given_name(a[0], b[0]) and same_middle_names(a[1:-1], b[1:-1]))


@dataclass
class Person:
    """A person the document names in full, as the forms that write a surname alone may mean."""
    root: int
    positions: list = field(default_factory=list)  # tokens where the document names the person
    genders: set = field(default_factory=set)
    roles: set = field(default_factory=set)

    @property
    def gender(self) -> str | None:
        return next(iter(self.genders)) if len(self.genders) == 1 else None

    def last_before(self, token_i: int) -> int:
        return max((p for p in self.positions if p < token_i), default=-1)


def surname_pairs(doc: Doc, spans: list[Found], tokens: list[list[str]], texts: list[str], find):
    """A person written by surname alone ('Novak', 'Mrs. Novak', 'President Novak', 'von Bergen')
    joins the person named in full in the document whose name ends with it. When several do ('Ivo
    Novak' and his daughter 'Ana Novak'), the form's gender and title pick those it fits ('Mrs.',
    'President'), then the one named most often, then the one named nearest before it. A form that
    fits none of them (a man's title where only a woman is named) stays apart, with the other forms
    of its surname written alike. A one-word name that ends no full name but begins one joins it:
    'Mr Wu' is 'Wu Lan', whose family name comes first; 'Heidi' is 'Heidi Novak'."""
    full = full_names(spans, tokens, texts)
    people: dict[int, Person] = {}
    for j in full:
        person = people.setdefault(find(j), Person(find(j)))
        person.positions.append(spans[j].start)
        words = title_words(doc, spans[j])
        person.roles |= words & ROLE_WORDS
        person.genders |= {g for g in [gender_of_words(words) or given_name_gender(tokens[j][0])] if g}
    shorts = [i for i, f in enumerate(spans) if f.label in SHORT_FORM_LABELS and surname_form(texts[i], tokens[i])]
    evidence = {i: title_words(doc, spans[i]) for i in shorts}
    # Forms with a gender or title first: what they settle ('Mrs. Novak' is Ana) counts for the others.
    shorts.sort(key=lambda i: (not (gender_of_words(evidence[i]) or evidence[i] & ROLE_WORDS), spans[i].start))
    unresolved: dict[tuple, int] = {}
    ending: dict[tuple[str, ...], list[int]] = {}  # the full names a surname form ends, tried once a spelling
    surnames = set(tokens[j][-1] for j in full)  # each written surname compared once a form, not once a name
    for i in shorts:
        short = tokens[i]
        if (written_as := tuple(short)) not in ending:
            alike = {surname for surname in surnames if same_surname(short[-1], surname)}
            ending[written_as] = [j for j in full if tokens[j][-1] in alike and ends_with(tokens[j], short)]
        candidates = {find(j) for j in ending[written_as]}  # people, as joined so far
        if not candidates and len(short) == 1 and spans[i].label == "PERSON":
            candidates = {find(j) for j in full if tokens[j][0] == short[0]}  # 'Mr Wu' of 'Wu Lan'; 'Heidi'
        gender = gender_of_words(evidence[i])
        target = None
        if candidates:
            target = pick_person([people[c] for c in candidates], spans[i].start, gender, evidence[i] & ROLE_WORDS)
        if target is not None:
            target.positions.append(spans[i].start)
            target.genders |= {gender} if gender else set()
            yield i, target.root
            continue
        written = (" ".join(short), gender)
        if written in unresolved:
            yield i, unresolved[written]
        else:
            unresolved[written] = i
    for (surname, gender), i in unresolved.items():  # 'President Roe' is 'Mr. Roe' when no 'Mrs. Roe' is written
        genders = [g for s, g in unresolved if s == surname and g is not None]
        if gender is None and len(genders) == 1:
            yield i, unresolved[(surname, genders[0])]


def pronoun_after(doc: Doc, f: Found, root=None) -> set[str]:
    """'Roe said she would run': the subject pronoun after a name that is a subject, in its sentence,
    before any other name, as a word of its gender ('woman', 'man'). `root`: the name's root token,
    where the caller has it. The words after the name are read from the document's table."""
    root = doc[f.start:f.end].root if root is None else root
    if root.dep_ not in ("nsubj", "nsubjpass"):
        return set()
    table = tables(doc)
    for k in range(f.end, table.sent_end[root.i]):
        if table.ent_type[k] == "PERSON" or (table.pos[k] == "PROPN" and table.texts[k][:1].isupper()):
            return set()
        if table.dep[k] in ("nsubj", "nsubjpass") and table.lower[k] in ("he", "she"):
            return {"woman" if table.lower[k] == "she" else "man"}
    return set()


def pick_person(candidates: list[Person], at: int, gender: str | None, roles: set[str]) -> Person | None:
    """The person a surname form at token `at` means among those of that surname; None if none fits."""
    fitting = [p for p in candidates if gender is None or p.gender in (None, gender)]
    if gender is not None and len(fitting) > 1:
        fitting = [p for p in fitting if p.gender == gender] or fitting
    if roles:
        titled = [p for p in fitting if p.roles & roles]
        fitting = titled or [p for p in fitting if not p.roles]
    if len(fitting) <= 1:
        return fitting[0] if fitting else None
    return max(fitting, key=lambda p: (len(p.positions), p.last_before(at), -min(p.positions)))


def title_words(doc: Doc, f: Found) -> set[str]:
    """Titles, honorifics and roles written in or right before a name: 'Mrs. Roe', 'former President
    Ivo Roe', 'his wife, Ana Roe', 'Roe's daughter Ana Roe', 'Ana Roe, the senator'."""
    table = tables(doc)
    lower = table.lower
    words = {lower[k].rstrip(".") for k in range(f.start, f.end) if not table.is_punct[k]}
    k = f.start - 1
    while k >= 0 and f.start - k <= 3 and (lower[k].rstrip(".") in DESCRIBING_WORDS
                                           or table.texts[k] == ","
                                           or table.pos[k] in ("ADJ", "PROPN") and table.ent_type[k] in ("", "NORP")):
        words.add(lower[k].rstrip("."))
        k -= 1
    root = doc[f.start:f.end].root
    words |= {c.lower_ for c in root.children if c.dep_ == "appos"}
    if root.dep_ == "appos":
        words.add(root.head.lower_)
    if gender_of_words(words) is None:  # a title says it better than a pronoun ('Mr. Roe told her she ...')
        words |= pronoun_after(doc, f, root)
    return {TITLE_FORMS.get(w, w) for w in words}


def ends_with(full: list[str], short: list[str]) -> bool:
    if len(full) <= len(short) or full[-len(short):-1] != short[:-1]:
        return False
    return same_surname(short[-1], full[-1])


@functools.lru_cache(maxsize=65_536)
def same_surname(a: str, b: str) -> bool:
    """Kept for the process: every surname written alone is tried against every full name of its document."""
    return fuzz.ratio(romanised(a), romanised(b)) >= SURNAME_MATCH


def company_short_pairs(spans: list[Found], tokens: list[list[str]]):
    """'Vexa' after 'Vexa Holdings Corp': a company's name without its legal words."""
    for i, f in enumerate(spans):
        if f.label != "ORG" or len(tokens[i]) != 1:
            continue
        longer = {tuple(tokens[j]): j for j, g in enumerate(spans) if g.label == "ORG" and len(tokens[j]) > 1
                  and tokens[j][0] == tokens[i][0] and all(w in CORPORATE_WORDS for w in tokens[j][1:])}
        if len(longer) == 1:
            yield i, next(iter(longer.values()))


def acronym_parts(doc: Doc, f: Found) -> tuple[tuple[str, ...], str] | None:
    """(qualifying words, acronym) of a span that is an acronym, alone or after a nationality:
    'BMA' -> ((), 'BMA'), 'Tarnese BMA' -> (('tarnese',), 'BMA')."""
    table = tables(doc)
    last = table.texts[f.end - 1]
    if not is_acronym(last) or any(is_acronym(text) for text in table.texts[f.start:f.end - 1]):
        return None
    return tuple(table.lower[f.start:f.end - 1]), last.replace(".", "")


def initials_pairs(doc: Doc, spans: list[Found], find):
    """An acronym joins the one named body or place of the document whose initials it is:
    'WHA' and 'the World Hiking Association', 'N.T.' and 'North Tarn', 'Tarnese BMA' and 'the
    Tarnese Bureau of Maritime Affairs', 'BMA' and 'Tarnese BMA'."""
    bodies = [j for j, g in enumerate(spans) if g.label not in ("PERSON", "NORP")]
    naming: dict[tuple, list[int]] = {}  # the spans an acronym (with its qualifiers) names: one pass a spelling
    words: dict[int, NameWords] = {}  # each body's words, read once whatever the acronyms tried on it
    for i, f in enumerate(spans):
        parts = acronym_parts(doc, f)
        if parts is None:
            continue
        if parts not in naming:
            for j in bodies:
                if j not in words:
                    words[j] = name_words(doc, spans[j])
            naming[parts] = [j for j in bodies if names_acronym(doc, spans[j], *parts, words=words[j])]
        roots = {}
        for j in naming[parts]:
            if j != i:
                roots.setdefault(find(j), j)
        if len(roots) == 1 and find(i) not in roots:
            yield i, next(iter(roots.values()))


@dataclass(frozen=True)
class NameWords:
    """What names_acronym reads of a span: its acronym parts if it is one, else its words but punctuation."""
    parts: tuple[tuple[str, ...], str] | None
    lowers: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


def name_words(doc: Doc, g: Found) -> NameWords:
    parts = acronym_parts(doc, g)
    if parts is not None:
        return NameWords(parts)
    table = tables(doc)
    kept = [k for k in range(g.start, g.end) if not table.is_punct[k]]
    return NameWords(None, tuple(table.lower[k] for k in kept), tuple(table.texts[k] for k in kept))


def names_acronym(doc: Doc, g: Found, qualifiers: tuple[str, ...], acronym: str, words: NameWords | None = None) -> bool:
    """Whether span g names the acronym (with its qualifiers). `words`: name_words(doc, g), where the
    caller tries several acronyms on one span."""
    words = words or name_words(doc, g)
    other = words.parts
    if other is not None:  # 'BMA' and 'Tarnese BMA'
        return other[1] == acronym and len(other[0]) > len(qualifiers) and other[0][:len(qualifiers)] == qualifiers
    lowers, texts = words.lowers, words.texts
    if qualifiers and lowers and lowers[0] == "the":
        lowers, texts = lowers[1:], texts[1:]
    if len(lowers) < 2 or lowers[:len(qualifiers)] != qualifiers:
        return False
    rest = list(texts[len(qualifiers):])
    candidates = [initials(rest)]
    if rest and rest[0] in ("The", "the"):
        candidates.append(initials(rest[1:]))
    return any(abbreviates(acronym, c) for c in candidates if len(c) >= 2)


def defined_acronym(doc: Doc, f: Found) -> str | None:
    """'Baltic Maritime Agency (BMA)', 'Office of Disaster Relief Affairs (ODiRA)': the
    bracketed word right after a name whose capitals are the initials of the name's capitalised words."""
    if not (f.end + 2 < len(doc) and doc[f.end].text == "(" and doc[f.end + 2].text == ")"):
        return None
    acronym = doc[f.end + 1].text
    capitals = "".join(ch for ch in acronym if ch.isupper())
    name_initials = initials([t.text for t in doc[f.start:f.end] if t.is_alpha])
    if len(capitals) >= 2 and acronym[:1].isupper() and abbreviates(capitals, name_initials):
        return acronym
    return None


def acronym_mentions(doc: Doc, found: list[Found]) -> list[Found]:
    """Every use of an acronym the text defines is a mention of the organisation (the model
    often misses rare acronyms)."""
    covered = covered_tokens(found)
    table = tables(doc)
    texts = table.texts
    extra = []
    for f in found:
        acronym = defined_acronym(doc, f)
        if acronym is None:
            continue
        for i in range(f.end, len(doc)):
            if texts[i] == acronym and i not in covered:
                extra.append(Found(i, i + 1, "ORG" if f.label == "PERSON" else f.label))
                covered.add(i)
    names = [f for f in found if f.label not in ("PERSON", "NORP") and f.end - f.start >= 2]
    naming: dict[str, tuple[list[Found], int]] = {}  # (names an acronym's letters abbreviate, how many names)
    words: list[NameWords] | None = None  # each name's words, read once when an acronym is first tried
    for i, text in enumerate(texts):
        if i in covered or table.pos[i] != "PROPN" or not is_acronym(text) or in_capitals(table, i):
            continue
        letters = text.replace(".", "")
        if letters not in naming:
            words = words if words is not None else [name_words(doc, f) for f in names]
            named = [f for f, w in zip(names, words) if names_acronym(doc, f, (), letters, words=w)]
            naming[letters] = named, len({clean_name(table.span_text(f.start, f.end)) for f in named})
        named, distinct = naming[letters]
        if distinct == 1:
            extra.append(Found(i, i + 1, named[0].label))
            covered.add(i)
    return extra


def in_capitals(table, i: int) -> bool:
    """A word of a line written in capitals ('BREAKING NEWS'), not an acronym (word i of the document's table)."""
    neighbours = [table.texts[k] for k in (i - 1, i + 1) if 0 <= k < table.length and table.is_alpha[k]]
    return any(text.isupper() and len(text) > 1 for text in neighbours)


def acronym_pairs(doc: Doc, spans: list[Found], texts: list[str]):
    """The acronym names the organisation it follows in brackets (texts: the spans' texts)."""
    acronyms: dict[str, int] = {}
    for i, f in enumerate(spans):
        acronym = defined_acronym(doc, f)
        if acronym is not None:
            acronyms.setdefault(acronym, i)
    if not acronyms:
        return
    for i, text in enumerate(texts):
        if text in acronyms and acronyms[text] != i:
            yield i, acronyms[text]


def alias_pairs(doc: Doc, spans: list[Found]):
    """'X – also known as Y': two names of one referent."""
    table = tables(doc)  # the words between two spans are cut from the document's text by their offsets
    for i in range(len(spans) - 1):
        a, b = spans[i], spans[i + 1]
        if not 0 < b.start - a.end <= 40:  # no words between, or more than 40 characters' worth
            continue
        between = table.span_text(a.end, b.start)
        if 0 < len(between) <= 40 and ALIAS_BETWEEN.match(between):
            yield i, i + 1


def shorter_org_pairs(spans: list[Found], tokens: list[list[str]]):
    """'the Coast Brigade' after 'the Chilean Coast Brigade': the nearest earlier longer
    name of a body with the same head word and every word of the shorter one."""
    for i, f in enumerate(spans):
        if f.label in PLACE_LABELS | {"PERSON"} or not tokens[i]:
            continue
        words = set(tokens[i])
        for j in range(i - 1, -1, -1):
            if (spans[j].label == f.label and len(tokens[j]) > len(tokens[i]) and words <= set(tokens[j])
                    and tokens[j][-1] == tokens[i][-1]):
                yield i, j
                break
