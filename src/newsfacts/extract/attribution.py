"""Who says it: referents of a document in reading order, and the source a clause is attributed to.

A referent is a named entity mention, or a noun phrase that can speak ("local authorities",
"the Chilean navy"). Pronouns ("he", "it") and definite descriptions ("the ministry",
"the group", "the general") that are grammatical subjects are resolved, left to right, to the
nearest fitting referent before them, so later pronouns can chain through earlier ones.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from newsfacts.extract.doctable import tables
from newsfacts.extract.names import name_tokens
from newsfacts.records import EntityMention

SPEECH_VERBS = frozenset({
    "say", "tell", "add", "write", "post", "state", "claim", "announce", "report", "describe", "insist", "warn",
    "confirm", "deny", "speak", "tweet", "reiterate", "note", "explain", "stress", "declare", "argue", "allege",
    "acknowledge", "admit", "promise", "suggest", "estimate", "comment", "reply", "respond",
    "assert", "maintain", "predict", "recall", "remark", "emphasise", "emphasize", "urge", "vow", "quote",
})
# Verbs that give how words were spoken rather than a claim: they introduce quotations, not figures.
QUOTE_VERBS = SPEECH_VERBS | frozenset({
    "ask", "shout", "yell", "scream", "cry", "exclaim", "whisper", "mutter", "order", "plead", "beg", "demand",
    "concede", "caution", "joke", "quip", "recount", "testify", "chant", "text", "email", "sigh", "lament",
    "complain", "boast", "observe", "muse", "wonder", "retort", "counter", "interject",
})
# Verbs that make quoted words their subject's when the quotation is their object or complement:
# 'Ruiz called the plan a "reckless gamble"', 'what she termed "sabotage"'.
FRAMING_VERBS = frozenset({"call", "term", "dub", "label", "brand", "describe"})
# Verbs that cue a quotation only when it is their complement ('"...," the statement read',
# '"...," she continued', 'Smith agreed: "..."'); elsewhere they mean something else.
GOVERNING_VERBS = frozenset({"continue", "conclude", "read", "agree", "sing"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
QUANTITIES = frozenset({"series", "number", "couple", "lot", "handful", "dozen", "dozens", "hundreds",
                        "thousands", "majority", "minority", "few", "several", "many", "some", "most", "all"})
# What is written or recorded speaks for whoever sent it: "issued a statement saying".
DOCUMENTS = frozenset({
    "letter", "statement", "email", "e-mail", "post", "tweet", "message", "note", "release", "memo", "filing",
    "complaint", "lawsuit", "petition", "video", "interview", "speech", "announcement", "notice", "document",
    "text", "comment", "editorial", "blog", "report",
})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
GENDER_WORDS = {
    "f": frozenset({"ms", "mrs", "miss", "madam", "dame", "lady", "queen", "princess", "actress", "spokeswoman",
                    "chairwoman", "congresswoman", "businesswoman", "wife", "mother", "daughter", "sister", "aunt",
                    "niece", "grandmother", "widow", "girl", "woman"}),
    "m": frozenset({"mr", "sir", "lord", "king", "prince", "spokesman", "congressman", "businessman", "husband",
                    "father", "son", "brother", "uncle", "nephew", "grandfather", "widower", "boy", "man"}),
}
THING_PRONOUNS = frozenset({"it"})
PLURAL_PRONOUNS = frozenset({"they", "them"})
# Head nouns of people by role: "the general said" speaks of a person named before.
PERSON_ROLES = frozenset({
    "general", "governor", "president", "minister", "spokesman", "spokeswoman", "spokesperson", "adviser",
    "advisor", "commander", "official", "mayor", "leader", "chief", "secretary", "ambassador", "envoy",
    "head", "director", "officer", "colonel", "lieutenant", "major", "senator", "chancellor", "premier",
    "analyst", "expert", "researcher", "witness", "resident", "man", "woman", "source", "diplomat", "prosecutor",
})
# Head nouns of bodies that speak: "the group wrote", "local authorities said".
BODY_NOUNS = frozenset({
    "group", "militia", "ministry", "government", "military", "army", "authorities", "authority", "officials",
    "side", "agency", "committee", "office", "kremlin", "police", "service", "services", "forces", "legion",
    "corps", "organisation", "organization", "council", "parliament", "administration", "command", "staff",
    "media", "outlet", "broadcaster", "newspaper", "channel", "company", "spokespeople", "unit", "movement",
    "department", "court", "campaign", "party", "intelligence", "regime", "statement", "operator",
})
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
# Person nouns that fit anyone: "the man said" is someone described as a man before, never
# simply the last person named (a patient, a witness and a doctor are often left unnamed).
ANYONE = frozenset({"man", "woman", "witness", "resident", "source", "analyst", "expert", "researcher",
                    "official", "officer", "diplomat", "prosecutor"})
# Roles whose words are their body's statement: "a Brightway spokesperson said" speaks for Brightway.
REPRESENTATIVES = frozenset({"spokesman", "spokeswoman", "spokesperson", "spokespeople", "representative"})
# Words for a business that refer back to the last organisation named ("a company spokesman").
FIRM_WORDS = frozenset({"company", "firm", "corporation", "business", "startup"})


@dataclass
class Referent:
    key: str | None  # local_key of the entity; None for a plain noun phrase
    text: str  # the name as written where it was introduced
    label: str  # PERSON, ORG, GPE, NORP (named) or GROUP (noun phrase)
    words: frozenset[str] = field(default_factory=frozenset)  # name and role words ("governor", "ministry")
    plural: bool = False
    gender: str | None = None  # "f" or "m" where a title or role says so


@dataclass
class Referents:
    """The referents of one document, positioned by token, with each subject resolved."""

    positions: list[int] = field(default_factory=list)  # token index of each entry, ascending
    entries: list[tuple[Referent, bool]] = field(default_factory=list)  # (referent, was a subject)
    at_token: dict[int, Referent] = field(default_factory=dict)  # resolved referent of a subject/mention token

    def add(self, token_i: int, referent: Referent, subject: bool) -> None:
        self.positions.append(token_i)
        self.entries.append((referent, subject))

    def before(self, token_i: int):
        """Entries before a token, nearest first."""
        end = bisect.bisect_left(self.positions, token_i)
        for k in range(end - 1, -1, -1):
            yield self.entries[k]


def build_referents(doc: Doc, mentions: list[EntityMention], quoted: frozenset[int] = frozenset()) -> Referents:
    """`quoted`: tokens inside quotation marks. Quoted speech is the speaker's voice, not the
    reporter's: names and pronouns in it are never antecedents."""
    refs = Referents()
    # Every name is known up front ("a spokeswoman for the Red Cross" looks ahead); the history of
    # referents, which pronouns search, still grows in reading order.
    first_token: dict[int, tuple[Referent, Span]] = {}
    for mention in mentions:
        span = doc.char_span(mention.char_start, mention.char_end, alignment_mode="expand")
        if span is None:
            continue
        referent = Referent(mention.local_key, mention.text, mention.label, role_words(span, mention))
        for i in range(span.start, span.end):
            refs.at_token[i] = referent
        first_token[span.start] = (referent, span)
    genders = person_genders(doc, first_token.values())
    for referent, _ in first_token.values():
        referent.gender = genders.get(referent.key)
    deps = tables(doc).dep  # every word's dependency, read once: only names and subjects are looked at
    subjects = [i for i, dep in enumerate(deps) if dep in SUBJECT_DEPS]
    for i in sorted(first_token.keys() | set(subjects)):  # in reading order
        if i in quoted:
            continue
        if i in first_token:
            referent, span = first_token[i]
            if referent.label in SPEAKER_LABELS:
                refs.add(i, referent, span.root.dep_ in SUBJECT_DEPS or appositive_subject(span.root))
        elif deps[i] in SUBJECT_DEPS and i not in refs.at_token:
            referent = resolve_subject(doc[i], refs)
            if referent is not None:
                refs.at_token[i] = referent
                refs.add(i, referent, True)
    return refs


def role_words(span: Span, mention: EntityMention) -> frozenset[str]:
    """The name's words and the roles written around it: 'Palace spokesperson Jana Novak',
    'Tarn's governor Paul Ostrowski', 'Ivo Brandt, commander of ...'."""
    words = set(name_tokens(mention.text))
    head = span.root
    for child in head.children:
        if child.i < span.start and child.dep_ in ("compound", "amod"):
            words.add(child.lower_)
        if child.dep_ == "appos":
            words.add(child.lower_)
    if head.dep_ == "appos":
        words.add(head.head.lower_)
    return frozenset(w for w in words if w.isalpha())


def person_genders(doc: Doc, named) -> dict[str, str]:
    """A person's gender where the text gives it in a title or a role ('Ms Lind', 'Mr. Reyes',
    'spokeswoman Ana Ruiz', 'Roe, his wife'), for he/she to skip people it cannot mean.
    A person written both ways, or never, has none."""
    seen: dict[str, set[str]] = {}
    for referent, span in named:
        if referent.label != "PERSON" or referent.key is None:
            continue
        words = {w.strip(".").lower() for w in referent.text.split()} | set(referent.words)
        if span.start > 0:
            words.add(doc[span.start - 1].lower_.strip("."))
        found = {gender for gender, marks in GENDER_WORDS.items() if words & marks}
        seen.setdefault(referent.key, set()).update(found)
    return {key: found.pop() for key, found in seen.items() if len(found) == 1}


def appositive_subject(head: Token) -> bool:
    return head.dep_ == "appos" and head.head.dep_ in SUBJECT_DEPS


def resolve_subject(token: Token, refs: Referents) -> Referent | None:
    """A subject that is not a name: a pronoun, a description of someone named before, or a
    noun phrase that can speak on its own."""
    lower = token.lower_
    if token.pos_ == "PRON":
        if lower in PERSON_PRONOUNS:
            gender = "f" if lower in ("she", "her") else "m"
            return nearest(refs, token.i, lambda r: r.label == "PERSON" and r.gender in (None, gender))
        if lower in THING_PRONOUNS:
            return nearest(refs, token.i, lambda r: r.label in ("ORG", "GPE", "GROUP") and not r.plural)
        if lower in PLURAL_PRONOUNS:
            return nearest(refs, token.i, lambda r: r.label in ("ORG", "GROUP", "NORP") and (r.plural or r.label == "ORG"))
        return None
    if age_description(token):  # "the 56-year-old said" is the person just named
        return nearest(refs, token.i, lambda r: r.label == "PERSON")
    appos = [c for c in token.children if c.dep_ == "appos" and c.i in refs.at_token]
    if appos:
        return None  # the name in apposition is the referent (it is registered as a mention)
    if token.pos_ not in ("NOUN", "PROPN"):
        return None
    head = token.lemma_.lower()
    definite = any(c.lower_ in ("the", "this", "that") for c in token.children if c.dep_ == "det")
    if definite and (head in PERSON_ROLES or head in BODY_NOUNS):
        # "the ministry" is the last ministry named; "the interior ministry" only an interior one
        modifiers = {c.lower_ for c in token.children if c.dep_ in ("amod", "compound")}
        plural = token.tag_ in ("NNS", "NNPS")  # "the group" is not "two groups" named before
        described = nearest(refs, token.i, lambda r: head in r.words and modifiers <= r.words
                            and (r.key is not None or r.plural == plural))
        if described is not None:
            return described
        if head in PERSON_ROLES and head not in ANYONE and not has_modifiers(token):
            return nearest(refs, token.i, lambda r: r.label == "PERSON")
        if head in BODY_NOUNS and not has_modifiers(token):
            found = nearest(refs, token.i, lambda r: r.label in ("ORG", "GROUP"))
            if found is not None:
                return found
    if head in PERSON_ROLES:
        principal = represented(token, refs)
        if principal is not None:
            return principal
    if head in BODY_NOUNS or head in PERSON_ROLES:
        phrase = noun_phrase(token)
        return Referent(None, phrase.text, "GROUP", frozenset(name_tokens(phrase.text)) | {head},
                        plural=token.tag_ in ("NNS", "NNPS"))
    return None


def age_description(token: Token) -> bool:
    """'the 56-year-old' (the parser heads it on 'old'): a person described by age alone."""
    return (token.lower_ == "old" and any(c.lemma_.lower() == "year" for c in token.children)
            and any(c.lower_ == "the" for c in token.subtree))


def represented(role: Token, refs: Referents) -> Referent | None:
    """'a spokeswoman for the Red Cross', 'the agency's spokesperson', 'a Brightway spokesperson',
    'a company spokesman' (the company named before): the body the role speaks for."""
    for child in role.children:
        if child.dep_ == "compound" and role.lemma_.lower() in REPRESENTATIVES:
            body = compound_body(child, refs)
            if body is not None:
                return body
        if child.dep_ == "poss" and child.i in refs.at_token:
            return refs.at_token[child.i]
        if child.dep_ == "prep" and child.lower_ in ("for", "of", "at"):
            for obj in child.children:
                if obj.dep_ == "pobj" and obj.i in refs.at_token and refs.at_token[obj.i].label != "PERSON":
                    return refs.at_token[obj.i]
    return None


def compound_body(word: Token, refs: Referents) -> Referent | None:
    if word.i in refs.at_token:
        named = refs.at_token[word.i]
        return named if named.label != "PERSON" else None
    lemma = word.lemma_.lower()
    if lemma not in BODY_NOUNS and lemma not in FIRM_WORDS:
        return None
    described = nearest(refs, word.i, lambda r: lemma in r.words)
    if described is None and lemma in FIRM_WORDS:
        described = nearest(refs, word.i, lambda r: r.label == "ORG")
    return described


def has_modifiers(token: Token) -> bool:
    """'the Chilean navy' names its own referent; 'the navy' refers back."""
    return any(c.dep_ in ("amod", "compound", "poss", "nmod") for c in token.children)


def nearest(refs: Referents, token_i: int, fits) -> Referent | None:
    """The nearest fitting referent that was a subject, else the nearest fitting one at all."""
    fallback = None
    for referent, subject in refs.before(token_i):
        if fits(referent):
            if subject:
                return referent
            if fallback is None:
                fallback = referent
    return fallback


def noun_phrase(token: Token) -> Span:
    """The subject's phrase up to its head: determiners and modifiers, not relative clauses."""
    left = token
    for child in token.lefts:
        if child.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod", "case"):
            left = child if child.i < left.i else left
            for sub in child.subtree:
                left = sub if sub.i < left.i else left
    return token.doc[left.i:token.i + 1]


# ---------- attribution ----------

def speech_verbs(tokens, verbs: frozenset[str] = SPEECH_VERBS) -> list[Token]:
    """Speech verbs used as verbs ('the alleged mission' is no cue)."""
    return [t for t in tokens
            if t.pos_ in ("VERB", "AUX") and t.dep_ != "amod" and t.lemma_.lower() in verbs]


def first_spoken(verbs, refs: Referents) -> tuple[Token | None, Referent | None]:
    """The first of these speech verbs whose speaker is known, with that speaker."""
    for verb in verbs:
        speaker = speaker_of(verb, refs)
        if speaker is not None:
            return verb, speaker
    return None, None


def speaker_of(verb: Token, refs: Referents) -> Referent | None:
    subject = speaking_subject(verb)
    return subject_referent(counted(subject), refs) if subject is not None else None


def counted(token: Token) -> Token:
    """Whose voice a subject is: 'a series of residents', 'dozens of officials' are the people,
    not their number; 'a statement from the ministry', 'the union's statement' its author."""
    lemma = token.lemma_.lower()
    if lemma in DOCUMENTS:
        owner = next((c for c in token.children if c.dep_ == "poss"), None)
        if owner is not None:
            return owner
        return next((o for c in token.children if c.lower_ in ("from", "by", "of")
                     for o in c.children if o.dep_ == "pobj"), token)
    if lemma not in QUANTITIES:
        return token
    return next((o for c in token.children if c.lower_ == "of" for o in c.children if o.dep_ == "pobj"), token)


def speaking_subject(verb: Token, depth: int = 0) -> Token | None:
    """The token that does the speaking: the verb's subject, or the subject it shares with the verb
    it hangs on ('laughed and said', 'went on to say', 'took to the radio, saying', 'issued a
    statement saying', 'Roe, who said', 'was quoted as saying'), or the speaker after an inverted
    verb ('..., added the ministry')."""
    # a passive subject speaks when the speech is reported through its verb ('was heard shouting')
    subject = own_subject(verb, passive=depth > 0 or verb.lemma_.lower() == "quote")
    if subject is not None:
        return verb.head if subject.tag_ in ("WP", "WDT") and verb.dep_ == "relcl" else subject
    if depth > 3:
        return None
    if verb.dep_ == "acl":
        return participle_subject(verb, depth)
    if verb.dep_ == "pcomp" and verb.head.lower_ == "as":  # "quoted as saying"
        return speaking_subject(verb.head.head, depth + 1)
    if verb.dep_ in ("conj", "xcomp", "oprd") or (verb.dep_ == "advcl" and verb.tag_ == "VBG"):
        return speaking_subject(verb.head, depth + 1) if verb.head.pos_ in ("VERB", "AUX") else None
    return inverted_subject(verb) if depth == 0 else None


def own_subject(verb: Token, passive: bool) -> Token | None:
    """The subject nearest the verb: in a bad parse a quotation before it holds a subject too."""
    deps = ("nsubj", "nsubjpass") if passive else ("nsubj",)
    return min((c for c in verb.children if c.dep_ in deps), key=lambda c: abs(c.i - verb.i), default=None)


def participle_subject(verb: Token, depth: int) -> Token | None:
    """A participle on a noun: 'the group, formed in May, ... said', 'a man shouting', and for what
    is written, its sender ('its statement saying', 'issued a statement saying')."""
    noun = verb.head
    if verb.tag_ in ("VBN", "VBD"):
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        return noun if agent is None else next((c for c in agent.children if c.dep_ == "pobj"), None)
    if verb.tag_ != "VBG":
        return None
    if noun.dep_ == "pobj":  # 'cast the attack as an invasion, promising ...': the clause's subject
        clause = next((a for a in noun.ancestors if a.pos_ in ("VERB", "AUX")), None)
        return speaking_subject(clause, depth + 1) if clause is not None else None
    if noun.lemma_.lower() not in DOCUMENTS:
        return noun
    owner = next((c for c in noun.children if c.dep_ == "poss"), None)
    if owner is not None:
        return owner
    return speaking_subject(noun.head, depth + 1) if noun.dep_ == "dobj" else noun


def inverted_subject(verb: Token) -> Token | None:
    """'"...," added the ministry': a speech verb right after the quotation (or the clause it
    reports), with no subject, has its speaker after it (the parser takes it for an object)."""
    if verb.i == 0 or verb.lemma_.lower() not in QUOTE_VERBS:
        return None
    if not (verb.nbor(-1).is_punct or any(c.dep_ == "ccomp" and c.i < verb.i for c in verb.children)):
        return None
    return next((c for c in verb.rights if c.dep_ in ("dobj", "attr", "npadvmod")), None)


def subject_referent(subject: Token, refs: Referents) -> Referent | None:
    if subject.i in refs.at_token and not dateline(subject):
        return refs.at_token[subject.i]
    for child in subject.children:
        if child.dep_ == "appos" and child.i in refs.at_token:
            return refs.at_token[child.i]
    if subject.pos_ == "PROPN":
        for child in subject.children:  # a name the model split ('Sen. Ruiz' tagged 'Ruiz' alone)
            if child.dep_ == "compound" and child.i in refs.at_token:
                return refs.at_token[child.i]
        # a surname the model did not tag, of a person named in full before
        return nearest(refs, subject.i, lambda r: r.label == "PERSON" and subject.lower_ in r.words)
    if subject.pos_ == "PRON" or subject.lemma_.lower() in PERSON_ROLES | BODY_NOUNS:
        return resolve_subject(subject, refs)  # not a grammatical subject (an inverted speaker)
    return None


def dateline(token: Token) -> bool:
    """'WASHINGTON -- President Roe, ..., said': a place in capitals and a dash heading a story says
    where it was filed; the parser takes it for the subject, the person after it speaks."""
    doc = token.doc
    return (token.text.isupper() and len(token.text) > 2 and token.i + 1 < len(doc)
            and doc[token.i + 1].text in ("--", "—", "–", "-") and (token.i == 0 or "\n" in doc[token.i - 1].text_with_ws))


def source_in(tokens, refs: Referents) -> Referent | None:
    """'according to X', 'in the words of X' within these tokens: X's referent, or X's phrase."""
    for token in tokens:
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor().lower_ == "to":
            objects = [c for c in token.nbor().children if c.dep_ == "pobj"]
            if objects:
                return phrase_referent(objects[0], refs)
        if token.lower_ == "words" and token.head.lower_ == "in":  # "in the words of X"
            objects = [o for c in token.children if c.lower_ == "of" for o in c.children if o.dep_ == "pobj"]
            if objects:
                return phrase_referent(objects[0], refs)
    return None


def phrase_referent(token: Token, refs: Referents) -> Referent:
    named = subject_referent(token, refs)
    if named is not None:
        return named
    doc = token.doc
    if token.i + 2 < len(doc) and doc[token.i + 1].text == "," and token.i + 2 in refs.at_token:
        follower = refs.at_token[token.i + 2]
        if follower.label == "PERSON" and token.lemma_.lower() in PERSON_ROLES:
            return follower  # "the regional governor, Stefano Bonaccini," (an apposition the parser missed)
    if token.pos_ == "PRON" or token.lemma_.lower() in PERSON_ROLES | BODY_NOUNS:
        resolved = resolve_subject(token, refs)
        if resolved is not None:
            return resolved
    phrase = noun_phrase(token)
    return Referent(None, phrase.text, "GROUP", frozenset(name_tokens(phrase.text)))
