"""`make serve` at national scale: a save rebuilds what it changed, not the site.

Every page is a pure function of its kb.pages.Page (template, title, context of records). So after
the first build under `mkdocs serve --dirty`, a rebuild reloads only the data files that changed
(kb.validate's cache; records equal to the previous ones are the same objects, kb.assemble), makes
every Page again and renders and writes only those that differ from the previous build's, plus the
pages of the nav (MkDocs needs them to build its nav); the others stay in the served folder as they
were. The search index and the open data are rewritten by forked processes while the server already
serves the new pages. Anything else that changed (a template, the theme, a hand-written page, the
problems banner, the URL style) or a served folder that was emptied (`mkdocs serve` without
`--dirty` cleans it before each build: mkdocs 1.6.1, mkdocs/commands/build.py lines 270-272) makes
the next build a full one. tests/test_serve.py checks that an incremental rebuild writes the same
bytes as a full build of the edited data.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.changes import reuse
from kb.corpus import Corpus
from kb.history import BlameCache
from kb.pages import Page, Reuse
from kb.routes import site_url
from kb.site import Started
from kb.validate import LoadCache


@dataclass
class Previous:
    """What the last complete build under `mkdocs serve` wrote."""

    site_dir: Path
    dir_urls: bool
    stamp: tuple[Any, ...]          # everything besides the data that the pages depend on
    pages: dict[str, Page]          # every page, by docs path
    corpus: Corpus                  # the data they were made of
    probe: Path | None              # a file the build wrote that MkDocs does not (gone: the folder was cleaned)


@dataclass
class Incremental:
    cache: LoadCache = field(default_factory=dict)
    blames: BlameCache = field(default_factory=dict)  # kb.history: files blamed again only when changed
    previous: Previous | None = None

    def plan(self, config: Any, root: Path, problems: list[str],
             corpus: Corpus) -> tuple[Callable[[Page], bool], Reuse | None] | None:
        """For a rebuild that can be incremental: which pages to render (those that differ from the previous
        build's, and the nav's), and which previous pages to take as they are (kb.changes); None for a full
        build."""
        prev = self.previous
        if (prev is None or prev.site_dir != Path(config.site_dir) or prev.dir_urls != config.use_directory_urls
                or prev.stamp != stamp(root, config, problems) or prev.probe is None or not prev.probe.is_file()):
            return None
        in_nav = set(nav_paths(config.nav))

        def wanted(page: Page) -> bool:
            return page.path in in_nav or prev.pages.get(page.path) is not page and prev.pages.get(page.path) != page
        return wanted, reuse(prev.pages, prev.corpus, corpus)

    def remember(self, config: Any, root: Path, problems: list[str], started: Started, probe: Path | None,
                 corpus: Corpus) -> None:
        """After a build: what it wrote; and the files of pages the data no longer has are removed."""
        pages = {p.path: p for p in started.every}
        site_dir = Path(config.site_dir)
        if self.previous is not None and self.previous.site_dir == site_dir:
            for gone in set(self.previous.pages) - set(pages):
                url = site_url(gone, config.use_directory_urls)
                (site_dir / (url + "index.html" if not url or url.endswith("/") else url)).unlink(missing_ok=True)
        self.previous = Previous(site_dir, config.use_directory_urls, stamp(root, config, problems), pages, corpus,
                                 probe or (self.previous.probe if self.previous else None))

    def forget(self) -> None:
        self.previous = None


class _DirtyWarning(logging.Filter):
    """Drops MkDocs' warning that a dirty build makes links and the nav inaccurate (mkdocs 1.6.1,
    mkdocs/commands/build.py lines 273-277): under --strict every warning fails the build. Here it does not
    hold: the nav pages are rendered on every build and a page is rewritten whenever anything it shows
    changed. tests/test_serve.py serves with --strict --dirty, as `make serve` does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.getMessage().startswith("A 'dirty' build is being"))


def quiet_dirty_warning() -> None:
    logger = logging.getLogger("mkdocs.commands.build")
    if not any(isinstance(f, _DirtyWarning) for f in logger.filters):
        logger.addFilter(_DirtyWarning())


def nav_paths(nav: Any) -> Iterator[str]:
    """The docs paths named in mkdocs.yml's nav."""
    if isinstance(nav, str):
        if nav.endswith(".md"):
            yield nav
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_paths(value)
    elif isinstance(nav, list):
        for item in nav:
            yield from nav_paths(item)


def stamp(root: Path, config: Any, problems: list[str]) -> tuple[Any, ...]:
    """What the pages depend on besides the data: the templates, the hand-written pages and assets, the
    configuration, and the problems banner (shown on every page)."""
    files = []
    for folder in (root / "overrides", Path(config.docs_dir)):
        for dirpath, _, names in os.walk(folder):
            for name in names:
                st = (Path(dirpath) / name).stat()
                files.append((dirpath, name, st.st_mtime_ns, st.st_size))
    cfg = Path(config.config_file_path).stat()
    return (tuple(sorted(files)), cfg.st_mtime_ns, cfg.st_size, tuple(problems))
