"""Unit tests of the core's text handling: escaping, restorations, heading ids, links, tooltips, dates."""
from __future__ import annotations

import html
import re

import markdown
import pytest
from mkdocs.utils import get_relative_url

from kb.glossary import Glossary
from kb.render import TEMPLATE_DIRS, environment, heading_ids, relative_url, toc_tokens
from kb.text import cn_date


def render(source: str, **values) -> str:
    """A template in the pages' environment (every printed value escaped as HTML text)."""
    return environment(TEMPLATE_DIRS).from_string(source).render(**values)


HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '[x](javascript:alert(1))',
           '# 标题', '| a | b |', '*强调* `代码` <!-- 注释', '{{ x }} {% if %}', '1. 列表', '> 引用',
           '\\ 反斜杠 _下划线_ ~~删除~~', 'a & b "引号" \'单引号\'', '*[HTML]: 缩写定义', '</p><p>', '&lt;已转义&gt;']


def test_hostile_text_renders_literally():
    for text in HOSTILE:
        out = render("<p>前文 {{ x }}</p>", x=text)
        assert out.count("<") == 2, (text, out)
        assert html.unescape(out[3:-4]) == f"前文 {text}", (text, out)


def test_hostile_text_stays_inside_an_attribute():
    for text in HOSTILE:
        out = render('<a title="{{ x }}">甲</a>', x=text)
        assert out.count('"') == 2 and out.endswith(">甲</a>"), (text, out)


def test_restored_characters_become_marked_spans():
    out = render("<p>{{ x }}</p>", x="完善〖县〗委")
    assert '<span class="kb-restored"' in out and ">县</span>委" in out


@pytest.mark.parametrize("headings", [
    [(1, "评价改革知识库", None), (2, "本库收录", None), (2, "截止时间", None)],
    [(1, "1+X", None), (2, "出现于", None)],
    [(1, "XX市 & XX区 <b>", None), (2, "甲", "s-1"), (2, "s 1", None), (2, "XX", None), (3, "Ｘ２", None)],
    [(2, "a_1", None), (2, "a_1", None), (2, "甲", "_1"), (2, "乙", None), (2, "_1", None)],
])
def test_headings_without_an_id_get_python_markdowns_ids(headings):
    body = "".join(f'<h{n}{f" id={chr(34)}{i}{chr(34)}" if i else ""}>{html.escape(t)}</h{n}>' for n, t, i in headings)
    source = "\n\n".join("#" * n + " " + t.replace("<", "&lt;") + (f" {{#{i}}}" if i else "") for n, t, i in headings)
    expected = re.findall(r'<h\d id="([^"]*)"', markdown.markdown(source, extensions=["attr_list", "toc"]))
    assert re.findall(r'<h\d id="([^"]*)"', heading_ids(body)) == expected


@pytest.mark.parametrize("url, here", [
    ("glossary/wuwei/", "glossary/"), ("glossary/", "glossary/wuwei/"), ("subjects/schools/", ""),
    ("downloads/kb.json", "downloads/"), ("documents/x/", "cases/"), ("cases/a/", "cases/a/"),
    ("glossary/wuwei.html", "glossary/index.html"), ("glossary/index.html", "glossary/wuwei.html"),
    ("downloads/forms/a.docx", "forms/a.html"), ("index.html", "tasks/t/1.html"),
])
def test_shortest_relative_urls_are_mkdocs_own(url, here):
    assert relative_url(url, here) == get_relative_url(url, here)


def test_chinese_dates():
    assert cn_date("2024-03-21") == "2024年3月21日"
    assert cn_date("2020-10") == "2020年10月"


def test_glossary_marks_first_use_outside_links(corpus):
    g = Glossary(corpus)
    html = '<h2>双减</h2><p><a href="x">双减</a> 落实双减，再说双减和五唯。</p>'
    out = g.annotate(html)
    assert out.count("<abbr") == 2
    assert "<h2>双减</h2>" in out and '<a href="x">双减</a>' in out
    assert out.index("<abbr") > out.index("落实")


def test_glossary_leaves_attributes_and_nested_skipped_elements_alone(corpus):
    g = Glossary(corpus)
    html = ('<p title="双减"><img alt="五唯"/><small>双减 <b>五唯</b></small></p>'
            '<table><tr><th><span>双减</span></th><td>双减、五唯</td></tr></table>')
    out = g.annotate(html)
    assert out.count("<abbr") == 2
    assert '<p title="双减"><img alt="五唯"/><small>双减 <b>五唯</b></small></p>' in out
    assert "<th><span>双减</span></th>" in out and "<td><abbr" in out
    assert g.annotate(out) == out  # already marked: a term inside <abbr> is not wrapped again
    own = g.names["双减"][0]
    assert g.annotate("<p>双减</p>", skip_term=own) == "<p>双减</p>"  # not on the term's own page


def test_toc_of_an_html_page_nests_its_headings_and_keeps_ids_as_written():
    body = ('<h1 id="t">标题</h1><p>x</p><h2 id="a">甲<span class="kb-restored">县</span></h2><h3 id="a-1">甲一</h3>'
            '<h2 id="tag:a&amp;b">乙&amp;丙</h2>')
    [h1] = toc_tokens(body)
    assert (h1["level"], h1["id"], h1["name"]) == (1, "t", "标题")
    assert [(t["id"], t["name"], [c["id"] for c in t["children"]]) for t in h1["children"]] == [
        ("a", "甲县", ["a-1"]), ("tag:a&amp;b", "乙&amp;丙", [])]


def test_a_template_edited_between_builds_is_read_again_and_only_then(tmp_path, monkeypatch):
    """kb.render: templates are read once a build (Jinja's auto_reload is off, so a template another imports is
    not checked for every page); fresh_templates, which starts each build, reads again those edited since."""
    import os

    import kb.render as render
    (tmp_path / "page.html").write_text('{% from "_m.html" import word %}{{ word() }}', encoding="utf-8")
    macros = tmp_path / "_m.html"
    macros.write_text("{% macro word() %}旧{% endmacro %}", encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATE_DIRS", (tmp_path,))
    render.fresh_templates()
    assert render.template("page.html").render() == "旧"
    macros.write_text("{% macro word() %}新{% endmacro %}", encoding="utf-8")
    later = macros.stat().st_mtime + 5
    os.utime(macros, (later, later))
    assert render.template("page.html").render() == "旧"  # within a build: as read at its start
    render.fresh_templates()
    assert render.template("page.html").render() == "新"
