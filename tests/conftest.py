"""Shared fixtures: the real corpus, and one real strict build of the site per test session."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from kb.assemble import load_corpus  # noqa: E402

MKDOCS = Path(sys.executable).parent / "mkdocs"


# The reviewed build (tests/expected/site.sha256) takes its 最近更新 dates and 更新记录 from this fixed history,
# not from git: the digest would otherwise change with every commit (kb.history; KB_HISTORY="" reads git).
FIXED_HISTORY = ROOT / "tests" / "fixtures" / "history.json"


def build_site(dest: Path, config: Path = ROOT / "mkdocs.yml", **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0", "KB_HISTORY": str(FIXED_HISTORY),
           **extra_env}
    return subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(config), "-d", str(dest)],
                          capture_output=True, text=True, env=env, cwd=ROOT)


@pytest.fixture(scope="session")
def corpus():
    return load_corpus(ROOT / "data", ROOT)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """A real strict build into a temp folder; fails on any warning."""
    dest = tmp_path_factory.mktemp("site")
    result = build_site(dest)
    assert result.returncode == 0, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if "WARNING" in ln]
    assert warnings == []
    return dest


# The browser tests' Chromium (Debian's, tests/browser.py) and the session's site served over http.
@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def base(site):
    from browser import serve
    with serve(site) as url:
        yield url

