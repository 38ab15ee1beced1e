"""Quote extraction side by side: textacy's `direct_quotations` and ours, on the same parses.

Both read the same cleaned bodies parsed once by the same spaCy pipeline, and both are scored
by `newsfacts.evaluate.quote_scores` against the same gold. textacy names a speaker by the
tokens it finds ("ministry", "he"); ours resolves them to canonical entities, and that
resolution is part of what is measured.
"""
from __future__ import annotations

from pathlib import Path

from newsfacts import evaluate, extract
from newsfacts.link import link_entities
from newsfacts.clean import clean_documents
from newsfacts.ingest import ingest

SYSTEMS = ("textacy", "newsfacts")


def run_quotes_bench(raw_dir: Path, gold_path: Path) -> dict:
    from textacy.extract.triples import direct_quotations

    gold = evaluate.load_gold(gold_path)
    found = ingest(Path(raw_dir))
    cleaned = clean_documents(found.documents)
    nlp = extract.load_nlp()
    parsed = list(nlp.pipe(doc.body_text for doc in cleaned))
    facts = [extract.extract_one(p, c) for p, c in zip(parsed, cleaned)]
    entities, links = link_entities([m for f in facts for m in f.mentions])
    entity_of = {(link.doc_id, link.local_key): link.entity_id for link in links}
    ours = {f.doc_id: [{"text": q.text, "speaker_text": q.speaker_text,
                        "speaker_entity_id": entity_of.get((q.doc_id, q.speaker_key))} for q in f.quotes]
            for f in facts}
    theirs, refused = {}, 0
    for p, c in zip(parsed, cleaned):
        try:
            triples = list(direct_quotations(p))
        except ValueError:  # textacy gives up on a document with an odd number of quote marks
            triples, refused = [], refused + 1
        theirs[c.doc_id] = [{"text": t.content.text, "speaker_text": " ".join(w.text for w in t.speaker),
                             "speaker_entity_id": None} for t in triples]
    by_name = {Path(raw.source_path).name: raw.doc_id for raw in found.documents}
    gold_docs = {name: spec for name, spec in (gold.get("documents") or {}).items() if name in by_name}
    names = evaluate.NameBook([entity.__dict__ for entity in entities], gold.get("entities") or [])
    results = {}
    for system, quotes in (("textacy", theirs), ("newsfacts", ours)):
        scores = evaluate.quote_scores(gold_docs, by_name, quotes, names)
        results[system] = {**{k: round(v, 4) for k, v in scores.items()},
                           "quotes_found": sum(len(q) for q in quotes.values()),
                           "documents_refused": refused if system == "textacy" else 0}
    return results


def format_table(results: dict) -> str:
    header = f"{'system':<10} {'quotes_recall':>13} {'speaker_accuracy':>16} {'quotes_found':>12} {'docs_refused':>12}"
    rows = [f"{system:<10} {r['quotes_recall']:>13.3f} {r['speaker_accuracy']:>16.3f} {r['quotes_found']:>12}"
            f" {r['documents_refused']:>12}" for system, r in results.items()]
    return "\n".join([header, "-" * len(header), *rows])
