"""End to end: runs that add and withdraw documents link only what changed, and publish what a full link does."""
from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from newsfacts import link, store, story_index, warehouse
from newsfacts.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()
# An entity by its mentions, and what it is (its id apart: a run keeps the ids its entities had, a full link
# names each after its name).
ENTITIES = """SELECT list(m.mention_id ORDER BY m.mention_id) AS mentions, e.canonical_name, e.entity_type,
                     e.document_count, e.mention_count
              FROM entities AS e JOIN entity_mentions AS m USING (entity_id)
              GROUP BY e.entity_id, e.canonical_name, e.entity_type, e.document_count, e.mention_count ORDER BY 1"""
ENTITY_COUNT = "SELECT count(*) FROM entities"


def run(raw, home, *options: str):
    result = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(home), *options], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def published(home, sql: str) -> list[tuple]:
    return [tuple(row) for row in warehouse.query(home, sql)[1]]


def mark_stored_entities(home) -> None:
    """Write every stored entity's spellings in reverse order, in place: a row a run keeps as it is still has them so."""
    path = store.parquet_dir(home, "entities") / "current.parquet"
    table = pq.read_table(path)
    reversed_forms = pa.array([forms[::-1] for forms in table.column("surface_forms").to_pylist()], pa.list_(pa.string()))
    store.write_parquet(table.set_column(table.schema.get_field_index("surface_forms"), "surface_forms",
                                         reversed_forms), path)


def kept_as_marked(home) -> set[str]:
    rows = store.read_dataset(home, "entities").to_pylist()
    return {row["entity_id"] for row in rows if row["surface_forms"] != sorted(row["surface_forms"])}


def test_runs_that_add_and_withdraw_documents_publish_the_entities_of_a_full_link(prefect_server, raw_copy, tmp_path):
    home, aside = tmp_path / "warehouse", tmp_path / "aside"
    aside.mkdir()
    later = sorted(raw_copy.iterdir())[:2]
    for path in later:
        shutil.move(path, aside / path.name)
    run(raw_copy, home)
    first = link.read_link_state(home)
    assert first is not None and first.documents.num_rows == 3
    mark_stored_entities(home)
    assert link.read_link_state(home) is not None, "the mark of the state is kept"

    for path in later:
        shutil.move(aside / path.name, raw_copy / path.name)
    run(raw_copy, home)
    kept = kept_as_marked(home)
    assert kept, "entities the new documents do not name keep their rows, not re-made"
    new_docs = set(store.live_documents(home).column("doc_id").to_pylist()) - set(first.documents.column("doc_id").to_pylist())
    links = store.read_dataset(home, "entity_links").to_pylist()
    assert not kept & {link["entity_id"] for link in links if link["doc_id"] in new_docs}

    sorted(raw_copy.iterdir())[-1].unlink()  # withdrawn: its file is gone
    run(raw_copy, home)
    assert link.read_link_state(home).documents.num_rows == 4

    full = tmp_path / "full"
    shutil.copytree(home, full)
    run(raw_copy, full, "--full-refresh")
    assert published(home, ENTITIES) == published(full, ENTITIES)
    assert published(home, ENTITY_COUNT) == published(full, ENTITY_COUNT)
    assert published(home, "SELECT count(*) FROM entity_mentions WHERE entity_id IS NULL") == [(0,)]


def test_a_run_that_links_while_it_extracts_publishes_what_linking_after_extraction_publishes(
        prefect_server, samples_dir, tmp_path, monkeypatch):
    """The flow links the stored batches a step at a time while later ones are extracted (link.Linker.ahead),
    and computes their story features (story_index.FeaturesAhead): the run publishes the same entities, ids,
    links and stories, and leaves the same linking state, as a run that does both after its last batch."""
    from newsfacts.cli import run_flow

    monkeypatch.setattr(link.state, "LINK_CHUNK_DOCS", 2)  # the five samples: steps of two documents
    ahead_steps = []
    ahead = link.Linker.ahead
    monkeypatch.setattr(link.Linker, "ahead", lambda self, stored: ahead_steps.append(ahead(self, stored)) or
                        ahead_steps[-1])
    features_ahead = []
    batch_stored = story_index.FeaturesAhead.batch_stored
    monkeypatch.setattr(story_index.FeaturesAhead, "batch_stored", lambda self, run_id, number: features_ahead.append(
        batch_stored(self, run_id, number)) or features_ahead[-1])
    published_tables = {}
    for link_ahead in (True, False):
        home = tmp_path / f"ahead-{link_ahead}"
        ok, outcome = run_flow(samples_dir, home, workers=1, batch_docs=1, link_ahead=link_ahead)
        assert ok, outcome
        state = link.read_link_state(home)
        published_tables[link_ahead] = (
            published(home, "SELECT * FROM entities ORDER BY entity_id"),
            published(home, "SELECT mention_id, entity_id FROM entity_mentions ORDER BY mention_id"),
            state.entities.to_pylist(), state.keys.to_pylist(), state.spellings.to_pylist(),
            state.documents["doc_id"].to_pylist(), state.links.to_pylist(),  # run ids are each run's
            published(home, "SELECT * FROM stories ORDER BY story_id"),
            published(home, "SELECT * FROM story_matches ORDER BY doc_id"))
    assert sum(ahead_steps) >= 2, "steps were linked while batches were extracted"
    assert sum(features_ahead) == 5, "story features were computed while batches were extracted"
    assert published_tables[True] == published_tables[False]
    assert published_tables[True][0], "entities were published"
