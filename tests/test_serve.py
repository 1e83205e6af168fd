"""`mkdocs serve` while editing data: the served page shows a saved edit (the build forks helper
processes; they must work inside the serving process too, rebuild after rebuild)."""
from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from serve_reload import serve_reload_seconds  # noqa: E402


def test_serve_shows_an_edited_record(tmp_path):
    timings = serve_reload_seconds(ROOT / "data", tmp_path, timeout=180)
    assert timings["first_page_s"] > 0 and timings["reload_s"] > 0
