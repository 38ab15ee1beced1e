"""Boilerplate benchmark: our text and HTML cleaners against the naive text and trafilatura.

One process, one machine state: every system is timed on the same pages in the same run, so
pages/s are comparable. The learned line classifier is scored with cross-validation: each page
is cleaned by the fold model that was trained without it (see scripts/train_line_classifier.py).
"""
from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura

from newsfacts.bench.shingles import prf
from newsfacts.clean import classifier
from newsfacts.clean.html import clean_html
from newsfacts.clean.text import clean_text
from newsfacts.clean import repeated_lines
from newsfacts.ingest import decode

SYSTEMS = ("raw", "text", "trafilatura", "html")
# trafilatura alone, with its defaults (the published baseline settings).
TRAFILATURA_OPTIONS: dict = {}


def load_benchmark(data_dir: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """(gold bodies, urls, naive texts, decoded HTML), each keyed by page key."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    naive = json.loads((data_dir / "html-text.json").read_text(encoding="utf-8"))["output"]
    gold = {key: page["articleBody"] for key, page in truth.items()}
    urls = {key: page.get("url") for key, page in truth.items()}
    texts = {key: naive[key]["articleBody"] for key in gold if key in naive}
    html = {key: read_html(data_dir / "html" / f"{key}.html.gz") for key in gold}
    return gold, urls, texts, html


def read_html(path: Path) -> str:
    """Decoded as ingest decodes files, so the bench sees what the pipeline sees."""
    if not path.exists():
        return ""
    text, _charset = decode(gzip.decompress(path.read_bytes()))
    return text


def run_boilerplate_bench(data_dir: Path, out_dir: Path | None = None) -> dict:
    gold, urls, texts, html = load_benchmark(Path(data_dir))
    runners: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
        "raw": lambda pages: dict(pages),
        "text": run_text_cleaner,
        "trafilatura": lambda pages: {key: trafilatura.extract(page, url=urls[key], **TRAFILATURA_OPTIONS) or "" for key, page in pages.items()},
        "html": lambda pages: {key: clean_html(page, key, url=urls[key]).body_text for key, page in pages.items()},
    }
    inputs = {"raw": texts, "text": texts, "trafilatura": html, "html": html}
    results = {}
    for system, run in runners.items():
        pages = inputs[system]
        run(dict([next(iter(pages.items()))]))  # warm-up: one-time loading (models, lists) is not per-page cost
        started = time.perf_counter()
        predicted = run(pages)
        elapsed = time.perf_counter() - started
        results[system] = {**prf(predicted, gold), "pages_per_s": len(predicted) / elapsed if elapsed > 0 else float("inf")}
        if out_dir is not None:
            write_output(Path(out_dir) / f"{system}.json", predicted)
    return results


def run_text_cleaner(texts: dict[str, str]) -> dict[str, str]:
    """Our text path over the naive texts, as a batch (cross-page repeated lines count as evidence),
    each page scored by the classifier fold that did not train on it."""
    repeated = repeated_lines(list(texts.values()))
    return {
        key: clean_text(text, key, repeated, model=classifier.model_for_page(key)).body_text
        for key, text in texts.items()
    }


def write_output(path: Path, predicted: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    output = {key: {"articleBody": body} for key, body in predicted.items()}
    path.write_text(json.dumps(output, ensure_ascii=False, indent=1), encoding="utf-8")


def format_table(results: dict) -> str:
    header = f"{'system':<12} {'precision':>9} {'recall':>7} {'F1':>7} {'pages/s':>9}"
    rows = [
        f"{system:<12} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>7.3f} {r['pages_per_s']:>9.1f}"
        for system, r in results.items()
    ]
    return "\n".join([header, "-" * len(header), *rows])
