"""Store commits, withdrawals and run records on small invented documents (real Parquet files)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import datetime, timezone

import pytest

from newsfacts import runs, store
from newsfacts.records import CleanedDocument, DocumentFacts, EntityMention, IngestError, RawDocument

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def document(doc_id: str, path: str, body: str = "Rescuers said 4 people were missing after the storm."):
    raw = RawDocument(doc_id, path, "text", "utf-8", len(body), body)
    cleaned = CleanedDocument(doc_id, body, [], raw_line_count=1, body_line_count=1)
    facts = DocumentFacts(doc_id, word_count=9, mentions=[EntityMention(doc_id, "Rescuers", "ORG", 0, 8, "Rescuers")])
    return raw, cleaned, facts


def store_documents(home, run_id, *docs, withdrawn=()):
    raws, cleaned, facts = (list(column) for column in zip(*docs)) if docs else ([], [], [])
    return store.store_run(home, run_id, NOW, raws, cleaned, facts, [], list(withdrawn))


def visible(home, table="documents"):
    return sorted(store.read_dataset(home, table).column("doc_id").to_pylist())


def test_a_run_is_visible_only_once_committed_and_its_leftovers_are_cleaned(tmp_path, monkeypatch):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("a", "a.txt"))
    # a crash after some part files and before the commit: those parts must stay invisible
    raw, cleaned, facts = document("b", "b.txt")
    store.append_part(tmp_path, "documents", store.documents_table([raw], [cleaned], [facts], "r2", NOW), "r2")
    store.append_part(tmp_path, "entity_mentions", store.mentions_table([facts]), "r2")
    assert visible(tmp_path) == ["a"] and visible(tmp_path, "entity_mentions") == ["a"]
    assert store.stored_doc_ids(tmp_path) == {"a"}
    removed = store.clean_uncommitted(tmp_path)
    assert [p.name for p in removed] == ["part-r2.parquet", "part-r2.parquet"]
    assert (tmp_path / "parquet" / "documents" / "part-r1.parquet").exists()


def test_the_commit_lists_every_table_written_by_the_run(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("a", "a.txt"))
    manifest = json.loads((tmp_path / "commits" / "r1.json").read_text())
    assert set(manifest["parts"]) == {"documents", "removed_lines", "entity_mentions", "figures", "quotes",
                                      "withdrawn_documents"}
    assert all((tmp_path / part).exists() for part in manifest["parts"].values())


def test_a_run_with_nothing_new_commits_nothing(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1")
    assert not list((tmp_path / "commits").glob("*.json"))


def test_an_edited_file_supersedes_and_a_deleted_file_removes_its_document(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("a1", "a.txt"), document("b1", "b.txt"), document("c1", "c.txt"))
    live = store.live_documents(tmp_path)
    contents = store.raw_contents([document("a2", "a.txt")[0]], {"c.txt": "c1"}, [])
    withdrawn = store.withdrawals(live, contents)
    assert [(w["source_path"], w["reason"], w["replaced_by"]) for w in withdrawn] == [
        ("a.txt", "superseded", "a2"), ("b.txt", "removed", None)]
    store_documents(tmp_path, "r2", document("a2", "a.txt"), withdrawn=withdrawn)
    assert visible(tmp_path) == ["a2", "c1"] and visible(tmp_path, "entity_mentions") == ["a2", "c1"]
    assert sorted(store.read_dataset(tmp_path, "withdrawn_documents").column("doc_id").to_pylist()) == ["a1", "b1"]
    assert (tmp_path / "parquet" / "documents" / "part-r1.parquet").exists(), "history is kept"


def test_keep_removed_keeps_archived_files_and_an_unreadable_file_keeps_its_document(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("a1", "a.txt"), document("b1", "b.txt"))
    contents = store.raw_contents([], {}, [IngestError("b.txt", "unreadable", "PermissionError")])
    assert store.withdrawals(store.live_documents(tmp_path), contents, keep_removed=True) == []
    became_empty = store.raw_contents([], {}, [IngestError("b.txt", "empty", "no bytes", 0, "e0")])
    assert [(w["source_path"], w["reason"], w["replaced_by"]) for w in store.withdrawals(
        store.live_documents(tmp_path), became_empty, keep_removed=True)] == [("b.txt", "superseded", "e0")]


def test_a_file_edited_back_to_earlier_bytes_is_published_once(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("v1", "a.txt"))
    step2 = store.withdrawals(store.live_documents(tmp_path), {"a.txt": "v2"})
    store_documents(tmp_path, "r2", document("v2", "a.txt"), withdrawn=step2)
    step3 = store.withdrawals(store.live_documents(tmp_path), {"a.txt": "v1"})
    store_documents(tmp_path, "r3", document("v1", "a.txt"), withdrawn=step3)
    assert visible(tmp_path) == ["v1"] and visible(tmp_path, "entity_mentions") == ["v1"]
    assert store.live_documents(tmp_path).column("run_id").to_pylist() == ["r3"]


def test_reject_run_takes_the_commit_back_and_keeps_its_files(tmp_path):
    store.ensure_datasets(tmp_path)
    store_documents(tmp_path, "r1", document("a", "a.txt"))
    store_documents(tmp_path, "r2", document("b", "b.txt"))
    target = store.reject_run(tmp_path, "r2")
    assert visible(tmp_path) == ["a"]
    assert (target / "commit.json").exists() and (target / "documents.parquet").exists()
    assert store.clean_uncommitted(tmp_path) == []


def test_a_store_written_before_commits_existed_is_adopted_whole_runs_only(tmp_path):
    raw, cleaned, facts = document("a", "a.txt")
    tables = {"documents": store.documents_table([raw], [cleaned], [facts], "r1", NOW),
              "removed_lines": store.removed_lines_table([cleaned]), "entity_mentions": store.mentions_table([facts]),
              "figures": store.figures_table([facts]), "quotes": store.quotes_table([facts])}
    for name, table in tables.items():
        store.append_part(tmp_path, name, table, "r1")
    store.append_part(tmp_path, "documents", tables["documents"], "r2")  # a legacy run cut short
    store.clean_uncommitted(tmp_path)
    assert visible(tmp_path) == ["a"]
    assert not (tmp_path / "parquet" / "documents" / "part-r2.parquet").exists()


def test_a_run_still_running_when_the_next_starts_is_recorded_crashed(tmp_path):
    runs.start(tmp_path, "r1", NOW)
    runs.enter_stage(tmp_path, "r1", "extract")
    runs.start(tmp_path, "r2", NOW)
    runs.finish(tmp_path, "r2", "published", "validation passed", {"documents_new": 3})
    runs.start(tmp_path, "r3", NOW)
    assert runs.recognise_crashed(tmp_path, "r3") == ["r1"]
    table = {row["run_id"]: row for row in runs.runs_table(tmp_path).to_pylist()}
    assert table["r1"]["status"] == "crashed" and "extract" in table["r1"]["why"]
    assert table["r2"]["status"] == "published" and table["r2"]["documents_new"] == 3
    assert runs.unpublished_run_ids(tmp_path, "r3") == ["r3"]


LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from newsfacts import runs
    with runs.writer_lock(Path(sys.argv[1]), "holder-run", datetime.now(timezone.utc)):
        print("held", flush=True)
        time.sleep(60)
""")


def test_the_writer_lock_names_its_holder_and_is_taken_over_after_a_kill(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(runs.WarehouseBusy, match=rf"run holder-run \(pid {holder.pid} on .*, started "):
            runs.check_free(tmp_path)
        with pytest.raises(runs.WarehouseBusy):
            with runs.writer_lock(tmp_path, "second", NOW):
                pass
    finally:
        holder.kill()
        holder.wait()
    with runs.writer_lock(tmp_path, "third", NOW) as taken_over:
        assert taken_over["run_id"] == "holder-run"
    runs.check_free(tmp_path)


TRY_LOCK = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from newsfacts import runs
    try:
        with runs.writer_lock(Path(sys.argv[1]), "other", datetime.now(timezone.utc)):
            print("taken")
    except runs.WarehouseBusy as busy:
        print(busy)
""")


def test_a_lock_held_by_the_process_carries_its_flow_and_refuses_everyone_else(tmp_path):
    def other_process() -> str:
        return subprocess.run([sys.executable, "-c", TRY_LOCK, str(tmp_path)], capture_output=True, text=True,
                              check=True).stdout
    with runs.hold(tmp_path):
        assert re.search(rf"a run still starting \(pid {os.getpid()} on ", other_process())
        with runs.writer_lock(tmp_path, "the-flows-run", NOW):  # the flow of this process goes on under it
            assert re.search(rf"run the-flows-run \(pid {os.getpid()} on ", other_process())
        assert "another run is writing" in other_process(), "still held until the process lets go"
    assert other_process().strip() == "taken"
    assert not runs.holder_path(tmp_path).exists()


def test_compaction_merges_published_commits_into_one_and_keeps_what_readers_see(tmp_path):
    store.ensure_datasets(tmp_path)
    for number in range(6):
        store_documents(tmp_path, f"r{number}", document(f"d{number}", f"d{number}.txt"))
    # r5 withdraws d1 (an edit elsewhere), and r5 is not published yet: it must stay a commit of its own
    store_documents(tmp_path, "r6", withdrawn=[{"source_path": "d1.txt", "doc_id": "d1", "document_run_id": "r1",
                                                "reason": "removed", "replaced_by": None}])
    before = {table: store.read_dataset(tmp_path, table) for table in ("documents", "entity_mentions",
                                                                       "withdrawn_documents")}
    assert store.compact(tmp_path, "r4", max_commits=10) == 0, "no compaction under the threshold"
    assert store.compact(tmp_path, "r4", max_commits=3) == 5
    manifests = sorted(p.stem for p in (tmp_path / "commits").glob("*.json"))
    assert len(manifests) == 3 and manifests[1:] == ["r5", "r6"]
    assert sorted(p.name for p in (tmp_path / "parquet" / "documents").glob("*.parquet")) == [
        f"part-{manifests[0]}.parquet", "part-r5.parquet", "part-r6.parquet"]
    for table, rows in before.items():
        assert store.read_dataset(tmp_path, table).equals(rows) or sorted(
            store.read_dataset(tmp_path, table).to_pylist(), key=repr) == sorted(rows.to_pylist(), key=repr), table
    assert visible(tmp_path) == ["d0", "d2", "d3", "d4", "d5"], "d1 stays withdrawn after its part is merged"
    # a later failed validation takes back only its own, unmerged commit
    store.reject_run(tmp_path, "r6")
    assert visible(tmp_path) == ["d0", "d1", "d2", "d3", "d4", "d5"]


def test_a_compaction_cut_short_leaves_whole_commits_either_way(tmp_path, monkeypatch):
    store.ensure_datasets(tmp_path)
    for number in range(4):
        store_documents(tmp_path, f"r{number}", document(f"d{number}", f"d{number}.txt"))
    # killed after writing the merged parts, before its manifest: the old commits stand, the parts go
    monkeypatch.setattr(store, "write_json", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        store.compact(tmp_path, "r3", max_commits=2)
    monkeypatch.undo()
    assert visible(tmp_path) == ["d0", "d1", "d2", "d3"]
    store.clean_uncommitted(tmp_path)
    assert len(list((tmp_path / "parquet" / "documents").glob("*.parquet"))) == 4
    # killed after its manifest, before the merged commits were deleted: readers already see it alone
    monkeypatch.setattr(store, "clean_uncommitted", lambda home: [])
    store.compact(tmp_path, "r3", max_commits=2)
    monkeypatch.undo()
    assert len(list((tmp_path / "commits").glob("*.json"))) == 5
    assert visible(tmp_path) == ["d0", "d1", "d2", "d3"] and len(store.committed(tmp_path)) == 1
    store.clean_uncommitted(tmp_path)
    assert len(list((tmp_path / "commits").glob("*.json"))) == 1
    assert len(list((tmp_path / "parquet" / "documents").glob("*.parquet"))) == 1
    assert visible(tmp_path) == ["d0", "d1", "d2", "d3"]


def test_compaction_keeps_the_story_tables_in_small_row_groups(tmp_path):
    """story_members and story_features are read by key: a merged part keeps row groups whose min/max let a
    lookup skip the rest; the other tables keep pyarrow's default."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsfacts import schemas

    rows = store.LOOKUP_ROW_GROUP_ROWS * 2  # two commits of this many rows each: 4 small row groups merged
    store.ensure_datasets(tmp_path)
    for number in range(3):
        run_id = f"r{number}"
        features = pa.table({"feature": [f"{run_id}-word-{i:06d}" for i in range(rows)],
                             "documents": [1] * rows}, schema=schemas.story_features)
        seqs = range(number * rows, (number + 1) * rows)
        members = pa.table({field.name: (pa.array(list(seqs), field.type) if field.name == "member_seq"
                                         else pa.array([f"doc-{s}" for s in seqs], field.type)
                                         if field.name in ("doc_id", "document_run_id", "story_id")
                                         else pa.nulls(rows, field.type)) for field in schemas.story_members},
                           schema=schemas.story_members)
        parts = {"story_features": store.append_part(tmp_path, "story_features", features, run_id),
                 "story_members": store.append_part(tmp_path, "story_members", members, run_id),
                 "documents": store.append_part(tmp_path, "documents",
                                                schemas.documents.empty_table(), run_id)}
        store.commit(tmp_path, run_id, NOW, parts)
    assert store.compact(tmp_path, "r2", max_commits=2) == 3
    merged = store.committed(tmp_path)[0]["parts"]
    for table in ("story_members", "story_features"):
        metadata = pq.ParquetFile(tmp_path / merged[table]).metadata
        assert metadata.num_rows == 3 * rows
        assert metadata.num_row_groups == 6, table
        assert all(metadata.row_group(i).num_rows <= store.LOOKUP_ROW_GROUP_ROWS for i in range(6))
