"""`mkdocs serve` while editing data: the served page shows a saved edit (the build forks helper
processes; they must work inside the serving process too, rebuild after rebuild). Bad data keeps the
server answering: the last good pages (or, with no good build yet, a page saying so) with every
problem in a banner, until the next save with good data (hooks/kb_mkdocs/serve.py says why it would hang)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import FIXED_HISTORY, MKDOCS, ROOT, build_site

sys.path.insert(0, str(ROOT / "bench"))

from kb.assemble import load_corpus  # noqa: E402
from kb.load import DataError  # noqa: E402
from serve_reload import serve_reload_seconds, stop_serving  # noqa: E402

MINIMAL = ROOT / "tests" / "fixtures" / "minimal" / "data"
TASKS = "tasks/list-a.yml"
PAGE = "tasks/list-a/1/"                     # task 1 of the minimal data set
ASSET = "assets/kb.css"
GOOD_UNITS = "units: [县教育局, 县财政局]"
# Every edit below changes the file's size: the watcher sees it even where file times are coarse.
BAD_UNITS = 'units: ["<b>x</b>", 县财政局]'   # the message quotes the name: it must show as text
TIMEOUT = 60                                 # for a (re)build of the minimal data set; polls end sooner


def test_serve_shows_an_edited_record(tmp_path):
    timings = serve_reload_seconds(ROOT / "data", tmp_path, timeout=180)
    assert timings["first_page_s"] > 0 and timings["reload_s"] > 0


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(data: Path) -> list[str]:
    """The lines the build reports for this data (the hook loads it with root = data.parent)."""
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    return [str(p) for p in exc.value.problems]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, proc: subprocess.Popen, log: Path):
        self.url, self.proc, self.log = url, proc, log

    def get(self, path: str, timeout: float = 5) -> tuple[int, str]:
        """(status, body); a 404 is an answer too (the theme's 404 page)."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8")

    def wait_for(self, path: str, predicate) -> str:
        """Poll until the page satisfies predicate; a request that waits for a rebuild counts as no answer."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(encoding="utf-8")[-3000:]
            try:
                status, body = self.get(path)
            except OSError:   # not up yet, or a rebuild outlasted the request's timeout
                body = None
            if body is not None and predicate(body):
                return body
            time.sleep(0.05)
        raise AssertionError(f"{path}: not as expected within {TIMEOUT} s; server log:\n"
                             + self.log.read_text(encoding="utf-8")[-3000:])


@contextmanager
def serving(data: Path, work: Path):
    port = _free_port()
    env = {**os.environ, "KB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0",
           "PYTHONPATH": str(ROOT / "hooks")}
    log = work / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(MKDOCS), "serve", "--strict", "--dirty", "-a", f"127.0.0.1:{port}",
                                 "-w", str(data)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield Server(f"http://127.0.0.1:{port}/", proc, log)
        assert "Traceback" not in log.read_text(encoding="utf-8")
    finally:
        stop_serving(proc)


def _banner(html: str) -> list[str] | None:
    """The problem lines of the page's banner, None without one. The banner comes first in <body>
    (before Material's header), and the lines are text: no element inside them."""
    soup = BeautifulSoup(html, "html.parser")
    banners = soup.select("aside.kb-problems")
    if not banners:
        return None
    assert len(banners) == 1 and soup.body.find(True) is banners[0]
    items = banners[0].select("li")
    assert all(item.find(True) is None for item in items)
    return [item.get_text() for item in items]


def _article(html: str) -> str:
    return BeautifulSoup(html, "html.parser").select_one("article").get_text()


def _livereload_epoch(html: str) -> int:
    """The build a served page comes from, as MkDocs' injected livereload script knows it (mkdocs 1.6.1,
    mkdocs/livereload/__init__.py: `livereload(${epoch}, ${request_id})`, polled at /livereload/<epoch>/<id>)."""
    match = re.search(r"livereload\((\d+), \d+\)", html)
    assert match, "mkdocs serve no longer injects its livereload script as mkdocs 1.6.1 did"
    return int(match.group(1))


def test_bad_data_keeps_the_last_good_pages_and_shows_the_problems(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    with serving(data, tmp_path) as server:
        good = server.wait_for(PAGE, lambda body: "<article" in body)
        assert _banner(good) is None and "第一项任务。" in _article(good)

        _edit(data / TASKS, GOOD_UNITS, BAD_UNITS)
        problems = _problems(data)
        assert any("unit '<b>x</b>'" in line for line in problems)
        shown = server.wait_for(PAGE, lambda body: _banner(body) is not None)

        # No hang: the page and an asset answer (within get's 5 s timeout) now that the rebuild is done.
        for path in (PAGE, ASSET):
            assert server.get(path)[0] == 200, path
        # The last good page, under every problem line, exactly, as text.
        assert _banner(shown) == problems
        assert "&lt;b&gt;x&lt;/b&gt;" in shown
        assert "第一项任务。" in _article(shown) and "县教育局" in _article(shown)
        # Browsers showing the good page reload: the livereload poll answers a newer build at once.
        status, epoch = server.get(f"livereload/{_livereload_epoch(good)}/0", timeout=3)
        assert status == 200 and int(epoch) > _livereload_epoch(good)

        _edit(data / TASKS, BAD_UNITS, GOOD_UNITS)
        _edit(data / TASKS, "第一项任务。", "第一项任务（第二版）。")
        fixed = server.wait_for(PAGE, lambda body: "第二版" in _article(body))
        assert _banner(fixed) is None and "第一项任务（第二版）。" in _article(fixed)


def test_first_build_with_bad_data_serves_the_problems_until_fixed(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    _edit(data / TASKS, GOOD_UNITS, BAD_UNITS)
    problems = _problems(data)
    with serving(data, tmp_path) as server:
        home = server.wait_for("", lambda body: "<article" in body)
        assert _banner(home) == problems and "数据有问题" in _article(home)
        # Any other page: the theme's 404 page (MkDocs serves site_dir/404.html), with the problems too.
        status, missing = server.get(PAGE)
        assert status == 404 and _banner(missing) == problems

        _edit(data / TASKS, BAD_UNITS, GOOD_UNITS)
        fixed = server.wait_for(PAGE, lambda body: "<article" in body and "第一项任务。" in _article(body))
        assert _banner(fixed) is None
        assert _banner(server.get("")[1]) is None


def test_build_with_bad_data_stops_with_the_problems(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    _edit(data / TASKS, GOOD_UNITS, BAD_UNITS)
    result = build_site(tmp_path / "site", KB_DATA=str(data))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert all(line in result.stderr.splitlines() for line in _problems(data))
    assert not (tmp_path / "site" / "index.html").exists()


def test_an_incremental_rebuild_writes_what_a_full_build_writes(tmp_path):
    """hooks/kb_mkdocs/incremental.py: after edits of several kinds (a task's text, now naming a term, a
    unit's name and the tasks naming it, a negative's subjects, a progress report, a project removed), a rebuild that writes only the pages that
    changed leaves the served folder byte for byte as a full build of the edited data."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "tests" / "fixtures" / "progress", data / "progress")  # (the real data have none)
    served = tmp_path / "served"
    # (the history the full build below reads: the pages' 最近更新 dates are compared too)
    env = {**os.environ, "KB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0",
           "PYTHONPATH": str(ROOT / "hooks"), "KB_HISTORY": str(FIXED_HISTORY)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "incremental_build.py"), str(served)], cwd=ROOT,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def rebuild() -> None:
        proc.stdin.write("build\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line.strip() == "built", proc.stderr.read()[-3000:]

    try:
        rebuild()
        first = {p: p.read_bytes() for p in served.rglob("*") if p.is_file()}
        time.sleep(0.05)
        # (now naming a term: the term's page lists the task)
        _edit(data / "tasks" / "taoyuan-2022.yml", "建立日常参与", "建立日常参与（编辑，克服五唯）")
        _edit(data / "units" / "taoyuan.yml", "name: 县财政局", "name: 县财政局二")  # and every task naming it
        tasks = data / "tasks" / "taoyuan-2022.yml"
        tasks.write_text(tasks.read_text(encoding="utf-8").replace("县财政局", "县财政局二"), encoding="utf-8")
        _edit(data / "negative.yml", "subjects: [学生]", "subjects: [教师]")
        # a unit's latest report on task 3: its task page, the list's summaries, the unit's page, the hubs
        _edit(data / "progress" / "taoyuan-2022.yml", "status: 未启动", "status: 推进中")
        projects = data / "projects" / "hubei-2024.yml"
        text = projects.read_text(encoding="utf-8")
        last = text.rindex("\n  - number:")
        projects.write_text(text[:last + 1], encoding="utf-8")
        rebuild()
        changed = [p for p in served.rglob("*") if p.is_file() and first.get(p) != p.read_bytes()]
        assert 0 < len(changed) < len(first) / 2  # not everything was written again
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    full = tmp_path / "full"
    result = build_site(full, KB_DATA=str(data))
    assert result.returncode == 0, result.stderr
    ours = sorted(str(p.relative_to(served)) for p in served.rglob("*") if p.is_file())
    theirs = sorted(str(p.relative_to(full)) for p in full.rglob("*") if p.is_file())
    assert ours == theirs
    different = [p for p in ours if p != "sitemap.xml.gz" and (served / p).read_bytes() != (full / p).read_bytes()]
    assert different == []


def test_a_changed_task_touches_its_neighbours_units_and_list_only(tmp_path):
    """kb.changes.affected: which records' pages a rebuild makes again, for the edits it follows."""
    from kb.changes import affected
    old = load_corpus(ROOT / "data", ROOT)
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    _edit(data / "tasks" / "taoyuan-2022.yml", "建立日常参与", "建立日常参与（编辑）")
    new = load_corpus(data, tmp_path, previous=old)
    touched = affected(old, new)
    assert touched is not None
    task = next(e for e in new.of_kind("task") if "建立日常参与（编辑）" in e.text)
    assert task.id in touched and all(u.id in touched for u in new.units_of_task(task.id))
    assert len(touched) < len(new.entries) / 2  # its list, its units, what links to it: not everything
    # A document reaches too many pages to follow: every page is made again.
    _edit(data / "documents.yml", "summary: ", "summary: （编辑）")
    assert affected(old, load_corpus(data, tmp_path, previous=old)) is None


def test_a_reload_makes_again_the_entries_made_of_records_that_changed(tmp_path):
    """kb.kinds.Building.kept: a reload takes the last load's entry of a record whose file was not read again,
    unless a record it is made of changed: a task is made of its document's section, a report of its task."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(ROOT / "tests" / "fixtures" / "progress", data / "progress")
    cache: dict = {}
    old = load_corpus(data, tmp_path, cache)
    reports = [e for e in old.children("taoyuan-2022/1") if e.kind == "progress"]
    assert old["taoyuan-2022/1"].subjects == ("党委和政府",) and reports
    assert all(r.subjects == ("党委和政府",) for r in reports)
    # The document's section 一 changes its subject; the tasks and reports files are not read again.
    _edit(data / "documents.yml", "subject: 党委和政府", "subject: 学校")
    new = load_corpus(data, tmp_path, cache, previous=old)
    assert new["taoyuan-2022/1"].subjects == ("学校",)
    assert all(new[r.id].subjects == ("学校",) for r in reports)
    assert new["taoyuan-2022/44"] is old["taoyuan-2022/44"]  # (an entry equal to the last one is that one)
    # The task names its own subject; the reports file is not read again.
    _edit(data / "tasks" / "taoyuan-2022.yml", "  - number: 1\n    section: 一\n",
          "  - number: 1\n    section: 一\n    subjects: [教师]\n")
    newer = load_corpus(data, tmp_path, cache, previous=new)
    assert newer["taoyuan-2022/1"].subjects == ("教师",)
    assert all(newer[r.id].subjects == ("教师",) for r in reports)
    units = [u for u in old.of_kind("unit")]
    assert all(newer[u.id] is u for u in units)  # made of nothing that changed: the very entries


def test_the_server_is_told_of_a_save_by_the_kernel_not_by_polling(tmp_path):
    """kb_mkdocs.serve.watch_natively: the paths mkdocs watched so far move from its PollingObserver to
    watchdog's native one (inotify here), which the server starts; a save anywhere under them asks for a
    rebuild, and so does one under a path watched afterwards (config.watch); reading a file does not."""
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.inotify import InotifyObserver
    from watchdog.observers.polling import PollingObserver

    from kb_mkdocs.serve import watch_natively
    early, late = tmp_path / "docs", tmp_path / "data"
    for folder in (early, late):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "a.yml").write_text("x: 1\n", encoding="utf-8")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"))
    server.watch(str(early))
    server.watch(str(early))   # watched twice (mkdocs counts): both move
    assert isinstance(server.observer, PollingObserver)
    watch_natively(server)
    server.watch(str(late))
    assert isinstance(server.observer, InotifyObserver)
    assert server._watched_paths == {str(early): 2, str(late): 1}
    server.observer.start()
    try:
        for folder in (early, late):
            time.sleep(0.2)
            server._want_rebuild = False
            (folder / "sub" / "a.yml").write_text("x: 2\n", encoding="utf-8")
            deadline = time.monotonic() + 5
            while not server._want_rebuild and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server._want_rebuild, f"a save under {folder.name} asked for no rebuild"
        time.sleep(0.3)
        server._want_rebuild = False
        for folder in (early, late):  # every build reads the data: reading is no change
            assert (folder / "sub" / "a.yml").read_text(encoding="utf-8") == "x: 2\n"
        time.sleep(0.5)
        assert not server._want_rebuild, "reading a file asked for a rebuild (every build would cause another)"
    finally:
        server.observer.stop()
        server.observer.join()
        server.server_close()
