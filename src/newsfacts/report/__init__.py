"""The report: one self-contained HTML page an analyst opens offline (<warehouse>/report/index.html).

Built from the published tables after each publish: story by story, the outlets side by side, the
figures each reports (disagreements highlighted, a chart of each fact's values by outlet) and who is
quoted by how many outlets; then the data quality of the run. Jinja2 renders it with autoescaping on,
so article text can never become markup; charts are SVG drawn here by pygal and inlined, styles come
from this package. The page loads nothing from anywhere.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb
import pygal
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pygal.style import Style

from newsfacts import warehouse

REPORT_DIR = "report"
MAX_SENTENCE_CHARS = 300
CHART_STYLE = Style(background="transparent", plot_background="transparent", font_family="sans-serif",
                    colors=("#3b6ea8",), value_font_size=12, label_font_size=12, title_font_size=14)
# pygal's SVG carries comments naming its website, namespace declarations and a script holding its
# configuration for tooltips loaded from the web (which we never load): none is needed inline in
# HTML5, and a page that must load nothing should not even name other addresses.
SVG_NOISE = re.compile(r'<!--.*?-->|\s+xmlns(?::\w+)?="[^"]*"|<script\b.*?</script>', re.S)


def report_path(warehouse_dir: Path) -> Path:
    return warehouse_dir / REPORT_DIR / "index.html"


def environment() -> Environment:
    return Environment(loader=PackageLoader("newsfacts.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def stylesheet() -> Markup:
    """Our own stylesheet, marked safe: autoescaping it would turn its quotes into entities, and a
    declaration such as `font-family: ..., &#34;Segoe UI&#34;, ...` is invalid CSS (the page falls back
    to the browser's serif font). A stylesheet cannot end its <style> element early, checked here."""
    css = resources.files("newsfacts.report").joinpath("templates", "report.css").read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError("report.css must not contain '</style'")
    return Markup(css)


def write_report(warehouse_dir: Path, run: dict) -> Path:
    """Render the report of the published warehouse; written whole or not at all."""
    html = render(collect(warehouse_dir), run)
    path = report_path(warehouse_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return path


def render(data: dict, run: dict) -> str:
    template = environment().get_template("report.html.j2")
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return template.render(**(data | {"counts": totals(data)}), run=run, css=stylesheet(), generated=generated)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(warehouse.read_sql("queries", "published_table_names")).fetchall()}


# A page an analyst can open: the newest stories and the first rows of each quality list, with the
# warehouse's totals counted in SQL. The whole of every table stays one query away in DuckDB; a page of
# every story would grow with the corpus (a million documents a year) and so would the run that writes it.
REPORT_STORIES = 200
REPORT_ROWS = 500


def collect(warehouse_dir: Path, shown_stories: int = REPORT_STORIES) -> dict:
    """Everything the page shows, read from the published tables: the `shown_stories` stories published
    last (their documents, figures and quotes), the first REPORT_ROWS of each quality list, and totals."""
    shown = f"""WITH shown AS (SELECT story_id FROM stories
                                       ORDER BY last_published DESC NULLS LAST, documents DESC, story_id
                                       LIMIT {int(shown_stories)})"""
    with warehouse.open_read_only(warehouse_dir) as con:
        names = table_names(con)
        documents = rows(con, f"{shown} SELECT doc_id, story_id, outlet, title, url, published_date, "
                              "source_path, word_count FROM documents WHERE story_id IN (SELECT story_id FROM shown) "
                              "ORDER BY published_date NULLS LAST, outlet, source_path")
        stories = rows(con, f"{shown} SELECT * FROM stories WHERE story_id IN (SELECT story_id FROM shown) "
                            "ORDER BY documents DESC, outlets DESC, first_published DESC NULLS LAST, story_id")
        figures = rows(con, f"{shown} SELECT * FROM figure_comparison "
                            "WHERE story_id IN (SELECT story_id FROM shown) ORDER BY fact_key, outlet, value")
        quotes = rows(con, f"{shown} SELECT q.doc_id, d.story_id, d.outlet, q.speaker_name, q.text "
                           "FROM quotes AS q JOIN documents AS d USING (doc_id) "
                           "WHERE q.speaker_name IS NOT NULL AND d.story_id IN (SELECT story_id FROM shown)")
        expectations = rows(con, "SELECT table_name, count(*) FILTER (WHERE success) AS passed, "
                                 "count(*) FILTER (WHERE NOT success) AS failed FROM validation_results "
                                 "GROUP BY table_name ORDER BY table_name")
        failures = rows(con, "SELECT table_name, expectation, column_name, unexpected_count, unexpected_examples "
                             "FROM validation_results WHERE NOT success ORDER BY table_name")
        errors = rows(con, f"SELECT source_path, reason, detail FROM ingest_errors ORDER BY source_path LIMIT {REPORT_ROWS}")
        quarantined = rows(con, f"SELECT * FROM quarantine LIMIT {REPORT_ROWS}") if "quarantine" in names else []
        counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("documents", "stories", "figures", "quotes", "entities", "ingest_errors",
                                *(["quarantine"] if "quarantine" in names else []))}
        counts["stories_several_outlets"] = con.execute("SELECT count(*) FROM stories WHERE outlets > 1").fetchone()[0]
        profile = rows(con, "SELECT p.source_path, d.outlet, p.removed_share, p.removed_line_count, p.body_line_count "
                            "FROM source_profile AS p JOIN documents AS d USING (doc_id) "
                            f"ORDER BY p.removed_share DESC, p.source_path LIMIT {REPORT_ROWS}")
    return {
        "stories": story_views(stories, documents, figures, quotes),
        "documents": documents,
        "expectations": expectations,
        "failures": failures,
        "ingest_errors": errors,
        "quarantined": quarantined,
        "profile": profile,
        "counts": counts,
    }


def totals(data: dict) -> dict:
    """The warehouse's totals: counted in SQL by collect, or (a page of given rows) the rows given."""
    stories = data["stories"]
    given = {"documents": len(data["documents"]), "stories": len(stories),
             "stories_several_outlets": sum(story["outlets"] > 1 for story in stories),
             "ingest_errors": len(data["ingest_errors"]), "quarantine": len(data["quarantined"])}
    return given | data["counts"]


def story_views(stories: list[dict], documents: list[dict], figures: list[dict], quotes: list[dict]) -> list[dict]:
    """One view per story: its documents, its facts (with a chart each) and its quoted speakers."""
    docs_of, facts_of, quotes_of = defaultdict(list), defaultdict(lambda: defaultdict(list)), defaultdict(list)
    for doc in documents:
        docs_of[doc["story_id"]].append(doc)
    for figure in figures:
        figure["sentence"] = shorten(figure["sentence"])
        facts_of[figure["story_id"]][figure["fact_key"]].append(figure)
    for quote in quotes:
        quotes_of[quote["story_id"]].append(quote)
    views = []
    for story in stories:
        facts = [fact_view(rows_) for rows_ in facts_of[story["story_id"]].values()]
        facts.sort(key=lambda f: (not f["disagreement"], -f["n_outlets"], f["label"]))
        views.append({**story, "documents": docs_of[story["story_id"]], "facts": facts,
                      "speakers": speakers(quotes_of[story["story_id"]])})
    return views


def fact_view(figures: list[dict]) -> dict:
    first = figures[0]
    label = first["fact"] + (f" in {first['place']}" if first["place"] else "") + \
        (f" on {first['event_date']}" if first["event_date"] else "") + \
        (f" ({first['period']})" if first.get("period") else "")
    return {"label": label, "figures": figures, "disagreement": bool(first["disagreement"]),
            "n_outlets": first["n_outlets"], "chart": fact_chart(label, figures)}


def fact_chart(label: str, figures: list[dict]) -> str | None:
    """A bar per figure stated, labelled with its outlet; None when no figure has a number."""
    stated = [(figure["outlet"], figure["value_display"], figure["value"]) for figure in figures
              if figure["value"] is not None]
    if not stated:
        return None
    chart = pygal.HorizontalBar(js=[], style=CHART_STYLE, show_legend=False, print_values=True,
                                width=640, height=70 + 34 * len(stated), disable_xml_declaration=True,
                                explicit_size=False)
    chart.title = label
    chart.x_labels = [outlet for outlet, _, _ in stated]
    chart.add(label, [{"value": value, "formatter": lambda _, shown=shown: shown} for _, shown, value in stated])
    return SVG_NOISE.sub("", chart.render(is_unicode=True))


def speakers(quotes: list[dict]) -> list[dict]:
    outlets, counts = defaultdict(set), defaultdict(int)
    for quote in quotes:
        outlets[quote["speaker_name"]].add(quote["outlet"])
        counts[quote["speaker_name"]] += 1
    return sorted(({"name": name, "outlets": sorted(outlets[name]), "quotes": counts[name]} for name in outlets),
                  key=lambda s: (-len(s["outlets"]), -s["quotes"], s["name"]))


def shorten(text: str | None, limit: int = MAX_SENTENCE_CHARS) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def summary_rows(summary: dict) -> list[dict]:
    """The run summary as (measure, value) rows, for a table artifact of the flow run."""
    stored = summary.get("stored") or {}
    failures = summary.get("validation_failures") or []
    quarantined = summary.get("quarantined")
    values = [
        ("run", summary.get("run_id")),
        ("new documents", summary.get("new_documents")),
        ("documents already processed", summary.get("skipped_documents")),
        ("ingest errors", summary.get("ingest_errors")),
        ("quarantined documents", len(quarantined) if isinstance(quarantined, (list, tuple, set)) else quarantined or 0),
        ("stories", summary.get("stories")),
        ("entity mentions", stored.get("entity_mentions")),
        ("canonical entities", summary.get("entities")),
        ("figures", stored.get("figures")),
        ("quotes", stored.get("quotes")),
        ("validation", "unchanged: nothing new since run " + summary["unchanged_since"]
         if summary.get("unchanged_since") else "passed" if summary.get("validation_success") else "failed"),
        ("expectations checked", summary.get("expectations_checked")),
        ("expectations failed", len(failures)),
        ("report", summary.get("report")),
    ]
    return [{"measure": measure, "value": "" if value is None else str(value)} for measure, value in values]
