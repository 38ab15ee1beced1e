"""The growth benchmark: warehouses grown from a real seed run, and one real run timed on each."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from newsfacts import link, runs, store, warehouse
from newsfacts.bench import growth
from newsfacts.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()


@pytest.fixture
def api_env(prefect_server, monkeypatch):
    """Child runs use the session's Prefect test server instead of starting one each."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())


def test_a_grown_warehouse_holds_n_distinct_documents_with_their_facts(prefect_server, samples_dir, tmp_path):
    seed = tmp_path / "seed"
    result = runner.invoke(app, ["run", "--raw", str(samples_dir), "--warehouse", str(seed), "--workers", "1"])
    assert result.exit_code == 0, result.output
    seed_mentions = warehouse.query(seed, "SELECT count(*) FROM entity_mentions")[1][0][0]
    grown = growth.grow(seed, tmp_path / "grown", 12)  # 5 seed documents: two whole copies and two of a third
    assert grown == {"stored_documents": 12, "copies": 3}
    home = tmp_path / "grown"
    counts = dict(zip(["docs", "ids", "paths", "mentions", "mention_ids", "stories"], warehouse.query(home, """
        SELECT count(*), count(DISTINCT doc_id), count(DISTINCT source_path),
               (SELECT count(*) FROM entity_mentions), (SELECT count(DISTINCT mention_id) FROM entity_mentions),
               (SELECT count(*) FROM stories) FROM documents""")[1][0]))
    assert counts["docs"] == counts["ids"] == counts["paths"] == 12
    assert 2 * seed_mentions < counts["mentions"] == counts["mention_ids"] < 3 * seed_mentions
    assert counts["stories"] >= 3, "each copy's documents are stories of their own"
    assert len(store.committed(home)) == 1 and link.read_link_state(home) is not None

    # a run adding documents to it publishes only what changed, and that equals building every table again
    new = growth.write_documents(*growth.source_texts(samples_dir), range(5, 8), tmp_path / "new")
    result = runner.invoke(app, ["run", "--raw", str(new), "--warehouse", str(home), "--workers", "1", "--keep-removed"])
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    record = [r for r in runs.records(home) if r["status"] == "published"][-1]
    assert record["documents_new"] == 3
    incremental = published_rows(home)
    assert len(incremental["documents"]) == 15
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(home, rebuilt)
    with warehouse.connect(rebuilt) as con:
        warehouse.load_staging(con, rebuilt, incremental=False)
        validation = warehouse.published_tables(rebuilt)["validation_results"]
        warehouse.publish(con, validation, runs.runs_table(rebuilt))
    assert published_rows(rebuilt) == incremental


def published_rows(home):
    """Every published table's rows, in a fixed order (a table's order is not what is compared)."""
    return {name: sorted(map(repr, table.to_pylist())) for name, table in warehouse.published_tables(home).items()
            if name not in ("runs", "validation_results")}


def test_growth_bench_times_one_run_per_size_and_counts_its_files(api_env, samples_dir):
    result = runner.invoke(app, ["bench", "growth", "--data", str(samples_dir), "--sizes", "5,15", "--seed-docs", "5",
                                 "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.strip().splitlines()[-1])["rows"]
    assert [(row["stored_documents"], row["new_documents"]) for row in rows] == [(5, 20), (15, 20)]
    for row in rows:
        assert row["run_s"] > 0 and row["peak_rss_mb"] > 100
        assert {"ingest", "extract", "link", "stories", "load", "validate", "publish"} <= set(row["stage_seconds"])
    assert rows[0]["files"] == rows[1]["files"] > 0, "the store's files do not grow with its documents"


def test_publish_only_times_load_validate_and_publish_of_the_new_documents_alone(api_env, samples_dir):
    result = runner.invoke(app, ["bench", "growth", "--data", str(samples_dir), "--sizes", "5,15", "--seed-docs", "5",
                                 "--workers", "1", "--publish-only", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.strip().splitlines()[-1])["rows"]
    assert [row["stored_documents"] for row in rows] == [5, 15]
    for row in rows:
        assert set(row["stage_seconds"]) == {"catch_up", "load", "validate", "publish"}
        assert row["staged_documents"] == 20, "the new documents, not the stored ones, are staged"
        assert row["published_documents"] == row["stored_documents"] + 20
        assert row["peak_rss_mb"] > 100
