"""The extract stage on small texts written here: real spaCy parses, no sample strings."""
from __future__ import annotations

from datetime import date

import pytest

from newsfacts import extract
from newsfacts.link import link_entities
from newsfacts.records import CleanedDocument


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


def facts_of(nlp, text: str, published: date | None = None, doc_id: str = "d"):
    cleaned = CleanedDocument(doc_id, text, published_date=published)
    return extract.extract_documents([cleaned], nlp)[0]


def test_figures_carry_value_qualifier_kind_and_claimant(nlp):
    text = ("Interior Minister Paul Ostrowski said on Friday that more than 40 protesters were killed in the capital. "
            "At least 12 people were wounded, according to local hospitals.")
    figures = {(f.value, f.qualifier, f.kind): f for f in facts_of(nlp, text).figures}
    killed = figures[(40.0, "more_than", "killed")]
    assert killed.claimant_text == "Paul Ostrowski" and "protesters" in killed.counted
    assert text[killed.char_start:killed.char_end] == "more than 40"
    wounded = figures[(12.0, "at_least", "wounded")]
    assert wounded.claimant_text == "local hospitals" and wounded.claimant_key is None


def test_words_dozens_and_single_victims(nlp):
    text = ("A dozen soldiers were injured. Shelling has killed dozens of villagers. "
            "The blast killed three miners and wounded a 12-year-old girl. Some 2,500 residents were evacuated.")
    found = {(f.value, f.qualifier, f.kind) for f in facts_of(nlp, text).figures}
    assert (12.0, "about", "wounded") in found
    assert (None, "vague", "killed") in found
    assert (3.0, "exact", "killed") in found
    assert (1.0, "exact", "wounded") in found
    assert (2500.0, "about", "evacuated") in found
    assert not any(value == 12.0 and kind != "wounded" for value, _, kind in found), "an age is not a figure"


def test_years_durations_and_distances(nlp):
    text = ("The war began in February 2014 and has lasted nine years. "
            "The town lies about 30 kilometres from the front, where one of the bridges fell.")
    figures = facts_of(nlp, text).figures
    assert [(f.value, f.qualifier, f.kind) for f in figures] == [(30.0, "about", "distance_km")]


def test_quotes_with_pronoun_and_description_speakers(nlp):
    text = ('Mayor Lena Okafor said the water supply was restored. "Everyone can go home tonight," she added.\n\n'
            'The Harbour Authority closed the port. "Ships will wait outside until Monday," the authority wrote. '
            '"We regret the delay."')
    quotes = facts_of(nlp, text).quotes
    speakers = {q.text[:12]: q.speaker_key for q in quotes}
    assert speakers["Everyone can"] == "lena okafor"
    assert speakers["Ships will w"] == "harbour authority"
    assert speakers["We regret th"] == "harbour authority", "a quote without a cue continues the previous one"
    assert all(text[q.char_start:q.char_end] == q.text for q in quotes)


def test_partial_and_scare_quotes(nlp):
    text = 'The minister called the report “a work of fiction” and rejected what he termed “sabotage”.'
    quotes = facts_of(nlp, text).quotes
    assert [q.text for q in quotes] == ["a work of fiction"] and quotes[0].is_partial


def test_mentions_join_surnames_titles_acronyms_and_aliases(nlp):
    text = ("Defence chief Marta Kowalczyk visited the Baltic Maritime Agency (BMA) on Monday. "
            "Ms Kowalczyk praised the BMA. The Northern Shield Brigade, also known as the Polar Brigade, "
            "escorted her. Kowalczyk left later.")
    keys = {m.text: m.local_key for m in facts_of(nlp, text).mentions}
    assert keys["Ms Kowalczyk"] == keys["Kowalczyk"] == "marta kowalczyk"
    assert keys["BMA"] == keys["the Baltic Maritime Agency"]
    assert keys["the Polar Brigade"] == keys["The Northern Shield Brigade"]


def test_relative_days_resolve_against_the_publication_date(nlp):
    text = "Officials said on Monday that 14 people were wounded. Yesterday four more were injured, police said."
    figures = facts_of(nlp, text, published=date(2024, 3, 6)).figures  # a Wednesday
    dates = {f.value: f.event_date for f in figures}
    assert dates[14.0] == date(2024, 3, 4)
    assert dates[4.0] == date(2024, 3, 5)
    assert facts_of(nlp, text).figures[0].event_date is None, "no publication date, nothing to resolve against"


def test_linking_merges_spellings_and_keeps_namesakes_apart(nlp):
    a = facts_of(nlp, "Governor Oleksandr Tkachenko said Kharkiv was calm. Tkachenko spoke to Reuters.", doc_id="a")
    b = facts_of(nlp, "Governor Oleksandr Tkatchenko said the city of Kharkov was calm.", doc_id="b")
    c = facts_of(nlp, "Ivan Tkachenko, a footballer, scored twice.", doc_id="c")
    entities, links = link_entities(a.mentions + b.mentions + c.mentions)
    entity_of = {(link.doc_id, link.local_key): link.entity_id for link in links}
    assert entity_of[("a", "oleksandr tkachenko")] == entity_of[("b", "oleksandr tkatchenko")]
    assert entity_of[("c", "ivan tkachenko")] != entity_of[("a", "oleksandr tkachenko")]
    person = next(e for e in entities if e.entity_id == entity_of[("a", "oleksandr tkachenko")])
    assert person.entity_type == "PERSON" and person.document_count == 2


def test_single_curly_quotes_and_apostrophes(nlp):
    text = "‘We won’t leave,’ said farmer Tomas Reyes. The village’s mayor stayed."
    quotes = facts_of(nlp, text).quotes
    assert [(q.text, q.speaker_key) for q in quotes] == [("We won’t leave,", "tomas reyes")]


def test_a_spokesperson_speaks_for_the_body_and_a_new_description_is_not_the_old_one(nlp):
    text = ("At least 52 people were killed, the health ministry said. "
            "Police arrested six men, the interior ministry said. "
            "Hospitals treated about 150 patients, a spokeswoman for the Red Crescent told reporters.")
    claimants = {f.value: f.claimant_text for f in facts_of(nlp, text).figures}
    assert claimants[52.0] == "the health ministry"
    assert claimants[6.0] == "the interior ministry"
    assert claimants[150.0] == "the Red Crescent"


def test_a_toll_that_passes_a_number_is_more_than_it(nlp):
    figures = facts_of(nlp, "The death toll passed 400 on Friday, officials said.").figures
    assert [(f.value, f.qualifier, f.kind, f.claimant_text) for f in figures] == [(400.0, "more_than", "killed", "officials")]


def test_a_reported_sentence_introduces_the_quote_after_it(nlp):
    text = ('Mayor Ana Ruiz said the bridge would reopen soon. "We are doing everything we can."\n\n'
            '"Nobody knows when," a resident said.\n\n"It could take months."')
    quotes = facts_of(nlp, text).quotes
    assert quotes[0].speaker_key == "ana ruiz" and quotes[0].cue_verb == "say"
    assert (quotes[2].speaker_text, quotes[2].speaker_key) == ("resident", None), "the latest speaker goes on"


def test_entity_ids_are_unique_when_a_title_form_stands_alone():
    from newsfacts.records import EntityMention

    mentions = [
        EntityMention("d1", "Dr. Quillon", "PERSON", 0, 11, "Dr. Quillon"),
        EntityMention("d2", "Quillon", "PERSON", 0, 7, "Quillon"),
        EntityMention("d3", "Quillon", "ORG", 0, 7, "Quillon"),
    ]
    entities, links = link_entities(mentions)
    ids = [e.entity_id for e in entities]
    assert len(ids) == len(set(ids))
    entity_of = {link.doc_id: link.entity_id for link in links}
    assert entity_of["d1"] == entity_of["d2"], "the title form and the bare name are one person"


def test_pieces_join_back_fit_the_limit_and_end_at_the_best_boundary():
    paragraphs = ["The ferry left Port Alder at dawn. It carried 40 passengers.", "Fog closed the harbour by noon.",
                  "Crews searched all afternoon and found the boat near the cliffs."]
    text = "\n\n".join(paragraphs)
    pieces = extract.split_into_pieces(text, 80)
    assert "".join(piece for _, piece in pieces) == text
    assert all(len(piece) <= 80 and text[start:start + len(piece)] == piece for start, piece in pieces)
    assert [piece for _, piece in pieces] == [paragraphs[0] + "\n\n", paragraphs[1] + "\n\n", paragraphs[2]]
    one_paragraph = " ".join(paragraphs)
    first, *_ = extract.split_into_pieces(one_paragraph, 80)
    assert first[1] == "The ferry left Port Alder at dawn. It carried 40 passengers. "  # a sentence end
    unbroken = "x" * 250
    assert [len(p) for _, p in extract.split_into_pieces(unbroken, 100)] == [100, 100, 50]
    assert extract.split_into_pieces("Short.", 100) == [(0, "Short.")]


def test_a_body_longer_than_the_parser_takes_is_parsed_in_pieces_with_offsets_into_the_whole(nlp, monkeypatch):
    paragraph = ('Harbour master Ilse Varga said on Monday that 14 fishermen were missing off Port Alder. '
                 '"We will search through the night," Varga said.')
    body = "\n\n".join(paragraph.replace("14", str(n)) for n in range(10, 16))
    monkeypatch.setattr(nlp, "max_length", 400)  # longer than two paragraphs: spaCy would refuse the body (E088)
    facts = facts_of(nlp, body)
    assert sorted(f.value for f in facts.figures if f.kind == "missing") == [10, 11, 12, 13, 14, 15]
    assert len(facts.quotes) == 6 and {q.speaker_text for q in facts.quotes} <= {"Ilse Varga", "Varga"}
    for fact in [*facts.mentions, *facts.quotes]:
        assert body[fact.char_start:fact.char_end] == fact.text
    for figure in facts.figures:
        assert body[figure.char_start:figure.char_end] == figure.value_text and figure.sentence in body
    assert max(q.char_start for q in facts.quotes) > 400
    monkeypatch.setattr(nlp, "max_length", 1_000_000)
    whole = facts_of(nlp, body)
    assert facts.word_count == whole.word_count
    assert [(m.char_start, m.text) for m in facts.mentions] == [(m.char_start, m.text) for m in whole.mentions]


def test_batches_are_bounded_by_texts_and_by_characters():
    pieces = [(i, 0, "x" * n) for i, n in enumerate([50, 50, 50, 120, 10, 10, 10])]
    sizes = [[len(text) for _, _, text in batch] for batch in extract.batches(pieces, size=2, max_chars=100)]
    assert sizes == [[50, 50], [50], [120], [10, 10], [10]]


def test_the_pipeline_language_is_read_without_loading_it(nlp):
    assert extract.pipeline_language() == nlp.lang == "en"
