"""Validate: run the GX suites in expectations/ against the staged tables, and write the report.

Suites are plain JSON files named after the table they check:
{"name": ..., "expectations": [{"type": ..., "kwargs": {...}, "meta": {...}}]}.
The GX project (its stores) lives in <warehouse>/gx; the HTML validation report is ours (`newsfacts.validation_report`),
because GX's Data Docs show unexpected values (article text) as raw HTML.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from newsfacts import project, schemas, validation_report

project.apply_quiet_defaults()

import great_expectations as gx  # noqa: E402  (after the quiet defaults)
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: E402


@dataclass
class ValidationReport:
    success: bool
    rows: list[dict] = field(default_factory=list)  # one per expectation, schemas.validation_results
    data_docs: Path | None = None  # the run's HTML report

    @property
    def failures(self) -> list[dict]:
        return [row for row in self.rows if not row["success"]]

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=schemas.validation_results)


def suite_path(table: str) -> Path:
    return project.expectations_dir() / f"{table}.json"


def load_suite(path: Path) -> gx.ExpectationSuite:
    spec = json.loads(path.read_text())
    suite = gx.ExpectationSuite(name=spec["name"])
    for item in spec["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta=item.get("meta", {}))
        )
    return suite


def gx_context(warehouse: Path):
    context = gx.get_context(mode="file", project_root_dir=str(warehouse))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def validate(batches: dict, warehouse: Path, run_id: str) -> ValidationReport:
    """Validate each table's batch (a pandas frame) with its suite; every suite runs even after a failure."""
    context = gx_context(warehouse)
    source = context.data_sources.add_or_update_pandas("staging")
    rows: list[dict] = []
    for table, frame in batches.items():
        result = run_suite(context, source, table, frame)
        rows.extend(result_rows(table, result, run_id))
    # Data Docs built by earlier versions hold article text as live markup: never leave them to open
    shutil.rmtree(warehouse / "gx" / "uncommitted" / "data_docs", ignore_errors=True)
    docs = validation_report.write_report(warehouse, run_id, rows)
    return ValidationReport(all(r["success"] for r in rows), rows, docs)


def run_suite(context, source, table: str, frame):
    asset = next((a for a in source.assets if a.name == table), None) or source.add_dataframe_asset(table)
    batch_definition = next((b for b in asset.batch_definitions if b.name == "all"), None) \
        or asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add_or_update(load_suite(suite_path(table)))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=table, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(name=table, validation_definitions=[definition], actions=[])
    )
    return checkpoint.run(batch_parameters={"dataframe": frame})


def result_rows(table: str, checkpoint_result, run_id: str) -> list[dict]:
    rows = []
    for validation in checkpoint_result.run_results.values():
        for outcome in validation.results:
            config, result = outcome.expectation_config, outcome.result or {}
            examples = result.get("partial_unexpected_list") or []
            rows.append({
                "run_id": run_id,
                "table_name": table,
                "expectation": config.type,
                "column_name": config.kwargs.get("column"),
                "success": bool(outcome.success),
                "element_count": result.get("element_count"),
                "unexpected_count": result.get("unexpected_count"),
                "unexpected_examples": json.dumps(examples[:5], default=str) if examples else None,
                "notes": (config.meta or {}).get("notes") or describe_exception(outcome),
            })
    return rows


def describe_exception(outcome) -> str | None:
    info = outcome.exception_info or {}
    if info.get("raised_exception"):
        return f"expectation raised: {info.get('exception_message')}"
    return None


def describe(row: dict) -> str:
    kwargs = f"{row['column_name']}" if row["column_name"] else ""
    detail = f"{row['unexpected_count']} unexpected" if row["unexpected_count"] is not None else row["notes"] or ""
    examples = f", e.g. {row['unexpected_examples']}" if row["unexpected_examples"] else ""
    return f"{row['table_name']}: {row['expectation']}({kwargs}) failed: {detail}{examples}"
