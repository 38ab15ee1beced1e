"""Train the HTML path's line classifier on the article-extraction benchmark (MIT licence).

    .venv/bin/python scripts/train_html_classifier.py [--data ../shared/benchmarks/article-extraction]

The same two-stage trees as the text path's classifier (scripts/train_line_classifier.py: labels,
tree settings, out-of-fold stage-1 scores for stage 2), over the lines of each page's markup
blocks (newsfacts.clean.blocks) with the markup features next to the text features: link density,
element, class/id words, and the share of the line trafilatura kept. Input: html/<key>.html.gz
decoded as ingest decodes files; labels from ground-truth.json.

Never train it on the dragnet set (AGPLv3 data): that set only measures it.

Writes src/newsfacts/clean/html_model.json (all pages) and html_model_folds.json (five models,
whole pages held out by GroupKFold, and which page each held out), and prints the
cross-validated F1 of the held-out pages. Deterministic: no shuffling, fixed seeds, one thread.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from train_line_classifier import (  # noqa: E402 (sets OMP_NUM_THREADS before numpy)
    DEFAULT_DATA, FOLDS, THRESHOLD, TREE_PARAMS, Page, body_labels, check_export, page_folds, train_two_stage,
    two_stage_json,
)

import numpy as np  # noqa: E402

from newsfacts.bench.shingles import SHINGLE_SIZE, prf  # noqa: E402
from newsfacts.clean import classifier, features  # noqa: E402
from newsfacts.clean.blocks import blocks_as_lines, markup_features, page_blocks  # noqa: E402
from newsfacts.clean.html import clean_html, extract  # noqa: E402
from newsfacts.clean.text import decide_lines  # noqa: E402
from newsfacts.ingest import UnusableBytes, decode  # noqa: E402


def read_page(data: Path, key: str) -> str | None:
    path = data / "html" / f"{key}.html.gz"
    try:
        return decode(gzip.decompress(path.read_bytes()))[0]
    except (OSError, EOFError, UnusableBytes):
        return None


def build_page(key: str, group: int, html: str, gold: str, url: str | None) -> Page | None:
    lines, line_blocks, _count = blocks_as_lines(page_blocks(html))
    if not lines:
        return None
    decisions = decide_lines(lines, use_classifier=False)
    ruled_out = [decision.rule is not None for decision in decisions]
    extracted = extract(html, url)
    extra = markup_features(lines, line_blocks, (extracted.text or "") if extracted is not None else "")
    X = np.hstack([features.page_features(lines, ruled_out, frozenset(), classifier.title_index(decisions)), extra])
    y = body_labels([line.tokens for line in lines], ruled_out, gold)
    weight = np.sqrt(np.maximum(np.array([len(line.tokens) for line in lines], dtype=float) - SHINGLE_SIZE + 1, 1))
    return Page(key, group, X, y, weight, np.array(ruled_out, dtype=bool))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out-dir", type=Path, default=classifier.HTML_MODEL_PATH.parent)
    args = parser.parse_args(argv)
    if "dragnet" in args.data.resolve().name.lower():
        raise SystemExit("dragnet is AGPLv3 data: measure on it, never train on it")

    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    html = {key: read_page(args.data, key) for key in sorted(truth)}
    pages = [page for group, key in enumerate(sorted(truth)) if html[key] is not None
             for page in [build_page(key, group, html[key], truth[key]["articleBody"], truth[key].get("url"))]
             if page is not None]
    print(f"{len(pages)} pages, {sum(len(p.y) for p in pages)} lines, "
          f"{sum(int((~p.ruled_out).sum()) for p in pages)} training rows", file=sys.stderr)

    held_out, fold_json = {}, []
    for fold, (train, test) in enumerate(page_folds(pages)):
        stage1, stage2 = train_two_stage([pages[i] for i in train])
        fold_json.append(two_stage_json(stage1, stage2))
        held_out.update({pages[i].key: fold for i in test})
        print(f"fold {fold + 1}/{FOLDS} trained", file=sys.stderr)

    stage1, stage2 = train_two_stage(pages)
    full = two_stage_json(stage1, stage2)
    check_export(stage1, full, pages[0].X)

    header = {"format": classifier.FORMAT, "features": classifier.html_feature_names(), "threshold": THRESHOLD,
              "tree_params": TREE_PARAMS, "trained_on": f"{len(pages)} pages of {args.data.name}"}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / classifier.HTML_MODEL_PATH.name).write_text(json.dumps({**header, "model": full}, separators=(",", ":")))
    (args.out_dir / classifier.HTML_FOLDS_PATH.name).write_text(
        json.dumps({**header, "folds": fold_json, "page_folds": held_out}, separators=(",", ":")))
    print(f"wrote {classifier.HTML_MODEL_PATH.name} and {classifier.HTML_FOLDS_PATH.name} in {args.out_dir}",
          file=sys.stderr)
    report_cross_validation(args.data, truth, html, held_out)


def report_cross_validation(data: Path, truth: dict, html: dict, held_out: dict) -> None:
    """F1 of every page cleaned by the fold model that never saw it (the files just written)."""
    classifier.load_model.cache_clear()
    classifier.fold_models.cache_clear()
    predicted = {key: clean_html(html[key], key, truth[key].get("url"), classifier.html_model_for_page(key)).body_text
                 for key in held_out}
    scores = prf(predicted, {key: truth[key]["articleBody"] for key in held_out})
    print(f"cross-validated ({FOLDS} folds, whole pages held out) on {len(held_out)} pages of {data.name}: "
          f"precision {scores['precision']:.3f} recall {scores['recall']:.3f} F1 {scores['f1']:.3f}")


if __name__ == "__main__":
    main()
