"""trafilatura's precise extraction in its own steps, so that the HTML path does its work once.

trafilatura.bare_extraction copies the page's tree before pruning it, and its comparison with
readability and justext (fast=False) extracts the page again before comparing. Called step by step
(trafilatura 2.3.1's trafilatura_sequence for favor_precision without comments), the fast extraction
prunes the tree itself and keeps what the comparison reads, so the comparison, where the HTML path's
gate asks for it, does not extract again. Every step is trafilatura's own function; the output is
the same as bare_extraction's, pinned by the equality tests in tests/test_clean_html.py and by
scripts/clean_html_cost.py over the benchmark pages.
"""
from __future__ import annotations

from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from trafilatura import core
from trafilatura.external import compare_extraction
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS, decode_file, is_dubious_html
from trafilatura.xml import xmltotxt
from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, REMOVE_COMMENTS_XPATH

# What trafilatura.load_html deletes before parsing (its INVALID_XML_CHARS): searched for as single
# characters, 3x faster than its regular expression, on pages that (nearly always) hold none.
CONTROL_CHARS = tuple(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


def html_parser() -> etree.HTMLParser:
    """trafilatura's HTML_PARSER (same options) with lxml's class lookup in C: lxml.html's own calls a
    Python method for each element object lxml makes (thousands a page, again in every copy and
    XPath result) to give form elements their own classes, which nothing here uses."""
    parser = etree.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                              remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


PARSER = html_parser()


def parse(html: str | bytes):
    """trafilatura.load_html(html) for a str or bytes, step by step: decoding, repair, parse (with
    PARSER) and its checks, in its order; its scan for control characters only where there is one."""
    if not isinstance(html, (str, bytes)):
        return None
    try:
        html = decode_file(html)
        if any(char in html for char in CONTROL_CHARS):
            html = INVALID_XML_CHARS.sub("", html)
        return load_clean_html(html)
    except (ValueError, TypeError):  # malformed markup that lxml cannot parse at all
        return None


def load_clean_html(html: str):
    """load_html's repair, parse and checks for a str without CONTROL_CHARS."""
    beginning = html[:50].lower()
    html = repair_markup(html, beginning)
    tree, fallback_parse = None, False
    try:
        tree = lxml.html.fromstring(html, parser=PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, fallback_parse = parse_bytes(html), True
    except Exception:  # noqa: BLE001 - as load_html: lxml can fail in many ways
        tree = None
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = parse_bytes(html)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def parse_bytes(html: str):
    """trafilatura's fromstring_bytes with PARSER."""
    try:
        return lxml.html.fromstring(html.encode("utf8", "surrogatepass"), parser=PARSER)
    except Exception:  # noqa: BLE001 - as fromstring_bytes
        return None


def repair_markup(html: str, beginning: str) -> str:
    """trafilatura's repair_faulty_html after its deletion of control characters (a doctype, a
    self-closing <html/>)."""
    if "doctype" in beginning:
        first_line, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


class PreciseOptions(Extractor):
    """trafilatura's options, noting whether the extraction read `fast`: only its recovery of
    "wild" text does (teasers kept when fast), so an extraction that did not read it is the same
    with fast=False, the first half of trafilatura's comparison."""

    @property
    def fast(self) -> bool:
        self.fast_read = True
        return self._fast

    @fast.setter
    def fast(self, value: bool) -> None:
        self._fast, self.fast_read = value, False


@dataclass
class Precise:
    """trafilatura's precise, fast extraction of a page, and the trees its comparison would read."""
    text: str
    body: object  # trafilatura's extracted <body>
    raw_text: str
    pruned: object  # the page after trafilatura's pruning of the raw tree (readability reads it)
    cleaned: object  # the page cleaned, before tag conversion (justext reads it)
    options: PreciseOptions


def precise_extraction(tree, url: str | None) -> Precise | None:
    """trafilatura.bare_extraction(tree, url, fast=True, favor_precision=True, include_comments=False)
    step by step (its trafilatura_sequence for precision without comments), pruning the tree itself
    instead of a copy and keeping the trees the comparison with readability and justext reads, so
    that the comparison, where needed, does not extract again."""
    options = PreciseOptions(fast=True, precision=True, comments=False, tables=True, url=url,
                             output_format="python")
    try:
        is_forum = core._forum_thread_page(tree)
        tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
        cleaned, backup = core._prepare_tree(tree, options, url)
        if not is_forum:
            cleaned = prune_unwanted_nodes(cleaned, REMOVE_COMMENTS_XPATH)
        body, raw_text = extract_content(cleaned, options)
    except (ValueError, TypeError):
        return None
    if len(raw_text) < options.min_output_size:
        return None
    return Precise(xmltotxt(body, options.formatting), body, raw_text, tree, backup, options)


def compare(precise: Precise) -> Precise | None:
    """trafilatura's extraction with fast=False from its fast one: the comparison with readability
    and justext (it reads the kept trees, which it may change). Only for an extraction that did not
    read `fast` (see PreciseOptions)."""
    if precise.options.fast_read:
        raise ValueError("this extraction depends on `fast`: extract the page again with fast=False")
    try:  # trafilatura hands the comparison a copy of the pruned tree: nothing reads this one after
        body, raw_text = compare_extraction(precise.cleaned, precise.pruned, precise.body,
                                            precise.raw_text, precise.options)
    except (ValueError, TypeError):
        return None
    if len(raw_text) < precise.options.min_output_size:
        return None
    return Precise(xmltotxt(body, precise.options.formatting), body, raw_text, None, None, precise.options)


def bare_extraction(tree, url: str | None, options: dict):
    if tree is None:
        return None
    try:
        return trafilatura.bare_extraction(tree, url=url, **options)
    except (ValueError, TypeError):
        return None
