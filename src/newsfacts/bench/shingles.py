"""Word 4-gram shingle precision/recall/F1, the article-extraction benchmark's metric.

Each page is scored on its own (tp, fp, fn normalised by tp+fp+fn) so every page weighs the
same; precision and recall are means over pages, F1 the harmonic mean of those two means.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE_SIZE = 4


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text or "")


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter:
    """Multiset of word n-grams; a text shorter than `size` tokens is a single shingle."""
    tokens = tokenize(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_score(predicted: str, gold: str) -> PageScore:
    pred, true = shingles(predicted), shingles(gold)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


def page_precision(score: PageScore) -> float | None:
    if score.fp == 0 and score.fn == 0:
        return 1.0
    return score.tp / (score.tp + score.fp) if score.tp + score.fp > 0 else None


def page_recall(score: PageScore) -> float | None:
    if score.fp == 0 and score.fn == 0:
        return 1.0
    return score.tp / (score.tp + score.fn) if score.tp + score.fn > 0 else None


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def harmonic_mean(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b > 0 else 0.0


def prf(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Mean precision, mean recall and their F1 over the gold pages (a missing prediction is "")."""
    scores = [page_score(predicted.get(key, ""), text) for key, text in gold.items()]
    precisions = [p for p in map(page_precision, scores) if p is not None]
    recalls = [r for r in map(page_recall, scores) if r is not None]
    precision, recall = mean(precisions), mean(recalls)
    return {"precision": precision, "recall": recall, "f1": harmonic_mean(precision, recall)}
