"""The HTML path: trafilatura's main content and metadata, then our line rules on its output."""
from __future__ import annotations

from datetime import date

from newsfacts.clean import clean_html

PARAGRAPHS = [
    "The city council voted on Tuesday to expand the bus network, officials said after a long debate.",
    "Residents had asked for more frequent service for years, according to a survey by a local group.",
    "The new routes will start running in the spring, the transport authority said in a statement.",
    "Critics say the plan does not go far enough to reduce traffic in the centre of the city.",
]

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<title>Council expands bus network | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:url" content="https://news.example.org/2023/05/23/buses">
<meta property="article:published_time" content="2023-05-23T07:23:00Z">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article>
<h1>Council expands bus network</h1>
{''.join(f'<p>{p}</p>' for p in PARAGRAPHS[:2])}
<p>Photo: Jane Doe, Example Agency</p>
{''.join(f'<p>{p}</p>' for p in PARAGRAPHS[2:])}
<p>ab/cd (AFP, Reuters)</p>
</article>
<footer><p>© 2023 Example News. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_body_is_the_article_without_navigation_or_footer():
    doc = clean_html(PAGE, "doc")
    body = doc.body_text.split("\n\n")
    assert all(p in body for p in PARAGRAPHS)
    assert "Home" not in body and "Privacy" not in doc.body_text


def test_furniture_inside_the_article_is_removed_by_rules():
    doc = clean_html(PAGE, "doc")
    removed = {line.text: line.rule for line in doc.removed_lines}
    assert removed.get("Photo: Jane Doe, Example Agency") == "photo_credit"
    assert removed.get("ab/cd (AFP, Reuters)") == "agency_signoff"
    # numbered by their line in the extracted text: distinct, so (doc_id, line_no) stays a key
    numbers = [line.line_no for line in doc.removed_lines]
    assert all(n > 0 for n in numbers) and len(set(numbers)) == len(numbers)
    assert "ab/cd" not in doc.body_text


def test_metadata_fields_are_filled():
    doc = clean_html(PAGE, "doc")
    assert doc.title == "Council expands bus network"
    assert doc.site_name == "Example News"
    assert doc.url == "https://news.example.org/2023/05/23/buses"
    assert doc.published_date == date(2023, 5, 23)
    assert doc.body_line_count == len(doc.body_text.split("\n\n"))


def test_page_without_content_gives_an_empty_body():
    doc = clean_html("<html><body><nav><a href='/'>Home</a></nav></body></html>", "empty")
    assert doc.body_text == ""
    assert doc.body_line_count == 0


READER_NOTES = [
    ("Marta Quill", "March 26, 2023 2:00 PM", "What a thoughtful piece, thank you for writing it down for all of us."),
    ("Ivo Brant", "March 26, 2023 2:14 PM", "I have taken the number 12 bus for years and it was always late at night."),
    ("Lena Farr", "March 27, 2023 9:05 AM", "The council should have asked the drivers first, they know the routes best."),
]
# Reader notes inside the article's own container, with no markup that says "comments": trafilatura
# keeps them as part of the article.
PAGE_WITH_NOTES = PAGE.replace(
    "</article>",
    "".join(f"<p>Posted by: {name} | {when}</p><p>{note}</p>" for name, when, note in READER_NOTES) + "</article>",
)


def test_dated_records_after_the_article_are_cut():
    doc = clean_html(PAGE_WITH_NOTES, "doc")
    body = doc.body_text.split("\n\n")
    assert all(p in body for p in PARAGRAPHS)
    assert not any(note in doc.body_text for _name, _when, note in READER_NOTES)
    removed = {line.text: line.rule for line in doc.removed_lines}
    assert removed.get(READER_NOTES[-1][2]) == "dated_records"
