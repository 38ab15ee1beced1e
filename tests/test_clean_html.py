"""The HTML path: trafilatura's main content and metadata, then our line rules on its output."""
from __future__ import annotations

from datetime import date

import pytest
import trafilatura
import lxml.html
from lxml import etree

from newsfacts.clean import clean_html, html

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


# --- one parse, metadata, and trafilatura's comparison only where it could change the text ---

def full_trafilatura(page: str):
    """trafilatura with its readability/justext comparison and its own metadata, as the HTML path
    called it before: what the cheaper path must reproduce."""
    return trafilatura.bare_extraction(page, **{**html.EXTRACT_OPTIONS, "with_metadata": True})


LEDE = ("The harbour authority of Port Velmar said on Friday that the northern pier would close for "
        "repairs after inspectors found cracks in its concrete supports during a routine survey.")
DIV_ARTICLE = f"""<html><head><title>Pier closes | Velmar Post</title></head><body>
<div class="menu"><a href="/">Home</a> <a href="/port">Port</a> <a href="/city">City</a></div>
<div class="story"><div>{LEDE}</div><div>{PARAGRAPHS[0]}</div><div>{PARAGRAPHS[1]}<br>{PARAGRAPHS[2]}</div>
<div>{PARAGRAPHS[3]}</div></div>
<div class="footer">Velmar Post, 12 Quay Street</div></body></html>"""
TEASERS = "".join(f"<li><a href='/t{n}'>Teaser headline number {n} about another story in town</a> "
                  f"<span>{PARAGRAPHS[n % 4]}</span></li>" for n in range(40))
SHORT_ARTICLE_LONG_PAGE = f"""<html><head><title>Short note | Velmar Post</title></head><body>
<article><p>{LEDE}</p></article><aside><ul>{TEASERS}</ul></aside></body></html>"""
JSON_LD_PAGE = PAGE.replace("</head>", """<script type="application/ld+json">{"@context": "https://schema.org",
"@type": "NewsArticle", "headline": "Bus network grows again", "datePublished": "2023-05-24",
"publisher": {"@type": "Organization", "name": "Example News Group"}}</script></head>""")
TABLE_LAYOUT = f"""<html><body><table><tr><td>{LEDE}</td></tr><tr><td>{PARAGRAPHS[0]}</td>
<td>{PARAGRAPHS[1]}</td></tr></table><table><tr><td>{PARAGRAPHS[2]}</td></tr></table></body></html>"""
SHORT_TEXT = f"<html><body><article><p>The pier closed on Friday.</p></article><div>{LEDE}</div></body></html>"
PLAIN_PAGE = f"""<html><head><title>Pier closes</title>
<link rel="canonical" href="https://velmar-post.example.net/2022/11/04/pier-closes.html"></head>
<body><article><p>{LEDE}</p>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}</article></body></html>"""

FORM_PAGE = PLAIN_PAGE.replace("</article>", """<form action="/signup"><label for="m">Your e-mail</label>
<input id="m" name="m" value="you@example.org"><select name="f"><option>Daily</option></select>
<textarea name="t">Tell us what you think of the new pier and the bus routes to it.</textarea>
<button>Sign up</button></form></article>""")


@pytest.mark.parametrize("page", [PAGE, PAGE_WITH_NOTES, DIV_ARTICLE, SHORT_ARTICLE_LONG_PAGE, JSON_LD_PAGE, PLAIN_PAGE,
                                  TABLE_LAYOUT, SHORT_TEXT, FORM_PAGE])
def test_extraction_is_trafilaturas_full_extraction(page):
    extracted, full = html.extract(page), full_trafilatura(page)
    assert extracted.text == full.text
    assert (extracted.title, extracted.sitename, extracted.url, extracted.date) == (
        full.title, full.sitename, full.url, full.date)


@pytest.mark.parametrize("page", [PAGE, DIV_ARTICLE])  # trafilatura turns the divs of prose into paragraphs
def test_an_article_of_paragraphs_skips_the_comparison(page):
    tree = html.parse(page)
    fast = html.bare_extraction(tree, None, {**html.EXTRACT_OPTIONS, "fast": True})
    assert not html.needs_comparison(fast, html.PageMeasures.of(tree))


@pytest.mark.parametrize("page", [TABLE_LAYOUT, SHORT_TEXT, SHORT_ARTICLE_LONG_PAGE])
def test_tables_short_text_or_a_small_share_of_the_page_are_compared(page):
    tree = html.parse(page)
    fast = html.bare_extraction(tree, None, {**html.EXTRACT_OPTIONS, "fast": True})
    assert html.needs_comparison(fast, html.PageMeasures.of(tree))


# --- trafilatura's steps called one by one: the same output as its public bare_extraction ---

STEP_PAGES = [PAGE, PAGE_WITH_NOTES, DIV_ARTICLE, SHORT_ARTICLE_LONG_PAGE, JSON_LD_PAGE, PLAIN_PAGE, TABLE_LAYOUT,
              SHORT_TEXT, FORM_PAGE]


def public_extraction(page: str, fast: bool):
    return trafilatura.bare_extraction(page, url="https://example.org/a", **{**html.EXTRACT_OPTIONS, "fast": fast})


def same_extraction(ours, theirs) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return (ours.text, etree.tostring(ours.body)) == (theirs.text, etree.tostring(theirs.body))


@pytest.mark.parametrize("page", STEP_PAGES)
def test_precise_extraction_is_trafilaturas_fast_extraction(page):
    ours = html.precise_extraction(html.parse(page), "https://example.org/a")
    assert same_extraction(ours, public_extraction(page, fast=True))


@pytest.mark.parametrize("page", STEP_PAGES)
def test_comparison_after_the_fast_extraction_is_trafilaturas_full_extraction(page):
    precise = html.precise_extraction(html.parse(page), "https://example.org/a")
    assert same_extraction(html.compared(precise, page, "https://example.org/a"), public_extraction(page, fast=False))


def test_only_an_extraction_that_recovers_wild_text_reads_fast():
    assert html.precise_extraction(html.parse(SHORT_TEXT), None).options.fast_read
    assert not html.precise_extraction(html.parse(PLAIN_PAGE), None).options.fast_read


XHTML_DOCTYPE = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                 '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n')


@pytest.mark.parametrize("page", [
    PAGE, XHTML_DOCTYPE + PLAIN_PAGE, '<html lang="en"/>\n' + PLAIN_PAGE.removeprefix("<html>"),
    PAGE.replace("Friday", "Fri\x07day\x0b"), PAGE.encode("utf-8"), PLAIN_PAGE.replace("city", "cité").encode("latin-1"),
    FORM_PAGE, f"<p>{LEDE}</p>", "plain words, no markup",
    '<?xml version="1.0" encoding="utf-8"?>' + PLAIN_PAGE, "", "<html></html>"])
def test_parse_is_trafilaturas_load_html(page):
    ours, theirs = html.parse(page), trafilatura.load_html(page) if page else None
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)


def test_page_words_leave_out_scripts_and_styles():
    tree = html.parse("<html><head><style>p { color: red }</style></head><body><p>Three words here</p>"
                      "<script>var a = 1;</script><!-- a note --> and two</body></html>")
    assert html.page_words(tree) == 5


def test_metadata_without_a_site_name_comes_from_the_url():
    doc = clean_html(PLAIN_PAGE, "plain")
    assert doc.url == "https://velmar-post.example.net/2022/11/04/pier-closes.html"
    assert doc.site_name == "velmar-post.example.net"
    assert doc.published_date == date(2022, 11, 4)


def test_unparseable_input_gives_an_empty_document():
    doc = clean_html(b"\x00\x00", "nul")
    assert doc.body_text == "" and doc.title is None



def test_parsed_elements_are_lxml_html_elements():  # htmldate and trafilatura test for the class
    tree = html.parse(FORM_PAGE)
    assert all(isinstance(element, lxml.html.HtmlElement) for element in tree.iter())
