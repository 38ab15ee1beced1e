"""End to end: a real Prefect server schedules `newsfacts serve --cron`, and a scheduled run publishes.

The same commands as the README's "Scheduled runs": `prefect server start`, then `newsfacts serve` with
PREFECT_API_URL pointing at it. Both run as subprocesses with their own PREFECT_HOME, so neither this
process's Prefect settings nor the session's test server are touched.
"""
from __future__ import annotations

import json
import os
import signal
import shutil
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

import newsfacts
from newsfacts import project, warehouse

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
SRC = Path(newsfacts.__file__).resolve().parents[1]
# A cron minute boundary must pass, then the run itself (spaCy, GX) on a busy 2-core machine.
BUDGET_SECONDS = 165
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_env(home: Path) -> dict[str, str]:
    """The environment a user's shell would have: quiet settings, its own PREFECT_HOME, nothing inherited."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")}
    env.update(project.QUIET_DEFAULTS)
    env["PREFECT_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, start time, state) of every live process, as `ps` reads them from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != "Z":
                table[int(entry.name)] = (int(fields[1]), fields[19], fields[0])
    return table


def descendants(roots: list[int]) -> dict[int, str]:
    """pid -> start time of every live process below ROOTS, taken before they are stopped: a child in a
    session of its own (Prefect's runner may start flow runs so) is not reached by its parent's group."""
    table = process_table()
    found, frontier = set(), set(roots)
    while frontier:
        frontier = {pid for pid, (parent, _, _) in table.items() if parent in frontier} - found
        found |= frontier
    return {pid: table[pid][1] for pid in found}


def signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def stop(process: subprocess.Popen) -> None:
    """Ctrl+C to the process group, as a user stops it; then terminate, then kill, whatever is left."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        signal_group(process, signum)
        try:
            process.wait(STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    signal_group(process, signal.SIGKILL)  # members that outlived their leader
    process.wait()


def survivors(started: dict[int, str]) -> list[int]:
    table = process_table()
    return [pid for pid, start_time in started.items() if pid in table and table[pid][1] == start_time]


def kill_survivors(started: dict[int, str]) -> list[str]:
    """Kill those of STARTED still alive a moment after their groups were stopped; describe them."""
    end = time.monotonic() + STOP_SECONDS
    while survivors(started) and time.monotonic() < end:
        time.sleep(0.2)
    found = []
    for pid in survivors(started):
        try:
            found.append(f"{pid}: " + (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
    return found


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def wait_for_health(api: str, server: subprocess.Popen, deadline: float) -> None:
    while remaining(deadline) > 0 and server.poll() is None:
        try:
            if httpx.get(f"{api}/health", timeout=2).json() is True:
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError("the Prefect server did not become healthy")


def flow_runs(api: str, deployment_name: str) -> list[dict]:
    body = {"deployments": {"name": {"any_": [deployment_name]}}}
    response = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def wait_for_completed_scheduled_run(api: str, deployment_name: str, serve: subprocess.Popen,
                                     deadline: float) -> tuple[dict | None, list[dict]]:
    runs: list[dict] = []
    while remaining(deadline) > 0 and serve.poll() is None:
        runs = flow_runs(api, deployment_name)
        done = [run for run in runs if run["auto_scheduled"] and run["state_type"] == "COMPLETED"]
        if done:
            return done[0], runs
        if any(run["state_type"] in ("FAILED", "CRASHED") for run in runs):
            break
        time.sleep(2)
    return None, runs


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def test_served_cron_schedule_runs_the_flow_and_publishes(tmp_path, samples_dir):
    deadline = time.monotonic() + BUDGET_SECONDS
    raw, home, prefect_home = tmp_path / "raw", tmp_path / "warehouse", tmp_path / "prefect-home"
    shutil.copytree(samples_dir, raw)
    prefect_home.mkdir()
    env = prefect_env(prefect_home)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    deployment_name = "newsfacts-scheduled"
    server_log, serve_log = tmp_path / "server.log", tmp_path / "serve.log"
    processes: list[subprocess.Popen] = []
    try:
        # The server's own errors (a failing scheduler loop) go to its log, for the failure message.
        processes.append(start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               {**env, "PREFECT_SERVER_LOGGING_LEVEL": "ERROR"}, server_log))
        wait_for_health(api, processes[0], deadline)

        serve = start([str(BIN / "newsfacts"), "serve", "--cron", "* * * * *", "--raw", str(raw),
                       "--warehouse", str(home)], {**env, "PREFECT_API_URL": api}, serve_log)
        processes.append(serve)
        run, runs = wait_for_completed_scheduled_run(api, deployment_name, serve, deadline)
        assert run is not None, (
            f"no scheduled run completed within {BUDGET_SECONDS} s; runs: "
            f"{[(r['name'], r['state_type'], r['auto_scheduled']) for r in runs]}\n"
            f"--- server log ---\n{tail(server_log)}\n--- serve log ---\n{tail(serve_log)}")
    finally:
        # Serve first (the next minute's run must not hold the DuckDB file; it pauses its schedule
        # through the server on the way out), then the server.
        started = descendants([process.pid for process in processes])
        for process in reversed(processes):
            stop(process)
        leftovers = kill_survivors(started)
    assert not leftovers, f"processes outlived their process group: {leftovers}"
    serve_output = serve_log.read_text(errors="replace")

    assert {name: run["parameters"].get(name) for name in ("raw_dir", "warehouse_dir")} == {
        "raw_dir": str(raw), "warehouse_dir": str(home)}
    scheduled_at = datetime.fromisoformat(run["expected_start_time"])
    assert run["deployment_id"] is not None and (scheduled_at.second, scheduled_at.microsecond) == (0, 0)
    noise = ("traceback", "warning", "error", "database is locked")
    assert not any(word in serve_output.lower() for word in noise), serve_output
    sample_count = sum(1 for path in raw.iterdir() if path.is_file())
    published = subprocess.run([str(BIN / "newsfacts"), "sql", "SELECT count(*) AS n FROM documents",
                                "--warehouse", str(home), "--json"], env=env, capture_output=True, text=True,
                               timeout=60)
    assert published.returncode == 0 and json.loads(published.stdout) == [{"n": sample_count}], published
    assert warehouse.query(home, "SELECT count(*) FROM figures")[1][0][0] > 0
    assert warehouse.query(home, "SELECT bool_and(success) FROM validation_results")[1] == [(True,)]
