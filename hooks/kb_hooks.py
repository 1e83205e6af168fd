"""MkDocs adapter for the knowledge base core (hooks/kb). Events only, each a few lines.

on_config loads and validates the corpus once (any data problem stops the build
with every problem listed) and starts the search process (kb.forked); on_files adds
every generated page, download and export file as File.generated; pages rendered from
HTML templates skip Python-Markdown (on_page_markdown) and share theme frames
(on_env, kb_skeleton); on_page_content adds glossary tooltips to Markdown pages;
on_post_build has the search process merge its records into Material's index.
Under `mkdocs serve`, bad data does not stop the build (that would hang the server): the last
good site is built again with the problems in a banner on every page (kb_serve).
"""
from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import material.plugins.search.plugin as material_search  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.structure.toc import get_toc  # noqa: E402

import kb_serve  # noqa: E402
from kb.site import OFFLINE_ZIP, Site  # noqa: E402
from kb_skeleton import TEMPLATE as FRAMED_TEMPLATE, Skeletons  # noqa: E402

_site: Site | None = None      # None only while serving data that has never loaded
_serving = kb_serve.Serving()
_banner = ""                   # the problems banner of this build ("" when the data loaded)
# KB_SKELETON=0 renders every page through the full theme template (the test compares both).
_FRAMES = os.environ.get("KB_SKELETON", "1") != "0"
_ANCHOR_ID = re.compile(r'\bid="([^"]+)"')


def on_startup(command, dirty):
    _serving.active = command == "serve"


def on_serve(server, config, builder):
    _serving.active = True  # `mkdocs serve --clean` starts up as command 'build'; its rebuilds serve too
    return server


def on_config(config):
    global _site
    if _site is not None:  # `mkdocs serve` rebuilding after a build that failed half-way
        _site.cancel_search_index()
    root = Path(config.config_file_path).resolve().parent
    data = Path(os.environ.get("KB_DATA", root / "data"))  # tests and the benchmark build other data sets
    _site = _serving.load(lambda: Site.load(data, data.parent))
    # Material would segment the pages it indexes with jieba; kb.search re-segments them with the
    # domain dictionary anyway, in its own process, so the build never loads jieba's dictionary (1.5 s).
    material_search.jieba = None
    if _site is None:
        config.nav = None  # the nav names generated pages; the problems page is the one page
    else:
        _site.start_search_index(config.use_directory_urls)
    return config


def on_files(files, config):
    if _site is None:
        return kb_serve.problems_only(files, config)
    # The offline edition's zip, when `make build` made one first (KB_OFFLINE_ZIP=path).
    offline = os.environ.get("KB_OFFLINE_ZIP")
    extra = {OFFLINE_ZIP: Path(offline).read_bytes()} if offline and Path(offline).is_file() else {}
    for path, content in _site.files(config.use_directory_urls, extra, with_front_matter=False).items():
        existing = files.get_file_from_path(path)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, path, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    if _site is None:
        return markdown
    # Metadata of generated pages, without a YAML front matter to parse.
    meta = _site.meta.get(page.file.src_uri)
    if meta is not None:
        page.meta = dict(meta)
    html = _site.prerendered.get(page.file.src_uri)
    if html is not None:
        # A page rendered from an HTML template: MkDocs would build a Python-Markdown instance
        # just to pass it through (~1 ms a page, 10,000 pages). Render it as what it is.
        page.render = functools.partial(_render_prerendered, page, html, _site.tocs[page.file.src_uri])
        if _FRAMES:
            page.meta["template"] = FRAMED_TEMPLATE
    return markdown


def _render_prerendered(page, html, toc, config, files):
    page.content = html
    page.toc = get_toc(toc)
    page.present_anchor_ids = set(_ANCHOR_ID.findall(html))


def on_env(env, config, files):
    global _banner
    env.globals["kb_page"] = Skeletons(env).page
    _banner = kb_serve.banner(env, _serving.problems, last_good=_site is not None)
    return env


def on_page_content(html, page, config, files):
    return html if _site is None else _site.annotate(html, page.file.src_uri)


def on_post_page(output, page, config):
    return kb_serve.with_banner(output, _banner)


def on_post_template(output, template_name, config):
    # The theme's 404.html: what `mkdocs serve` answers for a page that is not there.
    return kb_serve.with_banner(output, _banner) if template_name.endswith(".html") else output


def on_build_error(error):
    if _site is not None:
        _site.cancel_search_index()


def on_post_build(config):
    if _site is not None:
        _site.write_search_index(Path(config.site_dir), config.use_directory_urls)
