"""The `newsfacts` command: run the flow, query the warehouse, score and benchmark the stages."""
from __future__ import annotations

import json
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsfacts import project, results

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
    """Run the Prefect flow (options: workers, dask_address, batch_docs); (succeeded, summary) or
    (False, one line saying what went wrong). A traceback stays in the run's log, off the terminal."""
    from newsfacts import failures

    flow = load_flow()  # imports Prefect, which sets up its logging
    with quiet_failures():
        state = flow(raw_dir=str(raw), warehouse_dir=str(warehouse_dir), full_refresh=full_refresh,
                     return_state=True, **options)
    if state.is_completed():
        return True, state.result()
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException) and not is_prefect_failure(outcome):
        failures.forget_frames(outcome)
        return False, failures.describe(outcome, warehouse_dir) + flow_run_log(state)
    message = state.message or state.name
    if message.startswith("another run is writing"):
        return False, message
    return False, f"run failed: {message}; {failures.NOTHING_PUBLISHED}."


def is_prefect_failure(exc: BaseException) -> bool:
    """Prefect's stand-in for a Failed state the flow returned (validation failed, busy), not a crash."""
    return type(exc).__module__.startswith("prefect")


def flow_run_log(state) -> str:
    run_id = getattr(state.state_details, "flow_run_id", None)
    return f" (the traceback: `prefect flow-run logs {run_id}`)" if run_id else ""


@contextmanager
def quiet_failures():
    """Keep the flow's and tasks' error logs (tracebacks) off the terminal while the flow runs: they go
    to the run's log in Prefect, and `newsfacts run` says what happened in one line."""
    import logging

    def keep(record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.name.startswith(("prefect.flow_runs",
                                                                                "prefect.task_runs")))
    handlers = [h for h in logging.getLogger().handlers if type(h).__name__ == "PrefectConsoleHandler"]
    for handler in handlers:
        handler.addFilter(keep)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(keep)


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
    max_commits: Annotated[Optional[int], typer.Option(
        "--max-commits", min=1, help="Commits kept in the store before published ones are merged (default: 32).",
        show_default=False)] = None,
):
    """Ingest, clean, extract, store, load, validate and (only if valid) publish."""
    from newsfacts import runs

    if not raw.is_dir():
        fail(f"no raw folder at {raw}: nothing was read and nothing was published. Point --raw at the folder "
             "that holds the articles (*.txt, *.html, *.jsonl) and run again.", 2)
    if dask is not None and workers is not None:
        errors.print("[red]--workers and --dask exclude each other[/red]: a cluster's size is the cluster's.")
        raise typer.Exit(2)
    if dask is not None and (problem := unreachable(dask)):
        errors.print(f"[red]cannot reach the Dask scheduler at {escape(dask)}[/red]: {escape(problem)}")
        raise typer.Exit(2)
    options = {"keep_removed": keep_removed, "workers": workers, "dask_address": dask} | (
        {"batch_docs": batch_docs} if batch_docs else {}) | ({"max_commits": max_commits} if max_commits else {})
    try:
        # The writer lock is taken here, before Prefect starts (seconds), and held until the flow has
        # ended: a second run is refused at once whenever it starts, and starts nothing.
        with runs.hold(warehouse_dir):
            ok, outcome = run_flow(raw, warehouse_dir, full_refresh, **options)
    except runs.WarehouseBusy as busy:
        fail(str(busy), BUSY_EXIT_CODE)
    except OSError as exc:  # the warehouse folder cannot be made or locked (read-only, no space)
        from newsfacts import failures

        fail(failures.describe(exc, warehouse_dir), 1)
    if not ok:
        fail(outcome, BUSY_EXIT_CODE if outcome.startswith("another run is writing") else 1)
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
    output_format: Annotated[str, typer.Option(
        "--format", help="table (DuckDB's renderer), line (one row per record), csv, json or markdown.")] = "table",
    output: Annotated[Optional[Path], typer.Option(
        "--output", help="Write the whole result to this .csv, .parquet or .json file instead.", show_default=False)
    ] = None,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Rows the table shows (its first and last).")
                        ] = results.MAX_ROWS,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
):
    """Run ad hoc SQL on the published tables and print the result (or write it to --output)."""
    import duckdb

    from newsfacts import warehouse

    output_format = "json" if as_json else output_format
    if output_format not in results.FORMATS:
        fail(f"unknown --format {output_format}: choose one of {', '.join(results.FORMATS)}", 2)
    if output is not None and output.suffix.lower() not in results.FILE_SUFFIXES:
        fail(f"cannot write {output}: the file name must end in {', '.join(results.FILE_SUFFIXES)}", 2)
    try:
        with warehouse.open_read_only(warehouse_dir) as con:
            relation = con.sql(query)
            if relation is None:  # a statement without a result (one the lockdown allows)
                console.print("done")
                return
            if output is not None:
                table = relation.to_arrow_table()
                results.write_file(table, output)
                console.print(f"{table.num_rows} row(s), {table.num_columns} column(s) written to {escape(str(output))}")
            elif output_format == "table":
                print_table(relation, max_rows)
            else:
                print(results.TEXT_FORMATS[output_format](relation.columns, relation.fetchall()))
    except warehouse.WarehouseMissing as exc:
        fail(str(exc), 1)
    except duckdb.Error as exc:
        fail(warehouse.describe_query_error(exc), 1)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", 1)


def print_table(relation, max_rows: int) -> None:
    import shutil

    text = results.table_text(relation, shutil.get_terminal_size((120, 24)).columns, max_rows)
    print(text)
    if left_out := results.columns_left_out(text):
        errors.print(f"{left_out} column(s) left out to fit the width: --format line shows one row per record "
                     "with every column, --format csv or --output FILE the whole result", highlight=False)


def fail(message: str, code: int) -> None:
    errors.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


@app.command(name="eval")
def evaluate_command(
    raw: RawOption = Path("data/raw"),
    gold: Annotated[Path, typer.Option("--gold", help="Gold annotations (format of shared/gold/seeds.yaml).")] = Path(
        "../shared/gold/seeds.yaml"),
    as_json: JsonOption = False,
):
    """Run the flow on RAW into a temporary warehouse and score it against a gold file."""
    from newsfacts import evaluate, warehouse

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
    data: Annotated[Path, typer.Option("--data", help="A benchmark folder: ground-truth.json, html-text.json, "
                                                      "html/<key>.html.gz (article-extraction, dragnet).")] = Path(
        "../shared/benchmarks/article-extraction"),
    as_json: JsonOption = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write each system's predictions here.")] = None,
):
    """Boilerplate removal: raw text, our text cleaner, trafilatura (defaults; comments off) and our HTML
    path, scored in one run; unreadable pages are skipped with a reason and counted."""
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
    docs: Annotated[Optional[int], typer.Option("--docs", min=10, show_default=False,
                                                help="Documents in the corpus (and N/10 for the memory ratio); "
                                                     "with --raw, its first N articles (default: all).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Extraction processes (default: the cores).",
                                                   show_default=False)] = None,
    data: Annotated[Path, typer.Option("--data", help="A benchmark folder: ground-truth.json, html-text.json, "
                                                      "html/<key>.html.gz (article-extraction, dragnet).")] = Path(
        "../shared/benchmarks/article-extraction"),
    raw: Annotated[Optional[Path], typer.Option("--raw", show_default=False,
                                                help="A folder of distinct articles to run on, instead of the "
                                                     "benchmark's pages.")] = None,
    wire_copy: Annotated[bool, typer.Option("--wire-copy", help="The benchmark's pages with invented leads only: "
                                            "bodies repeat, as syndicated copies do (the result says how often).")] = False,
    as_json: JsonOption = False,
):
    """The whole run on N documents whose paragraphs do not repeat (or on --raw DIR): words/s next to bare
    nlp.pipe on the same texts, stage seconds, peak memory at N and N/10, a no-op rerun next to a run on an
    empty folder."""
    from newsfacts.bench import scale

    if docs is None and raw is None:
        errors.print("[red]bench scale[/red]: give --docs N (a corpus made from the benchmark's pages) or --raw DIR")
        raise typer.Exit(2)
    try:
        results = scale.run_scale_bench(data, docs, workers, raw=raw, wire_copy=wire_copy)
    except (OSError, ValueError, RuntimeError) as exc:  # no pages, or a run of the benchmark failed
        errors.print(f"[red]bench scale failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1)
    print(json.dumps(results) if as_json else scale.format_table(results))


@bench_app.command("growth")
def bench_growth(
    sizes: Annotated[str, typer.Option("--sizes", help="Stored documents of each warehouse, comma-separated.")] = (
        "2000,20000,200000"),
    workers: Annotated[int, typer.Option("--workers", min=1, help="Extraction processes of each run.")] = 2,
    seed_docs: Annotated[int, typer.Option("--seed-docs", min=1, help="Documents extracted for the seed warehouse.")] = 60,
    data: Annotated[Path, typer.Option("--data", help="The article-extraction benchmark folder, or a raw folder.")] = Path(
        "../shared/benchmarks/article-extraction"),
    work_dir: Annotated[Optional[Path], typer.Option("--work-dir", help="Where the warehouses are built "
                                                     "(default: the system's temporary folder).")] = None,
    publish_only: Annotated[bool, typer.Option("--publish-only", help="Time only load, validate and publish of the "
                                               "20 new documents (committed, linked and in stories).")] = False,
    as_json: JsonOption = False,
):
    """One run adding the same 20 new documents to warehouses of N stored documents (grown from a seed
    run's facts without extracting): wall time, stage seconds, peak memory of the process tree, files."""
    from newsfacts.bench import growth

    try:
        chosen = tuple(int(size) for size in sizes.split(","))
        results = growth.run_growth_bench(data, chosen, workers, seed_docs, work_dir, publish_only)
    except (OSError, ValueError, RuntimeError) as exc:
        errors.print(f"[red]bench growth failed[/red]: {escape(str(exc))}")
        raise typer.Exit(1)
    print(json.dumps(results) if as_json else growth.format_table(results))


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
