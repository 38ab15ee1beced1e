"""End to end: outlets, stories and the within-story comparisons, from a real flow run on the samples
plus invented articles given as a JSON Lines feed and a text file with a sidecar."""
from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from typer.testing import CliRunner

from newsfacts import warehouse
from newsfacts.cli import app
from newsfacts.evaluate import norm

pytestmark = pytest.mark.e2e
runner = CliRunner()

PERU_FIRST = ("A magnitude 7.0 earthquake struck the Arequipa region of southern Peru on Monday, killing at least 12 "
              "people and destroying hundreds of homes, Peru's civil defence institute said.\n\n"
              "Rescue teams were searching the rubble in the coastal town of Chala, where the mayor, Rosa Quispe, said "
              "the school and the health centre had collapsed. \"We have never felt anything like this,\" Quispe told "
              "reporters.\n\nThe institute said aftershocks were likely and asked residents of Arequipa to sleep "
              "outdoors.")
PERU_SECOND = ("The death toll from Monday's earthquake in southern Peru rose to 14 people, officials said, as rescuers "
               "in the town of Chala dug through collapsed homes.\n\n"
               "The magnitude 7.0 quake hit the Arequipa region in the early hours. Chala's mayor, Rosa Quispe, said the "
               "town's school had been destroyed. \"We have never felt anything like this,\" Quispe said.\n\n"
               "Three people were also killed in Lima, the capital, where buildings swayed for a minute. "
               "A quake in 2007 killed 519 people along the same coast.\n\n"
               "Peru's civil defence institute said more than 300 homes were destroyed across Arequipa.")
TURKEY = ("A magnitude 6.8 earthquake struck Malatya province in eastern Turkey on Monday, killing at least 9 people "
          "and destroying dozens of buildings, Turkey's disaster agency said.\n\n"
          "Rescue teams were searching the rubble in the town of Doganyol, where the governor, Kemal Aydin, said a "
          "mosque had collapsed. \"The whole street came down,\" Aydin told reporters.\n\n"
          "The agency said aftershocks were likely and asked residents of Malatya to stay outdoors.")
HOSTILE = ("Harbour fire <script>alert('x')</script>\n\n"
           "A fire destroyed 4 warehouses at the harbour of Port Elmsworth on Sunday, the fire brigade said. "
           "<img src=x onerror=alert(1)> Nobody was hurt, chief officer Dana Marsh said.\n\n"
           "\"It spread in minutes,\" Marsh said. Investigators were looking into the cause of the fire.\n")


@pytest.fixture(scope="module")
def run(prefect_server, tmp_path_factory, samples_dir):
    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(samples_dir, raw / "samples")
    feed = [
        {"url": "https://www.andesdaily.com/world/peru-quake", "outlet": "Andes Daily", "published": "2025-02-10",
         "title": "Quake kills 12 in southern Peru", "text": PERU_FIRST},
        {"url": "https://news.pacificwire.co.uk/peru-quake-toll", "published": "2025-02-11",
         "title": "Peru quake toll rises to 14", "text": PERU_SECOND},
        {"url": "https://bosphoruspost.com/malatya-quake", "outlet": "Bosphorus Post", "published": "2025-02-10",
         "title": "Quake kills 9 in eastern Turkey", "text": TURKEY},
    ]
    (raw / "crawl.jsonl").write_text("\n".join(json.dumps(line) for line in feed) + "\n")
    (raw / "harbour-fire.txt").write_text(HOSTILE)
    (raw / "harbour-fire.json").write_text(json.dumps({"outlet": "Harbour <b>Times</b>", "published": "2025-03-02",
                                                       "url": "https://harbourtimes.net/fire"}))
    home = tmp_path_factory.mktemp("warehouse")
    result = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(home)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return home, result.output, raw


def rows(home, sql: str) -> list[dict]:
    columns, values = warehouse.query(home, sql)
    return [dict(zip(columns, row)) for row in values]


def test_every_document_names_its_outlet(run):
    home, _, _ = run
    outlets = {r["source_path"]: r["outlet"] for r in rows(home, "SELECT source_path, outlet FROM documents")}
    assert outlets["crawl.jsonl#1"] == "Andes Daily"
    assert outlets["crawl.jsonl#2"] == "pacificwire.co.uk"
    assert outlets["harbour-fire.txt"] == "Harbour <b>Times</b>"
    assert outlets["samples/000_6550803672910c3f.txt"] == "000_6550803672910c3f"  # no metadata: the file name
    assert all(outlets.values())


def test_documents_of_one_event_share_a_story_and_other_events_do_not(run):
    home, output, _ = run
    story = {r["source_path"]: r["story_id"] for r in rows(home, "SELECT source_path, story_id FROM documents")}
    samples = {story[p] for p in story if p.startswith("samples/")}
    assert len(samples) == 1, "the five samples report one event"
    assert story["crawl.jsonl#1"] == story["crawl.jsonl#2"]
    assert len({story["crawl.jsonl#1"], story["crawl.jsonl#3"], story["harbour-fire.txt"], *samples}) == 4
    peru = rows(home, f"SELECT * FROM stories WHERE story_id = '{story['crawl.jsonl#1']}'")[0]
    assert (peru["documents"], peru["outlets"], peru["title"]) == (2, 2, "Quake kills 12 in southern Peru")
    assert str(peru["first_published"]) == "2025-02-10" and str(peru["last_published"]) == "2025-02-11"
    assert "stories       4" in output


def test_each_story_member_says_what_it_matched_and_on_what(run):
    home, _, _ = run
    matches = {r["source_path"]: r for r in rows(home, "SELECT d.source_path, m.* FROM story_matches AS m "
                                                     "JOIN documents AS d USING (doc_id)")}
    assert len(matches) == len(rows(home, "SELECT doc_id FROM documents"))  # one row per published document
    first, second = matches["crawl.jsonl#1"], matches["crawl.jsonl#2"]
    assert first["relation"] == "first" and first["matched_doc_id"] is None
    assert second["relation"] == "same_event" and second["matched_doc_id"] == first["doc_id"]
    assert second["matched_outlet"] == "Andes Daily" and second["days_apart"] == 1 and 0 < second["score"] <= 1
    assert {"rosa quispe", "chala", "peru"} <= set(second["shared_names"])
    assert second["shared_words"]  # and the words both say, rarest first
    assert matches["harbour-fire.txt"]["relation"] == "first"
    assert all(r["follows_story_id"] is None for r in rows(home, "SELECT follows_story_id FROM stories"))


def test_figures_are_compared_only_within_a_story_and_a_place(run):
    home, _, _ = run
    killed = rows(home, "SELECT outlet, value, place, period, n_sources, disagreement, story_id FROM figure_comparison "
                        "WHERE kind = 'killed' AND counted_class = 'people' AND outlet IN "
                        "('Andes Daily', 'pacificwire.co.uk', 'Bosphorus Post')")
    by_value = {r["value"]: r for r in killed}
    assert by_value[12]["story_id"] == by_value[14]["story_id"] != by_value[9]["story_id"]
    assert by_value[12]["n_sources"] == 2 and by_value[12]["disagreement"]
    assert by_value[9]["n_sources"] == 1, "another quake's toll is not compared with this one"
    assert by_value[3]["place"] == "Lima" and by_value[3]["n_sources"] == 1, "a toll elsewhere is another fact"
    assert by_value[519]["period"] == "2007" and by_value[519]["n_sources"] == 1, "an earlier quake is another fact"
    pairs = rows(home, "SELECT source_a, source_b, relation FROM source_agreement WHERE fact = 'killed people' "
                       "AND 'Bosphorus Post' IN (source_a, source_b)")
    assert pairs == []


def test_the_cross_source_section_of_the_seeds_holds(run, gold_path):
    home, _, _ = run
    gold = yaml.safe_load(gold_path.read_text())
    figures = rows(home, "SELECT fact_key, file_name, value_display, disagreement FROM figure_comparison "
                         "JOIN documents USING (doc_id)")
    quotes = rows(home, "SELECT file_name, speaker_name, text, other_doc_ids FROM quote_corroboration "
                        "JOIN documents USING (doc_id)")
    file_of = {r["doc_id"]: r["file_name"] for r in rows(home, "SELECT doc_id, file_name FROM documents")}
    forms = {norm(f) for e in gold["entities"] for f in [e["canonical"], *e["forms"]]
             for item in gold["cross_source"] if item.get("speaker") in [e["canonical"], *e["forms"]]}
    for item in gold["cross_source"]:
        if "values_by_document" in item:
            wanted = item["values_by_document"]
            facts = {r["fact_key"] for r in figures}
            held = [key for key in facts
                    if all(any(r["fact_key"] == key and r["file_name"] == doc and r["value_display"] == value
                               for r in figures) for doc, value in wanted.items())]
            assert held, item
            if item.get("disagreement"):
                assert any(r["disagreement"] for r in figures if r["fact_key"] in held), item
        else:
            carried = [r for r in quotes if norm(item["contains"]) in norm(r["text"]) and norm(r["speaker_name"]) in forms]
            docs = {r["file_name"] for r in carried} | {file_of[d] for r in carried for d in r["other_doc_ids"]}
            assert set(item["documents"]) <= docs, item


def test_each_publish_writes_a_self_contained_report(run):
    home, output, _ = run
    page = home / "report" / "index.html"
    assert f"report        {page}" in output
    html = page.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*(?:"(?!#)|'(?!#)|(?![\s"'#]))""", html), "only links inside the page"
    assert not re.search(r"url\((?!#)", html)  # no stylesheet address (article URLs are shown as text only)
    assert "<script>alert" not in html and not re.search(r"<img[^>]*onerror", html)


def test_chromium_renders_the_report_with_stories_figures_and_escaped_text(run, chromium):
    home, _, _ = run
    dom = chromium("--dump-dom", (home / "report" / "index.html").as_uri())
    assert "Quake kills 12 in southern Peru" in dom and "Andes Daily" in dom and "pacificwire.co.uk" in dom
    assert "outlets disagree" in dom and "<svg" in dom
    assert "Rosa Quispe" in dom or "Quispe" in dom, "who is quoted, by how many outlets"
    # the invented article's markup is shown as text, never run
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom and "Harbour &lt;b&gt;Times&lt;/b&gt;" in dom
    assert not re.search(r"<img[^>]*onerror", dom) and "<script>alert" not in dom
    assert "Data quality" in dom and "Boilerplate removed, per document" in dom


def test_the_flow_run_publishes_its_summary_and_a_link_to_the_report_as_prefect_artifacts(run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    home, _, _ = run
    with get_client(sync_client=True) as client:
        def latest(key: str):
            found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
            assert found, f"no artifact {key}"
            return max(found, key=lambda a: a.created)
        table, link = latest("newsfacts-run-summary"), latest("newsfacts-report")
    assert table.type == "table" and link.type in ("markdown", "link")
    data = table.data if isinstance(table.data, list) else json.loads(table.data)
    summary = {row["measure"]: row["value"] for row in data}
    assert summary["new documents"] == "9" and summary["stories"] == "4" and summary["validation"] == "passed"
    assert int(summary["figures"]) > 0 and summary["quarantined documents"] == "0"
    assert (home / "report" / "index.html").as_uri() in str(link.data)
    assert table.flow_run_id is not None and table.flow_run_id == link.flow_run_id


PERU_THIRD = ("Aid reached the town of Chala in southern Peru on Wednesday, two days after the magnitude 7.0 earthquake "
              "that struck the Arequipa region. The mayor, Rosa Quispe, said 40 families were still sleeping in tents.\n\n"
              "Peru's civil defence institute said the death toll stood at 14 and that aftershocks continued across "
              "Arequipa.")


def test_a_later_run_keeps_story_ids_and_a_new_report_joins_its_story(run, tmp_path):
    home, _, raw = run
    copy = tmp_path / "warehouse"
    shutil.copytree(home, copy)
    before = dict(warehouse.query(copy, "SELECT source_path, story_id FROM documents")[1])
    (raw / "later").mkdir(exist_ok=True)
    (raw / "later" / "chala-aid.txt").write_text(PERU_THIRD)
    (raw / "later" / "chala-aid.json").write_text(json.dumps({"outlet": "Andes Daily", "published": "2025-02-12"}))
    try:
        result = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(copy)], catch_exceptions=False)
    finally:
        shutil.rmtree(raw / "later")
    assert result.exit_code == 0, result.output
    assert "1 new, 9 already processed" in result.output
    after = dict(warehouse.query(copy, "SELECT source_path, story_id FROM documents")[1])
    assert {path: after[path] for path in before} == before, "story ids are stable across runs"
    assert after["later/chala-aid.txt"] == before["crawl.jsonl#1"]
