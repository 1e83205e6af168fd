"""When each record last changed, and the site's change log, from the repository's history.

A record's 最近更新 is the newest commit that wrote a line of its data: `git blame` of each data file (one
process a file, whatever the number of records; the working tree's version, so line numbers are the ones
the corpus was loaded with) tells, for every line, the commit that last wrote it; a record's lines run from
its first line to the line before the next record of its file (comments and blank lines not counted). The
更新记录 page lists every commit that touched data/ (`git log`, data/schema/ aside, merges aside), newest
first, each with the records whose current data it wrote. Blame does not see a commit that only deleted
lines inside a record and changed none of its other lines: such a record keeps its previous date.

What readers see is Chinese: a commit's note is its `更新说明：…` line (kb's editors write one, see the
README); a commit without one is described by what it changed (涉及重点任务 3 条). Dates are committer dates
in China Standard Time, so a given commit gives the same pages wherever it is built.

Where there is no usable history the pages say nothing of dates and the 更新记录 page says so: a build
outside a git work tree (a copy of the data, an unpacked archive), without git, in a shallow clone (its
oldest commit would claim every line). Lines not committed yet (a preview while editing, a file git does not
track) belong to the change "尚未提交的修改", which has no date. `History.from_file` reads a fixed history
(JSON) instead: the tests' reviewed build uses one, so its bytes do not change with every commit.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .corpus import Corpus, Entry

CHINA = timezone(timedelta(hours=8))
UNCOMMITTED = "0" * 40
NOTE = re.compile(r"^更新说明[:：]\s*(\S.*?)\s*$", re.M)
# Configuration that would change what blame or log print (a user's ignore-revs file, signatures, colour).
GIT_CONFIG = ("-c", "blame.ignoreRevsFile=", "-c", "log.showSignature=false", "-c", "color.ui=false",
              "-c", "i18n.logOutputEncoding=UTF-8", "-c", "core.quotePath=false", "-c", "diff.algorithm=myers",
              "-c", "diff.indentHeuristic=true")
BLAME_WORKERS = 4  # git processes at a time (each file is one)

Blamed = tuple[list[str], list[bool], dict[str, int]]  # kb.history.blame
# `make serve` keeps the files' blames between reloads: file → ((mtime, size, HEAD), its blame). A file is
# blamed again only when it or the checked-out commit changed (at 200,000 records, blaming every file again
# would take most of a reload).
BlameCache = dict[str, tuple[tuple[int, int, str], Blamed]]


@dataclass(frozen=True)
class Change:
    """One commit that touched the data (or the lines not committed yet)."""

    key: str                       # the commit id, or 'uncommitted'; the 更新记录 page's anchor is c-KEY[:10]
    date: str | None               # 'YYYY-MM-DD' (China Standard Time); None: not committed
    note: str | None               # its 更新说明 line, written for readers; None: none written
    # Records whose current data it wrote, in corpus order; documents whose source copy (原文) it wrote. Not
    # compared: a change is its commit (and a page compares its `updated` on every reload under `make serve`:
    # at 200,000 records, comparing these took two minutes); the 更新记录 page lists them in its own context.
    records: tuple[str, ...] = field(default=(), compare=False)
    documents: tuple[str, ...] = field(default=(), compare=False)

    @property
    def anchor(self) -> str:
        return f"c-{self.key[:10]}"


@dataclass(frozen=True)
class History:
    changes: tuple[Change, ...] = ()   # newest first; the uncommitted lines first of all
    why_none: str | None = None        # why there is no history (None: there is one)
    last: Mapping[str, Change] = field(init=False)           # record id → its newest change
    last_original: Mapping[str, Change] = field(init=False)  # document id → newest change of its source copy

    def __post_init__(self) -> None:
        last: dict[str, Change] = {}
        original: dict[str, Change] = {}
        for change in self.changes:  # newest first: the first seen is the newest
            for r in change.records:
                last.setdefault(r, change)
            for d in change.documents:
                original.setdefault(d, change)
        object.__setattr__(self, "last", MappingProxyType(last))
        object.__setattr__(self, "last_original", MappingProxyType(original))

    @classmethod
    def none(cls, why: str) -> History:
        return cls((), why)

    @classmethod
    def from_file(cls, path: Path) -> History:
        """A fixed history: {"changes": [{"key", "date", "note", "records", "documents"}]} (tests)."""
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(Change(c["key"], c.get("date"), c.get("note"), tuple(c.get("records", ())),
                                tuple(c.get("documents", ()))) for c in raw["changes"]))

    def to_json(self) -> str:
        return json.dumps({"changes": [{"key": c.key, "date": c.date, "note": c.note, "records": list(c.records),
                                        "documents": list(c.documents)} for c in self.changes]},
                          ensure_ascii=False, indent=1) + "\n"


# --- from git ------------------------------------------------------------------------------------

class NoHistory(Exception):
    """Why the repository's history cannot be used (the message is the reason)."""


def _git(top: Path, *args: str, ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[bytes]:
    # The user's configuration stays (safe.directory may be needed), the settings that change the output
    # are fixed (GIT_CONFIG); GIT_DIR and friends from a caller (a git hook) do not point git elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")} | {"LC_ALL": "C"}
    result = subprocess.run(["git", *GIT_CONFIG, "-C", str(top), *args], capture_output=True, env=env)
    if result.returncode not in ok:
        raise NoHistory(f"git {args[0]}: {result.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return result


def repository_of(folder: Path) -> Path:
    """The top of the git work tree holding `folder`, if its history can be used."""
    if shutil.which("git") is None:
        raise NoHistory("git is not installed")
    try:
        out = _git(folder, "rev-parse", "--show-toplevel", "--is-shallow-repository").stdout.decode().split("\n")
    except NoHistory:
        raise NoHistory("not in a git work tree") from None
    if out[1].strip() == "true":
        raise NoHistory("a shallow clone (fetch the whole history: git fetch --unshallow)")
    return Path(out[0]).resolve()


_GROUP = re.compile(r"([0-9a-f]{40}) \d+ (\d+) (\d+)")


def blame(top: Path, rel: str, tracked: bool = True) -> Blamed:
    """A file's lines as git blame sees them in the working tree: (commit of each line, whether each line
    counts as a record's content (kb.history._counts: not blank, not a comment), committer time of each
    commit). The lines themselves are not kept: at 200,000 records, thousands of files' lines held at once
    took hundreds of MB beside the corpus being loaded. A file git does not track: every line uncommitted
    (without asking git, when `tracked` is False). (--incremental prints a group of lines at a time, not each
    line: far less to read at 10,000 records.)"""
    counted = [_counts(line) for line in (top / rel).read_text(encoding="utf-8").splitlines()]
    if not tracked:
        return [UNCOMMITTED] * len(counted), counted, {}
    result = _git(top, "blame", "--incremental", "--", rel, ok=(0, 128))
    if result.returncode:
        return [UNCOMMITTED] * len(counted), counted, {}
    shas = [UNCOMMITTED] * len(counted)
    times: dict[str, int] = {}
    sha = ""
    for raw in result.stdout.decode("utf-8", "replace").split("\n"):
        group = _GROUP.fullmatch(raw)
        if group:
            sha, first, count = group.group(1), int(group.group(2)), int(group.group(3))
            shas[first - 1:first - 1 + count] = [sha] * count
        elif raw.startswith("committer-time "):
            times[sha] = int(raw.split()[1])
    return shas[:len(counted)], counted, times


def _blame_into(cache: BlameCache, key: tuple[int, int, str], top: Path, rel: str, tracked: bool) -> Blamed:
    cache[rel] = (key, blame(top, rel, tracked))
    return cache[rel][1]


def commits_of(top: Path, data_dir: Path) -> list[tuple[str, int, str]]:
    """Every commit that touched the data (data/schema/ aside, merges aside), newest first: (id, time, message)."""
    rel = data_dir.resolve().relative_to(top).as_posix() or "."
    out = _git(top, "log", "--no-merges", "--format=%H%x1f%ct%x1f%B%x1e", "--", rel,
               f":(exclude){rel}/schema").stdout.decode("utf-8", "replace")
    commits = []
    for chunk in out.split("\x1e"):
        parts = chunk.strip("\n").split("\x1f")
        if len(parts) == 3:
            commits.append((parts[0], int(parts[1]), parts[2]))
    return commits


def _date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, CHINA).date().isoformat()


def _ranges(entries: list[Entry], n_lines: int) -> list[tuple[Entry, int, int]]:
    """Each record of one file with its lines (first, last), 1-based: up to the next record's first line."""
    ordered = sorted(entries, key=lambda e: e.where.line)
    return [(e, e.where.line, (ordered[i + 1].where.line - 1) if i + 1 < len(ordered) else n_lines)
            for i, e in enumerate(ordered)]


def _counts(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


class Pending:
    """A history being read: the git processes start before the corpus loads (they take the other core while
    Python loads the data; at 10,000 records they need ~1.1 s of CPU), `result` maps their lines to the records."""

    def __init__(self, data_dir: Path, source: str | None = None, cache: BlameCache | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.fixed: History | None = None
        self.pool: ThreadPoolExecutor | None = None
        if source == "none":
            self.fixed = History.none("switched off (KB_HISTORY=none)")
            return
        if source:
            self.fixed = History.from_file(Path(source))
            return
        try:
            self.top = repository_of(self.data_dir)
            paths = [p for p in sorted(self.data_dir.rglob("*")) if p.is_file()
                     and not any(part == "schema" or part.startswith(".")
                                 for part in p.relative_to(self.data_dir).parts)]
            self.rels = {p: p.relative_to(self.top).as_posix() for p in paths}
        except NoHistory as why:
            self.fixed = History.none(str(why))
            return
        except ValueError:
            self.fixed = History.none("the data are outside the git work tree")
            return
        self.pool = ThreadPoolExecutor(BLAME_WORKERS)
        self.commits = self.pool.submit(commits_of, self.top, self.data_dir)
        # Files git does not track (data generated into an ignored folder, a new file) are not blamed: one
        # process less a file (thousands at national scale).
        try:
            where = self.data_dir.relative_to(self.top).as_posix() or "."
            tracked = set(_git(self.top, "ls-files", "-z", "--full-name", "--", where).stdout.decode().split("\0"))
        except NoHistory:
            tracked = set(self.rels.values())
        if cache is None:
            self.blames = {p: self.pool.submit(blame, self.top, rel, rel in tracked) for p, rel in self.rels.items()}
            return
        try:
            head = _git(self.top, "rev-parse", "--verify", "-q", "HEAD", ok=(0, 1)).stdout.decode().strip()
        except NoHistory:
            head = ""
        self.blames = {}
        for p, rel in self.rels.items():
            st = p.stat()
            key = (st.st_mtime_ns, st.st_size, head)
            kept = cache.get(rel)
            if kept is not None and kept[0] == key:
                done: Future[Blamed] = Future()
                done.set_result(kept[1])
                self.blames[p] = done
            else:
                self.blames[p] = self.pool.submit(_blame_into, cache, key, self.top, rel, rel in tracked)

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def result(self, corpus: Corpus, root: Path) -> History:
        if self.fixed is not None:
            return self.fixed
        try:
            return self._from_git(corpus, root)
        except NoHistory as why:
            return History.none(str(why))
        finally:
            self.cancel()

    def _from_git(self, corpus: Corpus, root: Path) -> History:
        from .kinds import KINDS
        files: dict[Path, list[Entry]] = {}
        resolved: dict[str, Path] = {}  # each file named once (resolving it for each of 200,000 records took 7 s)
        for e in corpus.entries.values():
            if KINDS[e.kind].data:  # (a case measure is part of its case's lines)
                path = resolved.get(e.where.file)
                if path is None:
                    named = Path(e.where.file)
                    path = resolved[e.where.file] = (named if named.is_absolute() else root / named).resolve()
                files.setdefault(path, []).append(e)
        sources: dict[Path, list[str]] = {}  # source copy → the documents it is the copy of
        for d in corpus.of_kind("document"):
            sources.setdefault((self.data_dir / "sources" / d.record.source_file).resolve(), []).append(d.id)
        records: dict[str, set[str]] = {}   # commit → records whose lines it wrote
        documents: dict[str, set[str]] = {}
        times: dict[str, int] = {}
        for path in sorted(set(files) | set(sources)):
            if path not in self.blames:
                raise NoHistory(f"{path} is not a file under the data folder")
            shas, counted, file_times = self.blames[path].result()
            times.update(file_times)
            only = shas[0] if shas and shas.count(shas[0]) == len(shas) else None  # (a file one commit wrote)
            for e, first, last in _ranges(files.get(path, []), len(counted)):
                lines = range(first - 1, min(last, len(counted)))
                if only is not None:
                    wrote = {only} if any(counted[i] for i in lines) else set()
                else:
                    wrote = {shas[i] for i in lines if counted[i]}
                for sha in wrote:
                    records.setdefault(sha, set()).add(e.id)
            if path in sources:
                for sha in set(shas):
                    documents.setdefault(sha, set()).update(sources[path])
        commits = self.commits.result()

        position = {rid: i for i, rid in enumerate(corpus.entries)}
        doc_position = {d.id: i for i, d in enumerate(corpus.of_kind("document"))}

        def change(key: str, when: int | None, message: str) -> Change:
            note = NOTE.search(message)
            return Change(key, _date(when) if when is not None else None, note.group(1) if note else None,
                          tuple(sorted(records.get(key, ()), key=position.__getitem__)),
                          tuple(sorted(documents.get(key, ()), key=doc_position.__getitem__)))

        changes = [change(sha, when, message) for sha, when, message in commits]
        listed = {sha for sha, _, _ in commits}
        # A commit blame names that the log of data/ does not list (a file renamed into data/ from elsewhere).
        changes += [change(sha, times.get(sha, 0), "") for sha in sorted(set(records) | set(documents))
                    if sha not in listed and sha != UNCOMMITTED]
        # By date, newest first; within a day in git's order (the sort is stable).
        changes.sort(key=lambda c: c.date or "", reverse=True)
        if UNCOMMITTED in records or UNCOMMITTED in documents:
            pending = change(UNCOMMITTED, None, "")
            changes.insert(0, Change("uncommitted", None, None, pending.records, pending.documents))
        return History(tuple(changes))


def load(corpus: Corpus, data_dir: Path, root: Path, source: str | None = None) -> History:
    """The history for a build: from git (source None), none ('none'), or a fixed file (a path to JSON)."""
    return Pending(data_dir, source).result(corpus, root)


def summary(change: Change, corpus: Corpus) -> str:
    """What a change did, for readers: its note, else the kinds and counts of what it changed."""
    if change.note:
        return change.note
    from .kinds import KINDS
    counts: dict[str, int] = {}
    for r in change.records:
        if r in corpus.entries:
            label = KINDS[corpus[r].kind].label
            counts[label] = counts.get(label, 0) + 1
    parts = [f"{label} {n} 条" for label, n in counts.items()]
    if change.documents:
        parts.append(f"原文 {len(change.documents)} 份")
    return "涉及" + "、".join(parts) if parts else "修改数据（所改内容其后已再次修改）"
