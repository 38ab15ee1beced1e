"""Crashes, a second writer, concurrent readers and a changing raw folder, with real `newsfacts run` processes.

Each killed run is a real subprocess stopped by SIGKILL at a named point (newsfacts.pause), as a
crash would stop it. The processes share the session's Prefect test server, so none of them
starts a server of its own.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsfacts import store, warehouse
from newsfacts.cli import app, load_flow

pytestmark = pytest.mark.e2e
NEWSFACTS = str(Path(sys.executable).with_name("newsfacts"))
EDIT = "\nPolice said on Friday that 6 people were detained after the protest outside the ministry.\n"
# Every part file write and every stage boundary of a run that adds, supersedes and removes documents,
# in the order a run reaches them: its batch of new documents (written, then committed), then its
# ingest errors and withdrawals (written, then committed), its linking state, its story tables (written
# before their commit). A run killed after a commit leaves it committed: the next run goes on from
# there. Then its incremental publish: killed with every change made in the work file but not
# committed, once its file is built, and once swapped in. Before the first write nothing is written:
# the lock test kills a run there (in extract) and checks the same.
KILL_POINTS = (
    "store:documents", "store:removed_lines", "store:entity_mentions", "store:figures", "store:quotes",
    "store:committed", "store:ingest_errors", "store:withdrawn_documents", "store:committed", "link:entities",
    "store:story_members", "store:story_features", "stage:load", "stage:validate", "stage:publish",
    "publish:changed", "publish:built", "publish:swapped",
)


@pytest.fixture(scope="module")
def api_env(prefect_server):
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def make_raw(folder: Path, samples: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for sample in samples:
        shutil.copy(sample, folder / sample.name)
    return folder


@pytest.fixture(scope="module")
def raw_versions(tmp_path_factory, samples_dir):
    """v0: four samples; v1: the first edited, the second deleted, the fifth added."""
    samples = sorted(samples_dir.glob("*.txt"))
    root = tmp_path_factory.mktemp("raw")
    v0 = make_raw(root / "v0", samples[:4])
    v1 = make_raw(root / "v1", [samples[0], *samples[2:]])
    (v1 / samples[0].name).write_text(samples[0].read_text() + EDIT)
    return v0, v1, samples[0].name, samples[1].name


@pytest.fixture(scope="module")
def first_publish(prefect_server, raw_versions, tmp_path_factory):
    home = tmp_path_factory.mktemp("first") / "warehouse"
    result = run_cli("run", "--raw", str(raw_versions[0]), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def uninterrupted(first_publish, raw_versions, tmp_path_factory):
    home = tmp_path_factory.mktemp("uninterrupted") / "warehouse"
    shutil.copytree(first_publish, home)
    result = run_cli("run", "--raw", str(raw_versions[1]), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert "1 superseded by an edited file, 1 whose file is gone" in result.output
    return home


def rows(home: Path, sql: str) -> list[tuple]:
    return warehouse.query(home, sql)[1]


def snapshot(home: Path) -> dict:
    """Per-document row counts of every published table (totals where a table has no doc_id)."""
    found = {}
    for name, table in warehouse.published_tables(home).items():
        if name == "runs":
            continue
        if "doc_id" in table.column_names:
            ids = table.column("doc_id").to_pylist()
            found[name] = sorted((doc, ids.count(doc)) for doc in set(ids) if doc is not None)
        else:
            found[name] = table.num_rows
    found["withdrawn"] = sorted(rows(home, "SELECT source_path, doc_id, reason FROM withdrawn_documents"))
    return found


def start_run(env: dict, raw: Path, home: Path, *args: str, pause_at: str | None = None,
              marker: Path | None = None) -> subprocess.Popen:
    extra = {"NEWSFACTS_TEST_PAUSE_AT": pause_at, "NEWSFACTS_TEST_PAUSE_MARKER": str(marker)} if pause_at else {}
    return subprocess.Popen([NEWSFACTS, "run", "--raw", str(raw), "--warehouse", str(home), *args],
                            env={**env, **extra}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(process: subprocess.Popen, marker: Path, point: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the run ended (exit {process.returncode}) before reaching {point}:\n{out}\n{err}")
        assert time.monotonic() < deadline, f"{point} not reached in {timeout} s"
        time.sleep(0.05)
    assert marker.read_text() == point
    marker.unlink()


def kill_at(env: dict, raw: Path, home: Path, point: str, marker: Path, *args: str) -> None:
    process = start_run(env, raw, home, *args, pause_at=point, marker=marker)
    wait_for(process, marker, point)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def committed_files(home: Path) -> set[Path]:
    return {home / part for m in (json.loads(p.read_text()) for p in (home / "commits").glob("*.json"))
            for part in m["parts"].values()}


def test_kills_at_every_write_and_stage_boundary_lose_nothing_and_duplicate_nothing(
        api_env, first_publish, uninterrupted, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(first_publish, home)
    before, after = snapshot(first_publish), snapshot(uninterrupted)
    assert before != after
    for point in KILL_POINTS:
        kill_at(api_env, raw_versions[1], home, point, tmp_path / "reached")
        assert snapshot(home) in (before, after), f"killed at {point}: readers must see one whole publish"
    finished = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[1]), "--warehouse", str(home)],
                              env=api_env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert snapshot(home) == after
    assert rows(home, "SELECT count(*) = count(DISTINCT doc_id) AND count(*) = count(DISTINCT source_path) "
                      "FROM documents") == [(True,)]
    assert set((home / "parquet").glob("*/part-*.parquet")) == committed_files(home), "leftovers cleaned up"
    statuses = rows(home, "SELECT status, count(*) FROM runs GROUP BY status ORDER BY status")
    # the run killed just after swapping in its publish did publish: it is recorded so, then superseded
    assert statuses == [("crashed", len(KILL_POINTS) - 1), ("published", 1), ("superseded", 2)]
    stages = [r[0] for r in rows(home, "SELECT why FROM runs WHERE status = 'crashed' ORDER BY run_id")]
    assert "during stage 'extract'" in stages[0] and "during stage 'publish'" in stages[-1]


def test_kills_while_compacting_lose_nothing_and_the_next_run_finishes_the_compaction(
        api_env, uninterrupted, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(uninterrupted, home)
    after = snapshot(uninterrupted)
    # two batches, a run's withdrawals, and each of the two runs' stories
    assert len(list((home / "commits").glob("*.json"))) == 5
    for point in ("compact:documents", "compact:withdrawn_documents", "compact:committed"):
        kill_at(api_env, raw_versions[1], home, point, tmp_path / "reached", "--max-commits", "1")
        assert snapshot(home) == after, f"killed at {point}"
        assert store.committed(home) and len(store.committed(home)) in (1, 5)
    finished = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[1]), "--warehouse", str(home),
                               "--max-commits", "1"], env=api_env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert snapshot(home) == after
    assert len(list((home / "commits").glob("*.json"))) == 1, "the published commits merged into one"
    assert set((home / "parquet").glob("*/part-*.parquet")) == committed_files(home), "merged parts cleaned up"
    assert len(list((home / "parquet" / "documents").glob("*.parquet"))) == 1
    # the merged store goes on: an edit after it supersedes a document stored before it
    edited = tmp_path / "raw"
    shutil.copytree(raw_versions[1], edited)
    target = sorted(edited.glob("*.txt"))[-1]
    target.write_text(target.read_text() + EDIT)
    result = run_cli("run", "--raw", str(edited), "--warehouse", str(home))
    assert result.exit_code == 0, result.output
    assert rows(home, f"SELECT count(*) FROM documents WHERE source_path = '{target.name}'") == [(1,)]
    assert rows(home, "SELECT reason FROM withdrawn_documents WHERE source_path = ?".replace("?", f"'{target.name}'")) \
        == [("superseded",)]


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_run_is_refused_at_once_and_a_killed_runs_lock_is_taken_over(
        api_env, first_publish, uninterrupted, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(first_publish, home)
    marker = tmp_path / "reached"
    first = start_run(api_env, raw_versions[1], home, pause_at="stage:extract", marker=marker)
    try:
        wait_for(first, marker, "stage:extract")
        running = [json.loads(p.read_text()) for p in (home / "runs").glob("*.json")]
        first_run_id = next(r["run_id"] for r in running if r["status"] == "running")
        before = tree_digest(home)
        started = time.monotonic()
        second = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[1]), "--warehouse", str(home)],
                                env=api_env, capture_output=True, text=True, timeout=120)
        assert time.monotonic() - started < 2, "refused at once, before starting Prefect"
        assert second.returncode == 3
        message = " ".join(second.stderr.split())
        assert f"run {first_run_id} (pid {first.pid}" in message and "started 20" in message
        assert "changed nothing" in message and "Traceback" not in second.stderr
        # a scheduled run goes through the flow, not the CLI: the flow refuses too
        state = load_flow()(raw_dir=str(raw_versions[1]), warehouse_dir=str(home), return_state=True)
        assert state.is_failed() and f"run {first_run_id}" in state.message
        assert tree_digest(home) == before, "the refused runs changed nothing"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    third = run_cli("run", "--raw", str(raw_versions[1]), "--warehouse", str(home))
    assert third.exit_code == 0, third.output
    assert f"{first_run_id} ended without finishing" in " ".join(third.output.split())
    crashed = rows(home, f"SELECT status, why FROM runs WHERE run_id = '{first_run_id}'")
    assert crashed[0][0] == "crashed" and "during stage 'extract'" in crashed[0][1]
    assert snapshot(home) == snapshot(uninterrupted), "a run killed before store loses nothing"


def test_a_run_started_while_the_first_is_still_starting_prefect_is_refused_within_two_seconds(
        raw_versions, tmp_path):
    """Both runs as a user starts them, each in Prefect's ephemeral mode (no API set): the first holds the
    writer lock before its own Prefect server is up, so the second is refused before it starts anything."""
    home = tmp_path / "warehouse"
    env = {name: value for name, value in os.environ.items() if name != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    first = subprocess.Popen([NEWSFACTS, "run", "--raw", str(raw_versions[0]), "--warehouse", str(home)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (home / "writer.json").exists():
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.01)
        started = time.monotonic()
        second = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[0]), "--warehouse", str(home)], env=env,
                                capture_output=True, text=True, timeout=60)
        seconds = time.monotonic() - started
        still_starting = not (home / "runs").exists()  # the first run's flow had not begun: Prefect was starting
        assert second.returncode == 3, second.stderr
        assert seconds < 2, f"refused after {seconds:.1f} s"
        message = " ".join(second.stderr.split())
        assert f"(pid {first.pid} on " in message and "started 20" in message and "changed nothing" in message
        assert len(second.stderr.strip().splitlines()) == 1 and "Traceback" not in second.stderr
        assert still_starting, "the second run was meant to start while the first was still starting"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the run and the Prefect server it started
        first.communicate()
    assert not (home / "newsfacts.duckdb").exists()


@contextmanager
def small_filesystem(folder: Path, size: str):
    """A tmpfs of `size` at `folder` (root only), as a function that grows it; None where it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    try:
        yield (lambda bigger: subprocess.run(["mount", "-o", f"remount,size={bigger}", str(folder)], check=True)
               ) if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


def assert_one_clear_line(result: subprocess.CompletedProcess, *phrases: str) -> str:
    assert result.stdout == "" and "Traceback" not in result.stderr and "leaked" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def test_a_full_disk_is_told_in_one_line_and_the_rerun_publishes_what_an_uninterrupted_run_does(
        api_env, first_publish, raw_versions, tmp_path):
    def run(env: dict) -> subprocess.CompletedProcess:
        return subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[0]), "--warehouse", str(home)], env=env,
                              capture_output=True, text=True, timeout=600)
    with small_filesystem(tmp_path / "disk", "2m") as grow:
        home = tmp_path / "disk" / "warehouse"
        env = api_env if grow else {**api_env, "NEWSFACTS_TEST_FULL_DISK_AT": "publish:built"}
        failed = run(env)
        assert failed.returncode == 1
        line = assert_one_clear_line(failed, "no space left on the disk of ", str(home), "nothing was published",
                                     "Free some space", "run again", "prefect flow-run logs ")
        assert not (home / "newsfacts.duckdb").exists()
        grow("64m") if grow else None
        again = run(api_env)
        assert again.returncode == 0, again.stderr
        assert snapshot(home) == snapshot(first_publish), line


def test_a_read_only_warehouse_folder_and_a_missing_raw_folder_are_told_in_one_line(
        api_env, first_publish, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(first_publish, home)
    before = tree_digest(home)
    read_only = subprocess.run(["mount", "--bind", str(home), str(home)], capture_output=True).returncode == 0
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(home)], check=True)
        else:  # not root: the folder's permissions do it
            home.chmod(0o555)
        result = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[1]), "--warehouse", str(home)],
                                env=api_env, capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run(["umount", str(home)], check=True) if read_only else home.chmod(0o755)
    assert result.returncode == 1
    assert_one_clear_line(result, f"cannot write {home}", "nothing was published", f"Make {home} writable")
    assert tree_digest(home) == before
    missing = subprocess.run([NEWSFACTS, "run", "--raw", str(tmp_path / "no-such-folder"), "--warehouse", str(home)],
                             env=api_env, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert_one_clear_line(missing, f"no raw folder at {tmp_path / 'no-such-folder'}", "nothing was published",
                          "Point --raw at the folder")
    assert tree_digest(home) == before


READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb
    database, stop, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    seen, failures = [], []
    while True:
        last = stop.exists()  # one more read after the stop, so the final publish is seen
        try:
            with duckdb.connect(database, read_only=True) as con:
                seen.append(con.execute(
                    "SELECT (SELECT string_agg(doc_id, ',' ORDER BY doc_id) FROM documents),"
                    " (SELECT string_agg(doc_id, ',' ORDER BY doc_id) FROM source_profile),"
                    " (SELECT max(run_id) FROM runs WHERE status = 'published')").fetchall()[0])
        except Exception as exc:
            failures.append(repr(exc))
        if last:
            break
        time.sleep(0.02)
    out.write_text(json.dumps({"seen": seen, "failures": failures}))
""")


def test_readers_are_always_served_while_a_run_writes(api_env, first_publish, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(first_publish, home)
    database = str(warehouse.database_path(home))
    stop, out = tmp_path / "stop", tmp_path / "reads.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, database, str(stop), str(out)])
    run = start_run(api_env, raw_versions[1], home)
    cli_reads = []
    while run.poll() is None:
        result = run_cli("sql", "SELECT count(*) AS n FROM documents", "--warehouse", str(home), "--json")
        cli_reads.append((result.exit_code, result.output))
        time.sleep(0.2)
    stop.touch()
    reader.wait(timeout=60)
    output = run.communicate()
    assert run.returncode == 0, output
    reads = json.loads(out.read_text())
    assert reads["failures"] == [] and len(reads["seen"]) > 50
    wrong = [(code, text) for code, text in cli_reads if code != 0 or json.loads(text) != [{"n": 4}]]
    assert cli_reads and not wrong, wrong[:3]
    states = {tuple(row) for row in reads["seen"]}
    assert all(documents == profile for documents, profile, _ in states), "never a mix of two publishes"
    assert len(states) == 2 and len({run_id for _, _, run_id in states}) == 2, "the old publish, then the new"


def test_an_edited_file_supersedes_and_a_deleted_file_leaves_the_published_tables(
        first_publish, uninterrupted, raw_versions):
    _, v1, edited, deleted = raw_versions
    old = dict(rows(first_publish, "SELECT source_path, doc_id FROM documents"))
    assert sorted(rows(uninterrupted, "SELECT source_path, doc_id, reason FROM withdrawn_documents")) == [
        (edited, old[edited], "superseded"), (deleted, old[deleted], "removed")]
    gone = (old[edited], old[deleted])
    for name, table in warehouse.published_tables(uninterrupted).items():
        if "doc_id" in table.column_names and name != "withdrawn_documents":
            assert not set(gone) & set(table.column("doc_id").to_pylist()), name
    assert rows(uninterrupted, f"SELECT count(*) FROM figures WHERE doc_id = '{old[edited]}'") == [(0,)]
    assert rows(uninterrupted, "SELECT count(*) FROM documents WHERE source_path = ?".replace("?", f"'{edited}'")) \
        == [(1,)]
    history = {p.name for p in (uninterrupted / "parquet" / "documents").glob("part-*.parquet")}
    assert len(history) == 2, "the Parquet history of the withdrawn documents is kept"
    runs = rows(uninterrupted, "SELECT status, documents_new, documents_skipped, documents_superseded, "
                               "documents_removed, documents_quarantined FROM runs ORDER BY run_id")
    assert runs == [("superseded", 4, 0, 0, 0, 0), ("published", 2, 2, 1, 1, 0)]


def test_runs_after_an_edit_go_on_passing(uninterrupted, raw_versions, tmp_path):
    home = tmp_path / "warehouse"
    shutil.copytree(uninterrupted, home)
    again = run_cli("run", "--raw", str(raw_versions[1]), "--warehouse", str(home))
    assert again.exit_code == 0, again.output
    assert "0 new, 4 already processed" in again.output
    assert snapshot(home) == snapshot(uninterrupted)


def test_the_file_readers_do_not_use_is_brought_up_to_date_in_place_and_a_kill_there_loses_nothing(
        api_env, first_publish, uninterrupted, raw_versions, tmp_path):
    # as the uninterrupted run left them: newsfacts.duckdb links to the file it published, the other holds
    # the first publish
    home = tmp_path / "warehouse"
    shutil.copytree(uninterrupted, home, symlinks=True)
    assert os.readlink(warehouse.database_path(home)) in warehouse.PUBLISHED_FILES
    other = warehouse.inactive_file(home)
    inode = other.stat().st_ino
    before = snapshot(uninterrupted)
    # nothing new: the run republishes its runs table into the other file, brought up to date first
    kill_at(api_env, raw_versions[1], home, "catch_up:changed", tmp_path / "reached")
    assert snapshot(home) == before
    again = subprocess.run([NEWSFACTS, "run", "--raw", str(raw_versions[1]), "--warehouse", str(home)],
                           env=api_env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert warehouse.active_file(home) == other and other.stat().st_ino == inode, "updated in place, not copied"
    assert snapshot(home) == before
    # the killed run had recorded itself unchanged before it republished the runs table
    assert [status for (status,) in rows(home, "SELECT status FROM runs ORDER BY run_id")][-2:] == [
        "unchanged", "unchanged"]
    with warehouse.open_read_only(home) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(before["documents"]) > 0


def test_keep_removed_keeps_the_documents_of_archived_files(first_publish, raw_versions, tmp_path):
    home, raw = tmp_path / "warehouse", tmp_path / "raw"
    shutil.copytree(first_publish, home)
    shutil.copytree(raw_versions[0], raw)
    archived = sorted(raw.glob("*.txt"))[-1]
    archived.unlink()
    kept = run_cli("run", "--raw", str(raw), "--warehouse", str(home), "--keep-removed")
    assert kept.exit_code == 0, kept.output
    assert rows(home, f"SELECT count(*) FROM documents WHERE source_path = '{archived.name}'") == [(1,)]
    assert rows(home, "SELECT count(*) FROM withdrawn_documents") == [(0,)]
    removed = run_cli("run", "--raw", str(raw), "--warehouse", str(home))
    assert removed.exit_code == 0, removed.output
    assert rows(home, f"SELECT count(*) FROM documents WHERE source_path = '{archived.name}'") == [(0,)]
    assert rows(home, "SELECT source_path, reason FROM withdrawn_documents") == [(archived.name, "removed")]


def test_a_run_killed_after_a_batch_keeps_that_batch_and_the_next_run_goes_on(api_env, samples_dir, tmp_path):
    raw, home = make_raw(tmp_path / "raw", sorted(samples_dir.glob("*.txt"))), tmp_path / "warehouse"
    kill_at(api_env, raw, home, "store:committed", tmp_path / "reached", "--batch-docs", "2", "--workers", "1")
    assert len(list((home / "commits").glob("*-b00000.json"))) == 1 and not (home / "newsfacts.duckdb").exists()
    result = run_cli("run", "--raw", str(raw), "--warehouse", str(home), "--batch-docs", "2", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "3 new, 2 already processed" in result.output, "the killed run's committed batch is not extracted again"
    assert rows(home, "SELECT count(*), count(DISTINCT doc_id) FROM documents") == [(5, 5)]
    assert rows(home, "SELECT count(DISTINCT run_id) FROM documents") == [(2,)]
