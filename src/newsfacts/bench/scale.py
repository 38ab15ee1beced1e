"""The whole run at scale, next to bare spaCy on the same texts, with every figure measured in one run.

The corpus: N documents made from the benchmark's HTML pages, each with an invented lead paragraph
written by `invented_lead` from its number, so no two share their bytes while bodies repeat, as
syndicated copies do. (HTML, not the pages' text dumps: as text, a third of the pages are mostly
navigation and the documents expectations rightly refuse such a corpus.) Each run is a child process (`newsfacts run`, as a user
starts it); its peak memory is the largest sum of resident memory over the child and all its
descendants (the Prefect server it starts, extraction workers), sampled every SAMPLE_S seconds.
"""
from __future__ import annotations

import gzip
import html
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from newsfacts import extract
from newsfacts.clean import clean_documents
from newsfacts.extract.parallel import default_workers
from newsfacts.ingest import ingest

SAMPLE_S = 0.1
PROSE_PARAGRAPH = re.compile(r"<p[\s>][^>]*>?\s*[^<]{80,}", re.IGNORECASE)
PLACES = ("Harrowgate Bay", "Velmont", "North Ossary", "Cardel Springs", "Lintonvale", "Port Emberly",
          "Askerby", "Drumfell", "New Tarrin", "Belloway")
PEOPLE = ("Ilse Marrow", "Tobin Achterberg", "Renata Solberg", "Kwame Ostrander", "Priya Dellacourt",
          "Oskar Vintner", "Lena Farquhar", "Mateo Quillon", "Sunniva Brack", "Dmitri Halloran")
ROLES = ("harbour master", "county treasurer", "school principal", "union organiser", "water board engineer",
         "hospital director", "ferry captain", "library trustee", "fire marshal", "market inspector")
MATTERS = (("households", "connected to the new grid"), ("volunteers", "signed up for the clean-up"),
           ("permits", "issued for the riverside"), ("students", "moved to temporary classrooms"),
           ("tonnes of grain", "shipped through the port"), ("patients", "treated at the field clinic"))
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def invented_lead(number: int) -> str:
    """A news lead about invented people and places, different for every number."""
    pick = random.Random(number)
    place, person, role = pick.choice(PLACES), pick.choice(PEOPLE), pick.choice(ROLES)
    things, what = pick.choice(MATTERS)
    count = pick.randint(12, 9_000) + number
    return (f"{place} — {person}, the {role} of {place}, said on {pick.choice(DAYS)} that {count:,} {things} "
            f"had been {what} since {pick.choice(MONTHS)}, {pick.randint(2, 40)} more than the week before. "
            f"\"We expected about {pick.randint(3, 95)} percent of that,\" {person.split()[0]} said. "
            f"(Dispatch {number})")


def benchmark_pages(data: Path) -> list[str]:
    """The benchmark's HTML pages, in a fixed order."""
    files = sorted((Path(data) / "html").glob("*.html.gz"))
    if not files:
        raise ValueError(f"no pages in {data}/html (*.html.gz)")
    return [gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace") for path in files]


def with_lead(page: str, lead: str) -> str:
    """The page with the lead as a paragraph just before its first paragraph of prose (where an article
    starts), else at the top of its body."""
    paragraph = f"<p>{html.escape(lead)}</p>\n"
    body = max(page.lower().find("<body"), 0)
    prose = PROSE_PARAGRAPH.search(page, body)
    at = prose.start() if prose else page.find(">", body) + 1
    return page[:at] + paragraph + page[at:]


def write_corpus(pages: list[str], numbers: range, folder: Path) -> Path:
    """Document `number` is page `number` (cycling through the pages) with invented lead `number`."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        page = with_lead(pages[number % len(pages)], invented_lead(number))
        (folder / f"dispatch-{number:06d}.html").write_text(page, encoding="utf-8")
    return folder


def run_child(raw: Path, home: Path, workers: int) -> dict:
    """`newsfacts run` in a child process: its wall time and the peak memory of its process tree."""
    command = [sys.executable, "-c", "from newsfacts.cli import main; main()", "run", "--raw", str(raw),
               "--warehouse", str(home), "--workers", str(workers)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    watcher = threading.Thread(target=watch_memory, args=(child.pid, peak), daemon=True)
    watcher.start()
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    watcher.join()
    if child.returncode != 0:
        raise RuntimeError(f"`newsfacts run` on {raw} exited {child.returncode}:\n{output[-2000:]}")
    return {"seconds": seconds, "peak_rss_mb": peak[0] / 2**20}


def watch_memory(pid: int, peak: list[int]) -> None:
    try:
        root = psutil.Process(pid)
        while root.is_running() and root.status() != psutil.STATUS_ZOMBIE:
            total = 0
            for process in [root, *root.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:  # ended between listing and reading
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(SAMPLE_S)
    except psutil.Error:
        return


def bare_pipe(texts: list[str], workers: int) -> dict:
    """Bare `nlp.pipe(n_process=workers)` over the texts; words as the extract stage counts them."""
    nlp = extract.load_nlp()
    started = time.perf_counter()
    words = sum(sum(1 for t in parsed if not (t.is_punct or t.is_space))
                for parsed in nlp.pipe(texts, n_process=workers, batch_size=extract.BATCH_SIZE))
    return {"seconds": time.perf_counter() - started, "words": words}


# A day's new documents, added to the full warehouse and to an empty one: the cost of a run must follow
# what is new, not what is stored.
ADDED_DOCS = 20


def run_scale_bench(data: Path, docs: int, workers: int | None = None, work_dir: Path | None = None) -> dict:
    workers = workers or default_workers()
    tenth = max(1, docs // 10)
    load_before = os.getloadavg()
    pages = benchmark_pages(data)
    with tempfile.TemporaryDirectory(prefix="newsfacts-scale-", dir=work_dir) as tmp:
        root = Path(tmp)
        raw, raw_tenth, empty, raw_added = root / "raw", root / "raw-tenth", root / "raw-empty", root / "raw-added"
        write_corpus(pages, range(docs), raw)
        write_corpus(pages, range(0, docs, docs // tenth)[:tenth], raw_tenth)  # every tenth: the same mix of pages
        write_corpus(pages, range(docs, docs + ADDED_DOCS), raw_added)
        empty.mkdir()
        texts = [doc.body_text for doc in clean_documents(ingest(raw).documents) if doc.body_text]
        small = run_child(raw_tenth, root / "warehouse-tenth", workers)  # first: it also warms caches
        empty_run = run_child(empty, root / "warehouse-empty", workers)
        full = run_child(raw, root / "warehouse", workers)
        noop = run_child(raw, root / "warehouse", workers)
        write_corpus(pages, range(docs, docs + ADDED_DOCS), raw)
        added = run_child(raw, root / "warehouse", workers)
        added_to_empty = run_child(raw_added, root / "warehouse-added", workers)
        bare = bare_pipe(texts, workers)
    words = bare["words"]
    return {
        "docs": docs,
        "docs_tenth": tenth,
        "workers": workers,
        "words": words,
        "run_s": round(full["seconds"], 2),
        "words_per_s": round(words / full["seconds"], 1),
        "bare_s": round(bare["seconds"], 2),
        "bare_words_per_s": round(words / bare["seconds"], 1),
        "ratio": round(bare["seconds"] / full["seconds"], 3),
        "peak_rss_mb": round(full["peak_rss_mb"], 1),
        "peak_rss_mb_tenth": round(small["peak_rss_mb"], 1),
        "rss_ratio": round(full["peak_rss_mb"] / small["peak_rss_mb"], 3),
        "noop_rerun_s": round(noop["seconds"], 2),
        "empty_run_s": round(empty_run["seconds"], 2),
        "noop_to_empty_ratio": round(noop["seconds"] / empty_run["seconds"], 3),
        "added_docs": ADDED_DOCS,
        "added_to_full_s": round(added["seconds"], 2),
        "added_to_empty_s": round(added_to_empty["seconds"], 2),
        "added_ratio": round(added["seconds"] / added_to_empty["seconds"], 3),
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }


def format_table(results: dict) -> str:
    return "\n".join([
        f"corpus        {results['docs']} documents, {results['words']} words after cleaning; "
        f"{results['workers']} worker(s)",
        f"whole run     {results['words_per_s']:>10.1f} words/s ({results['run_s']} s)",
        f"bare nlp.pipe {results['bare_words_per_s']:>10.1f} words/s ({results['bare_s']} s, "
        f"n_process={results['workers']})",
        f"ratio         {results['ratio']:>10.3f} (run / bare)",
        f"peak memory   {results['peak_rss_mb']:>10.1f} MB at {results['docs']} documents, "
        f"{results['peak_rss_mb_tenth']:.1f} MB at {results['docs_tenth']}: ratio {results['rss_ratio']:.3f}",
        f"no-op rerun   {results['noop_rerun_s']:>10.2f} s; empty folder {results['empty_run_s']:.2f} s: "
        f"ratio {results['noop_to_empty_ratio']:.3f}",
        f"{results['added_docs']} new docs  {results['added_to_full_s']:>10.2f} s into the {results['docs']}; "
        f"{results['added_to_empty_s']:.2f} s into an empty warehouse: ratio {results['added_ratio']:.3f}",
        f"load average  {' '.join(map(str, results['load_average'][:3]))} before, "
        f"{' '.join(map(str, results['load_average'][3:]))} after (1, 5, 15 min)",
    ])
