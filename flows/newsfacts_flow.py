"""The newsfacts flow: ingest -> clean -> extract -> store -> link -> load -> validate -> publish.

Each task calls one stage of the `newsfacts` library; this file only composes them. A run holds
the warehouse's writer lock throughout and keeps a run record (newsfacts.runs).
Run it with `newsfacts run`, serve it on a schedule with `newsfacts serve --cron "..."`.
"""
from __future__ import annotations

import importlib
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from newsfacts import project

project.apply_quiet_defaults()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_link_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.states import Failed  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from newsfacts import clean, extract, ingest, language, link, outlets, runs, schemas, store, story_index, validate, warehouse  # noqa: E402
from newsfacts import report as html_report  # noqa: E402
from newsfacts.clean.empty import set_aside_empty  # noqa: E402
from newsfacts.extract import parallel  # noqa: E402
from newsfacts.progress import StageProgress  # noqa: E402
from newsfacts.records import CleanedDocument, DocumentFacts, IngestError, RawDocument  # noqa: E402


# How long a run waits for the first Dask worker before it fails.
WORKER_WAIT_S = 120
# Batches sent to the cluster and not yet stored, per worker: one parsing, one waiting.
IN_FLIGHT_PER_WORKER = 2


@task(cache_policy=NO_CACHE)
def ingest_raw(raw_dir: Path, warehouse_dir: Path, full_refresh: bool,
               keep_removed: bool) -> tuple[ingest.IngestResult, list[dict], clean.LineStatistics]:
    """New files (to read again in batches), the stored documents the raw folder no longer holds
    (withdrawn this run), and what the new plain texts repeat (site furniture)."""
    if full_refresh:
        store.reset_datasets(warehouse_dir)
    live = store.live_documents(warehouse_dir)
    known = set(live.column("doc_id").to_pylist())
    lines = clean.LineStatistics()
    known_files = store.known_raw_files(warehouse_dir)
    found = ingest.survey(raw_dir, known, see_text=lines.add, known_files=known_files)
    contents = store.raw_contents(found.pending, found.known_by_path, found.errors)
    withdrawn = store.withdrawals(live, contents, keep_removed)
    gone = {row["doc_id"] for row in withdrawn}
    if gone & set(found.known_by_path.values()):  # a withdrawn document's bytes live on at another path:
        lines = clean.LineStatistics()
        found = ingest.survey(raw_dir, known - gone, see_text=lines.add, known_files=known_files)  # new again
    store.write_raw_files(warehouse_dir, found.file_stats)
    return found, withdrawn, lines


# Reading, cleaning, extracting and storing a batch are plain calls, not tasks: a task run costs the run's
# process and the Prefect API a few round trips and a walk over its parameters (every document's text and
# facts), once per batch. The whole extract stage is one task run (`extract_new_documents`).
def prepare_batch(raw_dir: Path, pending: list[ingest.PendingDocument], lines: clean.LineStatistics
                  ) -> tuple[list[RawDocument], list[CleanedDocument], list[IngestError]]:
    """A batch of new documents read again and cleaned; those left without article text set aside."""
    outcomes = ingest.read_pending(raw_dir, pending)
    unread = [outcome for outcome in outcomes if isinstance(outcome, IngestError)]
    raws = [outcome for outcome in outcomes if isinstance(outcome, RawDocument)]
    raws, cleaned, empty = set_aside_empty(raws, language.tag_languages(clean.clean_documents(raws, lines)))
    return raws, outlets.apply_all(raws, cleaned), unread + empty


def store_batch(warehouse_dir: Path, run_id: str, number: int, raws: list[RawDocument],
                cleaned: list[CleanedDocument], facts: list[DocumentFacts]) -> dict[str, int]:
    return store.store_batch(warehouse_dir, run_id, number, datetime.now(timezone.utc), raws, cleaned, facts)


@dataclass
class BatchesDone:
    """What the run's batches added up to."""

    documents: int = 0
    stored: Counter = field(default_factory=Counter)
    errors: list[IngestError] = field(default_factory=list)
    languages: Counter = field(default_factory=Counter)


@task(name="extract_new_documents", cache_policy=NO_CACHE)
def extract_new_documents(raw: Path, home: Path, run_id: str, pending: list[ingest.PendingDocument],
                          lines: clean.LineStatistics, options: dict, linker: link.Linker | None = None,
                          story_features: story_index.FeaturesAhead | None = None) -> BatchesDone:
    return process_batches(raw, home, run_id, pending, lines, options, linker, story_features)


def process_batches(raw: Path, home: Path, run_id: str, pending: list[ingest.PendingDocument],
                    lines: clean.LineStatistics, options: dict, linker: link.Linker | None = None,
                    story_features: story_index.FeaturesAhead | None = None) -> BatchesDone:
    """Read, clean, extract and store the new documents a batch at a time, each batch committed on its
    own: a run holds a few batches at once, whatever the size of its raw folder. Extraction runs here
    (one worker), on `workers` local processes, or on the Dask cluster at `dask_address`; reading and
    cleaning stay here, where the raw folder is. `linker`: links the stored documents a step ahead
    (link.Linker.ahead) while the workers parse the next batches; `story_features`: computes the story features
    of each stored batch meanwhile (story_index.FeaturesAhead)."""
    batches = parallel.pending_batches(pending, options["batch_docs"])
    done = BatchesDone(stored=Counter(dict.fromkeys(schemas.PER_DOCUMENT_TABLES, 0)))
    workers = options["workers"] or parallel.default_workers()
    extracted = extract.pipeline_language()
    with StageProgress("extract", len(pending), log=get_run_logger().info) as progress:
        def finish(number: int, raws, cleaned, errors, facts) -> None:
            done.stored.update(store_batch(home, run_id, number, raws, cleaned, facts))
            done.documents += len(raws)
            done.errors.extend(errors)
            done.languages.update(doc.language for doc in cleaned)
            progress.advance(len(pending_of[number]), sum(f.word_count for f in facts))
            if linker is not None and (steps := linker.ahead(done.documents)):
                get_run_logger().info(f"linking: {steps} step(s) of stored documents linked while the next are extracted")
            if story_features is not None:
                story_features.batch_stored(run_id, number)

        pending_of = dict(enumerate(batches))
        if options["dask_address"] is None and (workers <= 1 or len(batches) <= 1):
            for number, batch in enumerate(batches):
                raws, cleaned, errors = prepare_batch(raw, batch, lines)
                readable, others = language.split_by_language(cleaned, extracted)
                facts = parallel.extract_batch(readable) if readable else []
                finish(number, raws, cleaned, errors, with_others(facts, others))
        else:
            extract_on_cluster(raw, batches, lines, extracted, options["dask_address"], workers, finish)
    return done


def with_others(facts: list[DocumentFacts], others: list[CleanedDocument]) -> list[DocumentFacts]:
    """Documents in another language than the pipeline's are kept without facts."""
    return facts + [language.facts_without_extraction(doc) for doc in others]


def extract_on_cluster(raw: Path, batches: list, lines: clean.LineStatistics, extracted: str, address: str | None,
                       workers: int, finish) -> None:
    """Batches prepared here and extracted by Dask workers, a few ahead of the one being stored:
    the workers never wait for the reading, and memory holds IN_FLIGHT_PER_WORKER batches per worker.
    A batch goes to a worker as a plain call of `parallel.extract_batch` (pickled by reference: the worker
    imports the extraction code, never this flow and all it imports), not as a Prefect task run, which
    would ship the flow and its parameters with every batch and record it through the API from the worker."""
    with dask_client(address, min(workers, len(batches))) as client:
        check_workers(client, address)
        limit = IN_FLIGHT_PER_WORKER * max(len(client.scheduler_info().get("workers", {})), 1)
        in_flight: dict = {}
        for number, batch in enumerate(batches):
            if len(in_flight) >= limit and number == limit:  # the workers are fed: this process waits on them
                import_validation_meanwhile()
            while len(in_flight) >= limit:
                store_first_done(in_flight, finish)
            raws, cleaned, errors = prepare_batch(raw, batch, lines)
            readable, others = language.split_by_language(cleaned, extracted)
            future = client.submit(parallel.extract_batch, readable, pure=False)
            in_flight[future] = (number, raws, cleaned, errors, others)
        while in_flight:
            store_first_done(in_flight, finish)


def import_validation_meanwhile() -> None:
    """Great Expectations imported in a thread while the workers parse (this process mostly waits on them),
    not on one core after the last batch; every other import of this process is done by now."""
    def import_quietly() -> None:
        try:
            validate.import_gx()
        except Exception:  # noqa: BLE001 - the validation's own import reports it
            pass

    threading.Thread(target=import_quietly, name="import-gx", daemon=True).start()


def store_first_done(in_flight: dict, finish) -> None:
    from distributed import wait

    future = next(iter(wait(list(in_flight), return_when="FIRST_COMPLETED").done))
    number, raws, cleaned, errors, others = in_flight.pop(future)
    finish(number, raws, cleaned, errors, with_others(future.result(), others))


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


@contextmanager
def dask_client(address: str | None, workers: int):
    """A Dask client of an existing cluster, or of a local cluster of single-threaded worker processes for
    this run (the one `newsfacts run` started ahead while Prefect started, if it did)."""
    from distributed import Client

    if address is not None:
        with Client(address) as client:
            yield client
        return
    with parallel.local_cluster(workers) as cluster, Client(cluster) as client:
        yield client


@task(cache_policy=NO_CACHE)
def store_run_end(warehouse_dir: Path, run_id: str, errors: list[IngestError], withdrawn: list[dict]) -> dict[str, int]:
    return store.store_run_end(warehouse_dir, run_id, datetime.now(timezone.utc), errors, withdrawn)


@task(cache_policy=NO_CACHE)
def link_entities(warehouse_dir: Path, linker: link.Linker | None = None) -> int:
    """Only the entities the run's new and withdrawn documents touch are linked again (what `linker` linked
    while the batches were extracted is kept when it is what linking now would do)."""
    change = (linker or link.Linker(warehouse_dir)).finish()
    get_run_logger().info(f"linking: {change.new_documents} new and {change.gone_documents} gone documents, "
                          f"{change.remade_entities} entities re-made, {change.kept_entities} kept"
                          + (" (full link)" if change.full else ""))
    return change.remade_entities + change.kept_entities


@task(cache_policy=NO_CACHE)
def assign_stories(warehouse_dir: Path, run_id: str, story_features: story_index.FeaturesAhead | None = None) -> int:
    """Only the new documents are given a story, compared with the stored ones their keys find (their features
    taken from `story_features` where computed while the batches were stored)."""
    return story_index.update(warehouse_dir, run_id, ahead=story_features).stories


@task(cache_policy=NO_CACHE)
def load_staging(warehouse_dir: Path, definitions: str | None) -> dict[str, int]:
    """Stage what changed into the published file readers do not use (brought up to date), or
    everything into a new one (`definitions` None: a full refresh, always built whole)."""
    incremental = warehouse.start_work(warehouse_dir, definitions, runs.last_published(warehouse_dir))
    with warehouse.connect(warehouse_dir) as con:
        return warehouse.load_staging(con, warehouse_dir, incremental)


@task(cache_policy=NO_CACHE)
def validate_staging(warehouse_dir: Path, run_id: str) -> validate.ValidationReport:
    with warehouse.connect(warehouse_dir) as con:
        batches = warehouse.check_batches(con)
        whole = (warehouse.whole_batches(con, validate.whole_columns(batches))
                 if warehouse.is_incremental(con) else None)
    return validate.validate(batches, warehouse_dir, run_id, whole)


@task(cache_policy=NO_CACHE)
def publish(warehouse_dir: Path, report: validate.ValidationReport, run_id: str, counts: dict,
            definitions: str) -> dict[str, int]:
    finished = {"run_id": run_id, "status": "published", "finished": datetime.now(timezone.utc).isoformat(),
                "why": f"validation passed ({len(report.rows)} expectations)"} | counts
    with warehouse.connect(warehouse_dir) as con:
        published = warehouse.publish(con, report.table(), runs.runs_table(warehouse_dir, current=finished),
                                      report.quarantine_table())
    runs.finish(warehouse_dir, run_id, "published", finished["why"], counts,
                datetime.fromisoformat(finished["finished"]), definitions)
    warehouse.discard_work(warehouse_dir)
    return published


def nothing_changed(home: Path, done: BatchesDone, withdrawn: list[dict], errors: list[IngestError],
                    definitions: str) -> bool:
    """Whether the published tables already say all there is: no document stored or withdrawn, no
    batch committed since the last publish (by a run that crashed), the same ingest errors, and the
    same SQL and expectations."""
    last = runs.last_published(home)
    return (last is not None and done.documents == 0 and not withdrawn
            and last.get("definitions") == definitions
            and warehouse.database_path(home).exists()
            and not any(committed > last["run_id"] for committed in store.committed_run_ids(home))
            and store.same_ingest_errors(home, errors))


def leave_published(raw: Path, home: Path, run_id: str, found: ingest.IngestResult, crashed: list[str],
                    max_commits: int) -> dict:
    """A run with nothing new: its record (status `unchanged`) is the only thing it publishes; a quiet
    moment to compact the store too."""
    last = runs.last_published(home)["run_id"]
    counts = {"documents_new": 0, "documents_skipped": len(found.skipped_known), "documents_quarantined": 0,
              "documents_superseded": 0, "documents_removed": 0}
    runs.finish(home, run_id, "unchanged", f"nothing new since run {last}: published tables left as they are", counts)
    warehouse.publish_runs(home, runs.runs_table(home))
    runs.enter_stage(home, run_id, "compact")
    compact_store(home, last, max_commits)
    runs.end_stage(home, run_id)
    report = html_report.report_path(home)
    summary = {"run_id": run_id, "unchanged_since": last, "raw_dir": str(raw),
               "warehouse": str(warehouse.database_path(home)), "new_documents": 0,
               "skipped_documents": len(found.skipped_known), "crashed_runs_found": crashed,
               "report": str(report) if report.exists() else None}
    publish_artifacts(summary)
    return summary


def reject(home: Path, run_id: str, why: str, counts: dict) -> list[str]:
    """Take back every commit not yet published, record the run, republish the runs table only."""
    rejected = [str(store.reject_run(home, unpublished)) for unpublished in runs.unpublished_run_ids(home, run_id)]
    runs.finish(home, run_id, "validation_failed", why, counts)
    warehouse.publish_runs(home, runs.runs_table(home))
    warehouse.discard_work(home)
    return rejected


@task(cache_policy=NO_CACHE)
def write_report(warehouse_dir: Path, summary: dict) -> str:
    return str(html_report.write_report(warehouse_dir, summary))


@task(cache_policy=NO_CACHE)
def publish_artifacts(summary: dict) -> None:
    """What a Prefect UI user sees of the run: its summary, and a link to the report."""
    create_table_artifact(html_report.summary_rows(summary), key="newsfacts-run-summary",
                          description="Documents, facts, quarantine and validation of this run")
    if summary.get("report"):
        create_link_artifact(Path(summary["report"]).as_uri(), link_text="newsfacts report", key="newsfacts-report",
                             description="The report of the published warehouse (a file on the machine that ran it)")


@task(cache_policy=NO_CACHE)
def quarantine(warehouse_dir: Path, run_id: str, report: validate.ValidationReport) -> int:
    """Withdraw the quarantined documents from the store, so that the next run extracts them again."""
    return store.quarantine_documents(warehouse_dir, run_id, datetime.now(timezone.utc), report.quarantined_doc_ids)


@task(cache_policy=NO_CACHE)
def compact_store(warehouse_dir: Path, run_id: str, max_commits: int) -> int:
    """Merge the published commits' small part files once there are more than `max_commits` commits."""
    return store.compact(warehouse_dir, run_id, max_commits)


@flow(name="newsfacts", log_prints=True)
def newsfacts_flow(raw_dir: str = "data/raw", warehouse_dir: str = "data/warehouse", full_refresh: bool = False,
                   keep_removed: bool = False, workers: int | None = None, dask_address: str | None = None,
                   batch_docs: int = parallel.DOCS_PER_BATCH, max_commits: int = store.MAX_COMMITS,
                   link_ahead: bool = True):
    """`keep_removed`: keep the documents of raw files that are gone; `workers`: extraction processes on
    this machine (default: its cores; 1 extracts in this process); `dask_address`: extract on that Dask
    cluster instead; `batch_docs`: documents per extraction batch; `max_commits`: commits kept before
    the published ones are compacted; `link_ahead`: link stored documents, and compute their story features,
    while the next batches are extracted (False: all after the last batch; the same result)."""
    raw, home = Path(raw_dir).resolve(), Path(warehouse_dir).resolve()
    started = datetime.now(timezone.utc)
    run_id = store.new_run_id(started)
    try:
        with runs.writer_lock(home, run_id, started):  # a killed run's lock is simply taken over
            return run_locked(raw, home, run_id, started, full_refresh, keep_removed,
                              {"workers": workers, "dask_address": dask_address, "batch_docs": batch_docs,
                               "max_commits": max_commits, "link_ahead": link_ahead})
    except runs.WarehouseBusy as busy:
        return Failed(message=str(busy))


def run_locked(raw: Path, home: Path, run_id: str, started: datetime, full_refresh: bool, keep_removed: bool,
               options: dict):
    store.clean_uncommitted(home)
    store.ensure_datasets(home)
    warehouse.discard_work(home)
    crashed = runs.recognise_crashed(home, run_id, warehouse.published_run_id(home))
    runs.start(home, run_id, started)
    ahead = start_workers_ahead(raw, home, full_refresh, options)
    try:
        return run_stages(raw, home, run_id, full_refresh, keep_removed, crashed, options)
    except BaseException as exc:
        try:
            runs.finish(home, run_id, "crashed", f"{type(exc).__name__}: {exc}")
        except OSError:  # the record cannot be closed (a full disk): the next run finds it open, as crashed
            pass
        raise
    finally:
        parallel.close_started_clusters(ahead)


def start_workers_ahead(raw: Path, home: Path, full_refresh: bool, options: dict):
    """The local extraction workers started (spaCy loaded in each: seconds) while the raw folder is surveyed,
    where it has more than a batch of files to read; the extraction takes them ready."""
    if options["dask_address"] is not None:
        return None

    def known_files() -> dict[str, tuple[int, int]]:
        return {} if full_refresh else {path: (found.size_bytes, found.mtime_ns)
                                        for path, found in store.known_raw_files(home).items()}

    return parallel.start_workers_ahead(raw, known_files, options["workers"] or parallel.default_workers(),
                                        options["batch_docs"])


def run_stages(raw: Path, home: Path, run_id: str, full_refresh: bool, keep_removed: bool, crashed: list[str],
               options: dict):
    """`options`: how to extract (workers, dask_address, batch_docs)."""
    runs.enter_stage(home, run_id, "ingest")
    found, withdrawn, lines = ingest_raw(raw, home, full_refresh, keep_removed)
    runs.enter_stage(home, run_id, "extract")
    # Linking takes the stored documents a step at a time while the workers parse (a core would wait for it
    # after the last batch otherwise); not in a run that withdraws documents, whose steps would all differ.
    linker = link.Linker(home) if not withdrawn and options.get("link_ahead", True) else None
    story_features = story_index.FeaturesAhead(home) if options.get("link_ahead", True) else None
    # quote: the pending documents, line statistics, linker and features hold no futures; Prefect need not walk them
    done = extract_new_documents(raw, home, run_id, quote(found.pending), quote(lines), options, quote(linker),
                                 quote(story_features))
    definitions = project.definitions_fingerprint()
    if nothing_changed(home, done, withdrawn, found.errors + done.errors, definitions):
        return leave_published(raw, home, run_id, found, crashed, options["max_commits"])
    runs.enter_stage(home, run_id, "store")
    stored = dict(done.stored) | store_run_end(home, run_id, found.errors + done.errors, withdrawn)
    runs.enter_stage(home, run_id, "link")
    entity_count = link_entities(home, quote(linker))
    runs.enter_stage(home, run_id, "stories")
    story_count = assign_stories(home, run_id, quote(story_features))
    runs.enter_stage(home, run_id, "load")
    staged = load_staging(home, None if full_refresh else definitions)
    runs.enter_stage(home, run_id, "validate")
    report = validate_staging(home, run_id)
    counts = {"documents_new": done.documents, "documents_skipped": len(found.skipped_known), "documents_quarantined": len(report.quarantined_doc_ids),
              "documents_superseded": sum(row["reason"] == "superseded" for row in withdrawn),
              "documents_removed": sum(row["reason"] == "removed" for row in withdrawn)}
    summary = {
        "run_id": run_id,
        "raw_dir": str(raw),
        "warehouse": str(warehouse.database_path(home)),
        "new_documents": done.documents,
        "languages": language.most_first(done.languages),
        "skipped_documents": len(found.skipped_known),
        "superseded_documents": counts["documents_superseded"],
        "removed_documents": counts["documents_removed"],
        "crashed_runs_found": crashed,
        "ingest_errors": len(found.errors) + len(done.errors),
        "stored": stored,
        "entities": entity_count,
        "stories": story_count,
        "staged": staged,
        "validation_success": report.success,
        "expectations_checked": len(report.rows),
        "validation_failures": [validate.describe(row) for row in report.failures],
        "quarantined_documents": len(report.quarantined_doc_ids),
        "data_docs": str(report.data_docs) if report.data_docs else None,
    }
    if not report.success:
        why = "validation failed: " + "; ".join(report.blocking)
        summary["rejected"] = reject(home, run_id, why, counts)
        get_run_logger().info("validation failed; published tables left as they were")
        publish_artifacts(summary)
        return Failed(message=why, data=summary)
    runs.enter_stage(home, run_id, "publish")
    summary["published"] = publish(home, report, run_id, counts, definitions)
    summary["quarantined"] = quarantine(home, run_id, report)
    runs.enter_stage(home, run_id, "compact")
    summary["compacted_commits"] = compact_store(home, run_id, options["max_commits"])
    runs.enter_stage(home, run_id, "report")
    summary["report"] = write_report(home, summary)
    runs.end_stage(home, run_id)
    publish_artifacts(summary)
    return summary


if __name__ == "__main__":
    print(newsfacts_flow())
