"""Render a Page to HTML through the Jinja templates in overrides/pages/.

Every printed value is escaped as HTML text (`finalize=html_text`) unless a helper
returns Markup on purpose (URLs escaped for attributes). Undefined names are errors.
"""
from __future__ import annotations

import html
import posixpath
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import routes
from .corpus import SUBJECT_SLUGS, Entry
from .pages import Page
from .progress import STATUS_CLASSES
from .text import attr, cn_date, cn_number, fragment, html_text, script_call, tag_anchor

TEMPLATES = Path(__file__).resolve().parents[2] / "overrides" / "pages"
TEMPLATE_DIRS: tuple[Path, ...] = (TEMPLATES,)  # searched in order (a test adds a kind's template this way)
# Pages whose templates were Markdown until they became HTML: their markup is still what Python-Markdown
# made of them (no kb-html wrapper, no final newline), so that converting them changed no page.
UNWRAPPED = frozenset({"case.html", "cases.html", "documents.html", "downloads.html", "form.html",
                       "glossary.html", "home.html", "project_lists.html", "task_lists.html", "term.html"})


_environments: list[jinja2.Environment] = []


@cache
def environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    # auto_reload off: a template imported by another is not checked for changes on every use (a file's time
    # read for each of 200,000 pages); fresh_templates checks them once a build.
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
                             finalize=html_text, autoescape=True, trim_blocks=True, auto_reload=False,
                             lstrip_blocks=True, keep_trailing_newline=True)
    _environments.append(env)
    env.filters.update(cn_date=cn_date, cn_number=cn_number, attr=attr, h=html_text, tag_anchor=tag_anchor,
                       status_class=lambda s: STATUS_CLASSES.get(s, ""))
    return env


_templates: dict[tuple[tuple[Path, ...], str], jinja2.Template] = {}   # this build's, by folders and name


def template(name: str) -> jinja2.Template:
    """A template of overrides/pages/, looked up once a build (fresh_templates): Jinja's get_template would
    check the file's time on every call, some 600,000 times at national scale."""
    key = (TEMPLATE_DIRS, name)
    found = _templates.get(key)
    if found is None:
        found = _templates[key] = environment(TEMPLATE_DIRS).get_template(name)
    return found


def fresh_templates() -> None:
    """A new build: templates are looked up again, and those edited since they were read (under `make serve`)
    are read again."""
    _templates.clear()
    for env in _environments:
        assert env.cache is not None
        for key, loaded in env.cache.items():
            if not loaded.is_up_to_date:
                del env.cache[key]


def _url_parts(url: str) -> list[str]:
    parts: list[str] = []
    for part in url.split("/"):
        if part == "..":
            del parts[-1:]
        elif part and part != ".":
            parts.append(part)
    return parts


def relative_url(url: str, here: str) -> str:
    """`url` relative to the page at `here` (both site URLs), the shortest way, as MkDocs writes the
    target of a Markdown link (mkdocs.utils.get_relative_url)."""
    folder, _, name = here.rpartition("/")
    if "." in name:
        here = folder
    here_parts, parts = _url_parts(here), _url_parts(url)
    common = 0
    for a, b in zip(here_parts, parts):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(here_parts) - common) + parts[common:]) or "."
    return rel + "/" if url.endswith("/") else rel


def _helpers(path: str, dir_urls: bool) -> dict[str, Any]:
    """The link helpers of the page at docs path `path`."""
    here_url = routes.site_url(path, dir_urls)
    here_dir = here_url if here_url.endswith("/") or not here_url else posixpath.dirname(here_url) + "/"
    up = "../" * here_dir.count("/")  # from this page's folder to the site root

    def href(target: Entry | str) -> Markup:
        """Relative URL of an entry or a docs path ('x.md', 'x.md#a', 'downloads/x.zip')."""
        src = routes.page_path(target) if isinstance(target, Entry) else target
        url = routes.site_url(src, dir_urls) if src.partition("#")[0].endswith(".md") else src
        # Up to the root, then down: always right, and far cheaper than relpath on 100,000 links.
        return attr((up + url) or "./")

    def rel(target: Entry | str) -> Markup:
        """The same URL the shortest way ('x/' rather than '../here/x/'), as MkDocs wrote the links of the
        pages that were Markdown (their markup is kept as it was; a few links a page, so the cost is nil)."""
        src = routes.page_path(target) if isinstance(target, Entry) else target
        path, _, anchor = src.partition("#")
        url = routes.site_url(path, dir_urls) if path.endswith(".md") else path
        return attr(relative_url(url, here_url) + (f"#{anchor}" if anchor else ""))

    def anchor(entry: Entry) -> str:
        """The id of an entry shown inside its parent's page (a task's progress entry: 'p-ty-jyj-2024-06-30')."""
        return routes.page_path(entry).partition("#")[2]

    return {"href": href, "rel": rel, "anchor": anchor, "list_src": routes.index_path, "subject_slugs": SUBJECT_SLUGS}


def render_body(page: Page, dir_urls: bool = True) -> str:
    """The page's article, as HTML."""
    helpers = _helpers(page.path, dir_urls)
    body = heading_ids(template(page.template).render(**page.context, **helpers, page_title=page.title))
    if page.tags:  # above the title, as Material's tags plugin would put them
        body = template("_tags.html").render(tags=page.tags, href=helpers["href"]) + "\n" + body
    if page.updated is not None:  # 最近更新, at the end of what the page shows
        body = body.rstrip("\n") + "\n" + template("_updated.html").render(
            change=page.updated, href=helpers["href"], changes=routes.CHANGES)
    if page.template in UNWRAPPED:
        return body.rstrip("\n")
    # One raw HTML block: valid Markdown for any generator (the MkDocs hook hands it to the theme directly).
    return f'<div class="kb-html">\n{body}</div>\n'


def rows_files(page: Page, dir_urls: bool = True) -> dict[str, bytes]:
    """A page of a listing split into pages whose filter reads every page (Pager.data): its rows, as the page
    shows them, in a script, `__kbRows("<tr>…</tr>…");` (docs path → bytes; {} for any other page).
    assets/kb.js loads the other pages' scripts when the reader sets a filter, and puts their rows in the
    table. The markup is the rows template's, rendered here with Jinja's autoescaping like the page (so data
    stays text); kb.js parses it inert and makes its links, which are relative to the script's folder (a
    routes.rows_path lies in the listing's `_pages/`, in both URL styles), absolute against the script's URL."""
    pager = page.context.get("pager")
    if pager is None or not pager.data:
        return {}
    path = pager.data[pager.current - 1]
    helpers = _helpers(posixpath.dirname(path) + "/index.md", dir_urls)  # a page whose folder is the file's
    markup = template(pager.rows_template).render(**page.context, **helpers)
    return {path: script_call("__kbRows", markup)}


_NO_ID_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_ID = re.compile(r'\bid="([^"]*)"')
_NUMBERED = re.compile(r"^(.*)_([0-9]+)$")
_TAG = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\s-]")
_SLUG_SPACE = re.compile(r"[-\s]+")


def slugify(text: str) -> str:
    """Python-Markdown's toc slug: ASCII letters, digits, '_' and '-' of the text ('1+X' → '1x', Chinese → '')."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG_SPACE.sub("-", _SLUG_DROP.sub("", text).strip().lower())


def heading_ids(body: str) -> str:
    """Give each heading written without an id the id Python-Markdown's toc extension would: the slug of its
    text, made unique with '_1', '_2'… against every id on the page ('' → '_1')."""
    if _NO_ID_HEADING.search(body) is None:
        return body
    used = set(_ID.findall(body))

    def unique(slug: str) -> str:
        if slug in used or not slug:
            numbered = _NUMBERED.match(slug)
            base, n = (numbered.group(1), int(numbered.group(2))) if numbered else (slug, 0)
            n += 1
            while f"{base}_{n}" in used:
                n += 1
            slug = f"{base}_{n}"
        used.add(slug)
        return slug

    def with_id(m: re.Match[str]) -> str:
        name = html.unescape(_TAG.sub("", m.group(2)).strip())
        return f'<h{m.group(1)} id="{attr(unique(slugify(name)))}">{m.group(2)}</h{m.group(1)}>'

    return _NO_ID_HEADING.sub(with_id, body)


_HEADING = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def toc_tokens(body: str) -> list[dict[str, Any]]:
    """The headings of an HTML page as nested table-of-contents tokens, in the shape Python-Markdown's
    toc extension gives them (level, id, name as HTML, children): the same sidebar for either kind."""
    root: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []
    for level, anchor, inner in _HEADING.findall(body):
        # The id as written in the attribute (escaped): the theme prints it into href="#…" as it is, so a
        # '%' (a tag '50%') is written %25 there: the theme decodes link fragments (decodeURIComponent).
        token = {"level": int(level), "id": fragment(anchor), "name": _TAG.sub("", inner).strip(),
                 "children": []}
        while stack and stack[-1]["level"] >= token["level"]:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return root
