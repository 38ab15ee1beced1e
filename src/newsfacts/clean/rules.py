"""General line-level boilerplate rules.

Each rule looks at one stripped line (and, for the context rules in `text`, its neighbours) and
names the kind of boilerplate it is, or returns None. The patterns describe the *shape* of web
page furniture (menus, credits, sign-offs, teasers), never the strings of particular articles.
"""
from __future__ import annotations

import re

LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+")
WORD = re.compile(r"\w+", re.UNICODE)

# A line ends like a sentence: terminal punctuation, possibly inside closing quotes/brackets
# (or a closing quote alone: a quoted sentence).
SENTENCE_STOPS = ".!?…:;。！？"
CLOSERS = "\"'”’»)]」』"
QUOTE_CLOSERS = "\"”»」』"
SENTENCE_MIN_WORDS = 4
SENTENCE_MIN_CHARS = 25  # scripts without spaces (Chinese, Japanese) make few long "words"
PROSE_WORDS = 25  # this long, a line is prose even without an ending (a cut-off paragraph)
PROSE_CHARS = 160
MAX_RULE_CHARS = 300  # rules describe short furniture; longer lines are prose or left to the classifier

# (rule name, pattern matched from the start of the stripped line). Order matters: first wins.
RULES: tuple[tuple[str, str], ...] = (
    ("bare_url", r"<?(?:https?://|www\.)\S+>?$"),
    (
        "navigation",
        r"(?i:skip to\b.*|jump to (?:content|main|navigation|search)\b.*|go to (?:content|main content)"
        r"|(?:open |close |main |toggle )?(?:menu|navigation)|back to top|search|home|sign in|log ?in|log ?out"
        r"|register|close|next|previous|prev|more|show more|load more|all rights reserved\.?)$",
    ),
    (
        "share",
        r"(?i:share|shares|tweet|email|e-mail|print|copy link|comments?|leave a comment"
        r"|share (?:this|on|via|by|with|article|story|page)\b.{0,40}"
        r"|(?:subscribe|sign up|follow us|join us|download (?:our|the) app)\b.{0,60})$",
    ),
    (
        "advertisement",
        r"(?i:advertisement|advertisements|advertising|sponsored(?: content)?|ad"
        r"|story continues below(?: advertisement)?)$",
    ),
    (
        "related_topics",
        r"(?i:related|related (?:topics|stories|articles|content|coverage|links|news|tags|posts|reading)"
        r"|more (?:on this story|stories|news|from \w+(?: \w+)?)|recommended(?: for you| stories)?|read more|read next"
        r"|see also|also read|you (?:may|might) also like|trending(?: now)?|most (?:read|popular|viewed)"
        r"|top stories|latest (?:news|stories)|topics|tags)\s*:?$",
    ),
    ("media_caption", r"(?i:(?:media|image|video|photo) (?:caption|source|copyright)\b.{0,80})$"),
    ("video_teaser", r"(?i:(?:watch|video|listen|watch live|watch now|play video)\s*(?::|\|)\s*.{0,160})$"),
    ("copyright", r"(?i:(?:©|ⓒ|\(c\)\s|copyright\b).{0,200})$"),
    # "Portal/Telegram/Office of X caption text": a line that starts with a slash-joined credit.
    ("photo_credit", r"[A-Z][\w&.-]*\s?/(?!.*[.!?][\"'”’)]*$)\s?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*)*(?:\s?/\s?[A-Z][\w&.-]*(?: [A-Z][\w&.-]*)*)*(?:\s|$)"),
    # "ab/cd (AFP, Reuters)": editor initials sign-off, optionally with the agencies.
    ("agency_signoff", r"[a-z]{1,4}(?:/[a-z]{1,4})+\s*(?:\([^()]{1,80}\))?$"),
    # "(Outlet Name)" or "(AFP, AP)" alone on a line: a credit for the preceding block. Names of a
    # few words each; a bracketed sentence (ending in a full stop) is an aside, not a credit.
    (
        "agency_signoff",
        r"\(\s*[A-Z][\w.&'’-]*(?: [\w.&'’-]+){0,4}(?:\s*[,/;]\s*[\w.&'’-]+(?: [\w.&'’-]+){0,4}){0,6}\s*(?<![.!?])\)$",
    ),
    ("agency_signoff", r"(?i:sources?\s*:\s*[^.!?]{1,80}\b(?:agency|agencies|wires?|news services)\.?)$"),
    ("agency_signoff", r"(?i:sources?\s*:\s*\S(?:\S*\s?){0,6})$"),
    # "With AFP", "Additional reporting by Name and Name": only capitalised names follow.
    (
        "agency_signoff",
        r"(?:[Ww]ith|[Aa]dditional reporting by|[Cc]ompiled by)(?:,?\s+(?:and\s+)?[A-Z][\w.&'’-]*){1,6}\.?$",
    ),
)
# "...borderImage: Name/Agency", "Photo: Name, AP", "Image Credit: Company": a credit at the end of
# the line, at its start or glued to the caption before it (no space: the page's markup separated
# them), never after a space ("Big picture: ..." is a heading). Searched only in lines with a colon.
GLUED_CREDIT = re.compile(
    r"(?:^|(?<=[^\W\d_])|(?<=[.)\]]))(?:Image|Photo|Picture|Photograph|Foto|Credit)s?(?: [Cc]redit)?"
    r"\s*:\s*[^.!?:]{1,80}\.?$"
)
CREDIT_WORDS = ("Image", "Photo", "Picture", "Foto", "Credit")  # cheap test before GLUED_CREDIT
# "... (Photo by Name/Agency)" at the end of a caption.
CREDIT_IN_BRACKETS = re.compile(r"\((?:photo|image|picture|video)s?\s*(?:by|:|credit)[^)]*\)$", re.I)
# A cookie-consent banner: the site says it uses cookies, or asks the reader to accept them.
# Searched only in lines mentioning cookies and without quotation marks (a quote in a story about
# tracking is prose); banners run longer than other furniture.
COOKIE_WORD = re.compile(r"(?i)\bcookies?\b")
COOKIE_NOTICE = re.compile(
    r"(?i)\b(?:we|site|website)\s+(?:use|uses|are using|is using)\b.{0,30}\bcookies?\b"
    r"|\b(?:use of cookies|uses cookies|cookie (?:settings|preferences|policy))\b.*\b(?:consent|agree|accept|continu\w*|opt.out)\b"
    r"|\b(?:consent|agree|accept\w*|continu\w*)\b.*\b(?:use of cookies|uses cookies|cookie (?:settings|preferences|policy))\b"
)
MAX_COOKIE_CHARS = 650
QUOTES = "\"“”«»„"
# One alternation, one regex call per line; the matching group's name says which rule fired.
COMBINED_RULES = re.compile("|".join(f"(?P<{name}__{i}>{pattern})" for i, (name, pattern) in enumerate(RULES)))

MEDIA_RULES = frozenset({"photo_credit", "media_caption", "bare_url", "video_teaser"})


def strip_list_number(line: str) -> str:
    """'1. Skip to content' -> 'Skip to content' (list numbers come from flattened <ol> menus)."""
    text = line.strip()
    return LIST_NUMBER.sub("", text, count=1) if text[:1].isdigit() else text


def line_rule(text: str) -> str | None:
    """The first rule whose pattern matches the stripped line, or None."""
    if not text:
        return None
    if len(text) > MAX_RULE_CHARS:
        return cookie_notice(text)
    match = COMBINED_RULES.match(text)
    if match:
        return match.lastgroup.split("__")[0]
    if ":" in text and any(word in text for word in CREDIT_WORDS) and GLUED_CREDIT.search(text):
        return "photo_credit"
    if "(" in text and CREDIT_IN_BRACKETS.search(text):
        return "photo_credit"
    return cookie_notice(text)


def cookie_notice(text: str) -> str | None:
    if "ookie" not in text and "OOKIE" not in text:  # cheap test first: nearly every line fails it
        return None
    if len(text) > MAX_COOKIE_CHARS or not COOKIE_WORD.search(text) or any(q in text for q in QUOTES):
        return None
    return "cookie_notice" if COOKIE_NOTICE.search(text) else None


def sentence_shape(text: str, words: int) -> bool:
    """Reads like prose: ends as a sentence does, or is too long to be a heading or caption."""
    prose = long_enough_for_prose(text, words)
    return prose if prose is not None else ends_like_sentence(text)


def long_enough_for_prose(text: str, words: int) -> bool | None:
    """True: prose whatever its ending; False: too short for a sentence; None: prose if it ends as one."""
    if words >= PROSE_WORDS or len(text) >= PROSE_CHARS:
        return True
    if words >= SENTENCE_MIN_WORDS or len(text) >= SENTENCE_MIN_CHARS:
        return None
    return False


def ends_like_sentence(text: str) -> bool:
    if text and text[-1] in QUOTE_CLOSERS:
        return True
    last = text.rstrip(CLOSERS)[-1:]
    return bool(last) and last in SENTENCE_STOPS


def is_sentence(line: str) -> bool:
    text = strip_list_number(line)
    return sentence_shape(text, len(WORD.findall(text)))


def is_fragment(line: str) -> bool:
    """A short line that is not a sentence: a heading, a caption, a menu item, a label."""
    text = strip_list_number(line)
    return bool(text) and not is_sentence(text)
