"""How `newsfacts sql` shows a result: DuckDB's own table renderer, one row per record, CSV, JSON or
Markdown on stdout, or a CSV, Parquet or JSON file where the user asks (the only file it writes).

The query itself runs on the locked-down read-only connection (newsfacts.warehouse); every file is
written here, from the fetched Arrow table, never by DuckDB.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by their users: the CLI starts without them
    import duckdb
    import pyarrow as pa

FORMATS = ("table", "line", "csv", "json", "markdown")
FILE_SUFFIXES = (".csv", ".parquet", ".json")
MAX_ROWS = 40  # rows the table shows (the first and last halves), as DuckDB's CLI does


def table_text(relation: duckdb.DuckDBPyRelation, width: int, max_rows: int = MAX_ROWS) -> str:
    """DuckDB's box renderer: a wide result keeps its first and last columns whole and says how many it
    left out; a long one shows its first and last rows and counts them all."""
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        relation.show(max_width=width, max_rows=max_rows, null_value="NULL")
    return shown.getvalue().rstrip("\n")


def columns_left_out(text: str) -> int:
    """How many columns the rendered table left out (0 when all are shown), from its footer."""
    found = re.search(r"(\d+) columns \((\d+) shown\)", text.rsplit("\n", 2)[-1] if text else "")
    return int(found.group(1)) - int(found.group(2)) if found else 0


def cell(value) -> str:
    """A value as text, as DuckDB prints it (NULL for a missing value)."""
    if value is None:
        return "NULL"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def line_text(columns: list[str], rows: list[tuple]) -> str:
    """One block per record, `column = value` per line (DuckDB CLI's `.mode line`): any width fits."""
    pad = max((len(name) for name in columns), default=0)
    blocks = ["\n".join(f"{name.rjust(pad)} = {cell(value)}" for name, value in zip(columns, row)) for row in rows]
    return "\n\n".join(blocks)


def csv_text(columns: list[str], rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if value is None else cell(value) for value in row] for row in rows])
    return out.getvalue().rstrip("\n")


def json_value(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_text(columns: list[str], rows: list[tuple]) -> str:
    """A JSON array of objects, one per row (dates in ISO 8601)."""
    return json.dumps([dict(zip(columns, row)) for row in rows], default=json_value, ensure_ascii=False)


def markdown_text(columns: list[str], rows: list[tuple]) -> str:
    """A GitHub-flavoured Markdown table (pipes and line breaks inside cells escaped)."""
    def md(value) -> str:
        return cell(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")

    lines = ["| " + " | ".join(md(name) for name in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(md(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


TEXT_FORMATS = {"line": line_text, "csv": csv_text, "json": json_text, "markdown": markdown_text}


def write_file(table: pa.Table, path: Path) -> None:
    """The result as a CSV, Parquet or JSON file (by suffix), written whole or not at all."""
    suffix = path.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ValueError(f"cannot write {path}: the file name must end in {', '.join(FILE_SUFFIXES)}")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, partial)
        elif suffix == ".csv":
            partial.write_text(csv_text(table.column_names, rows_of(table)) + "\n", encoding="utf-8")
        else:
            partial.write_text(json_text(table.column_names, rows_of(table)) + "\n", encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def rows_of(table: pa.Table) -> list[tuple]:
    return list(zip(*(column.to_pylist() for column in table.columns))) if table.num_columns else []
