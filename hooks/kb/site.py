"""Everything one build produces, from one loaded corpus: rendered pages and files.

The core's answer to a site generator: `Site.build()` returns every page rendered to HTML
(path, title, html, toc, tags, toc flags) and every other file (downloads, open data, the search
index) as bytes. It knows nothing of MkDocs; hooks/kb_mkdocs hands these to MkDocs and Material.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assemble import load_corpus
from .corpus import Corpus
from .downloads import BUILDERS, downloads_of
from .export import export_files
from .forked import Forked
from .glossary import Glossary
from .history import History, Pending
from .pages import Page, all_pages
from .render import render_body, toc_tokens
from .search import aggregate_pages, index_files


def _ledger_files(corpus: Corpus) -> dict[str, str]:
    """The ledgers, as text through the forked process's JSON (base64)."""
    from .downloads.ledger import ledger_files
    return {path: base64.b64encode(data).decode("ascii") for path, data in ledger_files(corpus).items()}


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
class Site:
    corpus: Corpus
    glossary: Glossary
    history: History = field(default_factory=lambda: History.none("not read"))  # kb.history

    @classmethod
    def load(cls, data_dir: Path, root: Path | None = None, history: str | None = None) -> Site:
        """The data's site; `history`: None reads the git history, 'none' reads none, a path a fixed one."""
        pending = Pending(data_dir, history)  # git runs while the corpus loads
        try:
            corpus = load_corpus(data_dir, root)
        except BaseException:
            pending.cancel()
            raise
        return cls(corpus, Glossary(corpus), pending.result(corpus, Path(root or Path(data_dir).parent)))

    def build(self, dir_urls: bool = True, extra: dict[str, bytes] | None = None) -> Built:
        """Every page and file; `extra` are ready-made downloads the pages may offer (the offline zip)."""
        # The task ledgers (one a list and one a unit: thousands at scale) are built in a forked process while
        # the rest is; the pages offer them without their size.
        ledgers = Forked(_ledger_files, self.corpus, nice=5)
        try:
            downloads = {**self.form_files(), **(extra or {})}
            pages = all_pages(self.corpus, {k: len(v) for k, v in downloads.items()}, self.history)
            # The search index is built in a forked process (the other core) while the pages render.
            search = Forked(index_files, self.corpus, dir_urls, aggregate_pages(pages), nice=5)
            try:
                rendered = self.render_pages(pages, dir_urls)
            except BaseException:
                search.cancel()
                raise
            index = {path: text.encode() for path, text in search.result().items()}
        except BaseException:
            ledgers.cancel()
            raise
        files = {path: base64.b64decode(data) for path, data in ledgers.result().items()}
        return Built(rendered, {**export_files(self.corpus), **downloads, **files, **index})

    def render_pages(self, pages: list[Page], dir_urls: bool = True) -> list[RenderedPage]:
        """Every page, half of them rendered in a forked process (the other core)."""
        theirs = Forked(self._render, pages[1::2], dir_urls)
        try:
            mine = self._render(pages[0::2], dir_urls)
        except BaseException:
            theirs.cancel()
            raise
        bodies: list[str] = [""] * len(pages)
        bodies[0::2], bodies[1::2] = mine, theirs.result()
        out = []
        for page, body in zip(pages, bodies):
            tokens = toc_tokens(body)
            # Without a toc, a page keeps its title as the one entry: the theme's "skip to content" link.
            toc = tokens if page.toc else [{**t, "children": []} for t in tokens[:1]]
            out.append(RenderedPage(page.path, page.title, body, toc, page.tags, page.hide_toc, page.aggregate))
        return out

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
