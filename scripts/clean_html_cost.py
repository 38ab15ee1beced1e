"""CPU a page of the HTML path at a git revision and in this tree, on the same pages in one process,
and which fields of the cleaned documents differ. Usage:

    python scripts/clean_html_cost.py REV corpus article-extraction dragnet

`corpus`: 300 documents of `newsfacts bench scale`'s unique corpus (written to a temporary folder);
any other name is a folder of ../shared/benchmarks, scored against its gold as `bench boilerplate` does.
Each version cleans every page twice (htmldate's date cache emptied before each pass), after one
untimed pass over the first set that warms the process up (dateparser); language ID is
timed on the bodies, over the first READ_CHARS characters (this tree) and over the whole body.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import htmldate.extractors

from newsfacts import language
from newsfacts.bench.boilerplate import load_benchmark
from newsfacts.bench.scale import benchmark_pages, write_corpus
from newsfacts.bench.shingles import prf
from newsfacts.clean import html as current

BENCHMARKS = Path("../shared/benchmarks")
CORPUS_DOCS = 300


def module_at(revision: str):
    """src/newsfacts/clean/html.py as it was at `revision`, importable beside this tree's (with its
    trafilatura_steps.py of that revision where it has one)."""
    source = source_at(revision, "html.py")
    steps = source_at(revision, "trafilatura_steps.py")
    if steps is not None:
        load_module("trafilatura_steps_at_revision", steps)
        source = source.replace("from newsfacts.clean.trafilatura_steps import",
                                "from trafilatura_steps_at_revision import")
    return load_module("html_at_revision", source)


def source_at(revision: str, name: str) -> str | None:
    shown = subprocess.run(["git", "show", f"{revision}:src/newsfacts/clean/{name}"], capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def load_module(name: str, source: str):
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def page_sets(names: list[str]):
    for name in names:
        if name == "corpus":
            folder = write_corpus(benchmark_pages(BENCHMARKS / "article-extraction"), range(CORPUS_DOCS),
                                  Path(tempfile.mkdtemp()) / "corpus")
            yield name, {path.name: path.read_text() for path in sorted(folder.glob("*.html"))}, {}, None
        else:
            bench = load_benchmark(BENCHMARKS / name)
            yield name, bench.html, bench.urls, bench.gold


def fields(doc) -> list:
    return [doc.body_text, doc.title, doc.site_name, doc.url, doc.published_date, doc.published_text,
            [(line.line_no, line.text, line.rule) for line in doc.removed_lines]]


def timed_pass(module, pages: dict, urls: dict) -> tuple[dict, float]:
    htmldate.extractors.try_date_expr.cache_clear()
    start = time.process_time()
    docs = {key: module.clean_html(page, key, url=urls.get(key)) for key, page in pages.items()}
    return docs, (time.process_time() - start) / len(pages) * 1000


def whole_body_language(text: str) -> str:
    return language.identifier().classify(text)[0] if language.WORD.search(text) else language.UNDETERMINED


def ms_per_text(identify, texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        identify(text)
    return (time.process_time() - start) / len(texts) * 1000


def main(revision: str, names: list[str]) -> None:
    before = module_at(revision)
    warm_up = "<html><body><p>A short page that loads every module once.</p></body></html>"
    before.clean_html(warm_up), current.clean_html(warm_up), language.identify("warm up")
    warmed = False
    for name, pages, urls, gold in page_sets(names):
        if not warmed:  # htmldate's first dateparser calls compile its patterns (seconds, once a process)
            timed_pass(before, pages, urls)
            warmed = True
        old, old_ms = timed_pass(before, pages, urls)
        new, new_ms = timed_pass(current, pages, urls)
        _, old_ms2 = timed_pass(before, pages, urls)
        _, new_ms2 = timed_pass(current, pages, urls)
        differ = [sum(fields(old[key])[i] != fields(new[key])[i] for key in pages) for i in range(7)]
        bodies = [doc.body_text for doc in new.values()]
        result = {"set": name, "pages": len(pages), "ms_before": round((old_ms + old_ms2) / 2, 2),
                  "ms_after": round((new_ms + new_ms2) / 2, 2),
                  "ratio": round((new_ms + new_ms2) / (old_ms + old_ms2), 3),
                  "differ": dict(zip(["body", "title", "site", "url", "date", "date_text", "removed"], differ)),
                  "language_ms_whole_body": round(ms_per_text(whole_body_language, bodies), 3),
                  "language_ms": round(ms_per_text(language.identify, bodies), 3)}
        if gold:
            for label, docs in (("f1_before", old), ("f1_after", new)):
                result[label] = round(prf({key: doc.body_text for key, doc in docs.items()}, gold)["f1"], 4)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
