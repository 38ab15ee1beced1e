"""Extraction in batches that any process can take: on this machine's cores or on a Dask cluster.

Batches are cut from the run's new documents alone (never from the number of workers), and every
batch is parsed the same way wherever it runs, so any number of workers gives the same facts as one.
A process loads the spaCy pipeline once, the first time it is handed a batch, and keeps it.
"""
from __future__ import annotations

import os
import threading

from spacy.language import Language

from newsfacts import extract
from newsfacts.records import CleanedDocument, DocumentFacts

# Big enough that a batch's fixed cost (Dask scheduling, shipping the texts and facts, a commit to the
# store) is small next to parsing it; small enough that two workers share a few hundred documents evenly.
DOCS_PER_BATCH = 32
# Bounded by raw bytes too, so a batch's texts (and the parser's working memory) stay bounded; HTML
# weighs several times its text.
RAW_BYTES_PER_BATCH = 8_000_000

_nlp_lock = threading.Lock()
_nlp_by_models: dict[tuple[str, ...], Language] = {}
_nlp_loads = 0
_batches_extracted = 0
_paragraphs = extract.ParagraphCache()  # this process's parsed paragraphs, for the wire copy of later batches


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else all of them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform
        return max(1, os.cpu_count() or 1)


def pending_batches(pending: list, size: int = DOCS_PER_BATCH, max_bytes: int = RAW_BYTES_PER_BATCH) -> list[list]:
    """Consecutive runs of at most `size` new documents and (unless one alone is more) `max_bytes` of raw
    bytes (ingest.PendingDocument): what a run reads, cleans, extracts and commits at once."""
    batches: list[list] = []
    batch: list = []
    size_bytes = 0
    for doc in pending:
        if batch and (len(batch) == size or size_bytes + doc.size_bytes > max_bytes):
            batches.append(batch)
            batch, size_bytes = [], 0
        batch.append(doc)
        size_bytes += doc.size_bytes
    if batch:
        batches.append(batch)
    return batches


def shared_nlp(models: tuple[str, ...] = extract.MODELS) -> Language:
    """This process's spaCy pipeline, loaded on first use and kept for every later batch."""
    global _nlp_loads
    with _nlp_lock:
        if models not in _nlp_by_models:
            _nlp_by_models[models] = extract.load_nlp(models)
            _nlp_loads += 1
        return _nlp_by_models[models]


def process_counts() -> dict[str, int]:
    """Pipelines loaded and batches extracted by this process: a worker should load once, whatever its batches."""
    return {"nlp_loads": _nlp_loads, "batches": _batches_extracted, "paragraphs_parsed": _paragraphs.parsed,
            "paragraphs_reused": _paragraphs.reused}


def extract_batch(batch: list[CleanedDocument]) -> list[DocumentFacts]:
    global _batches_extracted
    facts = extract.extract_documents(batch, shared_nlp(), paragraphs=_paragraphs) if batch else []
    _batches_extracted += 1
    return facts
