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
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.states import Failed  # noqa: E402

from newsfacts import clean, extract, ingest, language, store, validate, warehouse  # noqa: E402
from newsfacts.clean.empty import set_aside_empty  # noqa: E402
from newsfacts.records import CleanedDocument, DocumentFacts, RawDocument  # noqa: E402


@task(cache_policy=NO_CACHE)
def ingest_raw(raw_dir: Path, warehouse_dir: Path, full_refresh: bool) -> ingest.IngestResult:
    if full_refresh:
        store.reset_datasets(warehouse_dir)
    return ingest.ingest(raw_dir, store.stored_doc_ids(warehouse_dir))


@task(cache_policy=NO_CACHE)
def clean_documents(documents: list[RawDocument]) -> tuple[list[RawDocument], list[CleanedDocument], list]:
    return set_aside_empty(documents, language.tag_languages(clean.clean_documents(documents)))


@task(cache_policy=NO_CACHE)
def extract_facts(cleaned: list[CleanedDocument]) -> list[DocumentFacts]:
    if not cleaned:
        return []
    nlp = extract.load_nlp()
    readable, others = language.split_by_language(cleaned, nlp.lang)
    return extract.extract_documents(readable, nlp) + [language.facts_without_extraction(d) for d in others]


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
        return warehouse.publish(con, report.table(), report.quarantine_table())


@task(cache_policy=NO_CACHE)
def quarantine(warehouse_dir: Path, run_id: str, report: validate.ValidationReport) -> str | None:
    doc_ids = report.quarantined_doc_ids
    return str(store.quarantine_documents(warehouse_dir, run_id, doc_ids)) if doc_ids else None


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
    staged = load_staging(home)
    report = validate_staging(home, run_id)
    summary = {
        "run_id": run_id,
        "raw_dir": str(raw),
        "warehouse": str(warehouse.database_path(home)),
        "new_documents": len(raws),
        "languages": language.count_by_language(cleaned),
        "skipped_documents": len(found.skipped_known),
        "ingest_errors": len(found.errors) + len(empty),
        "stored": stored,
        "entities": entity_count,
        "staged": staged,
        "validation_success": report.success,
        "expectations_checked": len(report.rows),
        "validation_failures": [validate.describe(row) for row in report.failures],
        "quarantined_documents": len(report.quarantined_doc_ids),
        "data_docs": str(report.data_docs) if report.data_docs else None,
    }
    if not report.success:
        summary["rejected"] = str(store.reject_run(home, run_id))
        get_run_logger().info("validation failed; published tables left as they were")
        return Failed(message="validation failed: " + "; ".join(report.blocking), data=summary)
    summary["published"] = publish(home, report)
    summary["quarantined_parts"] = quarantine(home, run_id, report)
    return summary


if __name__ == "__main__":
    print(newsfacts_flow())
