"""The shingle metric on hand-computed examples, and a smoke run of the benchmark on a few pages."""
from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from newsfacts.bench.boilerplate import format_table, run_boilerplate_bench
from newsfacts.bench.shingles import page_score, prf, shingles

BENCHMARK = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "article-extraction"


def test_shingles_are_word_4grams_with_counts():
    assert shingles("a b c d e") == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})
    assert shingles("x y z w x y z w") == Counter(
        {("x", "y", "z", "w"): 2, ("y", "z", "w", "x"): 1, ("z", "w", "x", "y"): 1, ("w", "x", "y", "z"): 1}
    )


def test_short_text_is_one_shingle_and_tokens_are_unicode_words():
    assert shingles("Привет, мир!") == Counter({("Привет", "мир"): 1})
    assert shingles("") == Counter({(): 1})


def test_page_score_normalises_by_all_shingles():
    # predicted "a b c d e" (abcd, bcde), gold "a b c d f" (abcd, bcdf): tp=1, fp=1, fn=1
    score = page_score("a b c d e", "a b c d f")
    assert (score.tp, score.fp, score.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_prf_means_over_pages():
    gold = {"p1": "a b c d e", "p2": "a b c d e f g"}
    predicted = {"p1": "a b c d e", "p2": "a b c d"}  # p1 perfect; p2: tp=1, fp=0, fn=3
    result = prf(predicted, gold)
    assert result["precision"] == pytest.approx(1.0)
    assert result["recall"] == pytest.approx((1.0 + 0.25) / 2)
    assert result["f1"] == pytest.approx(2 * 1.0 * 0.625 / 1.625)


def test_empty_prediction_scores_no_precision_and_zero_recall():
    result = prf({"p": ""}, {"p": "a b c d e"})
    assert result["recall"] == 0.0
    assert result["precision"] == 0.0  # the only page has tp+fp > 0 (the empty shingle) and tp = 0


@pytest.mark.skipif(not BENCHMARK.exists(), reason="benchmark data not present")
def test_bench_smoke_on_a_few_pages(tmp_path):
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    naive = json.loads((BENCHMARK / "html-text.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:4]
    data = tmp_path / "data"
    (data / "html").mkdir(parents=True)
    (data / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}), encoding="utf-8")
    (data / "html-text.json").write_text(
        json.dumps({"version": naive["version"], "output": {k: naive["output"][k] for k in keys}}), encoding="utf-8"
    )
    for key in keys:
        shutil.copy(BENCHMARK / "html" / f"{key}.html.gz", data / "html" / f"{key}.html.gz")

    run = run_boilerplate_bench(data, tmp_path / "out", passes=1)
    results = run["systems"]

    assert set(results) == {"raw", "text", "trafilatura", "trafilatura_no_comments", "html"}
    assert run["pages"] == len(keys) and run["skipped"] == {}
    for system, scores in results.items():
        assert 0.0 <= scores["precision"] <= 1.0 and 0.0 <= scores["recall"] <= 1.0, system
        assert scores["pages_per_s"] > 0
        written = json.loads((tmp_path / "out" / f"{system}.json").read_text(encoding="utf-8"))
        assert set(written) == set(keys) and all("articleBody" in v for v in written.values())
    assert results["text"]["precision"] > results["raw"]["precision"]
    assert results["html"]["f1"] > results["raw"]["f1"]
    assert "text" in format_table(run)
    with gzip.open(data / "html" / f"{keys[0]}.html.gz") as page:
        assert page.read(1)


ARTICLE = ("The council voted on Tuesday to rebuild the old harbour bridge. Work starts in spring and "
           "should take two years, the mayor said. Traders on the quay welcomed the plan.")


def write_page(data: Path, key: str, html: bytes | None, naive: str | None, truth: dict, texts: dict) -> None:
    truth[key] = {"articleBody": ARTICLE, "url": None}
    if naive is not None:
        texts[key] = {"articleBody": naive}
    if html is not None:
        (data / "html" / f"{key}.html.gz").write_bytes(gzip.compress(html))


def test_unreadable_pages_are_skipped_with_a_reason_and_counted(tmp_path):
    data = tmp_path / "data"
    (data / "html").mkdir(parents=True)
    truth: dict = {}
    texts: dict = {}
    page = f"<html><head><title>Bridge</title></head><body><nav>Home</nav><p>{ARTICLE}</p></body></html>"
    write_page(data, "good", page.encode(), f"Home\n\n{ARTICLE}", truth, texts)
    write_page(data, "nul", b"<html><body>\x00\x01 binary</body></html>", "binary", truth, texts)
    write_page(data, "blank", b"   \n", "", truth, texts)
    write_page(data, "no-html", None, ARTICLE, truth, texts)
    write_page(data, "no-text", page.encode(), None, truth, texts)
    (data / "html" / "not-gzip.html.gz").write_bytes(b"<html>plain, not gzip</html>")
    truth["not-gzip"] = {"articleBody": ARTICLE, "url": None}
    texts["not-gzip"] = {"articleBody": ARTICLE}
    (data / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    (data / "html-text.json").write_text(json.dumps({"version": "x", "output": texts}), encoding="utf-8")

    run = run_boilerplate_bench(data, tmp_path / "out", passes=1)

    assert run["pages"] == 1
    assert {key: reason.split(":")[0] for key, reason in run["skipped"].items()} == {
        "nul": "binary", "blank": "empty", "no-html": "missing", "no-text": "missing", "not-gzip": "unreadable"}
    assert run["systems"]["html"]["f1"] > 0.5 and run["systems"]["text"]["f1"] > 0.5
    table = format_table(run)
    assert "1 pages scored, 5 skipped (binary 1, empty 1, missing 2, unreadable 1)" in table
    assert "skipped nul: binary: HTML contains NUL bytes" in table
    written = json.loads((tmp_path / "out" / "html.json").read_text(encoding="utf-8"))
    assert set(written) == {"good"}
