"""Entity mentions in one document: spaCy's named entities, repaired, grouped into local entities.

Repairs are general patterns of the small English model's span errors: quote marks and
possessives inside spans, honorifics left outside, "Chile's Interior Ministry" split in two,
"the Electoral Commission of the Republic of Tarn" cut at "of", and a possessive owner
glued to a person ("Peru's Ostrowski"). Local entities (one `local_key` each) join a
document's mentions of one referent: repeats, surnames after full names, title forms,
acronyms defined in the text and aliases it states.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from spacy.tokens import Doc

from newsfacts.extract.attribution import PERSON_ROLES, SPEECH_VERBS
from newsfacts.extract.unionfind import DisjointSets
from newsfacts.extract.names import COUNTRY_OF, HONORIFICS, QUOTE_CHARS, clean_name, name_tokens, romanised
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


@dataclass
class Found:
    start: int  # token indices
    end: int
    label: str


def find_mentions(doc: Doc, doc_id: str) -> list[EntityMention]:
    spans = repaired_spans(doc)
    spans += acronym_mentions(doc, spans)
    spans += repeated_names(doc, spans)
    spans.sort(key=lambda f: f.start)
    groups = local_groups(doc, spans)
    mentions = []
    for found, key in zip(spans, groups):
        span = doc[found.start:found.end]
        mentions.append(EntityMention(doc_id, span.text, found.label, span.start_char, span.end_char, key))
    return mentions


# ---------- span repair ----------

def repaired_spans(doc: Doc) -> list[Found]:
    found = []
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS:
            found.append(trim(doc, Found(ent.start, ent.end, ent.label_)))
    found = [f for f in found if f.end > f.start and any(t.is_alpha for t in doc[f.start:f.end])]
    found = merge_owner_institution(doc, found)
    found = merge_of_phrases(doc, found)
    found += institution_phrases(doc, found)
    found += capitalised_institutions(doc, found)
    found += unnamed_speakers(doc, found)
    covered = covered_tokens(found)
    found = [extend_person(doc, f, covered) for f in found]
    return [extend_honorific(doc, place_by_context(doc, f)) for f in found]


def extend_person(doc: Doc, f: Found, covered: set[int]) -> Found:
    """A person's span cut after the first name takes the capitalised name words after it
    ('Oleksandr' + 'Tkatchenko'); a leading role word is not part of the name ('Footballer')."""
    if f.label != "PERSON":
        return f
    start, end = f.start, f.end
    while end - start > 1 and doc[start].lower_ in PERSON_ROLES:
        start += 1
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


def trim(doc: Doc, f: Found) -> Found:
    """Quote marks, punctuation and a possessive ending are not part of a name."""
    start, end = f.start, f.end
    while start < end and (doc[start].is_punct or doc[start].text in QUOTE_CHARS
                           or (doc[start].dep_ == "det" and start + 1 < end and doc[start + 1].text in QUOTE_CHARS)):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].text in QUOTE_CHARS or doc[end - 1].tag_ == "POS"):
        end -= 1
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
            between = [t.lower_ for t in doc[previous.end:f.start]]
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
    extra, i = [], 0
    while i < len(doc):
        if not capitalised(doc[i]) or i in covered or doc[i].is_sent_start and doc[i].pos_ != "PROPN":
            i += 1
            continue
        end, last_name = i, None
        while end < len(doc) and end not in covered:
            if capitalised(doc[end]):
                last_name = end
            elif not (doc[end].lower_ in ("of", "for", "the") and end + 1 < len(doc) and capitalised(doc[end + 1])):
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
    extra = []
    for token in doc:
        if (token.dep_ != "nsubj" or token.pos_ != "PROPN" or token.i in covered
                or token.head.lemma_.lower() not in SPEECH_VERBS or not capitalised(token)):
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


def extend_honorific(doc: Doc, f: Found) -> Found:
    """'Mr Novak' is a mention of Novak: the title belongs to the span."""
    if f.label == "PERSON" and f.start > 0 and doc[f.start - 1].lower_.rstrip(".") in HONORIFICS:
        return Found(f.start - 1, f.end, f.label)
    return f


def repeated_names(doc: Doc, found: list[Found]) -> list[Found]:
    """Later occurrences of a name the model tagged once, where it missed them (one sense per document)."""
    covered = covered_tokens(found)
    by_words: dict[tuple[str, ...], str] = {}
    for f in found:
        words = tuple(t.text for t in doc[f.start:f.end])
        if words[0][:1].isupper():
            by_words.setdefault(words, f.label)
    texts = [t.text for t in doc]
    starts: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
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


def continues_name(doc: Doc, start: int, end: int) -> bool:
    """A match inside a longer capitalised name ("Chile" in "Chile Volunteer Brigade") is not a mention."""
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    return any(t is not None and t.pos_ == "PROPN" and t.text[:1].isupper() for t in (before, after))


# ---------- local entities ----------

def local_groups(doc: Doc, spans: list[Found]) -> list[str]:
    """One local key per span: the fullest name of the local entity it belongs to."""
    sets = DisjointSets(len(spans))
    union, find = sets.union, sets.find
    names = [clean_name(doc[f.start:f.end].text) for f in spans]
    tokens = [name_tokens(doc[f.start:f.end].text) for f in spans]
    for i, j in same_name_pairs(names):
        union(i, j)
    for i, j in surname_pairs(spans, tokens):
        union(i, j)
    for i, j in acronym_pairs(doc, spans, tokens):
        union(i, j)
    for i, j in alias_pairs(doc, spans):
        union(i, j)
    for i, j in shorter_org_pairs(spans, tokens):
        union(i, j)
    fullest: dict[int, int] = {}
    for i in range(len(spans)):
        root = find(i)
        best = fullest.get(root)
        if best is None or (len(tokens[i]), len(names[i])) > (len(tokens[best]), len(names[best])):
            fullest[root] = i
    return [names[fullest[find(i)]] for i in range(len(spans))]


def same_name_pairs(names: list[str]):
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            yield i, first[name]
        else:
            first[name] = i


def surname_pairs(spans: list[Found], tokens: list[list[str]]):
    """A one-word person name joins the one full name in the document that ends with it."""
    full = [i for i, f in enumerate(spans) if f.label == "PERSON" and len(tokens[i]) >= 2]
    for i, f in enumerate(spans):
        if len(tokens[i]) != 1 or f.label not in ("PERSON", "ORG", "GPE", "NORP"):
            continue
        word = romanised(tokens[i][0])
        matches = {tuple(tokens[j]): j for j in full
                   if fuzz.ratio(word, romanised(tokens[j][-1])) >= SURNAME_MATCH}
        if len(matches) == 1:
            yield i, next(iter(matches.values()))


def defined_acronym(doc: Doc, f: Found) -> str | None:
    """'Baltic Maritime Agency (BMA)', 'Office of Disaster Relief Affairs (ODiRA)': the
    bracketed word right after a name whose capitals are the initials of the name's capitalised words."""
    if not (f.end + 2 < len(doc) and doc[f.end].text == "(" and doc[f.end + 2].text == ")"):
        return None
    acronym = doc[f.end + 1].text
    capitals = "".join(ch for ch in acronym if ch.isupper())
    initials = "".join(t.text[0] for t in doc[f.start:f.end] if t.text[:1].isupper() and t.is_alpha)
    if len(capitals) >= 2 and acronym[:1].isupper() and capitals == initials:
        return acronym
    return None


def acronym_mentions(doc: Doc, found: list[Found]) -> list[Found]:
    """Every use of an acronym the text defines is a mention of the organisation (the model
    often misses rare acronyms)."""
    covered = covered_tokens(found)
    extra = []
    for f in found:
        acronym = defined_acronym(doc, f)
        if acronym is None:
            continue
        for token in doc[f.end:]:
            if token.text == acronym and token.i not in covered:
                extra.append(Found(token.i, token.i + 1, "ORG" if f.label == "PERSON" else f.label))
                covered.add(token.i)
    return extra


def acronym_pairs(doc: Doc, spans: list[Found], tokens: list[list[str]]):
    """The acronym names the organisation it follows in brackets."""
    acronyms: dict[str, int] = {}
    for i, f in enumerate(spans):
        acronym = defined_acronym(doc, f)
        if acronym is not None:
            acronyms.setdefault(acronym, i)
    for i, f in enumerate(spans):
        text = doc[f.start:f.end].text
        if text in acronyms and acronyms[text] != i:
            yield i, acronyms[text]


def alias_pairs(doc: Doc, spans: list[Found]):
    """'X – also known as Y': two names of one referent."""
    for i in range(len(spans) - 1):
        a, b = spans[i], spans[i + 1]
        between = doc[a.end:b.start].text
        if 0 < len(between) <= 40 and ALIAS_BETWEEN.match(between):
            yield i, i + 1


def shorter_org_pairs(spans: list[Found], tokens: list[list[str]]):
    """'the Coast Brigade' after 'the Chilean Coast Brigade': the nearest earlier longer
    organisation name with the same head word and every word of the shorter one."""
    for i, f in enumerate(spans):
        if f.label != "ORG" or not tokens[i]:
            continue
        words = set(tokens[i])
        for j in range(i - 1, -1, -1):
            if (spans[j].label == "ORG" and len(tokens[j]) > len(tokens[i]) and words <= set(tokens[j])
                    and tokens[j][-1] == tokens[i][-1]):
                yield i, j
                break
