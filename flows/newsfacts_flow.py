"""The newsfacts flow: ingest -> clean -> extract -> store -> link -> load -> validate -> publish.

Each task calls one stage of the `newsfacts` library; this file only composes them.
Run it with `newsfacts run`, serve it on a schedule with `newsfacts serve --cron "..."`,
or deploy it with prefect.yaml.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from newsfacts import project

project.apply_quiet_defaults()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_link_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.states import Failed  # noqa: E402

from newsfacts import clean, extract, ingest, outlets, store, stories, validate, warehouse  # noqa: E402
from newsfacts import report as html_report  # noqa: E402
from newsfacts.clean.empty import set_aside_empty  # noqa: E402
from newsfacts.records import CleanedDocument, DocumentFacts, RawDocument  # noqa: E402


@task(cache_policy=NO_CACHE)
def ingest_raw(raw_dir: Path, warehouse_dir: Path, full_refresh: bool) -> ingest.IngestResult:
    if full_refresh:
        store.reset_datasets(warehouse_dir)
    return ingest.ingest(raw_dir, store.stored_doc_ids(warehouse_dir))


@task(cache_policy=NO_CACHE)
def clean_documents(documents: list[RawDocument]) -> tuple[list[RawDocument], list[CleanedDocument], list]:
    raws, cleaned, empty = set_aside_empty(documents, clean.clean_documents(documents))
    return raws, outlets.apply_all(raws, cleaned), empty


@task(cache_policy=NO_CACHE)
def extract_facts(cleaned: list[CleanedDocument]) -> list[DocumentFacts]:
    return extract.extract_documents(cleaned, extract.load_nlp()) if cleaned else []


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
def assign_stories(warehouse_dir: Path) -> int:
    members = stories.update_stories(store.read_dataset(warehouse_dir, "documents"),
                                     store.read_dataset(warehouse_dir, "entity_mentions"),
                                     store.read_dataset(warehouse_dir, "story_members"))
    store.replace_current(warehouse_dir, "story_members", members)
    return len(set(members.column("story_id").to_pylist()))


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


@flow(name="newsfacts", log_prints=True)
def newsfacts_flow(raw_dir: str = "data/raw", warehouse_dir: str = "data/warehouse", full_refresh: bool = False):
    raw, home = Path(raw_dir).resolve(), Path(warehouse_dir).resolve()
    run_id = store.new_run_id()
    store.ensure_datasets(home)
    found = ingest_raw(raw, home, full_refresh)
    raws, cleaned, empty = clean_documents(found.documents)
    facts = extract_facts(cleaned)
    stored = store_run(home, run_id, raws, cleaned, facts, found.errors + empty)
    entity_count = link_entities(home)
    story_count = assign_stories(home)
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
        "stories": story_count,
        "staged": staged,
        "validation_success": report.success,
        "expectations_checked": len(report.rows),
        "validation_failures": [validate.describe(row) for row in report.failures],
        "data_docs": str(report.data_docs) if report.data_docs else None,
    }
    if not report.success:
        summary["rejected"] = str(store.reject_run(home, run_id))
        get_run_logger().info("validation failed; published tables left as they were")
        publish_artifacts(summary)
        return Failed(message="validation failed: " + "; ".join(summary["validation_failures"]), data=summary)
    summary["published"] = publish(home, report)
    summary["report"] = write_report(home, summary)
    publish_artifacts(summary)
    return summary


if __name__ == "__main__":
    print(newsfacts_flow())
