"""Story assignment at N and 10N stored documents: time per new document and comparisons per new document.

A synthetic corpus stands in for news (invented, distinct feature sets, no text to parse): words drawn from a
Zipf-distributed vocabulary (a few common words in every report, most words rare), each event told by
three reports that share a core of its own words and names, EVENTS_PER_DAY events a day, so a corpus ten
times larger spans ten times as many days, as a growing archive does. The same new documents (the events
of NEW_DAYS more days) are assigned against N and against 10N stored documents committed to a store's story
tables, as a run assigns them (story_index.StoreIndex: candidates found by a DuckDB join of their keys with
the stored index, features read for the candidates only); the time is all of it, reading included. Beside
it, what an in-memory index of the whole corpus costs to build (stories.MemoryIndex, O(N)), for contrast.
"""
from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from newsfacts import schemas, store, stories, story_index

SEED = 16
VOCABULARY = 60_000
NAMES = 30_000
WORDS_PER_REPORT = 160
CORE_WORDS = 40
REPORTS_PER_EVENT = 3
EVENTS_PER_DAY = 10
NEW_DAYS = 2


def zipf_sampler(size: int, rng: random.Random, exponent: float = 1.07):
    weights = [1 / (rank + 1) ** exponent for rank in range(size)]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return lambda k: rng.choices(range(size), cum_weights=cumulative, k=k)


def corpus(documents: int, first_day: date, seed: int = SEED, prefix: str = "d") -> list[stories.StoryDocument]:
    """`documents` reports (rounded to whole events) of EVENTS_PER_DAY events a day from first_day on."""
    rng = random.Random(seed)
    words, names = zipf_sampler(VOCABULARY, rng), zipf_sampler(NAMES, rng)
    docs = []
    for event in range(max(1, documents // REPORTS_PER_EVENT)):
        day = first_day + timedelta(days=event // EVENTS_PER_DAY)
        core = {f"w{w}" for w in rng.sample(range(VOCABULARY // 10, VOCABULARY), CORE_WORDS)}
        core_names = {f"n:name{n}" for n in rng.sample(range(NAMES), 3)}
        for report in range(REPORTS_PER_EVENT):
            own = {f"w{w}" for w in words(WORDS_PER_REPORT - CORE_WORDS)}
            doc_names = core_names | {f"n:name{n}" for n in names(5)}
            docs.append(stories.StoryDocument(f"{prefix}{event:06d}-{report}", day, None, frozenset(core | own),
                                              frozenset(doc_names)))
    return docs


def stored_corpus(documents: int) -> list[stories.StoryDocument]:
    """A corpus assigned once, as a warehouse keeps it between runs (story ids given)."""
    docs = stories.assign_stories([], corpus(documents, date(2020, 1, 1)))
    return stories.members_from_table(stories.members_table(docs))


def stored_warehouse(stored: list[stories.StoryDocument], home: Path) -> Path:
    """The corpus committed to a store's story tables, as a run that assigned it leaves them."""
    store.ensure_datasets(home)
    tables = story_index.run_tables(stored, {d.doc_id: "r0" for d in stored}, 1, schemas.story_members.empty_table())
    story_index.commit_tables(home, "r0", datetime.now(timezone.utc), tables)
    return home


def assignment(stored: list[stories.StoryDocument], new_docs: int) -> dict:
    """The new documents assigned as a run does: candidates and features read from the store (StoreIndex),
    all of it timed; beside it, what building an in-memory index of the whole corpus costs (MemoryIndex)."""
    last = max(d.published_date for d in stored)
    new = corpus(new_docs, last + timedelta(days=1), seed=SEED + 1, prefix="new")
    started = time.perf_counter()
    stories.MemoryIndex(stored)
    index_seconds = time.perf_counter() - started
    stats: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="newsfacts-stories-") as tmp:
        with story_index.connect(stored_warehouse(stored, Path(tmp))) as con:
            started = time.perf_counter()
            stories.assign_stories([], new, stats=stats, index=story_index.StoreIndex(con, new))
            run_seconds = time.perf_counter() - started
    return {"stored": len(stored), "new": len(new), "index_seconds": round(index_seconds, 3),
            "ms_per_new_document": round(1000 * run_seconds / len(new), 3),
            "comparisons_per_new_document": round(stats["compared"] / len(new), 1)}


def run(documents: int) -> dict:
    """Assignment of NEW_DAYS more days' reports against `documents` and 10 x `documents` stored ones."""
    new_docs = EVENTS_PER_DAY * REPORTS_PER_EVENT * NEW_DAYS
    small, large = assignment(stored_corpus(documents), new_docs), assignment(stored_corpus(10 * documents), new_docs)
    return {"at_n": small, "at_10n": large,
            "time_per_document_ratio": round(large["ms_per_new_document"] / small["ms_per_new_document"], 2)
            if small["ms_per_new_document"] else None,
            "comparisons_ratio": round(large["comparisons_per_new_document"]
                                       / max(small["comparisons_per_new_document"], 0.1), 2)}


def format_table(results: dict) -> str:
    rows = [("stored documents", "new", "in-memory index s", "ms / new document", "comparisons / new document")]
    for key in ("at_n", "at_10n"):
        r = results[key]
        rows.append((str(r["stored"]), str(r["new"]), f"{r['index_seconds']:.2f}", f"{r['ms_per_new_document']:.2f}",
                     f"{r['comparisons_per_new_document']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.append(f"10N / N: time per new document x{results['time_per_document_ratio']}, "
                 f"comparisons per new document x{results['comparisons_ratio']}")
    return "\n".join(lines)
