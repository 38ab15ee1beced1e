"""The tail of a run, measured: linking and story assignment of a finished warehouse's documents, done again from
nothing on a copy (the link state and the story tables taken away), with the CPU seconds of each and digests of
what they leave, to compare two versions of the code on the same documents (the digests must be equal).

    python scripts/bench_tail.py WAREHOUSE

WAREHOUSE: one `newsfacts run` left, e.g. on the unique corpus of `newsfacts bench scale`:

    python -c "from pathlib import Path; from newsfacts.bench import scale; scale.write_corpus(
        scale.benchmark_pages(Path('../shared/benchmarks/article-extraction')), range(2000), Path('/tmp/unique'))"
    newsfacts run --raw /tmp/unique --warehouse /tmp/unique-warehouse --workers 2

With --ahead, the story features of each stored batch are computed first, as a run computes them while its workers
parse (story_index.FeaturesAhead), timed on their own (features_ahead_*): stories_* is then what a run does after its
last batch. Another version of the code is measured with PYTHONPATH=<its checkout>/src. Set PYTHONHASHSEED for digests of the
linking state that agree from process to process (its key tables are written in set order).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

from newsfacts import link, schemas, store, story_index

STORY_TABLES = ("story_members", "story_index", "story_features")


def digest(table) -> str:
    return hashlib.sha1(str(table.to_pydict()).encode()).hexdigest()[:12]


def without_link_state(home: Path) -> None:
    for name in schemas.LINK_STATE_TABLES:
        (store.parquet_dir(home, name) / "current.parquet").unlink(missing_ok=True)


def without_stories(home: Path) -> None:
    """Every commit's story parts taken out of its manifest (a compaction merges them with the batches')."""
    for path in store.commits_dir(home).glob("*.json"):
        manifest = json.loads(path.read_text())
        parts = {name: part for name, part in manifest["parts"].items() if name not in STORY_TABLES}
        if not parts:
            path.unlink()
        elif parts != manifest["parts"]:
            path.write_text(json.dumps(manifest | {"parts": parts}))
    store.clean_uncommitted(home)


def story_features(home: Path):
    with story_index.connect(home) as con:
        return con.sql("SELECT * FROM features").to_arrow_table()


def timed(work) -> tuple[object, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def features_ahead(home: Path):
    """The story features of every stored document, as a run computes them batch by batch while its workers parse
    (the warehouse's batch commits may be compacted: its documents are read here at once)."""
    ahead = story_index.FeaturesAhead(home)
    live = store.live_documents(home).select(["doc_id", "run_id"])
    runs = dict(zip(live["doc_id"].to_pylist(), live["run_id"].to_pylist()))
    for doc in story_index.new_story_documents(home, live):
        ahead.documents[(doc.doc_id, runs[doc.doc_id])] = doc
    return ahead


def measure(warehouse: Path, ahead: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsfacts-tail-") as tmp:
        home = Path(tmp) / "warehouse"
        shutil.copytree(warehouse, home, symlinks=True)
        without_link_state(home)
        without_stories(home)
        change, link_cpu, link_wall = timed(lambda: link.link_warehouse(home))
        features, ahead_cpu, ahead_wall = timed(lambda: features_ahead(home)) if ahead else (None, 0.0, 0.0)
        given = {"ahead": features} if ahead else {}  # (older code has no `ahead`)
        stories, stories_cpu, stories_wall = timed(lambda: story_index.update(home, store.new_run_id(), **given))
        state = link.read_link_state(home)
        return {
            "documents": change.new_documents,
            "link_cpu_s": round(link_cpu, 2), "link_wall_s": round(link_wall, 2),
            "stories_cpu_s": round(stories_cpu, 2), "stories_wall_s": round(stories_wall, 2),
            **({"features_ahead_cpu_s": round(ahead_cpu, 2), "features_ahead_wall_s": round(ahead_wall, 2)} if ahead else {}),
            "link_digests": {name: digest(table) for name, table in (
                ("entities", state.entities), ("entity_keys", state.keys), ("entity_spellings", state.spellings),
                ("linked_documents", state.documents), ("entity_links", state.links))},
            "stories": stories.stories,
            "story_digest": digest(story_index.read_members(home)),
            "story_index_digest": digest(story_index.read_index(home)),
            "story_features_digest": digest(story_features(home)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--ahead", action="store_true", help="story features computed per batch first (timed apart)")
    args = parser.parse_args()
    import pandas  # noqa: F401  imported on first use by what reads Arrow: not the tail's cost
    print(json.dumps(measure(args.warehouse, args.ahead)))  # once a process: a second pass would find the caches warm


if __name__ == "__main__":
    main()
