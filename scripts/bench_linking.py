"""Incremental linking against a full link, on a folder of pages: equivalence and cost.

    python scripts/bench_linking.py --raw DIR [--gold GOLD] [--batch 20] [--copies N] [--json]

Parses are cached as scripts/dev_eval.py caches them. Links every document at once, then the same
documents added `--batch` at a time to the state the previous batch left (link/incremental.py),
and prints: entity_pairwise_f1 of both against the gold file, the mentions whose entity differs, and
the time of one link step: the last batch added to the state of all the others, the same batch
added to an empty state, and a full link of every document. `--copies N` times the steps on a corpus
of N copies of every page (under other doc ids, as syndicated copies; the scores stay on the pages).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from dev_eval import parse_cached, published_like  # noqa: E402

from newsfacts import clean, evaluate, extract, ingest, link, store  # noqa: E402
from newsfacts.clean.empty import set_aside_empty  # noqa: E402
from newsfacts.link import incremental  # noqa: E402
from newsfacts.records import Entity, EntityLink  # noqa: E402


def live(doc_ids: list[str]) -> pa.Table:
    return pa.table({"doc_id": pa.array(doc_ids, pa.string()), "run_id": pa.array(["r"] * len(doc_ids), pa.string())})


def timed(step, *args, repeat: int = 3):
    """The step's result and its fastest time of `repeat` (the machine is shared: the fastest is the step's own)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = step(*args)
        times.append(time.perf_counter() - started)
    return result, min(times)


def timed_from_store(home: Path, before: incremental.LinkState, documents: pa.Table, mentions: pa.Table) -> float:
    link.write_link_state(home, before)
    started = time.perf_counter()
    link.write_link_state(home, incremental.update(link.read_link_state(home), documents, mentions)[0])
    return time.perf_counter() - started


def link_in_batches(doc_ids: list[str], mentions: pa.Table, batch: int) -> incremental.LinkState:
    state = incremental.empty_state()
    for end in range(batch, len(doc_ids) + batch, batch):
        visible = doc_ids[:end]
        state, _ = incremental.update(state, live(visible), mentions.filter(pc.is_in(mentions["doc_id"],
                                                                                  value_set=pa.array(visible))))
    return state


def entity_of_mention(state: incremental.LinkState) -> dict[tuple[str, str], str]:
    return {(row["doc_id"], row["local_key"]): row["entity_id"] for row in state.links.to_pylist()}


def f1(state: incremental.LinkState, raws, cleaned, facts, gold) -> float:
    entities = [Entity(**row) for row in state.entities.to_pylist()]
    links = [EntityLink(**row) for row in state.links.to_pylist()]
    return evaluate.score_tables(published_like(raws, cleaned, facts, entities, links), gold)["entity_pairwise_f1"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = ingest.ingest(args.raw)
    raws, cleaned, _ = set_aside_empty(found.documents, clean.clean_documents(found.documents))
    nlp = extract.load_nlp()
    facts = [extract.extract_one(p, doc) for p, doc in zip(parse_cached(nlp, [d.body_text for d in cleaned]), cleaned)]
    mentions = store.mentions_table(facts)
    doc_ids = [doc.doc_id for doc in cleaned]

    at_once = incremental.link_all(live(doc_ids), mentions)[0]
    batched = link_in_batches(doc_ids, mentions, args.batch)
    if args.copies > 1:
        mentions = pa.concat_tables([mentions] + [
            mentions.set_column(mentions.schema.get_field_index("doc_id"), "doc_id",
                                pc.binary_join_element_wise(mentions["doc_id"], pa.scalar(f"copy{n}"), "-"))
            for n in range(1, args.copies)], promote_options="permissive")
        doc_ids = pc.unique(mentions["doc_id"]).to_pylist()
    _, full_s = timed(incremental.link_all, live(doc_ids), mentions)
    last, rest = doc_ids[-args.batch:], doc_ids[:-args.batch]
    before, _ = incremental.link_all(live(rest), mentions.filter(pc.is_in(mentions["doc_id"], value_set=pa.array(rest))))
    (_, added), added_s = timed(incremental.update, before, live(doc_ids), mentions)
    with tempfile.TemporaryDirectory() as home:  # the same step with the state read from and written to Parquet
        stored_s = min(timed_from_store(Path(home), before, live(doc_ids), mentions) for _ in range(3))
    last_mentions = mentions.filter(pc.is_in(mentions["doc_id"], value_set=pa.array(last)))
    _, empty_s = timed(incremental.update, incremental.empty_state(), live(last), last_mentions)

    once, inc = entity_of_mention(at_once), entity_of_mention(batched)
    differ = sum(once.get((m.doc_id, m.local_key)) != inc.get((m.doc_id, m.local_key)) for f in facts for m in f.mentions)
    report = {
        "pages": len(facts), "documents": len(doc_ids), "mentions": mentions.num_rows, "batch": args.batch,
        "entities_at_once": at_once.entities.num_rows, "entities_in_batches": batched.entities.num_rows,
        "mentions_with_other_entity": differ,
        "full_link_s": round(full_s, 3),
        f"add_{len(last)}_to_{len(rest)}_s": round(added_s, 3),
        f"add_{len(last)}_to_empty_s": round(empty_s, 3),
        "added_to_stored_over_empty": round(added_s / empty_s, 2) if empty_s else None,
        "add_with_state_read_and_written_s": round(stored_s, 3),
        "entities_remade": added.remade_entities, "entities_kept": added.kept_entities,
    }
    if args.gold:
        gold = yaml.safe_load(args.gold.read_text())
        report["entity_pairwise_f1_at_once"] = f1(at_once, raws, cleaned, facts, gold)
        report["entity_pairwise_f1_in_batches"] = f1(batched, raws, cleaned, facts, gold)
    print(json.dumps(report, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
