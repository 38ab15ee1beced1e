"""Extract-stage speed next to bare spaCy: words per second on the same texts, in one run.

Bare is `list(nlp.pipe(texts))` of the bare library: spaCy's own pipeline of the installed model as
`spacy.load` gives it, nothing of ours, with the same batch size; ours is `extract.extract_documents` with
`extract.load_nlp`'s pipeline (the same model, its attribute ruler and lemmatizer in their array versions,
paragraph breaks), which parses and then runs every rule. The two are
timed alternately, best of a few rounds each, so both see the same machine state; the ratio is
what to compare across machines.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from newsfacts import extract
from newsfacts.clean import clean_documents
from newsfacts.extract.pipeline import load_stock_nlp
from newsfacts.ingest import ingest

MIN_WORDS = 40_000  # the samples are small: repeat them so each timing is long enough to trust
ROUNDS = 3


def run_extract_speed(raw_dir: Path, rounds: int = ROUNDS, min_words: int = MIN_WORDS) -> dict:
    cleaned = [doc for doc in clean_documents(ingest(Path(raw_dir)).documents) if doc.body_text]
    if not cleaned:
        raise ValueError(f"no readable article bodies under {raw_dir}")
    nlp, bare_nlp = extract.load_nlp(), load_stock_nlp(extract.MODELS)
    words_once = sum(len(doc.body_text.split()) for doc in cleaned)
    copies = max(1, -(-min_words // max(words_once, 1)))
    corpus = [replace(doc, doc_id=f"{doc.doc_id}-{k}") for k in range(copies) for doc in cleaned]
    texts = [doc.body_text for doc in corpus]
    words = words_once * copies
    extract.extract_documents(corpus[: len(cleaned)], nlp)  # warm-up: one-time loading is not per-word cost
    list(bare_nlp.pipe(texts[: len(cleaned)], batch_size=extract.BATCH_SIZE))
    bare, ours = [], []
    for _ in range(rounds):
        bare.append(timed(lambda: list(bare_nlp.pipe(texts, batch_size=extract.BATCH_SIZE))))
        # every paragraph parsed where it occurs: the texts repeat only to make the timing long enough
        ours.append(timed(lambda: extract.extract_documents(corpus, nlp, paragraphs=extract.ParagraphCache(reuse=False))))
    bare_wps, ours_wps = words / min(bare), words / min(ours)
    return {
        "words": words,
        "documents": len(corpus),
        "pipeline": list(nlp.pipe_names),
        "bare_pipeline": list(bare_nlp.pipe_names),
        "bare_nlp_pipe_words_per_s": round(bare_wps, 1),
        "extract_words_per_s": round(ours_wps, 1),
        "extract_to_bare_ratio": round(ours_wps / bare_wps, 3),
    }


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def format_table(results: dict) -> str:
    return "\n".join([
        f"texts         {results['documents']} documents, {results['words']} words; pipeline {', '.join(results['pipeline'])}",
        f"bare nlp.pipe {results['bare_nlp_pipe_words_per_s']:>10.1f} words/s",
        f"extract stage {results['extract_words_per_s']:>10.1f} words/s",
        f"ratio         {results['extract_to_bare_ratio']:>10.3f} (extract / bare)",
    ])
