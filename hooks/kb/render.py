"""Render a Page to Markdown through the Jinja templates in overrides/pages/.

Every printed value is escaped as text (`finalize=md_text`) unless a helper
returns Markup on purpose (links, badges). Undefined names are errors.
"""
from __future__ import annotations

import html
import posixpath
import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import routes
from .corpus import SUBJECT_SLUGS, Entry
from .pages import Page
from .text import attr, cn_date, cn_number, fragment, html_text, md_text, tag_anchor

TEMPLATES = Path(__file__).resolve().parents[2] / "overrides" / "pages"
TEMPLATE_DIRS: tuple[Path, ...] = (TEMPLATES,)  # searched in order (a test adds a kind's template this way)


@lru_cache(maxsize=None)
def environment(folders: tuple[Path, ...], html_output: bool = False) -> jinja2.Environment:
    """Markdown templates (*.md) escape every value as Markdown text; HTML templates (*.html) as HTML."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), undefined=jinja2.StrictUndefined,
                             finalize=html_text if html_output else md_text, autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(cn_date=cn_date, cn_number=cn_number, attr=attr, text=md_text,
                       h=html_text, tag_anchor=tag_anchor)
    return env


def _helpers(page: Page, dir_urls: bool) -> dict:
    here = posixpath.dirname(page.path)
    here_url = routes.site_url(page.path, dir_urls)
    here_dir = here_url if here_url.endswith("/") or not here_url else posixpath.dirname(here_url) + "/"
    up = "../" * here_dir.count("/")  # from this page's folder to the site root

    def ref(target) -> Markup:
        """Relative link target from this page to an entry, a URL or a docs path."""
        if isinstance(target, Entry):
            target = routes.page_path(target)
        path, _, anchor = target.partition("#")
        rel = posixpath.relpath(path, here or ".")
        return Markup(rel + (f"#{anchor}" if anchor else ""))

    def link(target, text=None) -> Markup:
        label = text if text is not None else (target.title if isinstance(target, Entry) else target)
        return Markup(f"[{md_text(label)}]({ref(target)})")

    def subject_badges(subjects) -> Markup:
        return Markup(" ".join(
            f'[{md_text(s)}]({ref(f"subjects/{SUBJECT_SLUGS[s]}.md")}){{ .kb-badge .kb-subject }}'
            for s in subjects))

    def list_link(kind: str, list_id: str | None = None) -> Markup:
        return ref(routes.index_path(kind, list_id))


    def href(target) -> Markup:
        """Relative URL for raw HTML (MkDocs rewrites Markdown links, not these)."""
        src = routes.page_path(target) if isinstance(target, Entry) else target
        url = routes.site_url(src, dir_urls)
        # Up to the root, then down: always right, and far cheaper than relpath on 100,000 links.
        return attr((up + url) or "./")

    def anchor(name: str) -> Markup:
        """attr_list id for a heading ('{#' cannot be written in a Jinja template)."""
        return Markup("{#" + str(attr(name)) + "}")

    return {"ref": ref, "href": href, "anchor": anchor, "list_src": routes.index_path, "link": link, "badges": subject_badges, "list_link": list_link,
            "subject_slugs": SUBJECT_SLUGS, "md": md_text}


def render_body(page: Page, dir_urls: bool = True) -> str:
    """The page's article: HTML (or, for a Markdown template, Markdown for the site generator)."""
    html_output = page.template.endswith(".html")
    helpers = _helpers(page, dir_urls)
    template = environment(TEMPLATE_DIRS, html_output).get_template(page.template)
    body = template.render(**page.context, **helpers, page_title=page.title)
    if page.tags:  # above the title, as Material's tags plugin would put them
        body = environment(TEMPLATE_DIRS, True).get_template("_tags.html").render(
            tags=page.tags, href=helpers["href"]) + "\n" + ("" if html_output else "\n") + body
    # An HTML page is one raw HTML block: valid Markdown for any generator, and the MkDocs hook
    # hands it to the theme directly instead of running it through Python-Markdown.
    return f'<div class="kb-html">\n{body}</div>\n' if html_output else body


_HEADING = re.compile(r'<h([1-6]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


def toc_tokens(body: str) -> list[dict]:
    """The headings of an HTML page as nested table-of-contents tokens, in the shape Python-Markdown's
    toc extension gives them (level, id, name as HTML, children): the same sidebar for either kind."""
    root: list[dict] = []
    stack: list[dict] = []
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
