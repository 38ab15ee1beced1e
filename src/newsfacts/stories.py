"""Stories: documents that report the same news event, from any outlet.

A document's story features are the content words of its title and body, the names it mentions
(people, organisations, places, events), and its headline's and its lead's words and names once more (a
headline and a lead say which event a report is about; the tail repeats background), with its publication
date. Two documents report one event when they were published within a few days of each other, share a
name, say enough of the same rare things, and are not each mainly about a place (or a person, an
organisation) the other never names, or names only in passing, below its headline and lead (a report of a
player's arrest that recalls a teammate's arrest last month): the words alone would put two earthquakes in
one story, the names tell Peru from Turkey. What a document is mainly about is the name its headline says,
else one its lead says, that it names most often: not an expert quoted at length further down.

Candidates come from MinHash locality-sensitive hashing (datasketch), plus the documents whose headlines
say one of the same names (blocking): a new document is compared with a few stored documents, never
with the whole corpus. Assignment is incremental: a document keeps its story for good; a new one joins
the story of its most similar matching document when it is also alike, on average, to the few reports of
that story most alike to it (average linkage: one report's background is no bridge to another event), or
starts a story whose id derives from it. Once a run's documents are assigned, two decisions weigh whole stories
of that run: a story holding two events of one kind, linked by a few reports that name the other event's
protagonist up front, is cut in two (split_story); a report left alone joins the story it is near throughout
(attach_lone_reports).

Dates are evidence as rare words are: two reports published within CLOSE_DAYS of each other need less in
common, the less the fewer other documents those days have (a quiet stretch's two reports of one vote, one
a wire report and one an editorial, share a few rare names; on a busy day many reports share as much by
chance). A report weeks after an earlier one about the same people and places (a trial after a shooting)
starts a story of its own that names the earlier story (`related_story_id`). Every new document records
what it matched and on what (StoryMatch: the earlier member, the score, the names and words both say,
the days between them), published as story_matches. A new document is compared with at most
MAX_CANDIDATES stored ones, however large the corpus grows.
"""
from __future__ import annotations

import functools
import heapq
import math
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from spacy.lang.en.stop_words import STOP_WORDS

from newsfacts import schemas
from newsfacts.extract.names import COUNTRY_OF, name_tokens
from newsfacts.records import CleanedDocument, EntityMention

# MinHash LSH banding: 128 bands of 2 hashes each. Two documents become candidates when one band
# agrees: likely for reports of one event (which share a tenth to a half of their words and names:
# P = 0.72 at Jaccard 0.10, 0.95 at 0.15), rare for unrelated documents (P < 0.001 at Jaccard 0.002),
# so a new document meets a handful of stored ones, not the corpus.
NUM_PERM = 256
MINHASH_SCHEME = "affine32"  # named, so that stored signatures are read back with the hashing that made them
LSH_BANDS = (128, 2)
# A candidate reports the same event when the rarity-weighted share of what the two documents say
# in common reaches this, and they share a few names.
MIN_SIMILARITY = 0.125
# Reports dated within CLOSE_DAYS of each other need only this much (see required_similarity).
CLOSE_DAYS = 2
CLOSE_SIMILARITY = 0.08
# Two reports mainly about the same name (see same_main_name) need this share of the bar: a short undated
# report of a player's arrest and a longer one with his career's background share few words, but both are
# about him.
SAME_MAIN_DISCOUNT = 0.8
BUSY_DAYS = 40  # documents within CLOSE_DAYS of a day from which its date says nothing more (MIN_SIMILARITY)
MIN_SHARED_NAMES = 1
# A document joins a story when its average similarity to the story's LINKAGE_SUPPORT reports most alike
# to it reaches the bar (each pair's own, see required_similarity) (among the story's reports of its days, the MAX_LINKED_MEMBERS nearest in time:
# a long-running story is compared by its recent reports).
LINKAGE_SUPPORT = 3
MAX_LINKED_MEMBERS = 20
# Inverse document frequencies are smoothed as if this many documents that share none of the words
# had been seen: in a small corpus all about one event, that event's words are still informative.
PSEUDO_DOCUMENTS = 50
WINDOW_DAYS = 7
# A report published after WINDOW_DAYS about the same people and places, this alike to an earlier one, follows
# its event up (a trial after a shooting): it starts a story of its own, related to the earlier one.
FOLLOW_UP_SIMILARITY = 0.08
FOLLOW_UP_DAYS = 120  # an earlier report older than this is no candidate at all
# A new document is compared with at most this many stored ones (the likeliest, see nearest_candidates).
MAX_CANDIDATES = 40
# Once a run's documents are assigned, a story it started that holds two events of one kind (a report of one
# player's injury that names his injured teammate up front links the two) is cut in two: its reports fall into
# two groups (average linkage) each of at least SPLIT_MIN_MEMBERS, far less alike across (mean strength below
# SPLIT_CROSS_STRENGTH of the bar) than a story's reports, each group mainly about names the other's reports
# are not (see subjects). A story of more than SPLIT_MAX_MEMBERS is not checked (its pairs would be many).
SPLIT_MIN_MEMBERS = 3
SPLIT_CROSS_STRENGTH = 0.7
SPLIT_MAX_MEMBERS = 200
SUBJECT_SHARE = 1 / 3  # a group's subjects: the main names of at least this share of its reports
STRENGTH_CAP = 3.0  # a pair this far above the bar is as surely one event as any (the bisection's scale)
# A report this run left alone joins the story each of whose LINKAGE_SUPPORT reports closest to it it is at
# least this share of the bar near (see attach_lone_reports).
ATTACH_STRENGTH = 0.6
MAX_EXPLAINED = 8  # names and words listed as what two matched documents share
# A report's lead (its first LEAD_WORDS content words) says what happened; its tail repeats background (a
# profile of the people in it, earlier events) that reports of other events repeat too. The lead's words and
# names count again as lead features ("l:quake", "l:n:peru"), so what two leads say in common weighs double.
LEAD_WORDS = 50
LEAD = "l:"
MIN_WORD_LENGTH = 3
MAX_WORDS = 400  # the lead of a long article says what it is about; its tail adds noise
# A report's headline says which event it is about: its words and the names it says count again as
# headline features ("t:quake", "t:n:peru", stored among the words), so shared headlines weigh double.
HEADLINE = "t:"
# Documents whose headlines say the same name are candidates too (blocking), besides LSH's: LSH misses
# some pairs just above MIN_SIMILARITY (P = 0.28 at Jaccard 0.10). A name in more stored headlines than
# this is purged from the blocks (a president, a country): its block would approach the corpus.
MAX_HEADLINE_BLOCK = 100
MIN_MAIN_MENTIONS = 2  # the place (person, organisation) named most often, this often at least, is the story's
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"})
PLACE_LABELS = frozenset({"GPE", "LOC"})
ACTOR_LABELS = frozenset({"PERSON", "ORG"})
POSSESSIVE = re.compile(r"'s$")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass
class StoryMatch:
    """Why a document was put where it is: the earlier document it matched, and on what."""

    matched_doc_id: str
    score: float  # rarity-weighted similarity of the two
    shared_names: list[str]  # names both say, rarest first
    shared_words: list[str]  # content words both say, rarest first
    days_apart: int | None  # None when either is undated


@dataclass
class StoryDocument:
    """What a document says, as far as grouping it into a story needs."""

    doc_id: str
    published_date: date | None
    title: str | None
    words: frozenset[str]
    names: frozenset[str]  # "n:<folded name>" of people, organisations, places; a person also by surname
    main_place: str | None = None  # the place it names most often (at least MIN_MAIN_MENTIONS times)
    main_actor: str | None = None  # the person or organisation it names most often
    story_id: str | None = None
    minhash: list[int] | numpy.ndarray | None = None  # its MinHash signature, kept so later runs need not recompute it
    match: StoryMatch | None = None  # why it joined its story (None: it started it)
    related_story_id: str | None = None  # the earlier story it follows up, when it started a story

    @cached_property
    def features(self) -> frozenset[str]:
        return self.words | self.names

    # computed once: every pair a document is weighed in asks (its words are never changed)
    @cached_property
    def headline(self) -> frozenset[str]:
        return frozenset(w for w in self.words if w.startswith(HEADLINE))

    @cached_property
    def headline_names(self) -> frozenset[str]:
        return frozenset(w for w in self.words if w.startswith(HEADLINE + "n:"))

    @cached_property
    def said(self) -> dict:
        """What mentions_name and said_up_front found of a name in it: pairs ask of the same few names often."""
        return {}

    @cached_property
    def hashed(self) -> MinHash:
        """Its signature as a MinHash (made once: candidates, prefetching and the index each ask)."""
        return minhash_of(self.minhash)


def content_word_spans(text: str, limit: int = MAX_WORDS) -> list[tuple[str, int]]:
    """(lower-cased word, where it ends) of the text's first `limit` words that carry content (no stop
    words, no short words)."""
    words = []
    for match in WORD.finditer(text):
        if (word := content_word(match.group())) is not None:
            words.append((word, match.end()))
            if len(words) >= limit:
                break
    return words


@functools.lru_cache(maxsize=1 << 17)  # a word recurs in every document that says it
def content_word(written: str) -> str | None:
    """The word lower-cased, when it carries content (no stop word, no short word); else None."""
    word = POSSESSIVE.sub("", written.lower().replace("’", "'"))  # "Dakota's" says "dakota"
    return word if len(word) >= MIN_WORD_LENGTH and word not in STOP_WORDS and "'" not in word else None


def content_words(text: str, limit: int = MAX_WORDS) -> frozenset[str]:
    """Lower-cased words of the text that carry content (no stop words, no short words)."""
    return frozenset(word for word, _ in content_word_spans(text, limit))


def lead_end(body: str) -> int:
    """Where the lead ends: the first LEAD_WORDS content words of the body, which say what it reports."""
    spans = content_word_spans(body, LEAD_WORDS)
    return spans[-1][1] if spans else 0


def name_key(mention: EntityMention) -> str | None:
    return folded_name(mention.text)


@functools.lru_cache(maxsize=1 << 16)  # a name recurs in every document that says it
def folded_name(text: str) -> str | None:
    tokens = name_tokens(text)
    if not tokens:
        return None
    full = " ".join(tokens)
    return COUNTRY_OF.get(full, full)


def name_features(mentions: list[EntityMention], title_words: frozenset[str] = frozenset(),
                  lead_end_at: int | None = None) -> tuple[frozenset[str], str | None, str | None]:
    """(folded names the document mentions, the place and the actor it names most often among those its
    headline or lead says: a report is about what it says first, not about an expert quoted further down)."""
    named = [(mention, key) for mention in mentions
             if mention.label in NAME_LABELS and (key := name_key(mention)) is not None]
    names = {sys.intern(f"n:{key}") for _, key in named}
    names |= {sys.intern(f"n:{key.rsplit(' ', 1)[-1]}") for mention, key in named
              if mention.label == "PERSON" and " " in key}
    # "Pollard" after "Grace Pollard" is the same one, whatever label the tagger gave each mention
    fuller = {key.rsplit(" ", 1)[-1]: key for _, key in sorted(named, key=lambda item: item[1]) if " " in key}
    groups = [(fuller.get(key, key), mention) for mention, key in named]
    persons = {group for group, mention in groups if mention.label == "PERSON"}
    counts, kinds, said_first = Counter(), defaultdict(set), set()
    for group, mention in groups:
        kind = name_kind(mention.label, group)
        if group in persons and kind == "actor":
            kind = "person"  # a person's name, tagged an organisation here: still the person
        if kind is None:
            continue  # a nationality, a building, an event: never what a report is mainly about
        main = group.rsplit(" ", 1)[-1] if group in persons else group  # a person is named by surname
        counts[main] += 1
        kinds[main].add(kind)  # tagged a place here and an organisation there: the tagger cannot tell, both
        if lead_end_at is None or mention.char_start < lead_end_at or set(main.split()) <= title_words:
            said_first.add(main)
    places = Counter({main: n for main, n in counts.items() if "place" in kinds[main]})
    people = Counter({main: n for main, n in counts.items() if "person" in kinds[main]})
    actors = Counter({main: n for main, n in counts.items() if kinds[main] & {"actor", "person"}})
    # A report of a player's arrest names his team as often as him: it is about him, the team is every
    # report's background. The person named most often is the actor; else the person or organisation.
    actor = most_named(people, said_first, title_words) or most_named(actors, said_first, title_words)
    return frozenset(names), most_named(places, said_first, title_words), actor


def name_kind(label: str, key: str) -> str | None:
    if label in PLACE_LABELS or key in COUNTRY_OF.values():
        return "place"
    return "actor" if label in ACTOR_LABELS else None


def most_named(counts: Counter, said_first: set[str], title_words: frozenset[str] = frozenset()) -> str | None:
    """The name the headline says that the document names most often (MIN_MAIN_MENTIONS at least): a
    headline says whom a report is about; else the name it names most often, if its headline or lead says
    it; None when no name stands out."""
    headlined = Counter({name: n for name, n in counts.items() if set(name.split()) <= title_words})
    if (name := standing_out(headlined)) is not None:
        return name
    name = standing_out(counts)
    return name if name in said_first else None


def standing_out(counts: Counter) -> str | None:
    top = counts.most_common(2)
    if not top or top[0][1] < MIN_MAIN_MENTIONS or (len(top) > 1 and top[1][1] == top[0][1]):
        return None  # no name stands out
    return top[0][0]


def headline_features(title: str | None, names: frozenset[str]) -> frozenset[str]:
    """The headline's content words and the document's names all of whose words it says, tagged HEADLINE."""
    return tagged(HEADLINE, content_words(title or ""), names)


def lead_features(body: str, names: frozenset[str]) -> frozenset[str]:
    """The lead's content words and the document's names all of whose words it says, tagged LEAD."""
    return tagged(LEAD, content_words(body, LEAD_WORDS), names)


def tagged(part: str, words: frozenset[str], names: frozenset[str]) -> frozenset[str]:
    said = {name for name in names if set(name[2:].split()) <= words}
    # interned: every document that says the word holds one string, not its own (features wait in memory
    # from their batch to the stories step, see story_index.FeaturesAhead)
    return frozenset(sys.intern(part + feature) for feature in words | said)


def story_document(doc: CleanedDocument, mentions: list[EntityMention]) -> StoryDocument:
    # The title and the body are read for words once each: the words of "title\nbody" are the title's and
    # then the body's (no word spans the line break), the lead is the body's first LEAD_WORDS of them.
    title_spans, body_spans = content_word_spans(doc.title or ""), content_word_spans(doc.body_text)
    title_words, lead = frozenset(word for word, _ in title_spans), body_spans[:LEAD_WORDS]
    names, main_place, main_actor = name_features(mentions, title_words, lead[-1][1] if lead else 0)
    text_words = frozenset(word for word, _ in (title_spans + body_spans)[:MAX_WORDS])
    words = (text_words | tagged(HEADLINE, title_words, names)
             | tagged(LEAD, frozenset(word for word, _ in lead), names))
    return StoryDocument(doc.doc_id, doc.published_date, doc.title, words, names, main_place, main_actor)


@functools.cache
def permutations() -> numpy.ndarray:
    """The hash permutations of every signature (MinHash draws the same ones from its seed: drawn once here)."""
    return MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME).permutations


@functools.lru_cache(maxsize=1 << 18)  # a word is hashed for every document that says it: once here
def feature_hash(feature: bytes) -> int:
    """MinHash's own hash of a feature (sha1_hash32, its scheme's)."""
    return sha1_hash32(feature)


def minhash_of(hashvalues) -> MinHash:
    return MinHash(num_perm=NUM_PERM, hashvalues=hashvalues, permutations=permutations(), scheme=MINHASH_SCHEME)


def signature(doc: StoryDocument) -> MinHash:
    if doc.minhash is not None and len(doc.minhash) == NUM_PERM:
        return doc.hashed
    minhash = MinHash(num_perm=NUM_PERM, permutations=permutations(), scheme=MINHASH_SCHEME, hashfunc=feature_hash)
    minhash.update_batch([feature.encode() for feature in sorted(doc.words | doc.names)])  # (features: not kept)
    doc.minhash = minhash.hashvalues  # an array (256 ints as a list: 10 kB a document more while it waits)
    doc.hashed = minhash
    return minhash


class Rarity:
    """Inverse document frequency of features over the stored corpus (smoothed, see PSEUDO_DOCUMENTS)."""

    def __init__(self, documents: list[StoryDocument]):
        self.frequency = Counter(feature for doc in documents for feature in doc.features)
        self.total = len(documents) + PSEUDO_DOCUMENTS
        # Each feature's weight computed once, not once per pair that shares it (a run compares thousands).
        self.weights = FeatureWeights(self.total, self.frequency)
        self.per_day = Counter(doc.published_date for doc in documents if doc.published_date is not None)

    def crowd(self, day: date) -> int:
        """How many documents of the corpus were published within CLOSE_DAYS of the day."""
        if self.memo is not None:
            if (known := self.memo.get(("crowd", day))) is None:
                known = self.memo[("crowd", day)] = self.days_around(day)
            return known
        return self.days_around(day)

    def days_around(self, day: date) -> int:
        return sum(self.per_day[day + timedelta(days=offset)] for offset in range(-CLOSE_DAYS, CLOSE_DAYS + 1))

    def weight(self, feature: str) -> float:
        return self.weights[feature]

    # Within one assignment (see remember) a document's features and every weight stay as they are: each
    # document's summed weight and each pair's strength are computed once, not once per comparison.
    memo: dict | None = None

    def remember(self) -> Rarity:
        self.memo = {}
        return self

    def total_weight(self, features: frozenset[str]) -> float:
        if self.memo is None:
            return sum(map(self.weights.__getitem__, features))
        key = ("total", id(features))
        if (known := self.memo.get(key)) is None or known[1] is not features:
            known = self.memo[key] = (sum(map(self.weights.__getitem__, features)), features)
        return known[0]

    def similarity(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Rarity-weighted overlap: shared rare words count for much, shared common words for little.

        On the scale of a weighted Jaccard, and equal to it for two documents that say as much: the mean
        of the overlap's Dice (2 shared / (a + b)) and cosine (shared / sqrt(a b)) read as a Jaccard
        (J = D / (2 - D)). The cosine half forgives a long report the background a short one lacks: a
        wire brief and a long feature of one event share little of the feature's words, all of the brief's.
        """
        weight = self.weights.__getitem__
        total_a, total_b = self.total_weight(a), self.total_weight(b)
        if not total_a or not total_b:
            return 0.0
        shared = sum(map(weight, a & b))
        overlap = (2 * shared / (total_a + total_b) + shared / math.sqrt(total_a * total_b)) / 2
        return overlap / (2 - overlap)


class FeatureWeights(dict):
    """feature -> log(total / (documents with it + 0.5)), for every feature of the corpus and any other."""

    def __init__(self, total: int, frequency: Counter):
        super().__init__((feature, math.log(total / (count + 0.5))) for feature, count in frequency.items())
        self.unseen = math.log(total / 0.5)

    def __missing__(self, feature: str) -> float:
        return self.unseen


def within_window(a: date | None, b: date | None, days: int = WINDOW_DAYS) -> bool:
    return a is None or b is None or abs((a - b).days) <= days


def mentions_name(doc: StoryDocument, name: str) -> bool:
    """Whether the document names it: whole, all its words, or (a person) by the surname it ends with."""
    if (known := doc.said.get(name)) is None:
        known = doc.said[name] = f"n:{name}" in doc.names or set(name.split()) <= doc.words or (
            " " in name and f"n:{name.rsplit(' ', 1)[-1]}" in doc.names)
    return known


def headlines_apart(a: StoryDocument, b: StoryDocument) -> bool:
    """Each headline says a name the other report never names: two events about one person (her tour,
    her wedding) whose reports repeat the same background, not one event told twice."""
    return all(any(not mentions_name(other, name[len(HEADLINE) + 2:]) for name in doc.headline_names)
               for doc, other in ((a, b), (b, a)))


def said_up_front(doc: StoryDocument, name: str, parts: tuple[str, ...] = (HEADLINE, LEAD)) -> bool:
    """Whether the document's headline or lead names it (whole, all its words, or a person by surname)."""
    if (known := doc.said.get((name, parts))) is None:
        words = name.split()
        known = doc.said[(name, parts)] = any(
            f"{part}n:{name}" in doc.words or all(f"{part}{word}" in doc.words for word in words)
            or (len(words) > 1 and f"{part}n:{words[-1]}" in doc.words) for part in parts)
    return known


def said_in_headline(doc: StoryDocument, name: str) -> bool:
    """Whether the document's headline names it; its lead's first words stand for a headline it lacks."""
    return said_up_front(doc, name, (HEADLINE,) if doc.headline else (HEADLINE, LEAD))


def apart(a: str | None, b: str | None, doc_a: StoryDocument, doc_b: StoryDocument,
          up_front=said_up_front) -> bool:
    """Each document is mainly about a name (a and b) that the other does not say up front (`up_front`), and
    one of them never names the other's at all: two events of one kind, the later report recalling the
    earlier one further down ("... the second arrest of a player this month, after ..."), not one event."""
    if not a or not b or a == b or up_front(doc_b, a) or up_front(doc_a, b):
        return False
    return not mentions_name(doc_b, a) or not mentions_name(doc_a, b)


def elsewhere(a: StoryDocument, b: StoryDocument) -> bool:
    """Each is mainly about a place (or a person, an organisation) the other never names or names only in
    passing (a place below its lead, a person or organisation below its headline: where a report happened is
    in its lead, whom it is about in its headline), or each headline says a name the other never names: two
    events of one kind, such as two earthquakes or two product launches, or two events of one person (her
    tour, her wedding), not one event."""
    return (apart(a.main_place, b.main_place, a, b) or actors_apart(a, b) or headlines_apart(a, b))


def actors_apart(a: StoryDocument, b: StoryDocument) -> bool:
    """Each is mainly about a person or organisation the other does not say up front; when each headline
    says whom it is about, up front is the headline: a report that names another event's protagonist in its
    lead, not its headline, recalls that event ("the second player arrested this month, after ...")."""
    headlined = all(doc.main_actor and said_in_headline(doc, doc.main_actor) for doc in (a, b))
    return apart(a.main_actor, b.main_actor, a, b, said_in_headline if headlined else said_up_front)


def pair_similarity(a: StoryDocument, b: StoryDocument, rarity: Rarity) -> float:
    """How alike two documents are, 0 when they cannot report one event (days apart, elsewhere, no
    shared name)."""
    # the cheap tests first: a pair fails any of them alike
    if not within_window(a.published_date, b.published_date) or len(a.names & b.names) < MIN_SHARED_NAMES:
        return 0.0
    if elsewhere(a, b):
        return 0.0
    return rarity.similarity(a.features, b.features)


def required_similarity(a: StoryDocument, b: StoryDocument, rarity: Rarity) -> float:
    """How alike two reports must be to tell one event: MIN_SIMILARITY when the dates are far apart or
    unknown (what they say must tell the event alone); less when both are dated within CLOSE_DAYS, and the
    fewer other reports those days have, the less (down to CLOSE_SIMILARITY): a quiet week's two reports
    that share a few rare names are one event told from opposed angles, while on a busy day many reports
    share as much by chance. A date is evidence as a rare word is, by how few documents share it; so is
    what both are mainly about (SAME_MAIN_DISCOUNT)."""
    discount = SAME_MAIN_DISCOUNT if same_main_name(a, b) else 1.0
    if a.published_date is None or b.published_date is None or days_apart(
            a.published_date, b.published_date) > CLOSE_DAYS:
        return MIN_SIMILARITY * discount
    crowd = max(rarity.crowd(a.published_date), rarity.crowd(b.published_date))
    return discount * (CLOSE_SIMILARITY + (MIN_SIMILARITY - CLOSE_SIMILARITY) * min(1.0, crowd / BUSY_DAYS))


def same_main_name(a: StoryDocument, b: StoryDocument) -> bool:
    """Both mainly about one place, or one person or organisation: what tells two events of one kind apart
    (see elsewhere) joins two reports of one, so they need less in common (SAME_MAIN_DISCOUNT)."""
    return bool(a.main_place and a.main_place == b.main_place) or bool(a.main_actor and a.main_actor == b.main_actor)


def pair_strength(a: StoryDocument, b: StoryDocument, rarity: Rarity) -> float:
    """Their similarity as a share of what they need to report one event (>= 1: one event)."""
    if rarity.memo is None:
        return pair_similarity(a, b, rarity) / required_similarity(a, b, rarity)
    key = (id(a), id(b))  # the pair's documents are held with its strength: no other pair gets their ids
    if (known := rarity.memo.get(key)) is None or known[1] is not a or known[2] is not b:
        known = rarity.memo[key] = (pair_similarity(a, b, rarity) / required_similarity(a, b, rarity), a, b)
    return known[0]


def same_event_score(a: StoryDocument, b: StoryDocument, rarity: Rarity) -> float | None:
    """How far two documents are above the bar when they report one event (>= 1); None when they do not."""
    strength = pair_strength(a, b, rarity)
    return strength if strength >= 1 else None


def agrees_with_story(doc: StoryDocument, members: list[StoryDocument], rarity: Rarity) -> bool:
    """Whether the document is, on average, alike enough to its LINKAGE_SUPPORT closest reports among the
    story's reports of its days: one close match is not enough, or a report that repeats another's
    background (a profile of the people in it, a list of the day's news) would chain a new event onto an
    old one; nor need it be alike to every report of a large story, whose reports tell it from many angles."""
    return story_linkage(doc, members, rarity) >= 1


def story_linkage(doc: StoryDocument, members: list[StoryDocument], rarity: Rarity, combine=None) -> float:
    """The document's mean strength (see pair_strength) with its LINKAGE_SUPPORT closest reports among the
    story's reports of its days (the MAX_LINKED_MEMBERS nearest in time), or their `combine` (min: the
    weakest of them); 0 when it has none."""
    near = sorted((m for m in members if within_window(doc.published_date, m.published_date) and m is not doc),
                  key=lambda m: days_apart(doc.published_date, m.published_date))[:MAX_LINKED_MEMBERS]
    closest = sorted((pair_strength(doc, m, rarity) for m in near), reverse=True)[:LINKAGE_SUPPORT]
    if not closest:
        return 0.0
    return combine(closest) if combine else sum(closest) / len(closest)


def days_apart(a: date | None, b: date | None) -> int:
    return 0 if a is None or b is None else abs((a - b).days)


class HeadlineBlocks:
    """Stored documents by the names their headlines say (blocking; oversized blocks purged)."""

    def __init__(self):
        self.blocks: dict[str, list[str]] = {}

    def add(self, doc: StoryDocument) -> None:
        for name in doc.headline_names:
            self.blocks.setdefault(name, []).append(doc.doc_id)

    def candidates(self, doc: StoryDocument) -> set[str]:
        return {doc_id for name in doc.headline_names
                if len(block := self.blocks.get(name, ())) <= MAX_HEADLINE_BLOCK for doc_id in block}


def nearest_candidates(doc: StoryDocument, minhash: MinHash, found: set[str], by_id: dict[str, StoryDocument],
                       signatures: dict[str, numpy.ndarray]) -> list[StoryDocument]:
    """The stored documents a new one is compared with: those LSH and the headline blocks found, dated
    where it could report their event or follow it up (FOLLOW_UP_DAYS before it to WINDOW_DAYS after),
    at most MAX_CANDIDATES of them, those whose signatures agree most with its own (estimated Jaccard):
    as the corpus grows, so does the number of documents that share a few common words, not the number
    one is compared with."""
    pick = by_id.__getitem__
    if doc.published_date is None:
        dated = [pick(doc_id) for doc_id in sorted(found)]
    else:  # plausible_days, as a range of dates
        first, last = doc.published_date - timedelta(days=FOLLOW_UP_DAYS), doc.published_date + timedelta(days=WINDOW_DAYS)
        near = [doc_id for doc_id in found if (day := pick(doc_id).published_date) is None or first <= day <= last]
        dated = [pick(doc_id) for doc_id in sorted(near)]
    if len(dated) <= MAX_CANDIDATES:
        return dated
    agreement = numpy.count_nonzero(numpy.stack([signatures[other.doc_id] for other in dated]) == minhash.hashvalues,
                                    axis=1)
    # most agreement first, ties in doc_id order (dated's: a stable sort keeps it)
    nearest = numpy.argsort(-agreement, kind="stable")[:MAX_CANDIDATES]
    return [dated[i] for i in nearest.tolist()]


def plausible_days(doc: StoryDocument, other: StoryDocument) -> bool:
    if doc.published_date is None or other.published_date is None:
        return True
    return -WINDOW_DAYS <= (doc.published_date - other.published_date).days <= FOLLOW_UP_DAYS


def story_to_join(scored: list[tuple[float, str, str]], started: dict[str, list[StoryDocument]],
                  position: dict[str, int]) -> str:
    """The stored story of the best match; else the earliest story this run started among the matches
    (`started` lists each story's documents, the one that started it first; `position`: order taken)."""
    published = [match for match in scored if match[2] not in started]
    if published:
        return max(published)[2]
    return min((position[started[story_id][0].doc_id], story_id) for _, _, story_id in scored)[1]


def story_id_for(doc_id: str) -> str:
    """A story is named after the document that started it, so its id never changes."""
    return f"story-{doc_id[:16]}"


def explain(doc: StoryDocument, other: StoryDocument, score: float, rarity: Rarity) -> StoryMatch:
    """What the two documents say in common, rarest first: the names and words that joined them."""
    # rarest first (ties by feature), of the plain features only: the headline's and lead's say them again
    weight = rarity.weights.__getitem__
    rarest = functools.partial(heapq.nsmallest, MAX_EXPLAINED, key=lambda f: (-weight(f), f))
    plain = [f for f in doc.features & other.features if not f.startswith((HEADLINE, LEAD))]
    named = [f for f in plain if f.startswith("n:")]
    name_words = {word for name in named for word in name[2:].split()}  # said once, as a name
    names = [f[2:] for f in rarest(named)]
    words = rarest(f for f in plain if not f.startswith("n:") and f not in name_words)
    days = None if doc.published_date is None or other.published_date is None else days_apart(
        doc.published_date, other.published_date)
    return StoryMatch(other.doc_id, round(score, 4), names, words, days)


def follow_up_of(doc: StoryDocument, candidates: list[StoryDocument], rarity: Rarity) -> StoryDocument | None:
    """The earlier report whose event this one follows up (a trial after a shooting): dated more than
    WINDOW_DAYS before it, about the same people and places (not elsewhere, shared names) and alike
    enough to be its sequel (FOLLOW_UP_SIMILARITY); None when there is none."""
    best, best_score = None, FOLLOW_UP_SIMILARITY
    for other in candidates:
        if doc.published_date is None or other.published_date is None or within_window(
                doc.published_date, other.published_date) or other.published_date > doc.published_date:
            continue
        if elsewhere(doc, other) or len(doc.names & other.names) < MIN_SHARED_NAMES:
            continue
        if (score := rarity.similarity(doc.features, other.features)) >= best_score:
            best, best_score = other, score
    return best


class MemoryIndex:
    """The stored documents a run's new ones are compared with, held in memory: an LSH index of their
    signatures, their headline blocks, and each story's members (see story_index.StoreIndex for the same
    read from the store, by what the new documents say). New documents are added as they are assigned."""

    def __init__(self, stored: list[StoryDocument]):
        self.lsh = MinHashLSH(num_perm=NUM_PERM, params=LSH_BANDS)
        self.by_id: dict[str, StoryDocument] = {}
        self.blocks = HeadlineBlocks()
        self.members: dict[str, list[StoryDocument]] = {}
        self.signatures: dict[str, numpy.ndarray] = {}
        for doc in stored:
            self.members.setdefault(doc.story_id, []).append(doc)
            self.signatures[doc.doc_id] = signature(doc).hashvalues
            self.lsh.insert(doc.doc_id, minhash_of(self.signatures[doc.doc_id]))
            self.blocks.add(doc)
            self.by_id[doc.doc_id] = doc

    def has(self, doc_id: str) -> bool:
        return doc_id in self.by_id

    def get(self, doc_id: str) -> StoryDocument:
        return self.by_id[doc_id]

    def rarity(self, fresh: list[StoryDocument]) -> Rarity:
        return Rarity([*self.by_id.values(), *fresh])

    def candidates(self, doc: StoryDocument, minhash: MinHash) -> list[StoryDocument]:
        return nearest_candidates(doc, minhash, set(self.lsh.query(minhash)) | self.blocks.candidates(doc), self.by_id,
                                  self.signatures)

    def story_members(self, story_id: str, doc: StoryDocument) -> list[StoryDocument]:
        """The members of a stored story (those `doc` is compared with: here, all of them)."""
        return self.members[story_id]

    def join_story(self, story_id: str, docs: list[StoryDocument]) -> None:
        self.members[story_id].extend(docs)

    def add(self, doc: StoryDocument, minhash: MinHash) -> None:
        self.lsh.insert(doc.doc_id, minhash)
        self.signatures[doc.doc_id] = minhash.hashvalues
        self.blocks.add(doc)
        self.by_id[doc.doc_id] = doc

    def documents(self) -> list[StoryDocument]:
        return list(self.by_id.values())


def assign_stories(stored: list[StoryDocument], new: list[StoryDocument],
                   stats: Counter | None = None, index=None) -> list[StoryDocument]:
    """Give each new document a story: the story of its best matching document, or a new one.

    `stored` documents keep their story_id. New documents are taken in publication order, so a
    story starts with its earliest document. A new document that matches several stories started in
    this run (not published yet) joins them into one: it links them, whichever came first on a day.
    Stored stories are never joined (their ids are published). A document that starts a story and
    follows up an earlier event (weeks later, the same people and places) names that story as related.
    Each new document records what it matched (`match`). Returns stored and new documents together;
    `stats`, when given, counts the comparisons made ("compared"), a handful per new document.
    `index`: where the stored documents are found (a MemoryIndex of `stored` by default; a
    story_index.StoreIndex reads them from the store instead, and the new documents alone are returned).
    """
    index = index or MemoryIndex(stored)
    fresh = sorted((d for d in new if not index.has(d.doc_id)), key=lambda d: (d.published_date or date.max, d.doc_id))
    rarity = index.rarity(fresh).remember()
    started: dict[str, list[StoryDocument]] = {}  # stories this run started: not published, so they may join
    position = {doc.doc_id: i for i, doc in enumerate(fresh)}
    near: dict[str, list[StoryDocument]] = {}  # each new document's candidates ATTACH_STRENGTH near it at least
    stored_stories: set[str] = set()  # the published stories this run's documents joined
    for doc in fresh:
        minhash = signature(doc)
        candidates = index.candidates(doc, minhash)
        if stats is not None:
            stats["compared"] += len(candidates)
        strengths = [(pair_strength(doc, other, rarity), other) for other in candidates]
        near[doc.doc_id] = [other for strength, other in strengths if strength >= ATTACH_STRENGTH]
        scored = [(strength, other.doc_id, other.story_id) for strength, other in strengths if strength >= 1]
        agreeing = {story_id for story_id in {match[2] for match in scored}
                    if agrees_with_story(doc, started.get(story_id) or index.story_members(story_id, doc), rarity)}
        scored = [match for match in scored if match[2] in agreeing]
        doc.story_id = story_to_join(scored, started, position) if scored else story_id_for(doc.doc_id)
        doc.match, doc.related_story_id = None, None
        if scored:
            _, matched, _ = max(match for match in scored if match[2] == doc.story_id)
            matched_doc = index.get(matched)
            doc.match = explain(doc, matched_doc, pair_similarity(doc, matched_doc, rarity), rarity)
        elif (earlier := follow_up_of(doc, candidates, rarity)) is not None:
            doc.related_story_id = earlier.story_id
            doc.match = explain(doc, earlier, rarity.similarity(doc.features, earlier.features), rarity)
        if not scored or doc.story_id in started:
            started.setdefault(doc.story_id, []).append(doc)
        else:
            index.join_story(doc.story_id, [doc])
            stored_stories.add(doc.story_id)
        for story_id in {story_id for _, _, story_id in scored} & started.keys() - {doc.story_id}:
            joined = started.pop(story_id)  # the new document links it to doc's story: one event
            for member in joined:
                member.story_id = doc.story_id
            first = joined[0]  # it started no story now: explained by the document that joined it
            first.match = explain(first, doc, rarity.similarity(first.features, doc.features), rarity)
            first.related_story_id = None
            if doc.story_id in started:
                started[doc.story_id].extend(joined)
            else:
                index.join_story(doc.story_id, joined)
                stored_stories.add(doc.story_id)
        index.add(doc, minhash)
    for story_id in list(started):
        split_story(started[story_id], rarity, position, stats)
    attach_lone_reports(fresh, near, index, rarity, stored_stories)
    return index.documents()


def attach_lone_reports(fresh: list[StoryDocument], near: dict[str, list[StoryDocument]], index,
                        rarity: Rarity, stored_stories: set[str]) -> None:
    """A report of this run left alone in its story joins the story it is most alike to overall when it is
    near each of that story's LINKAGE_SUPPORT reports closest to it, at least ATTACH_STRENGTH of the bar
    (see story_linkage): a long feature or a two-line brief says less of its event's words than two wire
    reports do, but is near several reports of one story, not one report's echo. Only the stories of its
    candidates that near it (`near`) are weighed: most reports are near none, and cost nothing more here;
    `stored_stories`: the published stories this run's reports joined."""
    started: dict[str, list[StoryDocument]] = defaultdict(list)
    for doc in fresh:
        if doc.story_id not in stored_stories:
            started[doc.story_id].append(doc)
    for doc in fresh:
        if len(started.get(doc.story_id, ())) != 1 or doc.related_story_id is not None:
            continue
        best, best_linkage = None, ATTACH_STRENGTH
        for story_id in sorted({other.story_id for other in near[doc.doc_id]} - {doc.story_id}):
            members = started[story_id] if story_id in started else index.story_members(story_id, doc)
            if len(members) < LINKAGE_SUPPORT:
                continue  # near one or two reports: no more than a pair below the bar
            if (linkage_ := story_linkage(doc, members, rarity, min)) >= best_linkage:
                best, best_linkage = story_id, linkage_
        if best is None:
            continue
        members = started[best] if best in started else index.story_members(best, doc)
        matched = max((m for m in members if m is not doc),
                      key=lambda m: (pair_similarity(doc, m, rarity), m.doc_id))
        del started[doc.story_id]
        doc.story_id = best
        doc.match = explain(doc, matched, pair_similarity(doc, matched, rarity), rarity)
        if best in started:
            started[best].append(doc)
        else:
            index.join_story(best, [doc])
            stored_stories.add(best)


def split_story(members: list[StoryDocument], rarity: Rarity, position: dict[str, int],
                stats: Counter | None = None) -> None:
    """Cut a story this run started in two (and each part again) when it holds two events of one kind: two
    groups of reports far less alike across than within a story, each mainly about other names (see
    SPLIT_CROSS_STRENGTH). The part with the story's first report keeps its id; the other is named after its
    own first report, and a report whose match is in the other part is explained by one of its own."""
    parts = two_events(members, rarity, stats)
    if parts is None:
        return
    for part in parts:
        part.sort(key=lambda d: position[d.doc_id])
        story_id = members[0].story_id if any(d is members[0] for d in part) else story_id_for(part[0].doc_id)
        ids = {d.doc_id for d in part}
        for i, doc in enumerate(part):
            doc.story_id = story_id
            if i == 0 and story_id != members[0].story_id:
                doc.match = None  # it starts the other event's story
            elif doc.match is not None and doc.match.matched_doc_id not in ids and i > 0:
                best = max(part[:i], key=lambda other: (pair_similarity(doc, other, rarity), other.doc_id))
                doc.match = explain(doc, best, pair_similarity(doc, best, rarity), rarity)
        split_story(part, rarity, position, stats)


def two_events(members: list[StoryDocument], rarity: Rarity, stats: Counter | None = None
               ) -> list[list[StoryDocument]] | None:
    """The story's reports as two groups of two events (average linkage over pair strengths), or None when
    they are one event: a group too small or not itself alike as one event's reports are (mean strength
    below the bar), the two groups alike across (SPLIT_CROSS_STRENGTH), or about the same names."""
    if not 2 * SPLIT_MIN_MEMBERS <= len(members) <= SPLIT_MAX_MEMBERS:
        return None
    n = len(members)
    strength = numpy.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            strength[i, j] = strength[j, i] = min(pair_strength(members[i], members[j], rarity), STRENGTH_CAP)
    if stats is not None:
        stats["split_compared"] += n * (n - 1) // 2
    distance = STRENGTH_CAP - strength
    numpy.fill_diagonal(distance, 0)
    labels = fcluster(linkage(squareform(distance, checks=False), "average"), 2, "maxclust")
    groups = [[i for i in range(n) if labels[i] == label] for label in (1, 2)]
    if min(map(len, groups)) < SPLIT_MIN_MEMBERS:
        return None
    if strength[numpy.ix_(*groups)].mean() >= SPLIT_CROSS_STRENGTH:
        return None
    if any(strength[numpy.ix_(group, group)].sum() / (len(group) * (len(group) - 1)) < 1 for group in groups):
        return None  # a part whose reports are not, on average, one event's: a loose chain, not two events
    parts = [[members[i] for i in group] for group in groups]
    first, second = map(subjects, parts)
    if not first or not second or first & second:
        return None
    return parts


def subjects(reports: list[StoryDocument]) -> set[str]:
    """What a group of reports is mainly about: the main places and actors of at least SUBJECT_SHARE of them."""
    counts = Counter(name for doc in reports for name in {doc.main_place, doc.main_actor} if name)
    return {name for name, count in counts.items() if count >= SUBJECT_SHARE * len(reports)}


# ---------- the stored assignments (table story_members, schemas.story_members) ----------

def members_table(documents: list[StoryDocument], document_run_ids: list[str] | None = None,
                  member_seqs: list[int] | None = None) -> pa.Table:
    """Rows of story_members; `document_run_ids`: the run that stored each document, `member_seqs`: the
    order they were assigned in (their positions by default)."""
    runs = document_run_ids or [""] * len(documents)
    seqs = member_seqs or list(range(1, len(documents) + 1))
    rows = [{
        "doc_id": d.doc_id, "document_run_id": run, "member_seq": seq, "story_id": d.story_id, "published_date": d.published_date, "title": d.title,
        "words": sorted(d.words), "names": sorted(d.names), "main_place": d.main_place, "main_actor": d.main_actor,
        "minhash": numpy.asarray(d.minhash if d.minhash is not None else signature(d).hashvalues).tolist(),
        "related_story_id": d.related_story_id, **match_columns(d.match),
    } for d, run, seq in zip(documents, runs, seqs)]
    return pa.Table.from_pylist(rows, schema=schemas.story_members)


def match_columns(match: StoryMatch | None) -> dict:
    if match is None:
        return dict.fromkeys(("matched_doc_id", "match_score", "shared_names", "shared_words", "days_apart"))
    return {"matched_doc_id": match.matched_doc_id, "match_score": match.score, "shared_names": match.shared_names,
            "shared_words": match.shared_words, "days_apart": match.days_apart}


def match_from_row(row: dict) -> StoryMatch | None:
    if row.get("matched_doc_id") is None:
        return None
    return StoryMatch(row["matched_doc_id"], row["match_score"], row["shared_names"] or [], row["shared_words"] or [],
                      row["days_apart"])


def members_from_table(table: pa.Table) -> list[StoryDocument]:
    return [StoryDocument(row["doc_id"], row["published_date"], row["title"], frozenset(row["words"]),
                          frozenset(row["names"]), row["main_place"], row["main_actor"], row["story_id"],
                          row["minhash"], match_from_row(row), row.get("related_story_id"))
            for row in table.to_pylist()]


def update_stories(documents: pa.Table, mentions: pa.Table, members: pa.Table) -> pa.Table:
    """The story of every stored document: stored assignments kept, new documents assigned.

    `documents` and `mentions` are the stored datasets, `members` the assignments of earlier runs
    (rows of documents no longer stored, e.g. a rejected run's, are dropped).
    """
    members = members.filter(pc.is_in(members["doc_id"], documents["doc_id"]))
    stored = members_from_table(members)
    # Only the new documents' rows become Python objects: a run's cost follows what is new.
    new_documents = documents.filter(pc.invert(pc.is_in(documents["doc_id"], members["doc_id"])))
    new_rows = new_documents.select(["doc_id", "title", "body_text", "published_date"]).to_pylist()
    wanted = {row["doc_id"] for row in new_rows}
    by_doc: dict[str, list[EntityMention]] = {doc_id: [] for doc_id in wanted}
    new_mentions = mentions.filter(pc.is_in(mentions["doc_id"], new_documents["doc_id"]))
    for row in new_mentions.select(["doc_id", "text", "label", "char_start", "char_end", "local_key"]).to_pylist():
        by_doc[row["doc_id"]].append(EntityMention(**row))
    new = [story_document(CleanedDocument(row["doc_id"], row["body_text"], title=row["title"],
                                          published_date=row["published_date"]), by_doc[row["doc_id"]])
           for row in new_rows]
    return members_table(assign_stories(stored, new))
