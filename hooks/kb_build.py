"""`make build` and `make offline`: one build at a time per checkout, and site/ replaced atomically.

    python hooks/kb_build.py            # offline edition, its zip, then the site (offering the zip) → site/
    python hooks/kb_build.py --offline  # only the offline edition → kb-offline.zip

- Lock: an exclusive flock on .kb-build.lock. A second build waits (saying so) rather than
  refusing: it was started after the first, so it may see newer data, and its result is the one
  wanted. The kernel drops the lock when its holders die, so a killed build never leaves a stale
  lock; the mkdocs children inherit the lock, so a build's orphans are waited for too.
- Temp folder: one per build (tempfile.mkdtemp beside site/, hence on the same filesystem),
  removed on success, failure, SIGTERM and SIGINT; ones left by a build killed with SIGKILL are
  removed by the next build, once it holds the lock.
- Swap: renameat2(RENAME_EXCHANGE) swaps the new folder and site/ in one step, so site/ is
  never missing, and keeps site/ a plain folder (deploys copy it with `cp -r`, which a symlink
  would break). Where site/ cannot be renamed (a mount point, a symlink the user made, another
  filesystem, no RENAME_EXCHANGE) the new site is synced into it instead: each file replaced by
  rename, pages after the files they use, stale files deleted last. Refusing would make
  `make build` unusable in the common deployment where site/ is a volume the web server shares;
  syncing keeps every file complete at every instant, only old and new versions mix until it ends.
- Output is checked before it replaces anything (index.html, a non-empty offline zip inside the
  site) and gets modes 0644/0755 whatever the umask, so the web server's user can read it.
"""
from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ".kb-build.lock"
WORK_PREFIX = ".site-build-"  # .gitignore: .site-*/
OFFLINE_ZIP = "kb-offline.zip"
SITE_ZIP = Path("downloads") / OFFLINE_ZIP  # where the site offers the offline edition (kb.site.OFFLINE_ZIP)
# Errors of renameat2 meaning "site/ cannot be swapped by rename here", not "the build is broken".
_NOT_SWAPPABLE = {errno.EBUSY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM}


class BuildError(Exception):
    """A build step failed or its output is unusable; the message is one line for the user."""


@contextmanager
def build_lock(path: Path):
    """Hold an exclusive flock on `path`; waits, saying so, while another build holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            print(f"waiting: another build of this checkout is running (pid {holder}); this one starts when it ends",
                  file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # only for the message above
        yield fd
    finally:
        os.close(fd)  # releases the lock (children that inherited it keep it until they end)


def mkdocs(dest: Path, lock_fd: int, **env: str) -> None:
    """`mkdocs build --strict --quiet` into dest; errors go straight to the user's stderr."""
    child_env = {k: v for k, v in os.environ.items() if k not in ("KB_OFFLINE", "KB_OFFLINE_ZIP")}
    # The Makefile exports these; set them here too so the script alone builds the same bytes.
    child_env.setdefault("PYTHONHASHSEED", "0")
    child_env.setdefault("NO_MKDOCS_2_WARNING", "1")
    child_env.setdefault("PYTHONPATH", str(ROOT / "hooks"))
    child_env.update(env)
    # pass_fds: the child holds the lock too, so if this process is killed the next build
    # waits for the orphan rather than deleting the folder it is still writing.
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "-f", str(ROOT / "mkdocs.yml"), "-d", str(dest)],
                            cwd=ROOT, env=child_env, pass_fds=(lock_fd,))
    if result.returncode != 0:
        raise BuildError(f"mkdocs build failed (exit {result.returncode})")


def check_index(folder: Path, what: str) -> None:
    index = folder / "index.html"
    if not index.is_file() or index.stat().st_size == 0:
        raise BuildError(f"{what} has no index.html (empty output)")


def normalise_modes(folder: Path) -> None:
    """Folders 0755, files 0644: readable by the web server's user whatever the umask (mkdtemp gives 0700)."""
    os.chmod(folder, 0o755)
    for parent, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(parent, name), 0o755)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o644)


def exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically: Linux renameat2(RENAME_EXCHANGE) (glibc ≥ 2.28); OSError otherwise."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd, rename_exchange = -100, 2  # <fcntl.h>, <linux/fs.h>
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


def sync_into(src: Path, dst: Path) -> None:
    """Make dst hold exactly src's files, without ever having a missing or half-written file.

    Each changed file is written beside its target and renamed over it; pages (.html) come after
    the files they use, the home page last; files src lacks are deleted only at the end."""
    wanted = {p.relative_to(src) for p in src.rglob("*")}
    for rel in sorted(p for p in wanted if (src / p).is_dir()):
        target = dst / rel
        if target.exists() and not target.is_dir():
            target.unlink()
        target.mkdir(exist_ok=True)
        os.chmod(target, 0o755)
    files = sorted((p for p in wanted if (src / p).is_file()),
                   key=lambda p: (p.suffix == ".html", p == Path("index.html"), p))
    for rel in files:
        target = dst / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.is_file() and filecmp.cmp(src / rel, target, shallow=False):
            os.chmod(target, 0o644)
            continue
        part = target.with_name(f".{target.name}.kb-sync")
        shutil.copyfile(src / rel, part)
        os.chmod(part, 0o644)
        os.replace(part, target)
    for parent, dirs, names in os.walk(dst, topdown=False):
        for name in names + dirs:
            path = Path(parent, name)
            if path.relative_to(dst) in wanted:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def install(new: Path, site: Path) -> str | None:
    """Put the finished folder `new` in place of `site`. Returns why it synced, or None if it swapped.

    After a swap the previous site is at `new`, for the caller to delete."""
    if not os.path.lexists(site):
        os.rename(new, site)
        return None
    if site.is_symlink():
        reason = "site/ is a symlink"
    elif os.path.ismount(site):
        reason = "site/ is a mount point"
    else:
        try:
            exchange(new, site)
            return None
        except OSError as exc:
            if exc.errno not in _NOT_SWAPPABLE:
                raise
            reason = f"site/ cannot be swapped by rename ({errno.errorcode.get(exc.errno, exc.errno)})"
    sync_into(new, site)
    return reason


@contextmanager
def signals_deferred():
    """Hold SIGINT/SIGTERM until the block ends: a sync, once begun, is finished."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def build(offline_only: bool = False) -> str:
    """Run the build under the lock; returns the success line, raises BuildError."""
    from kb.downloads.common import zip_folder
    with build_lock(ROOT / LOCK) as lock_fd:
        for stale in ROOT.glob(WORK_PREFIX + "*"):  # left by a build killed with SIGKILL
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=ROOT))
        try:
            offline, zip_path = work / "offline", work / OFFLINE_ZIP
            mkdocs(offline, lock_fd, KB_OFFLINE="true")
            check_index(offline, "the offline edition")
            try:
                count = zip_folder(offline, zip_path)
            except ValueError as exc:
                raise BuildError(str(exc)) from None
            os.chmod(zip_path, 0o644)
            if offline_only:
                os.replace(zip_path, ROOT / OFFLINE_ZIP)
                return f"wrote {OFFLINE_ZIP} ({count} files, {(ROOT / OFFLINE_ZIP).stat().st_size // 1024} KB)"
            new = work / "site"
            mkdocs(new, lock_fd, KB_OFFLINE_ZIP=str(zip_path))
            check_index(new, "the site")
            offered = new / SITE_ZIP
            if not offered.is_file() or not filecmp.cmp(offered, zip_path, shallow=False):
                raise BuildError(f"the site lacks {SITE_ZIP.as_posix()} (or it is not the offline edition just built)")
            normalise_modes(new)
            with signals_deferred():
                synced = install(new, ROOT / "site")
            if synced:
                print(f"{synced}: copied the new site into it file by file (not one atomic swap)", file=sys.stderr)
            return f"built site/ (with {SITE_ZIP.as_posix()})"
        finally:
            shutil.rmtree(work, ignore_errors=True)  # after a swap this holds the previous site


def _stop(signum, frame):
    # SystemExit unwinds through subprocess.run (which kills mkdocs) and the finally blocks (temp folder).
    print(f"build stopped ({signal.Signals(signum).name})", file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hooks/kb_build.py", description="build site/ (make build)")
    parser.add_argument("--offline", action="store_true", help="only the offline edition, as kb-offline.zip")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        print(build(offline_only=args.offline))
    except BuildError as exc:
        print(f"error: {exc}; {OFFLINE_ZIP if args.offline else 'site/'} left as it was", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
