"""MkDocs events for the knowledge base: each a few lines, the work is in kb (the core).

on_config loads and validates the corpus once (any data problem stops the build with every
problem listed); on_files adds every rendered page and every
file as File.generated; on_page_markdown hands a page its metadata and its ready HTML
(`page.render` replaced, see `_render_ready`), and the shared theme frame (frames.py);
on_post_page refuses a page where a frame marker survived. The search index is kb's own
(kb.search: files under search/, like any other file). Under `mkdocs serve`, bad data does not
stop the build (that would hang the server): serve.py keeps the last good site and a banner.

Versions this adapter was written against and is tested with: mkdocs 1.6.1, mkdocs-material
9.8.1 (requirements.txt). Each reach into their internals says where, and a test guards it.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc

from kb.routes import OFFLINE_ZIP
from kb.site import RenderedPage, Site

from . import serve
from .frames import CONTENT_MARK, TITLE_MARK, Skeletons
from .frames import TEMPLATE as FRAMED_TEMPLATE

_site: Site | None = None      # None only while serving data that has never loaded
_pages: dict[str, RenderedPage] = {}   # this build's rendered pages, by docs path
_serving = serve.Serving()
_banner = ""                   # the problems banner of this build ("" when the data loaded)
# KB_SKELETON=0 renders every page through the full theme template (the test compares both).
_FRAMES = os.environ.get("KB_SKELETON", "1") != "0"
_ANCHOR_ID = re.compile(r'\bid="([^"]+)"')
_MARKS = (TITLE_MARK, CONTENT_MARK)


def page_meta(page: RenderedPage) -> dict[str, Any]:
    """The page's metadata, as MkDocs and Material read it from front matter."""
    import html
    # MkDocs (and the theme) treat a title as HTML: escape the data text in it.
    meta: dict[str, Any] = {"title": html.escape(page.title, quote=False)}
    if page.tags:
        meta["tags"] = page.tags
    if page.hide_toc:
        meta["hide"] = ["toc"]
    return meta


def on_startup(command: str, dirty: bool) -> None:
    _serving.active = command == "serve"


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    _serving.active = True  # `mkdocs serve --clean` starts up as command 'build'; its rebuilds serve too
    return server


def on_config(config: Any) -> Any:
    global _site
    root = Path(config.config_file_path).resolve().parent
    data = Path(os.environ.get("KB_DATA", root / "data"))  # tests and the benchmark build other data sets
    # KB_HISTORY: unset reads the git history; 'none' reads none; a path, a fixed history (the tests' build).
    _site = _serving.load(lambda: Site.load(data, data.parent, os.environ.get("KB_HISTORY") or None))
    if _site is None:
        config.nav = None  # the nav names generated pages; the problems page is the one page
    return config


def on_files(files: Any, config: Any) -> Any:
    if _site is None:
        return serve.problems_only(files, config)
    # The offline edition's zip, when `make build` made one first (KB_OFFLINE_ZIP=path).
    offline = os.environ.get("KB_OFFLINE_ZIP")
    extra = {OFFLINE_ZIP: Path(offline).read_bytes()} if offline and Path(offline).is_file() else {}
    built = _site.build(config.use_directory_urls, extra)
    _pages.clear()
    contents: dict[str, str | bytes] = {}
    for page in built.pages:
        _pages[page.path] = page
        contents[page.path] = page.html
    contents.update(built.files)
    for path, content in contents.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    ready = _pages.get(page.file.src_uri)
    if _site is None or ready is None:
        return markdown
    page.meta = page_meta(ready)  # without a YAML front matter to parse
    # MkDocs would build a Python-Markdown instance just to pass the HTML through (~1 ms a page).
    page.render = functools.partial(_render_ready, page, ready)
    if _FRAMES:
        page.meta["template"] = FRAMED_TEMPLATE
    return markdown


def _render_ready(page: Any, ready: RenderedPage, config: Any, files: Any) -> None:
    """Stands in for mkdocs.structure.pages.Page.render (mkdocs 1.6.1, lines 263-292), which sets
    content, toc and present_anchor_ids; _populate_page (mkdocs/commands/build.py, line 167) calls it
    between on_page_markdown and on_page_content. MkDocs' own link checks run inside that render, so
    they do not run on these pages: tests/test_site.py checks every link and anchor of the built site."""
    page.content = ready.html
    page.toc = get_toc(ready.toc)  # type: ignore[arg-type]  # kb's tokens have the _TocToken keys
    page.present_anchor_ids = set(_ANCHOR_ID.findall(ready.html))


def on_env(env: Any, config: Any, files: Any) -> Any:
    global _banner
    env.globals["kb_page"] = Skeletons(env).page
    _banner = serve.banner(env, _serving.problems, last_good=_site is not None)
    return env


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Glossary tooltips on pages MkDocs rendered from Markdown (hand-written ones: docs/); kb's own
    pages come with theirs."""
    if _site is None or page.file.src_uri in _pages:
        return html
    return _site.glossary.annotate(html)


def on_post_page(output: str, page: Any, config: Any) -> str:
    if any(mark in output for mark in _MARKS):  # frames.py: a marker the theme did not replace
        raise PluginError(f"{page.file.src_uri}: a theme frame marker is left in the page; the theme's page "
                          "template no longer fits hooks/kb_mkdocs/frames.py (build with KB_SKELETON=0)")
    return serve.with_banner(output, _banner)


def on_post_template(output: str, template_name: str, config: Any) -> str:
    # The theme's 404.html: what `mkdocs serve` answers for a page that is not there.
    return serve.with_banner(output, _banner) if template_name.endswith(".html") else output
