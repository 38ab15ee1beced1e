"""Wire copy: one article carried by several sites keeps its text; each site's chrome still goes."""
from __future__ import annotations

from newsfacts.clean import clean_documents, repeated_lines
from newsfacts.records import RawDocument

WIRE_STORY = [
    "Flood barrier fails as river reaches record height",
    "A temporary flood barrier on the River Tamsel gave way on Sunday night, sending water into the low streets "
    "of the market town of Orrinford, the regional water authority said.",
    "About 300 households were told to leave their homes before midnight, and volunteers with boats helped older "
    "residents reach a school that the council had opened as a shelter.",
    "\"We watched it rise by the hour and then the wall simply folded,\" said Petra Lindqvist, who runs a bakery "
    "near the old bridge.",
    "Repairs and questions",
    "Engineers from the authority said they would inspect the barrier once the water had fallen, and that a "
    "report on why it failed would be published within a month.",
    "Local councillors said they had warned for two years that the barrier was too low for the floods the valley "
    "now sees almost every winter, and asked the government for a permanent wall.",
    "Forecasters expect more rain over the coming days, and the authority said further warnings could follow "
    "for villages downstream of the town.",
]

# Five invented sites, each with its own menus, notices and footers.
SITES = {
    "northgazette": (["North Gazette", "Home", "News", "Region", "Weather", "Opinion",
                      "We use cookies to make this site work better for readers."],
                     ["About the Gazette", "Contact the newsroom", "Terms of use", "© North Gazette Media"]),
    "valleypost": (["Valley Post | Your valley, every day", "Menu", "Latest", "Local", "Business", "Sport", "Podcasts"],
                   ["Send us your story tips", "Privacy and cookies", "Advertise with the Post",
                    "Valley Post is part of Riverside Publishing."]),
    "dailyledger": (["The Daily Ledger", "Top stories", "Politics", "Environment", "Culture", "Science",
                     "This site stores small files on your device to remember your choices."],
                    ["Newsletters", "Jobs at the Ledger", "Corrections policy", "The Daily Ledger, all rights reserved"]),
    "eveningstar": (["Evening Star Online", "Sections", "Local news", "Traffic", "Courts", "Schools"],
                    ["Get the Evening Star app", "Manage your subscription", "Reader help desk",
                     "Evening Star Online accepts no responsibility for external sites."]),
    "coastcourier": (["Coast Courier", "Front page", "Harbour", "Tourism", "Fishing", "Events",
                      "Accept all cookies to continue reading the Coast Courier."],
                     ["Archive", "Our journalists", "Complaints", "Coast Courier Ltd, registered in Harbourton."]),
}
PLACES = ["Brennick", "Saltmere", "Owlby", "Carrow", "Dunhollow", "Fenwater", "Galloway Cross", "Hethel",
          "Ivybridge Vale", "Jessop Green"]
TOPICS = ["a new cycle path", "the closure of a library", "a rise in bus fares", "plans for a solar farm",
          "a shortage of school places", "repairs to the harbour wall", "a new health centre",
          "the sale of a town hall", "a summer food festival", "delays to a bypass"]


def local_story(n: int) -> list[str]:
    """A different invented article for each n, so only a site's chrome repeats on its pages."""
    place, topic = PLACES[n % len(PLACES)], TOPICS[(3 * n + 1) % len(TOPICS)]
    return [
        f"{place} residents divided over {topic}",
        f"Residents of {place} met on Thursday evening to discuss {topic}, which the council approved last month "
        f"after a consultation that drew {120 + n} written responses.",
        f"Supporters said {topic} was overdue, while opponents in {place} argued that the money would be better "
        f"spent on roads and on keeping the swimming pool open through the winter.",
        f"A council spokesperson said a final decision on the timetable would be taken in the spring, after "
        f"officers had reviewed the objections sent in by {n + 14} local groups.",
    ]


def page(site: str, story: list[str]) -> str:
    header, footer = SITES[site]
    return "\n".join(header) + "\n\n" + "\n\n".join(story) + "\n\n" + "\n".join(footer) + "\n"


def raw_pages() -> list[RawDocument]:
    pages = []
    for s, site in enumerate(SITES):
        stories = [WIRE_STORY, local_story(2 * s), local_story(2 * s + 1)]
        for k, story in enumerate(stories):
            text = page(site, story)
            pages.append(RawDocument(f"{site}-{k}", f"{site}/{k}.txt", "text", "utf-8", len(text), text))
    return pages


def body_words(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def test_every_site_keeps_the_wire_story_and_loses_its_chrome():
    raws = raw_pages()
    cleaned = {doc.doc_id: doc for doc in clean_documents(raws)}
    story_body = WIRE_STORY[1:]  # the headline becomes the title field
    for site, (header, footer) in SITES.items():
        body = cleaned[f"{site}-0"].body_text
        kept = [line for line in story_body if line in body]
        assert body_words(kept) >= 0.95 * body_words(story_body), (site, body)
        chrome = [line for line in header[1:] + footer if line in body.split("\n\n")]
        assert not chrome, (site, chrome)


def test_chrome_is_repeated_and_the_shared_story_is_not():
    repeated = repeated_lines([raw.text for raw in raw_pages()])
    assert {"Newsletters", "Contact the newsroom", "Podcasts"} <= repeated
    assert not repeated & set(WIRE_STORY)


def test_a_line_in_three_articles_without_shared_prose_around_it_stays_repeated():
    notice = "Support independent local journalism with a subscription."
    texts = ["\n\n".join([notice, *local_story(n)]) for n in range(3)]
    assert notice in repeated_lines(texts)
