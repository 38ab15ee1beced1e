"""End to end: extraction on two local worker processes and on a real Dask cluster publishes exactly
what one in-process worker publishes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsfacts import warehouse
from newsfacts.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src"
# What differs between two runs of the same files by design: which run, and when.
RUN_COLUMNS = {"run_id", "ingested_at", "recorded_at", "started", "finished"}
RUN_TABLES = {"validation_results", "runs"}


def published_facts(home: Path) -> dict[str, list[tuple]]:
    tables = {}
    for name, table in warehouse.published_tables(home).items():
        if name in RUN_TABLES:
            continue
        table = table.select([c for c in table.column_names if c not in RUN_COLUMNS])
        tables[name] = sorted(tuple(repr(v) for v in row.values()) for row in table.to_pylist())
    return tables


def run(samples_dir: Path, home: Path, *options: str) -> dict[str, list[tuple]]:
    result = runner.invoke(app, ["run", "--raw", str(samples_dir), "--warehouse", str(home), *options],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "distributed." not in result.output
    return published_facts(home)


@pytest.fixture(scope="module")
def one_worker(prefect_server, tmp_path_factory, samples_dir):
    facts = run(samples_dir, tmp_path_factory.mktemp("one-worker"), "--workers", "1")
    assert len(facts["figures"]) > 10 and len(facts["quotes"]) > 10
    return facts


def test_two_local_worker_processes_publish_what_one_worker_does(one_worker, tmp_path, samples_dir):
    # batches of two documents, so the five samples are spread over both processes
    assert run(samples_dir, tmp_path / "two", "--workers", "2", "--batch-docs", "2") == one_worker


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and two single-threaded worker processes on 127.0.0.1, stopped after the test."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    scheduler_file = tmp_path / "scheduler.json"
    base = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen([*base, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(scheduler_file)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_for(scheduler_file.exists, "the Dask scheduler did not start")
        processes.append(subprocess.Popen([*base, "worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2",
                                           "--nthreads", "1", "--no-dashboard"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            yield client
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition, message: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_a_dask_cluster_publishes_what_one_worker_does_loading_spacy_once_per_worker(
        one_worker, tmp_path, samples_dir, dask_cluster):
    address = dask_cluster.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    assert run(samples_dir, tmp_path / "dask", "--dask", address, "--batch-docs", "1") == one_worker

    from newsfacts.extract import parallel

    counts = dask_cluster.run(parallel.process_counts)  # asked in each worker process
    assert len(counts) == 2 and sum(c["batches"] for c in counts.values()) == 5
    assert all(c["nlp_loads"] == (1 if c["batches"] else 0) for c in counts.values()), counts
    # a batch reaches a worker as a plain call of the extraction code: the flow (and Prefect, Great
    # Expectations, all it imports) never travels with it
    heavy = dask_cluster.run(lambda: sorted(name for name in ("prefect", "great_expectations", "newsfacts.validate")
                                            if name in sys.modules))
    assert all(loaded == [] for loaded in heavy.values()), heavy


def test_workers_and_a_cluster_exclude_each_other(tmp_path, samples_dir):
    result = runner.invoke(app, ["run", "--raw", str(samples_dir), "--warehouse", str(tmp_path),
                                 "--workers", "2", "--dask", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_an_unreachable_cluster_is_refused_before_the_run_without_a_traceback(tmp_path, samples_dir):
    for address in ["tcp://127.0.0.1:1", "udp://127.0.0.1:8786", "tcp://nowhere"]:
        result = runner.invoke(app, ["run", "--raw", str(samples_dir), "--warehouse", str(tmp_path / "w"),
                                     "--dask", address])
        assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "w").exists()
