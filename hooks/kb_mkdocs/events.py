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
import gc
import os
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.structure.toc import get_toc

from kb.pages import Page as KbPage
from kb.routes import OFFLINE_ZIP, site_url
from kb.site import RenderedPage, Site, Started

from . import incremental, serve
from .frames import CONTENT_MARK, TITLE_MARK, Skeletons, compact_page
from .frames import TEMPLATE as FRAMED_TEMPLATE
from .icons import STYLESHEET as ICONS_CSS
from .icons import Icons
from .incremental import Incremental

_site: Site | None = None      # None only while serving data that has never loaded
_pages: dict[str, RenderedPage] = {}   # this build's rendered pages, by docs path
_serving = serve.Serving()
_banner = ""                   # the problems banner of this build ("" when the data loaded)
_started: Started | None = None  # this build's pages and files left for on_post_build
_skeletons: Skeletons | None = None
_icons: Icons | None = None      # the theme icons this build's pages show (icons.py)
_root = Path(".")
_incremental = Incremental()     # under `mkdocs serve`: what the last build wrote, the data files read
_background: list[Any] = []      # forked work of the last build still writing files (serve: the search index)
_awaited = True                  # this build waits for the files its forked processes write
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
    if _serving.active and dirty:
        incremental.quiet_dirty_warning()


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    _serving.active = True  # `mkdocs serve --clean` starts up as command 'build'; its rebuilds serve too
    serve.watch_natively(server)
    return server


def on_config(config: Any) -> Any:
    global _site, _root
    _root = root = Path(config.config_file_path).resolve().parent
    data = Path(os.environ.get("KB_DATA", root / "data"))  # tests and the benchmark build other data sets
    # KB_HISTORY: unset reads the git history; 'none' reads none; a path, a fixed history (the tests' build).
    history = os.environ.get("KB_HISTORY") or None
    if _serving.active:  # reread only the files that changed; unchanged records stay the same objects
        # What the last build made after its forks froze the heap (MkDocs' nav and pages, which hold reference
        # cycles) is collected now, before this build's forks would freeze it too, for good (kb.forked).
        gc.collect()
        previous = _site
        _site = _serving.load(lambda: Site.load(data, data.parent, history, _incremental.cache, previous,
                                                blames=_incremental.blames))
    else:  # one build: what only data problems need is let go once the data passed
        _site = _serving.load(lambda: Site.load(data, data.parent, history, lean=True))
    if _site is None:
        config.nav = None  # the nav names generated pages; the problems page is the one page
    return config


def on_files(files: Any, config: Any) -> Any:
    global _started
    if _site is None:
        return serve.problems_only(files, config)
    # The offline edition's zip, when `make build` made one first (KB_OFFLINE_ZIP=path).
    offline = os.environ.get("KB_OFFLINE_ZIP")
    extra = {OFFLINE_ZIP: Path(offline).read_bytes()} if offline and Path(offline).is_file() else {}
    global _background, _awaited
    if _started is not None:  # a build that failed half-way (serve) left its forked work
        _started.cancel()
    for work in _background:  # the last build's search index, still being written: this build writes it anew
        work.cancel()
    _background = []
    # Under `mkdocs serve --dirty`, only the pages that changed (incremental.py); else every page.
    plan = _incremental.plan(config, _root, _serving.problems, _site.corpus) if _serving.active and _FRAMES else None
    wanted, reuse = plan if plan is not None else (None, None)
    # With frames, record pages are written by on_post_build into their theme frame (write_later); MkDocs
    # renders the rest, and of the record pages one of each template and folder depth, which makes the frame.
    _started = _site.start(config.use_directory_urls, extra, later=write_later() if _FRAMES else None,
                           wanted=wanted, write_to=Path(config.site_dir) if _FRAMES else None, reuse=reuse)
    _awaited = wanted is None  # a full build waits for the search index; an incremental one serves without it
    _pages.clear()
    contents: dict[str, str | bytes] = {}
    for page in _started.pages:
        _pages[page.path] = page
        contents[page.path] = page.html
    contents.update(_started.ready if _FRAMES else _started.files())
    for path, content in contents.items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def write_later() -> Any:
    """Which pages on_post_build writes into a frame: a record page without its own toc (out of the nav,
    so the theme's part of it is the same for all its folder's pages), except the first of each template
    at each URL depth under each top folder, which MkDocs renders, making the frame."""
    seen: set[tuple[str, int, str]] = set()

    def later(page: KbPage) -> bool:
        if page.toc or page.aggregate:
            return False
        key = (page.template, page.path.count("/"), page.path.split("/", 1)[0])
        if key not in seen:
            seen.add(key)
            return False
        return True
    return later


def on_post_build(config: Any) -> None:
    """Write the record pages left for later into their frames (in two processes), then the files made
    in forked processes meanwhile (the search index, the open data)."""
    global _started
    if _icons is not None:  # every page is rendered (the frames were made by the theme's template)
        _write(Path(config.site_dir) / ICONS_CSS, _icons.stylesheet().encode("utf-8"))
    started, _started = _started, None
    if started is None:
        return
    global _background
    site_dir = Path(config.site_dir)
    probe = None
    started.pages = []  # written by MkDocs: what the forked process copies is smaller
    try:
        if started.later:
            probe = site_dir / _dest(started.later[0].path, config.use_directory_urls)
            assert _skeletons is not None and _site is not None
            write = functools.partial(_write_framed, _skeletons, site_dir, config.use_directory_urls, _banner)
            unframed = _site.render_each(started.later, write, config.use_directory_urls)
            if unframed:
                raise PluginError(f"{len(unframed)} pages fit no theme frame of this build, the first "
                                  f"{unframed[0]}; kb_mkdocs.events.write_later must let MkDocs render one of "
                                  "their kind (or build with KB_SKELETON=0)")
        for path, content in started.files().items():
            _write(site_dir / path, content)
        if _awaited:  # the forked process writes the search index and the open data itself (no copy here)
            for work in started.background:
                work.result()
            started.background = []
        if _serving.active:
            assert _site is not None
            _incremental.remember(config, _root, _serving.problems, started, probe, _site.corpus)
        _background, started.background = started.background, []
    finally:
        started.cancel()


def on_build_error(error: Exception) -> None:
    """A build that failed: its forked work stops, and the next build under serve is a full one."""
    global _started
    if _started is not None:
        _started.cancel()
        _started = None
    _incremental.forget()


def on_shutdown() -> None:
    """`mkdocs serve` stops (Ctrl-C): the forked work of the last build, still writing the search index into the
    served folder at low priority, stops first; mkdocs then deletes that folder (mkdocs 1.6.1,
    mkdocs/commands/serve.py lines 109-112), which a process still writing into it made fail."""
    global _background, _started
    for work in _background:
        work.cancel()
    _background = []
    if _started is not None:
        _started.cancel()
        _started = None


def _dest(path: str, dir_urls: bool) -> str:
    """Where MkDocs writes a page of this docs path."""
    url = site_url(path, dir_urls)
    return url + "index.html" if not url or url.endswith("/") else url


def _write_framed(skeletons: Skeletons, site_dir: Path, dir_urls: bool, banner: str, ready: RenderedPage) -> str | None:
    """One page written as MkDocs would write it (the frame's theme around the article, then on_post_page);
    its docs path if no frame fits it."""
    url = site_url(ready.path, dir_urls)
    meta = {**page_meta(ready), "template": FRAMED_TEMPLATE}
    html = skeletons.fill_page(url, meta, ready.html, [t["id"] for t in ready.toc])
    if html is None:
        return ready.path
    html = serve.with_banner(html, banner)
    _write(site_dir / _dest(ready.path, dir_urls), html.encode("utf-8", errors="xmlcharrefreplace"))
    return None


def _write(path: Path, content: bytes) -> None:
    """As mkdocs.utils.write_file (mkdocs 1.6.1): the folders made, the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


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
    global _banner, _skeletons, _icons
    _skeletons = Skeletons(env)
    _icons = Icons(env)
    env.globals["kb_page"] = _skeletons.page
    env.globals["kb_icon"] = _icons
    env.filters["kb_json"] = kb_json
    _banner = serve.banner(env, _serving.problems, last_good=_site is not None)
    return env


def kb_json(value: Any) -> Any:
    """Jinja's tojson (sorted keys, <>&' escaped for a <script> element) with non-ASCII text as it is."""
    import json

    from markupsafe import Markup
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, esc)
    return Markup(text)


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
    output = serve.with_banner(compact_page(output, getattr(page, "content", None) or ""), _banner)
    if _pages.pop(page.file.src_uri, None) is not None:  # kb's page, now in `output`: let go of its article
        page.file.content_string = ""  # (mkdocs 1.6.1 File's setter) the article is written; nothing reads it again
        page.content = None
    return output


def on_post_template(output: str, template_name: str, config: Any) -> str:
    # The theme's 404.html: what `mkdocs serve` answers for a page that is not there.
    return serve.with_banner(output, _banner) if template_name.endswith(".html") else output
