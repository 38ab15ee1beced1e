"""Quotations and their speakers on sentences written here (invented people, places and events):
one test per attribution form news uses, and the cases where the text names no speaker."""
from __future__ import annotations

import pytest

from newsfacts import extract
from newsfacts.extract.quotes import bare_description, opens_sentence, quote_spans
from newsfacts.records import CleanedDocument


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


def quotes_of(nlp, text: str):
    return extract.extract_documents([CleanedDocument("d", text)], nlp)[0].quotes


def speakers(nlp, text: str) -> dict[str, tuple[str | None, str | None]]:
    """First three words of each quote -> (speaker_text, speaker_key)."""
    return {" ".join(q.text.split()[:3]): (q.speaker_text, q.speaker_key) for q in quotes_of(nlp, text)}


def test_post_posed_verb_with_age_and_relative_clause(nlp):
    found = speakers(nlp, '"We will rebuild every house," said Jane Roe, 29, who lost her home in the flood.')
    assert found["We will rebuild"][1] == "jane roe"


def test_inverted_verb_with_a_body_named_before(nlp):
    text = ("The Marvel Bay Port Authority closed the harbour on Friday after the storm.\n\n"
            '"Ships will wait outside until Monday," added the authority.')
    assert speakers(nlp, text)["Ships will wait"][1] == "marvel bay port authority"


def test_a_description_then_the_name(nlp):
    text = '"The talks are over," the spokesman for the president, John Doe, told Radio Tarvo on Sunday.'
    assert speakers(nlp, text)["The talks are"][1] == "john doe"


def test_x_told_y_and_a_colon(nlp):
    text = 'Interior Minister Petra Lindqvist told the Harbour Gazette: "Nobody will be evicted this winter."'
    assert speakers(nlp, text)["Nobody will be"][1] == "petra lindqvist"


def test_according_to_and_a_bare_surname(nlp):
    text = ('Mayor Maria Delgado toured the dam on Monday. According to Delgado, the wall "will hold through the winter." '
            'Engineers disagreed.\n\n"We checked every pipe twice," Delgado said.')
    found = speakers(nlp, text)
    assert found["will hold through"][1] == "maria delgado"
    assert found["We checked every"][1] == "maria delgado"


def test_a_spokesperson_speaks_for_the_company_named_before(nlp):
    text = ("Shares of Microsoft fell on Tuesday after the report.\n\n"
            '"We are reviewing the findings," a company spokesperson said in an email.')
    assert speakers(nlp, text)["We are reviewing"][1] == "microsoft"


def test_a_named_companys_spokesperson_speaks_for_it(nlp):
    text = '"We are cooperating with the inquiry," a Microsoft spokesperson said.'
    assert speakers(nlp, text)["We are cooperating"][1] == "microsoft"


def test_a_group_speaks_through_a_letter_and_a_statement(nlp):
    text = ("The group, Tenants United, formed in June and sent a letter to the landlord on Friday "
            'stating that they "will not pay another cent."\n\n'
            'The Harlow Tenants Union issued a statement saying "the rent rise is unlawful."')
    found = speakers(nlp, text)
    assert found["will not pay"][1] == "tenants united"
    assert found["the rent rise"][1] == "harlow tenants union"


def test_the_group_is_not_several_groups_named_before(nlp):
    text = ("Two rebel groups, the Free Valley Front and the Hill Brigade, claimed the raid.\n\n"
            "The Free Valley Front said on Telegram that it had taken the bridge at Orsk.\n\n"
            '"The road to the capital is open," the group wrote.')
    assert speakers(nlp, text)["The road to"][1] == "free valley front"


def test_a_quote_running_over_paragraphs_has_one_speaker(nlp):
    text = ('Governor Petra Lind spoke after the vote. "The first part of a long statement goes on here '
            "and is not closed at the end of this paragraph.\n\n"
            '"The second part ends it," she said.\n\n'
            '"The flood was not our fault and we will say so in court, every day, for as long as it takes.\n\n'
            '"We will appeal," said Mayor Tomas Reyes.')
    found = speakers(nlp, text)
    assert found["The first part"][1] == found["The second part"][1] == "petra lind"
    assert found["The flood was"][1] == found["We will appeal,"][1] == "tomas reyes"


def test_a_user_of_a_platform_is_not_the_platform_nor_the_last_person_named(nlp):
    text = ('Mayor Ana Ruiz said the bridge would reopen soon. "It could take months?" one user on Facebook posted.\n\n'
            '"Nobody tells us anything," one Facebook commenter wrote.\n\n'
            'According to Reuters, another user posted: "We are all scared."')
    found = speakers(nlp, text)
    for quote in ("It could take", "Nobody tells us", "We are all"):
        assert found[quote][1] is None, quote
    assert found["It could take"][0] == "user"
    assert found["Nobody tells us"][0] == "Facebook commenter"


def test_an_unnamed_patient_is_nobody_named(nlp):
    text = ("Dr. Kim Alder of Harwick Hospital treated a 43-year-old man in May. "
            'According to the man, the pills "worked within two days."')
    assert speakers(nlp, text)["worked within two"] == ("man", None)


def test_a_statement_introduced_by_a_colon_is_not_the_last_speaker(nlp):
    text = ('"We are on it," Governor Petra Lind said.\n\n'
            "The campaign website carries the following statement:\n\n"
            '"Harlow has a problem. There is no single solution."')
    assert speakers(nlp, text)["Harlow has a"] == (None, None)


def test_an_attribution_the_parser_cut_off_as_its_own_sentence(nlp):
    text = ('Mayor Ana Ruiz said the town would recover. "Where were you when the water came?" Tomas Reyes asked. '
            '"We waited for hours."')
    found = speakers(nlp, text)
    assert found["Where were you"][1] == found["We waited for"][1] == "tomas reyes"


def test_generic_speakers_keep_their_noun_without_the_article(nlp):
    text = ('"Open the gate! Now!" an officer shouted.\n\n"Hands up!" officers yelled at the driver.\n\n'
            '"It is a shame to see a man die like this," the doctor said.')
    found = speakers(nlp, text)
    assert found["Open the gate!"] == ("officer", None)
    assert found["Hands up!"] == ("officers", None)
    assert found["It is a"] == ("doctor", None)
    assert bare_description("an officer") == "officer" and bare_description("the doctor") == "doctor"


def test_a_framing_verb_makes_the_fragment_the_subjects_but_a_name_is_no_quote(nlp):
    text = ('Mayor Maria Delgado called the plan a "reckless gamble with our future." '
            'The band played a new song called "River of Salt" on Friday.')
    found = speakers(nlp, text)
    assert found["reckless gamble with"][1] == "maria delgado"
    assert found["River of Salt"] == (None, None)


def test_a_verb_in_a_relative_clause_speaks_of_something_else(nlp):
    text = '"Harlow Cares" is rolling out on billboards on which people say, "I need help."'
    found = speakers(nlp, text)
    assert found["Harlow Cares"] == (None, None)


def test_the_subject_inside_the_quote_is_not_the_speaker(nlp):
    text = ('"The mission we flew took one launch," Tomas Reyes, a member of the first crew, responded.')
    assert speakers(nlp, text)["The mission we"][1] == "tomas reyes"


def test_the_verb_that_introduces_the_quote_wins_over_an_outer_attribution(nlp):
    text = ('A clerk recalled that Mayor Ana Ruiz said, "I will close the market on Monday," '
            "the city council said in a statement.")
    assert speakers(nlp, text)["I will close"][1] == "ana ruiz"


def test_mixed_and_reversed_quote_marks_pair():
    text = 'He shouted "Open the door! Now!” and left.\nAnother said: ”The flood is coming.”'
    spans = [text[s:e] for s, e in quote_spans(text)]
    assert spans == ["Open the door! Now!", "The flood is coming."]


def test_verbs_that_cue_only_the_quotation_they_govern(nlp):
    text = ('The Harlow Water Board apologised on Friday. "We regret the outage," the statement read. '
            '"Every customer will be refunded," it continued.\n\n'
            'Engineer Tomas Reyes agreed: "The pipes are too old."\n\n'
            'Reyes continued to work on the pumps on Saturday.')
    found = speakers(nlp, text)
    assert found["We regret the"][1] == found["Every customer will"][1] == "harlow water board"
    assert found["The pipes are"][1] == "tomas reyes"


def test_as_x_put_it(nlp):
    text = 'As Petra Lind put it, "Had the dam broken, the valley would be gone."'
    assert speakers(nlp, text)["Had the dam"][1] == "petra lind"


def test_a_colon_after_any_verb_introduces_a_named_speaker_only(nlp):
    text = ('Jane Roe had her own view of the trial: "It was a circus from the first day."\n\n'
            'The process led to a realisation: "Nobody had read the contract."')
    found = speakers(nlp, text)
    assert found["It was a"][1] == "jane roe"
    assert found["Nobody had read"] == (None, None)


def test_the_person_described_by_age_is_the_one_just_named(nlp):
    text = ('Coach Pablo Ferreira was appointed on Tuesday. The 56-year-old said after his appointment: '
            '"I am excited to be here."')
    assert speakers(nlp, text)["I am excited"][1] == "pablo ferreira"


def test_in_the_words_of_an_unnamed_patient(nlp):
    text = ('Dr. Kim Alder wrote the case report. Here is how bad it got, in the words of the patient: '
            '"I could only manage two stairs at a time."')
    assert speakers(nlp, text)["I could only"] == ("patient", None)


def test_a_one_word_quote_passes_its_speaker_on(nlp):
    text = '"Amazing," Tomas Reyes said after the match. "To win there is something special."'
    found = speakers(nlp, text)
    assert "Amazing," not in found, "one quoted word is no quotation"
    assert found["To win there"][1] == "tomas reyes"


def test_two_apostrophes_close_a_double_quotation():
    text = "“It was an attempt to mislead voters,’’ Will Moy told the BBC."
    assert [text[s:e] for s, e in quote_spans(text)] == ["It was an attempt to mislead voters,"]


def test_speech_reported_through_a_passive_verb(nlp):
    text = ('Governor Petra Lind was quoted as saying "the budget is dead."\n\n'
            '"Get down!" a soldier was heard shouting.')
    found = speakers(nlp, text)
    assert found["the budget is"][1] == "petra lind"
    assert found["Get down!"] == ("soldier", None)


def test_an_unnamed_speaker_goes_on_unnamed(nlp):
    text = ('Mayor Ana Ruiz said the bridge would reopen. "It could take months," another resident said. '
            '"Nobody tells us anything."')
    found = speakers(nlp, text)
    assert found["Nobody tells us"] == found["It could take"] == ("resident", None)
    text = ('Governor Petra Lind spoke first. "We will rebuild," she said.\n\n'
            'Another reportedly said: "The flood is coming." "Nobody listens to us."')
    found = speakers(nlp, text)
    assert found["The flood is"][1] is None and found["Nobody listens to"][1] is None


def test_a_clause_joined_to_the_quotations_is_not_its_cue(nlp):
    text = ('The Harlow Water Board rejected the claims as "utterly baseless," and two engineers '
            'told the Harlow Gazette the pumps had failed twice.')
    assert "engineers" not in (speakers(nlp, text)["utterly baseless,"][0] or "")


def test_a_number_of_people_speak_as_the_people(nlp):
    text = 'The new video shows a series of Harlow residents declaring, "We will not move."'
    assert speakers(nlp, text)["We will not"] == ("Harlow residents", None)


def test_a_quote_mark_after_a_word_does_not_open_a_sentence():
    text = 'The band is known for hits like 1978\'s "River of Salt and Stone."'
    mark = text.index('"')
    # even where the parser starts a sentence at the mark, a title inside the sentence goes on no speech
    assert not opens_sentence(text, mark, mark + 1)
    text = 'Reyes left. "We will be back."'
    assert opens_sentence(text, text.index('"'), text.index('"') + 1)


def test_she_and_he_skip_a_person_whose_title_says_otherwise(nlp):
    text = ('Ms Petra Lind met Mr. Tomas Reyes in Harlow on Monday. Reyes spoke first about the dam.\n\n'
            '"We will not sign this," she said.\n\n"Nor will we," he said.')
    found = speakers(nlp, text)
    assert found["We will not"][1].endswith("petra lind")
    assert found["Nor will we,"][1].endswith("tomas reyes")


def test_a_statement_speaks_for_its_author(nlp):
    text = ('"The harbour stays closed," said a statement from the Marvel Bay Port Authority.\n\n'
            'A statement by the Harlow Tenants Union said "the rent rise is unlawful."')
    found = speakers(nlp, text)
    assert found["The harbour stays"][1] == "marvel bay port authority"
    assert found["the rent rise"][1] == "harlow tenants union"


def test_a_participle_after_a_prepositional_phrase_belongs_to_the_clause(nlp):
    text = ('Palace spokesman Tomas Reyes cast the strike as an “attack” of “grave concern”, promising '
            '“a firm response from the army”.')
    assert speakers(nlp, text)["a firm response"][1] == "tomas reyes"


def test_two_apostrophes_as_quotation_marks(nlp):
    text = ("''We will not yield on the budget,'' Jane Roe said on Monday. Her rival, Tom Vale, "
            "called it ''a reckless move by the board.''")
    found = speakers(nlp, text)
    assert found["We will not"][1] == "jane roe"
    assert found["a reckless move"][1] == "tom vale"


def test_a_quotation_nested_in_another_does_not_end_it():
    text = '"VALE: It is like “Dragon Den.” But this is a state, Ann.\n“He calls it “hell” and means it.”'
    assert [text[a:b] for a, b in quote_spans(text)] == [
        "VALE: It is like “Dragon Den.” But this is a state, Ann.", "He calls it “hell” and means it."]


def test_transcript_turns_credit_the_label(nlp):
    text = ('Governor Tom Vale spoke to the host Ann Brell on Sunday.\n\n'
            '"BRELL: Let us start with the budget. Will you sign it?\n\n'
            '"VALE: Well, look, the plan is like “Dragon Den.” But this is a state, Ann. We will not yield.')
    quotes = quotes_of(nlp, text)
    by_start = {" ".join(q.text.split()[:2]): q for q in quotes}
    assert by_start["Let us"].speaker_key == "ann brell" and by_start["Let us"].speaker_text == "BRELL"
    assert by_start["Well, look,"].speaker_key == "tom vale"
    assert not any(q.text.startswith(("BRELL", "VALE")) for q in quotes)


def test_round_up_signatures(nlp):
    text = ("“The plan is a disgrace to the whole town council.” ― Maria Delgado\n\n"
            "“I have never seen such a waste of money in my life.”― Peter Olsen, a retired teacher.\n\n"
            'Jane Roe, The Daily Ledger: "The council has lost its way on housing."')
    found = speakers(nlp, text)
    assert found["The plan is"][1] == "maria delgado"
    assert found["I have never"][1] == "peter olsen"
    assert found["The council has"][1] == "jane roe"


def test_a_quote_inside_a_transcript_turn(nlp):
    text = "ROE: Well, I have said it many times and “I will say it again to the voters.” That is all."
    assert speakers(nlp, text)["I will say"][0] == "ROE"


@pytest.mark.parametrize("text", [
    '"We will build it anyway," Jane Roe scoffed.',
    '"We will build it anyway," mused Jane Roe on Tuesday.',
    'Jane Roe implored, "Please do not close the library."',
])
def test_any_verb_of_saying_beside_the_quotation(nlp, text):
    assert [q.speaker_key for q in quotes_of(nlp, text)] == ["jane roe"]


def test_partial_quotes_inside_reported_speech(nlp):
    text = ('Senator Ann Holt accused the board of a move that was "reckless and without precedent." '
            'Her aide, Tom Vale, dismissed the plan as "a fairy tale for the rich."')
    found = speakers(nlp, text)
    assert found["reckless and without"][1] == "ann holt"
    assert found["a fairy tale"][1] == "tom vale"


def test_a_title_in_quotes_inside_a_sentence_without_a_named_subject(nlp):
    text = 'The bill, known as the "Clean Water Protection Act," passed on Monday.'
    assert [q.speaker_key for q in quotes_of(nlp, text)] == [None]


def test_a_paragraph_ending_in_a_colon_names_the_speaker_of_the_quote_after_it(nlp):
    text = 'Mayor Ann Holt spoke at the council on Monday.\n\nHolt continued:\n\n"The budget is not a wish list for anyone."'
    assert speakers(nlp, text)["The budget is"][1] == "ann holt"


def test_a_site_which_carries_a_statement_is_not_its_reader(nlp):
    text = ('Jane Roe shared the address of the site, which carries the following statement:\n\n'
            '"Our town has a problem with the water supply and it will take years."')
    assert speakers(nlp, text)["Our town has"] == (None, None)


def test_an_attribution_read_off_the_words_stays_in_its_paragraph(nlp):
    text = ('"We counted every vote twice," said Ann Holt, a lawyer in Tarvo. "If the count is wrong, the '
            'whole board is wrong."\n\nBut Tom Vale and Peter Olsen say the count was late.')
    assert speakers(nlp, text)["If the count"][1] == "ann holt"


def test_a_dateline_is_no_speaker(nlp):
    text = ("TARVO -- Mayor Ann Holt, opening the new bridge on Saturday, said it would carry a story of "
            "''hope and hard work and many long winters.''")
    assert speakers(nlp, text)["hope and hard"][1] == "ann holt"


def test_a_colon_after_a_noun_introduces_its_verbs_subject(nlp):
    text = 'On Monday, Ann Holt made the following comment:\n\n"The budget is not a wish list for anyone in this town."'
    assert speakers(nlp, text)["The budget is"][1] == "ann holt"
