"""The newsfacts flow: ingest -> clean -> extract -> store -> link -> load -> validate -> publish.

Each task calls one stage of the `newsfacts` library; this file only composes them.
Run it with `newsfacts run`, serve it on a schedule with `newsfacts serve --cron "..."`,
or deploy it with prefect.yaml.
"""
from __future__ import annotations

import importlib
import sys
from datetime import datetime, timezone
from pathlib import Path

import cloudpickle

from newsfacts import project

project.apply_quiet_defaults()
# Prefect loads this file under a generated module name that no Dask worker can import:
# tasks sent to workers travel by value (they call into the importable `newsfacts` package).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import FlowRunContext  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.settings import PREFECT_API_URL, temporary_settings  # noqa: E402
from prefect.states import Failed  # noqa: E402

from newsfacts import clean, extract, ingest, store, validate, warehouse  # noqa: E402
from newsfacts.clean.empty import set_aside_empty  # noqa: E402
from newsfacts.extract import parallel  # noqa: E402
from newsfacts.progress import StageProgress  # noqa: E402
from newsfacts.records import CleanedDocument, DocumentFacts, RawDocument  # noqa: E402


# How long a run waits for the first Dask worker before it fails.
WORKER_WAIT_S = 120


@task(cache_policy=NO_CACHE)
def ingest_raw(raw_dir: Path, warehouse_dir: Path, full_refresh: bool) -> ingest.IngestResult:
    if full_refresh:
        store.reset_datasets(warehouse_dir)
    return ingest.ingest(raw_dir, store.stored_doc_ids(warehouse_dir))


@task(cache_policy=NO_CACHE)
def clean_documents(documents: list[RawDocument]) -> tuple[list[RawDocument], list[CleanedDocument], list]:
    return set_aside_empty(documents, clean.clean_documents(documents))


@task(cache_policy=NO_CACHE)
def extract_batch(batch: list[CleanedDocument]) -> list[DocumentFacts]:
    return parallel.extract_batch(batch)


def extract_facts(cleaned: list[CleanedDocument], workers: int, dask_address: str | None,
                  batch_docs: int) -> list[DocumentFacts]:
    """Extract batches here (one worker), on `workers` local processes, or on the Dask cluster at `dask_address`;
    facts come back in the documents' order whatever order the batches finish in."""
    batches = parallel.document_batches(cleaned, batch_docs)
    results: list[list[DocumentFacts]] = [[] for _ in batches]
    with StageProgress("extract", len(cleaned), log=get_run_logger().info) as progress:
        if dask_address is None and (workers <= 1 or len(batches) <= 1):
            for number, batch in enumerate(batches):
                results[number] = extract_batch(batch)
                progress.advance(len(batch), sum(facts.word_count for facts in results[number]))
        else:
            with dask_task_runner(dask_address, min(workers, len(batches))) as runner, api_known_to_workers():
                check_workers(runner.client, dask_address)
                futures = [runner.submit(extract_batch, parameters={"batch": batch}) for batch in batches]
                numbers = {future: number for number, future in enumerate(futures)}
                for future in as_completed(futures):
                    results[numbers[future]] = future.result()
                    progress.advance(len(batches[numbers[future]]),
                                     sum(facts.word_count for facts in results[numbers[future]]))
    return [facts for batch_facts in results for facts in batch_facts]


def check_workers(client, address: str | None, seconds: float = WORKER_WAIT_S) -> None:
    """Fail now, saying why, where a cluster without workers or without newsfacts would wait forever."""
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        raise RuntimeError(f"no Dask worker joined {address or 'the local cluster'} within {seconds:.0f} s") from None
    try:
        client.run(importlib.import_module, "newsfacts.extract.parallel")
    except ImportError as exc:
        raise RuntimeError(f"a Dask worker cannot import newsfacts ({exc}): install the project where the workers "
                           "run") from None


def api_known_to_workers():
    """Workers record their task runs with this run's Prefect API: the context shipped with each batch
    names it, even when it is the temporary local server that no worker's own settings could know."""
    return temporary_settings(updates={PREFECT_API_URL: str(FlowRunContext.get().client.api_url)})


def dask_task_runner(address: str | None, workers: int):
    """Prefect's Dask task runner: on an existing cluster, or on a local cluster of single-threaded
    worker processes (spaCy holds the GIL while it parses: threads would share one core)."""
    import logging

    from prefect_dask import DaskTaskRunner

    if address is not None:
        return DaskTaskRunner(address=address)
    # The scheduler's web page on a free port of this machine only: two runs never collide on 8787.
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": "127.0.0.1:0", "silence_logs": logging.ERROR})


@task(cache_policy=NO_CACHE)
def store_run(warehouse_dir: Path, run_id: str, raws: list[RawDocument], cleaned: list[CleanedDocument],
              facts: list[DocumentFacts], errors: list) -> dict[str, int]:
    return store.store_run(warehouse_dir, run_id, datetime.now(timezone.utc), raws, cleaned, facts, errors)


@task(cache_policy=NO_CACHE)
def link_entities(warehouse_dir: Path) -> int:
    mentions = store.mentions_from_table(store.read_dataset(warehouse_dir, "entity_mentions"))
    entities, links = extract.link_entities(mentions)
    return store.store_entities(warehouse_dir, entities, links)


@task(cache_policy=NO_CACHE)
def load_staging(warehouse_dir: Path) -> dict[str, int]:
    with warehouse.connect(warehouse_dir) as con:
        return warehouse.load_staging(con, warehouse_dir)


@task(cache_policy=NO_CACHE)
def validate_staging(warehouse_dir: Path, run_id: str) -> validate.ValidationReport:
    with warehouse.connect(warehouse_dir) as con:
        batches = warehouse.check_batches(con)
    return validate.validate(batches, warehouse_dir, run_id)


@task(cache_policy=NO_CACHE)
def publish(warehouse_dir: Path, report: validate.ValidationReport) -> dict[str, int]:
    with warehouse.connect(warehouse_dir) as con:
        return warehouse.publish(con, report.table())


@flow(name="newsfacts", log_prints=True)
def newsfacts_flow(raw_dir: str = "data/raw", warehouse_dir: str = "data/warehouse", full_refresh: bool = False,
                   workers: int | None = None, dask_address: str | None = None,
                   batch_docs: int = parallel.DOCS_PER_BATCH):
    """`workers`: extraction processes on this machine (default: its cores; 1 extracts in this process);
    `dask_address`: extract on that Dask cluster instead; `batch_docs`: documents per extraction batch."""
    raw, home = Path(raw_dir).resolve(), Path(warehouse_dir).resolve()
    run_id = store.new_run_id()
    store.ensure_datasets(home)
    found = ingest_raw(raw, home, full_refresh)
    raws, cleaned, empty = clean_documents(found.documents)
    facts = extract_facts(cleaned, workers or parallel.default_workers(), dask_address, batch_docs)
    stored = store_run(home, run_id, raws, cleaned, facts, found.errors + empty)
    entity_count = link_entities(home)
    staged = load_staging(home)
    report = validate_staging(home, run_id)
    summary = {
        "run_id": run_id,
        "raw_dir": str(raw),
        "warehouse": str(warehouse.database_path(home)),
        "new_documents": len(raws),
        "skipped_documents": len(found.skipped_known),
        "ingest_errors": len(found.errors) + len(empty),
        "stored": stored,
        "entities": entity_count,
        "staged": staged,
        "validation_success": report.success,
        "expectations_checked": len(report.rows),
        "validation_failures": [validate.describe(row) for row in report.failures],
        "data_docs": str(report.data_docs) if report.data_docs else None,
    }
    if not report.success:
        summary["rejected"] = str(store.reject_run(home, run_id))
        get_run_logger().info("validation failed; published tables left as they were")
        return Failed(message="validation failed: " + "; ".join(summary["validation_failures"]), data=summary)
    summary["published"] = publish(home, report)
    return summary


if __name__ == "__main__":
    print(newsfacts_flow())
