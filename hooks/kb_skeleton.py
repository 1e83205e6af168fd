"""Pre-rendered pages through the theme's page template at the cost of one render per folder.

Material renders its whole page template (header, tabs, the nav, the footer) for every
page: ~3 ms a page, most of a 10,000-record build. For record pages (not in the nav,
no table of contents) all of that is the same for every page in one folder except the
title and the article. So the first page of a folder renders the real template with a
marker for the title and the theme's own content partial left out; every page then
renders only that partial (tags, the article) and fills the two in.

Only MkDocs/Jinja mechanics live here; what a page says comes from kb (pre-rendered
HTML). tests/test_site.py builds the site with and without this and compares every
record page byte for byte.
"""
from __future__ import annotations

import json
import posixpath

import jinja2

TEMPLATE = "kb-page.html"   # overrides/kb-page.html: calls Skeletons.page() below
CONTENT = "partials/content.html"
TITLE_MARK = "\ue000kb-title\ue000"      # private-use characters: never in data or theme output
CONTENT_MARK = "\ue000kb-content\ue000"


class Skeletons:
    """One per build (on_env): the rendered page frame per (folder, page shape)."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        # The same environment with the content partial replaced by a marker (own template cache).
        self.frame_env = env.overlay(loader=jinja2.ChoiceLoader(
            [jinja2.DictLoader({CONTENT: CONTENT_MARK}), env.loader]))
        self.frames: dict[tuple, tuple[str, str]] = {}
        self.in_nav: set[str] | None = None

    def _shareable(self, page, values: dict) -> bool:
        """A page in the nav marks itself active there; a page's own table of contents is its own."""
        if self.in_nav is None:
            self.in_nav = {p.file.src_uri for p in values["nav"].pages}
        return not page.toc and page.file.src_uri not in self.in_nav

    @jinja2.pass_context
    def page(self, context: jinja2.runtime.Context) -> str:
        page = context["page"]
        values = context.get_all()
        if not self._shareable(page, values):
            return self.env.get_template("main.html").render(values)
        frame = self.frames.get(key := self._shape(page, values))
        if frame is None:
            frame = self.frames[key] = self._frame(page, values)
        title = page.meta["title"]
        # The content partial sees what it would see inside the frame: the frame's top-level names.
        features = values["config"].theme.get("features") or []
        article = self.env.get_template(CONTENT).render({**values, "features": features})
        head, tail = frame
        return head.replace(TITLE_MARK, title) + article + tail.replace(TITLE_MARK, title)

    @staticmethod
    def _shape(page, values: dict) -> tuple:
        """What the frame depends on besides title and article: the folder (relative links to the
        nav and assets), the metadata the theme reads, whether there are tags."""
        meta = {k: v for k, v in page.meta.items() if k not in ("title", "tags")}
        return (posixpath.dirname(page.url.rstrip("/")), json.dumps(meta, sort_keys=True, default=str),
                bool(values.get("tags")))

    def _frame(self, page, values: dict) -> tuple[str, str]:
        saved = page.title, page.meta["title"]
        page.title = page.meta["title"] = TITLE_MARK
        try:
            html = self.frame_env.get_template("main.html").render(values)
        finally:
            page.title, page.meta["title"] = saved
        head, mark, tail = html.partition(CONTENT_MARK)
        if not mark or CONTENT_MARK in tail:
            raise RuntimeError("kb_skeleton: the theme's page template no longer includes partials/content.html once")
        return head, tail
