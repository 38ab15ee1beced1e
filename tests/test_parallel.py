"""Extraction batches (cut from the documents alone, so any number of workers sees the same batches),
one spaCy pipeline per process, and stage progress on and off a terminal."""
from __future__ import annotations

import io
import json
import random
from pathlib import Path

from rich.console import Console

from newsfacts import extract, ingest
from newsfacts.extract import parallel, quotes
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


def test_wire_copy_paragraphs_are_parsed_once_and_give_each_copy_the_same_facts():
    wire = ("Flood defences gave way in Marlow Vale on Sunday, and 1,200 residents were evacuated, "
            "regional officials said.\n\n\"The river rose faster than any forecast,\" said Petra Lindqvist, "
            "the county's emergency coordinator.")
    leads = ["Harbour Post — Rain kept falling on Monday.\n\n", "Valley Courier — Sandbags ran short.\n\n"]
    docs = [CleanedDocument(f"copy-{n}", lead + wire) for n, lead in enumerate(leads)]
    cache = extract.ParagraphCache()
    nlp = parallel.shared_nlp()
    first, second = extract.extract_documents(docs, nlp, paragraphs=cache)
    assert cache.parsed == 4 and cache.reused == 2, "the two wire paragraphs are parsed once for both copies"
    alone = extract.extract_documents([docs[1]], nlp, paragraphs=extract.ParagraphCache())[0]
    facts = lambda f: ([(m.text, m.char_start) for m in f.mentions], [(g.value, g.kind, g.claimant_text) for g in f.figures],
                       [(q.text, q.speaker_text) for q in f.quotes])
    assert facts(second) == facts(alone)
    shift = len(leads[1]) - len(leads[0])
    assert [m.char_start + shift for m in first.mentions if m.char_start >= len(leads[0])] == \
           [m.char_start for m in second.mentions if m.char_start >= len(leads[1])]
    assert any(q.speaker_text == "Petra Lindqvist" for q in second.quotes)
    assert any(g.value == 1200 and g.kind == "evacuated" for g in second.figures)


def test_paragraphs_join_back_into_the_text():
    for text in ["", "One line", "A.\n\nB.\n\n\nC.", "A.\n  \n  B.\n", "\n\nLead.\n\nBody."]:
        assert "".join(extract.paragraphs_of(text)) == text


def test_without_reuse_every_paragraph_is_parsed_and_the_facts_are_the_same():
    docs = [CleanedDocument(f"d{n}", "Lead.\n\nOfficials said 40 people were evacuated from Dunmere.") for n in range(3)]
    fresh = extract.ParagraphCache(reuse=False)
    kept = extract.extract_documents(docs, parallel.shared_nlp(), paragraphs=extract.ParagraphCache())
    assert extract.extract_documents(docs, parallel.shared_nlp(), paragraphs=fresh)[2].figures[0].value == 40
    assert fresh.parsed == 6 and kept[2].figures[0].value == 40


def test_the_paragraph_cache_keeps_only_the_most_recent_paragraphs():
    nlp = parallel.shared_nlp()
    cache = extract.ParagraphCache(size=3)
    texts = [f"Report {n} came from Dunmere.\n\nA second paragraph, number {n}." for n in range(3)]
    cache.parse(nlp, texts)
    assert list(cache.docs) == [*extract.paragraphs_of(texts[1])[1:], *extract.paragraphs_of(texts[2])]
    cache.parse(nlp, [texts[2]])
    assert cache.reused == 2, "the last document's paragraphs were still kept"
    cache.parse(nlp, [texts[0]])
    assert cache.reused == 2 and cache.parsed == 8, "the first document's paragraphs had been let go"
    assert extract.CACHED_PARAGRAPHS >= 4_500, "below this a worker parses a wire-copy body twice (bench scale --wire-copy)"


def test_words_are_the_tokens_neither_punctuation_nor_space():
    nlp = parallel.shared_nlp()
    for text in ["", "  ", "Officials said 40 people -- at least -- were moved.\n\n\"Yes!\" she said.", "..."]:
        parsed = nlp.make_doc(text)
        assert extract.word_count(parsed) == sum(1 for t in parsed if not (t.is_punct or t.is_space))


def test_quote_spans_jumping_between_marks_finds_what_trying_every_character_finds():
    def every_character(text):  # the scan quote_spans shortens: every character tried as an opener
        spans = []
        for paragraph in quotes.PARAGRAPH.finditer(text):
            body, offset, i = paragraph.group(), paragraph.start(), 0
            while i < len(body):
                closer = quotes.OPENERS.get(body[i]) or quotes.reversed_opener(body, i) or quotes.apostrophe_pair(body, i)
                if closer is None or (closer == "’" and i > 0 and body[i - 1].isalnum()):
                    i += 1
                    continue
                width = len(closer) if closer == quotes.APOSTROPHES else 1
                end = quotes.closing_mark(body, closer, i + width)
                end = len(body) if end < 0 else end
                spans.append((offset + i + width, offset + end))
                i = end + len(closer)
        return spans

    pick = random.Random(7)
    marks = "ab c\n'\"“”«»„‘’.,!? 1"
    for _ in range(3000):
        text = "".join(pick.choice(marks) for _ in range(pick.randint(0, 50)))
        assert quotes.quote_spans(text) == every_character(text), text


def test_a_worker_imports_the_extraction_code_and_not_the_store_link_or_flow():
    """What a worker imports to take its first batch (`extract_batch`, by reference): spaCy and the
    rules, not the store, the link stage and DuckDB (56 MB a worker), nor Prefect or Great Expectations."""
    import subprocess
    import sys

    probe = ("import json, sys; import newsfacts.extract.parallel; "
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('duckdb', 'prefect', 'great_expectations') or m.startswith(('newsfacts.link', 'newsfacts.store')))))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(loaded.stdout) == []


def test_files_to_read_counts_new_and_changed_article_files_only(tmp_path):
    for name in ("a.txt", "b.html", "nested/c.htm", "feed.jsonl", "a.json", "notes.pdf", ".hidden/d.txt", ".e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("The council met on Monday.\n")
    status = (tmp_path / "a.txt").stat()
    known = {"a.txt": (status.st_size, status.st_mtime_ns), "b.html": (1, 1)}  # b.html changed since
    assert ingest.files_to_read(tmp_path, known, enough=100) == 3  # b.html, nested/c.htm, feed.jsonl
    assert ingest.files_to_read(tmp_path, known, enough=2) == 2  # stops counting once there are enough
    assert ingest.files_to_read(tmp_path / "missing", {}, enough=5) == 0


def test_workers_are_started_ahead_only_for_more_than_a_batch_of_files_and_taken_by_the_run(tmp_path):
    for number in range(2):
        (tmp_path / f"{number}.txt").write_text(f"Story {number}: the ferry sailed on Monday.\n")
    thread = parallel.start_workers_ahead(tmp_path, dict, workers=2, batch_docs=2)
    thread.join()
    assert parallel.take_started_cluster() is None  # a batch at most: its run extracts it in-process
    assert parallel.start_workers_ahead(tmp_path, dict, workers=1) is None
    (tmp_path / "2.txt").write_text("Story 2: the ferry sailed again on Tuesday.\n")
    thread = parallel.start_workers_ahead(tmp_path, dict, workers=2, batch_docs=2)
    from distributed import Client

    with parallel.local_cluster(2) as cluster, Client(cluster) as client:  # waits for the one starting
        counts = client.run(parallel.process_counts)
        assert [count["nlp_loads"] for count in counts.values()] == [1, 1]  # each loaded spaCy before any batch
        assert [count["batches"] for count in counts.values()] == [0, 0]
    parallel.close_started_clusters(thread)
    assert parallel.take_started_cluster() is None
