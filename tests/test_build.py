"""`make build` / hooks/kb_build.py: one build at a time, site/ always complete, readable modes.

Full builds run in one copy of the checkout with the minimal data set (~10 s each); the swap,
the sync and the output checks are also tested in-process on small folders, without MkDocs.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
import kb_build  # noqa: E402

VENV = Path(sys.executable).parent.parent
SUCCESS = "built site/ (with downloads/kb-offline.zip)\n"
BUILD_SECONDS: list[float] = []  # how long the first full build took: the kill test spreads its kills over it


# --- helpers ---------------------------------------------------------------------------------

def start(project: Path, *args: str, make: bool = False) -> subprocess.Popen:
    """A build in its own process group, under umask 077 (modes must not depend on it)."""
    # -o: the venv is this test run's; a copy's make must not reinstall the package into it from the copy
    cmd = (["make", *(args or ["build"]), f"VENV={VENV}", "-o", f"{VENV}/.runtime"] if make
           else [sys.executable, "hooks/kb_build.py", *args])
    # Not the make variables of a `make test` around us: a sub-make would print "Entering directory".
    outer = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    env = {**outer, "KB_DATA": str(project / "tests" / "fixtures" / "minimal" / "data"),
           "PYTHONPATH": str(project / "hooks"), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
    return subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            umask=0o077, start_new_session=True)


def mkdocs_child(pid: int, timeout: float) -> int:
    """The pid of the `mkdocs build` that process pid has started, once it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                except FileNotFoundError:
                    continue
                if b"mkdocs" in cmdline:
                    return int(child)
        time.sleep(0.02)
    raise AssertionError(f"no mkdocs child of {pid} within {timeout:.0f} s")


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def assert_complete(project: Path) -> None:
    """site/ has a home page and an intact offline zip holding the offline edition's home page."""
    site = project / "site"
    assert "</html>" in (site / "index.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(site / "downloads" / "kb-offline.zip") as zf:
        assert zf.testzip() is None
        assert "评价改革知识库/index.html" in zf.namelist()


def assert_no_leftovers(project: Path) -> None:
    assert not list(project.glob(kb_build.WORK_PREFIX + "*"))


def assert_modes(folder: Path) -> None:
    assert folder.stat().st_mode & 0o777 == 0o755
    for path in folder.rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o755 if path.is_dir() else 0o644), path


class SiteWatcher(threading.Thread):
    """Opens site/index.html every few milliseconds; records any instant it was missing."""

    def __init__(self, project: Path):
        super().__init__(daemon=True)
        self.index, self.misses, self.reads, self.done = project / "site" / "index.html", [], 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                with open(self.index, "rb") as f:
                    if not f.read():
                        self.misses.append("empty")
                self.reads += 1
            except OSError as exc:
                self.misses.append(repr(exc))
            time.sleep(0.002)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.join()
        assert self.reads > 0 and not self.misses, self.misses[:3]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the checkout (tracked and new files) with a first site built by `make build` under umask 077."""
    dest = tmp_path_factory.mktemp("project")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file() and not rel.startswith("site/"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)  # keeps mtimes: make must not think the venv stale
    started = time.monotonic()
    code, out, err = finish(start(dest, make=True))
    assert (code, out) == (0, SUCCESS), err
    BUILD_SECONDS.append(time.monotonic() - started)
    return dest


# --- full builds -------------------------------------------------------------------------------

def test_build_makes_a_complete_site_readable_whatever_the_umask(project):
    assert_complete(project)
    assert_modes(project / "site")
    assert_no_leftovers(project)


@pytest.mark.parametrize("fraction", [0, 0.05, 0.5])
def test_two_builds_at_once_both_succeed_one_after_the_other(project, fraction):
    # The second starts at this fraction of a build's duration (measured by the first build test), so
    # the two always overlap, however fast a build of the test data is.
    with SiteWatcher(project):
        first = start(project, make=True)
        time.sleep(fraction * BUILD_SECONDS[0])
        second = start(project, make=True)
        results = [finish(first), finish(second)]
    assert [(code, out) for code, out, _ in results] == [(0, SUCCESS)] * 2, [err for *_, err in results]
    waited = [err for _, _, err in results if "waiting: another build of this checkout is running (pid " in err]
    assert len(waited) == 1, [err for *_, err in results]
    assert_complete(project)
    assert_modes(project / "site")
    assert_no_leftovers(project)


def test_make_offline_writes_the_zip(project):
    code, out, err = finish(start(project, "offline", make=True))
    assert code == 0 and out.startswith("wrote kb-offline.zip ("), err
    zip_path = project / "kb-offline.zip"
    assert zip_path.stat().st_mode & 0o777 == 0o644
    with zipfile.ZipFile(zip_path) as zf:
        assert "评价改革知识库/index.html" in zf.namelist() and zf.testzip() is None
    zip_path.unlink()
    assert_no_leftovers(project)


def test_killed_builds_leave_a_complete_site_and_the_next_build_runs(project):
    duration = BUILD_SECONDS[0]
    with SiteWatcher(project):
        # SIGKILL of the whole process group at moments spread over a build, the last ones near the swap.
        for fraction in (0.1, 0.45, 0.8, 1.0):
            proc = start(project)
            time.sleep(duration * fraction)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # the build ended first
                pass
            proc.wait()
            assert_complete(project)
        # SIGTERM: the build stops, kills mkdocs and removes its temp folder.
        proc = start(project)
        time.sleep(duration * 0.3)
        proc.send_signal(signal.SIGTERM)
        code, _, err = finish(proc)
        assert code == 128 + signal.SIGTERM and "build stopped (SIGTERM)" in err, err
        assert_complete(project)
        # SIGKILL of the build script alone: its orphaned mkdocs still holds the lock, so the next
        # build waits for it (rather than deleting the folder it writes into), then runs.
        proc = start(project)
        child = mkdocs_child(proc.pid, timeout=duration * 2 + 30)  # killed while mkdocs runs, not between runs
        proc.kill()
        proc.wait()
        assert Path(f"/proc/{child}").exists(), "the orphaned mkdocs ended before the next build started"
        code, out, err = finish(start(project), timeout=duration * 4 + 60)
        assert (code, out) == (0, SUCCESS) and "waiting: another build" in err, err
    assert_complete(project)
    assert_no_leftovers(project)  # the folders of the killed builds were removed by the last one
    lock = os.open(project / kb_build.LOCK, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nothing is left holding it
    finally:
        os.close(lock)


# --- the lock, without builds ------------------------------------------------------------------

# `held` keeps the context manager alive: collected, it would close the lock's file at once.
HOLD = ("import sys, time, kb_build; held = kb_build.build_lock(kb_build.Path(sys.argv[1])); held.__enter__(); "
        "print('held', flush=True); time.sleep(120)")


def test_lock_of_a_killed_build_is_released_and_the_waiter_says_it_waits(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "hooks")}
    lock = str(tmp_path / "lock")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, lock], env=env, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    waiter = subprocess.Popen([sys.executable, "-c", HOLD, lock], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        assert waiter.poll() is None
        holder.kill()  # SIGKILL: no cleanup runs, the kernel drops the flock
        holder.wait()
        started = time.monotonic()
        assert waiter.stdout.readline() == "held\n"
        assert time.monotonic() - started < 5
    finally:
        waiter.kill()
        _, err = waiter.communicate()
    assert err == (f"waiting: another build of this checkout is running (pid {holder.pid}); "
                   "this one starts when it ends\n")


# --- swap, sync and output checks, without MkDocs ----------------------------------------------

def tree(folder: Path) -> dict[str, bytes | None]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


@pytest.fixture
def old_and_new(tmp_path):
    site, new = tmp_path / "site", tmp_path / "new"
    for folder, files in ((site, {"index.html": "old", "a/index.html": "old a", "gone.html": "x", "gone/x.js": "x",
                                  "kind/index.html": "a file here, a folder in the new site", "same.css": "same"}),
                          (new, {"index.html": "new", "a/index.html": "new a", "b/c/index.html": "new c",
                                 "kind/index.html/x": "a folder now", "same.css": "same"})):
        for rel, text in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
    os.chmod(site / "same.css", 0o600)
    return site, new


def test_install_swaps_the_folders(old_and_new):
    site, new = old_and_new
    expected, previous = tree(new), tree(site)
    assert kb_build.install(new, site) is None
    assert tree(site) == expected and tree(new) == previous  # the caller deletes the previous site
    fresh = site.parent / "fresh"
    assert kb_build.install(site, fresh) is None and tree(fresh) == expected and not site.exists()


@pytest.mark.parametrize("code", [errno.EBUSY, errno.EXDEV, errno.EINVAL])
def test_install_syncs_into_a_site_that_cannot_be_renamed(old_and_new, monkeypatch, code):
    site, new = old_and_new
    expected, inode = tree(new), site.stat().st_ino

    def refuse(a, b):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(kb_build, "exchange", refuse)
    kb_build.normalise_modes(new)
    assert kb_build.install(new, site) == f"site/ cannot be swapped by rename ({errno.errorcode[code]})"
    assert tree(site) == expected and site.stat().st_ino == inode
    assert_modes(site)


def test_install_syncs_into_a_mount_point(old_and_new, monkeypatch):
    site, new = old_and_new
    expected = tree(new)
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == site)
    monkeypatch.setattr(kb_build, "exchange", lambda a, b: pytest.fail("a mount point cannot be renamed"))
    assert kb_build.install(new, site) == "site/ is a mount point"
    assert tree(site) == expected


def test_install_syncs_through_a_symlinked_site(old_and_new, tmp_path):
    real, new = old_and_new
    site = tmp_path / "link"
    site.symlink_to(real, target_is_directory=True)
    expected = tree(new)
    assert kb_build.install(new, site) == "site/ is a symlink"
    assert site.is_symlink() and tree(real) == expected


def fake_project(tmp_path: Path, monkeypatch, write) -> Path:
    """kb_build.build() in tmp_path, with `write(dest, env)` standing in for mkdocs."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("上一次的网站", encoding="utf-8")
    monkeypatch.setattr(kb_build, "ROOT", tmp_path)
    monkeypatch.setattr(kb_build, "mkdocs", lambda dest, lock_fd, **env: write(dest, env))
    return tmp_path


def page(dest: Path, rel: str, content: bytes = b"<html></html>") -> None:
    (dest / rel).parent.mkdir(parents=True, exist_ok=True)
    (dest / rel).write_bytes(content)


def good(dest: Path, env: dict) -> None:
    page(dest, "index.html")
    if "KB_OFFLINE_ZIP" in env:
        page(dest, "downloads/kb-offline.zip", Path(env["KB_OFFLINE_ZIP"]).read_bytes())


NO_ZIP = "the site lacks downloads/kb-offline.zip (or it is not the offline edition just built)"


@pytest.mark.parametrize("write, message", [
    (lambda dest, env: dest.mkdir(), "the offline edition has no index.html (empty output)"),
    (lambda dest, env: page(dest, "index.html", b""), "the offline edition has no index.html (empty output)"),
    (lambda dest, env: good(dest, {}) if "KB_OFFLINE" in env else dest.mkdir(),
     "the site has no index.html (empty output)"),
    (lambda dest, env: good(dest, {}), NO_ZIP),
    (lambda dest, env: (good(dest, env), page(dest, "downloads/kb-offline.zip", b"")), NO_ZIP),
], ids=["offline empty", "offline blank index", "site empty", "site without zip", "site with empty zip"])
def test_empty_output_is_an_error_and_keeps_the_site(tmp_path, monkeypatch, write, message):
    project = fake_project(tmp_path, monkeypatch, write)
    with pytest.raises(kb_build.BuildError, match="^" + re.escape(message) + "$"):
        kb_build.build()
    assert tree(project / "site") == {"index.html": "上一次的网站".encode()}
    assert_no_leftovers(project)


def test_fake_build_replaces_the_site_with_readable_modes(tmp_path, monkeypatch):
    project = fake_project(tmp_path, monkeypatch, good)
    old_umask = os.umask(0o077)
    try:
        assert kb_build.build() == SUCCESS.strip()
    finally:
        os.umask(old_umask)
    assert (project / "site" / "index.html").read_bytes() == b"<html></html>"
    assert_modes(project / "site")
    assert_no_leftovers(project)


# --- python -m kb zip ----------------------------------------------------------------------------

@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_zip_of_a_missing_or_empty_folder_fails_and_writes_nothing(tmp_path, folder):
    (tmp_path / "empty").mkdir()
    result = subprocess.run([sys.executable, "-m", "kb", "zip", folder, "x.zip"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "hooks")})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: {folder} "), result.stderr
    assert not (tmp_path / "x.zip").exists()
