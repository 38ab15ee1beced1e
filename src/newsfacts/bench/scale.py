"""The whole run at scale, next to bare spaCy on the same texts, with every figure measured in one run.

The corpus, one of three:
- unique news (the default): N documents made from the benchmark's HTML pages, each with an invented
  lead paragraph written by `invented_lead` from its number, and every paragraph of the page opened by
  an invented sentence of its own (`invented_detail`), so no paragraph repeats: each one costs the
  parse it would cost in a day of news that does not repeat (the paragraph cache finds nothing).
- `raw`: the first N files of a folder of distinct articles, as they are.
- `wire_copy`: the benchmark's pages with the invented lead only, so a body is carried by about
  N / 181 documents, as syndicated copies are; the result says how often its paragraphs repeat.
(HTML, not the pages' text dumps: as text, a third of the pages are mostly navigation and the
documents expectations rightly refuse such a corpus.) The result counts the cleaned bodies' paragraphs
and how many of them are distinct, whatever the corpus. Each run is a child process (`newsfacts run`,
as a user starts it); its peak memory is the largest sum of resident memory over the child and all its
descendants (the Prefect server it starts, extraction workers), sampled every SAMPLE_S seconds.
"""
from __future__ import annotations

import gzip
import html
import json
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
from newsfacts.extract.pipeline import load_stock_nlp
from newsfacts.ingest import ingest
from newsfacts.language import tag_languages

SAMPLE_S = 0.1
PROSE_PARAGRAPH = re.compile(r"<p[\s>][^>]*>?\s*[^<]{80,}", re.IGNORECASE)
# Where a block of text starts: after the opening tag of a paragraph, heading, list item or table cell
# (or a line break, where a page breaks its text into lines without paragraphs).
PARAGRAPH_OPENING = re.compile(r"<(?:p|li|h[1-6]|td|th|dt|dd|blockquote|figcaption|br)(?:\s[^>]*)?/?>",
                               re.IGNORECASE)
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
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


def invented_detail(number: int, paragraph: int) -> str:
    """A short sentence of news, different for every document number and paragraph."""
    pick = random.Random(number * 100_003 + paragraph)
    place, person = pick.choice(PLACES), pick.choice(PEOPLE)
    things, _ = pick.choice(MATTERS)
    return f"{person} of {place} counted {pick.randint(2, 900) + paragraph:,} {things} (note {number}.{paragraph}). "


def with_details(page: str, number: int) -> str:
    """The page with an invented sentence opening each paragraph of its body (and each list item), so that
    none of its paragraphs is found in another document."""
    body = max(page.lower().find("<body"), 0)
    parts, at = [page[:body]], body
    for index, opening in enumerate(PARAGRAPH_OPENING.finditer(page, body)):
        parts += [page[at:opening.end()], html.escape(invented_detail(number, index))]
        at = opening.end()
    parts.append(page[at:])
    return "".join(parts)


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


def write_corpus(pages: list[str], numbers: range, folder: Path, unique: bool = True) -> Path:
    """Document `number` is page `number` (cycling through the pages) with invented lead `number` and,
    when `unique`, an invented sentence opening each of its paragraphs."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        page = pages[number % len(pages)]
        page = with_lead(with_details(page, number) if unique else page, invented_lead(number))
        (folder / f"dispatch-{number:06d}.html").write_text(page, encoding="utf-8")
    return folder


def article_files(raw: Path) -> list[Path]:
    """The articles of a folder (recursively), in a fixed order."""
    files = sorted(path for path in Path(raw).rglob("*") if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES
                   and not path.name.startswith("."))
    if not files:
        raise ValueError(f"no articles (*.txt, *.html) in {raw}")
    return files


def copy_articles(files: list[Path], folder: Path) -> Path:
    """The files side by side in `folder` (numbered, so that two files of one name in subfolders stay two)."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(files):
        (folder / f"{number:06d}-{path.name}").write_bytes(path.read_bytes())
    return folder


def paragraph_counts(texts: list[str]) -> dict:
    """Paragraphs of the bodies, distinct paragraphs, and how often a paragraph occurs on average."""
    paragraphs = [p.strip() for text in texts for p in extract.paragraphs_of(text) if p.strip()]
    distinct = len(set(paragraphs))
    return {"paragraphs": len(paragraphs), "distinct_paragraphs": distinct,
            "paragraph_repeat": round(len(paragraphs) / max(distinct, 1), 2)}


def stage_seconds(warehouse: Path) -> dict[str, float]:
    """The stage seconds of the warehouse's latest run (its runs/<run_id>.json)."""
    records = sorted((Path(warehouse) / "runs").glob("*.json"))
    return json.loads(records[-1].read_text()).get("stage_seconds") or {} if records else {}


def run_child(raw: Path, home: Path, workers: int) -> dict:
    """`newsfacts run` in a child process: its wall time, the CPU seconds of its process tree (every
    descendant waited for: the Prefect server, the extraction workers), and its peak memory."""
    command = [sys.executable, "-c", "from newsfacts.cli import main; main()", "run", "--raw", str(raw),
               "--warehouse", str(home), "--workers", str(workers)]
    cpu_before = children_cpu()
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    watcher = threading.Thread(target=watch_memory, args=(child.pid, peak), daemon=True)
    watcher.start()
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu_before
    watcher.join()
    if child.returncode != 0:
        raise RuntimeError(f"`newsfacts run` on {raw} exited {child.returncode}:\n{output[-2000:]}")
    return {"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": peak[0] / 2**20}


def children_cpu() -> float:
    """CPU seconds of this process's ended children and everything they waited for."""
    times = os.times()
    return times.children_user + times.children_system


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


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
    """Bare `nlp.pipe(n_process=workers)` over the texts; words as the extract stage counts them. The bare
    library: spaCy's own pipeline of the installed model as `spacy.load` gives it, nothing of ours (not
    the array components or paragraph breaks `extract.load_nlp` adds, which would speed the baseline too)."""
    nlp = load_stock_nlp(extract.MODELS)
    cpu_before = own_cpu() + children_cpu()
    started = time.perf_counter()
    words = sum(sum(1 for t in parsed if not (t.is_punct or t.is_space))
                for parsed in nlp.pipe(texts, n_process=workers, batch_size=extract.BATCH_SIZE))
    return {"seconds": time.perf_counter() - started, "cpu_s": own_cpu() + children_cpu() - cpu_before, "words": words}


# A day's new documents, added to the full warehouse and to an empty one: the cost of a run must follow
# what is new, not what is stored.
ADDED_DOCS = 20


def run_scale_bench(data: Path, docs: int | None, workers: int | None = None, work_dir: Path | None = None,
                    raw: Path | None = None, wire_copy: bool = False) -> dict:
    """Every figure of one row. `raw`: a folder of distinct articles (its first `docs`, or all of them) instead
    of the benchmark's pages; `wire_copy`: the pages with invented leads only (bodies repeat)."""
    workers = workers or default_workers()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="newsfacts-scale-", dir=work_dir) as tmp:
        root = Path(tmp)
        folders = {name: root / f"raw-{name}" for name in ("full", "tenth", "empty", "added")}
        corpus = write_folders(folders, data, docs, raw, wire_copy)
        docs, tenth = corpus["docs"], corpus["docs_tenth"]
        cleaned = tag_languages(clean_documents(ingest(folders["full"]).documents))
        texts = [doc.body_text for doc in cleaned if doc.body_text]
        paragraphs = paragraph_counts([doc.body_text for doc in cleaned if doc.language == "en"])
        small = run_child(folders["tenth"], root / "warehouse-tenth", workers)  # first: it also warms caches
        empty_run = run_child(folders["empty"], root / "warehouse-empty", workers)
        full = run_child(folders["full"], root / "warehouse", workers)
        stages = stage_seconds(root / "warehouse")
        bare = bare_pipe(texts, workers)  # right after the run it is compared with
        noop = run_child(folders["full"], root / "warehouse", workers)
        added = added_to_empty = None
        if corpus["added"]:
            for path in folders["added"].iterdir():
                (folders["full"] / path.name).write_bytes(path.read_bytes())
            added = run_child(folders["full"], root / "warehouse", workers)
            added_to_empty = run_child(folders["added"], root / "warehouse-added", workers)
    words = bare["words"]
    return {
        "corpus": corpus["name"],
        "docs": docs,
        "docs_tenth": tenth,
        "workers": workers,
        "words": words,
        **paragraphs,
        "run_s": round(full["seconds"], 2),
        "words_per_s": round(words / full["seconds"], 1),
        "bare_s": round(bare["seconds"], 2),
        "bare_words_per_s": round(words / bare["seconds"], 1),
        "ratio": round(bare["seconds"] / full["seconds"], 3),
        # CPU seconds stretch much less than wall seconds with what else the machine runs; bare spaCy keeps
        # W cores busy and the run does not always (linking, stories), so on idle cores ratio <= cpu_ratio
        "run_cpu_s": round(full["cpu_s"], 1),
        "bare_cpu_s": round(bare["cpu_s"], 1),
        "cpu_ratio": round(bare["cpu_s"] / full["cpu_s"], 3),
        "stage_seconds": stages,
        "stage_ms_per_doc": {stage: round(1000 * seconds / docs, 1) for stage, seconds in stages.items()},
        "peak_rss_mb": round(full["peak_rss_mb"], 1),
        "peak_rss_mb_tenth": round(small["peak_rss_mb"], 1),
        "rss_ratio": round(full["peak_rss_mb"] / small["peak_rss_mb"], 3),
        "noop_rerun_s": round(noop["seconds"], 2),
        "empty_run_s": round(empty_run["seconds"], 2),
        "noop_to_empty_ratio": round(noop["seconds"] / empty_run["seconds"], 3),
        "added_docs": corpus["added"],
        "added_to_full_s": round(added["seconds"], 2) if added else None,
        "added_to_empty_s": round(added_to_empty["seconds"], 2) if added else None,
        "added_ratio": round(added["seconds"] / added_to_empty["seconds"], 3) if added else None,
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
    }


def write_folders(folders: dict[str, Path], data: Path, docs: int | None, raw: Path | None, wire_copy: bool) -> dict:
    """The corpus (`full`), every tenth of its documents (`tenth`: the same mix), an empty folder, and
    ADDED_DOCS more documents (`added`; from a raw folder, only where it holds more than `docs`)."""
    folders["empty"].mkdir()
    if raw is not None:
        files = article_files(raw)
        docs = min(docs or len(files), len(files))
        tenth = max(1, docs // 10)
        copy_articles(files[:docs], folders["full"])
        copy_articles(files[:docs][::docs // tenth][:tenth], folders["tenth"])
        added = files[docs:docs + ADDED_DOCS]
        copy_articles([], folders["added"])
        for number, path in enumerate(added):
            (folders["added"] / f"added-{number:06d}-{path.name}").write_bytes(path.read_bytes())
        return {"name": f"raw folder {raw}", "docs": docs, "docs_tenth": tenth, "added": len(added)}
    if not docs:
        raise ValueError("--docs N is needed to build a corpus from the benchmark's pages")
    pages = benchmark_pages(data)
    tenth = max(1, docs // 10)
    unique = not wire_copy
    write_corpus(pages, range(docs), folders["full"], unique)
    write_corpus(pages, range(0, docs, docs // tenth)[:tenth], folders["tenth"], unique)
    write_corpus(pages, range(docs, docs + ADDED_DOCS), folders["added"], unique)
    name = "unique news (every paragraph with an invented sentence)" if unique else \
        f"wire copy (each body carried by about {docs / len(pages):.1f} documents)"
    return {"name": name, "docs": docs, "docs_tenth": tenth, "added": ADDED_DOCS}


def format_table(results: dict) -> str:
    stages = results["stage_seconds"]
    per_doc = results["stage_ms_per_doc"]
    lines = [
        f"corpus        {results['corpus']}",
        f"              {results['docs']} documents, {results['words']} words after cleaning; "
        f"{results['paragraphs']} paragraphs, {results['distinct_paragraphs']} distinct "
        f"(each occurs {results['paragraph_repeat']}x); {results['workers']} worker(s)",
        f"whole run     {results['words_per_s']:>10.1f} words/s ({results['run_s']} s)",
        f"bare nlp.pipe {results['bare_words_per_s']:>10.1f} words/s ({results['bare_s']} s, "
        f"n_process={results['workers']})",
        f"ratio         {results['ratio']:>10.3f} (run / bare)",
        f"CPU seconds   {results['run_cpu_s']:>10.1f} run, {results['bare_cpu_s']:.1f} bare: ratio "
        f"{results['cpu_ratio']:.3f} (bare / run; on idle cores the wall ratio is at most this)",
        "stages        " + ", ".join(f"{stage} {seconds:.1f} s ({per_doc[stage]:.1f} ms/doc)"
                                     for stage, seconds in stages.items() if seconds >= 0.05),
        f"peak memory   {results['peak_rss_mb']:>10.1f} MB at {results['docs']} documents, "
        f"{results['peak_rss_mb_tenth']:.1f} MB at {results['docs_tenth']}: ratio {results['rss_ratio']:.3f}",
        f"no-op rerun   {results['noop_rerun_s']:>10.2f} s; empty folder {results['empty_run_s']:.2f} s: "
        f"ratio {results['noop_to_empty_ratio']:.3f}",
    ]
    if results["added_to_full_s"] is not None:
        lines.append(f"{results['added_docs']} new docs  {results['added_to_full_s']:>10.2f} s into the {results['docs']}; "
                     f"{results['added_to_empty_s']:.2f} s into an empty warehouse: ratio {results['added_ratio']:.3f}")
    lines.append(f"load average  {' '.join(map(str, results['load_average'][:3]))} before, "
                 f"{' '.join(map(str, results['load_average'][3:]))} after (1, 5, 15 min)")
    return "\n".join(lines)
