"""Fast development loop for story grouping: extract a raw folder once, then re-run only the stories step.

    python scripts/story_dev.py --raw DIR --gold GOLD --warehouse build/story-wh/NAME [--details]

The first call runs the real flow (`newsfacts run`) into the given warehouse; later calls read its
stored documents and entity mentions and assign every document a story afresh (all new, as
`newsfacts eval` does), then score them with `newsfacts.evaluate.story_scores`. `newsfacts eval`
stays the number of record; this only shortens the loop while changing `newsfacts.stories`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from newsfacts import evaluate, store, stories


def ensure_extracted(raw: Path, warehouse: Path) -> None:
    if not (warehouse / "commits").exists() or not any((warehouse / "commits").iterdir()):
        cli = Path(sys.executable).with_name("newsfacts")
        subprocess.run([str(cli), "run", "--raw", str(raw), "--warehouse", str(warehouse), "--workers", "1"], check=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args()
    ensure_extracted(args.raw, args.warehouse)
    documents = store.read_dataset(args.warehouse, "documents")
    mentions = store.read_dataset(args.warehouse, "entity_mentions")
    started = time.perf_counter()
    members = stories.update_stories(documents, mentions, store.schemas.story_members.empty_table())
    seconds = time.perf_counter() - started
    story_of = dict(zip(members["doc_id"].to_pylist(), members["story_id"].to_pylist()))
    docs = {path.rsplit("/", 1)[-1]: {"story_id": story_of.get(doc_id), "doc_id": doc_id}
            for doc_id, path in zip(documents["doc_id"].to_pylist(), documents["source_path"].to_pylist())}
    gold = evaluate.load_gold(args.gold)
    scores = evaluate.story_scores(docs, gold)
    print(" ".join(f"{k.removeprefix('story_pairwise_')} {v:.3f}" for k, v in scores.items()),
          f"stories {len(set(story_of.values()))} docs {len(docs)} ({seconds:.1f}s)")
    if args.details:
        print_details(docs, gold)


def print_details(docs: dict, gold: dict) -> None:
    gold_story = {name: key for key, names in (gold.get("stories") or {}).items() for name in names}
    predicted: dict[str, list[str]] = {}
    for name, row in docs.items():
        predicted.setdefault(row["story_id"], []).append(name)
    for key, names in (gold.get("stories") or {}).items():
        split = {docs[n]["story_id"] for n in names if n in docs}
        if len(split) > 1:
            print("SPLIT", key, [[n for n in names if docs.get(n, {}).get("story_id") == s] for s in split])
    for story_id, names in predicted.items():
        keys = {gold_story.get(n, n) for n in names}
        if len(keys) > 1:
            print("JOINED", story_id, sorted((gold_story.get(n, "-"), n) for n in names))


if __name__ == "__main__":
    main()
