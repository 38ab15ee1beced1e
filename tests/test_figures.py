"""Figures and their claimants on invented news sentences: real spaCy parses, one rule per test."""
from __future__ import annotations

import pytest

from newsfacts import extract
from newsfacts.records import CleanedDocument


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


def figures_of(nlp, text: str):
    return extract.extract_documents([CleanedDocument("d", text)], nlp)[0].figures


def found(nlp, text: str) -> set[tuple]:
    return {(f.value, f.qualifier, f.kind) for f in figures_of(nlp, text)}


def claimants(nlp, text: str) -> dict[tuple, str | None]:
    return {(f.value, f.kind): f.claimant_text for f in figures_of(nlp, text)}


SCORED = {"killed", "died", "wounded", "displaced", "evacuated", "destroyed", "detained", "missing", "infected",
          "laid_off"}


def scored(nlp, text: str) -> set[tuple]:
    return {item for item in found(nlp, text) if item[2] in SCORED and item[0] is not None}


# ---------- disease cases ----------

def test_people_diagnosed_infected_or_testing_positive_are_infected(nlp):
    text = ("Four people in the river town of Marlow were diagnosed with cholera last week. "
            "Health officers said 17 residents had tested positive. "
            "The fever has infected at least 230 people across the valley.")
    assert {(4.0, "exact", "infected"), (17.0, "exact", "infected"), (230.0, "at_least", "infected")} <= found(nlp, text)


def test_cases_count_as_infections_in_a_story_about_a_disease(nlp):
    text = ("The measles outbreak in Dunmore has grown. The clinic confirmed 14 new cases on Monday, "
            "and there were 310 cases reported nationwide last year, including 6 deaths.")
    assert {(14.0, "exact", "infected"), (310.0, "exact", "infected"), (6.0, "exact", "killed")} <= found(nlp, text)


def test_court_cases_are_not_infections(nlp):
    text = "The judge in Harlow heard 40 cases last month and dismissed 12 of them."
    assert not scored(nlp, text)


def test_people_who_contracted_a_disease_are_infected(nlp):
    text = ("The regional health board said the farmer was one of three people who contracted the virus. "
            "Two hikers caught the flu on the trail.")
    assert {(3.0, "exact", "infected"), (2.0, "exact", "infected")} <= found(nlp, text)


def test_a_company_contracting_builders_is_no_infection(nlp):
    assert not scored(nlp, "The council contracted two builders to repair the bridge in Oakvale.")


def test_up_to_a_dozen_keeps_its_qualifier(nlp):
    text = "Rabies is rare in Norland, with up to a dozen people diagnosed every year."
    assert (12.0, "up_to", "infected") in found(nlp, text)


# ---------- jobs cut ----------

def test_jobs_cut_and_workers_laid_off(nlp):
    text = ("Brightline Motors said it would cut 1,200 jobs at its Tarnow plant. "
            "The retailer laid off more than 300 employees in March, and 45 drivers were fired on Friday. "
            "The bank announced 800 job cuts.")
    assert {(1200.0, "exact", "laid_off"), (300.0, "more_than", "laid_off"), (45.0, "exact", "laid_off"),
            (800.0, "exact", "laid_off")} <= found(nlp, text)


def test_workers_told_their_employment_ends_and_staff_receiving_notice_amid_layoffs(nlp):
    text = ("Layoffs at Corvane began this week. About 250 warehouse workers have been told that their "
            "employment will be terminated in January. In all, some 900 people are expected to receive notice.")
    assert {(250.0, "about", "laid_off"), (900.0, "about", "laid_off")} <= found(nlp, text)


def test_a_workforce_or_a_share_of_it_is_not_the_number_cut(nlp):
    text = ("Layoffs are coming at Corvane. The firm had 8,000 employees in June, "
            "and a third of its 6,000 staff will lose their jobs.")
    assert not scored(nlp, text)


def test_several_hundred_is_vague(nlp):
    figures = figures_of(nlp, "Corvane laid off several hundred workers.")
    assert [(f.value, f.qualifier, f.kind) for f in figures] == [(None, "vague", "laid_off")]


def test_fired_rockets_are_no_layoffs(nlp):
    assert not scored(nlp, "The militia fired 40 rockets at the border town of Keld.")


# ---------- detained ----------

def test_hostages_prisoners_and_people_held_are_detained(nlp):
    text = ("The rebels freed three hostages on Sunday in exchange for five of their fighters held by the army. "
            "The government released 40 prisoners.")
    assert {(3.0, "exact", "detained"), (5.0, "exact", "detained"), (40.0, "exact", "detained")} <= found(nlp, text)


def test_a_meeting_held_is_nothing(nlp):
    assert not scored(nlp, "The two leaders held three meetings in Vessa.")


# ---------- casualties ----------

def test_perished_and_hospitalised(nlp):
    text = "Some 400 sailors perished when the ferry sank. Six passengers were hospitalised after the crash."
    assert {(400.0, "about", "died"), (6.0, "exact", "wounded")} <= found(nlp, text)


def test_an_estimated_figure_is_the_figure_as_stated(nlp):
    text = "The famine of the 1870s killed an estimated 3 million people in the province of Vell."
    assert (3_000_000.0, "exact", "killed") in found(nlp, text)


def test_a_number_in_an_adjunct_is_not_the_victims(nlp):
    text = ("At least 40 miners in 12 towns were killed in three separate blasts, "
            "and police arrested a suspect on four charges.")
    assert scored(nlp, text) == {(40.0, "at_least", "killed")}


def test_a_single_victim_counts_only_beside_other_counts(nlp):
    alone = "A stabbing on the Elm Street tram killed a passenger on Tuesday. Police arrested a man nearby."
    assert not scored(nlp, alone)
    listed = "The shelling killed four soldiers and wounded a nurse."
    assert {(4.0, "exact", "killed"), (1.0, "exact", "wounded")} <= found(nlp, listed)


def test_a_couple_and_a_bare_infinitive_are_no_single_victims(nlp):
    text = ("The storm killed 11 people. A flood killed a couple near the dam. "
            "He watched a friend die in the rubble, and 20 others were injured.")
    assert scored(nlp, text) == {(11.0, "exact", "killed"), (20.0, "exact", "wounded")}


def test_ages_names_money_and_shares_are_no_counts(nlp):
    text = ("Police arrested Tomas Vek, 34, and Ana Lind, 29, after the raid. "
            "She was diagnosed with Type 2 diabetes in 2015. "
            "The fund paid $40 million to the families, and 60 percent of the town was evacuated.")
    assert not scored(nlp, text)


# ---------- claimants ----------

def test_an_organisation_reporting_a_toll_or_deaths_claims_it(nlp):
    text = ("The Marlow Health Agency said the death toll rose to 3,381. "
            "Separately, the government of Ostrava reported 812 deaths.")
    got = claimants(nlp, text)
    assert got[(3381.0, "killed")] == "The Marlow Health Agency"
    assert got[(812.0, "killed")] is not None and "Ostrava" in got[(812.0, "killed")]


def test_according_to_a_group_keeps_what_follows_its_head(nlp):
    text = ("More than 2,000 workers will lose their jobs at Corvane, according to people familiar with the plans. "
            "Twelve people were infected with the virus, according to officials in the province.")
    got = claimants(nlp, text)
    assert got[(2000.0, "laid_off")] == "people familiar with the plans"
    assert got[(12.0, "infected")] == "officials in the province"


def test_an_inverted_report_names_its_source(nlp):
    text = "The region has seen 26 cases of the fever and 9 deaths since 2015, reports the Dunmore Courier."
    got = claimants(nlp, text)
    assert got[(9.0, "killed")] == "the Dunmore Courier" or got[(9.0, "killed")] == "Dunmore Courier"


def test_a_background_clause_has_no_source(nlp):
    text = ("The plague outbreak is spreading. The Norland health ministry reported a third case of the plague on Sunday "
            "after two other cases were confirmed last week.")
    assert claimants(nlp, text)[(2.0, "infected")] is None


def test_nobody_named_no_claimant(nlp):
    text = "Floods in the Vell valley have displaced 9,000 people and killed 14."
    assert set(claimants(nlp, text).values()) == {None}


def test_a_figure_in_a_quote_is_the_speakers(nlp):
    text = '"Thirty of our men were killed in that ambush," said Colonel Ivo Brandt.'
    assert claimants(nlp, text)[(30.0, "killed")] == "Ivo Brandt"


# ---------- more ways news says what happened ----------

def test_taken_to_hospital_into_custody_forced_from_homes_unaccounted_for(nlp):
    text = ("Fifteen people were taken to hospital after the fire at the Orrin chemical plant. "
            "Authorities said 17 suspects were taken into custody. "
            "The fighting has forced more than 60,000 people from their homes. "
            "Three climbers remain unaccounted for after the avalanche.")
    assert {(15.0, "exact", "wounded"), (17.0, "exact", "detained"), (60000.0, "more_than", "displaced"),
            (3.0, "exact", "missing")} <= found(nlp, text)


def test_people_with_injuries_are_wounded(nlp):
    text = "Hospitals in Kesh admitted 87 people with injuries."
    assert (87.0, "exact", "wounded") in found(nlp, text)


def test_layoffs_affecting_staff_and_staff_made_redundant(nlp):
    text = ("The layoffs will affect 350 workers at the Tarnow plant. "
            "Around 150 staff have been made redundant at the Kesh factory.")
    assert {(350.0, "exact", "laid_off"), (150.0, "about", "laid_off")} <= found(nlp, text)


def test_a_passive_victim_coordinated_with_a_count_is_one(nlp):
    text = "Five soldiers were killed and a civilian was wounded in the attack, the army said."
    assert {(5.0, "exact", "killed"), (1.0, "exact", "wounded")} <= found(nlp, text)


def test_employing_treating_or_quarantining_people_is_no_event_count(nlp):
    text = ("The company employs 4,500 people in the region. The clinic treats 200 patients a day. "
            "A total of 28 people who had contact with the patient were placed under quarantine.")
    assert not scored(nlp, text)


def test_according_to_figures_from_a_body_is_the_body(nlp):
    text = "According to data from Kestrel University, the outbreak has sickened 1,400 people."
    assert claimants(nlp, text)[(1400.0, "infected")] == "Kestrel University"


def test_counting_verbs_and_published_figures_name_their_source(nlp):
    text = ("The Varna Red Crescent put the death toll at 212. "
            "The Kesh health agency has recorded 312 cases of dengue since January. "
            "A Reuters tally shows at least 80 people have been killed in the clashes.")
    got = claimants(nlp, text)
    assert got[(212.0, "killed")] == "The Varna Red Crescent"
    assert got[(312.0, "infected")] == "The Kesh health agency"
    assert got[(80.0, "killed")] == "Reuters"


def test_bodies_recovered_are_dead_but_governing_bodies_are_not(nlp):
    assert (12.0, "exact", "killed") in found(nlp, "Rescuers recovered 12 bodies from the Orrin mine.")
    assert not scored(nlp, "Two bodies of the league met in Kesh to agree the rules.")


def test_lives_lost_or_claimed_confirmed_dead_and_fell_ill(nlp):
    text = ("Twelve people lost their lives in the fire at the Kesh market. The typhoon claimed the lives of 40 "
            "people in Lodra. Two fishermen have been confirmed dead. More than 100 guests fell ill after the "
            "wedding in Varna.")
    assert {(12.0, "exact", "killed"), (40.0, "exact", "killed"), (2.0, "exact", "killed"),
            (100.0, "more_than", "infected")} <= found(nlp, text)


def test_the_whole_a_part_is_taken_from_is_not_counted(nlp):
    text = "Halvorsen laid off 1,200 of its 5,000 workers. Forty of the 100 passengers were killed."
    assert scored(nlp, text) == {(1200.0, "exact", "laid_off"), (40.0, "exact", "killed")}


def test_hyphenated_number_words(nlp):
    assert (23.0, "exact", "killed") in found(nlp, "Twenty-three people were killed in the landslide near Orrin.")


def test_jobs_created_or_at_risk_are_not_cut(nlp):
    text = "Nearly 500 jobs are at risk at the Kesh mill, while Orrin Bank will create 2,000 jobs in the region."
    assert not scored(nlp, text)


def test_the_one_is_a_pronoun(nlp):
    text = "Ten guards worked the night shift, the one on which the prisoner was found dead."
    assert not scored(nlp, text)


def test_a_speech_verb_in_another_phrase_is_no_source(nlp):
    text = ("Twelve people were killed as protesters marched on the palace in Vessa, "
            "where President Olaf Brun said the crisis was over.")
    assert claimants(nlp, text)[(12.0, "killed")] is None


def test_a_post_posed_source_with_an_added_figure(nlp):
    text = "Forty people were killed, the interior ministry said, adding that 12 more were missing."
    got = claimants(nlp, text)
    assert got[(40.0, "killed")] == "the interior ministry" and got[(12.0, "missing")] == "the interior ministry"


def test_according_to_a_statement_of_a_body(nlp):
    text = "Three men were arrested in Kesh, according to a police statement."
    assert claimants(nlp, text)[(3.0, "detained")] == "police"


def test_infected_computers_are_no_disease_cases(nlp):
    assert not scored(nlp, "The Orrin worm infected 3,000 computers at Kesh University.")


def test_positions_are_jobs_only_in_a_story_about_work(nlp):
    war = "The army said its units lost three positions near the river and destroyed 12 enemy positions."
    assert not any(kind == "laid_off" for _, _, kind in found(nlp, war))
    work = "Orrin Bank, which has 9,000 employees, will eliminate 600 positions."
    assert (600.0, "exact", "laid_off") in found(nlp, work)


def test_people_cut_off_are_not_laid_off(nlp):
    assert not scored(nlp, "The storm cut off 3,000 residents of the Kesh valley.")


def test_short_magnitudes_before_people_and_metres_before_things(nlp):
    text = ("The war has displaced 1.2m people and killed 25,000 civilians. "
            "The floods forced 2m people from their homes, and a 20m wall collapsed.")
    got = found(nlp, text)
    assert {(1_200_000.0, "exact", "displaced"), (25_000.0, "exact", "killed"),
            (2_000_000.0, "exact", "displaced"), (20.0, "exact", "distance_m")} <= got
    assert not scored(nlp, "Shoppers bought 4K TVs and 40 laptops.")


def test_jobs_and_cases_line_up_across_wordings(nlp):
    text = ("The measles outbreak is spreading. Halvorsen will cut 400 jobs, and 300 employees were laid off in May. "
            "The clinic confirmed 14 new cases of measles; two children were diagnosed on Friday, "
            "and there were 6 animal cases.")
    classes = {(f.value, f.kind): f.counted_class for f in figures_of(nlp, text)}
    assert classes[(400.0, "laid_off")] == classes[(300.0, "laid_off")] == "jobs"
    assert classes[(14.0, "infected")] == classes[(2.0, "infected")] == "people"
    assert classes[(6.0, "infected")] == "animals"


def test_nested_reporting_credits_the_first_hand_source(nlp):
    # the wire passes on what the agency said, whichever way the parser nests the two verbs
    for text in ("Marovia's disaster management agency said on Monday the death toll had risen to 412, "
                 "state news agency Marpress reported.",
                 "The disaster agency said the toll from the floods rose to 412, the state news agency reported.",
                 "The death toll from the floods rose to 412 on Monday, the disaster agency said, "
                 "the state news agency reported."):
        assert "disaster" in claimants(nlp, text)[(412.0, "killed")], text
    # a wire that reports a figure by itself is its source
    text = "The death toll from the floods rose to 412, the state news agency reported."
    assert claimants(nlp, text)[(412.0, "killed")] == "the state news agency"


def test_a_role_named_in_apposition_credits_the_person(nlp):
    text = "The spokeswoman for the mayor, Ann Lee, told reporters that 14 people were killed in the fire."
    assert claimants(nlp, text)[(14.0, "killed")] == "Ann Lee"
    text = "A spokesman for the Tarn fire service, Ivo Brandt, said 9 people were killed in the blaze."
    assert claimants(nlp, text)[(9.0, "killed")] == "Ivo Brandt"
    text = "A spokesman for the mayor said 14 people were killed in the fire."
    assert claimants(nlp, text)[(14.0, "killed")] == "A spokesman for the mayor"


def test_a_group_named_in_the_next_sentence_is_the_claimant(nlp):
    text = ("The plant will close in May. About 300 workers will be laid off, according to a group of employees. "
            "The group, Tarnworkers Alliance, formed in recent weeks and wrote to the board.")
    assert claimants(nlp, text)[(300.0, "laid_off")] == "Tarnworkers Alliance"
    text = ("About 300 workers will be laid off, according to a group of employees. "
            "The board declined to comment.")
    assert claimants(nlp, text)[(300.0, "laid_off")] == "a group of employees"


def test_officials_of_a_named_body_speak_for_it(nlp):
    text = "Tarn County Health Department officials said Monday that 2 people were infected with the virus."
    assert claimants(nlp, text)[(2.0, "infected")] == "Tarn County Health Department"
    text = "Police officials said 3 people were killed in the crash."
    assert claimants(nlp, text)[(3.0, "killed")] == "Police officials"
