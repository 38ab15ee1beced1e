"""Direct quotations and their speakers.

Quote marks are paired per paragraph (curly marks by direction, straight marks in turn, mixed
marks as scraped text has them). A quotation's cue is a speech verb outside it, in the sentences
it spans or in a short attribution the parser split off ('"Where?" Roe asked.'): the verb that
introduces it, else the one above it in the parse, else the nearest. The verb's speaker is its
subject, or the subject it shares with the verb it hangs on ('issued a statement saying'), or the
name after an inverted verb ('..., added the ministry'); else 'according to X'.
A cue whose subject names nobody ('one user posted') leaves the quote without a named speaker:
no guessing. Only a quote with no cue of its own takes a speaker from around it: the sentence
that introduces it, the quotation it continues across a paragraph break, or the previous quote
('"...," he said. "..."'). A paragraph ending in a colon introduces the quote after it, even
when it names nobody. Unnamed speakers keep their noun without the article ("officer").
Transcripts ('"ROE: ..."'), round-ups ('"..." ― Jane Roe', 'Jane Roe, The Daily Ledger: "..."') and
fragments woven into a sentence ('Roe called it "reckless"') have rules of their own; a whole-sentence
quotation the rules leave without a speaker is offered to the learned model (speaker_model).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from newsfacts.extract.attribution import (
    FRAMING_VERBS, GOVERNING_VERBS, QUOTE_VERBS, Referent, Referents, counted, nearest, noun_phrase, own_subject,
    source_in, speaking_subject, speech_verbs, subject_referent,
)
from newsfacts.extract.doctable import tables
from newsfacts.records import Quote

PARAGRAPH = re.compile(r"[^\n]+")
OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"', "‘": "’"}
APOSTROPHES = "''"
QUOTE_MARKS = (*OPENERS, APOSTROPHES)
# The characters a quotation may open at (an opener, a reversed closing mark, an apostrophe pair's first):
# quote_spans jumps from one to the next instead of trying every character.
MAY_OPEN = re.compile("[" + re.escape("".join(OPENERS) + "”" + APOSTROPHES[0]) + "]")
# A speaker's label in a transcript: 'ROE:', 'MR. ROE:', 'SEN. JANE ROE:'.
CAPS_LABEL = re.compile(r"\s*((?:[A-Z][A-Z'’.\-]*)(?: [A-Z][A-Z'’.\-]*){0,3}):\s")
# A signature after a quotation: '"..." ― Jane Roe', '"..." -- Jane Roe'.
SIGNATURE = re.compile(r"[\s”\"’']*(?:―|—|–|--?)\s*")
# A curly single closing mark is also the apostrophe ("Chile’s"): it closes a quote only where
# no letter follows it.
SINGLE_CLOSE = re.compile(r"’(?![^\W\d_])")
# Other marks that close a double quotation in scraped text ('“...,’’ she said').
MIXED_DOUBLE = {'"': ("”", "’’", "''"), "”": ('"', "’’", "''")}
MIN_WORDS = 2  # one quoted word is a scare quote ('a "sabotage" group'), not a quotation
CONTINUATION_GAP = 2  # sentences between a quote and the one it continues
CLOSING_PUNCTUATION = "”»“’\"'.,!?… "
TAG_OBJECTS = frozenset({"dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "dative"})
NOT_COMPLEMENT = frozenset({"nsubj", "nsubjpass", "relcl", "acl", "appos", "advcl"})
SENTENCE_ENDS = ".!?…:;\n\"”’»)]|"
TAG_WORDS = 8  # the longest short sentence read as a quotation's attribution ('Roe scoffed.')
LOOK_BACK = 40  # characters read back for the end of the previous sentence
DETERMINERS = frozenset({"a", "an", "the", "one", "another", "some", "this", "that", "these", "those"})


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text inside each pair of quote marks."""
    spans = []
    for paragraph in PARAGRAPH.finditer(text):
        body, offset, i = paragraph.group(), paragraph.start(), 0
        while (candidate := MAY_OPEN.search(body, i)) is not None:
            i = candidate.start()
            closer = OPENERS.get(body[i]) or reversed_opener(body, i) or apostrophe_pair(body, i)
            if closer is None or (closer == "’" and i > 0 and body[i - 1].isalnum()):
                i += 1
                continue
            width = len(closer) if closer == APOSTROPHES else 1
            end = closing_mark(body, closer, i + width)
            if end < 0:  # a quote running to the end of the paragraph (it continues in the next one)
                end = len(body)
            spans.append((offset + i + width, offset + end))
            i = end + len(closer)
    return spans


def apostrophe_pair(body: str, i: int) -> str | None:
    """"''We will not yield,'' she said": two apostrophes stand for a double quotation mark in some
    newspaper archives; they open a quotation where no letter stands right before them."""
    if body.startswith(APOSTROPHES, i) and (i == 0 or not body[i - 1].isalnum()) and body.find(APOSTROPHES, i + 2) > 0:
        return APOSTROPHES
    return None


def reversed_opener(body: str, i: int) -> str | None:
    """A closing double mark typed where an opening one belongs ('said: ”We ...”'): outside any
    quotation, after a space and before a word, it opens one."""
    if body[i] == "”" and (i == 0 or body[i - 1].isspace()) and i + 1 < len(body) and body[i + 1].isalnum():
        return "”"
    return None


def closing_mark(body: str, closer: str, start: int) -> int:
    if closer == "’":
        match = SINGLE_CLOSE.search(body, start)
        return match.start() if match else -1
    end = mixed_close(body, closer, start) if closer == "”" else -1  # '“He calls it “hell” here.”'
    end = body.find(closer, start) if end < 0 else end
    if end < 0 and closer in MIXED_DOUBLE:  # '"We are here!” she said': straight and curly marks mixed
        found = [i for i in (mixed_close(body, other, start) for other in MIXED_DOUBLE[closer]) if i >= 0]
        end = min(found, default=-1)
    return end


def mixed_close(body: str, mark: str, start: int) -> int:
    """The first `mark` that closes no quotation opened inside ('"ROE: It is like “Dragon Den.” But
    ...': the curly pair is a quotation within the straight one, which runs on)."""
    depth = 0
    for i in range(start, len(body)):
        if body[i] == "“":
            depth += 1
        elif body[i] == "”" and depth > 0:
            depth -= 1
        elif depth == 0 and body.startswith(mark, i):
            return i
    return -1


@dataclass
class Cue:
    verb: Token | None
    speaker: Referent | None
    how: str | None  # "own" (the quote's sentences say who speaks), "introduced", "continued", None


def find_quotes(doc: Doc, doc_id: str, refs: Referents, spans: list[tuple[int, int]]) -> list[Quote]:
    """`spans`: quote_spans of the document's text."""
    table = tables(doc)
    full_text = table.text  # (doc.text is built anew on every access)
    sentences = list(doc.sents)
    starts = [s.start for s in sentences]
    found: list[tuple[int, int, Cue]] = []
    previous: tuple[Cue, int] | None = None  # cue of the last attributed quote, and its last sentence
    for start, end in spans:
        text = full_text[start:end]
        stripped = text.strip()
        short = len(stripped.split()) < MIN_WORDS
        lead = len(text) - len(text.lstrip())
        start, end = start + lead, start + lead + len(stripped)
        label = turn_label(full_text, start, end)
        if label is not None:  # '"ROE: We will not yield."': a transcript turn, its speaker's label first
            start = label.end
        inside = doc.char_span(start, end, alignment_mode="expand")
        if inside is None:
            continue
        first_no = bisect.bisect_right(starts, inside.start) - 1
        sent_no = bisect.bisect_right(starts, inside.end - 1) - 1
        first_sent, last_sent = sentences[first_no], sentences[sent_no]
        if short and not opens_sentence(full_text, first_sent.start_char, start):
            continue  # a scare quote inside the reporter's sentence
        outside = [doc[i] for i in range(first_sent.start, last_sent.end) if not (start - 1 <= table.idx[i] < end + 1)]
        tag = tag_sentence(sentences, sent_no, end, full_text)
        if tag is not None:
            outside.extend(tag)
            sent_no += 1
        cue = own_cue(outside, inside, start, end, refs)
        if label is not None:
            cue = Cue(None, labelled(doc, label, refs), "own")
        elif cue.speaker is None:  # no cue, or one whose subject is 'I' in a turn ('ROE: I said "..."')
            cue = signed(doc, full_text, start, end, refs) or written_tag(inside, refs, full_text) or cue
        if short:  # '"Amazing," Davis said. "To be able to ..."': no quotation, but its speaker goes on
            if cue.how == "own":
                previous = (cue, sent_no)
            continue
        if cue.how is None and found and continues(full_text, found[-1][1], start):
            last = found[-1][2]  # a quotation running on into this paragraph
            cue = Cue(last.verb, last.speaker, "continued" if last.speaker else None)
        elif cue.how is None and opens_sentence(full_text, first_sent.start_char, start):
            intro = introduction(sentences, first_no, full_text, refs)
            if intro is not None:  # 'Novak said the talks had failed. "We are calm."', 'It wrote:\n\n"..."'
                cue = intro
            elif previous is not None and first_no - previous[1] <= CONTINUATION_GAP:
                last = previous[0]  # '"...," he said. "..."': the quote goes on
                cue = Cue(last.verb, last.speaker, "continued")
        elif cue.how is None:
            cue = woven(inside, refs) or cue
        found.append((start, end, cue))
        if cue.speaker is not None or cue.how in ("own", "introduced"):
            previous = (cue, sent_no)  # an unnamed speaker goes on unnamed, not as the one before
    backfill_paragraphs(found, full_text)
    return [quote(doc_id, full_text, start, end, cue) for start, end, cue in found]


def written_tag(inside: Span, refs: Referents, text: str | None = None) -> Cue | None:
    """'"...," Tulsa police Chief Ann Roe said Monday.', '"...," said Ann Roe': read off the words
    when the parse of the attribution went astray: after the closing mark, a name and a verb of
    saying next to each other, with nothing but the name's title words before them. `text`: the
    document's text, where the caller holds it (doc.text is built anew on every access)."""
    doc = inside.doc
    text = doc.text if text is None else text
    i = inside.end
    while i < len(doc) and doc[i].is_punct and doc[i].text != ".":
        i += 1
    if i == inside.end or i >= len(doc) or doc[i - 1].text not in (",", "”", '"', "’", "''", "?", "!"):
        return None
    paragraph_end = text.find("\n", doc[inside.end - 1].idx)
    words = [t for t in doc[i:min(i + TAG_WORDS, len(doc))] if paragraph_end < 0 or t.idx < paragraph_end]
    verb = next((t for t in words if t.lemma_.lower() in QUOTE_VERBS and t.pos_ in ("VERB", "AUX")), None)
    if verb is None:
        return None
    if verb.i == i:  # '"...," said Ann Roe'
        after = [t for t in doc[verb.i + 1:min(verb.i + 5, len(doc))] if paragraph_end < 0 or t.idx < paragraph_end]
        named = next((refs.at_token[t.i] for t in after if t.i in refs.at_token), None)
        names_first = bool(after) and after[0].i in refs.at_token or (len(after) > 1 and after[0].pos_ == "DET")
        return Cue(verb, named, "own") if named is not None and names_first and named.label in ("PERSON", "ORG") else None
    before = doc[i:verb.i]
    if any(t.is_punct for t in before) or before[-1].i not in refs.at_token:
        return None
    named = refs.at_token[before[-1].i]
    return Cue(verb, named, "own") if named.label in ("PERSON", "ORG") else None


@dataclass
class Label:
    start: int
    end: int  # where the words after the label begin
    name: str


def turn_label(text: str, start: int, end: int) -> Label | None:
    """'"ROE: We will not yield."': a speaker's label in capitals and a colon opening a quotation."""
    match = CAPS_LABEL.match(text, start, end)
    if match is None or sum(c.isalpha() for c in match.group(1)) < 2:
        return None
    return Label(start, match.end(), match.group(1))


def labelled(doc: Doc, label: Label, refs: Referents) -> Referent:
    """The person a label names: the mention it is, else the person named before whose name holds
    it ('WALLACE' after 'Chris Wallace'), else the label as written."""
    span = doc.char_span(label.start, label.start + len(label.name), alignment_mode="expand")
    if span is not None:
        for token in span:  # the model may take the colon and the words after it for the name too
            named = refs.at_token.get(token.i)
            if named is not None and named.label == "PERSON" and named.text.lower() in label.name.lower():
                return named
        last = label.name.split()[-1].lower().strip(".")
        named = nearest(refs, span.start, lambda r: r.label == "PERSON" and last in r.words)
        if named is not None:  # that person, as the label writes the name
            return Referent(named.key, label.name, "PERSON", named.words, gender=named.gender)
    return Referent(None, label.name, "PERSON")


def signed(doc: Doc, text: str, start: int, end: int, refs: Referents) -> Cue | None:
    """Round-ups: a quotation signed after a dash ('"..." ― Jane Roe'), or one a paragraph opens
    with a name and a colon ('Jane Roe, The Daily Ledger: "..."', 'ROE: ... "..." ...')."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    paragraph_end = text.find("\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    after = SIGNATURE.match(text, end, paragraph_end)
    if after is not None:
        named = named_at(doc, after.end(), refs)
        if named is not None:
            return Cue(None, named, "own")
    colon = text.find(":", paragraph_start, start)
    if colon < 0:
        return None
    head = text[paragraph_start:colon]
    caps = CAPS_LABEL.match(text, paragraph_start, colon + 2)
    if caps is not None and sum(c.isalpha() for c in caps.group(1)) >= 2:
        return Cue(None, labelled(doc, Label(paragraph_start, caps.end(), caps.group(1)), refs), "own")
    named = named_at(doc, paragraph_start, refs)
    span = doc.char_span(paragraph_start, colon, alignment_mode="expand")
    if named is None or span is None or len(head.split()) > 8 or any(t.pos_ in ("VERB", "AUX") for t in span):
        return None
    return Cue(None, named, "own")


def named_at(doc: Doc, char: int, refs: Referents) -> Referent | None:
    """The person or body whose name starts at this character."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None:
        return None
    named = refs.at_token.get(span.start)
    return named if named is not None and named.label in ("PERSON", "ORG") else None


def quote(doc_id: str, text: str, start: int, end: int, cue: Cue) -> Quote:
    speaker = cue.speaker
    speaker_text = None
    if speaker is not None:
        speaker_text = speaker.text if speaker.key else bare_description(speaker.text)
    return Quote(doc_id, text[start:end], start, end, speaker_text, speaker.key if speaker else None,
                 cue.verb.lemma_.lower() if cue.verb is not None else None, is_partial(text, start, end))


def bare_description(phrase: str) -> str:
    """An unnamed speaker without its determiner: "an officer" -> "officer", "one user" -> "user"."""
    words = phrase.split()
    while len(words) > 1 and words[0].lower() in DETERMINERS:
        words = words[1:]
    return " ".join(words)


def continues(text: str, previous_end: int, start: int) -> bool:
    """A quotation left open at the end of its paragraph goes on in the next paragraph when that
    one opens with a quote mark."""
    if previous_end < len(text) and text[previous_end] != "\n":
        return False  # the previous quotation was closed
    between = text[previous_end:start]
    return between.count("\n") >= 1 and between.strip() in QUOTE_MARKS


def backfill_paragraphs(found: list[tuple[int, int, Cue]], text: str) -> None:
    """'"First paragraph ...\n\n"... last paragraph," she said.': the cue at the end of a
    quotation that runs over paragraphs names the speaker of all of it."""
    for k in range(len(found) - 2, -1, -1):
        start, end, cue = found[k]
        later = found[k + 1][2]
        if cue.how in (None, "continued") and later.speaker is not None and continues(text, end, found[k + 1][0]):
            found[k] = (start, end, Cue(later.verb, later.speaker, "continued"))


def own_cue(outside: list[Token], inside: Span, start: int, end: int, refs: Referents) -> Cue:
    """The speech verb of the quotation with its subject; else 'according to X'. A verb whose
    subject the text gives but does not name ('one user posted') still settles the question:
    the quote is nobody's we know."""
    for verb, spoken in cue_verbs(outside, inside, start, end):
        subject = speaking_subject(verb)
        if subject is None or inside.start <= subject.i < inside.end:
            continue
        speaker = speaker_named_by(subject, refs)
        if spoken or (speaker is not None and speaker.key is not None):
            return Cue(verb, speaker, "own")  # any other verb before a colon, only with a named speaker
    source = source_in(outside, refs)
    verbs = speech_verbs(outside, QUOTE_VERBS)
    return Cue(verbs[0] if verbs else None, source, "own" if source is not None else None)


def cue_verbs(outside: list[Token], inside: Span, start: int, end: int) -> list[tuple[Token, bool]]:
    """Candidate speech verbs, best first: the verb that introduces the quotation ('he said, "..."'),
    then those above it in the parse, nearest first, then the others by distance. A verb in a
    relative clause that does not hold the quotation speaks of something else ('"...," on
    billboards in which people say ...'), nor one in a clause joined to the quotation's; 'a show
    called "..."' names, it does not quote.
    With each verb: whether it is a verb of speech (else it only stands before a colon)."""
    governors = quote_governors(inside)
    verbs = speech_verbs(outside, QUOTE_VERBS) + [v for v in outside if put_it(v)]
    verbs += [v for v in speech_verbs(outside, FRAMING_VERBS | GOVERNING_VERBS)
              if v.i in governors and v.dep_ != "acl" and v not in verbs and complement_of(v, inside)]
    verbs += [v for v in outside if v.pos_ == "VERB" and v not in verbs and frames(v, inside)]
    spoken = set(verbs)
    verbs += [v for v in outside if v.i in governors and introduces(v, inside) and v not in spoken]
    verbs = [v for v in verbs if v.i in governors or not (in_relative_clause(v) or beside(v, governors))]
    doc = inside.doc

    def rank(verb: Token) -> tuple[int, int]:
        if verb.i < inside.start and all(t.is_punct for t in doc[verb.i + 1:inside.start]):
            return 0, 0
        if verb.i in governors:
            return 1, governors[verb.i]
        return 2, verb.idx - end if verb.idx >= end else start - verb.idx

    return [(v, v in spoken) for v in sorted(verbs, key=rank)]


def woven(inside: Span, refs: Referents) -> Cue | None:
    """'Roe accused the board of a move that was "reckless and without precedent."', 'Roe dismissed
    the plan as "a fairy tale."': words quoted inside a sentence whose clause has a named subject
    are that subject's, whatever its verb. The nearest clause above the quotation with a subject of
    its own decides ('that' in a relative clause stands for a noun, so the clause above decides);
    a subject that names nobody leaves the quote unattributed."""
    top = max(top_tokens(inside), key=lambda t: -len(list(t.ancestors)), default=None)
    if top is None:
        return None
    for verb in top.ancestors:
        if verb.pos_ not in ("VERB", "AUX") or inside.start <= verb.i < inside.end:
            continue
        subject = own_subject(verb, passive=False)
        if subject is None:
            continue
        if subject.tag_ in ("WDT", "WP") and verb.dep_ == "relcl":
            continue
        named = subject_referent(counted(subject), refs)
        if named is None or named.key is None or named.label not in ("PERSON", "ORG", "NORP", "GPE"):
            return None
        return Cue(verb, named, "own")
    return None


def frames(verb: Token, inside: Span) -> bool:
    """'"...," Roe scoffed.', '"...," mused Roe', 'Roe implored, "..."': a verb that stands right
    beside the quotation with nothing but its subject and punctuation between, and says nothing
    else (no object or clause of its own), is a verb of saying, whatever the verb."""
    if any(c.dep_ in TAG_OBJECTS and not inside.start <= c.i < inside.end for c in verb.children):
        return False
    doc = inside.doc
    if verb.i < inside.start:  # not 'As he related, "..."' (a clause of its own)
        marks = doc[verb.i + 1:inside.start]
        return verb.dep_ == "ROOT" and all(t.is_punct for t in marks) and any(t.text in (",", ":") for t in marks)
    subject = own_subject(verb, passive=False)
    words = {t.i for t in subject.subtree} if subject is not None else set()
    between = doc[inside.end:verb.i]
    return (any(t.is_punct for t in between) and all(t.is_punct or t.i in words for t in between)
            and (subject is not None or verb.i + 1 < len(doc) and doc[verb.i + 1].dep_ in ("dobj", "attr", "npadvmod")))


def complement_of(verb: Token, inside: Span) -> bool:
    """The quotation is what the verb says or calls something, not part of its subject or of a
    clause about someone ('Buckley, who starred in "War & Peace", agreed to ...')."""
    for token in top_tokens(inside):
        path = [token]
        while path[-1].head.i not in (path[-1].i, verb.i):
            path.append(path[-1].head)
        if path[-1].head.i == verb.i and not any(t.dep_ in NOT_COMPLEMENT for t in path):
            return True
    return False


def top_tokens(inside: Span):
    """The tokens of a quotation whose head lies outside it (or that head their sentence), found from
    the document's table of heads (a Token made only for those)."""
    doc, head = inside.doc, tables(inside.doc).head
    return (doc[k] for k in range(inside.start, inside.end)
            if head[k] == k or not inside.start <= head[k] < inside.end)


def put_it(verb: Token) -> bool:
    """'As Gaiman put it, "..."'."""
    return verb.lemma_.lower() == "put" and any(c.dep_ == "dobj" and c.lower_ == "it" for c in verb.children)


def introduces(verb: Token, inside: Span) -> bool:
    """'Smith agreed: "..."', 'She wrote to her family: "..."': a verb whose clause ends in a colon
    right before the quotation introduces it, whatever the verb."""
    if verb.pos_ != "VERB" or inside.start < 2:
        return False
    doc, table = inside.doc, tables(inside.doc)  # the words between read from the table, not as Tokens
    colons = [k for k in range(verb.i + 1, inside.start) if table.texts[k] == ":"]
    return (bool(colons) and doc[colons[-1]].head == verb
            and all(table.is_punct[k] for k in range(colons[-1], inside.start)))


def beside(verb: Token, governors: dict[int, int]) -> bool:
    """'The army rejected it as "false", and analysts told us ...': a clause joined to the one that
    holds the quotation is about something else."""
    return any(t.dep_ == "conj" and t.head.i in governors for t in (verb, *verb.ancestors))


def in_relative_clause(verb: Token) -> bool:
    return any(t.dep_ == "relcl" for t in (verb, *verb.ancestors))


def quote_governors(inside: Span) -> dict[int, int]:
    """Token index -> rank of the words above the quotation in the parse, nearest first."""
    ranks: dict[int, int] = {}
    for token in top_tokens(inside):
        for rank, ancestor in enumerate(token.ancestors):
            if not inside.start <= ancestor.i < inside.end:
                ranks[ancestor.i] = min(rank, ranks.get(ancestor.i, rank))
    return ranks


def speaker_named_by(subject: Token, refs: Referents) -> Referent | None:
    subject = counted(subject)
    named = subject_referent(subject, refs)
    if named is not None or subject.pos_ not in ("NOUN", "PROPN"):
        return named
    phrase = noun_phrase(subject)
    return Referent(None, phrase.text, "GROUP")


def tag_sentence(sentences: list[Span], index: int, end: int, text: str) -> Span | None:
    """'"Where were you?" Roe asked.': the parser often ends a sentence at a quotation's closing
    mark; a short sentence right after it, in the same paragraph, that is only a speech verb and
    its speaker, is the quotation's attribution; so is any verb with only its subject after a
    quotation that ends in a comma, a question or an exclamation ('"Go away!" Roe scoffed.')."""
    if index + 1 >= len(sentences):
        return None
    current, after = sentences[index], sentences[index + 1]
    if text[end:current.end_char].strip(CLOSING_PUNCTUATION) or "\n" in text[current.end_char:after.start_char]:
        return None
    root = after.root
    if any(c.dep_ == "ccomp" for c in root.children):
        return None  # a sentence that reports something of its own
    spoken = [t for t in (root, *root.children) if t.lemma_.lower() in QUOTE_VERBS and t.pos_ == "VERB"
              and (t.i == root.i or t.dep_ == "xcomp")]  # 'Roe asked.', 'a soldier was heard shouting.'
    if not spoken and root.pos_ == "VERB" and len(after) <= TAG_WORDS and text[:end].rstrip()[-1:] in ",?!—" and not any(
            c.dep_ in TAG_OBJECTS for c in root.children) and any(c.dep_ == "nsubj" for c in root.children):
        spoken = [root]  # 'Roe scoffed.': any verb with only its subject is a verb of saying here
    if not spoken or any(c.dep_ in ("ccomp", "xcomp") for c in spoken[0].children):
        return None
    if any(mark in after.text for mark in QUOTE_MARKS):
        return None
    return after


def opens_sentence(text: str, sentence_start: int, quote_start: int) -> bool:
    """Speech that goes on from an earlier cue opens its sentence; a fragment quoted inside the
    reporter's own sentence does not (even where the parser starts a sentence at the quote mark:
    'hits like 1978's "Fool's Gold."')."""
    mark = quote_start - (2 if text[max(0, quote_start - 2):quote_start] == APOSTROPHES else 1)
    before = text[max(0, mark - LOOK_BACK):mark].rstrip(" \t")
    return not text[sentence_start:mark].strip() and (not before or before[-1] in SENTENCE_ENDS)


def introduction(sentences: list, index: int, text: str, refs: Referents) -> Cue | None:
    """The speaker of the sentence just before a quote, in the same paragraph, when that sentence
    is reported speech of its own (and holds no quotation); or of the paragraph before that ends
    with a colon, which introduces the quotation even when it names nobody ('the site carries
    this statement:')."""
    if index == 0:
        return None
    before, current = sentences[index - 1], sentences[index]
    between = text[before.start_char:current.start_char]
    colon = before.text.rstrip().endswith(":")
    if ("\n" in between and not colon) or any(mark in before.text for mark in QUOTE_MARKS):
        return None
    for verb in speech_verbs(before, QUOTE_VERBS):
        subject = speaking_subject(verb)
        if subject is not None:
            speaker = speaker_named_by(subject, refs)
            if speaker is not None:
                return Cue(verb, speaker, "introduced")
    mark = next((t for t in reversed(before) if t.text == ":"), None)
    verb = mark.head if mark is not None else None
    while verb is not None and verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head  # 'made the following comment:' hangs the colon on the noun
    if colon and verb is not None and verb.pos_ in ("VERB", "AUX"):  # 'Roe continued:', 'Roe made this comment:'
        subject = speaking_subject(verb)  # (not 'a site which carries this statement:')
        speaker = speaker_named_by(subject, refs) if subject is not None else None
        if speaker is not None and speaker.key is not None:
            return Cue(verb, speaker, "introduced")
    return Cue(None, None, "introduced") if colon else None


def quoted_tokens(doc: Doc, spans: list[tuple[int, int]]) -> frozenset[int]:
    inside = set()
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            inside.update(range(span.start, span.end))
    return frozenset(inside)


def is_partial(text: str, start: int, end: int) -> bool:
    """A fragment woven into the reporter's sentence: it neither starts with a capital nor ends
    with the punctuation of a sentence of its own."""
    quoted = text[start:end]
    ends_sentence = quoted.rstrip()[-1:] in ".!?,…"
    return not (quoted[:1].isupper() and ends_sentence)
