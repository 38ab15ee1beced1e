"""Who claims a figure: the source news language attaches to a number.

"The agency said the death toll rose to 3,381", "the government reported 812 deaths",
"..., according to officials in the region", "..., the ministry said". When nobody is named
as the source, the figure is the reporter's own statement and has no claimant: a speech verb
of another clause ("X reported a new case after two others were revealed") is not a source
for the background clause.
"""
from __future__ import annotations

from spacy.tokens import Span, Token

from newsfacts.extract.attribution import (
    BODY_NOUNS, PERSON_ROLES, SPEECH_VERBS, Referent, Referents, noun_phrase, phrase_referent, speaker_of,
)
from newsfacts.extract.doctable import tables

# Clauses that set a scene rather than carry what the source says.
BACKGROUND_MARKS = frozenset({"after", "before", "since", "until", "when", "while", "once"})
BACKGROUND_PREPS = frozenset({"after", "before", "since", "following", "until"})
# A group's identity continues after its head: "officials in the region", "people familiar with the matter".
GROUP_TAIL_PREPS = frozenset({"in", "of", "from", "at", "for", "with", "on"})
GROUP_TAIL_LIMIT = 8
COUNTING_VERBS = frozenset({"record", "register", "count", "tally", "log", "document", "verify", "put"})
SHOWING_VERBS = frozenset({"show", "indicate", "suggest", "reveal"})
# People who speak for the body named before them: 'health department officials'.
MEMBER_NOUNS = frozenset({"official", "officials", "spokesman", "spokeswoman", "spokesperson", "spokespeople",
                          "representative", "representatives"})
# What a source publishes: "according to figures from the ministry" is the ministry's claim.
SOURCE_DOCUMENTS = frozenset({"figure", "data", "datum", "statistic", "statistics", "report", "statement", "estimate",
                              "count", "tally", "record", "survey", "study", "analysis", "assessment", "number"})


def claimant_of(sent: Span, token: Token, refs: Referents) -> Referent | None:
    """The source of the clause that holds `token`: a speech verb above it whose content holds it,
    'according to X' in the sentence, or a speech verb of the sentence that does not govern it
    ('..., the ministry said')."""
    governing = set()
    clause = {token.i}
    background = False
    reporter = None  # '..., the news agency reported': who passes on what a speech verb before it frames
    child = token
    for ancestor in token.ancestors:
        background = background or is_background(child)
        clause.add(ancestor.i)
        if is_speech_verb(ancestor):
            governing.add(ancestor.i)
            if not background:
                speaker = source_of_verb(ancestor, refs)
                if speaker is not None and ancestor.i < token.i:
                    return speaker
                reporter = reporter or speaker
        child = ancestor
    if reporter is not None:
        return reporter
    source = according_to(sent, refs)
    if source is not None:
        return source
    if background:
        return None
    for verb in sentence_verbs(sent):
        if verb.i not in governing and is_speech_verb(verb) and attached_to(verb, clause) and not inside_background(verb, sent):
            speaker = source_of_verb(verb, refs)
            if speaker is not None:
                return speaker
    return None


def sentence_verbs(sent: Span):
    """The sentence's verbs that may be speech verbs (is_speech_verb's first test, read from the
    document's table: a Token only for a verb)."""
    doc, table = sent.doc, tables(sent.doc)
    for k in range(sent.start, sent.end):
        if table.pos[k] in ("VERB", "AUX") and table.dep[k] != "amod":
            yield doc[k]


def attached_to(verb: Token, clause: set[int]) -> bool:
    """'40 were killed, the ministry said' (the speech verb hangs off the figure's clause, or heads
    the sentence); not a speech verb inside another phrase ('..., where the president said ...')."""
    return verb.dep_ == "ROOT" or (verb.head.i in clause and verb.dep_ in ("parataxis", "ccomp", "conj", "advcl"))


def is_speech_verb(token: Token) -> bool:
    """A verb whose subject vouches for what it governs: speech ('said', 'reported'), keeping count
    ('the agency recorded 40 deaths', 'put the toll at 40'), or a document showing ('figures show')."""
    if token.pos_ not in ("VERB", "AUX") or token.dep_ == "amod":
        return False
    lemma = token.lemma_.lower()
    if lemma in SPEECH_VERBS or lemma in COUNTING_VERBS:
        return True
    return lemma in SHOWING_VERBS and any(c.dep_ == "nsubj" and c.lemma_.lower() in SOURCE_DOCUMENTS
                                          for c in token.children)


def is_background(token: Token) -> bool:
    """A temporal clause or phrase: 'after two cases were revealed', 'since 40 died'."""
    if token.dep_ == "advcl":
        return any(c.dep_ == "mark" and c.lower_ in BACKGROUND_MARKS for c in token.children)
    return token.dep_ == "prep" and token.lower_ in BACKGROUND_PREPS


def inside_background(token: Token, sent: Span) -> bool:
    current = token
    while current.i != current.head.i and current.i >= sent.start:
        if is_background(current):
            return True
        current = current.head
    return False


def source_of_verb(verb: Token, refs: Referents) -> Referent | None:
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None and is_background(verb):
        return None  # "reported a case after two others were confirmed": not the reporter's source
    if subject is not None and subject.lemma_.lower() in SOURCE_DOCUMENTS and publisher(subject).i != subject.i:
        source = publisher(subject)  # "a Reuters tally shows", "figures from the ministry showed"
        return with_group_tail(phrase_referent(source, refs), source, refs)
    if subject is not None:
        body = body_of_named(subject, refs) or body_of_members(subject, refs) or named_in_apposition(subject, refs)
        if body is not None:
            return body
    speaker = speaker_of(verb, refs)
    if speaker is None or speaker.key is not None:
        return speaker
    return with_group_tail(speaker, subject, refs)


def named_in_apposition(subject: Token, refs: Referents) -> Referent | None:
    """'the spokeswoman for the mayor, Ann Lee, told reporters': a role described at length, then named.
    The name set off by a comma after the role's phrase is the person speaking, wherever the parser
    hangs it (on the role, or on the last noun of its phrase)."""
    if subject.lemma_.lower() not in PERSON_ROLES:
        return None
    for token in subject.subtree:
        if token.dep_ != "appos" or token.i not in refs.at_token:
            continue
        start = min(t.i for t in token.subtree)
        if refs.at_token[token.i].label in ("PERSON", "ORG") and start > 0 and token.doc[start - 1].text == ",":
            return refs.at_token[token.i]
    return None


def body_of_members(subject: Token, refs: Referents) -> Referent | None:
    """'Tarn County Health Department officials said': the named body whose officials or spokespeople
    speak, speaks (the model names the body, its people are a description of it)."""
    if subject.lemma_.lower() not in MEMBER_NOUNS:
        return None
    for child in subject.children:
        if child.dep_ == "compound" and child.i in refs.at_token and refs.at_token[child.i].label == "ORG":
            return refs.at_token[child.i]
    return None


def body_of_named(subject: Token, refs: Referents) -> Referent | None:
    """'the government of Ostrava', 'the health ministry of Norland': the body of a named place or
    organisation speaks for it (not for whichever body was named last)."""
    named = refs.at_token.get(subject.i)
    if (named is not None and subject.text in named.text) or subject.lemma_.lower() not in BODY_NOUNS:
        return None
    for child in subject.children:
        if child.dep_ == "prep" and child.lower_ in ("of", "in"):
            for obj in child.children:
                if obj.dep_ == "pobj" and obj.i in refs.at_token and refs.at_token[obj.i].label != "PERSON":
                    return refs.at_token[obj.i]
    return None


def according_to(sent: Span, refs: Referents) -> Referent | None:
    """'according to X': X's referent; a group keeps what follows its head ('people familiar with it')."""
    doc, lower = sent.doc, tables(sent.doc).lower  # the words read from the table, a Token only for 'according'
    for k in range(sent.start, sent.end):
        if lower[k] == "according" and k + 1 < len(doc) and lower[k + 1] == "to":
            objects = [publisher(c) for c in doc[k + 1].children if c.dep_ == "pobj"]
            if objects:
                return with_group_tail(phrase_referent(objects[0], refs), objects[0], refs)
    return None


def publisher(token: Token) -> Token:
    """'figures from the health ministry', 'a report by the agency', 'the ministry's data': who published it."""
    if token.lemma_.lower() not in SOURCE_DOCUMENTS:
        return token
    for child in token.children:
        if child.dep_ == "poss" or (child.dep_ == "compound" and (
                child.pos_ == "PROPN" or child.lemma_.lower() in BODY_NOUNS)):
            return child  # "the ministry's data", "a Reuters tally", "a police statement"
        if child.dep_ in ("prep", "agent") and child.lower_ in ("from", "by", "of"):
            for obj in child.children:
                if obj.dep_ == "pobj":
                    return obj
        if child.dep_ == "acl":  # "data released by the agency"
            for prep in child.children:
                if prep.dep_ == "agent":
                    return next((o for o in prep.children if o.dep_ == "pobj"), token)
    return token


def with_group_tail(referent: Referent, head: Token | None, refs: Referents) -> Referent:
    named = named_next(referent, head, refs)
    if named is not None:
        return named
    return group_with_tail(referent, head)


def named_next(referent: Referent, head: Token | None, refs: Referents) -> Referent | None:
    """'..., according to a group of employees. The group, the Tarn Workers Coalition, formed in May':
    a group introduced without a name ('a', 'an') and named in the next sentence by 'the <same noun>,
    <Name>,' is that name."""
    if head is None or referent.key is not None or not referent.text.lower().startswith(("a ", "an ")):
        return None
    doc = head.doc
    following = doc[head.sent.end:head.sent.end + 1]
    if not len(following):
        return None
    for token in following[0].sent:
        if token.lemma_ != head.lemma_ or not any(c.lower_ == "the" for c in token.children if c.dep_ == "det"):
            continue
        for child in token.children:
            named = refs.at_token.get(child.i) if child.dep_ == "appos" else None
            if named is not None and named.label in ("ORG", "PERSON", "NORP"):
                return named
    return None


def group_with_tail(referent: Referent, head: Token | None) -> Referent:
    """A group named by this very phrase gets its post-modifiers: 'authorities in the capital'.
    A group resolved to an earlier phrase, or any named entity, stays as it is."""
    if head is None or referent.key is not None or referent.text != noun_phrase(head).text:
        return referent
    end = head.i + 1
    for child in head.rights:
        if child.dep_ == "amod" or (child.dep_ == "prep" and child.lower_ in GROUP_TAIL_PREPS):
            last = max(t.i for t in child.subtree)
            if last + 1 - head.i > GROUP_TAIL_LIMIT or any(t.is_punct for t in head.doc[end:last + 1]):
                break
            end = last + 1
        else:
            break
    if end == head.i + 1:
        return referent
    text = head.doc[noun_phrase(head).start:end].text
    return Referent(None, text, referent.label, referent.words, referent.plural)
