"""Cheap per-line features for the line classifier (regexes and counts, no NLP pipeline).

What separates article prose from page furniture, language-independently where possible:
its shape (length, sentence ending, punctuation, capitalisation), its stop-word density (as in
jusText, with jusText's stop lists and the page's best-matching language), repetition (within
the page and across the batch), and above all context: the article is one long run of prose,
so each line also sees the averages of its neighbours and where it lies relative to the page's
densest prose run.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import chain, islice, repeat
from operator import attrgetter, itemgetter

import justext
import numpy as np

from newsfacts.clean.lines import Line

PUNCTUATION = ",.;:!?"
# Lines that open or run a reader-comment section: "12 comments", "34 responses to “Title”",
# "Leave a reply", "joe says:" -- a count then a marker word, or a marker word last with nothing
# but a colon after it.
COMMENT_MARKERS = frozenset(
    {"comment", "comments", "reply", "replies", "response", "responses", "thoughts", "said", "says", "wrote"}
)
HEADLINE_OVERLAP = 0.6  # share of a line's words found in the page title for it to be the headline
LONG_LINE_TOKENS = 20
STOP_LIST_PROBE = 30  # the page's most frequent words decide its language
STOP_LIST_SAMPLE = 300
STOP_LIST_MIN_TOKENS = 8
WINDOWS = (1, 3, 8)  # neighbours on each side whose averages a line sees
SCORE_WINDOWS = (1, 3, 8, 20)
LOGIT_CLIP = 1e-3

BASE_NAMES = (
    "log_tokens",
    "log_chars",
    "sentence_end",
    "stop_density",
    "log_stop_tokens",
    "punct_per_token",
    "capitalised_share",
    "ruled_out",
    "repeated_in_page",
    "repeated_in_batch",
    "is_sentence",
    "is_long",
    "title_overlap",
    "blank_before",
    "blank_after",
)
# Base features whose windowed means describe a line's neighbourhood.
CONTEXT_BASE = ("log_tokens", "stop_density", "is_sentence", "ruled_out", "punct_per_token", "capitalised_share")
POSITION_NAMES = (
    "relative_index",
    "relative_chars",
    "in_main_run",
    "log_distance_to_main_run",
    "main_run_share",
    "after_headline",
    "log_distance_to_headline",
    "log_comment_markers_before",
    "tokens_vs_page_median",
    "log_kind_run",
    "kind_run_mean_log_tokens",
    "log_block_lines",
    "block_prose_share",
)


def feature_names() -> list[str]:
    names = list(BASE_NAMES)
    for window in WINDOWS:
        names += [f"{name}_mean_{window}" for name in CONTEXT_BASE]
    names += [f"prev_{name}" for name in CONTEXT_BASE] + [f"next_{name}" for name in CONTEXT_BASE]
    return names + list(POSITION_NAMES)


@lru_cache(maxsize=1)
def stop_lists() -> tuple[dict[str, np.ndarray], tuple[frozenset[str], ...]]:
    """(word -> indices of the jusText stop lists containing it, the stop lists). Words are
    listed as written, lower case, Capitalised and UPPER case, so tokens need no lower-casing."""
    lists = tuple(with_cases(justext.get_stoplist(language)) for language in sorted(justext.get_stoplists()))
    index: dict[str, list[int]] = {}
    for number, words in enumerate(lists):
        for word in words:
            index.setdefault(word, []).append(number)
    return {word: np.array(numbers, dtype=np.int64) for word, numbers in index.items()}, lists


def with_cases(words: frozenset[str]) -> frozenset[str]:
    return frozenset(words | {word.capitalize() for word in words} | {word.upper() for word in words})


@lru_cache(maxsize=64)
def word_codes(stop_words: frozenset[str]) -> dict[str, int]:
    return dict.fromkeys(stop_words, 1)


@lru_cache(maxsize=1)
def upper_case_table() -> np.ndarray:
    """table[code point] = the character is an upper-case letter (Basic Multilingual Plane; the
    last entry, False, stands for every code point above it)."""
    table = np.fromiter((chr(point).isupper() for point in range(0x10000)), bool, 0x10000)
    table[-1] = False
    return table


@lru_cache(maxsize=1)
def punctuation_table() -> np.ndarray:
    table = np.zeros(0x10000, bool)
    table[[ord(mark) for mark in PUNCTUATION]] = True
    return table


def punctuation_counts(texts: list[str]) -> np.ndarray:
    """The number of PUNCTUATION marks in each text (texts without line breaks): one pass over
    the page's code points in numpy."""
    points = np.frombuffer("\n".join(texts).encode("utf-32-le"), np.uint32)
    line = (points == ord("\n")).cumsum()
    table = punctuation_table()
    marks = table[np.minimum(points, len(table) - 1)]
    return np.bincount(line[marks], minlength=len(texts)).astype(np.float64)


def page_stop_words(token_lists: list[list[str]]) -> frozenset[str]:
    """The stop list of the page's language: the jusText list covering most of its frequent words,
    counted over the first STOP_LIST_SAMPLE words of its longer lines (prose tells the language;
    menus of names do not), or of all its lines when it has no long ones."""
    index, lists = stop_lists()
    long_lines = [tokens for tokens in token_lists if len(tokens) >= STOP_LIST_MIN_TOKENS] or token_lists
    sample = islice(chain.from_iterable(long_lines), STOP_LIST_SAMPLE)
    frequent = [(index[word], count) for word, count in Counter(sample).most_common(STOP_LIST_PROBE) if word in index]
    if not frequent:
        return frozenset()
    languages = np.concatenate([found for found, _ in frequent])
    weights = np.repeat([count for _, count in frequent], [len(found) for found, _ in frequent])
    return lists[int(np.argmax(np.bincount(languages, weights=weights)))]


def base_features(lines: list[Line], ruled_out: list[bool], repeated: frozenset[str], title_index: int = 0) -> np.ndarray:
    """One row of BASE_NAMES per line of `lines` (a page's non-blank lines, in order; a gap in
    their line numbers is a blank line). `title_index`: the line holding the page's title
    (title_overlap compares every line with it). Word tests run once over the page's flattened
    words and are summed per line in numpy: no Python loop per line."""
    n = len(lines)
    token_lists = [line.tokens for line in lines]
    texts = [line.text for line in lines]
    stop_words = page_stop_words(token_lists)
    title_words = with_cases(frozenset(map(str.lower, token_lists[title_index])))
    words = np.fromiter(map(len, token_lists), np.int64, n)
    flat = list(chain.from_iterable(token_lists))
    owner = np.repeat(np.arange(n), words)

    # one dict look-up per word tells both whether it is a stop word (bit 1) and a title word (bit 2)
    codes = dict(word_codes(stop_words))
    for word in title_words:
        codes[word] = codes.get(word, 0) | 2
    code = np.fromiter(map(codes.get, flat, repeat(0)), np.int8, len(flat))
    stop = np.bincount(owner, weights=code & 1, minlength=n)
    in_title = np.bincount(owner, weights=code >> 1, minlength=n)
    in_title[title_index] = words[title_index]
    # capitalised words: their first letters as code points, looked up in a table of upper-case letters
    first_letters = np.frombuffer("".join(map(itemgetter(0), flat)).encode("utf-32-le"), np.uint32)
    upper = upper_case_table()
    capitalised = np.bincount(owner, weights=upper[np.minimum(first_letters, len(upper) - 1)], minlength=n)
    chars = np.fromiter(map(len, texts), np.float64, n)
    punct = punctuation_counts(texts)
    in_page = Counter(texts)
    numbers = np.fromiter(map(attrgetter("no"), lines), np.int64, n)
    gap = numbers[1:] - numbers[:-1] != 1
    per_word = np.maximum(words, 1).astype(np.float64)
    return np.stack(
        [
            np.log1p(words),  # log_tokens
            np.log1p(chars),  # log_chars
            np.fromiter(map(attrgetter("ends"), lines), np.float64, n),  # sentence_end
            stop / per_word,  # stop_density
            np.log1p(stop),  # log_stop_tokens
            punct / per_word,  # punct_per_token
            capitalised / per_word,  # capitalised_share
            np.array(ruled_out, dtype=np.float64),  # ruled_out
            (np.fromiter(map(in_page.__getitem__, texts), np.int64, n) > 1).astype(np.float64),  # repeated_in_page
            np.fromiter(map(repeated.__contains__, texts), np.float64, n),  # repeated_in_batch
            np.fromiter(map(attrgetter("sentence"), lines), np.float64, n),  # is_sentence
            (words >= LONG_LINE_TOKENS).astype(np.float64),  # is_long
            np.minimum(in_title / per_word, 1.0),  # title_overlap
            np.concatenate([[True], gap]).astype(np.float64),  # blank_before
            np.concatenate([gap, [True]]).astype(np.float64),  # blank_after
        ],
        axis=1,
    )


def window_means(values: np.ndarray, windows: tuple[int, ...]) -> list[np.ndarray]:
    """For each window w: the mean of each column over the w lines on each side of a line
    (the line itself excluded). One cumulative sum serves every window."""
    n = len(values)
    padded = np.zeros((n + 1, values.shape[1]))
    np.cumsum(values, axis=0, out=padded[1:])
    index = np.arange(n)
    reach = np.array(windows)[:, None]  # every window at once: (windows, lines) bounds
    lo, hi = np.maximum(index - reach, 0), np.minimum(index + reach + 1, n)
    counts = np.maximum(hi - lo - 1, 1)[:, :, None]
    return list((padded[hi] - padded[lo] - values) / counts)


def shifted(values: np.ndarray, offset: int) -> np.ndarray:
    """Row i holds row i+offset (zeros past either end)."""
    out = np.zeros(values.shape)
    if offset > 0:
        out[:-offset] = values[offset:]
    else:
        out[-offset:] = values[:offset]
    return out


def main_run(prose_score: np.ndarray) -> tuple[int, int]:
    """The contiguous stretch of lines [start, end] with the largest total prose score:
    the best end maximises prefix(end) - min(prefix before it); the start is where that min is."""
    prefix = np.concatenate([[0.0], prose_score.cumsum()])
    lowest_before = np.minimum.accumulate(prefix[:-1])
    end = int(np.argmax(prefix[1:] - lowest_before))
    start = int(np.argmin(prefix[: end + 1]))
    return start, end


def position_features(base: np.ndarray, lines: list[Line], title_index: int = 0) -> np.ndarray:
    n = len(lines)
    column = {name: k for k, name in enumerate(BASE_NAMES)}
    chars = np.expm1(base[:, column["log_chars"]]).cumsum()
    log_tokens = base[:, column["log_tokens"]]
    # Prose earns its token count; every other line costs a little, so menus break the run.
    is_prose = (base[:, column["is_sentence"]] > 0) & (base[:, column["ruled_out"]] == 0)
    start, end = main_run(np.where(is_prose, np.expm1(log_tokens), -3.0))
    index = np.arange(n)
    distance = np.where(index < start, start - index, np.where(index > end, index - end, 0))
    headline = headline_index(base[:, column["title_overlap"]], log_tokens, title_index)
    comment_markers = comment_marker_lines(lines).cumsum()
    prose_median = median(log_tokens[is_prose])
    block_lines, block_prose = block_features(lines, is_prose)
    # a menu is a long run of one- or two-word fragments; a heading a short run, a header block
    # (headline, byline, date) a short run of longer lines
    run_length, run_tokens = runs(is_prose, log_tokens)
    return np.stack(
        [
            index / max(n - 1, 1),
            chars / max(chars[-1], 1.0),
            (distance == 0).astype(np.float64),
            np.log1p(distance),
            np.full(n, (end - start + 1) / n),
            (index > headline).astype(np.float64),
            np.log1p(np.abs(index - headline)),
            np.log1p(comment_markers),
            log_tokens - prose_median,
            np.log(run_length),
            run_tokens,
            np.log(block_lines),
            block_prose,
        ],
        axis=1,
    )


def median(values: np.ndarray) -> float:
    """np.median (0.0 for no values), without its overhead on short arrays."""
    if not len(values):
        return 0.0
    ordered = np.sort(values)
    return (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2


def comment_marker_lines(lines: list[Line]) -> np.ndarray:
    """1.0 for each line that opens or runs a reader-comment section (see COMMENT_MARKERS)."""
    last_words = [line.tokens[-1] if line.tokens else "" for line in lines]
    marked = np.fromiter(map(COMMENT_MARKERS.__contains__, map(str.lower, last_words)), np.float64, len(lines))
    for i in np.flatnonzero(marked):  # rare: check the rest of the line only for these
        marked[i] = lines[i].text.rstrip(": ").endswith(last_words[i])
    starts_with_digit = np.fromiter(map(str.isdigit, map(itemgetter(0), map(attrgetter("text"), lines))), bool, len(lines))
    for i in np.flatnonzero(starts_with_digit):  # "12 comments", "34 responses to ..."
        tokens = lines[i].tokens
        if len(tokens) > 1 and tokens[0].isdigit() and tokens[1].lower() in COMMENT_MARKERS:
            marked[i] = 1.0
    return marked


def headline_index(title_overlap: np.ndarray, log_tokens: np.ndarray, title_index: int = 0) -> int:
    """The page's headline: the first line after the page title that repeats most of it (the
    title line itself when none does: a text that starts with its headline)."""
    after = slice(title_index + 1, None)
    candidates = np.flatnonzero((title_overlap[after] >= HEADLINE_OVERLAP) & (log_tokens[after] >= np.log1p(2)))
    return int(candidates[0]) + title_index + 1 if len(candidates) else title_index


def runs(kind: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each position: the length of the run of equal `kind` it sits in, and the mean of
    `values` over that run."""
    n = len(kind)
    starts = np.flatnonzero(np.concatenate([[True], kind[1:] != kind[:-1]]))
    lengths = np.diff(np.concatenate([starts, [n]]))
    means = np.add.reduceat(values, starts) / lengths
    return np.repeat(lengths, lengths), np.repeat(means, lengths)


def block_features(lines: list[Line], is_prose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lines in each line's block, share of prose lines in it); blocks are runs of lines
    between blank lines: a menu is one block of many short lines, a paragraph a block of its own."""
    numbers = np.array([line.no for line in lines], dtype=np.int64)
    block = np.concatenate([[1], numbers[1:] - numbers[:-1] != 1]).cumsum()
    sizes = np.bincount(block)
    prose = np.bincount(block, weights=is_prose.astype(np.float64))
    return sizes[block].astype(np.float64), prose[block] / sizes[block]


def page_features(
    lines: list[Line], ruled_out: list[bool], repeated: frozenset[str] = frozenset(), title_index: int = 0
) -> np.ndarray:
    """Stage-1 feature matrix: one row per non-blank line of a page, in order (see feature_names()).
    `title_index`: the line the rules took for the title (else the first line: a page's <title>)."""
    if not lines:
        return np.zeros((0, len(feature_names())))
    base = base_features(lines, ruled_out, repeated, title_index)
    context = base[:, [BASE_NAMES.index(name) for name in CONTEXT_BASE]]
    parts = [base]
    parts += window_means(context, WINDOWS)
    parts += [shifted(context, -1), shifted(context, 1)]
    parts.append(position_features(base, lines, title_index))
    return np.hstack(parts)


def score_context_names() -> list[str]:
    return ["logit"] + [f"logit_mean_{w}" for w in SCORE_WINDOWS] + [
        "prev_logit", "next_logit", "prev2_logit", "next2_logit", "in_body_run", "log_distance_to_body_run", "page_max_logit",
    ]


def score_context(body_probability: np.ndarray, ruled_out: np.ndarray, log_tokens: np.ndarray) -> np.ndarray:
    """Stage-2 features: what the stage-1 model thinks of a line's neighbourhood. A line among
    likely body lines is likely body; the longest likely-body stretch is the article."""
    p = np.minimum(np.maximum(np.where(ruled_out, 0.0, body_probability), LOGIT_CLIP), 1 - LOGIT_CLIP)
    logit = np.log(p / (1 - p))[:, None]
    start, end = main_run((p - 0.5) * np.maximum(np.expm1(log_tokens), 1.0))
    index = np.arange(len(p))
    distance = np.where(index < start, start - index, np.where(index > end, index - end, 0))
    return np.stack(
        [logit[:, 0]]
        + [mean[:, 0] for mean in window_means(logit, SCORE_WINDOWS)]
        + [shifted(logit, -1)[:, 0], shifted(logit, 1)[:, 0], shifted(logit, -2)[:, 0], shifted(logit, 2)[:, 0]]
        + [(distance == 0).astype(np.float64), np.log1p(distance), np.full(len(p), logit.max())],
        axis=1,
    )
