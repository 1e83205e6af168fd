"""Adding a record kind touches the kinds table, the models, one template and the data — nothing else.

A test-only kind, 通知 (notice), is added exactly that way: a model and its file in
kb.models.FILE_KINDS, a row in kb.kinds.KINDS, a template, and a data file beside the
minimal fixture's. Then the core validates it, gives it pages, links, search documents
and open data, with no other change.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb import kinds, render, routes, search
from kb.assemble import load_corpus
from kb.corpus import Entry
from kb.export import export_files, record_json
from kb.kinds import KINDS, Building, Kind
from kb.load import DataError
from kb.models import FILE_KINDS, Name, Record, Slug, Subject, Text
from kb.site import Site

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "fixtures" / "minimal" / "data"


# --- 1. the models ------------------------------------------------------------------------------
class Notice(Record):
    id: Slug
    title: Name
    text: Text
    subjects: list[Subject] = []
    links: list[str] = []


class NoticesFile(Record):
    notices: list[Notice]


# --- 2. the row in the kinds table --------------------------------------------------------------
def build_notices(b: Building):
    for notice, where, _ in b.loaded.of("notices"):
        yield Entry("notice", notice.id, notice.title, notice.text, tuple(notice.subjects), notice, where)  # type: ignore[arg-type]


NOTICE = Kind("notice", "通知", "notices", "notices", "notice.html", build_notices, data_file="notices.yml",
              search_order=9, on_hubs=True)

# --- 3. the template ------------------------------------------------------------------------------
TEMPLATE = """<h1 id="notice">{{ e.title }}</h1>
<p>{{ r.text }}</p>
{% for x in links_from %}<p class="kb-related"><a href="{{ href(x) }}">{{ x.title }}</a></p>{% endfor %}
"""

# --- 4. the data ------------------------------------------------------------------------------------
DATA = """notices:
  - id: notice-1
    title: 关于报送评价改革进展的通知
    text: 各县于每季度末报送<script>alert(1)</script>任务进展。
    subjects: [党委和政府]
    links: [list-a/1]
"""


@pytest.fixture
def notice_kind(monkeypatch, tmp_path):
    monkeypatch.setitem(FILE_KINDS, "notices", (NoticesFile, "notices", Notice))
    monkeypatch.setitem(KINDS, "notice", NOTICE)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "notice.html").write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATE_DIRS", (*render.TEMPLATE_DIRS, pages))
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    (data / "notices.yml").write_text(DATA, encoding="utf-8")
    return data


def test_a_new_kind_is_loaded_linked_rendered_searched_and_exported(notice_kind):
    corpus = load_corpus(notice_kind, notice_kind.parent)
    notice = corpus["notice-1"]
    assert notice.kind == "notice" and notice.kind_label == "通知"
    assert "notice-1" in [e.id for e in corpus.links_to("list-a/1")]  # the reverse link is derived

    assert routes.page_path(notice) == "notices/notice-1.md" and routes.url(notice) == "notices/notice-1/"
    built = Site.load(notice_kind, notice_kind.parent).build()
    page = next(p for p in built.pages if p.path == "notices/notice-1.md")
    assert page.title == "关于报送评价改革进展的通知"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html and "<script>" not in page.html
    task_page = next(p for p in built.pages if p.path == "tasks/list-a/1.md")
    assert "../../../notices/notice-1/" in task_page.html  # 被引用 on the linked task's page
    hub = next(p for p in built.pages if p.path == routes.hub_path("党委和政府"))
    assert "通知（1）" in hub.html  # the hubs list the kinds marked on_hubs

    index = search.SearchIndex.from_corpus(corpus)
    assert any(d.url == "notices/notice-1/" and d.kind == "notice" for d in index.docs)
    assert index.search("报送评价改革").hits[0].id == "notice-1"
    assert ["notice", "通知"] == index.meta(16, 1)["kinds"][-1][:2]  # its label for the result list and facets

    files = export_files(corpus)
    records = json.loads(files["downloads/kb.json"])["records"]
    assert {"kind": "notice", "id": "notice-1", "url": "notices/notice-1/"}.items() <= next(
        r for r in records if r["id"] == "notice-1").items()
    assert "notice-1" in files["downloads/notice.csv"].decode("utf-8-sig")
    assert record_json(corpus, notice)["links"] == ["list-a/1"]


def test_a_new_kind_gets_the_same_checks_and_messages(notice_kind):
    (notice_kind / "notices.yml").write_text(DATA.replace("    subjects:", "    subject:")
                                             .replace("list-a/1]", "list-a/999]"), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(notice_kind, notice_kind.parent)
    assert [str(p) for p in exc.value.problems] == [
        "data/notices.yml:5: notice notice-1: unknown field 'subject' (did you mean subjects?); remove or rename it"]
    (notice_kind / "notices.yml").write_text(DATA.replace("list-a/1]", "list-a/999]"), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(notice_kind, notice_kind.parent)
    assert [str(p) for p in exc.value.problems] == [
        "data/notices.yml:6: notice notice-1: link to missing record 'list-a/999' (did you mean list-a/2?)"]


def test_without_its_row_the_file_is_not_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    (data / "notices.yml").write_text(DATA, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(data, tmp_path)
    assert "data/notices.yml:1: file: is not a known data file" in str(exc.value.problems[0])


def test_every_kind_row_is_complete():
    """Each row with a page has its template; each loaded kind has a model; labels are unique."""
    for kind in KINDS.values():
        if kind.template:
            assert (render.TEMPLATES / kind.template).is_file(), kind.name
        if kind.data:
            assert kind.data in FILE_KINDS and kind.build is not None, kind.name
        else:
            assert kind.parent_kind in KINDS and kind.anchor_in_parent, kind.name
    assert len({k.label for k in KINDS.values()}) == len(KINDS)
    assert kinds.of(has="on_hubs")  # the hubs have something to list
