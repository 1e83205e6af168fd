"""hooks/kb_mkdocs/frames.py on a small theme: a frame is reused only where its URLs print the same.
(The whole-site comparison is tests/test_site.py; with the site's nav every folder of one page
kind prints the same URLs, so this is where a wrong reuse would show.)"""
from __future__ import annotations

from types import SimpleNamespace

import jinja2
import pytest
from mkdocs.utils.templates import url_filter

from kb_mkdocs.frames import Skeletons

MAIN = ('<title>{{ page.meta.title }}</title><a href="{{ "tasks/a/" | url }}">list</a>'
        '<a href="{{ "assets/x.css" | url }}">css</a>{% include "partials/content.html" %}<footer>{{ base_url }}</footer>')
CONTENT = '{% if "<h1" not in page.content %}<h1>{{ page.title }}</h1>{% endif %}{{ page.content }}'


def make_page(url: str, title: str):
    return SimpleNamespace(url=url, title=title, meta={"title": title}, content=f"<h1>{title}</h1><p>{url}</p>",
                           toc=[], file=SimpleNamespace(src_uri=url + ".md"))


def render_both(urls: list[str]) -> tuple[list[str], list[str], Skeletons]:
    env = jinja2.Environment(loader=jinja2.DictLoader({"main.html": MAIN, "partials/content.html": CONTENT,
                                                      "kb-page.html": "{{ kb_page() }}"}))
    env.filters["url"] = url_filter
    skeletons = Skeletons(env)
    env.globals["kb_page"] = skeletons.page
    nav = SimpleNamespace(pages=[])
    framed, full = [], []
    for i, url in enumerate(urls):
        page = make_page(url, f"标题{i}")
        values = {"page": page, "nav": nav, "base_url": "../" * url.count("/"), "extra_css": [],
                  "extra_javascript": []}
        framed.append(env.get_template("kb-page.html").render(values))
        full.append(env.get_template("main.html").render(values))
    return framed, full, skeletons


def test_frames_are_shared_across_folders_only_where_the_links_print_the_same():
    framed, full, skeletons = render_both(["tasks/a/1/", "tasks/a/2/", "units/r/1/", "tasks/b/1/", "units/s/1/"])
    assert framed == full
    # the list link prints "../" from tasks/a/, "../../a/" from tasks/b/, "../../../tasks/a/" from units/*/;
    # each frame is made in two variants, with and without a restored character's note
    assert sum(len(f) for f in skeletons.frames.values()) == 3 * 2


def test_a_page_without_its_own_h1_gets_the_themes():
    framed, full, _ = render_both(["negative/1/"])
    assert framed == full and "<h1>标题0</h1>" in framed[0]


def test_a_frame_marker_left_in_a_page_stops_the_build():
    """kb_mkdocs.events.on_post_page: if the theme template ever stopped replacing a marker (a Material
    upgrade), the build fails naming the page, instead of publishing the marker."""
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError

    from kb_mkdocs import events
    from kb_mkdocs.frames import CONTENT_MARK, TITLE_MARK
    page = SimpleNamespace(file=SimpleNamespace(src_uri="tasks/x/1.md"))
    assert events.on_post_page("<html><body>任务</body></html>", page, None) == "<html><body>任务</body></html>"
    for mark in (TITLE_MARK, CONTENT_MARK):
        with pytest.raises(PluginError, match="tasks/x/1.md: a theme frame marker"):
            events.on_post_page(f"<html><title>{mark}</title></html>", page, None)
