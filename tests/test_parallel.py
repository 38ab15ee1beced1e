"""Extraction batches (cut from the documents alone, so any number of workers sees the same batches),
one spaCy pipeline per process, and stage progress on and off a terminal."""
from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from newsfacts.extract import parallel
from newsfacts.ingest import Candidate, PendingDocument
from newsfacts.progress import StageProgress
from newsfacts.records import CleanedDocument


def pending(number: int, size_bytes: int = 100) -> PendingDocument:
    return PendingDocument(f"{number}.txt", f"doc-{number}", "text", size_bytes, Candidate(f"{number}.txt", Path(".")))


def test_batches_keep_every_document_in_order_and_respect_both_bounds():
    docs = [pending(n, 100) for n in range(7)] + [pending(7, 1_000)] + [pending(n, 100) for n in range(8, 10)]
    batches = parallel.pending_batches(docs, size=3, max_bytes=500)
    assert [d.doc_id for batch in batches for d in batch] == [d.doc_id for d in docs]
    assert all(len(batch) <= 3 for batch in batches)
    # a document bigger than the bound travels alone; others never exceed it
    assert [d.doc_id for d in batches[3]] == ["doc-7"]
    assert all(sum(d.size_bytes for d in batch) <= 500 for batch in batches if len(batch) > 1)
    assert parallel.pending_batches([]) == []


def test_a_process_loads_the_pipeline_once_for_all_its_batches():
    before = parallel.process_counts()
    first = parallel.shared_nlp()
    parallel.extract_batch([CleanedDocument("a", "Mara Quill said the ferry carried 40 people.")])
    parallel.extract_batch([CleanedDocument("b", "The council in Dunmere met on Monday.")])
    assert parallel.shared_nlp() is first
    after = parallel.process_counts()
    assert after["nlp_loads"] == max(before["nlp_loads"], 1)
    assert after["batches"] == before["batches"] + 2


def test_default_workers_is_the_cores_this_process_may_use():
    assert 1 <= parallel.default_workers() <= 4096


def test_off_a_terminal_progress_is_log_lines_every_few_batches_and_at_the_end():
    lines: list[str] = []
    quiet = Console(file=io.StringIO(), force_terminal=False)
    with StageProgress("extract", 50, log=lines.append, console=quiet, log_every=2) as progress:
        for _ in range(5):
            progress.advance(10, 4_000)
    assert len(lines) == 3  # after batches 2 and 4, and the last one
    assert lines[-1].startswith("extract: 50/50 documents") and "words/s" in lines[-1]
    assert quiet.file.getvalue() == ""


def test_on_a_terminal_progress_is_a_bar_with_documents_and_words_per_second():
    screen = io.StringIO()
    lines: list[str] = []
    terminal = Console(file=screen, force_terminal=True, width=120)
    with StageProgress("extract", 20, log=lines.append, console=terminal) as progress:
        progress.advance(20, 9_000)
    shown = screen.getvalue()
    assert "extract" in shown and "20/20" in shown and "words/s" in shown
    assert lines == []
