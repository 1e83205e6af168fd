"""Pre-rendered pages through the theme's page template at the cost of one render per folder.

Material renders its whole page template (header, tabs, the nav, the footer) for every
page: ~3 ms a page, most of a 10,000-record build. For a page out of the nav whose
table of contents is at most its title, all of it is the same for every page in one folder except the title
and the article. So the first such page of a folder renders the real template with
markers for the title and the article; every other page fills its own into that frame.
Other pages (in the nav, or with a toc) get the full render.

Only MkDocs/Jinja mechanics live here; what a page says comes from kb (pre-rendered
HTML). tests/test_site.py builds the site with and without this (KB_SKELETON=0) and
compares every page byte for byte.
"""
from __future__ import annotations

import json
import posixpath

import jinja2

TEMPLATE = "kb-page.html"   # overrides/kb-page.html: calls Skeletons.page() below
TITLE_MARK = "\ue000kb-title\ue000"      # private-use characters: never in data or theme output
CONTENT_MARK = "\ue000kb-content\ue000"


class Skeletons:
    """One per build (on_env): the rendered page frame per (folder, page shape)."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self.frames: dict[tuple, tuple[str, str]] = {}
        self.in_nav: set[str] | None = None

    def _shareable(self, page, values: dict) -> bool:
        """A page in the nav marks itself active there; a page's own table of contents is its own,
        unless it is just the page title (the theme links to it to skip to the content, by its id)."""
        if self.in_nav is None:
            self.in_nav = {p.file.src_uri for p in values["nav"].pages}
        toc = list(page.toc or [])
        return (not toc or len(toc) == 1 and not toc[0].children) and page.file.src_uri not in self.in_nav

    @jinja2.pass_context
    def page(self, context: jinja2.runtime.Context) -> str:
        page = context["page"]
        values = context.get_all()
        if not self._shareable(page, values):
            return self.env.get_template("main.html").render(values)
        frame = self.frames.get(key := self._shape(page))
        if frame is None:
            frame = self.frames[key] = self._frame(page, values)
        title = page.meta["title"]
        head, tail = frame
        return head.replace(TITLE_MARK, title) + page.content + tail.replace(TITLE_MARK, title)

    @staticmethod
    def _shape(page) -> tuple:
        """What the frame depends on besides title and article: the folder (relative links to the
        nav and assets), the metadata the theme reads, whether the article has its own <h1>."""
        # (The theme shows meta tags only through the tags plugin, which this site does not use.)
        meta = {k: v for k, v in page.meta.items() if k not in ("title", "tags")}
        return (posixpath.dirname(page.url.rstrip("/")), json.dumps(meta, sort_keys=True, default=str),
                "<h1" in page.content, tuple(anchor.id for anchor in page.toc or []))

    def _frame(self, page, values: dict) -> tuple[str, str]:
        # The theme checks the article for "<h1" (else it adds one): the marker answers as the page would.
        mark = ("<h1" if "<h1" in page.content else "") + CONTENT_MARK
        saved = page.title, page.meta["title"], page.content
        page.title = page.meta["title"] = TITLE_MARK
        page.content = mark
        try:
            html = self.env.get_template("main.html").render(values)
        finally:
            page.title, page.meta["title"], page.content = saved
        head, found, tail = html.partition(mark)
        if not found or mark in tail:
            raise RuntimeError("kb_skeleton: the theme's page template no longer shows the article once")
        return head, tail
