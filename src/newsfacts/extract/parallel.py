"""Extraction in batches that any process can take: on this machine's cores or on a Dask cluster.

Batches are cut from the run's new documents alone (never from the number of workers), and every
batch is parsed the same way wherever it runs, so any number of workers gives the same facts as one.
A process loads the spaCy pipeline once, the first time it is handed a batch (or when it is started
ahead, `start_local_cluster`), and keeps it.

A run on this machine's cores extracts on a local Dask cluster of single-threaded worker processes
(`local_cluster`). Starting one takes seconds (processes spawned, spaCy imported and loaded in each), so
a run starts it ahead, in a thread, while it surveys the raw folder (`start_workers_ahead`): its
extraction then takes the cluster ready instead of starting one after the survey.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import contextmanager

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
# How long workers started ahead may take to start (a run then starts its own, which says what fails).
START_TIMEOUT_S = 120
# Local clusters started ahead by this process and not yet taken by a run (at most one).
_started_ahead: list[Future] = []


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


def new_local_cluster(workers: int):
    """A Dask cluster of `workers` single-threaded worker processes on this machine (spaCy holds the GIL
    while it parses: threads would share one core); its web page on a free port of this machine only, so
    two runs never collide on 8787."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0",
                        silence_logs=logging.ERROR)


def start_workers_ahead(raw_dir, known_files: Callable[[], dict[str, tuple[int, int]]], workers: int,
                        batch_docs: int = DOCS_PER_BATCH) -> threading.Thread | None:
    """Start a local cluster of `workers` in a thread where the raw folder has more than a batch of files to
    read (ingest.files_to_read against what `known_files()` gives: source path -> size, modification time,
    read in the thread too): a run with
    nothing new, or a batch at most (extracted in its own process), starts none. The next `local_cluster`
    takes it (waiting for it, if it is still starting)."""
    from newsfacts import ingest

    if workers <= 1:
        return None
    started: Future = Future()
    _started_ahead.append(started)

    def start() -> None:
        try:
            if ingest.files_to_read(raw_dir, known_files(), batch_docs + 1) > batch_docs:
                start_local_cluster(workers, started)
            else:
                started.set_result(None)
        except BaseException as exc:  # noqa: BLE001 - the run starts its own cluster, and reports what fails
            started.set_exception(exc)

    thread = threading.Thread(target=start, name="start-workers", daemon=True)
    thread.start()
    return thread


def start_local_cluster(workers: int, started: Future) -> None:
    """Start a local cluster now and load the spaCy pipeline on each worker; `started` gets the cluster."""
    from distributed import Client

    cluster = new_local_cluster(workers)
    try:
        with Client(cluster) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
            client.run(shared_nlp)
    except BaseException:
        cluster.close()
        raise
    started.set_result(cluster)


def take_started_cluster():
    """The cluster started ahead (waited for, if it is still starting), or None when none was or it failed."""
    if not _started_ahead:
        return None
    started = _started_ahead.pop()
    try:
        return started.result()
    except BaseException:  # noqa: BLE001
        return None


def close_started_clusters(thread: threading.Thread | None = None) -> None:
    """Close a cluster started ahead (by `thread`, waited for) that its run did not take (it had a batch
    or less to extract after all)."""
    if thread is not None:
        thread.join()
    while _started_ahead:
        cluster = take_started_cluster()
        if cluster is not None:
            cluster.close()


@contextmanager
def local_cluster(workers: int):
    """A local cluster for one run: the one started ahead by this process if any, else a new one of
    `workers` workers; closed when the run's extraction ends."""
    cluster = take_started_cluster() or new_local_cluster(workers)
    with cluster:
        yield cluster
