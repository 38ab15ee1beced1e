"""Shared fixtures: the sample articles, the gold file, one Prefect test server per session, headless Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from newsfacts import project

project.apply_quiet_defaults()

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "data" / "raw"
GOLD = SHARED / "gold" / "seeds.yaml"
BENCHMARK = SHARED / "benchmarks" / "article-extraction"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def gold_path() -> Path:
    if not GOLD.exists():
        pytest.skip("../shared/gold/seeds.yaml is not beside the checkout")
    return GOLD


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A throwaway Prefect API (SQLite in a temp folder) for every flow run of the session."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def raw_copy(tmp_path, samples_dir) -> Path:
    """A private raw folder holding the samples, for tests that add files next to them."""
    target = tmp_path / "raw"
    shutil.copytree(samples_dir, target)
    return target


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Debian's headless Chromium (installed when missing), as a function: chromium(*arguments) runs it
    headless and offline (no network, no first-run or background fetches) and returns its stdout."""
    binary = shutil.which("chromium")
    if binary is None:
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, capture_output=True, timeout=900)
        binary = shutil.which("chromium")
    assert binary, "chromium could not be installed"
    profile = tmp_path_factory.mktemp("chromium-profile")

    def run(*arguments: str) -> str:
        return subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", *arguments],
            capture_output=True, text=True, timeout=120, check=True).stdout
    return run
