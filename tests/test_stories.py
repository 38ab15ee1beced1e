"""Stories: documents reporting one event are grouped, events of one kind are kept apart (invented articles)."""
from __future__ import annotations

from datetime import date

import pytest

from newsfacts import extract, stories
from newsfacts.records import CleanedDocument, EntityMention

PERU_QUAKE = """A magnitude 7.0 earthquake struck the Arequipa region of southern Peru on Monday, killing at least
12 people and destroying hundreds of homes, Peru's civil defence institute said.
Rescue teams were searching the rubble in the coastal town of Chala, where the mayor, Rosa Quispe, said the
school and the health centre had collapsed. "We have never felt anything like this," Quispe told reporters.
The institute said aftershocks were likely and asked residents of Arequipa to sleep outdoors.
The Red Cross sent tents and water to Arequipa."""
PERU_QUAKE_OTHER_OUTLET = """The death toll from Monday's earthquake in southern Peru rose to 14, officials said, as rescuers in
the town of Chala dug through collapsed homes.
The magnitude 7.0 quake hit the Arequipa region in the early hours. Chala's mayor, Rosa Quispe, said the
town's school had been destroyed and that families were sleeping in the streets for fear of aftershocks.
Peru's civil defence institute said more than 300 homes were destroyed across Arequipa."""
TURKEY_QUAKE = """A magnitude 6.8 earthquake struck Malatya province in eastern Turkey on Monday, killing at least
9 people and destroying dozens of buildings, Turkey's disaster agency said.
Rescue teams were searching the rubble in the town of Doganyol, where the governor, Kemal Aydin, said a
mosque and a school had collapsed. "The whole street came down," Aydin told reporters.
The agency said aftershocks were likely and asked residents of Malatya to stay outdoors.
The Red Cross sent tents and water to Malatya."""
CITY_BUDGET = """The city council of Port Elmsworth approved a budget of 40 million dollars on Tuesday, with most of
the money going to new bus lines and the repair of the harbour wall, council leader Tom Hale said.
Opposition councillors said the plan ignored schools."""

# A singer's tour, reported by three outlets (the third mostly quotes a consumer advocate), and days later
# her wedding: the wedding report repeats the tour report's background paragraph about her.
TOUR = ("Marisol Tavenner announces world tour with Brightwater Arena opener", """Pop singer Marisol Tavenner \
announced a 40-date world tour on Tuesday that will open at the Brightwater Arena in Castelmora in March, her \
label Silverpine Records said.
The tour, named Lanterns, follows the release of her fourth album and will visit cities across three \
continents, ending in Port Ellery in September.
"I have missed the stage more than anything," Tavenner wrote in a post to her fans. Tickets go on sale on Friday.
Tavenner, 31, rose to fame with the single Paper Moons and has won two Halvard Prizes. Her last tour was cut \
short when she injured her ankle in Castelmora.""")
TOUR_OTHER_OUTLET = ("Tavenner to open Lanterns tour in Castelmora", """Marisol Tavenner will take her Lanterns \
tour to 40 cities next year, starting with a show at the Brightwater Arena in Castelmora in March, Silverpine \
Records announced on Tuesday.
The singer said she had "missed the stage more than anything". The tour ends in Port Ellery in September, and \
tickets go on sale on Friday.
The tour is her first since an ankle injury ended her last one early. Tavenner's fourth album came out last \
month and topped the charts.""")
TOUR_TICKETS = ("Fans rush for Tavenner tickets as Lanterns tour dates revealed", """Fans of Marisol Tavenner \
queued online on Tuesday after the singer revealed the 40 dates of her Lanterns world tour, which opens at the \
Brightwater Arena in Castelmora in March.
Resale sites listed seats within hours, said Odile Marchetti, who runs a consumer group for concert-goers. \
"Every big tour now brings the same scramble," Marchetti said. "Fans should wait for the official sale."
Marchetti said her group had received hundreds of complaints about resale prices this year. "We see fans \
paying five times the face value," Marchetti said, adding that the group had asked lawmakers to cap resale \
prices. Marchetti said the problem was not new.
Silverpine Records said tickets would go on sale on Friday.""")
WEDDING = ("Marisol Tavenner marries actor Julian Okafor in private ceremony", """Singer Marisol Tavenner \
married the actor Julian Okafor in a private ceremony on the island of Serravel on Saturday, her spokesperson said.
About 60 guests attended the wedding at a vineyard owned by Okafor's family. The couple met on the set of the \
film Glass Harbour in 2022.
"We are so happy," Tavenner wrote on social media, sharing a photo of the couple.
Tavenner, 31, rose to fame with the single Paper Moons and has won two Halvard Prizes. She is about to begin \
her Lanterns world tour, and her label Silverpine Records said the tour dates were unchanged.""")
VALDORIA_QUAKE = ("Earthquake kills 12 in Valdoria's Kesh province", """A magnitude 6.9 earthquake struck Kesh \
province in northern Valdoria on Wednesday, killing at least 12 people and flattening homes in the town of \
Amrath, Valdoria's emergency agency said.
Rescuers were digging through rubble in Amrath, where the mayor, Petra Lind, said the hospital had been \
damaged. "We need tents and doctors," Lind said.
The agency said aftershocks were likely and asked residents of Kesh to sleep outside.""")
VALDORIA_QUAKE_TOLL = ("Valdoria quake death toll rises as rescuers search Amrath rubble", """The death toll from \
Wednesday's earthquake in Valdoria rose to 15, the country's emergency agency said, as rescuers searched \
collapsed homes in the town of Amrath in Kesh province.
Amrath's mayor, Petra Lind, said the hospital was damaged and that families were sleeping outside for fear of \
aftershocks.
The magnitude 6.9 quake was the strongest to hit Kesh in decades.""")
# A long report of the Valdoria quake: its lead tells the event, its tail the country's politics and history.
VALDORIA_QUAKE_ANALYSIS = ("Valdoria counts the cost as deadly quake exposes weak building codes", """\
Rescuers in northern Valdoria pulled survivors from flattened homes in the town of Amrath on Thursday, a day \
after a magnitude 6.9 earthquake in Kesh province killed at least 15 people, the emergency agency said.
The mayor of Amrath, Petra Lind, said the town hospital was damaged and that hundreds of families had spent \
the night outside.
For engineers, the disaster was predictable. Most houses in the province were built of unreinforced brick \
before the country adopted its first building code in 1994, said Tomas Varga, a structural engineer at the \
University of Selmar. "Brick walls without steel simply fold," Varga said. "We have known this for thirty \
years."
Varga said inspections had been cut back after the 2019 budget crisis, when the government of Prime Minister \
Ivo Kessler reduced spending on public works by a fifth. Opposition lawmakers have since accused the \
government of neglecting rural provinces, where incomes are half the national average and young people leave \
for the capital, Dorn.
The economy of Kesh depends on farming and a copper mine near the border, which employs about 2,000 people. \
The mine's owner, Selmar Mining, said its workers were safe and that production would resume next week.
Valdoria sits on a fault line that has produced several strong earthquakes in the past century. In 1961 a \
quake near Dorn killed more than 300 people and led to the creation of the emergency agency. Seismologists \
say a large earthquake in the capital is overdue.
Aid groups said they were sending tents, blankets and water purification kits. The European neighbours of \
Valdoria offered search teams with dogs, and the Red Cross opened a field hospital in a school gym.
Kessler, who faces an election in the spring, visited Amrath on Thursday afternoon and promised to rebuild \
every home by winter. Critics said similar promises after floods in 2021 were never kept. "People here \
remember," said Ana Brest, a teacher whose house collapsed. "They promised us new roads too."
The agency warned that aftershocks could continue for weeks and asked residents of Kesh not to return to \
damaged buildings.""")
ORSINIA_QUAKE = ("Earthquake kills 9 in Orsinia's Belgar region", """A magnitude 6.7 earthquake struck the Belgar \
region of western Orsinia on Thursday, killing at least 9 people and flattening homes in the town of Drevno, \
Orsinia's civil protection service said.
Rescuers were digging through rubble in Drevno, where the mayor, Anton Vesel, said the school had been \
damaged. "We need tents and blankets," Vesel said.
The service said aftershocks were likely and asked residents of Belgar to sleep outside.""")

# Two verdicts in one town in one week, told by one court reporter's phrases, with one prosecutor quoted.
MAYOR_VERDICT = ("Former Harlow mayor convicted of bribery", """A jury in Harlow convicted former mayor Victor \
Spence of bribery on Wednesday, finding that he took 200,000 dollars from a developer in exchange for city contracts.
Spence, 58, faces up to 20 years in prison. Prosecutors said he hid the money in a relative's bank account. \
"Public office is a public trust," prosecutor Alma Reyes told reporters outside the Harlow courthouse.
Sentencing was set for March.""")
NURSE_VERDICT = ("Harlow nurse found guilty in patient deaths", """A jury in Harlow found nurse Grace Pollard \
guilty on Thursday of killing three patients at Harlow General Hospital by giving them overdoses of insulin.
Pollard, 41, faces life in prison. Prosecutors said she targeted elderly patients on night shifts. "Justice has \
been done for these families," prosecutor Alma Reyes told reporters outside the Harlow courthouse.
Sentencing was set for March.""")


@pytest.fixture(scope="module")
def nlp():
    return extract.load_nlp()


def story_docs(nlp, articles: list[tuple[str, str, date]]) -> list[stories.StoryDocument]:
    cleaned = [CleanedDocument(doc_id, text, published_date=published) for doc_id, text, published in articles]
    facts = extract.extract_documents(cleaned, nlp)
    return [stories.story_document(doc, f.mentions) for doc, f in zip(cleaned, facts)]


def titled_docs(nlp, articles: list[tuple[str, tuple[str, str], date]]) -> list[stories.StoryDocument]:
    cleaned = [CleanedDocument(doc_id, body, title=title, published_date=published)
               for doc_id, (title, body), published in articles]
    facts = extract.extract_documents(cleaned, nlp)
    return [stories.story_document(doc, f.mentions) for doc, f in zip(cleaned, facts)]


def story_of(documents: list[stories.StoryDocument]) -> dict[str, str]:
    return {d.doc_id: d.story_id for d in documents}


def test_one_event_from_two_outlets_is_one_story_and_another_quake_is_another(nlp):
    docs = story_docs(nlp, [("peru-a", PERU_QUAKE, date(2025, 2, 10)),
                            ("peru-b", PERU_QUAKE_OTHER_OUTLET, date(2025, 2, 11)),
                            ("turkey", TURKEY_QUAKE, date(2025, 2, 10)),
                            ("budget", CITY_BUDGET, date(2025, 2, 11))])
    story = story_of(stories.assign_stories([], docs))
    assert story["peru-a"] == story["peru-b"]
    assert len({story["peru-a"], story["turkey"], story["budget"]}) == 3


def test_the_same_words_a_year_later_are_another_event(nlp):
    docs = story_docs(nlp, [("peru-a", PERU_QUAKE, date(2025, 2, 10)),
                            ("peru-next-year", PERU_QUAKE_OTHER_OUTLET, date(2026, 2, 11))])
    story = story_of(stories.assign_stories([], docs))
    assert story["peru-a"] != story["peru-next-year"]


def test_story_ids_are_stable_and_a_new_document_joins_its_story(nlp):
    first_run = stories.assign_stories([], story_docs(nlp, [("peru-a", PERU_QUAKE, date(2025, 2, 10)),
                                                            ("turkey", TURKEY_QUAKE, date(2025, 2, 10))]))
    kept = stories.members_from_table(stories.members_table(first_run))  # as stored between runs
    second_run = stories.assign_stories(kept, story_docs(nlp, [("peru-b", PERU_QUAKE_OTHER_OUTLET,
                                                                date(2025, 2, 11))]))
    before, after = story_of(first_run), story_of(second_run)
    assert after["peru-a"] == before["peru-a"] == stories.story_id_for("peru-a")
    assert after["turkey"] == before["turkey"]
    assert after["peru-b"] == before["peru-a"]


def test_the_earliest_document_names_the_story(nlp):
    docs = story_docs(nlp, [("later", PERU_QUAKE_OTHER_OUTLET, date(2025, 2, 11)),
                            ("earlier", PERU_QUAKE, date(2025, 2, 10))])
    assert set(story_of(stories.assign_stories([], docs)).values()) == {stories.story_id_for("earlier")}


def test_content_words_leave_out_stop_words_and_numbers():
    assert stories.content_words("The 12 people were killed in the quake, officials said.") == frozenset(
        {"people", "killed", "quake", "officials", "said"})


def test_a_place_named_most_often_tells_events_of_one_kind_apart():
    a = stories.StoryDocument("a", None, None, frozenset({"earthquake"}), frozenset({"n:peru"}), "peru")
    b = stories.StoryDocument("b", None, None, frozenset({"earthquake"}), frozenset({"n:turkey"}), "turkey")
    c = stories.StoryDocument("c", None, None, frozenset({"earthquake", "peru", "l:peru"}), frozenset({"n:lima"}), "lima")
    assert stories.elsewhere(a, b)
    assert not stories.elsewhere(a, c)  # c's lead names Peru: a city of the country, not another place


def test_new_documents_are_compared_only_with_lsh_candidates_not_the_whole_corpus(monkeypatch):
    import random

    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(20000)]
    docs = [stories.StoryDocument(f"d{i:04d}", date(2025, 1, 1), None, frozenset(rng.sample(vocabulary, 60)),
                                  frozenset(f"n:name{rng.randrange(5000)}" for _ in range(5))) for i in range(400)]
    # ten reports of one event: the same core of words and names, each with some of its own
    core_words, core_names = frozenset(rng.sample(vocabulary, 50)), frozenset({"n:alpha", "n:beta", "n:gamma"})
    event = [stories.StoryDocument(f"e{i}", date(2025, 1, 1), None, core_words | frozenset(rng.sample(vocabulary, 10)),
                                   core_names) for i in range(10)]
    calls = []
    real = stories.same_event_score
    monkeypatch.setattr(stories, "same_event_score", lambda a, b, r: calls.append(1) or real(a, b, r))
    grouped = story_of(stories.assign_stories([], docs + event))
    pairs = (len(docs) + len(event)) ** 2 / 2
    assert len(calls) < 0.01 * pairs, f"{len(calls)} comparisons for {pairs:.0f} pairs"
    assert len({grouped[d.doc_id] for d in event}) == 1
    assert len({grouped[d.doc_id] for d in docs}) == len(docs)


def test_a_possessive_still_says_its_word():
    assert stories.content_words("Valdoria's governor defended Marenzo’s flood barrier") == frozenset(
        {"valdoria", "governor", "defended", "marenzo", "flood", "barrier"})


def test_the_headline_counts_again_with_the_names_it_says(nlp):
    cleaned = CleanedDocument("flood", "Rivers rose across Marenzo province on Sunday after three days of rain, "
                              "the governor, Ilse Varga, said.", title="Floods cut off Marenzo villages",
                              published_date=date(2025, 3, 2))
    facts = extract.extract_documents([cleaned], nlp)
    doc = stories.story_document(cleaned, facts[0].mentions)
    assert {"t:floods", "t:marenzo", "t:villages", "t:n:marenzo"} <= doc.headline
    assert doc.headline_names == frozenset({"t:n:marenzo"})
    assert "n:varga" in doc.names and "t:n:varga" not in doc.headline  # named in the body only


def synthetic(doc_id: str, words: set[str], headline_names: set[str] = frozenset(),
              story_id: str | None = None) -> stories.StoryDocument:
    return stories.StoryDocument(doc_id, date(2025, 4, 1), None,
                                 frozenset(words) | {f"t:n:{name}" for name in headline_names},
                                 frozenset({"n:orvella"}), story_id=story_id)


ATTACK_WORDS = {f"attack{i}" for i in range(12)}
REPAIR_WORDS = {f"repair{i}" for i in range(12)}


def test_a_document_that_links_two_stories_of_this_run_joins_them():
    # published the same day, "a" and "c" are taken first and share too little to match each other; "d"
    # reports what both say: the three report one event, named after the first document taken
    a, c = synthetic("a", ATTACK_WORDS), synthetic("c", REPAIR_WORDS)
    d = synthetic("d", ATTACK_WORDS | REPAIR_WORDS)
    story = story_of(stories.assign_stories([], [c, d, a]))
    assert story == {"a": stories.story_id_for("a"), "c": stories.story_id_for("a"), "d": stories.story_id_for("a")}


def test_published_stories_are_never_joined():
    a = synthetic("a", ATTACK_WORDS, story_id=stories.story_id_for("a"))
    c = synthetic("c", REPAIR_WORDS, story_id=stories.story_id_for("c"))
    story = story_of(stories.assign_stories([a, c], [synthetic("d", ATTACK_WORDS | REPAIR_WORDS)]))
    assert story["a"] == stories.story_id_for("a") and story["c"] == stories.story_id_for("c")
    assert story["d"] in {story["a"], story["c"]}


def test_documents_whose_headlines_say_one_name_are_candidates_even_when_lsh_misses(monkeypatch):
    class NoCollisions(stories.MinHashLSH):
        def query(self, minhash):
            return []

    monkeypatch.setattr(stories, "MinHashLSH", NoCollisions)
    first = synthetic("a", ATTACK_WORDS, {"orvella"})
    second = synthetic("b", ATTACK_WORDS | {"extra"}, {"orvella"})
    unrelated_headline = synthetic("c", ATTACK_WORDS, {"tarnhold"})
    story = story_of(stories.assign_stories([], [first, second, unrelated_headline]))
    assert story["a"] == story["b"] != story["c"]


def test_a_name_in_too_many_headlines_is_no_block(monkeypatch):
    monkeypatch.setattr(stories, "MAX_HEADLINE_BLOCK", 2)
    blocks = stories.HeadlineBlocks()
    for i in range(3):
        blocks.add(synthetic(f"president{i}", set(), {"president"}))
    blocks.add(synthetic("flood", set(), {"marenzo"}))
    assert blocks.candidates(synthetic("new", set(), {"president", "marenzo"})) == {"flood"}


def test_a_story_of_this_run_linked_to_a_published_one_takes_the_published_id():
    a = synthetic("a", ATTACK_WORDS, story_id=stories.story_id_for("a"))
    story = story_of(stories.assign_stories([a], [synthetic("c", REPAIR_WORDS),
                                                   synthetic("d", ATTACK_WORDS | REPAIR_WORDS)]))
    assert set(story.values()) == {stories.story_id_for("a")}


@pytest.mark.parametrize("wedding_day", [date(2025, 3, 6), date(2025, 3, 11)])  # the next day, a week later
def test_three_outlets_report_one_tour_and_her_wedding_is_another_story(nlp, wedding_day):
    docs = titled_docs(nlp, [("tour", TOUR, date(2025, 3, 4)), ("tour-other", TOUR_OTHER_OUTLET, date(2025, 3, 4)),
                             ("tickets", TOUR_TICKETS, date(2025, 3, 5)), ("wedding", WEDDING, wedding_day)])
    story = story_of(stories.assign_stories([], docs))
    assert story["tour"] == story["tour-other"] == story["tickets"]
    assert story["wedding"] != story["tour"]


def test_two_earthquakes_of_one_week_in_two_countries_are_two_stories(nlp):
    docs = titled_docs(nlp, [("valdoria", VALDORIA_QUAKE, date(2025, 5, 7)),
                             ("orsinia", ORSINIA_QUAKE, date(2025, 5, 8)),
                             ("valdoria-toll", VALDORIA_QUAKE_TOLL, date(2025, 5, 8)),
                             ("valdoria-analysis", VALDORIA_QUAKE_ANALYSIS, date(2025, 5, 8))])
    story = story_of(stories.assign_stories([], docs))
    # the long report joins the short ones by what its lead says, though its tail is mostly its own
    assert story["valdoria"] == story["valdoria-toll"] == story["valdoria-analysis"] != story["orsinia"]


def test_the_lead_counts_again_with_the_names_it_says(nlp):
    lead = ("Rivers rose across Marenzo province on Sunday after three days of heavy rain flooded farms, "
            "roads and bridges. ")
    body = lead * 5 + "Farther down the report, the harbour of Tolvik stayed open. " * 30
    cleaned = CleanedDocument("flood", body, title="Floods cut off villages", published_date=date(2025, 3, 2))
    doc = stories.story_document(cleaned, extract.extract_documents([cleaned], nlp)[0].mentions)
    assert {"l:rivers", "l:marenzo", "l:n:marenzo"} <= doc.words
    assert "tolvik" in doc.words and "l:tolvik" not in doc.words  # said in the tail only


def mention(text: str, label: str, start: int) -> EntityMention:
    return EntityMention("d", text, label, start, start + len(text), text)


def test_an_expert_quoted_below_the_lead_is_not_what_a_report_is_about():
    lead_end = stories.lead_end("Word " * 200)
    reaction = [mention("Valdoria", "GPE", 10), mention("Valdoria", "GPE", lead_end + 40),
                *(mention("Ilka Brenner", "PERSON", lead_end + 100 * i) for i in range(1, 5))]
    names, place, actor = stories.name_features(reaction, frozenset(), lead_end)
    assert "n:brenner" in names and actor is None and place == "valdoria"
    quoted_first = [mention("Ilka Brenner", "PERSON", 5), *(mention("Brenner", "PERSON", lead_end + 50 * i)
                                                             for i in range(1, 4))]
    assert stories.name_features(quoted_first, frozenset(), lead_end)[2] == "brenner"


def test_one_close_match_is_not_enough_to_join_a_story_of_several_reports(monkeypatch):
    monkeypatch.setattr(stories, "CLOSE_SIMILARITY", stories.MIN_SIMILARITY)  # one bar, whatever the days
    core = {f"flood{i}" for i in range(12)}
    reports = [synthetic(f"r{i}", core | {f"r{i}-{j}" for j in range(8)}) for i in range(4)]
    # a day later, repeats the first report's own background only: close to it, far from the other reports
    echo = synthetic("echo", {f"r0-{j}" for j in range(8)} | {f"echo{i}" for i in range(8)})
    echo.published_date = date(2025, 4, 2)
    rarity = stories.Rarity([*reports, echo])
    assert stories.same_event_score(echo, reports[0], rarity) is not None
    story = story_of(stories.assign_stories([], [*reports, echo]))
    assert story["r0"] == story["r1"] == story["r2"] == story["r3"] != story["echo"]


def test_two_verdicts_in_one_town_in_one_week_are_two_stories(nlp):
    docs = titled_docs(nlp, [("mayor", MAYOR_VERDICT, date(2025, 5, 7)), ("nurse", NURSE_VERDICT, date(2025, 5, 8))])
    story = story_of(stories.assign_stories([], docs))
    assert story["mayor"] != story["nurse"]


def test_a_name_counts_as_one_whatever_label_each_mention_has():
    lead_end = stories.lead_end("Word " * 200)
    mentions = [mention("Grace Pollard", "ORG", 5), mention("Pollard", "GPE", 60), mention("Pollard", "PERSON", 90),
                mention("Harlow", "GPE", 30), mention("Harlow", "GPE", lead_end + 10)]
    _, place, actor = stories.name_features(mentions, frozenset(), lead_end)
    assert actor == "pollard"  # three mentions of one person, not one of an organisation and one of a place
    assert place == "pollard"  # tagged a place once: counted as one too, with all its mentions


def test_a_report_alike_to_a_few_reports_of_a_large_story_agrees_with_it(monkeypatch):
    monkeypatch.setattr(stories, "CLOSE_SIMILARITY", stories.MIN_SIMILARITY)  # one bar, whatever the days
    angle = {f"rescue{i}" for i in range(10)}
    close = [synthetic(f"close{i}", angle | {f"close{i}-{j}" for j in range(3)}) for i in range(3)]
    other_angles = [synthetic(f"far{i}", {f"far{i}-{j}" for j in range(12)}) for i in range(6)]
    new = synthetic("new", set(sorted(angle)[:5]) | {f"new{i}" for i in range(5)})
    rarity = stories.Rarity([*close, *other_angles, new])
    assert stories.same_event_score(new, close[0], rarity) is not None
    assert stories.agrees_with_story(new, [*close, *other_angles], rarity)  # alike to three of its nine reports
    assert not stories.agrees_with_story(new, [close[0], *other_angles], rarity)  # alike to one only


# One vote told twice: a wire report and an editorial-voiced report from the other side, on one day.
VOTE_WIRE = ("Kestrel Assembly passes water bill 52-41", """The Kestrel Assembly voted 52 to 41 on Tuesday to \
pass the Clean Rivers Act, which caps nitrate runoff from farms and funds new treatment plants, after a \
six-hour debate.
The bill now goes to Governor Helena Marsh, who has said she will sign it. Speaker Dario Quint said the vote \
showed the chamber could act on pollution.
Farm groups opposed the caps, saying they would raise costs. The act takes effect in January.""")
VOTE_EDITORIAL = ("Assembly Democrats ram through job-killing river rules", """Once again the majority in \
Brisk City has decided that farmers are the enemy. In a late-night stampede on Tuesday, Speaker Dario Quint's \
caucus forced through the so-called Clean Rivers Act by eleven votes, ignoring every family farm that will pay \
for it.
The Kestrel Assembly's vote hands Governor Helena Marsh a law that regulators wrote and growers never saw. \
Nitrate caps sound harmless until you have to meet them with a tractor and a loan.
Rural members begged for a delay. They were told the science was settled. Come January, the bills will \
start arriving.""")

# Two shootings of one week in two cities, told in the same words.
SHOOTING_ALDER = ("Gunman kills four at Alderford shopping centre", """A gunman opened fire at a shopping \
centre in Alderford on Friday, killing four people and wounding seven before police shot him dead, the city's \
police chief, Norah Blevins, said.
Witnesses said shoppers hid in stores as shots rang out near the food court. "We heard bang after bang," one \
witness said. Blevins said the motive was unknown.
The Alderford mayor, Colin Frey, ordered flags lowered and said counsellors would be at the centre all \
weekend.""")
SHOOTING_ALDER_OTHER = ("Four dead in Alderford mall shooting, police say", """Four people were killed and \
seven wounded when a man opened fire in a shopping centre in Alderford on Friday, police chief Norah Blevins \
told reporters.
Officers shot the gunman dead near the food court minutes after the first calls. Blevins said investigators \
had not found a motive.
Mayor Colin Frey said the city was in shock. Flags were lowered at city hall.""")
SHOOTING_MERROW = ("Gunman kills three at Merrowgate supermarket", """A gunman opened fire at a supermarket in \
Merrowgate on Sunday, killing three people and wounding five before police arrested him, the city's police \
chief, Aldo Ferreira, said.
Witnesses said shoppers hid in storerooms as shots rang out near the checkouts. "People were screaming," one \
witness said. Ferreira said the motive was unknown.
The Merrowgate mayor, Ines Okoro, ordered flags lowered and said counsellors would be at the supermarket \
all week.""")

# A raid, and a piece published with it about who carried it out.
RAID = ("Militants storm border post in Tavira province", """Dozens of fighters stormed a police post at the \
Sarn border crossing in Tavira province before dawn on Monday, killing six officers and seizing weapons, the \
provincial governor, Malik Dursan, said.
The attackers, who belong to the Red Ridge militia, withdrew into the hills after a three-hour battle. \
Dursan said reinforcements had been sent to the Sarn crossing and that the border was closed.
The interior ministry said two attackers were killed.""")
RAID_BACKGROUND = ("Who are the Red Ridge fighters behind the Sarn raid?", """The Red Ridge militia, whose \
fighters attacked the Sarn border crossing on Monday, began a decade ago as a few dozen shepherds guarding \
their flocks in the hills of Tavira province.
Its leader, a former army sergeant called Oren Halvik, recruits young men from villages that lost land to \
the new dam, analysts say. The group funds itself by taxing smugglers on the border.
Governor Malik Dursan has called the militia criminals; the fighters call themselves defenders of the \
hills. The interior ministry puts their number at around 400.""")

# A shooting, and weeks later the gunman's trial.
SHOOTING_TRIAL = ("Alderford mall gunman's accomplice goes on trial", """The trial of a man accused of \
supplying the rifle used in the Alderford shopping centre shooting opened on Monday, seven weeks after the \
attack that killed four people.
Prosecutors told the court that Dean Sorrell, 34, sold the gun to the gunman knowing what he planned. Sorrell \
denies the charges. Police chief Norah Blevins is expected to testify next week.
Families of the victims filled the public gallery. The trial is expected to last a month.""")


def story_docs_titled(nlp, articles):
    return titled_docs(nlp, articles)


def test_one_vote_from_opposed_angles_is_one_story(nlp):
    docs = titled_docs(nlp, [("wire", VOTE_WIRE, date(2025, 6, 3)), ("editorial", VOTE_EDITORIAL, date(2025, 6, 4)),
                             ("quake", VALDORIA_QUAKE, date(2025, 6, 3))])
    grouped = stories.assign_stories([], docs)
    story = story_of(grouped)
    assert story["wire"] == story["editorial"] != story["quake"]
    joined = {d.doc_id: d for d in grouped}["editorial"]
    assert joined.match.matched_doc_id == "wire"  # it says what it matched, and on what
    assert {"helena marsh", "dario quint"} <= set(joined.match.shared_names) and joined.match.days_apart == 1
    assert "nitrate" in joined.match.shared_words and "helena" not in joined.match.shared_words


@pytest.mark.parametrize("dated", [True, False])
def test_two_shootings_of_one_week_in_two_cities_are_two_stories(nlp, dated):
    day = (lambda d: date(2025, 8, d)) if dated else (lambda d: None)
    docs = titled_docs(nlp, [("alder", SHOOTING_ALDER, day(1)), ("alder-other", SHOOTING_ALDER_OTHER, day(2)),
                             ("merrow", SHOOTING_MERROW, day(3))])
    story = story_of(stories.assign_stories([], docs))
    assert story["alder"] == story["alder-other"] != story["merrow"]


def test_two_earthquakes_in_two_countries_are_two_stories_without_dates(nlp):
    docs = titled_docs(nlp, [("valdoria", VALDORIA_QUAKE, None), ("orsinia", ORSINIA_QUAKE, None),
                             ("valdoria-toll", VALDORIA_QUAKE_TOLL, None)])
    story = story_of(stories.assign_stories([], docs))
    assert story["valdoria"] == story["valdoria-toll"] != story["orsinia"]


def test_a_background_piece_published_with_an_event_joins_its_story(nlp):
    docs = titled_docs(nlp, [("raid", RAID, date(2025, 9, 1)), ("who", RAID_BACKGROUND, date(2025, 9, 1)),
                             ("quake", VALDORIA_QUAKE, date(2025, 9, 1))])
    story = story_of(stories.assign_stories([], docs))
    assert story["raid"] == story["who"] != story["quake"]


def test_a_trial_weeks_after_a_shooting_is_a_new_story_linked_to_it(nlp):
    first = stories.assign_stories([], titled_docs(nlp, [("alder", SHOOTING_ALDER, date(2025, 8, 1)),
                                                         ("alder-other", SHOOTING_ALDER_OTHER, date(2025, 8, 2))]))
    kept = stories.members_from_table(stories.members_table(first))  # as stored between runs
    later = titled_docs(nlp, [("trial", SHOOTING_TRIAL, date(2025, 9, 22)),
                              ("merrow", SHOOTING_MERROW, date(2025, 9, 22))])
    grouped = {d.doc_id: d for d in stories.assign_stories(kept, later)}
    trial, shooting = grouped["trial"], grouped["alder"].story_id
    assert trial.story_id == stories.story_id_for("trial") != shooting
    assert trial.related_story_id == shooting and trial.match.matched_doc_id in {"alder", "alder-other"}
    assert "blevins" in trial.match.shared_names
    assert grouped["merrow"].related_story_id is None  # another city's shooting follows up nothing


def test_reports_dated_days_apart_need_less_in_common_than_undated_ones():
    shared, own = {f"vote{i}" for i in range(4)}, lambda tag: {f"{tag}{i}" for i in range(14)}
    a, b = synthetic("a", shared | own("a")), synthetic("b", shared | own("b"))
    others = [synthetic(f"o{i}", own(f"o{i}")) for i in range(20)]
    rarity = stories.Rarity([a, b, *others])
    assert stories.CLOSE_SIMILARITY <= rarity.similarity(a.features, b.features) < stories.MIN_SIMILARITY
    assert stories.same_event_score(a, b, rarity) is not None  # published the same day
    a.published_date = b.published_date = None
    assert stories.same_event_score(a, b, rarity) is None  # undated: their words alone must tell the event


def test_what_a_document_matched_is_stored_with_it(nlp):
    docs = titled_docs(nlp, [("wire", VOTE_WIRE, date(2025, 6, 3)), ("editorial", VOTE_EDITORIAL, date(2025, 6, 4))])
    grouped = stories.assign_stories([], docs)
    kept = {d.doc_id: d for d in stories.members_from_table(stories.members_table(grouped))}
    assert kept["wire"].match is None and kept["editorial"].match == {d.doc_id: d for d in grouped}["editorial"].match


def test_on_a_busy_day_the_date_says_little_and_the_words_must_tell_the_event():
    shared, own = {f"vote{i}" for i in range(4)}, lambda tag: {f"{tag}{i}" for i in range(14)}
    a, b = synthetic("a", shared | own("a")), synthetic("b", shared | own("b"))
    quiet = [synthetic(f"o{i}", own(f"o{i}")) for i in range(20)]
    for i, other in enumerate(quiet):
        other.published_date = date(2025, 1, 1 + i)  # one report a day elsewhere in the corpus
    busy = [synthetic(f"o{i}", own(f"o{i}")) for i in range(stories.BUSY_DAYS)]  # all on a and b's day
    assert stories.same_event_score(a, b, stories.Rarity([a, b, *quiet])) is not None
    assert stories.same_event_score(a, b, stories.Rarity([a, b, *busy])) is None


# Two arrests of two players of one team in one month; the later reports recall the first in their tails.
ARREST_HATCHER = ("Harbor City Gulls receiver arrested on suspicion of drunk driving", """Harbor City Gulls \
wide receiver Dorian Hatcher was arrested early Tuesday on suspicion of drunk driving, the state highway patrol \
said.
Hatcher was stopped on the coast highway after officers saw his car weaving between lanes, a patrol spokesman \
said. He failed a sobriety test and was booked into the county jail, then released on bail.
The Gulls said they were aware of the arrest and were gathering information. Hatcher, in his fourth season, \
leads the team in receiving yards.""")
ARREST_HATCHER_OTHER = ("Gulls' Hatcher booked after late-night traffic stop", """Dorian Hatcher, the Harbor \
City Gulls' leading receiver, spent part of Tuesday morning in the county jail after highway patrol officers \
arrested him on suspicion of driving under the influence.
Officers pulled Hatcher over on the coast highway shortly after 2 a.m. He was released on bail hours later.
"We are disappointed," Gulls coach Marta Quinlan said. Hatcher is due in court next month.""")
ARREST_BRANDT = ("Gulls lineman Brandt arrested on suspicion of drunk driving", """Harbor City Gulls defensive \
tackle Oskar Brandt was arrested early Sunday on suspicion of drunk driving, the state highway patrol said.
Brandt was stopped for speeding on the coast highway and failed a sobriety test, a patrol spokesman said. He \
was booked into the county jail and released on bail.
Brandt, a veteran of nine seasons, was named the team's most valuable player last year. He is the second Gulls \
player arrested on the coast highway this month: wide receiver Dorian Hatcher was arrested there three weeks \
ago.""")


def test_two_arrests_of_two_players_of_one_team_are_two_stories_though_one_report_recalls_the_other(nlp):
    docs = titled_docs(nlp, [("hatcher", ARREST_HATCHER, None), ("hatcher-other", ARREST_HATCHER_OTHER, None),
                             ("brandt", ARREST_BRANDT, None)])
    by_id = {d.doc_id: d for d in docs}
    assert by_id["brandt"].main_actor == "brandt"  # the person named most often, not his team
    assert stories.elsewhere(by_id["brandt"], by_id["hatcher"])  # Hatcher only in Brandt's tail
    assert not stories.elsewhere(by_id["hatcher"], by_id["hatcher-other"])
    story = story_of(stories.assign_stories([], docs))
    assert story["hatcher"] == story["hatcher-other"] != story["brandt"]


def test_a_name_the_other_report_says_up_front_is_no_sign_of_another_event():
    def doc(doc_id, words, main):
        return stories.StoryDocument(doc_id, None, None, frozenset(words), frozenset(), main_actor=main)
    wire = doc("wire", {"vote", "l:vote", "marsh", "l:marsh", "quint"}, "marsh")
    editorial = doc("editorial", {"vote", "quint", "t:quint", "marsh"}, "quint")
    assert stories.said_up_front(wire, "helena marsh") is False and stories.said_up_front(wire, "marsh")
    assert not stories.apart("marsh", "quint", wire, editorial)  # each names the other's; the editorial up front
    recalls = doc("recalls", {"vote", "l:vote", "l:brandt", "hatcher"}, "brandt")
    assert stories.apart("hatcher", "brandt", doc("first", {"vote", "l:hatcher"}, "hatcher"), recalls)


def test_two_reports_mainly_about_one_name_need_less_in_common():
    def doc(doc_id, main_actor):
        return stories.StoryDocument(doc_id, None, None, frozenset({"arrest"}), frozenset({"n:gulls"}),
                                     main_actor=main_actor)
    rarity = stories.Rarity([])
    same = stories.required_similarity(doc("a", "hatcher"), doc("b", "hatcher"), rarity)
    other = stories.required_similarity(doc("a", "hatcher"), doc("c", "brandt"), rarity)
    unknown = stories.required_similarity(doc("a", "hatcher"), doc("d", None), rarity)
    assert same == pytest.approx(stories.MIN_SIMILARITY * stories.SAME_MAIN_DISCOUNT)
    assert same < other == unknown == stories.MIN_SIMILARITY


ARREST_BRANDT_RECALLS_FIRST = ("Gulls' Brandt is team's second player arrested this month", """For the second \
time this month a Harbor City Gulls player has been arrested on suspicion of drunk driving: after wide receiver \
Dorian Hatcher three weeks ago, defensive tackle Oskar Brandt was stopped early Sunday on the coast highway.
Brandt failed a sobriety test and was booked into the county jail, a highway patrol spokesman said. He was \
released on bail. Brandt, a veteran of nine seasons, was the team's most valuable player last year.""")


def test_a_report_that_recalls_another_players_arrest_in_its_lead_but_not_its_headline_is_another_event(nlp):
    docs = titled_docs(nlp, [("hatcher", ARREST_HATCHER_OTHER, None), ("brandt", ARREST_BRANDT_RECALLS_FIRST, None)])
    hatcher, brandt = docs
    assert stories.said_up_front(brandt, "hatcher") and not stories.said_in_headline(brandt, "hatcher")
    assert stories.elsewhere(hatcher, brandt)  # each headline says whom it is about: Brandt's not Hatcher
    untitled = stories.StoryDocument("u", None, None, frozenset({"l:hatcher", "l:n:hatcher"}), frozenset())
    assert stories.said_in_headline(untitled, "hatcher")  # no headline: its lead stands for one


def test_what_the_headline_says_is_what_a_report_is_about_though_another_name_is_as_frequent():
    lead_end = stories.lead_end("Word " * 200)
    mentions = [mention("Harbor City Gulls", "ORG", 0), mention("Gulls", "ORG", 40), mention("Gulls", "ORG", 90),
                mention("Dorian Hatcher", "PERSON", 20), mention("Hatcher", "PERSON", 120),
                mention("Marta Quinlan", "PERSON", 60), mention("Quinlan", "PERSON", 150)]
    title = stories.content_words("Gulls place Dorian Hatcher on injured reserve")
    assert stories.name_features(mentions, title, lead_end)[2] == "hatcher"
    assert stories.name_features(mentions, frozenset(), lead_end)[2] == "harbor city gulls"  # no headline: most named


def test_a_long_report_is_not_kept_from_a_brief_of_its_event_by_its_background():
    rarity = stories.Rarity([])  # every word weighs the same
    brief = frozenset(f"event{i}" for i in range(10))
    feature = brief | frozenset(f"background{i}" for i in range(30))
    same_size = brief - {"event0"} | {"other"}
    jaccard = len(brief & same_size) / len(brief | same_size)
    assert rarity.similarity(brief, same_size) == pytest.approx(jaccard)  # a Jaccard for reports of one size
    assert rarity.similarity(brief, feature) > len(brief) / len(feature)  # above the Jaccard: 10 of 40
    assert rarity.similarity(brief, frozenset()) == 0.0


def two_player_story(second_main: str) -> list[stories.StoryDocument]:
    """One story this run started: four reports of one player's injury, then four of a teammate's (mainly
    about `second_main`), each of the latter also saying a few of the former's words (the first player's
    injury recalled up front), as reports of two events of one kind merged by such bridges are."""
    first = {f"knee{i}" for i in range(10)}
    second = {f"ankle{i}" for i in range(10)}
    recalled = set(sorted(first)[:3])
    reports = [synthetic(f"a{i}", first | {f"a{i}-{j}" for j in range(6)}, story_id="story-a0") for i in range(4)]
    reports += [synthetic(f"b{i}", second | recalled | {f"b{i}-{j}" for j in range(6)}, story_id="story-a0")
                for i in range(4)]
    for report in reports:
        report.main_actor = "hatcher" if report.doc_id.startswith("a") else second_main
    return reports


def test_a_story_holding_two_events_of_one_kind_about_two_people_is_cut_in_two():
    reports = two_player_story("brandt")
    rarity = stories.Rarity(reports)
    position = {d.doc_id: i for i, d in enumerate(reports)}
    stories.split_story(reports, rarity, position)
    story = story_of(reports)
    assert len({story[f"a{i}"] for i in range(4)}) == 1 and story["a0"] == "story-a0"
    assert len({story[f"b{i}"] for i in range(4)}) == 1 and story["b0"] == stories.story_id_for("b0")
    by_id = {d.doc_id: d for d in reports}
    assert by_id["b0"].match is None  # it starts the teammate's story
    reports = two_player_story("brandt")
    b2 = reports[6]
    b2.match = stories.StoryMatch("a1", 1.0, [], [], None)  # it matched the other event's report before the cut
    stories.split_story(reports, stories.Rarity(reports), position)
    assert b2.doc_id == "b2" and b2.match.matched_doc_id in {"b0", "b1"}  # now an earlier report of its own part


def test_one_event_told_in_two_phases_about_one_person_stays_one_story():
    reports = two_player_story("hatcher")  # a trial's opening days and its verdict: one subject throughout
    stories.split_story(reports, stories.Rarity(reports), {d.doc_id: i for i, d in enumerate(reports)})
    assert set(story_of(reports).values()) == {"story-a0"}


def test_a_long_feature_near_several_reports_of_a_story_but_below_the_bar_joins_it():
    core = {f"flood{i}" for i in range(12)}
    reports = [synthetic(f"r{i}", core | {f"r{i}-{j}" for j in range(8)}) for i in range(4)]
    # undated, eight of the event's words among fifty of background: below the bar with each report, but
    # as near to every one of them
    feature = synthetic("feature", set(sorted(core)[:8]) | {f"history{j}" for j in range(50)})
    feature.published_date = None
    rarity = stories.Rarity([*reports, feature])
    strengths = [stories.pair_strength(feature, report, rarity) for report in reports]
    assert all(stories.ATTACH_STRENGTH <= strength < 1 for strength in strengths)
    assigned = {d.doc_id: d for d in stories.assign_stories([], [*reports, feature])}
    assert assigned["feature"].story_id == assigned["r0"].story_id
    assert assigned["feature"].match is not None and assigned["feature"].match.matched_doc_id.startswith("r")
    # near one report only (its background echoed), it stays alone: see the echo above
    lone = synthetic("lone", {f"r0-{j}" for j in range(8)} | {f"lone{j}" for j in range(8)})
    lone.published_date = None
    rarity = stories.Rarity([*reports, lone])
    assert stories.pair_strength(lone, reports[0], rarity) >= stories.ATTACH_STRENGTH
    assigned = {d.doc_id: d for d in stories.assign_stories([], [*reports, lone])}
    assert assigned["lone"].story_id != assigned["r0"].story_id


def test_a_long_feature_of_a_published_story_joins_it_in_a_later_run():
    core = {f"flood{i}" for i in range(12)}
    reports = [synthetic(f"r{i}", core | {f"r{i}-{j}" for j in range(8)}) for i in range(4)]
    published = stories.assign_stories([], reports)
    feature = synthetic("feature", set(sorted(core)[:8]) | {f"history{j}" for j in range(50)})
    feature.published_date = None
    assigned = {d.doc_id: d for d in stories.assign_stories(published, [feature])}
    assert assigned["feature"].story_id == assigned["r0"].story_id == "story-r0"


# Two undated injuries of one team's running backs, months apart: four reports of each, and one of each whose
# headline says both players (the replacement named as the first goes out; the second joining the first on the
# list). Those two bridge the events: every pair rule passes them, and the events would be one story.
INJURY_KORVAN = [
    ('Mariners place running back Dario Korvan on injured reserve', """The Port Alden Mariners placed running \
back Dario Korvan on injured reserve on Tuesday, ending his season after he tore a knee ligament in Sunday's \
loss to the Ridgeport Hawks.
Korvan was hurt on a third-quarter carry and left the field on a cart. Coach Lena Brandvold said an MRI \
confirmed the tear. "Dario is the heart of this offense," Brandvold said.
Korvan had 1,012 rushing yards and nine touchdowns this season."""),
    ("Mariners' Korvan out for season with torn knee ligament", """Mariners running back Dario Korvan will \
miss the rest of the season with a torn knee ligament, the team said Tuesday, putting him on injured reserve.
Korvan was injured in the third quarter against Ridgeport. Brandvold called the loss of her leading rusher "a \
blow to all of us".
The Mariners, 8-5, are chasing a playoff spot with four games left."""),
    ('Korvan to injured reserve after knee injury', """Port Alden moved Dario Korvan to injured reserve on \
Tuesday. The running back tore a ligament in his knee in Sunday's game against the Hawks and needs surgery.
Korvan, in his fourth season, led the Mariners in rushing. "It hurts, but I'll be back stronger," Korvan wrote \
on social media."""),
    ('Mariners lose Korvan for the year', """The Mariners lost running back Dario Korvan for the season, \
placing him on injured reserve Tuesday with a torn knee ligament from Sunday's loss at Ridgeport.
Brandvold said the team would sign a running back from its practice squad. Korvan had nine rushing touchdowns."""),
    ('Korvan out for season, Osei to start for Mariners', """Dario Korvan's season is over: the Mariners \
placed the running back on injured reserve Tuesday with a torn knee ligament, and Tobi Osei will start in his \
place.
Osei, a second-year back, has 210 yards this season. "Tobi is ready," Brandvold said of Osei."""),
]
INJURY_OSEI = [
    ('Mariners put running back Tobi Osei on injured reserve', """The Port Alden Mariners put running back \
Tobi Osei on injured reserve on Wednesday with a broken ankle, months after losing Dario Korvan to a knee \
injury.
Osei broke the ankle in practice on Monday, Brandvold said. "Tobi has carried this team since Dario went \
down," she said.
Osei had 640 yards in six starts as Korvan's replacement."""),
    ("Mariners' Osei done for season with broken ankle", """Mariners running back Tobi Osei, who replaced the \
injured Dario Korvan, will miss the rest of the season with a broken ankle, the team said Wednesday.
Osei was hurt in Monday's practice and will have surgery this week. The Mariners signed veteran Marcus Idle to \
replace him."""),
    ('Osei to injured reserve, Mariners down to third running back', """Port Alden placed Tobi Osei on injured \
reserve Wednesday after he broke his ankle in practice, leaving the Mariners without their top two running \
backs after Dario Korvan's knee injury.
"Tobi worked so hard to get here," Brandvold said. Osei will have surgery on Thursday."""),
    ('Mariners lose second running back as Osei breaks ankle', """For the second time this year the Mariners \
have lost their starting running back: Tobi Osei broke his ankle in practice Monday and was placed on injured \
reserve Wednesday, after Dario Korvan's torn knee ligament.
Osei had taken over from Korvan and ran for 640 yards. The team signed Marcus Idle."""),
    ('Osei joins Korvan on injured reserve as Mariners lose another back', """Tobi Osei joined Dario Korvan on \
injured reserve on Wednesday: the running back who replaced Korvan broke his ankle in practice.
Osei had started six games since Korvan tore his knee ligament. "We have lost two backs who gave everything," \
Brandvold said of Osei and Korvan."""),
]


def test_two_injuries_of_one_teams_players_bridged_by_reports_naming_both_are_two_stories(nlp, monkeypatch):
    articles = [(f"korvan{i}", report, None) for i, report in enumerate(INJURY_KORVAN)]
    articles += [(f"osei{i}", report, None) for i, report in enumerate(INJURY_OSEI)]
    story = story_of(stories.assign_stories([], titled_docs(nlp, articles)))
    korvan = {story[f"korvan{i}"] for i in range(4)}  # the fifth, about both, may go either way
    osei = {story[f"osei{i}"] for i in range(5)}
    assert len(korvan) == len(osei) == 1 and korvan != osei
    monkeypatch.setattr(stories, "SPLIT_CROSS_STRENGTH", 0.0)  # no story cut: the bridges merge the two
    assert len(set(story_of(stories.assign_stories([], titled_docs(nlp, articles))).values())) == 1


def test_a_loose_chain_of_reports_is_not_cut_though_its_halves_are_about_other_names(monkeypatch):
    reports = [stories.StoryDocument(f"c{i}", None, None, frozenset(), frozenset(),
                                     main_actor="governor" if i < 3 else "ministry") for i in range(6)]
    def loose(a, b, rarity):  # in each half, each report near its neighbours only; nothing across
        i, j = sorted((int(a.doc_id[1:]), int(b.doc_id[1:])))
        return 0.0 if (i < 3) != (j < 3) else 1.2 if j - i == 1 else 0.3
    monkeypatch.setattr(stories, "pair_strength", loose)  # each half's mean 0.9 of the bar: no event's
    assert stories.two_events(reports, stories.Rarity(reports)) is None
    def knit(a, b, rarity):  # each half's reports all near each other, one link across
        i, j = sorted((int(a.doc_id[1:]), int(b.doc_id[1:])))
        return 2.0 if (i < 3) == (j < 3) or (i, j) == (2, 3) else 0.0
    monkeypatch.setattr(stories, "pair_strength", knit)
    assert [[d.doc_id for d in part] for part in stories.two_events(reports, stories.Rarity(reports))] == [
        ["c0", "c1", "c2"], ["c3", "c4", "c5"]]
