"""The plain-text cleaner: rules fire on typical furniture, prose stays, title and date become fields."""
from __future__ import annotations

import math
from datetime import date

import pytest

from newsfacts.clean import classifier, clean_documents, clean_text, repeated_lines
from newsfacts.clean.fields import parse_date_line
from newsfacts.clean.lines import line_texts, split_lines
from newsfacts.clean.text import decide_lines
from newsfacts.clean.rules import line_rule
from newsfacts.records import RawDocument

PROSE = [
    "The city council voted on Tuesday to expand the bus network, officials said.",
    "Residents had asked for more frequent service for years, according to a local survey.",
    "The new routes will start running in the spring, the transport authority said in a statement.",
    "Critics say the plan does not go far enough to reduce traffic in the centre.",
]


def removed_rules(doc) -> dict[str, str]:
    return {line.text.strip(): line.rule for line in doc.removed_lines}


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Skip to content", "navigation"),
        ("2. Skip to main menu", "navigation"),
        ("https://example.org/p/abc123", "bare_url"),
        ("A view of the harbourImage: Jane Doe/Example Agency", "photo_credit"),
        ("Photo: John Roe, AP", "photo_credit"),
        ("Office/Press Service A flooded street in the old town", "photo_credit"),
        ("ab/cd (AFP, Reuters)", "agency_signoff"),
        ("(Example News)", "agency_signoff"),
        ("Source: Example News and news agencies", "agency_signoff"),
        ("Related topics", "related_topics"),
        ("Media caption,", "media_caption"),
        ("Watch: the moment the bridge opened", "video_teaser"),
        ("Share this with Facebook", "share"),
        ("Advertisement", "advertisement"),
        ("© 2019 Example Media. All rights reserved.", "copyright"),
        ("This website uses cookies to improve your experience. By continuing you agree to our use of cookies.", "cookie_notice"),
        ("We use cookies and other tracking technologies to improve your browsing experience on our site.", "cookie_notice"),
    ],
)
def test_line_rules_fire_on_typical_furniture(line, rule):
    from newsfacts.clean.rules import strip_list_number

    assert line_rule(strip_list_number(line)) == rule


@pytest.mark.parametrize(
    "line",
    PROSE
    + [
        "Big picture: what the vote means",  # a heading with a colon is not a credit
        "AC/DC played to a full stadium on Friday night.",  # a slash in prose is not a credit
        "With Smith injured, the team lost its third game in a row.",
        "Source code for the project was published on Monday.",
        "(The council did not say when the vote would take place, or who would chair it.)",  # an aside
        "Google said it would phase out third-party cookies, which track you across websites.",
        "“We use cookies to follow readers,” the company's spokesman said.",
    ],
)
def test_line_rules_leave_prose_alone(line):
    assert line_rule(line) is None


def test_title_and_date_become_fields_not_body():
    text = "\n\n".join(["Council expands bus network", "May 23, 2023", *PROSE])
    doc = clean_text(text, "doc", use_classifier=False)
    assert doc.title == "Council expands bus network"
    assert doc.published_date == date(2023, 5, 23)
    assert doc.published_text == "May 23, 2023"
    assert "Council expands bus network" not in doc.body_text
    assert "May 23" not in doc.body_text
    assert removed_rules(doc) == {"Council expands bus network": "title", "May 23, 2023": "published_date"}


def test_labelled_date_line_at_the_end():
    text = "\n\n".join(["Council expands bus network", *PROSE, "Updated: May 23, 2023, 7:23 AM"])
    doc = clean_text(text, use_classifier=False)
    assert doc.published_date == date(2023, 5, 23)
    assert doc.body_text.endswith("centre.")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("May 23, 2023", date(2023, 5, 23)),
        ("Published 23.05.2023", date(2023, 5, 23)),
        ("In 2022 the plan changed", None),  # no month and day: not a full date
        ("The vote on May 23, 2023 was close, and many residents came to watch the debate in person.", None),
    ],
)
def test_parse_date_line(line, expected):
    assert parse_date_line(line) == expected


def test_caption_and_credit_block_removed_prose_kept():
    text = "\n".join(
        [
            "Council expands bus network",
            "",
            PROSE[0],
            "",
            "https://example.org/p/abc123",
            "A bus waits at the new terminal in the city centre",
            "The terminal opened last yearImage: Jane Doe/Example Agency",
            "",
            *PROSE[1:],
            "",
            "ab/cd (AFP, Reuters)",
        ]
    )
    doc = clean_text(text, use_classifier=False)
    rules = removed_rules(doc)
    assert rules["A bus waits at the new terminal in the city centre"] == "caption"
    assert rules["https://example.org/p/abc123"] == "bare_url"
    assert rules["ab/cd (AFP, Reuters)"] == "agency_signoff"
    assert doc.body_text.split("\n\n") == PROSE
    assert doc.body_line_count == len(PROSE)
    assert doc.raw_line_count == len(text.split("\n"))


def test_caption_between_paragraphs_before_a_heading():
    # no blank lines: prose, caption, heading, prose -- the heading stays, the caption goes
    text = "\n".join([PROSE[0], "Agency lorry blocking a road", "What happens next", PROSE[1]])
    doc = clean_text(text, use_classifier=False)
    assert removed_rules(doc) == {"Agency lorry blocking a road": "caption"}
    assert "What happens next" in doc.body_text


def test_removed_lines_carry_line_numbers_and_original_text():
    text = "  1. Skip to content\n\n" + "\n\n".join(PROSE)
    doc = clean_text(text, use_classifier=False)
    (removed,) = doc.removed_lines
    assert (removed.line_no, removed.text, removed.rule, removed.score) == (1, "  1. Skip to content", "navigation", None)


def test_blank_lines_are_not_removed_lines():
    doc = clean_text("\n\n\n".join(PROSE) + "\n\n", use_classifier=False)
    assert doc.removed_lines == []
    assert doc.body_text == "\n\n".join(PROSE)


MENU = ["Home", "World", "Business", "Sport", "Culture", "Newsletters", "Contact us", "Jobs"]
FOOTER = ["About us", "Privacy policy", "Terms of use", "Cookie settings", "Careers", "Sitemap"]
# A page as plain text often comes: no blank lines, the site's menu and footer around the article.
PAGE = "\n".join(["Council expands bus network | Example News", *MENU, *PROSE * 3, *FOOTER])


def test_classifier_removes_a_menu_and_keeps_the_article():
    doc = clean_text(PAGE)
    assert doc.title == "Council expands bus network"
    assert doc.site_name == "Example News"
    body = doc.body_text.split("\n\n")
    assert set(body) == set(PROSE)
    removed = removed_rules(doc)
    assert all(line in removed for line in MENU + FOOTER)


TEASERS = ["Five things to do in the city this weekend", "A new bakery opens on the high street",
           "Police close the ring road after a crash", "Schools prepare for the winter holidays"]
# A fuller page: menu, a block of teaser headlines, the article, more teasers and a footer.
TEASER_PAGE = "\n\n".join(
    ["Council expands bus network | Example News", "\n".join(MENU), "\n".join(TEASERS),
     "Council expands bus network", *PROSE * 3, "More from Example News", "\n".join(TEASERS[::-1]), "About us"]
)


def constant_model(p_body_stage2: float) -> classifier.LineModel:
    """A model whose every line gets P(body) = p_body_stage2 (single-leaf trees)."""
    def trees(p: float) -> classifier.Trees:
        return classifier.trees_from_json({"baseline": math.log(p / (1 - p)), "depth": 0, "trees": [[[0, 0.0, -1, -1, 0.0]]]})
    return classifier.LineModel(trees(0.5), trees(p_body_stage2), threshold=0.5)


def test_classifier_score_is_the_probability_of_boilerplate():
    doc = clean_text("\n\n".join(["Home", "World", *PROSE]), model=constant_model(0.2))
    scored = [line for line in doc.removed_lines if line.rule == "classifier"]
    assert scored and all(line.score == pytest.approx(0.8) for line in scored)
    assert clean_text("\n\n".join(PROSE), model=constant_model(0.7)).body_text == "\n\n".join(PROSE)


def test_shipped_classifier_removes_teasers_and_scores_them_as_probabilities():
    doc = clean_text(TEASER_PAGE)
    scored = {line.text: line.score for line in doc.removed_lines if line.rule == "classifier"}
    assert TEASERS[0] in scored
    assert all(0.5 < score <= 1.0 for score in scored.values())
    assert set(PROSE) <= set(doc.body_text.split("\n\n"))


def test_without_classifier_only_rules_remove_lines():
    doc = clean_text(TEASER_PAGE, use_classifier=False)
    assert all(line.rule != "classifier" for line in doc.removed_lines)
    assert TEASERS[0] in doc.body_text.split("\n\n")


def test_a_run_of_menu_items_is_removed_by_rule():
    doc = clean_text(PAGE, use_classifier=False)
    removed = removed_rules(doc)
    assert all(removed.get(item) in {"menu", "navigation"} for item in MENU)
    assert set(PROSE) <= set(doc.body_text.split("\n\n"))


def test_lead_after_headline_is_kept_even_before_a_picture_block():
    lead = "The city council has approved a larger bus network after years of complaints about slow and crowded services."
    text = "\n\n".join(
        [
            "Skip to content",
            "Council expands bus network",
            "May 23, 2023",
            lead,
            "https://example.org/p/abc123\nA bus waits at the new terminal\nThe terminal opened last yearImage: Jane Doe/Example Agency",
            *PROSE,
        ]
    )
    lines, _count = split_lines(text)
    decisions = decide_lines(lines)
    assert [d.keep for line, d in zip(lines, decisions) if line.text == lead] == ["lead"]
    doc = clean_text(text)
    assert doc.body_text.split("\n\n")[0] == lead
    assert doc.title == "Council expands bus network"


@pytest.mark.parametrize("title", ["Council expands bus network\n\n", ""])
def test_a_one_paragraph_text_keeps_its_paragraph(title):
    doc = clean_text(title + PROSE[2] + "\n")
    assert doc.body_text == PROSE[2]


def test_numbered_body_lines_keep_their_number():
    items = [f"{n}. Residents will get a new bus route number {n} through the old town this spring." for n in (1, 2)]
    doc = clean_text("\n\n".join(["Council expands bus network", *PROSE[:2], *items, *PROSE[2:]]), use_classifier=False)
    assert all(item in doc.body_text.split("\n\n") for item in items)


def test_clean_documents_keeps_order_and_uses_repeated_lines():
    furniture = "Subscribe to our morning briefing today"
    texts = [f"Story {n} headline\n\n{furniture}\n\n" + "\n\n".join(PROSE) for n in range(3)]
    raws = [RawDocument(f"id{n}", f"{n}.txt", "text", "utf-8", len(t), t) for n, t in enumerate(texts)]
    docs = clean_documents(raws)
    assert [doc.doc_id for doc in docs] == ["id0", "id1", "id2"]
    assert all(removed_rules(doc).get(furniture) in {"repeated_line", "share"} for doc in docs)
    assert furniture in repeated_lines(texts)


def test_clean_documents_dispatches_html():
    html = "<html><head><title>Bus news</title></head><body><article>" + "".join(
        f"<p>{p}</p>" for p in PROSE * 2
    ) + "</article></body></html>"
    (doc,) = clean_documents([RawDocument("h", "a.html", "html", "utf-8", len(html), html)])
    assert PROSE[0] in doc.body_text and "<p>" not in doc.body_text


def test_a_section_breadcrumb_is_not_the_title():
    text = ("Skip to main content\n\nWorld | Africa\n\nStorm death toll passes 400 in the south\n\n"
            "Published 16 March 2023\n\n"
            "The death toll from the storm has risen to 438, the government said on Thursday, "
            "as rescuers searched for hundreds of people still missing.\n")
    doc = clean_text(text, use_classifier=False)
    assert doc.title == "Storm death toll passes 400 in the south"
    assert doc.published_date.isoformat() == "2023-03-16"


def test_line_texts_are_the_texts_of_split_lines():
    text = "  Home  \r\n\r\n1. Skip to content\n2.\nThe mayor said the bridge opens in May.\n\n\tShare \n"
    assert line_texts(text) == [line.text for line in split_lines(text)[0]] == [
        "Home", "Skip to content", "2.", "The mayor said the bridge opens in May.", "Share"]


# Reader comments after an article: each a header line with a name and a time, then its prose.
COMMENTS = [
    "Posted by: Marta Quill | March 26, 2012 2:00 PM", "What a thoughtful piece, thank you for writing it down for all of us.",
    "Posted by: Ivo Brant | March 26, 2012 2:14 PM", "I have taken the number 12 bus for years and it was always late in the evening.",
    "Posted by: Lena Farr | March 27, 2012 9:05 AM", "The council should have asked the drivers first, they know the routes best.",
]


def test_reader_comments_after_the_article_are_cut_at_their_first_header():
    doc = clean_text("\n\n".join([*PROSE * 2, *COMMENTS]), use_classifier=False)
    assert doc.body_text.split("\n\n") == PROSE * 2
    removed = removed_rules(doc)
    assert all(removed[line] == "dated_records" for line in COMMENTS)
    assert doc.published_date is None  # the first comment's date is not the article's


def test_dated_teasers_after_the_article_are_cut():
    teasers = []
    for n, headline in enumerate(TEASERS, 1):
        teasers += [headline, f"By Staff Reporter | 11/{n:02d}/2019 10:{n:02d} AM"]
    doc = clean_text("\n\n".join([*PROSE * 2, *teasers]), use_classifier=False)
    assert doc.body_text.split("\n\n") == PROSE * 2


@pytest.mark.parametrize(
    "lines",
    [
        # a header shape seen only twice is not a list of records
        [*PROSE * 2, *COMMENTS[:4]],
        # records before the article has begun (an archive in a sidebar) are left to the other rules
        [*COMMENTS, *PROSE * 2],
        # an article's own dated lines, each worded differently, are prose
        ["On March 26, 2012 the council met at 2:00 PM.", *PROSE, "By 2013 the first routes were running.",
         "In 2014 the network reached the airport, as planned in 2012.", *PROSE],
    ],
)
def test_dated_lines_that_are_not_records_stay(lines):
    doc = clean_text("\n\n".join(lines), use_classifier=False)
    assert not any(line.rule == "dated_records" for line in doc.removed_lines)


def test_record_header_shape():
    from newsfacts.clean.text import record_header_shape

    shape = lambda text: record_header_shape(split_lines(text)[0][0])  # noqa: E731
    assert shape("Posted by: Ivo Brant | March 26, 2012 2:14 PM") == ("posted", "by")
    assert shape("Ann says: 8 August 2018 at 3:17 pm") == ("ann", "says")
    assert shape("Posted by: Ivo Brant") is None  # no time or date
    # a bare stamp heads a live blog's entry, not a record
    assert shape("6:05 p.m.") is shape("March 26, 2012 at 2:14 PM") is shape("Tues., Sept. 4, 2012, 10:15 EDT") is None
    assert shape(PROSE[0]) is None
    assert shape(" ".join(["word"] * 30) + " 2012") is None  # too long for a header


def test_a_live_blog_with_timed_entries_is_kept():
    entries = []
    for hour, paragraph in zip((7, 6, 5, 4), PROSE * 2):
        entries += [f"{hour}:{hour * 7:02d} p.m.", paragraph]
    doc = clean_text("\n\n".join([*PROSE * 2, *entries]), use_classifier=False)
    assert not any(line.rule == "dated_records" for line in doc.removed_lines)
