"""The benchmark commands run and report what they promise (no timing assertions: the figures
are ratios measured in one run, reported by the commands, not asserted here)."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from newsfacts.bench import extract_speed
from newsfacts.cli import app

runner = CliRunner()


def test_quotes_bench_scores_textacy_and_ours_on_the_same_gold(samples_dir, gold_path):
    result = runner.invoke(app, ["bench", "quotes", "--raw", str(samples_dir), "--gold", str(gold_path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(scores) == {"textacy", "newsfacts"}
    for system in scores.values():
        assert 0 <= system["quotes_recall"] <= 1 and 0 <= system["speaker_accuracy"] <= 1
    assert scores["newsfacts"]["quotes_recall"] > scores["textacy"]["quotes_recall"]
    assert scores["newsfacts"]["speaker_accuracy"] > scores["textacy"]["speaker_accuracy"]


def test_extract_speed_reports_both_rates_on_the_same_words(samples_dir):
    results = extract_speed.run_extract_speed(samples_dir, rounds=1, min_words=1)
    assert results["words"] > 1000 and results["documents"] == 5
    assert results["bare_nlp_pipe_words_per_s"] > 0 and results["extract_words_per_s"] > 0
    assert 0 < results["extract_to_bare_ratio"] <= 1.5
    assert "ner" in results["pipeline"] and "parser" in results["pipeline"]
