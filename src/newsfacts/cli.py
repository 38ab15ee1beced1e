"""The `newsfacts` command: run the flow, query the warehouse, score and benchmark the stages."""
from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsfacts import project, warehouse

project.apply_quiet_defaults()

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks: our stages next to the well-known tools, in one run.")
app.add_typer(bench_app, name="bench")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

RawOption = Annotated[Path, typer.Option("--raw", help="Folder of raw articles (*.txt, *.html), read recursively.")]
WarehouseOption = Annotated[Path, typer.Option("--warehouse", help="Folder for Parquet, DuckDB and reports.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]
KeepRemovedOption = Annotated[bool, typer.Option(
    "--keep-removed", help="Keep the documents of raw files archived away (deleted raw files withdraw them).")]
BUSY_EXIT_CODE = 3  # another run is writing the warehouse; nothing was changed


def load_flow():
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(project.flow_entrypoint())


def run_flow(raw: Path, warehouse_dir: Path, full_refresh: bool = False, **options) -> tuple[bool, dict | str]:
    """Run the Prefect flow (options: workers, dask_address, batch_docs); (succeeded, summary) or (False, message)."""
    state = load_flow()(raw_dir=str(raw), warehouse_dir=str(warehouse_dir), full_refresh=full_refresh,
                        return_state=True, **options)
    if state.is_completed():
        return True, state.result()
    return False, state.message or state.name


@app.command()
def run(
    raw: RawOption = Path("data/raw"),
    warehouse_dir: WarehouseOption = Path("data/warehouse"),
    full_refresh: Annotated[bool, typer.Option(help="Forget stored facts and process every raw file again.")] = False,
    keep_removed: KeepRemovedOption = False,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Extraction processes on this machine (default: its cores); 1 extracts in-process.",
        show_default=False)] = None,
    dask: Annotated[Optional[str], typer.Option(
        "--dask", metavar="tcp://HOST:PORT", help="Extract on this existing Dask cluster (its scheduler's address).",
        show_default=False)] = None,
    batch_docs: Annotated[Optional[int], typer.Option(
        "--batch-docs", min=1, help="Documents per extraction batch (default: 32).", show_default=False)] = None,
):
    """Ingest, clean, extract, store, load, validate and (only if valid) publish."""
    from newsfacts import runs

    if not raw.is_dir():
        errors.print(f"[red]no such folder: {raw}[/red]")
        raise typer.Exit(2)
    if dask is not None and workers is not None:
        errors.print("[red]--workers and --dask exclude each other[/red]: a cluster's size is the cluster's.")
        raise typer.Exit(2)
    if dask is not None and (problem := unreachable(dask)):
        errors.print(f"[red]cannot reach the Dask scheduler at {escape(dask)}[/red]: {escape(problem)}")
        raise typer.Exit(2)
    try:
        runs.check_free(warehouse_dir)  # answer at once, before starting Prefect
    except runs.WarehouseBusy as busy:
        errors.print(f"[red]{busy}[/red]")
        raise typer.Exit(BUSY_EXIT_CODE)
    options = {"keep_removed": keep_removed, "workers": workers, "dask_address": dask} | (
        {"batch_docs": batch_docs} if batch_docs else {})
    ok, outcome = run_flow(raw, warehouse_dir, full_refresh, **options)
    if not ok and outcome.startswith("another run is writing"):
        errors.print(f"[red]{outcome}[/red]")
        raise typer.Exit(BUSY_EXIT_CODE)
    if not ok:
        errors.print(f"[red]run failed[/red]: {outcome}")
        errors.print("Published tables were left as they were.")
        raise typer.Exit(1)
    print_summary(outcome)


def unreachable(address: str, seconds: float = 10) -> str | None:
    """Why a scheduler address cannot be used (a run would otherwise wait, then fail with a traceback)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        if parts.scheme != "tcp" or not parts.hostname or not parts.port:
            return "expected tcp://HOST:PORT"
        with socket.create_connection((parts.hostname, parts.port), timeout=seconds):
            return None
    except (OSError, ValueError) as exc:
        return str(exc)


def print_summary(summary: dict) -> None:
    if summary.get("unchanged_since"):
        print_unchanged(summary)
        return
    stored = summary["stored"]
    console.print(f"documents     {summary['new_documents']} new, {summary['skipped_documents']} already processed, "
                  f"{summary['ingest_errors']} not ingested (see ingest_errors)")
    if summary.get("languages"):
        console.print("languages     " + ", ".join(f"{code} {n}" for code, n in summary["languages"].items())
                      + " (facts are extracted from English; see documents.language)")
    if summary["superseded_documents"] or summary["removed_documents"]:
        console.print(f"withdrawn     {summary['superseded_documents']} superseded by an edited file, "
                      f"{summary['removed_documents']} whose file is gone (see withdrawn_documents)")
    if summary["crashed_runs_found"]:
        console.print(f"earlier runs  {', '.join(summary['crashed_runs_found'])} ended without finishing "
                      f"(recorded as crashed in runs); their uncommitted files were dropped")
    console.print(f"removed lines {stored['removed_lines']} (boilerplate, titles and date lines; see removed_lines)")
    console.print(f"facts         {stored['entity_mentions']} entity mentions, {summary['entities']} canonical "
                  f"entities, {stored['figures']} figures, {stored['quotes']} quotes")
    if "stories" in summary:
        console.print(f"stories       {summary['stories']} (documents reporting one event; see stories)")
    console.print(f"validation    passed ({summary['expectations_checked']} expectations on "
                  f"{len(summary['staged'])} staged tables)")
    if summary.get("quarantined_documents"):
        console.print(f"quarantine    {summary['quarantined_documents']} document(s) kept out and retried next run "
                      f"(see quarantine): " + "; ".join(summary["validation_failures"]))
    console.print(f"warehouse     {summary['warehouse']}")
    if summary.get("report"):
        console.print(f"report        {summary['report']}")
    console.print(f"checks page   {summary['data_docs']}")


def print_unchanged(summary: dict) -> None:
    console.print(f"documents     0 new, {summary['skipped_documents']} already processed")
    if summary["crashed_runs_found"]:
        console.print(f"earlier runs  {', '.join(summary['crashed_runs_found'])} ended without finishing "
                      f"(recorded as crashed in runs); they had committed nothing")
    console.print(f"unchanged     nothing new since run {summary['unchanged_since']}: the published tables "
                  "are left as they are (this run is recorded in runs)")
    console.print(f"warehouse     {summary['warehouse']}")
    if summary.get("report"):
        console.print(f"report        {summary['report']}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run against the published warehouse (read-only).")],
    warehouse_dir: WarehouseOption = Path("data/warehouse"),
    as_json: JsonOption = False,
):
    """Run ad hoc SQL on the published tables and print the result."""
    import duckdb

    try:
        columns, rows = warehouse.query(warehouse_dir, query)
    except warehouse.WarehouseMissing as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1)
    except duckdb.Error as exc:
        errors.print(f"[red]{escape(warehouse.describe_query_error(exc))}[/red]")
        raise typer.Exit(1)
    if as_json:
        print(json.dumps([dict(zip(columns, row)) for row in rows], default=str, ensure_ascii=False))
        return
    table = Table(*map(escape, columns), show_lines=False)
    for row in rows:  # article text such as "[bold]" is shown as written, not read as console markup
        table.add_row(*["" if value is None else escape(str(value)) for value in row])
    console.print(table)
    console.print(f"{len(rows)} row(s)")


@app.command(name="eval")
def evaluate_command(
    raw: RawOption = Path("data/raw"),
    gold: Annotated[Path, typer.Option("--gold", help="Gold annotations (format of shared/gold/seeds.yaml).")] = Path(
        "../shared/gold/seeds.yaml"),
    as_json: JsonOption = False,
):
    """Run the flow on RAW into a temporary warehouse and score it against a gold file."""
    from newsfacts import evaluate

    with tempfile.TemporaryDirectory(prefix="newsfacts-eval-") as tmp:
        ok, outcome = run_flow(raw, Path(tmp), full_refresh=True)
        if not ok:
            errors.print(f"[red]the run failed, nothing to score[/red]: {outcome}")
            raise typer.Exit(1)
        scores = evaluate.score_tables(warehouse.published_tables(Path(tmp)), evaluate.load_gold(gold))
    print_scores(scores, as_json)


def print_scores(scores: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(scores))
        return
    table = Table("measure", "score")
    for name, value in scores.items():
        table.add_row(name, f"{value:.3f}")
    console.print(table)


@bench_app.command("boilerplate")
def bench_boilerplate(
    data: Annotated[Path, typer.Option("--data", help="The article-extraction benchmark folder.")] = Path(
        "../shared/benchmarks/article-extraction"),
    as_json: JsonOption = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write each system's predictions here.")] = None,
):
    """Boilerplate removal: raw text, our text cleaner, trafilatura and our HTML path, scored in one run."""
    from newsfacts.bench import boilerplate

    results = boilerplate.run_boilerplate_bench(data, out)
    print(json.dumps(results) if as_json else boilerplate.format_table(results))


@bench_app.command("quotes")
def bench_quotes(
    raw: RawOption = Path("data/raw"),
    gold: Annotated[Path, typer.Option("--gold")] = Path("../shared/gold/seeds.yaml"),
    as_json: JsonOption = False,
):
    """Quote extraction: textacy's direct_quotations next to ours on the same gold."""
    from newsfacts.bench import quotes

    results = quotes.run_quotes_bench(raw, gold)
    print(json.dumps(results) if as_json else quotes.format_table(results))


@bench_app.command("extract")
def bench_extract(raw: RawOption = Path("data/raw"), as_json: JsonOption = False):
    """Words per second of our extract stage next to bare spaCy nlp.pipe on the same texts."""
    from newsfacts.bench import extract_speed

    results = extract_speed.run_extract_speed(raw)
    print(json.dumps(results) if as_json else extract_speed.format_table(results))


@bench_app.command("stories")
def bench_stories(
    docs: Annotated[int, typer.Option("--docs", min=30, help="Stored documents N (and 10N).")] = 1000,
    as_json: JsonOption = False,
):
    """Story assignment of two more days' reports against N and 10N stored documents (an invented
    corpus): milliseconds and comparisons per new document, and their ratios (flat: about 1)."""
    from newsfacts.bench import story_scale

    results = story_scale.run(docs)
    print(json.dumps(results) if as_json else story_scale.format_table(results))


@bench_app.command("scale")
def bench_scale(
    docs: Annotated[int, typer.Option("--docs", min=10, help="Documents in the corpus (and N/10 for the memory ratio).")],
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Extraction processes (default: the cores).",
                                                   show_default=False)] = None,
    data: Annotated[Path, typer.Option("--data", help="The article-extraction benchmark folder.")] = Path(
        "../shared/benchmarks/article-extraction"),
    as_json: JsonOption = False,
):
    """The whole run on N invented-lead copies of the benchmark's pages: words/s next to bare nlp.pipe,
    peak memory at N and N/10, a no-op rerun next to a run on an empty folder."""
    from newsfacts.bench import scale

    try:
        results = scale.run_scale_bench(data, docs, workers)
    except (OSError, ValueError, RuntimeError) as exc:  # no pages, or a run of the benchmark failed
        errors.print(f"[red]bench scale failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1)
    print(json.dumps(results) if as_json else scale.format_table(results))


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="Cron schedule, e.g. '0 * * * *' for hourly.")] = "0 * * * *",
    raw: RawOption = Path("data/raw"),
    warehouse_dir: WarehouseOption = Path("data/warehouse"),
    name: Annotated[str, typer.Option(help="Deployment name.")] = "newsfacts-scheduled",
    keep_removed: KeepRemovedOption = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, show_default=False,
                                                   help="Extraction processes (default: the cores).")] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", metavar="tcp://HOST:PORT", show_default=False,
                                                help="Extract on this existing Dask cluster.")] = None,
):
    """Serve the flow as a Prefect deployment on a cron schedule (needs a Prefect server or Cloud)."""
    # Prefect 3.8.8's SIGTERM handler calls the runner's async stop without awaiting it; the runner
    # still shuts down (and pauses its schedule), so the warning is noise to whoever stops us.
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited", category=RuntimeWarning)
    flow = load_flow()
    flow.serve(name=name, cron=cron,
               parameters={"raw_dir": str(raw.resolve()), "warehouse_dir": str(warehouse_dir.resolve()),
                           "keep_removed": keep_removed, "workers": workers, "dask_address": dask})


def main() -> None:  # pragma: no cover
    sys.exit(app())
