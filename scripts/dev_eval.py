"""Fast development loop for the extraction rules: score a gold file without Prefect, DuckDB or GX.

    python scripts/dev_eval.py --raw DIR --gold GOLD [--only-listed] [--details]

Runs ingest -> clean -> spaCy parse -> rules -> linking in one process, like the flow, and scores
the result with `newsfacts.evaluate`. Parses are cached by body text under
$NEWSFACTS_PARSE_CACHE (default /tmp/newsfacts-parse-cache), so rule changes re-score in seconds.
`newsfacts eval` (the real flow) stays the number of record; this is only for iterating.
`--details` prints the gold quotes and figures missed or credited wrongly, and the story pairs the
gold splits or joins otherwise (pages under `ambiguous` too, marked so, to see what a rule changes there).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import pyarrow as pa
import yaml
from spacy.tokens import Doc, DocBin

from newsfacts import clean, evaluate, extract, ingest, outlets, store, stories
from newsfacts.link import link_entities
from newsfacts.clean.empty import set_aside_empty

CACHE = Path(os.environ.get("NEWSFACTS_PARSE_CACHE", "/tmp/newsfacts-parse-cache"))


def parse_cached(nlp, texts: list[str]) -> list[Doc]:
    CACHE.mkdir(parents=True, exist_ok=True)
    keys = [hashlib.sha1(text.encode()).hexdigest() for text in texts]
    missing = [i for i, key in enumerate(keys) if not (CACHE / f"{key}.spacy").exists()]
    for i, doc in zip(missing, nlp.pipe((texts[i] for i in missing), batch_size=16)):
        partial = CACHE / f".{keys[i]}.{os.getpid()}.partial"  # other processes may read the cache meanwhile
        DocBin(store_user_data=True, docs=[doc]).to_disk(partial)
        os.replace(partial, CACHE / f"{keys[i]}.spacy")
    return [next(iter(DocBin().from_disk(CACHE / f"{key}.spacy").get_docs(nlp.vocab))) for key in keys]


def published_like(raws, cleaned, facts, entities, links) -> dict[str, pa.Table]:
    """The columns `evaluate.score_tables` reads, joined as sql/publish does."""
    entity_of = {(link.doc_id, link.local_key): link.entity_id for link in links}
    now = store.datetime.now(store.timezone.utc)
    documents = store.documents_table(raws, cleaned, facts, "dev", now).to_pylist()
    for row in documents:
        row["file_name"] = row["source_path"].rsplit("/", 1)[-1]
    mentions = store.mentions_table(facts).to_pylist()
    for row in mentions:
        row["entity_id"] = entity_of.get((row["doc_id"], row["local_key"]))
    figures = store.figures_table(facts).to_pylist()
    for row in figures:
        row["claimant_entity_id"] = entity_of.get((row["doc_id"], row["claimant_key"]))
    quotes = store.quotes_table(facts).to_pylist()
    for row in quotes:
        row["speaker_entity_id"] = entity_of.get((row["doc_id"], row["speaker_key"]))
    return {
        "documents": pa.Table.from_pylist(documents),
        "removed_lines": store.removed_lines_table(cleaned),
        "entity_mentions": pa.Table.from_pylist(mentions, schema=None) if mentions else pa.table({"doc_id": []}),
        "figures": pa.Table.from_pylist(figures) if figures else pa.table({"doc_id": []}),
        "quotes": pa.Table.from_pylist(quotes) if quotes else pa.table({"doc_id": []}),
        "entities": store.records_table(entities, store.schemas.entities),
    }


def with_stories(tables: dict[str, pa.Table], cleaned, facts) -> dict[str, pa.Table]:
    """documents.story_id as the flow assigns it, all documents new (scored by a gold `stories` section)."""
    mentions = {f.doc_id: f.mentions for f in facts}
    grouped = stories.assign_stories([], [stories.story_document(doc, mentions.get(doc.doc_id, [])) for doc in cleaned])
    story_of = {doc.doc_id: doc.story_id for doc in grouped}
    documents = tables["documents"].to_pylist()
    for row in documents:
        row["story_id"] = story_of.get(row["doc_id"])
    return {**tables, "documents": pa.Table.from_pylist(documents)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--only-listed", action="store_true", help="ingest only the documents the gold lists")
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--entities", action="store_true", help="print each gold entity form's predicted entity")
    parser.add_argument("--namesakes", action="store_true", help="print person entities with two given names")
    args = parser.parse_args()
    gold = yaml.safe_load(args.gold.read_text())
    found = ingest.ingest(args.raw)
    raws = found.documents
    if args.only_listed:
        raws = [r for r in raws if r.source_path.rsplit("/", 1)[-1] in (gold.get("documents") or {})]
    raws, cleaned, _ = set_aside_empty(raws, clean.clean_documents(raws))
    nlp = extract.load_nlp()
    parsed = parse_cached(nlp, [doc.body_text for doc in cleaned])
    facts = [extract.extract_one(p, doc) for p, doc in zip(parsed, cleaned)]
    entities, links = link_entities([m for f in facts for m in f.mentions])
    cleaned = outlets.apply_all(raws, cleaned)
    tables = with_stories(published_like(raws, cleaned, facts, entities, links), cleaned, facts)
    print(json.dumps(evaluate.score_tables(tables, gold), indent=1))
    if args.details:
        print_details(tables, gold)
        if gold.get("stories") is not None:
            print_story_details(tables, gold)
    if args.entities:
        print_entity_details(tables, gold)
    if args.namesakes:
        found = evaluate.namesake_entities(tables["entities"].to_pylist())
        print(f"person entities with two given names: {len(found)}")
        for name, given in found:
            print(f"  {name}: {', '.join(given)}")


def print_details(tables: dict[str, pa.Table], gold: dict) -> None:
    docs = {row["file_name"]: row for row in tables["documents"].to_pylist()}
    names = evaluate.NameBook(tables["entities"].to_pylist(), gold.get("entities") or [])
    quotes = evaluate.group(tables["quotes"].to_pylist())
    figures = evaluate.group(tables["figures"].to_pylist())
    for name, spec in (gold.get("documents") or {}).items():
        if name not in docs:
            continue
        doc_id = docs[name]["doc_id"]
        for g in spec.get("quotes") or []:
            hits = [p for p in quotes.get(doc_id, []) if evaluate.norm(g["contains"]) in evaluate.norm(p["text"])]
            if not hits:
                print(f"QUOTE MISSED  {name[:12]} {g['contains']!r} ({g['speaker']})")
            elif not any(names.right(p["speaker_entity_id"], p["speaker_text"], g["speaker"]) for p in hits):
                print(f"SPEAKER WRONG {name[:12]} {g['contains'][:50]!r}: gold {g['speaker']!r}, "
                      f"got {[p['speaker_text'] for p in hits]}")
        predicted = figures.get(doc_id, [])
        for g in spec.get("figures") or []:
            hits = [p for p in predicted if evaluate.figure_matches(g, p)]
            if not hits:
                print(f"FIGURE MISSED {name[:12]} {g}")
            elif "claimant" in g and not any(
                    names.right(p["claimant_entity_id"], p["claimant_text"], g["claimant"]) for p in hits):
                print(f"CLAIMANT WRONG {name[:12]} {g['value']} {g['kind']}: gold {g['claimant']!r}, "
                      f"got {[p['claimant_text'] for p in hits]}")
        for p in predicted:
            if p["value"] is not None and p["kind"] in evaluate.SCORED_FIGURE_KINDS and not any(
                    evaluate.figure_matches(g, p) for g in spec.get("figures") or []):
                print(f"FIGURE EXTRA  {name[:12]} {p['value']} {p['qualifier']} {p['kind']}: {p['sentence'][:120]!r}")


def print_story_details(tables: dict[str, pa.Table], gold: dict) -> None:
    """Pairs of documents the predicted stories join but the gold does not (JOINED) and the reverse
    (SPLIT); a pair with a page under `ambiguous` is not scored and is marked (ambiguous)."""
    import itertools

    docs = {row["file_name"]: row for row in tables["documents"].to_pylist()}
    gold_story = {name: key for key, names in gold["stories"].items() for name in names}
    ambiguous = set(gold.get("ambiguous") or []) - set(gold_story)
    for a, b in itertools.combinations(sorted(docs), 2):
        gold_same = a in gold_story and gold_story.get(a) == gold_story.get(b)
        predicted = docs[a]["story_id"] is not None and docs[a]["story_id"] == docs[b]["story_id"]
        if gold_same != predicted:
            mark = " (ambiguous)" if {a, b} & ambiguous else ""
            print(f"STORY {'JOINED' if predicted else 'SPLIT '}{mark} {a[:12]} {(docs[a]['title'] or '')[:50]!r} "
                  f"/ {b[:12]} {(docs[b]['title'] or '')[:50]!r}")


def print_entity_details(tables: dict[str, pa.Table], gold: dict) -> None:
    """Each gold entity form: the predicted entity its mentions resolve to (as entity_pairwise_f1 reads
    them), then the gold pairs split apart and the pairs wrongly joined."""
    import itertools
    from collections import Counter, defaultdict

    docs = {row["file_name"]: row for row in tables["documents"].to_pylist()}
    listed = {docs[name]["doc_id"]: docs[name] for name in (gold.get("documents") or {}) if name in docs}
    corpus = "\n".join(evaluate.fold(row["body_text"]) for row in listed.values())
    canonical = {e["entity_id"]: f"{e['canonical_name']} [{e['entity_type']}]"
                 for e in tables["entities"].to_pylist()}
    entity_of_form: dict[str, Counter] = defaultdict(Counter)
    for m in tables["entity_mentions"].to_pylist():
        if m["doc_id"] in listed:
            entity_of_form[evaluate.norm(m["text"])][m["entity_id"]] += 1
    forms = []
    for k, spec in enumerate(gold.get("entities") or []):
        for form in dict.fromkeys(spec.get("forms") or []):
            if evaluate.fold(form) not in corpus:
                continue
            counts = entity_of_form.get(evaluate.norm(form))
            predicted = counts.most_common(1)[0][0] if counts else None
            forms.append((k, form, predicted))
            label = canonical.get(predicted, "UNRECOGNISED") if predicted else "UNRECOGNISED"
            print(f"FORM {spec['canonical']!r:40} {form!r:35} -> {label} {dict(counts or {}) if counts and len(counts) > 1 else ''}")
    counts = Counter()
    for (ga, fa, pa_), (gb, fb, pb) in itertools.combinations(forms, 2):
        same_pred = pa_ is not None and pa_ == pb
        counts["gold same"] += ga == gb
        counts["predicted same"] += same_pred
        if ga == gb and not same_pred:
            print(f"SPLIT  {fa!r} / {fb!r}")
        elif ga != gb and same_pred:
            print(f"JOINED {fa!r} / {fb!r}")
    print(dict(counts))


if __name__ == "__main__":
    main()
