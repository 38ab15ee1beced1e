"""Canonical entities across documents: one entity for every spelling of one referent.

Each document's local entities (see mentions.local_groups) are joined when their full names are
the same (without a person's titles, a company's legal words, a place's designators such as
'Autonomous Region'; a country under any of its names), when person names differ only as romanisations do (Tkachenko/Tkatchenko, Oleksandr/
Olexandr Ivanov) or by a nickname (Joe/Joseph), never by another given name (Bill and Hillary
Clinton are two people), when a surname alone fits exactly one full name in the corpus (of the
gender its title gives: 'Mrs. Roe'), when organisation
names share their country and their other words (Chilean/Chile's Defence/Defense Ministry),
when place names are romanisation variants (Tarnow/Tarnov), and when an acronym or abbreviation
written alone fits exactly one body or place written out elsewhere. Types are voted over the
corpus, with evidence: a one-word "person" that is tagged as a place elsewhere is a place; a
one-word "organisation" that is a known person's surname is that person.

Each entity keeps the blocking keys of its members (`blocking_keys`), so that a later run links
only the entities its new documents could touch (link/incremental.py).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from newsfacts.unionfind import DisjointSets
from newsfacts.extract.names import (CORPORATE_WORDS, COUNTRY_OF, HONORIFICS, QUOTE_CHARS, TITLES, clean_name,
                                     consonants, gender_of_words, given_name_gender, initials, is_acronym,
                                     name_tokens, person_tokens, romanised, same_given_name, same_middle_names,
                                     split_places)
from newsfacts.records import Entity, EntityLink, EntityMention

SURNAME_MATCH = 85
PLACE_MATCH = 85
DOMINANT_PERSON = 3  # a surname alone is the person of that surname named in 3 times as many documents
PLACE_MATCH_SAME_CONSONANTS = 75
WORD_MATCH = 80
PREFIX_MIN = 4
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})
# Words that make a place's formal name from its name: 'Tarn Autonomous Region' is Tarn.
PLACE_DESIGNATORS = frozenset({"autonomous", "region", "province", "prefecture", "governorate", "oblast", "krai"})
ABBREVIATION_MIN = 3  # letters of an abbreviated place name ('Tarn.' for Tarnland)


@dataclass
class LocalEntity:
    doc_id: str
    key: str
    labels: Counter = field(default_factory=Counter)
    name_labels: Counter = field(default_factory=Counter)  # labels of the mentions that write the full name
    forms: Counter = field(default_factory=Counter)  # surface text -> mentions
    tokens: list[str] = field(default_factory=list)
    entity_type: str = ""


def link_entities(mentions: list[EntityMention]) -> tuple[list[Entity], list[EntityLink]]:
    entities, links, _ = link_locals(local_entities(mentions))
    return entities, links


@dataclass
class Spelling:
    """Local entities written alike (same key, spellings and labels: syndicated copies of one story),
    standing for all of them: every rule treats them alike, and joins them. `local` is the one of the
    first document (its counts in the order that document wrote them: votes that tie break alike),
    `documents` how many documents write it so."""
    local: LocalEntity
    documents: int


def spelling_id(e: LocalEntity) -> str:
    """The same for every local entity written alike (see same_locals)."""
    return id_of_written(written(e))


@functools.lru_cache(maxsize=1 << 16)  # a run asks for a local entity's spelling a few times, copies' too
def id_of_written(spelling: tuple) -> str:
    return hashlib.sha1(repr(spelling).encode()).hexdigest()[:16]


def written(e: LocalEntity) -> tuple:
    return (e.key, tuple(sorted(e.forms.items())), tuple(sorted(e.labels.items())),
            tuple(sorted(e.name_labels.items())))


def link_locals(locals_: list[LocalEntity]) -> tuple[list[Entity], list[EntityLink], list[tuple[str, str]]]:
    """Entities, links, and (entity_id, blocking key) rows: the keys by which a later run finds
    the entities its new local entities could join (see incremental.py)."""
    # One order whatever order they come in: votes that tie then break alike in a full and an incremental link.
    copies = same_locals(sorted(locals_, key=lambda e: (e.doc_id, e.key)))
    entities, entity_of, keys = link_spellings([Spelling(group[0], len(group)) for group in copies])
    documents: dict[str, set[str]] = defaultdict(set)
    for group, entity_id in zip(copies, entity_of):
        documents[entity_id].update(e.doc_id for e in group)
    entities = [dataclasses.replace(e, document_count=len(documents[e.entity_id])) for e in entities]
    links = [EntityLink(e.doc_id, e.key, entity_id) for group, entity_id in zip(copies, entity_of) for e in group]
    return entities, links, keys


def link_spellings(spellings: list[Spelling]) -> tuple[list[Entity], list[str], list[tuple[str, str]]]:
    """Entities, the entity of each spelling, and (entity_id, blocking key) rows. An entity's
    document_count is the sum of its spellings' (a document writing two of them counts twice: the
    caller, who knows the documents, counts them once)."""
    ordered = sorted(range(len(spellings)), key=lambda i: (spellings[i].local.doc_id, spellings[i].local.key))
    firsts = [spellings[i].local for i in ordered]
    counts = [spellings[i].documents for i in ordered]
    correct_types(firsts, counts)
    entities, keys = [], []
    entity_of = [""] * len(spellings)
    for members in unique_ids(firsts, counts, cluster(firsts, counts)):
        entity = make_entity([firsts[i] for i in members], [counts[i] for i in members])
        entities.append(entity)
        for i in members:
            entity_of[ordered[i]] = entity.entity_id
        keys.extend((entity.entity_id, key) for key in set().union(*(blocking_keys(firsts[i]) for i in members)))
    return entities, entity_of, keys


def same_locals(locals_: list[LocalEntity]) -> list[list[LocalEntity]]:
    """Local entities grouped by how they are written, in order of their first."""
    groups: dict[tuple, list[LocalEntity]] = {}
    for e in locals_:
        groups.setdefault(written(e), []).append(e)
    return list(groups.values())


def unique_ids(firsts: list[LocalEntity], counts: list[int], clusters: list[list[int]]) -> list[list[int]]:
    """Clusters whose canonical entity comes out the same (type and name) are one entity.

    The id is derived from type and canonical name, so two clusters that would share it
    ("Dr. Kim" alone in one document and "Kim" in another) are joined, never published twice.
    `counts`: how many local entities each spelling of a cluster stands for.
    """
    while True:  # a joined cluster may vote a new type or name, so join until ids settle
        by_id: dict[str, list[int]] = {}
        for members in clusters:
            entity = make_entity([firsts[i] for i in members], [counts[i] for i in members])
            by_id.setdefault(entity.entity_id, []).extend(members)
        if len(by_id) == len(clusters):
            return clusters
        clusters = list(by_id.values())


def local_entities(mentions: list[EntityMention]) -> list[LocalEntity]:
    by_key: dict[tuple[str, str], LocalEntity] = {}
    mentions_of: dict[tuple[str, str], list[EntityMention]] = defaultdict(list)
    for m in mentions:
        mentions_of[(m.doc_id, m.local_key)].append(m)
        local = by_key.setdefault((m.doc_id, m.local_key), LocalEntity(m.doc_id, m.local_key))
        local.labels[m.label] += 1
        local.forms[m.text] += 1
    for local in by_key.values():
        # The label given to the full name decides: the model tags 'Ana Ruiz' a person and often
        # 'Ruiz' alone an organisation.
        full = max(word_count(form) for form in local.forms)
        for m in mentions_of[(local.doc_id, local.key)]:
            if word_count(m.text) == full:
                local.name_labels[m.label] += 1
        typed(local)
    return list(by_key.values())


def typed(local: LocalEntity) -> LocalEntity:
    """The local entity with the type its full name's labels give, and its name's words."""
    local.entity_type = local.name_labels.most_common(1)[0][0]
    local.tokens = person_tokens(local.key) if local.entity_type == "PERSON" else name_tokens(local.key)
    return local


@functools.lru_cache(maxsize=65536)  # a spelling recurs in every document that writes it
def word_count(form: str) -> int:
    return len(name_tokens(form))


def name_keys(e: LocalEntity) -> set[str]:
    """The spellings of a local entity's full name, as keys: its key and the forms with as many
    words (a surname or acronym of it may name someone else elsewhere), without titles; a country
    by its name ('U.S.', 'America' -> 'united states'); a place without its designators."""
    keys = set()
    for text in {e.key, *e.forms}:
        words = person_tokens(text) if e.entity_type == "PERSON" else name_tokens(text)
        if not words or (text != e.key and len(words) < len(e.tokens)):
            continue
        name = " ".join(words)
        if e.entity_type in PLACE_TYPES:
            name = COUNTRY_OF.get(name, COUNTRY_OF.get(name.replace(" ", ""), name))
            name = " ".join(w for w in name.split() if w not in PLACE_DESIGNATORS) or name
        elif e.entity_type == "ORG":
            words = name.split()
            while len(words) > 1 and words[-1] in CORPORATE_WORDS:
                words.pop()
            name = " ".join(words)
        keys.add(name)
    return keys


def correct_types(locals_: list[LocalEntity], copies: list[int] | None = None) -> None:
    """The small model's confusions, fixed with evidence from the whole corpus. `copies`: how many
    local entities each one stands for (one each by default)."""
    place_names = {clean_name(form) for e in locals_ for form in e.forms if e.labels.keys() & PLACE_TYPES}
    votes: dict[str, Counter] = defaultdict(Counter)
    for e, count in zip(locals_, copies or [1] * len(locals_)):
        votes[e.key].update({label: n * count for label, n in e.name_labels.items()})
    surnames = {romanised(e.tokens[-1]) for e in locals_ if e.entity_type == "PERSON" and len(e.tokens) >= 2}
    given = {romanised(t) for e in locals_ if e.entity_type == "PERSON" and len(e.tokens) >= 2 for t in e.tokens[:-1]}
    for e in locals_:
        e.entity_type = votes[e.key].most_common(1)[0][0]
        if len(e.tokens) != 1:
            continue
        word = romanised(e.tokens[0])
        if e.entity_type == "PERSON" and word not in given and word not in surnames:
            if e.key in place_names or any(similar_place(e.key, p) for p in place_names):
                e.entity_type = "GPE"
        elif e.entity_type not in PLACE_TYPES | {"PERSON"} and word not in given:
            if any(fuzz.ratio(word, s) >= SURNAME_MATCH for s in surnames):
                e.entity_type = "PERSON"


def cluster(locals_: list[LocalEntity], copies: list[int] | None = None) -> list[list[int]]:
    """Groups of local entities that name one referent. `copies`: how many documents write each one
    alike (one each by default)."""
    copies = copies or [1] * len(locals_)
    sets = DisjointSets(len(locals_))
    union, find = sets.union, sets.find
    by_name: dict[tuple[str, str], int] = {}
    titled: dict[str, set[str]] = defaultdict(set)  # a surname alone -> the genders its titles give
    for e in locals_:
        if e.entity_type == "PERSON" and len(e.tokens) == 1 and written_gender(e):
            titled[e.tokens[0]].add(written_gender(e))
    for i, e in enumerate(locals_):
        kind = "place" if e.entity_type in PLACE_TYPES else "name"
        if e.entity_type == "PERSON" and len(e.tokens) == 1:  # 'Mr. Roe' and 'Mrs. Roe' are two people;
            genders = titled[e.tokens[0]]  # 'Roe' is either, when the corpus writes one of them
            gender = written_gender(e) or (next(iter(genders)) if len(genders) == 1 else "")
            kind = f"surname:{gender}"
        for name in name_keys(e):
            if (kind, name) in by_name:
                union(i, by_name[(kind, name)])
            else:
                by_name[(kind, name)] = i
    people = [i for i, e in enumerate(locals_) if e.entity_type == "PERSON" and e.tokens]
    full = [i for i in people if len(locals_[i].tokens) >= 2]

    def surname_initial(i: int) -> str:  # variants of one surname begin alike once romanised
        return romanised(locals_[i].tokens[-1])[:1]

    union_where(sets, full, lambda a, b: same_person(locals_[a].tokens, locals_[b].tokens),
                lambda i: [surname_initial(i)])
    full_by_initial: dict[str, list[int]] = defaultdict(list)
    for j in full:
        full_by_initial[surname_initial(j)].append(j)
    genders = root_genders(locals_, full, find)
    for i in people:
        if len(locals_[i].tokens) == 1:
            roots = {find(j) for j in full_by_initial[surname_initial(i)]
                     if surname_fits(locals_[i].tokens[0], locals_[j].tokens)}
            roots = of_gender(roots, written_gender(locals_[i]), genders)
            if len(roots) > 1:
                roots = best_known(roots, people, find, copies)
            if len(roots) == 1:
                union(i, roots.pop())
    orgs = [i for i, e in enumerate(locals_) if e.entity_type == "ORG" and len(e.tokens) >= 2]
    parts = {i: split_places(locals_[i].tokens) for i in orgs}
    union_where(sets, orgs, lambda a, b: same_organisation(parts[a], parts[b]),
                lambda i: organisation_blocks(*parts[i]))
    places = [i for i, e in enumerate(locals_) if e.entity_type in PLACE_TYPES and len(e.tokens) == 1]
    union_where(sets, places, lambda a, b: similar_place(locals_[a].key, locals_[b].key),
                lambda i: [locals_[i].key[:1]])
    join_short_forms(locals_, sets)
    return sets.groups()


def join_short_forms(locals_: list[LocalEntity], sets: DisjointSets) -> None:
    """A document that writes only a short form names the one body or place of the corpus that
    another document writes in full with that short form ('the Brigade' and 'the Tarn Brigade',
    'WHA' and 'the World Hiking Association (WHA)'); an acronym else the one body whose initials
    it is, an abbreviation ('Tarn.') the one place it begins. Never when two fit."""
    find = sets.find
    written: dict[str, set[int]] = defaultdict(set)  # short form -> local entities with a longer name
    by_initials: dict[tuple[str, str], set[int]] = defaultdict(set)
    for j, other in enumerate(locals_):
        if len(other.tokens) >= 2 and other.entity_type not in ("PERSON", "NORP"):
            for form in other.forms:
                written[clean_name(form)].add(j)
            full = display_name(max(other.forms, key=len)).split()
            by_initials[(other.entity_type, initials(full))].add(j)
    places = [j for j, other in enumerate(locals_) if other.entity_type in PLACE_TYPES and len(other.tokens) == 1]
    for i, e in enumerate(locals_):
        if len(e.tokens) != 1 or e.entity_type in ("PERSON", "NORP"):
            continue
        form = max(e.forms, key=e.forms.get).strip(QUOTE_CHARS + " ")
        fits = {find(j) for j in written.get(e.key, ())}
        if not fits and is_acronym(form):
            fits = {find(j) for j in by_initials.get((e.entity_type, form.replace(".", "")), ())}
        elif not fits and form.endswith(".") and form[:-1].isalpha() and len(form) > ABBREVIATION_MIN:
            stem = form[:-1].lower()
            fits = {find(j) for j in places if locals_[j].key.startswith(stem) and locals_[j].key != stem}
        fits.discard(find(i))
        if len(fits) == 1:
            sets.union(i, fits.pop())


def union_where(sets: DisjointSets, members: list[int], same, blocks) -> None:
    """Join the pairs of members that `same` says name one referent. Only members that share a
    blocking key (`blocks(i)`: keys every match of i shares) are compared, not all pairs of the corpus."""
    by_key: dict = defaultdict(list)
    for i in members:
        for key in set(blocks(i)):
            by_key[key].append(i)
    compared: set[tuple[int, int]] = set()
    for group in by_key.values():
        for a, b in itertools.combinations(group, 2):
            if (a, b) not in compared:
                compared.add((a, b))
                if same(a, b):
                    sets.union(a, b)


def same_person(a: list[str], b: list[str]) -> bool:
    """Full names of one person: surnames alike once romanised, one given name (or its nickname, its
    initial, another romanisation of it) and no two different middle names. Two given names are two
    people of one family (Bill and Hillary Clinton), never one."""
    if fuzz.ratio(romanised(a[-1]), romanised(b[-1])) < SURNAME_MATCH:
        return False
    return same_given_name(a[0], b[0]) and same_middle_names(a[1:-1], b[1:-1])


def best_known(roots: set[int], people: list[int], find, copies: list[int]) -> set[int]:
    """Of several people a surname alone may be, the one the corpus names in far more documents than
    any other ('Roe' in a report that names no Roe in full is the Roe of most reports); else all."""
    documents: Counter = Counter()
    for j in people:
        if find(j) in roots:
            documents[find(j)] += copies[j]
    ranked = sorted(roots, key=lambda r: (-documents[r], r))
    if documents[ranked[0]] >= DOMINANT_PERSON * documents[ranked[1]]:
        return {ranked[0]}
    return roots


def written_gender(e: LocalEntity) -> str | None:
    """'f' or 'm' when the local entity's forms carry gendered titles of one gender only ('Mrs. Roe')."""
    return gender_of_words({w.strip(".").lower() for form in e.forms for w in form.split()[:-1]})


def root_genders(locals_: list[LocalEntity], full: list[int], find) -> dict[int, set[str]]:
    """The genders each person's titles give, or else the given name (names.given_name_gender)."""
    genders: dict[int, set[str]] = defaultdict(set)
    for j in full:
        gender = written_gender(locals_[j]) or given_name_gender(locals_[j].tokens[0])
        if gender is not None:
            genders[find(j)].add(gender)
    return genders


def of_gender(roots: set[int], gender: str | None, genders: dict[int, set[str]]) -> set[int]:
    """The people a surname form may be, among `roots`, when its title gives a gender: 'Mr. Roe' is
    none of the women named Roe, and of several others, the one written 'Mr.' too if only one is."""
    if gender is None:
        return roots
    fitting = {r for r in roots if genders.get(r, set()) != {other(gender)}}
    if len(fitting) > 1:
        fitting = {r for r in fitting if genders.get(r) == {gender}} or fitting
    return fitting


def other(gender: str) -> str:
    return "m" if gender == "f" else "f"


def surname_fits(word: str, full: list[str]) -> bool:
    return fuzz.ratio(romanised(word), romanised(full[-1])) >= SURNAME_MATCH


def same_organisation(a: tuple[frozenset[str], list[str]], b: tuple[frozenset[str], list[str]]) -> bool:
    """Same countries, and the other words of one all found among the other's (one extra word
    allowed: 'Chilean State Electoral Commission'). a and b: (countries, other words), see split_places."""
    places_a, rest_a = a
    places_b, rest_b = b
    if places_a != places_b or not rest_a or not rest_b:
        return False
    short, long_ = sorted((rest_a, rest_b), key=len)
    if len(long_) - len(short) > 1 or (len(long_) > len(short) and len(short) < 2):
        return False
    unmatched = list(long_)
    for word in short:
        match = next((w for w in unmatched if same_word(word, w)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def organisation_blocks(places: frozenset[str], rest: list[str]) -> list[tuple]:
    """Keys every organisation same_organisation may join with this one shares: its countries and its other
    words' first letters (same_word never matches words that begin differently), all of them (a name of as
    many words) or all but one (a name of one word more or less)."""
    letters = "".join(sorted(word[:1] for word in rest))
    return [(places, letters)] + [(places, letters[:i] + letters[i + 1:]) for i in range(len(letters))]


def same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= PREFIX_MIN and (a.startswith(b) or b.startswith(a)):
        return True
    return fuzz.ratio(a, b) >= WORD_MATCH and a[0] == b[0]


def similar_place(a: str, b: str) -> bool:
    """Romanisation variants of one place name (letters swapped, y for i, w for v)."""
    if a == b:
        return True
    if " " in a or " " in b or abs(len(a) - len(b)) > 1 or a[:1] != b[:1]:
        return False
    ra, rb = romanised(a), romanised(b)
    score = fuzz.ratio(ra, rb)
    return score >= PLACE_MATCH or (score >= PLACE_MATCH_SAME_CONSONANTS and consonants(a) == consonants(b))


def make_entity(members: list[LocalEntity], counts: list[int] | None = None) -> Entity:
    """`counts`: how many local entities each member stands for (one each by default); document_count
    counts each member's documents once (see link_spellings)."""
    weighted = counts is not None
    counts = counts if weighted else [1] * len(members)
    types = Counter()
    forms: Counter = Counter()
    # ties break alike whatever the members' order
    for e, count in sorted(zip(members, counts), key=lambda pair: (pair[0].doc_id, pair[0].key)):
        types[e.entity_type] += sum(e.labels.values()) * count
        for form, n in e.forms.items():
            forms[form] += n * count
    entity_type = types.most_common(1)[0][0]
    canonical = canonical_name(forms, person=entity_type == "PERSON")
    if entity_type == "PERSON" and len(name_tokens(canonical)) == 1:
        canonical = titled_name(forms) or canonical
    entity_id = hashlib.sha1(f"{entity_type}\x1f{canonical}".encode()).hexdigest()[:16]
    return Entity(
        entity_id=entity_id,
        canonical_name=canonical,
        entity_type=entity_type,
        surface_forms=sorted(forms),
        document_count=sum(counts) if weighted else len({e.doc_id for e in members}),
        mention_count=sum(forms.values()),
    )


def canonical_name(forms: Counter, person: bool = False) -> str:
    """The most used among the fullest spellings, without article, possessive, or a person's titles."""
    displays: Counter = Counter()
    for form, count in forms.items():
        displays[display_name(form, person)] += count
    # 'U.S.' is one word, not two
    return max(displays, key=lambda name: (len(name_tokens(name.replace(".", ""))), displays[name], -len(name), name))


def titled_name(forms: Counter) -> str | None:
    """A person known by surname only, written with titles of one gender: 'Mrs. Roe', not 'Roe' (who
    may be her husband, 'Mr. Roe', another entity)."""
    titled = Counter()
    for form, count in forms.items():
        words = form.strip(QUOTE_CHARS + " ").split()
        if len(words) == 2 and gender_of_words([words[0].rstrip(".").lower()]) is not None:
            words[1] = display_name(words[1])
            titled[" ".join(words)] += count
    genders = {gender_of_words([name.split()[0].rstrip(".").lower()]) for name in titled}
    return max(titled, key=lambda name: (titled[name], name)) if len(genders) == 1 else None


def display_name(form: str, person: bool = False) -> str:
    text = form.strip(QUOTE_CHARS + " ")
    for article in ("the ", "The "):
        if text.startswith(article):
            text = text[len(article):]
    if text.endswith(("'s", "’s")):
        text = text[:-2]
    words = text.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in (HONORIFICS | TITLES if person else HONORIFICS):
        words = words[1:]
    return " ".join(words).strip()


# ---------- blocking keys: how a later run finds the entities a new local entity could join ----------
# Every rule above that compares two local entities (or counts, over the corpus, the ones that fit)
# only compares local entities whose keys are `related`. Keys are written for every type a corpus vote
# could give a local entity, so that a vote taken differently later still finds its partners. Kinds:
# k: the local key (type votes); n: a full-name key (name_keys); s: g: a full person's surname, given
# names; o: an organisation's countries and one of its other words; q: a place-tagged spelling;
# f: a: a body's or place's spelling and initials, which a short form may be. A one-word name
# (the only kind the corpus-wide counts decide on) has its own kinds: w: its word (surname fits, type
# votes); p: its key (place variants); F: A: b: its short form, acronym, abbreviation stem.
VOTED_TYPES = ("PERSON", "ORG", "GPE")
ONE_WORD_KINDS = ("w:", "p:", "F:", "A:", "b:")


def blocking_keys(e: LocalEntity) -> set[str]:
    """The keys of a local entity: computed once for every local entity written alike (the same key, forms and
    labels in the same order, type and words), as copies of a story and a spelling linked again are. The set
    returned is shared: read it, never change it."""
    return keys_of_written(e.key, tuple(e.forms.items()), tuple(e.labels.items()), e.entity_type, tuple(e.tokens))


@functools.lru_cache(maxsize=1 << 16)
def keys_of_written(key: str, forms: tuple, labels: tuple, entity_type: str, tokens: tuple) -> set[str]:
    return computed_keys(LocalEntity("", key, Counter(dict(labels)), Counter(), Counter(dict(forms)), list(tokens),
                                     entity_type))


def computed_keys(e: LocalEntity) -> set[str]:
    keys = {f"k:{e.key}"}
    for entity_type in {e.entity_type, *VOTED_TYPES}:
        keys |= {f"n:{name}" for name in name_keys(as_type(e, entity_type))}
    person, words = person_tokens(e.key), name_tokens(e.key)
    if len(person) >= 2 and (e.entity_type == "PERSON" or "PERSON" in e.labels):
        keys.add(f"s:{romanised(person[-1])}")
        keys |= {f"g:{romanised(t)}" for t in person[:-1]}
    for single in {tuple(person), tuple(words)}:
        if len(single) == 1:
            keys |= {f"w:{romanised(single[0])}", f"p:{e.key}", f"F:{e.key}"}
    if len(words) >= 2:
        if e.entity_type == "ORG" or "ORG" in e.labels:
            countries, rest = split_places(words)
            keys |= {f"o:{place_set(countries)}:{word}" for word in rest}
        if (e.labels.keys() | {e.entity_type}) - {"PERSON", "NORP"}:  # a body or place a short form may name
            keys |= {f"f:{clean_name(form)}" for form in e.forms}
            letters = initials(display_name(max(e.forms, key=len)).split())
            if len(letters) >= 2:  # what an acronym can be
                keys.add(f"a:{letters}")
    if e.labels.keys() & PLACE_TYPES:
        keys |= {f"q:{clean_name(form)}" for form in e.forms}
    form = max(e.forms, key=e.forms.get).strip(QUOTE_CHARS + " ")
    if is_acronym(form):
        keys.add(f"A:{form.replace('.', '')}")
    if form.endswith(".") and form[:-1].isalpha() and len(form) > ABBREVIATION_MIN:
        keys.add(f"b:{form[:-1].lower()}")
    return keys


def as_type(e: LocalEntity, entity_type: str) -> LocalEntity:
    if entity_type == e.entity_type:
        return e
    tokens = person_tokens(e.key) if entity_type == "PERSON" else name_tokens(e.key)
    return LocalEntity(e.doc_id, e.key, e.labels, e.name_labels, e.forms, tokens, entity_type)


def place_set(countries: frozenset[str]) -> str:
    return "|".join(sorted(countries))


@dataclass(frozen=True)
class Similar:
    """A test `related` asks of every key of a kind: fuzz.ratio to value at least cutoff (run in bulk)."""
    value: str
    cutoff: int


@dataclass(frozen=True)
class PlaceLike:
    """A test `related` asks of the keys beginning with a place's first letter: similar_place to the place, which
    only keys of about its length pass (`lengths`: of the rest after that first letter)."""
    value: str

    def __call__(self, rest: str) -> bool:
        return similar_place(self.value, self.value[:1] + rest)

    @property
    def lengths(self) -> range:
        return range(max(len(self.value) - 2, 0), len(self.value) + 1)  # similar_place: lengths 1 apart at most


def related(key: str) -> tuple[set[str], list[tuple[str, object]]]:
    """The stored keys a local entity with `key` may meet in a rule: (keys to match exactly,
    [(prefix, test)]: keys beginning with prefix whose rest passes test)."""
    kind, value = key[:2], key[2:]
    if kind in ("s:", "w:"):  # same person; a surname alone that fits; a one-word name that is a surname
        exact = {f"g:{value}"} if kind == "w:" else set()
        return exact, [("s:", Similar(value, SURNAME_MATCH))] + ([("w:", Similar(value, SURNAME_MATCH))]
                                                                 if kind == "s:" else [])
    if kind == "g:":  # a one-word name that is someone's given name keeps its type
        return {f"w:{value}"}, []
    if kind == "o:":
        places, word = value.rsplit(":", 1)
        return set(), [(f"o:{places}:{word[:1]}", lambda other: same_word(word, word[:1] + other))]
    if kind == "p:":
        stems = {f"b:{value[:k]}" for k in range(ABBREVIATION_MIN, len(value))}
        return stems, [(f"{prefix}{value[:1]}", PlaceLike(value)) for prefix in ("p:", "q:")]
    if kind == "q:":
        return set(), [(f"p:{value[:1]}", PlaceLike(value))]
    if kind == "b:":
        return set(), [(f"p:{value}", lambda other: other != "")]
    if kind in ("f:", "F:", "a:", "A:"):  # a short form and the spelling in full it may be
        return {kind.swapcase() + value}, []
    return {key}, []
