"""The validation report: one HTML page per run from the expectation results, in <warehouse>/report/validation.

Unexpected values are article text (lines, names, file names), so they must never reach a
browser as markup: the page is rendered by Jinja2 with autoescaping on, and its
Content-Security-Policy forbids scripts, so even a value that slipped through would not run.
GX's own Data Docs render unexpected values as raw HTML and are not built.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import jinja2

REPORT_DIR = "report/validation"  # report/index.html is the published warehouse's report (newsfacts.report)
LATEST = "latest.html"

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>newsfacts validation {{ run_id }}: {{ "passed" if success else "failed" }}</title>
<style>
body { font-family: sans-serif; margin: 2em; } table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.failed { background: #fde8e8; } .passed { color: #1a7f37; } .failed-mark { color: #b42318; }
code { white-space: pre-wrap; word-break: break-all; }
</style></head>
<body>
<h1>Validation of run {{ run_id }}: <span class="{{ 'passed' if success else 'failed-mark' }}">
{{- "passed" if success else "failed" }}</span></h1>
<p>{{ rows | length }} expectations on {{ tables | length }} tables, {{ failed }} failed.
Published tables change only when every expectation passes.</p>
{% for table, table_rows in tables.items() %}
<h2>{{ table }}</h2>
<table>
<tr><th>expectation</th><th>column</th><th>result</th><th>rows</th><th>unexpected</th>
<th>unexpected examples</th><th>notes</th></tr>
{% for row in table_rows %}
<tr class="{{ '' if row.success else 'failed' }}">
<td>{{ row.expectation }}</td><td>{{ row.column_name or "" }}</td>
<td>{{ "passed" if row.success else "failed" }}</td>
<td>{{ row.element_count if row.element_count is not none else "" }}</td>
<td>{{ row.unexpected_count if row.unexpected_count is not none else "" }}</td>
<td>{% for example in row.examples %}<code>{{ example }}</code>{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td>{{ row.notes or "" }}</td>
</tr>
{% endfor %}
</table>
{% endfor %}
</body></html>
"""

ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render(run_id: str, rows: list[dict]) -> str:
    tables: dict[str, list[dict]] = {}
    for row in rows:
        tables.setdefault(row["table_name"], []).append({**row, "examples": examples(row)})
    failed = Counter(row["success"] for row in rows)[False]
    return ENVIRONMENT.from_string(TEMPLATE).render(
        run_id=run_id, rows=rows, tables=tables, failed=failed, success=failed == 0)


def examples(row: dict) -> list[str]:
    """The stored examples (a JSON list), each shown as its own text."""
    if not row.get("unexpected_examples"):
        return []
    try:
        values = json.loads(row["unexpected_examples"])
    except ValueError:
        return [row["unexpected_examples"]]
    return [value if isinstance(value, str) else json.dumps(value) for value in values]


def write_report(warehouse: Path, run_id: str, rows: list[dict]) -> Path:
    """Write report/validation/runs/<run_id>.html and make it report/validation/latest.html; returns the run's page."""
    folder = warehouse / REPORT_DIR
    page = render(run_id, rows)
    run_page = folder / "runs" / f"{run_id}.html"
    write_atomically(run_page, page)
    write_atomically(folder / LATEST, page)
    return run_page


def write_atomically(path: Path, text: str) -> None:
    """A reader opening the page sees the old or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
