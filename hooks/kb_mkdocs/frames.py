"""Pre-rendered pages through the theme's page template at the cost of a few renders in all.

Material renders its whole page template (header, tabs, the nav, the footer) for every
page: ~3 ms a page, most of a 10,000-record build. For a page out of the nav whose
table of contents is at most its title, all of it is the same for every such page
except the title, the article and the relative URLs. So a page of a new shape renders
the real template with markers for the title and the article (a frame), noting every URL
the template passed through MkDocs' `url` filter and what it printed; every other page
fills its title and article into a frame whose URLs come out the same from its folder.
Other pages (in the nav, or with a longer toc) get the full render.

Only MkDocs/Jinja mechanics live here; what a page says comes from kb (pre-rendered
HTML). tests/test_site.py builds the site with and without this (KB_SKELETON=0) and
compares every page byte for byte.
"""
from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from mkdocs.structure.pages import Page

Shape = tuple[Any, ...]  # what a frame depends on (Skeletons._shape)

TEMPLATE = "kb-page.html"   # overrides/kb-page.html: calls Skeletons.page() below
TITLE_MARK = "\ue000kb-title\ue000"      # private-use characters: never in data or theme output
CONTENT_MARK = "\ue000kb-content\ue000"
RESTORED = "kb-restored"   # in an article with a restored character (kb.text), which overrides/main.html notes


@dataclass
class _Located:
    """What MkDocs' url filter reads of a page (mkdocs 1.6.1, mkdocs/utils/__init__.py normalize_url:
    page.url only, when there is a page)."""

    url: str


# The theme's templates indent their HTML: about a third of a record page is the spaces that start its
# lines. Only line breaks and the spaces around them go (the browser shows any run of white space between
# the theme's tags as one space, and the theme has no <pre> or <textarea>); the article is left as it is.
_INDENT = re.compile(r"[ \t]*\n[ \t\n]*")


def compact(theme_html: str) -> str:
    """The theme's part of a page with the white space around its line breaks reduced to one line break."""
    return _INDENT.sub("\n", theme_html)


def compact_page(html: str, content: str) -> str:
    """A page the theme rendered, compacted around its article (`content`, printed once by the theme)."""
    at = html.find(content) if content else -1
    if at < 0:
        return compact(html)
    return compact(html[:at]) + content + compact(html[at + len(content):])


def fill(frame: Frame, title: str, content: str) -> str:
    if "\n" in title or title != title.strip(" \t"):  # white space compact() would change: as a full render
        return compact_page(frame.raw_head.replace(TITLE_MARK, title) + content
                            + frame.raw_tail.replace(TITLE_MARK, title), content)
    return str(frame.head.replace(TITLE_MARK, title) + content + frame.tail.replace(TITLE_MARK, title))


@dataclass
class Frame:
    raw_head: str
    raw_tail: str
    urls: list[tuple[str, str]]   # (value given to the url filter, what it printed for the frame's page)
    head: str = ""                # compacted
    tail: str = ""

    def __post_init__(self) -> None:
        self.head, self.tail = compact(self.raw_head), compact(self.raw_tail)

    def fits(self, url_filter: Callable[..., str], values: dict[str, Any]) -> bool:
        """Whether the template's URLs print the same from this page."""
        return all(url_filter(values, value) == printed for value, printed in self.urls)


class Skeletons:
    """One per build (on_env): the frames, by page shape, and which frame each folder uses."""

    def __init__(self, env: jinja2.Environment):
        self.env = env
        self.url_filter = env.filters["url"]
        self.frames: dict[Shape, list[Frame]] = {}
        self.of_folder: dict[tuple[str, Shape], Frame] = {}
        self.in_nav: set[str] | None = None
        # The frames of the pages rendered so far, by what a page written without the theme can tell of
        # its shape (key()): fill() finds a frame for such a page among them.
        self.by_key: dict[Shape, list[Frame]] = {}
        self.of_key_folder: dict[tuple[str, Shape], Frame] = {}

    def _shareable(self, page: Page, values: dict[str, Any]) -> bool:
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
        content = page.content or ""
        shape = self._shape(page, values)
        folder = (posixpath.dirname(page.url.rstrip("/")), shape)
        frame = self.of_folder.get(folder)
        if frame is None:
            frame = next((f for f in self.frames.get(shape, []) if f.fits(self.url_filter, values)), None)
            if frame is None:
                # Both variants at once (with and without a restored character's note): a page written
                # without the theme (fill_page) may need either, and only this page's context can make them.
                toc_ids = [anchor.id for anchor in page.toc or []]
                for restored in (False, True):
                    made = self._frame(page, values, restored)
                    self.frames.setdefault(self._shape(page, values, restored), []).append(made)
                    self.by_key.setdefault(self.key(page.url, page.meta, content, toc_ids, restored), []).append(made)
                    if restored == (RESTORED in content):
                        frame = made
                assert frame is not None
            self.of_folder[folder] = frame
        return fill(frame, page.meta["title"], page.content)

    @staticmethod
    def key(url: str, meta: dict[str, Any], content: str, toc_ids: list[str], restored: bool | None = None) -> Shape:
        """What a frame depends on, as far as a page tells it without the template's context: the depth of
        its URL (which sets base_url and the relative URLs of styles and scripts), its metadata but title
        and tags, whether the article has an <h1>, the toc's anchors. Pages of one key whose URLs also
        print the same (Frame.fits) share a frame."""
        return (url.count("/"), json.dumps({k: v for k, v in meta.items() if k not in ("title", "tags")},
                                           sort_keys=True, default=str), "<h1" in content,
                RESTORED in content if restored is None else restored, tuple(toc_ids))

    def fill_page(self, url: str, meta: dict[str, Any], content: str, toc_ids: list[str]) -> str | None:
        """A page written without the theme (kb_mkdocs.events writes record pages so): the frame of a page
        rendered in this build that has its key and prints the same URLs from its folder; None if none does."""
        key = self.key(url, meta, content, toc_ids)
        folder = (posixpath.dirname(url.rstrip("/")), key)
        frame = self.of_key_folder.get(folder)
        if frame is None:
            values = {"page": _Located(url), "base_url": ""}
            frame = next((f for f in self.by_key.get(key, []) if f.fits(self.url_filter, values)), None)
            if frame is None:
                return None
            self.of_key_folder[folder] = frame
        return fill(frame, meta["title"], content)

    @staticmethod
    def _shape(page: Page, values: dict[str, Any], restored: bool | None = None) -> Shape:
        """What a frame depends on besides title, article and the url filter's output: the other
        page-relative values MkDocs puts in the context, the metadata the theme reads, whether the
        article has its own <h1>, the toc's anchor (the skip link)."""
        # (The theme shows meta tags only through the tags plugin, which this site does not use.)
        meta = {k: v for k, v in page.meta.items() if k not in ("title", "tags")}
        return (values["base_url"], tuple(values["extra_css"]), tuple(str(s) for s in values["extra_javascript"]),
                json.dumps(meta, sort_keys=True, default=str), "<h1" in (page.content or ""),
                RESTORED in (page.content or "") if restored is None else restored,
                tuple(anchor.id for anchor in page.toc or []))

    def _frame(self, page: Page, values: dict[str, Any], restored: bool) -> Frame:
        # The theme checks the article for "<h1" (else it adds one), and overrides/main.html for a restored
        # character (which gets a note): the marker answers as the page would (or, for `restored`, as it
        # would with one).
        mark = ("<h1" if "<h1" in (page.content or "") else "") + (RESTORED if restored else "") + CONTENT_MARK
        urls: list[tuple[str, str]] = []

        @jinja2.pass_context
        def noting_url(context: jinja2.runtime.Context, value: object) -> str:
            printed = str(self.url_filter(context, value))
            urls.append((str(value), printed))
            return printed

        saved = page.title, page.meta["title"], page.content
        page.title = page.meta["title"] = TITLE_MARK
        page.content = mark
        self.env.filters["url"] = noting_url
        try:
            html = self.env.get_template("main.html").render(values)
        finally:
            self.env.filters["url"] = self.url_filter
            page.title, page.meta["title"], page.content = saved
        head, found, tail = html.partition(mark)
        if not found or mark in tail or not urls:
            raise RuntimeError("kb_mkdocs.frames: the theme's page template no longer shows the article once, "
                               "or no longer prints its links through the url filter")
        return Frame(head, tail, sorted(set(urls)))
