"""Validate: run the GX suites in expectations/ against the staged tables, and write the report.

Suites are plain JSON files named after the table they check:
{"name": ..., "expectations": [{"type": ..., "kwargs": {...}, "meta": {"scope": "row" | "table", ...}}]}.
GX runs in an ephemeral data context (its stores in memory): the suites are read from expectations/
every run and the results go to the warehouse's `validation_results` and the HTML validation report,
which is ours (`newsfacts.validation_report`), because GX's Data Docs show unexpected values (article
text) as raw HTML. A file context would only add a JSON file per suite and run under the warehouse.

Two kinds of failure. A row-level expectation ("scope": "row") judges rows that belong to one
document each: the documents whose rows fail it are quarantined (kept out of the published tables
and extracted again next run) and the others publish. A table-level one (schema, keys unique across
documents, shares of the whole batch, corpus tables) blocks publishing, and so does a quarantine of
more than MAX_QUARANTINED_SHARE of the documents: that is a broken stage, not a bad document.
"""
from __future__ import annotations

import json
import math
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from newsfacts import project, schemas, validation_report

# Great Expectations is imported where a suite is loaded or run, not with this module (3 s): a run with
# nothing new validates nothing, and every run imports the flow, which imports this module.
project.apply_quiet_defaults()  # before GX is imported


ROW_LEVEL, TABLE_LEVEL = "row", "table"
MAX_QUARANTINED_SHARE = 0.05
# The column that names a row's document in a check batch, or the documents a corpus row (an
# entity) stands for: a row-level failure quarantines them.
DOCUMENT_KEYS = ("doc_id", "doc_ids")
MAX_DETAIL_VALUES = 3


@dataclass
class ValidationReport:
    success: bool  # publishable: no table-level failure and few enough documents quarantined
    rows: list[dict] = field(default_factory=list)  # one per expectation, schemas.validation_results
    data_docs: Path | None = None  # the run's HTML report
    quarantine: list[dict] = field(default_factory=list)  # one per document and failed expectation
    document_count: int = 0  # documents validated
    unattributed: list[str] = field(default_factory=list)  # row-level failures whose rows name no document

    @property
    def failures(self) -> list[dict]:
        return [row for row in self.rows if not row["success"]]

    @property
    def blocking(self) -> list[str]:
        """Why publishing is blocked (empty when it is not)."""
        reasons = [describe(row) for row in self.failures if row["scope"] == TABLE_LEVEL]
        reasons += [f"{failure} (rows with no document to quarantine)" for failure in self.unattributed]
        quarantined = len(self.quarantined_doc_ids)
        if quarantined > MAX_QUARANTINED_SHARE * self.document_count:
            reasons.append(f"{quarantined} of {self.document_count} documents failed row-level expectations "
                           f"(more than {MAX_QUARANTINED_SHARE:.0%}): "
                           + "; ".join(describe(row) for row in self.failures if row["scope"] == ROW_LEVEL))
        return reasons

    @property
    def quarantined_doc_ids(self) -> set[str]:
        return {row["doc_id"] for row in self.quarantine}

    def table(self) -> pa.Table:
        return pa.Table.from_pylist(self.rows, schema=schemas.validation_results)

    def quarantine_table(self) -> pa.Table:
        return pa.Table.from_pylist(self.quarantine, schema=schemas.quarantine)


def suite_path(table: str) -> Path:
    return project.expectations_dir() / f"{table}.json"


def judges_whole_column(item: dict) -> bool:
    """A table-level expectation about a whole column (unique across the table, or true of most of it):
    an incremental run checks it on the column's every stored value, the rest on the rows in scope."""
    return item.get("meta", {}).get("scope") == TABLE_LEVEL and (
        item["type"] == "expect_column_values_to_be_unique" or "mostly" in item["kwargs"])


def whole_columns(tables) -> dict[str, list[dict]]:
    """table -> its whole-column expectations (tables that have some), as written in its suite; an
    incremental run measures them in DuckDB over every stored row (warehouse.whole_batches)."""
    found = {}
    for table in tables:
        items = [item for item in json.loads(suite_path(table).read_text())["expectations"] if judges_whole_column(item)]
        if items:
            found[table] = items
    return found


def whole_rows(table: str, items: list[dict], measures: list[dict], run_id: str) -> list[dict]:
    """schemas.validation_results rows of whole-column expectations measured in SQL, judged as GX judges
    them: the share of unexpected non-missing values at most 1 - mostly (none, without mostly)."""
    rows = []
    for item, found in zip(items, measures, strict=True):
        judged = found["element_count"] - found["missing_count"]
        allowed = (1 - item["kwargs"].get("mostly", 1.0)) * judged
        meta = item.get("meta", {})
        rows.append({
            "run_id": run_id, "table_name": table, "expectation": item["type"],
            "column_name": item["kwargs"].get("column"), "scope": meta.get("scope", TABLE_LEVEL),
            "success": found["unexpected_count"] <= allowed + 1e-9,
            "element_count": found["element_count"], "unexpected_count": found["unexpected_count"],
            "unexpected_examples": json.dumps(found["examples"], default=plain) if found["examples"] else None,
            "notes": meta.get("notes"),
        })
    return rows


def load_suite(path: Path, whole: bool | None = None):
    """The suite in `path` (a GX ExpectationSuite); whole True/False: only the expectations that judge a
    whole column / the others."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = json.loads(path.read_text())
    configurations = []
    for item in spec["expectations"]:
        if whole is not None and judges_whole_column(item) != whole:
            continue
        meta = item.get("meta", {})
        if meta.get("scope") not in (ROW_LEVEL, TABLE_LEVEL):
            raise ValueError(f"{path}: {item['type']}({item['kwargs'].get('column', '')}) needs meta.scope "
                             f"'{ROW_LEVEL}' or '{TABLE_LEVEL}'")
        configurations.append(ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta=meta))
    # Given whole, not added one by one: an added configuration replaces one of the same type and
    # column, and the second of two bounds on one column (a row's, a table's) would never be checked.
    name = spec["name"] if whole is None else f"{spec['name']}.{'whole' if whole else 'scope'}"
    return gx.ExpectationSuite(name=name, expectations=configurations)


def import_gx() -> None:
    """Import Great Expectations now (seconds of one core): in a thread while the extraction workers parse,
    so that validation does not begin by waiting for it. Safe to call more than once."""
    import great_expectations  # noqa: F401
    from great_expectations.data_context.types.base import DataContextConfig  # noqa: F401
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: F401


def gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (DataContextConfig, InMemoryStoreBackendDefaults,
                                                            ProgressBarsConfig)

    # no Data Docs site (GX would make a temporary folder for one, left behind)
    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
    context = gx.get_context(project_config=config, mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def validate(batches: dict, warehouse: Path, run_id: str, whole: dict | None = None) -> ValidationReport:
    """Validate each table's batch (a pandas frame) with its suite; every suite runs even after a failure.
    `batches` holds "documents" (doc_id, source_path), which names the quarantined documents' files.
    `whole`: for an incremental run, table -> its whole-column expectations measured over every stored
    row (warehouse.whole_batches): those are judged from the measures, the rest run by GX on the batch
    of rows in scope."""
    context = gx_context()
    source = context.data_sources.add_or_update_pandas("staging")
    rows: list[dict] = []
    failed_rows: dict[tuple[str, str], list[dict]] = {}
    runs = []
    for table, frame in batches.items():
        if whole is not None and table in whole:
            runs.append((table, frame, False))
            rows += whole_rows(table, whole_columns([table])[table], whole[table], run_id)
        else:
            runs.append((table, frame, None))
    for table, frame, part in runs:
        result = run_suite(context, source, table, frame, part)
        for row, unexpected in result_rows(table, result, run_id):
            rows.append(row)
            if not row["success"] and row["scope"] == ROW_LEVEL:
                failed_rows[table, expectation_name(row)] = unexpected
    # Data Docs built by earlier versions hold article text as live markup: never leave them to open
    shutil.rmtree(warehouse / "gx" / "uncommitted" / "data_docs", ignore_errors=True)
    docs = validation_report.write_report(warehouse, run_id, rows)
    documents = batches.get("documents")
    paths = dict(zip(documents["doc_id"], documents["source_path"])) if documents is not None else {}
    report = ValidationReport(True, rows, docs,
                              quarantine_rows(failed_rows, paths, run_id), len(paths))
    named = {(row["table_name"], row["expectation"]) for row in report.quarantine}
    report.unattributed = [f"{table}: {expectation}" for table, expectation in failed_rows
                           if (table, expectation) not in named]
    report.success = not report.blocking
    return report


def quarantine_rows(failed_rows: dict[tuple[str, str], list[dict]], paths: dict, run_id: str) -> list[dict]:
    """One row per (document, table, expectation) from GX's unexpected rows, keyed by doc_id."""
    rows = []
    for (table, expectation), unexpected in failed_rows.items():
        values: dict[str, list] = defaultdict(list)
        for item in unexpected:
            shown = {k: plain(v) for k, v in item.items() if k not in DOCUMENT_KEYS}
            for doc_id in documents_named(item):
                values[doc_id].append(shown)
        for doc_id, found in sorted(values.items()):
            shown = ", ".join(json.dumps(v, default=plain, ensure_ascii=False) for v in found[:MAX_DETAIL_VALUES])
            rows.append({"run_id": run_id, "doc_id": doc_id, "source_path": paths.get(doc_id), "table_name": table,
                         "expectation": expectation, "detail": f"{len(found)} row(s) fail: {shown}"})
    return rows


def documents_named(item: dict) -> list[str]:
    for key in DOCUMENT_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return [value]
        if value is not None and not isinstance(value, float):
            return [doc_id for doc_id in value if isinstance(doc_id, str)]
    return []


def plain(value):
    """numpy scalars and NaN as JSON would show them."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and math.isnan(value):
        return None
    return value if isinstance(value, (bool, int, float, str)) else str(value)


def expectation_name(row: dict) -> str:
    return f"{row['expectation']}({row['column_name'] or ''})"


def result_format(frame) -> dict:
    """Every unexpected row, named by its document(s) (the quarantine needs them all) and by the
    batch's first column, its own key (mention_id, figure_id, entity_id...)."""
    key = next((column for column in DOCUMENT_KEYS if column in frame.columns), None)
    if key is None:
        return {"result_format": "SUMMARY"}
    return {"result_format": "COMPLETE", "unexpected_index_column_names": list(dict.fromkeys([key, frame.columns[0]])),
            "return_unexpected_index_query": False}


def run_suite(context, source, table: str, frame, whole: bool | None = None):
    """`whole`: None, the whole suite; True/False, its whole-column expectations / the others."""
    import great_expectations as gx

    name = table if whole is None else f"{table}.{'whole' if whole else 'scope'}"
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    batch_definition = next((b for b in asset.batch_definitions if b.name == "all"), None) \
        or asset.add_batch_definition_whole_dataframe("all")
    suite = context.suites.add_or_update(load_suite(suite_path(table), whole))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(name=name, validation_definitions=[definition], result_format=result_format(frame), actions=[])
    )
    return checkpoint.run(batch_parameters={"dataframe": frame})


def result_rows(table: str, checkpoint_result, run_id: str) -> list[tuple[dict, list[dict]]]:
    """(schemas.validation_results row, GX's unexpected rows as {doc_id, column: value}) per expectation."""
    rows = []
    for validation in checkpoint_result.run_results.values():
        for outcome in validation.results:
            config, result = outcome.expectation_config, outcome.result or {}
            examples = result.get("partial_unexpected_list") or []
            rows.append(({
                "run_id": run_id,
                "table_name": table,
                "expectation": config.type,
                "column_name": config.kwargs.get("column"),
                "scope": (config.meta or {}).get("scope", TABLE_LEVEL),
                "success": bool(outcome.success),
                "element_count": result.get("element_count"),
                "unexpected_count": result.get("unexpected_count"),
                "unexpected_examples": json.dumps(examples[:5], default=plain) if examples else None,
                "notes": (config.meta or {}).get("notes") or describe_exception(outcome),
            }, result.get("unexpected_index_list") or []))
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
