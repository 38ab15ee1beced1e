"""Train the text path's line classifier on the article-extraction benchmark.

    .venv/bin/python scripts/train_line_classifier.py [--data ../shared/benchmarks/article-extraction]

Inputs: each page's naive text (html-text.json) and its ground-truth article (ground-truth.json).
A line is labelled body when at least half of its words are covered by word 4-grams of the ground
truth, the 4-grams read across line ends over the lines no rule removed (so a menu item "World"
is not body just because the article uses the word). Lines the general rules already remove are
not training rows (the classifier never sees them) but stay in every page as context. Every page
is used in three views (see `variants`): as html-text gives it, without blank lines, and cut down
to the article with a few lines around it; all views of a page sit in the same fold.

Writes, next to the code that loads them:
- src/newsfacts/clean/line_model.json: stage 1 + stage 2 trained on all pages (the pipeline's model);
- src/newsfacts/clean/line_model_folds.json: the same trained 5 times with whole pages held out
  (GroupKFold by page) and which page each fold held out, for the benchmark's held-out scores.
  The benchmark scores each page with the fold model that never saw it.
Stage 2 learns from stage-1 scores that are themselves out-of-fold (an inner GroupKFold), so it
sees the kind of scores stage 1 gives unseen pages. Deterministic: no shuffling, fixed seeds.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # a shared 2-core machine: train on one core

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from newsfacts.bench.shingles import SHINGLE_SIZE, shingles  # noqa: E402
from newsfacts.clean import classifier, features, repeated_lines  # noqa: E402
from newsfacts.clean.lines import LINE_BREAK  # noqa: E402
from newsfacts.clean.text import decide_lines, split_lines  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "article-extraction"
FOLDS = 5
SEED = 0
THRESHOLD = 0.5  # P(body) cut: the natural one, not tuned on the scores
TREE_PARAMS = {
    "max_iter": 40,
    "max_leaf_nodes": 8,
    "max_depth": 4,  # shallow trees: fewer steps for the numpy walk at run time
    "learning_rate": 0.2,
    "early_stopping": False,
    "random_state": SEED,
}


@dataclass
class Page:
    key: str
    group: int  # the benchmark page it comes from: every variant of a page sits in the same fold
    X: np.ndarray  # stage-1 features, one row per non-blank line
    y: np.ndarray  # 1 = body
    weight: np.ndarray  # sqrt of the line's shingle count: the metric counts shingles
    ruled_out: np.ndarray  # already removed by a rule (not a training row)


def body_labels(token_lists: list[list[str]], ruled_out: list[bool], gold: str) -> np.ndarray:
    """1 for a line when at least half of its words are covered by word 4-grams of the ground truth,
    the 4-grams read across line ends over the lines no rule removed (the text the classifier's
    output is made of). A short line thus counts as body only in its place in the article, not
    wherever its word or two occur in the ground truth (a menu item "World" is not body because
    the article says "world")."""
    gold_shingles = set(shingles(gold))
    stream: list[str] = []
    owner: list[int] = []
    for i, tokens in enumerate(token_lists):
        if not ruled_out[i]:
            stream += tokens
            owner += [i] * len(tokens)
    covered = np.zeros(len(stream), dtype=bool)
    for start in range(len(stream) - SHINGLE_SIZE + 1):
        if tuple(stream[start : start + SHINGLE_SIZE]) in gold_shingles:
            covered[start : start + SHINGLE_SIZE] = True
    if len(stream) < SHINGLE_SIZE and stream and tuple(stream) in shingles(gold):
        covered[:] = True
    words = np.bincount(np.array(owner, dtype=np.int64), minlength=len(token_lists))
    hits = np.bincount(np.array(owner, dtype=np.int64), weights=covered, minlength=len(token_lists))
    return ((words > 0) & (2 * hits >= words)).astype(np.int64)


def variants(text: str, gold: str, repeated: frozenset[str], group: int) -> list[str]:
    """Three views of a page, so the classifier works on the texts the pipeline gets as well as on
    html-text's: the page as html-text gives it (blank lines between blocks); the page with no
    blank lines at all, as many plain-text sources come; and the article with only a few lines of
    page furniture around it (0 to 5, by page), as text copied from a page comes."""
    collapsed = "\n".join(line for line in LINE_BREAK.split(text) if line.strip())
    views = [text, collapsed]
    crop = cropped(text if group % 2 else collapsed, gold, repeated, margin=group % 6)
    if crop:
        views.append(crop)
    return views


def cropped(text: str, gold: str, repeated: frozenset[str], margin: int) -> str:
    """The text from `margin` non-blank lines before the first body line to `margin` after the last."""
    lines, _count = split_lines(text)
    ruled_out = [decision.rule is not None for decision in decide_lines(lines, repeated, use_classifier=False)]
    body = np.flatnonzero(body_labels([line.tokens for line in lines], ruled_out, gold))
    if not len(body):
        return ""
    first, last = max(int(body[0]) - margin, 0), min(int(body[-1]) + margin, len(lines) - 1)
    return "\n".join(LINE_BREAK.split(text)[lines[first].no - 1 : lines[last].no])


def build_page(key: str, group: int, text: str, gold: str, repeated: frozenset[str]) -> Page:
    lines, _count = split_lines(text)
    decisions = decide_lines(lines, repeated, use_classifier=False)
    ruled_out = [decision.rule is not None for decision in decisions]
    X = features.page_features(lines, ruled_out, repeated, classifier.title_index(decisions))
    y = body_labels([line.tokens for line in lines], ruled_out, gold)
    weight = np.sqrt(np.maximum(np.array([len(line.tokens) for line in lines], dtype=float) - SHINGLE_SIZE + 1, 1))
    return Page(key, group, X, y, weight, np.array(ruled_out, dtype=bool))


def fit_trees(pages: list[Page], matrices: list[np.ndarray]) -> HistGradientBoostingClassifier:
    rows = [~page.ruled_out for page in pages]
    model = HistGradientBoostingClassifier(**TREE_PARAMS)
    model.fit(
        np.vstack([m[r] for m, r in zip(matrices, rows)]),
        np.concatenate([page.y[r] for page, r in zip(pages, rows)]),
        sample_weight=np.concatenate([page.weight[r] for page, r in zip(pages, rows)]),
    )
    return model


def stage2_matrix(page: Page, stage1_probability: np.ndarray) -> np.ndarray:
    return np.hstack([page.X, features.score_context(stage1_probability, page.ruled_out, page.X[:, 0])])


def page_folds(pages: list[Page]):
    """GroupKFold over benchmark pages: (train, test) index arrays into `pages`, no page's variants
    on both sides. Deterministic (no shuffling)."""
    groups = np.array([page.group for page in pages])
    return GroupKFold(n_splits=FOLDS).split(groups, groups=groups)


def out_of_fold_stage1(pages: list[Page]) -> list[np.ndarray]:
    """Stage-1 P(body) for every page from a model trained on the other pages' folds."""
    result: list[np.ndarray] = [np.empty(0)] * len(pages)
    for train, test in page_folds(pages):
        model = fit_trees([pages[i] for i in train], [pages[i].X for i in train])
        for i in test:
            result[i] = model.predict_proba(pages[i].X)[:, 1]
    return result


def train_two_stage(pages: list[Page]) -> tuple[HistGradientBoostingClassifier, HistGradientBoostingClassifier]:
    stage1 = fit_trees(pages, [page.X for page in pages])
    oof = out_of_fold_stage1(pages)
    stage2 = fit_trees(pages, [stage2_matrix(page, p) for page, p in zip(pages, oof)])
    return stage1, stage2


def trees_to_json(model: HistGradientBoostingClassifier) -> dict:
    trees = []
    depth = 0
    for (predictor,) in model._predictors:  # one tree per boosting round (binary task)
        nodes = predictor.nodes
        depth = max(depth, int(nodes["depth"].max()))
        trees.append(
            [
                [int(node["feature_idx"]), float(node["num_threshold"]), -1, -1, float(node["value"])]
                if node["is_leaf"]
                else [int(node["feature_idx"]), float(node["num_threshold"]), int(node["left"]), int(node["right"]), 0.0]
                for node in nodes
            ]
        )
    return {"baseline": float(np.ravel(model._baseline_prediction)[0]), "depth": depth, "trees": trees}


def two_stage_json(stage1, stage2) -> dict:
    return {"stage1": trees_to_json(stage1), "stage2": trees_to_json(stage2)}


def check_export(stage1: HistGradientBoostingClassifier, exported: dict, X: np.ndarray) -> None:
    """The numpy evaluator must reproduce scikit-learn's probabilities."""
    ours = classifier.trees_from_json(exported["stage1"]).probability(X)
    theirs = stage1.predict_proba(X)[:, 1]
    if not np.allclose(ours, theirs, atol=1e-9):
        raise SystemExit(f"exported trees disagree with scikit-learn (max diff {np.abs(ours - theirs).max()})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out-dir", type=Path, default=classifier.MODEL_PATH.parent)
    args = parser.parse_args(argv)

    truth = json.loads((args.data / "ground-truth.json").read_text(encoding="utf-8"))
    naive = json.loads((args.data / "html-text.json").read_text(encoding="utf-8"))["output"]
    keys = sorted(key for key in truth if key in naive)
    texts = {key: naive[key]["articleBody"] for key in keys}
    repeated = repeated_lines(list(texts.values()))
    pages = [
        build_page(key, group, variant, truth[key]["articleBody"], repeated)
        for group, key in enumerate(keys)
        for variant in variants(texts[key], truth[key]["articleBody"], repeated, group)
    ]
    print(f"{len(keys)} pages ({len(pages)} with variants), {sum(len(p.y) for p in pages)} lines, "
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

    header = {"format": classifier.FORMAT, "features": features.feature_names(), "threshold": THRESHOLD,
              "tree_params": TREE_PARAMS, "trained_on": f"{len(pages)} pages of {args.data.name}"}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / classifier.MODEL_PATH.name).write_text(json.dumps({**header, "model": full}, separators=(",", ":")))
    (args.out_dir / classifier.FOLDS_PATH.name).write_text(
        json.dumps({**header, "folds": fold_json, "page_folds": held_out}, separators=(",", ":"))
    )
    print(f"wrote {classifier.MODEL_PATH.name} and {classifier.FOLDS_PATH.name} in {args.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
