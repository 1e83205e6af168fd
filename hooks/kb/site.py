"""Everything one build produces, from one loaded corpus: rendered pages and files.

The core's answer to a site generator: `Site.build()` returns every page rendered to HTML
(path, title, html, toc, tags, toc flags) and every other file (downloads, open data, the search
index) as bytes. It knows nothing of MkDocs; hooks/kb_mkdocs hands these to MkDocs and Material.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .assemble import load_corpus
from .corpus import Corpus
from .downloads import BUILDERS, downloads_of
from .export import export_files
from .forked import Forked
from .glossary import Glossary
from .history import BlameCache, History, Pending
from .pages import Page, Reuse, all_pages
from .render import fresh_templates, render_body, rows_files, toc_tokens
from .search import SearchIndex, aggregate_pages, page_documents
from .validate import LoadCache

T = TypeVar("T")


@dataclass(frozen=True)
class RenderedPage:
    path: str                      # docs path (kb.routes): tasks/taoyuan-2022/44.md
    title: str                     # text, not HTML
    html: str                      # the article's HTML
    toc: list[dict[str, Any]]      # headings for the sidebar: [{level, id, name, children}]
    tags: list[str] = field(default_factory=list)
    hide_toc: bool = False         # the page asks for no sidebar table of contents
    aggregate: bool = False        # a page of many records (home, hub, list), found in search by its title


@dataclass
class Built:
    pages: list[RenderedPage]
    files: dict[str, bytes]        # path → content: downloads, open data, the offline zip


@dataclass
class Started:
    """A build under way (Site.start): the pages rendered now, the pages left for `Site.render_each`
    (rendered and handed over one at a time, so 200,000 of them never sit in memory together), and the
    files still being made in forked processes (`files()` waits for them)."""

    pages: list[RenderedPage]
    later: list[Page]
    ready: dict[str, bytes]
    pending: list[Forked]
    every: list[Page] = field(default_factory=list)      # every page of the site, rendered or not
    background: list[Forked] = field(default_factory=list)  # files written by forked processes, not awaited

    def files(self) -> dict[str, bytes]:
        out = dict(self.ready)
        for work in self.pending:
            out.update(work.result())
        self.pending = []
        return out

    def cancel(self) -> None:
        for work in self.pending + self.background:
            work.cancel()
        self.pending = self.background = []


# Fewer pages than this are rendered in this process alone: forking a build of 200,000 records (4 GB) costs
# more than rendering them (a `make serve` rebuild renders a few dozen pages and forked twice for them).
FORK_FROM = 200


def halves(pages: list[Page]) -> tuple[list[int], list[int]]:
    """The pages' indices in two halves of about equal work: of each run of pages of one template, the
    first half and the second. Each process then reads records that lie together in memory: a forked
    child that touched every other record would copy nearly all of the parent's memory (copy-on-write).
    Fewer than FORK_FROM pages: all in the first."""
    if len(pages) < FORK_FROM:
        return list(range(len(pages))), []
    mine: list[int] = []
    theirs: list[int] = []
    start = 0
    for end in range(1, len(pages) + 1):
        if end == len(pages) or pages[end].template != pages[start].template:
            middle = (start + end + 1) // 2
            mine += range(start, middle)
            theirs += range(middle, end)
            start = end
    return mine, theirs


def _files(corpus: Corpus, dir_urls: bool, export: bool,
           inbox: Callable[[], list[tuple[str, str]]]) -> Iterator[dict[str, bytes]]:
    """The files made from the corpus alone, in a forked process while the build makes its pages, in three
    batches, each let go of once written (`_write_files`): the search index (the records', then the aggregate
    pages' titles, which `inbox` gives once the pages are made), the task ledgers (one a list and one a unit:
    tens of thousands at national scale) and, if `export`, the open data's files."""
    from .downloads.ledger import ledger_files
    index = SearchIndex.from_corpus(corpus, dir_urls)
    index.add(page_documents(inbox(), dir_urls))
    files = index.files()
    del index  # its postings, some hundreds of MB at national scale
    yield files
    del files
    yield ledger_files(corpus)
    if export:
        yield export_files(corpus)


def _all_files(make: Callable[..., Iterable[dict[str, bytes]]], *args: Any, **kwargs: Any) -> dict[str, bytes]:
    """The batches `make` gives, as one."""
    out: dict[str, bytes] = {}
    for batch in make(*args, **kwargs):
        out.update(batch)
    return out


def _listed(pages: list[Page]) -> list[Page]:
    """The pages of lists split into pages whose filters read every page (Pager.data)."""
    return [p for p in pages if getattr(p.context.get("pager"), "data", ())]


def _write_files(folder: Path, make: Callable[..., Iterable[dict[str, bytes]]], *args: Any, **kwargs: Any) -> int:
    """Make files, batch by batch, and write them under folder, each replaced whole (a reader never sees half
    a file); the number written."""
    written = 0
    for files in make(*args, **kwargs):
        for path, content in files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.kb-new")
            temp.write_bytes(content)
            temp.replace(target)
        written += len(files)
        del files
    return written


@dataclass
class Site:
    corpus: Corpus
    glossary: Glossary
    history: History = field(default_factory=lambda: History.none("not read"))  # kb.history

    @classmethod
    def load(cls, data_dir: Path, root: Path | None = None, history: str | None = None,
             cache: LoadCache | None = None, previous: Site | None = None, lean: bool = False,
             blames: BlameCache | None = None) -> Site:
        """The site of a data folder. `history`: None reads the git history, 'none' reads none, a path a fixed
        one. `cache`, `previous` (kb.assemble.assemble) and `blames` (kb.history) make a reload under
        `make serve` cost what changed; `lean` lets go of what only data problems need (a build)."""
        pending = Pending(data_dir, history, blames)  # git runs while the corpus loads
        # Loading makes millions of objects that live as long as the site: the garbage collector would visit
        # all of them again and again meanwhile (about 40 % of a reload at 200,000 records) and, later, on
        # every full collection while pages render. They make no reference cycles (tests/test_load.py), so
        # reference counting frees them: off while loading, then frozen (left out of every collection).
        enabled = gc.isenabled()
        gc.disable()
        try:
            corpus = load_corpus(data_dir, root, cache, previous.corpus if previous else None, lean)
            site = cls(corpus, Glossary(corpus), pending.result(corpus, Path(root or Path(data_dir).parent)))
        except BaseException:
            pending.cancel()
            raise
        finally:
            gc.freeze()
            if enabled:
                gc.enable()
        return site

    def build(self, dir_urls: bool = True, extra: dict[str, bytes] | None = None) -> Built:
        """Every page and file; `extra` are ready-made downloads the pages may offer (the offline zip)."""
        started = self.start(dir_urls, extra)
        return Built(started.pages, started.files())

    def start(self, dir_urls: bool = True, extra: dict[str, bytes] | None = None,
              later: Callable[[Page], bool] | None = None, wanted: Callable[[Page], bool] | None = None,
              write_to: Path | None = None, reuse: Reuse | None = None) -> Started:
        """Every page rendered, but those `later` picks, which are left for render_each, and those `wanted`
        refuses (a rebuild under `make serve` leaves the pages that did not change as they are); the search
        index and the open data are made in a forked process (the other core) meanwhile and returned by
        `Started.files()`, or, with `write_to`, written into that folder by it (`Started.background`: the
        build never holds the files)."""
        fresh_templates()
        downloads = {**self.form_files(), **(extra or {})}  # the ledgers are offered without their size
        # One forked process makes the search index, the task ledgers and then the open data (`_files`) from
        # the moment the corpus is there, on the other core: making the pages' contexts (all_pages) keeps this
        # process busy meanwhile (30 s at national scale). A second one would add the memory it touches (copied
        # from this process's) for no time: at 200,000 records these take less CPU than the pages.
        export = later is not None or write_to is not None  # else made below, before this returns
        # A rebuild under `make serve` (`wanted`) shows its pages first: its files wait for any idle CPU. A
        # whole build needs them all the same: made at the pages' priority, they are done (and the process's
        # memory, ~2 GB at national scale, let go of) before the record pages are rendered in two more.
        nice = 0 if wanted is None else 19
        args = (_files, self.corpus, dir_urls, export)
        work = (Forked(_write_files, write_to, *args, inbox=True, nice=nice) if write_to is not None
                else Forked(_all_files, *args, inbox=True, nice=nice))
        pending, background = ([], [work]) if write_to is not None else ([work], [])
        try:
            pages = all_pages(self.corpus, {k: len(v) for k, v in downloads.items()}, self.history, reuse)
            work.send(aggregate_pages(pages))
            # The rows of the pages of split lists, for their filters (kb.render.rows_files)
            for page in _listed(pages):
                downloads.update(rows_files(page, dir_urls))
            chosen = pages if wanted is None else [p for p in pages if wanted(p)]
            flags = [later(p) if later is not None else False for p in chosen]
            now = [p for p, f in zip(chosen, flags) if not f]
            left = [p for p, f in zip(chosen, flags) if f]
            rendered = self.render_pages(now, dir_urls)
            if write_to is None and later is None:
                downloads.update(export_files(self.corpus))
        except BaseException:
            work.cancel()
            raise
        return Started(rendered, left, downloads, pending, pages, background)

    def render_pages(self, pages: list[Page], dir_urls: bool = True) -> list[RenderedPage]:
        """Every page, half of them rendered in a forked process (the other core)."""
        mine, theirs = halves(pages)
        forked = Forked(self._render, [pages[i] for i in theirs], dir_urls) if theirs else None
        try:
            done = self._render([pages[i] for i in mine], dir_urls)
        except BaseException:
            if forked is not None:
                forked.cancel()
            raise
        bodies: list[str] = [""] * len(pages)
        for i, body in zip(mine + theirs, done + (forked.result() if forked is not None else [])):
            bodies[i] = body
        return [self._rendered(page, body) for page, body in zip(pages, bodies)]

    def render_each(self, pages: list[Page], emit: Callable[[RenderedPage], T | None],
                    dir_urls: bool = True) -> list[T]:
        """Render each page and hand it to `emit` (which writes it), half of them in a forked process
        (which calls its copy of `emit`); what `emit` returns (None aside) comes back, in page order."""
        mine, theirs = halves(pages)
        forked = Forked(self._emit, pages, theirs, emit, dir_urls) if theirs else None
        try:
            done = self._emit(pages, mine, emit, dir_urls)
        except BaseException:
            if forked is not None:
                forked.cancel()
            raise
        return [r for _, r in sorted(done + (forked.result() if forked is not None else []), key=lambda x: x[0])]

    def _emit(self, pages: list[Page], indices: list[int], emit: Callable[[RenderedPage], T | None],
              dir_urls: bool) -> list[tuple[int, T]]:
        out = []
        for i in indices:
            page = pages[i]
            result = emit(self._rendered(page, self._render([page], dir_urls)[0]))
            if result is not None:
                out.append((i, result))
        return out

    @staticmethod
    def _rendered(page: Page, body: str) -> RenderedPage:
        tokens = toc_tokens(body)
        # Without a toc, a page keeps its title as the one entry: the theme's "skip to content" link.
        toc = tokens if page.toc else [{**t, "children": []} for t in tokens[:1]]
        return RenderedPage(page.path, page.title, body, toc, page.tags, page.hide_toc, page.aggregate)

    def _render(self, pages: list[Page], dir_urls: bool) -> list[str]:
        out = []
        for page in pages:
            # Glossary tooltips on first use; a term's own page does not explain the term to itself.
            out.append(self.glossary.annotate(render_body(page, dir_urls=dir_urls), skip_term=page.entry))
        return out

    def download_files(self) -> dict[str, bytes]:
        """Every download: the forms, the cases, the task ledgers."""
        from .downloads.ledger import ledger_files
        return {**self.form_files(), **ledger_files(self.corpus)}

    def form_files(self) -> dict[str, bytes]:
        """The forms and the cases in the case template."""
        files = {}
        for kind in ("form", "case"):
            for entry in self.corpus.of_kind(kind):
                for item in downloads_of(entry):
                    files[item["url"]] = BUILDERS[(entry.kind, item["format"])](self.corpus, entry)
        return files
