"""Boilerplate benchmark: our text and HTML cleaners against the naive text and trafilatura.

One process, one machine state: every system is timed on the same pages in the same run, so
pages/s are comparable. The systems take turns block by block (pages 1-20 by every system, then
pages 21-40, ...): a shared machine whose speed drifts from second to second slows every system
alike, so the ratios between their speeds hold, while each system still runs a stretch of pages
in a row as it would in a batch (turns page by page would make every page start with caches
full of the other systems' data). A batch step (the text path's cross-page repeated lines) is
timed too. Before timing, each system cleans one page untimed: one-time loading of models and
word lists is not a per-page cost. Nothing caches results between pages or passes.

The learned line classifier is scored with cross-validation: each page of the set it was trained
on is cleaned by the fold model that was trained without it (see scripts/train_line_classifier.py);
any other set's pages (dragnet, which it never saw) by the shipped model.

A page the pipeline could not read (its HTML or naive text empty, binary, undecodable, or not
there) is skipped with the reason ingest gives, for every system alike, and counted in the result.
"""
from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from newsfacts.bench.shingles import prf
from newsfacts.clean import classifier, repeated_lines
from newsfacts.clean.html import clean_html
from newsfacts.clean.text import clean_text
from newsfacts.ingest import UnusableBytes, decode

SYSTEMS = ("raw", "text", "trafilatura", "trafilatura_no_comments", "html")
# trafilatura alone, with its defaults (the published baseline settings) ...
TRAFILATURA_OPTIONS: dict = {}
# ... and with reader comments left out: its fair setting where the gold leaves comments out.
TRAFILATURA_NO_COMMENTS: dict = {"include_comments": False}
PASSES = 2  # whole runs over the benchmark; the predictions of every pass are the same
BLOCK = 20  # pages a system cleans in a row before the next system takes its turn


@dataclass(frozen=True)
class System:
    inputs: dict[str, str]  # page key -> what the system reads (naive text or HTML)
    clean: Callable[[str, str, object], str]  # (key, page, batch context) -> article body
    prepare: Callable[[dict[str, str]], object] = lambda pages: None  # batch step -> context


@dataclass
class Benchmark:
    gold: dict[str, str]  # page key -> article body, for the pages every system reads
    urls: dict[str, str | None]
    texts: dict[str, str]  # naive text (html-text.json)
    html: dict[str, str]  # decoded as ingest decodes files
    skipped: dict[str, str]  # page key -> why the page was not read (as ingest_errors says it)


def load_benchmark(data_dir: Path) -> Benchmark:
    """The benchmark's pages; a page whose HTML or naive text the pipeline would refuse is skipped."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    naive = json.loads((data_dir / "html-text.json").read_text(encoding="utf-8"))["output"]
    bench = Benchmark({}, {}, {}, {}, {})
    for key, page in truth.items():
        try:
            html = read_html(data_dir / "html" / f"{key}.html.gz")
            text = read_naive_text(naive.get(key))
        except UnreadablePage as exc:
            bench.skipped[key] = str(exc)
            continue
        bench.gold[key], bench.urls[key] = page["articleBody"], page.get("url")
        bench.texts[key], bench.html[key] = text, html
    return bench


class UnreadablePage(ValueError):
    """reason: detail, as ingest records a file it cannot use."""


def read_html(path: Path) -> str:
    """Decoded as ingest decodes files, so the bench sees what the pipeline sees."""
    try:
        data = gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        raise UnreadablePage(f"missing: no {path.name}") from None
    except (OSError, EOFError) as exc:  # not gzip, or cut short
        raise UnreadablePage(f"unreadable: {path.name}: {exc}") from None
    return decode_page(data, "HTML")


def read_naive_text(entry: dict | None) -> str:
    if not entry or not isinstance(entry.get("articleBody"), str):
        raise UnreadablePage("missing: no naive text in html-text.json")
    return decode_page(entry["articleBody"].encode("utf-8", "surrogatepass"), "naive text")


def decode_page(data: bytes, what: str) -> str:
    try:
        text, _charset = decode(data)
    except UnusableBytes as exc:
        raise UnreadablePage(f"{exc.reason}: {what} {exc.detail}") from None
    return text


def bench_systems(urls: dict[str, str], texts: dict[str, str], html: dict[str, str]) -> dict[str, System]:
    return {
        "raw": System(texts, lambda key, page, _: page),
        # a batch: lines repeated across pages are evidence of site furniture
        "text": System(texts, clean_text_page, lambda pages: repeated_lines(list(pages.values()))),
        "trafilatura": System(
            html, lambda key, page, _: trafilatura.extract(page, url=urls[key], **TRAFILATURA_OPTIONS) or ""
        ),
        "trafilatura_no_comments": System(
            html, lambda key, page, _: trafilatura.extract(page, url=urls[key], **TRAFILATURA_NO_COMMENTS) or ""
        ),
        "html": System(html, lambda key, page, _: clean_html(page, key, url=urls[key]).body_text),
    }


def run_boilerplate_bench(data_dir: Path, out_dir: Path | None = None, passes: int = PASSES) -> dict:
    """{"systems": {system: {precision, recall, f1, pages_per_s}} for SYSTEMS, "pages": pages scored,
    "skipped": {page key: reason}}; with `out_dir`, each system's bodies go to out_dir/<system>.json."""
    bench = load_benchmark(Path(data_dir))
    gold = bench.gold
    systems = bench_systems(bench.urls, bench.texts, bench.html)
    if not gold:
        raise ValueError(f"no readable pages in {data_dir} ({len(bench.skipped)} skipped)")
    for system in systems.values():  # warm-up, untimed
        key, page = next(iter(system.inputs.items()))
        system.clean(key, page, system.prepare({key: page}))
    elapsed = dict.fromkeys(systems, 0.0)
    predicted: dict[str, dict[str, str]] = {name: {} for name in systems}
    keys = list(gold)
    for _ in range(passes):
        contexts = {}
        for name, system in systems.items():
            started = time.perf_counter()
            contexts[name] = system.prepare(system.inputs)
            elapsed[name] += time.perf_counter() - started
        for block in (keys[i : i + BLOCK] for i in range(0, len(keys), BLOCK)):
            for name, system in systems.items():  # every system in turn on the same block
                context, out = contexts[name], predicted[name]
                started = time.perf_counter()
                for key in block:
                    if key in system.inputs:
                        out[key] = system.clean(key, system.inputs[key], context)
                elapsed[name] += time.perf_counter() - started
    results = {}
    for name, system in systems.items():
        pages = passes * len(system.inputs)
        results[name] = {**prf(predicted[name], gold), "pages_per_s": pages / elapsed[name] if elapsed[name] > 0 else float("inf")}
        if out_dir is not None:
            write_output(Path(out_dir) / f"{name}.json", predicted[name])
    return {"systems": results, "pages": len(gold), "skipped": bench.skipped}


def clean_text_page(key: str, text: str, repeated: frozenset[str]) -> str:
    """Our text path on one benchmark page, scored by the classifier fold that did not train on it."""
    return clean_text(text, key, repeated, model=classifier.model_for_page(key)).body_text


def run_text_cleaner(texts: dict[str, str]) -> dict[str, str]:
    """Our text path over the naive texts as one batch (cross-page repeated lines count as evidence)."""
    repeated = repeated_lines(list(texts.values()))
    return {key: clean_text_page(key, text, repeated) for key, text in texts.items()}


def write_output(path: Path, predicted: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    output = {key: {"articleBody": body} for key, body in predicted.items()}
    path.write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")


def format_table(results: dict) -> str:
    header = f"{'system':<24} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>9}"
    rows = [
        f"{system:<24} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>7.3f} {r['pages_per_s']:>9.1f}"
        for system, r in results["systems"].items()
    ]
    lines = [header, "-" * len(header), *rows, f"{results['pages']} pages scored, {len(results['skipped'])} skipped"]
    reasons = Counter(reason.split(":")[0] for reason in results["skipped"].values())
    if reasons:
        lines[-1] += " (" + ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items())) + ")"
    lines += [f"  skipped {key}: {reason}" for key, reason in sorted(results["skipped"].items())]
    return "\n".join(lines)
