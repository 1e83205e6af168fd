"""The one way in: read every data file, build the entries, link them, run every check.

`load_corpus(data_dir)` returns a Corpus or raises DataError listing every problem;
`assemble(data_dir)` returns both, for callers that show problems themselves. The
steps: kb.validate reads and type-checks the files; each kind's builder (kb.kinds)
makes its entries; the links that pass kb.checks.link_verdicts make the link graph;
kb.checks runs every cross-record rule on the finished Corpus.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import checks
from .corpus import Corpus, Entry
from .kinds import KINDS, Building
from .load import MAX_FILE_BYTES, DataError, LineDict, Problem
from .models import FORBIDDEN_IN_TEXT, char_name
from .validate import LoadCache, Loaded, load_records

_READ: dict[tuple[str, str], tuple[tuple[int, int, int, int], tuple[str, str | None]]] = {}


def read_source(data_dir: Path, name: str) -> tuple[str, str | None]:
    """A source copy's text (read_source_file), read again only when the file changed: a reload under
    `make serve` reads thousands of them at national scale."""
    path = data_dir / "sources" / name
    try:
        st, lst = path.stat(), path.lstat()
    except OSError:
        return read_source_file(data_dir, name)
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size, lst.st_mtime_ns)
    key = (str(data_dir), name)
    hit = _READ.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    result = read_source_file(data_dir, name)
    _READ[key] = (stamp, result)
    return result


def read_source_file(data_dir: Path, name: str) -> tuple[str, str | None]:
    """A source copy's text, or why it cannot be published. The model already refused absolute paths and
    '..'; this also follows symlinks, so a link in data/sources/ to /etc or /proc is refused too."""
    # data/sources itself may be a link too: the file must end up in the data folder's own sources/
    sources = data_dir.resolve() / "sources"
    path = (sources / name).resolve()
    if not path.is_relative_to(sources):
        return "", f"source_file '{name}' leads outside data/sources/ (a link); copy the file there instead"
    if not path.is_file():
        return "", f"source_file '{name}' is not a file in data/sources/"
    if path.stat().st_size > MAX_FILE_BYTES:
        return "", f"source_file '{name}' is more than {MAX_FILE_BYTES // 1024 // 1024} MB; it is published as one page"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "", f"source_file '{name}' is not UTF-8; re-save it with UTF-8 encoding"
    bad = FORBIDDEN_IN_TEXT.search(text.replace("\r", ""))
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return "", f"source_file '{name}' line {line} contains {char_name(bad.group(0))}; remove it"
    return text, None


def build_entries(loaded: Loaded, building: Building) -> Iterator[Entry | Problem]:
    """Every kind's entries in table order; an id used twice is reported, and the first one kept."""
    seen: dict[str, Entry] = {}
    for kind in KINDS.values():
        if kind.build is None:
            continue
        for item in kind.build(building):
            if isinstance(item, Problem):
                yield item
            elif item.id in seen:
                first = seen[item.id].where
                yield Problem(item.where.file, item.where.line, checks.label(item),
                              f"duplicate id '{item.id}' (already used at {first.file}:{first.line})")
            else:
                seen[item.id] = item
                yield item


def assemble(data_dir: Path, root: Path | None = None, cache: LoadCache | None = None,
             previous: Corpus | None = None) -> tuple[Corpus, list[Problem]]:
    """The corpus and every problem found on the way, in file order (the corpus holds what passed).
    `cache` keeps files that did not change from being read again; an entry equal to one of the
    `previous` corpus is that entry (the same object), so what depends on it compares in no time."""
    data_dir = Path(data_dir)
    loaded, problems = load_records(data_dir, root, cache)
    before = previous.entries if previous is not None else {}
    building = Building(loaded, data_dir, lambda name: read_source(data_dir, name), previous=before)
    entries: dict[str, Entry] = {}
    for item in build_entries(loaded, building):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            old = before.get(item.id)
            entries[item.id] = old if old is not None and (old is item or old == item) else item
    verdicts = list(checks.link_verdicts(entries, loaded))
    corpus = Corpus(entries, links=tuple(checks.valid_links(entries, verdicts)),
                    tags=tuple(t for t, _, _ in loaded.of("tags")), sources=building.sources,
                    search_aliases=tuple(a for f, _, _ in loaded.of("search") for a in f.aliases))
    problems += checks.run_all(corpus, loaded, building.docs, verdicts)
    # In file order, as an editor fixes them (stable: a record's problems keep the order they were found in).
    return corpus, sorted(problems, key=lambda p: (p.file, p.line))


def load_corpus(data_dir: Path, root: Path | None = None, cache: LoadCache | None = None,
                previous: Corpus | None = None, lean: bool = False) -> Corpus:
    """The checked corpus. `lean`: every check has run, so the records' parsed YAML, kept for the line of a
    field a problem names, is let go (a third of a 200,000-record corpus's memory); a problem found later
    names the record's line."""
    corpus, problems = assemble(data_dir, root, cache, previous)
    if problems:
        raise DataError(problems)
    if lean:
        empty = LineDict()
        for entry in corpus.entries.values():
            object.__setattr__(entry.where, "raw", empty)  # Where is frozen: this is the one place it changes
    return corpus
