"""The benchmark commands run and report what they promise (no timing assertions: the figures
are ratios measured in one run, reported by the commands, not asserted here)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsfacts.bench import extract_speed
from newsfacts.cli import app

runner = CliRunner()
BENCHMARK = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "article-extraction"


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


def test_wire_copy_corpus_documents_differ_in_bytes_while_bodies_repeat(tmp_path):
    from newsfacts.bench import scale

    pages = ["<html><body><nav>Home</nav><p>" + "Storm news from the coast of an invented land. " * 3 + "</p></body></html>",
             "<html><body><div>no paragraphs here</div></body></html>"]
    scale.write_corpus(pages, range(6), tmp_path, unique=False)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 6 and len({f.read_bytes() for f in files}) == 6
    first = files[0].read_text()
    assert first.index("(Dispatch 0)") < first.index("Storm news") and first.index("<nav>") < first.index("(Dispatch 0)")
    assert "<body><p>" in files[1].read_text()  # no prose paragraph: the lead opens the body
    assert len({scale.invented_lead(n) for n in range(500)}) == 500


def test_unique_corpus_gives_every_paragraph_of_every_copy_its_own_sentence(tmp_path):
    from newsfacts.bench import scale

    story = "<p>" + "Storm news from the coast of an invented land. " * 3 + "</p>"
    page = f"<html><head><title>t</title></head><body><h2>Storm</h2>{story}<p>The ferry stopped.</p><ul><li>Roads</li></ul></body></html>"
    scale.write_corpus([page], range(4), tmp_path)
    texts = [path.read_text() for path in sorted(tmp_path.iterdir())]
    blocks = [re.findall(r"<(?:p|h2|li)>([^<]*)", text) for text in texts]
    assert all(len(found) == 5 for found in blocks)  # the lead and the page's four blocks
    every = [block for found in blocks for block in found]
    assert len(set(every)) == len(every)  # no block of text in two documents, or twice in one
    assert all("Storm news from the coast" in text for text in texts)  # the page's own text is kept
    counts = scale.paragraph_counts(["One.\n\nTwo.\n\nOne.\n\n", "Two.\n\nThree."])
    assert counts == {"paragraphs": 5, "distinct_paragraphs": 3, "paragraph_repeat": 1.67}


@pytest.mark.e2e
def test_scale_bench_reports_every_figure_of_one_run(tmp_path):
    if not BENCHMARK.exists():
        pytest.skip("../shared/benchmarks/article-extraction is not beside the checkout")
    result = runner.invoke(app, ["bench", "scale", "--docs", "20", "--workers", "2", "--data", str(BENCHMARK), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {"words_per_s", "bare_words_per_s", "ratio", "peak_rss_mb", "peak_rss_mb_tenth", "rss_ratio",
            "noop_rerun_s", "empty_run_s"} <= set(figures)
    assert figures["docs"] == 20 and figures["docs_tenth"] == 2 and figures["workers"] == 2
    assert figures["words"] > 20 * 100
    assert figures["words_per_s"] > 0 and figures["bare_words_per_s"] > 0 and figures["ratio"] > 0
    # the run's CPU seconds count its workers and Prefect server: more than parsing alone costs
    assert figures["run_cpu_s"] > figures["bare_cpu_s"] > 0
    assert figures["cpu_ratio"] == pytest.approx(figures["bare_cpu_s"] / figures["run_cpu_s"], rel=0.02)
    assert figures["paragraph_repeat"] < 1.2 and figures["corpus"].startswith("unique news")
    assert figures["stage_seconds"]["extract"] > 0 and figures["stage_ms_per_doc"]["extract"] > 0
    assert figures["peak_rss_mb_tenth"] > 100 and figures["peak_rss_mb"] > 100
    assert figures["rss_ratio"] == pytest.approx(figures["peak_rss_mb"] / figures["peak_rss_mb_tenth"], rel=0.01)
    assert figures["noop_rerun_s"] > 0 and figures["empty_run_s"] > 0
    assert figures["added_docs"] == 20 and figures["added_to_full_s"] > 0 and figures["added_to_empty_s"] > 0
    assert figures["added_ratio"] == pytest.approx(figures["added_to_full_s"] / figures["added_to_empty_s"], rel=0.01)


def test_scale_bench_on_a_raw_folder_takes_its_first_articles_and_the_next_as_added(tmp_path):
    from newsfacts.bench import scale

    source = tmp_path / "source"
    (source / "day2").mkdir(parents=True)
    for number in range(25):
        folder = source / "day2" if number % 2 else source
        (folder / f"story-{number:02d}.txt").write_text(f"Report {number} from the invented port of Velmont.\n")
    (source / ".hidden.txt").write_text("not an article")
    folders = {name: tmp_path / f"raw-{name}" for name in ("full", "tenth", "empty", "added")}
    corpus = scale.write_folders(folders, tmp_path / "no-benchmark", 10, source, wire_copy=False)
    assert corpus["docs"] == 10 and corpus["docs_tenth"] == 1 and corpus["added"] == 15
    full = sorted(path.read_text() for path in folders["full"].iterdir())
    added = sorted(path.read_text() for path in folders["added"].iterdir())
    assert len(full) == 10 and len(added) == 15 and not set(full) & set(added)
    assert len(list(folders["tenth"].iterdir())) == 1 and not list(folders["empty"].iterdir())


def test_story_bench_compares_a_new_document_with_as_many_documents_at_n_as_at_10n(monkeypatch):
    from newsfacts.bench import story_scale

    monkeypatch.setattr(story_scale, "VOCABULARY", 5000)  # a small corpus: the test measures counts, not speed
    result = story_scale.run(60)
    assert (result["at_n"]["stored"], result["at_10n"]["stored"]) == (60, 600)
    small, large = result["at_n"]["comparisons_per_new_document"], result["at_10n"]["comparisons_per_new_document"]
    assert 0 < large <= stories_cap() and large <= 2 * max(small, 1)
    assert "ms / new document" in story_scale.format_table(result)


def stories_cap() -> int:
    from newsfacts import stories

    return stories.MAX_CANDIDATES
