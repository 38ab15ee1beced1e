"""The line classifier: two small gradient-boosted tree ensembles, stored as JSON, run with numpy.

Stage 1 scores each line from its own shape and its neighbours' shape (features.page_features);
stage 2 rescores it knowing what stage 1 thinks of its neighbourhood (features.score_context).
Trained by scripts/train_line_classifier.py. `line_model.json` is the model trained on every
benchmark page (what the pipeline uses); `line_model_folds.json` holds the cross-validation
fold models, so the benchmark scores each page with a model that never saw it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsfacts.clean import features
from newsfacts.clean.lines import Line

MODEL_PATH = Path(__file__).with_name("line_model.json")
FOLDS_PATH = Path(__file__).with_name("line_model_folds.json")
FORMAT = "newsfacts-line-classifier/1"


@dataclass(frozen=True)
class Trees:
    """A boosted ensemble: raw score = baseline + sum of one leaf value per tree.

    All trees' nodes sit in flat arrays; `roots` holds each tree's first node. A split sends
    x[feature] <= threshold to children[node, 1], else to children[node, 0]; a leaf is its own
    child, so walking `depth` steps from every root lands each row on its leaf in every tree."""

    baseline: float
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    children: np.ndarray  # (nodes, 2): [right, left]
    value: np.ndarray
    depth: int

    def probability(self, X: np.ndarray) -> np.ndarray:
        n_rows, n_features = X.shape
        flat_x = np.ascontiguousarray(X, dtype=np.float64).ravel()
        row_offset = (np.arange(n_rows) * n_features)[:, None]
        node = self.roots  # one row for all: the first step broadcasts it to (rows, trees)
        flat_children = self.children.ravel()
        for _ in range(self.depth):  # ndarray.take: much faster than fancy indexing on small arrays
            go_left = flat_x.take(row_offset + self.feature.take(node)) <= self.threshold.take(node)
            node = flat_children.take(2 * node + go_left)
        raw = self.baseline + np.broadcast_to(self.value.take(node), (n_rows, len(self.roots))).sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


@dataclass(frozen=True)
class LineModel:
    stage1: Trees
    stage2: Trees
    threshold: float  # body when P(body) >= threshold


def trees_from_json(data: dict) -> Trees:
    """`trees`: one list of [feature, threshold, left, right, value] nodes per tree; a leaf has
    left = right = -1 and its value, child indices count from the tree's first node."""
    roots, feature, threshold, left, right, value = [], [], [], [], [], []
    for tree in data["trees"]:
        offset = len(feature)
        roots.append(offset)
        for k, (feat, thr, lo, hi, val) in enumerate(tree):
            leaf = lo < 0
            feature.append(0 if leaf else feat)
            threshold.append(thr)
            left.append(offset + (k if leaf else lo))
            right.append(offset + (k if leaf else hi))
            value.append(val if leaf else 0.0)
    return Trees(
        float(data["baseline"]),
        np.array(roots, np.int64),
        np.array(feature, np.int64),
        np.array(threshold, np.float64),
        np.column_stack([right, left]).astype(np.int64),
        np.array(value, np.float64),
        int(data["depth"]),
    )


def model_from_json(data: dict, threshold: float) -> LineModel:
    return LineModel(trees_from_json(data["stage1"]), trees_from_json(data["stage2"]), threshold)


@lru_cache(maxsize=1)
def shipped_model() -> LineModel | None:
    if not MODEL_PATH.exists():
        return None
    data = json.loads(MODEL_PATH.read_text())
    if data.get("format") != FORMAT or data.get("features") != features.feature_names():
        raise ValueError(f"{MODEL_PATH.name} does not match this code's features: retrain it")
    return model_from_json(data["model"], data["threshold"])


@lru_cache(maxsize=1)
def fold_models() -> tuple[dict[str, int], list[LineModel]]:
    """(page key -> fold, fold models); empty when the fold file is absent."""
    if not FOLDS_PATH.exists():
        return {}, []
    data = json.loads(FOLDS_PATH.read_text())
    return data["page_folds"], [model_from_json(fold, data["threshold"]) for fold in data["folds"]]


def model_for_page(key: str) -> LineModel | None:
    """The fold model trained without this benchmark page; the shipped model for any other page."""
    page_folds, models = fold_models()
    if key in page_folds:
        return models[page_folds[key]]
    return shipped_model()


def title_index(decisions: list) -> int:
    """The line the rules took for the title; else the first line (a page's <title>)."""
    return next((i for i, decision in enumerate(decisions) if decision.rule == "title"), 0)


def body_probability(
    model: LineModel, lines: list[Line], ruled_out: list[bool], repeated: frozenset[str], title: int = 0
) -> np.ndarray:
    """P(body) for each of `lines` (the page's non-blank lines, in order); 0 for lines a rule
    removed (they are context for the others, never scored). `title`: index of the title line."""
    X = features.page_features(lines, ruled_out, repeated, title)
    open_rows = ~np.array(ruled_out, dtype=bool)
    first = np.zeros(len(lines))
    first[open_rows] = model.stage1.probability(X[open_rows])
    context = features.score_context(first, ~open_rows, X[:, 0])
    result = np.zeros(len(lines))
    result[open_rows] = model.stage2.probability(np.hstack([X[open_rows], context[open_rows]]))
    return result


def mark_by_classifier(lines: list[Line], decisions: list, model: LineModel | None, repeated: frozenset[str] = frozenset()) -> None:
    """Lines no rule decided become body or `classifier` boilerplate (score = P(boilerplate)).
    Lines a context rule kept (decision.keep) are scored as context but stay body."""
    if model is None or not lines:
        return
    ruled_out = [decision.rule is not None for decision in decisions]
    probability = body_probability(model, lines, ruled_out, repeated, title_index(decisions))
    removed = [
        not ruled and not decision.keep and p < model.threshold
        for decision, ruled, p in zip(decisions, ruled_out, probability)
    ]
    if all(removed[i] or ruled_out[i] for i in range(len(lines))):
        # Nothing would be left: the page is too unlike the training pages for the classifier (a
        # one-paragraph text, say). Its prose lines are the best guess at the article.
        removed = [gone and not line.sentence for gone, line in zip(removed, lines)]
    for decision, gone, p in zip(decisions, removed, probability):
        if gone:
            decision.rule, decision.score = "classifier", round(float(1.0 - p), 4)
