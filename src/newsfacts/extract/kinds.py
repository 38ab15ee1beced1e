"""What happened to what a figure counts: its kind (killed, wounded, detained, infected, laid_off, ...).

Read from the words around the number: the word after it ("13 wounded"), the counted noun ("584
deaths", "four hostages"), the verbs above it ("were killed", "cut 4,000 jobs", "were ordered to
evacuate", "taken to hospital"), a toll or "the number of ..." that rose to it. Some words tell the
kind only with the right counted thing ("cut 4,000 jobs", not "cut off 3,000 homes") or in a story
about the right thing ("12 new cases" in a story about a disease).
"""
from __future__ import annotations

from functools import cached_property

import numpy as np
from spacy.attrs import DEP, LEMMA, LOWER
from spacy.strings import hash_string
from spacy.tokens import Doc, Token

from newsfacts.extract.attribution import PERSON_ROLES

CASUALTY_WORDS = {  # lemma or word -> kind
    "kill": "killed", "killed": "killed", "dead": "killed", "death": "killed", "fatality": "killed",
    "slay": "killed", "die": "died", "wound": "wounded", "wounded": "wounded", "injure": "wounded",
    "injured": "wounded", "injury": "wounded", "hurt": "wounded", "displace": "displaced",
    "displaced": "displaced", "refugee": "displaced", "flee": "displaced", "evacuate": "evacuated",
    "evacuee": "evacuated", "destroy": "destroyed", "destroyed": "destroyed", "detain": "detained",
    "arrest": "detained", "detainee": "detained", "capture": "detained", "missing": "missing",
    "hospitalise": "wounded", "hospitalize": "wounded", "perish": "died", "hostage": "detained",
    "prisoner": "detained", "captive": "detained", "kidnap": "detained", "abduct": "detained",
    "imprison": "detained", "jail": "detained", "unaccounted": "missing", "homeless": "displaced",
    "ill": "infected", "sick": "infected",
    # disease cases
    "infect": "infected", "infected": "infected", "infection": "infected", "diagnose": "infected",
    "diagnosis": "infected", "illness": "infected", "sicken": "infected",
    # jobs cut
    "layoff": "laid_off", "redundancy": "laid_off", "furlough": "laid_off",
}
# Words that say what happened only with the right counted thing or context.
JOB_NOUNS = frozenset({"job", "employment"})
# Jobs only in a story about work: "lost three positions" is ground in a war story.
WORK_JOB_NOUNS = frozenset({"position", "post", "role"})
WORK_CUES = frozenset({"job", "jobs", "employee", "employees", "employer", "workforce", "staff", "hiring", "layoff",
                       "layoffs", "redundancy", "redundancies", "payroll"})
WORKER_NOUNS = frozenset({"employee", "worker", "staff", "staffer", "people", "person", "member", "workforce",
                          "contractor", "personnel", "teacher", "nurse", "driver", "engineer", "manager"})
JOB_CUT_VERBS = frozenset({"cut", "eliminate", "slash", "shed", "axe", "ax", "lose", "scrap", "trim", "reduce",
                           "terminate"})
DISMISS_VERBS = frozenset({"fire", "dismiss", "sack", "terminate", "cut", "furlough", "axe", "ax"})
JOB_LOSS_NOUNS = frozenset({"cut", "loss", "reduction", "elimination"})
# Where a verb of moving people takes them: "taken to hospital", "taken into custody", "forced from their homes".
DESTINATIONS = {("to", "hospital"): "wounded", ("to", "clinic"): "wounded", ("into", "custody"): "detained",
                ("in", "custody"): "detained", ("from", "home"): "displaced", ("out", "home"): "displaced"}
RECOVERY_VERBS = frozenset({"find", "recover", "pull", "retrieve", "discover", "identify", "exhume", "wash"})
MACHINES = frozenset({"computer", "device", "machine", "system", "server", "file", "phone", "smartphone", "website",
                      "site", "account", "network", "pc", "laptop", "app", "router", "camera"})
LIFE_VERBS = frozenset({"lose", "claim", "take", "cost"})
MOVING_VERBS = frozenset({"take", "rush", "airlift", "fly", "bring", "send", "transport", "admit", "force", "drive",
                          "place", "hold", "keep", "remain", "evacuate"})
DISEASES = frozenset({
    "disease", "virus", "infection", "illness", "flu", "influenza", "fever", "plague", "measles", "cholera",
    "ebola", "covid", "covid-19", "coronavirus", "malaria", "tuberculosis", "hepatitis", "pneumonia", "dengue",
    "mpox", "polio", "diphtheria", "meningitis", "encephalitis", "salmonella", "listeria", "outbreak",
})
# Words that make "cases" disease cases when the document uses them.
DISEASE_CUES = DISEASES | {"infect", "infected", "diagnose", "diagnosis", "symptom", "epidemic", "pandemic",
                           "quarantine", "contagious", "vaccine", "pathogen", "bacterium", "bacteria"}
LAYOFF_CUES = frozenset({"layoff", "redundancy", "furlough"})
# Prepositions whose object can be what the verb counts: 'the deaths of 12', 'killed 40, including 12
# children', 'more than 70'.
ARGUMENT_PREPS = frozenset({"of", "including", "than", "as"})
# A share of a group is not the group's count: "a third of the 12,000 employees will lose their jobs".
PARTITIVES = frozenset({"third", "half", "quarter", "fifth", "tenth", "fraction", "percent", "share", "majority",
                        "minority", "most", "proportion", "portion", "many", "some", "none", "few", "part", "cent"})
FIGHTERS = frozenset({"attacker", "fighter", "militant", "terrorist", "saboteur", "insurgent", "soldier", "troop",
                      "raider", "combatant", "gunman", "rebel", "partisan", "serviceman", "mercenary"})
PEOPLE = frozenset({"people", "person", "civilian", "resident", "woman", "man", "child", "boy", "girl", "lady",
                    "villager", "inhabitant", "citizen", "victim", "adult", "teenager", "baby", "family"})


class Topics:
    """What the whole document is about, for words whose meaning depends on it ('cases', 'notice').
    Read from the token arrays, and only when such a word turns up."""

    def __init__(self, doc: Doc):
        self.doc = doc

    @cached_property
    def disease(self) -> bool:
        return self.count(DISEASE_CUES) >= 2

    @cached_property
    def work(self) -> bool:
        return bool(self.count(WORK_CUES))

    @cached_property
    def layoffs(self) -> bool:
        if self.count(LAYOFF_CUES):
            return True
        lower, dep = self.arrays[:, 1], self.arrays[:, 2]
        offs = np.flatnonzero((lower == hash_string("off")) & (dep == hash_string("prt")))
        return any(self.doc[int(i)].head.lemma_.lower() == "lay" for i in offs)

    @cached_property
    def arrays(self):
        return self.doc.to_array([LEMMA, LOWER, DEP]).astype(np.uint64)

    def count(self, words: frozenset[str]) -> int:
        hashes = np.array([hash_string(w) for w in words], dtype=np.uint64)
        return int(np.isin(self.arrays[:, :2], hashes).any(axis=1).sum())


def casualty_kind(doc: Doc, number: Token, counted_head: Token | None, end: int, topics: Topics) -> str | None:
    """The kind of the number ending at `end`, counting `counted_head` (None: the number stands alone)."""
    kind = kind_from_words(doc, number, counted_head, end, topics)
    if kind == "infected" and counted_head is not None and counted_head.lemma_.lower() in MACHINES:
        return None  # "malware infected 3,000 computers": no disease case
    return kind


def kind_from_words(doc: Doc, number: Token, counted_head: Token | None, end: int, topics: Topics) -> str | None:
    head = counted_head or number
    # "13 wounded", "five SUVs destroyed": the word right after the counted phrase
    after = doc[max(end, head.i + 1)] if max(end, head.i + 1) < len(doc) else None
    for word in (after, counted_head):
        if word is not None and word.pos_ in ("VERB", "ADJ", "NOUN"):
            kind = word_kind(word, counted_head, topics)
            if kind:
                return kind
    # A number in an adjunct ('killed in two attacks', 'arrested on six charges', 'killed by three
    # gunmen') does not count what the verb did; a toll ('rose to 40') still can.
    adjunct = False
    child = number
    for ancestor in number.ancestors:
        if ancestor.dep_ == "prep" and ancestor.lower_ == "of" and (
                ancestor.head.lower_ in PARTITIVES or ancestor.head.like_num):
            break  # a share of the counted group: the group's count is not the affected count
        if child.dep_ == "pobj" and ancestor.dep_ in ("prep", "agent") and ancestor.lower_ not in ARGUMENT_PREPS:
            adjunct = True
        if ancestor.pos_ in ("VERB", "AUX", "ADJ") or ancestor.dep_ in ("ROOT", "ccomp", "conj", "relcl", "advcl"):
            kind = kind_around(ancestor, topics) if adjunct else (
                word_kind(ancestor, counted_head, topics) or kind_around(ancestor, topics)
                or raised_kind(ancestor, counted_head, topics))
            if kind:
                return kind
            if ancestor.pos_ == "VERB" and ancestor.lemma_.lower() not in ("include", "including"):
                break
        child = ancestor
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "amod"):
            kind = word_kind(child, counted_head, topics) or raised_kind(child, counted_head, topics)
            if kind:
                return kind
    if counted_head is not None and with_kind(counted_head, topics):
        return with_kind(counted_head, topics)
    if head.dep_ == "pobj" and head.head.lower_ == "of" and head.head.head.pos_ == "NOUN":
        # "the deaths of 12 miners", "layoffs of 500 workers"
        return word_kind(head.head.head, counted_head, topics)
    return None


def destination_kind(verb: Token) -> str | None:
    for prep in verb.children:
        if prep.dep_ in ("prep", "prt", "advmod"):
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    kind = DESTINATIONS.get((prep.lower_, obj.lemma_.lower()))
                    if kind:
                        return kind
    return None


def with_kind(noun: Token, topics: Topics) -> str | None:
    """'87 people with injuries', '40 patients with gunshot wounds'."""
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "with":
            for obj in prep.children:
                if obj.dep_ == "pobj" and casualty_word(obj) == "wounded":
                    return "wounded"
    return None


def raised_kind(verb: Token, counted: Token | None, topics: Topics) -> str | None:
    """'are expected to receive notice', 'were forced to flee': the verb the subject is raised to."""
    for child in verb.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            return word_kind(child, counted, topics) or raised_kind(child, counted, topics)
    return None


def kind_around(verb: Token, topics: Topics) -> str | None:
    """'the death toll has risen to 438' (a toll as subject); 'the number of infections reached 40';
    '20 children were among the dead'."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "dobj") and child.lemma_.lower() == "toll":  # also "put the toll at"
            modifiers = {c.lemma_.lower() for c in child.children}
            return "wounded" if modifiers & {"injury", "casualty"} and "death" not in modifiers else "killed"
        if child.dep_ in ("nsubj", "nsubjpass") and child.lemma_.lower() in ("number", "total", "tally", "count"):
            for prep in child.children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    for obj in prep.children:
                        if obj.dep_ == "pobj":
                            kind = word_kind(obj, obj, topics) or next(
                                (k for c in obj.children if c.dep_ in ("acl", "amod", "relcl")
                                 for k in [word_kind(c, obj, topics)] if k), None)
                            if kind:
                                return kind
        if child.dep_ == "prep" and child.lower_ == "among":
            for obj in child.children:  # "among the dead", "among those hurt"
                if obj.dep_ != "pobj":
                    continue
                for word in (obj, *(c for c in obj.children if c.dep_ in ("acl", "amod", "relcl"))):
                    if casualty_word(word):
                        return casualty_word(word)
    return None


def casualty_word(token: Token) -> str | None:
    return CASUALTY_WORDS.get(token.lower_) or CASUALTY_WORDS.get(token.lemma_.lower())


def word_kind(token: Token, counted: Token | None, topics: Topics) -> str | None:
    """What a word says happened to the counted thing; some words say it only in context:
    'cut 4,000 jobs', '300 workers were fired', '12 new cases', 'contracted the virus',
    'three commanders held by the army'."""
    if token.lemma_.lower() == "lay" and any(c.dep_ == "prt" and c.lower_ == "off" for c in token.children):
        return "laid_off"
    if token.pos_ in ("VERB", "ADJ"):
        if any(c.dep_ == "prt" for c in token.children):
            return casualty_word(token)  # "cut off 3,000 homes", "held up": another verb
        kind = (job_loss(token, counted, topics) or disease_case(token, topics)
                or verb_in_context(token, counted, topics))
        if kind:
            return kind
    if token.pos_ == "NOUN":
        kind = noun_in_context(token, topics)
        if kind:
            return kind
    return casualty_word(token)


def job_loss(verb: Token, counted: Token | None, topics: Topics) -> str | None:
    """'cut 4,000 jobs', '300 workers were fired', '2,000 workers will lose their jobs', 'their
    employment will be terminated', 'staff made redundant', 'the layoffs will affect 350 workers'."""
    lemma = verb.lemma_.lower()
    counted_lemma = counted.lemma_.lower() if counted is not None else None
    people = counted is None or counted_lemma in WORKER_NOUNS or counted_lemma in PEOPLE or counted.pos_ == "PRON"
    jobs = counted_lemma in JOB_NOUNS or (counted_lemma in WORK_JOB_NOUNS and topics.work)
    if (lemma in JOB_CUT_VERBS and jobs) or (lemma in DISMISS_VERBS and (counted_lemma in WORKER_NOUNS or jobs)):
        return "laid_off"
    if people and lemma == "lose" and has_child(verb, ("dobj",), JOB_NOUNS):
        return "laid_off"
    if people and lemma == "receive" and topics.layoffs and has_child(verb, ("dobj",), {"notice"}):
        return "laid_off"
    if lemma == "terminate" and has_child(verb, ("nsubjpass",), JOB_NOUNS):
        return "laid_off"
    for child in verb.children:
        if child.dep_ == "ccomp" and child.lemma_.lower() == "terminate":
            return job_loss(child, counted, topics)  # "informed that their employment will be terminated"
        if lemma == "make" and child.dep_ in ("oprd", "acomp", "ccomp", "xcomp") and child.lower_ == "redundant":
            return "laid_off"
        if child.dep_ in ("nsubj", "nsubjpass") and lemma in ("affect", "hit", "impact") and \
                word_kind(child, None, topics) == "laid_off":
            return "laid_off"
    return None


def disease_case(verb: Token, topics: Topics) -> str | None:
    """'contracted the virus', 'caught the flu', 'tested positive', 'fell ill'."""
    lemma = verb.lemma_.lower()
    if lemma in ("contract", "catch") and any(
            c.dep_ == "dobj" and (c.lemma_.lower() in DISEASES or (c.pos_ == "PRON" and topics.disease))
            for c in verb.children):
        return "infected"
    if lemma == "test" and any(c.lower_ == "positive" for c in verb.children):
        return "infected"
    if lemma in ("fall", "become", "get") and any(c.lower_ in ("ill", "sick") for c in verb.children):
        return "infected"  # the parser often makes "ill" an adverb
    return None


def verb_in_context(verb: Token, counted: Token | None, topics: Topics) -> str | None:
    """'three commanders held by the army', 'confirmed dead', '12 people lost their lives',
    'recovered 12 bodies', 'taken to hospital', 'admitted 87 people with injuries'."""
    lemma = verb.lemma_.lower()
    counted_lemma = counted.lemma_.lower() if counted is not None else None
    if lemma == "hold" and verb.tag_ == "VBN" and counted is not None and is_person_noun(counted):
        return "detained"
    for child in verb.children:
        if child.dep_ in ("acomp", "oprd") and child.pos_ == "ADJ" and casualty_word(child):
            return casualty_word(child)  # "three remain unaccounted for", "two went missing"
    if lemma in LIFE_VERBS and has_child(verb, ("dobj",), {"life"}):
        return "killed"
    if lemma in RECOVERY_VERBS and counted_lemma == "body":
        return "killed"
    if lemma in MOVING_VERBS:  # the place may hang off the verb or off the people moved
        kind = destination_kind(verb) or (
            destination_kind(counted) if counted is not None and counted.head.i == verb.i else None)
        if kind:
            return kind
    if counted is not None and counted.dep_ == "dobj" and counted.head.i == verb.i and with_kind(verb, topics):
        return "wounded"
    return None


def noun_in_context(noun: Token, topics: Topics) -> str | None:
    """'claimed 40 lives', '12 new cases' (of a disease), '4,000 job cuts'."""
    lemma = noun.lemma_.lower()
    if lemma == "life" and noun.dep_ == "dobj" and noun.head.lemma_.lower() in LIFE_VERBS:
        return "killed"
    if lemma == "case" and (topics.disease or any(c.lemma_.lower() in DISEASES or c.lower_ in DISEASES
                                                  for c in noun.subtree)):
        return "infected"
    if lemma in JOB_LOSS_NOUNS and has_child(noun, ("compound",), {"job"}):
        return "laid_off"
    return None


def has_child(token: Token, deps: tuple[str, ...], lemmas) -> bool:
    return any(c.dep_ in deps and c.lemma_.lower() in lemmas for c in token.children)


def is_person_noun(token: Token) -> bool:
    lemma = token.lemma_.lower()
    return (lemma in PEOPLE or lemma in FIGHTERS or lemma in WORKER_NOUNS or lemma in PERSON_ROLES
            or casualty_word(token) == "detained" or token.ent_type_ in ("NORP", "PERSON"))

