"""Everything one build produces, as {docs path: content}, from one loaded corpus."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .corpus import Corpus, load_corpus
from .downloads import BUILDERS
from .export import export_files
from .glossary import Glossary
from .pages import Page, all_pages
from .forked import Forked
from .render import front_matter, page_meta, render_body, toc_tokens
from .search import write_site_index


OFFLINE_ZIP = "downloads/kb-offline.zip"


@dataclass
class Site:
    corpus: Corpus
    glossary: Glossary
    # Filled by files(): what the MkDocs hook needs per page after handing the files over.
    meta: dict[str, dict] = field(default_factory=dict)
    page_titles: dict[str, str] = field(default_factory=dict)
    prerendered: dict[str, str] = field(default_factory=dict)
    tocs: dict[str, list[dict]] = field(default_factory=dict)   # headings of pre-rendered pages
    search: Forked | None = None                                # set by start_search_index

    @classmethod
    def load(cls, data_dir: Path, root: Path | None = None) -> "Site":
        corpus = load_corpus(data_dir, root)
        return cls(corpus, Glossary(corpus))

    def start_search_index(self, dir_urls: bool = True) -> None:
        """Segment the records for search in a forked process while the pages are built (jieba's
        dictionary is loaded there, not in the build); it merges them into Material's index when
        write_search_index tells it the index is written. Niced: the page rendering is waited on first."""
        self.search = Forked(write_site_index, self.corpus, dir_urls, inbox=True, nice=5)

    def cancel_search_index(self) -> None:
        if self.search is not None:
            self.search.cancel()
            self.search = None

    def write_search_index(self, site_dir: Path, dir_urls: bool = True) -> None:
        """Rewrite Material's search index with the corpus's record documents (see kb.search)."""
        request = {"path": str(site_dir / "search" / "search_index.json"), "page_titles": self.page_titles}
        pending, self.search = self.search, None
        if pending is None:
            write_site_index(self.corpus, dir_urls, lambda: request)
        else:
            pending.send(request)
            pending.result()

    def files(self, dir_urls: bool = True, extra: dict[str, bytes] | None = None,
              with_front_matter: bool = True) -> dict[str, str | bytes]:
        """Every generated file; `extra` are ready-made downloads (the offline zip) the pages may offer.
        Without front matter (the MkDocs hook), page metadata is kept in self.meta instead."""
        downloads = {**self.download_files(), **(extra or {})}
        sizes = {k: len(v) for k, v in downloads.items()}
        out: dict[str, str | bytes] = {}
        self.meta, self.page_titles, self.prerendered, self.tocs = {}, {}, {}, {}
        pages = all_pages(self.corpus, sizes)
        for page, body in zip(pages, self.render_bodies(pages, dir_urls)):
            meta = page_meta(page)
            out[page.path] = (front_matter(meta) + body) if with_front_matter else body
            self.meta[page.path] = meta
            self.page_titles[page.path] = page.title
            if page.template.endswith(".html"):
                self.prerendered[page.path] = body
                tokens = toc_tokens(body)
                # Without a toc, a page keeps its title as the one entry: the theme's "skip to content" link.
                self.tocs[page.path] = tokens if page.toc else [{**t, "children": []} for t in tokens[:1]]
        out.update(export_files(self.corpus))
        out.update(downloads)
        return out

    def render_bodies(self, pages: list[Page], dir_urls: bool = True) -> list[str]:
        """Every page body, half of them rendered in a forked process (the other core). An HTML body
        is the page's final content, so it gets its glossary tooltips here (Markdown ones after MkDocs)."""
        theirs = Forked(self._render, pages[1::2], dir_urls)
        try:
            mine = self._render(pages[0::2], dir_urls)
        except BaseException:
            theirs.cancel()
            raise
        bodies = [None] * len(pages)
        bodies[0::2], bodies[1::2] = mine, theirs.result()
        return bodies

    def _render(self, pages: list[Page], dir_urls: bool) -> list[str]:
        out = []
        for page in pages:
            body = render_body(page, dir_urls=dir_urls)
            out.append(self.glossary.annotate(body) if page.template.endswith(".html") else body)
        return out

    def download_files(self) -> dict[str, bytes]:
        from .downloads import downloads_of
        files = {}
        for entry in self.corpus.of_kind("form") + self.corpus.of_kind("case"):
            for item in downloads_of(entry):
                files[item["url"]] = BUILDERS[(entry.kind, item["format"])](self.corpus, entry)
        return files

    def annotate(self, html: str, src_uri: str) -> str:
        """Glossary tooltips for a page MkDocs rendered from Markdown (HTML bodies already have them)."""
        if src_uri in self.prerendered:
            return html
        own = next((e.id for e in self.corpus.of_kind("term") if src_uri == f"glossary/{e.id}.md"), None)
        return self.glossary.annotate(html, skip_term=own)
