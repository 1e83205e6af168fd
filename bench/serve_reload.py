"""`mkdocs serve` while editing: how long from saving one record to the served page showing it.

Copies a data set, serves the site from the copy (KB_DATA, watched), edits one task's text
and polls the task's page until the edit is there. Used by `make bench` (seconds, at the
real size and at 1k) and by tests/test_serve.py (that the reload happens at all).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = str(Path(sys.executable).parent / "mkdocs")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _wait_for(url: str, predicate, timeout: float, proc: subprocess.Popen) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"mkdocs serve exited:\n{proc.stderr.read()[-3000:]}")
        body = _get(url)
        if body is not None and predicate(body):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url}: no change within {timeout} s")


def stop_serving(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop `mkdocs serve` as Ctrl-C does, so that it deletes the folder it built into (mkdocs 1.6.1,
    mkdocs/commands/serve.py lines 40 and 109-112: a tempfile.mkdtemp under /tmp, 4 GB at national
    scale). SIGTERM, which ends Python without its `finally`, left every such folder behind."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve_reload_seconds(data: Path, work: Path, task_file: str = "tasks/taoyuan-2022.yml",
                         task_url: str = "tasks/taoyuan-2022/44/", timeout: float = 300) -> dict:
    """Seconds to the first page served, and from saving an edit to the page showing it."""
    copy = work / "serve-data"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy)
    port = _free_port()
    env = {**os.environ, "KB_DATA": str(copy), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0",
           "PYTHONPATH": str(ROOT / "hooks")}
    # As `make serve` runs it: --dirty keeps the pages a save did not change (hooks/kb_mkdocs/incremental.py).
    proc = subprocess.Popen([MKDOCS, "serve", "--strict", "--dirty", "-a", f"127.0.0.1:{port}", "-w", str(copy)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/{task_url}"
    try:
        first = _wait_for(url, lambda body: "<article" in body, timeout, proc)
        marker = f"（编辑测试{int(time.time())}）"
        path = copy / task_file
        text = path.read_text(encoding="utf-8")
        # Task 44's text line: the marker goes at the end of the text (inside the quotes, if quoted).
        match = re.search(r"- number: 44\n(?:.*\n)*?\s+text: (.*)\n", text)
        if match is None:
            raise RuntimeError(f"{path}: task 44 has no text line")
        end = match.end(1) - (1 if match.group(1).endswith('"') else 0)
        edited = text[:end] + marker + text[end:]
        time.sleep(1.0)  # file times have a coarse resolution on some file systems
        path.write_text(edited, encoding="utf-8")
        reload = _wait_for(url, lambda body: marker in body, timeout, proc)
        return {"first_page_s": round(first, 2), "reload_s": round(reload, 2)}
    finally:
        stop_serving(proc, timeout=180)
        shutil.rmtree(copy, ignore_errors=True)
