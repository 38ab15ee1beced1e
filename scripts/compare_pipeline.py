"""Our pipeline (`extract.load_nlp`: array attribute ruler, lemmatizer and paragraph breaks) against spaCy's
own components, on whole corpora: every token attribute must be the same, and the CPU each costs.

    python scripts/compare_pipeline.py check [--paragraphs] [--polnear DIR] [--benchmark DIR] [--unique N]
    python scripts/compare_pipeline.py time  [--polnear DIR] [--benchmark DIR] [--unique N] [--docs N] [--rounds R]

The reference is the same model loaded the same way (`spacy.load(name, exclude=["senter"])`) with spaCy's
stock attribute ruler and lemmatizer and the Token-by-Token paragraph-break component we had before
(`reference_paragraph_breaks` below). Corpora: the PolNeAR train articles (cleaned bodies), the
article-extraction benchmark's article bodies and page text dumps, and the first N documents of the scale
bench's unique-news corpus (cleaned, English). `check` parses each corpus as whole bodies (batches of 32;
with --paragraphs also as the extract stage does, paragraph by paragraph, batches of 256) and exits 1 on
any difference.
`time` parses the same texts with both pipelines in alternating rounds, one component at a time, and prints
the CPU seconds of each component and the ratio of the totals.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy
import spacy
from spacy.attrs import (DEP, ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE, HEAD, IDX, LEMMA, LOWER, MORPH, NORM, ORTH,
                         POS, SENT_START, SHAPE, SPACY, TAG)
from spacy.language import Language

from newsfacts import extract
from newsfacts.bench import scale
from newsfacts.clean import clean_documents
from newsfacts.ingest import ingest
from newsfacts.language import tag_languages

ATTRS = [ORTH, LOWER, NORM, SHAPE, SPACY, IDX, TAG, POS, MORPH, LEMMA, DEP, HEAD, SENT_START, ENT_IOB, ENT_TYPE,
         ENT_KB_ID, ENT_ID]
ATTR_NAMES = ["ORTH", "LOWER", "NORM", "SHAPE", "SPACY", "IDX", "TAG", "POS", "MORPH", "LEMMA", "DEP", "HEAD",
              "SENT_START", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID"]


@Language.component("reference_paragraph_breaks")
def reference_paragraph_breaks(doc):
    """The paragraph-break component as it was: every token visited in Python."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    return doc


def load_reference() -> Language:
    for name in extract.MODELS:
        if spacy.util.is_package(name):
            nlp = spacy.load(name, exclude=["senter"])
            nlp.add_pipe("reference_paragraph_breaks", before="parser")
            return nlp
    raise RuntimeError("no English spaCy model is installed")


def bodies(folder: Path) -> list[str]:
    return [doc.body_text for doc in tag_languages(clean_documents(ingest(folder).documents))
            if doc.body_text and doc.language == "en"]


def corpora(args) -> dict[str, list[str]]:
    found = {}
    if args.polnear:
        found["polnear-train"] = bodies(Path(args.polnear))
    if args.benchmark:
        truth = json.loads((Path(args.benchmark) / "ground-truth.json").read_text())
        dumps = json.loads((Path(args.benchmark) / "html-text.json").read_text())["output"]
        found["article-extraction-bodies"] = [v["articleBody"] for _, v in sorted(truth.items()) if v.get("articleBody")]
        found["article-extraction-page-text"] = [v["articleBody"] for _, v in sorted(dumps.items()) if v.get("articleBody")]
        if args.unique:
            with tempfile.TemporaryDirectory(prefix="compare-pipeline-") as tmp:
                pages = scale.benchmark_pages(Path(args.benchmark))
                found[f"unique-news-{args.unique}"] = bodies(scale.write_corpus(pages, range(args.unique), Path(tmp) / "raw"))
    return found


def differences(reference, ours) -> dict[str, int]:
    """Token attributes that differ, by attribute (and the Doc-level views built on them)."""
    diff: dict[str, int] = {}
    if len(reference) != len(ours):
        return {"length": 1}
    a, b = reference.to_array(ATTRS), ours.to_array(ATTRS)
    for i, name in enumerate(ATTR_NAMES):
        if (count := int((a[:, i] != b[:, i]).sum())):
            diff[name] = count
    checks = {
        "lemma_": [t.lemma_ for t in reference] != [t.lemma_ for t in ours],
        "morph": [str(t.morph) for t in reference] != [str(t.morph) for t in ours],
        "is_sent_start": [t.is_sent_start for t in reference] != [t.is_sent_start for t in ours],
        "sents": [s.text for s in reference.sents] != [s.text for s in ours.sents],
        "ents": [(e.start, e.end, e.label_) for e in reference.ents] != [(e.start, e.end, e.label_) for e in ours.ents],
        "noun_chunks": [c.text for c in reference.noun_chunks] != [c.text for c in ours.noun_chunks],
        "tensor": not numpy.array_equal(reference.tensor, ours.tensor),
        "has_annotation": any(reference.has_annotation(x) != ours.has_annotation(x)
                              for x in ("TAG", "POS", "MORPH", "LEMMA", "DEP", "SENT_START", "ENT_IOB")),
    }
    diff.update({name: 1 for name, differs in checks.items() if differs})
    return diff


def check(found: dict[str, list[str]], paragraphs: bool) -> int:
    reference, ours = load_reference(), extract.load_nlp()
    print(f"reference: {reference.pipe_names}; ours: {list(ours.pipe_factories.items())}")
    failed = 0
    for name, texts in found.items():
        ways = {"whole bodies": (texts, extract.BATCH_SIZE)}
        if paragraphs:
            ways["paragraphs"] = ([p for t in texts for p in extract.paragraphs_of(t)], extract.PARAGRAPHS_PER_BATCH)
        for way, (items, batch_size) in ways.items():
            tokens, differ, totals = 0, 0, {}
            for a, b in zip(reference.pipe(items, batch_size=batch_size), ours.pipe(items, batch_size=batch_size)):
                tokens += len(a)
                if diff := differences(a, b):
                    differ += 1
                    for key, count in diff.items():
                        totals[key] = totals.get(key, 0) + count
                    if differ <= 3:
                        print(f"  differs: {a.text[:80]!r} {diff}")
            print(f"{name} ({way}): {len(items)} texts, {tokens} tokens, {differ} differing docs {totals or ''}",
                  flush=True)
            failed += differ
    print("IDENTICAL" if not failed else f"{failed} documents differ")
    return 1 if failed else 0


def component_seconds(nlp: Language, texts: list[str], batch_size: int) -> dict[str, float]:
    """CPU seconds of each component over the texts, one component at a time (as nlp.pipe runs them)."""
    seconds = {}
    started = time.process_time()
    docs = [nlp.make_doc(text) for text in texts]
    seconds["tokenizer"] = time.process_time() - started
    for name, proc in nlp.pipeline:
        started = time.process_time()
        docs = list(proc.pipe(docs, batch_size=batch_size)) if hasattr(proc, "pipe") else [proc(doc) for doc in docs]
        seconds[name] = time.process_time() - started
    return seconds


def timing(found: dict[str, list[str]], docs: int, rounds: int) -> dict:
    """Both pipelines in alternating rounds, each round on freshly loaded pipelines (cold caches, as a new
    worker has them); each component's CPU seconds, the median round."""
    texts = [t for texts in found.values() for t in texts[:docs]]
    loaders = {"reference": load_reference, "ours": extract.load_nlp}
    runs = {name: [] for name in loaders}
    for _ in range(rounds):
        for name, load in loaders.items():
            nlp = load()
            runs[name].append(component_seconds(nlp, texts, extract.BATCH_SIZE))
    median = {name: {c: round(float(numpy.median([r[c] for r in rs])), 3) for c in rs[0]} for name, rs in runs.items()}
    totals = {name: [round(sum(r.values()), 2) for r in rs] for name, rs in runs.items()}
    ratios = [round(o / r, 3) for o, r in zip(totals["ours"], totals["reference"])]
    tokens = sum(len(doc) for doc in spacy.blank("en").tokenizer.pipe(texts))
    return {"texts": len(texts), "tokens": tokens, "rounds": rounds, "cpu_s_by_component_median": median,
            "cpu_s_total_by_round": totals, "ours_to_reference_by_round": ratios,
            "ours_to_reference_median": float(numpy.median(ratios))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("check", "time"))
    parser.add_argument("--polnear", default="../shared/external/polnear/train/raw")
    parser.add_argument("--benchmark", default="../shared/benchmarks/article-extraction")
    parser.add_argument("--unique", type=int, default=500, help="documents of the scale bench's unique corpus")
    parser.add_argument("--paragraphs", action="store_true",
                        help="check: also parse every body paragraph by paragraph, as the extract stage does")
    parser.add_argument("--docs", type=int, default=150, help="time: texts taken from each corpus")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    found = corpora(args)
    if args.mode == "check":
        return check(found, args.paragraphs)
    print(json.dumps(timing(found, args.docs, args.rounds), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
