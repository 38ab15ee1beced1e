"""An HTML page as text blocks that remember where they stood in the markup.

The page is read as a browser shows it without styles: every block element (paragraph, heading,
list item, table cell, div...) starts a new line, and scripts, styles and other invisible
elements are left out. Each block keeps what its markup says about it: the element that holds
it, how much of its text is link text, how deep it sits, and the words of its ancestors' class
and id attributes (a "comment-body" or "site-footer" tells what a block is on any site that
names its markup, as most do). The line classifier reads these next to the text's own shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import numpy as np
from lxml import etree

from newsfacts.clean.lines import Line, split_lines
from newsfacts.clean.rules import WORD

INVISIBLE = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "object", "embed",
                       "head", "select", "option", "button", "input", "textarea", "canvas", "map"})
# Block elements after which the text goes on after a blank line (a paragraph break) ...
PARAGRAPH_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
                            "article", "section", "header", "footer", "nav", "aside", "main", "form",
                            "figure", "figcaption", "address", "ul", "ol", "dl", "hr", "center", "title"})
# ... or on the next line.
LINE_TAGS = frozenset({"br", "li", "dd", "dt", "tr", "td", "th", "caption", "option", "label"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Markup words (class, id, and the element names that say the same) grouped by what they mark.
MARKS: dict[str, frozenset[str]] = {
    "comment": frozenset({"comment", "comments", "commentlist", "disqus", "reply", "replies", "respond",
                          "discussion", "responses"}),
    "footer": frozenset({"footer", "foot", "copyright", "colophon", "legal", "bottom"}),
    "navigation": frozenset({"nav", "navigation", "menu", "breadcrumb", "breadcrumbs", "navbar", "pagination",
                             "pager", "topnav", "subnav", "tabs"}),
    "sidebar": frozenset({"sidebar", "aside", "widget", "widgets", "rail", "column", "sidebox", "secondary"}),
    "share": frozenset({"share", "sharing", "social", "facebook", "twitter", "tweet", "print", "email",
                        "addthis", "sharethis", "follow"}),
    "related": frozenset({"related", "recommended", "popular", "trending", "more", "promo", "teaser",
                          "outbrain", "taboola", "recirculation", "also"}),
    "advertising": frozenset({"ad", "ads", "advert", "advertisement", "advertising", "sponsor", "sponsored",
                              "banner", "dfp", "gpt"}),
    "header": frozenset({"header", "masthead", "banner", "top", "topbar", "logo", "branding"}),
    "meta": frozenset({"byline", "author", "date", "time", "timestamp", "dateline", "meta", "published",
                       "posted", "tags", "tag", "category", "categories"}),
    "caption": frozenset({"caption", "figcaption", "credit", "photo", "image", "img", "media", "gallery"}),
    "content": frozenset({"article", "content", "post", "entry", "story", "body", "main", "text", "blog",
                          "storybody", "articlebody", "postbody", "entrycontent"}),
}
MARK_NAMES = tuple(MARKS)
MARK_OF_WORD = {word: name for name, words in MARKS.items() for word in words}
WORD_IN_ATTRIBUTE = re.compile(r"[a-z]+")
SPACE = re.compile(r"\s+")


@dataclass
class Block:
    text: str
    tag: str  # the nearest block element holding the text
    link_chars: int  # characters of the text inside <a>
    depth: int  # elements above the text
    marks: frozenset[str]  # MARK_NAMES found on its ancestors (class, id and element names)
    heading: bool
    list_item: bool
    blank_before: bool  # the markup sets it apart from the block before (a paragraph break)


def attribute_marks(element) -> set[str]:
    """What an element's name, class and id say it is (see MARKS)."""
    words = [element.tag]
    for attribute in ("class", "id", "role", "itemprop"):
        value = element.get(attribute)
        if value:
            words += WORD_IN_ATTRIBUTE.findall(value.lower())
    # "articleBody", "commentlist": whole compounds first, then their parts found by the regex
    return {MARK_OF_WORD[word] for word in words if word in MARK_OF_WORD}


class BlockWriter:
    """Collects the text runs of a walk over the tree into Blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.pieces: list[str] = []
        self.link_chars = 0
        self.context: tuple | None = None
        self.pending_break = "\n\n"

    def add(self, text: str, context: tuple, in_link: bool) -> None:
        if not text or text.isspace() and not self.pieces:
            return
        if self.context is None:
            self.context = context
        self.pieces.append(text)
        if in_link:
            self.link_chars += len(text.strip())

    def flush(self, break_after: str) -> None:
        text = SPACE.sub(" ", "".join(self.pieces)).strip()
        if text and self.context is not None:
            tag, depth, marks, heading, list_item = self.context
            self.blocks.append(Block(text, tag, min(self.link_chars, len(text)), depth, marks, heading, list_item,
                                     self.pending_break == "\n\n"))
            self.pending_break = break_after
        elif break_after == "\n\n":
            self.pending_break = "\n\n"
        self.pieces, self.link_chars, self.context = [], 0, None


def page_blocks(html: str | bytes) -> list[Block]:
    """The page's visible text as blocks, in reading order (its <title> first)."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError, TypeError):
        return []
    writer = BlockWriter()
    title = tree.find(".//title")
    if title is not None and title.text_content().strip():
        writer.add(title.text_content(), ("title", 0, frozenset(), True, False), False)
        writer.flush("\n\n")
    body = tree.find("body")
    walk(body if body is not None else tree, writer, ("body", 0, frozenset(), False, False), False)
    writer.flush("\n\n")
    return writer.blocks


def walk(element, writer: BlockWriter, context: tuple, in_link: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag and tag.lower() not in INVISIBLE:
        tag = tag.lower()
        block = tag in PARAGRAPH_TAGS or tag in LINE_TAGS
        if block:
            writer.flush("\n\n" if tag in PARAGRAPH_TAGS else "\n")
        _, depth, marks, heading, list_item = context
        inner = (tag if block else context[0], depth + 1, marks | attribute_marks(element),
                 heading or tag in HEADINGS, list_item or tag == "li")
        inner_link = in_link or tag == "a"
        writer.add(element.text or "", inner, inner_link)
        for child in element:
            walk(child, writer, inner, inner_link)
        if block:
            writer.flush("\n\n" if tag in PARAGRAPH_TAGS else "\n")
    writer.add(element.tail or "", context, in_link)


def blocks_as_lines(blocks: list[Block]) -> tuple[list[Line], list[Block], int]:
    """(the blocks' lines as the text path reads them, the block of each line, the text's line
    count): blocks joined by a line break or a blank line, as the markup separates them."""
    parts: list[str] = []
    block_of_line: dict[int, Block] = {}
    line_no = 1
    for block in blocks:
        if parts:
            gap = 2 if block.blank_before else 1
            parts.append("\n" * gap)
            line_no += gap
        parts.append(block.text)
        block_of_line[line_no] = block
    lines, count = split_lines("".join(parts))
    kept = [line for line in lines if line.no in block_of_line]
    return kept, [block_of_line[line.no] for line in kept], count


MARKUP_NAMES = (
    "link_density",
    "log_depth",
    "heading",
    "list_item",
    "paragraph",
    "page_title",
    "table_cell",
    *(f"mark_{name}" for name in MARK_NAMES),
    "extractor_share",
    "extractor_found",
)
SHINGLE = 4  # word n-grams that tie a line to the main-content extractor's text


def markup_features(lines: list[Line], line_blocks: list[Block], extracted_text: str) -> np.ndarray:
    """One row of MARKUP_NAMES per line: what the markup says about its block, and how much of it
    the main-content extractor (trafilatura) kept: its word 4-grams found in the extractor's
    text (a second opinion the classifier weighs against the line's shape and neighbourhood)."""
    n = len(lines)
    chars = np.fromiter((max(len(line.text), 1) for line in lines), np.float64, n)
    link = np.fromiter((block.link_chars for block in line_blocks), np.float64, n)
    columns = [
        link / chars,
        np.log1p(np.fromiter((block.depth for block in line_blocks), np.float64, n)),
        flags(line_blocks, lambda block: block.heading),
        flags(line_blocks, lambda block: block.list_item),
        flags(line_blocks, lambda block: block.tag == "p"),
        flags(line_blocks, lambda block: block.tag == "title"),
        flags(line_blocks, lambda block: block.tag in ("td", "th")),
    ]
    columns += [flags(line_blocks, lambda block, name=name: name in block.marks) for name in MARK_NAMES]
    columns.append(covered_share([line.tokens for line in lines], extracted_text))
    columns.append(np.full(n, float(bool(extracted_text.strip()))))
    return np.stack(columns, axis=1) if n else np.zeros((0, len(MARKUP_NAMES)))


def flags(line_blocks: list[Block], test) -> np.ndarray:
    return np.fromiter(map(test, line_blocks), np.float64, len(line_blocks))


def covered_share(token_lists: list[list[str]], reference: str) -> np.ndarray:
    """For each line, the share of its words inside a word 4-gram of `reference` (4-grams read
    across line ends, so a short line counts only in its place in a passage, not wherever its
    one or two words occur). A reference shorter than 4 words covers a line equal to it."""
    reference_tokens = WORD.findall(reference)
    owner = np.repeat(np.arange(len(token_lists)), [len(tokens) for tokens in token_lists])
    stream = [token for tokens in token_lists for token in tokens]
    covered = np.zeros(len(stream), dtype=bool)
    if len(reference_tokens) < SHINGLE:
        for i, tokens in enumerate(token_lists):
            if tokens and tokens == reference_tokens:
                covered[owner == i] = True
    else:
        grams = set(zip(*(reference_tokens[k:] for k in range(SHINGLE))))
        for start, gram in enumerate(zip(*(stream[k:] for k in range(SHINGLE)))):
            if gram in grams:
                covered[start : start + SHINGLE] = True
    words = np.bincount(owner, minlength=len(token_lists)).astype(np.float64)
    hits = np.bincount(owner, weights=covered, minlength=len(token_lists))
    return np.where(words > 0, hits / np.maximum(words, 1), 0.0)
