"""The 原文 pages: the source copies as published, the task list's flattened table rebuilt."""
from __future__ import annotations

import dataclasses
import posixpath
import re
from pathlib import Path

from bs4 import BeautifulSoup

from kb import routes
from kb.pages import TASK_TABLE_HEAD, Page, all_pages, original_blocks
from kb.render import render_body

ROOT = Path(__file__).resolve().parents[1]
HEAD = list(TASK_TABLE_HEAD)


def original_url(doc_id: str) -> str:
    return routes.site_url(routes.original_path(doc_id))


def article(site: Path, url: str):
    soup = BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")
    return soup.select_one("article.md-content__inner")


def source_lines(corpus, doc_id: str) -> list[str]:
    return [ln.strip() for ln in corpus.sources[doc_id].splitlines() if ln.strip()]


# --- the parsing, on lines written here ------------------------------------------------------------------

def test_a_flattened_table_becomes_rows():
    lines = ["标题", *HEAD, "一、第一部分", "(1)甲事项。", "委办", "教育局", "2021年开始,", "长期坚持",
             "2)乙事项。", "教育局", "长期坚持",
             *HEAD, "第一部分", "3丙事项。", "财政局", "2030年底前",     # page break: header and section repeat
             "二、第二部分", "(5)丁事项。", "人社局", "长期坚持",
             "说明", "末段"]
    blocks = original_blocks(lines, {1: "t1", 2: "t2", 3: "t3", 5: "t5"})  # type: ignore[dict-item]
    assert [b["kind"] for b in blocks] == ["p", "table", "p", "p"]
    assert [b["text"] for b in blocks if b["kind"] == "p"] == ["标题", "说明", "末段"]
    rows = blocks[1]["rows"]
    assert blocks[1]["head"] == HEAD
    assert [(r["label"], r["task"], r["text"]) for r in rows] == [
        ("(1)", "t1", "甲事项。"), ("2)", "t2", "乙事项。"), ("3", "t3", "丙事项。"), ("(5)", "t5", "丁事项。")]
    assert rows[0]["units"] == ["委办", "教育局"] and rows[0]["deadline"] == ["2021年开始,", "长期坚持"]
    assert [(r["section"], r["span"]) for r in rows] == [("一、第一部分", 3), (None, 0), (None, 0),
                                                         ("二、第二部分", 1)]


def test_no_line_is_lost_where_the_table_ends():
    lines = [*HEAD, "一、第一部分", "(1)甲事项。", "教育局", "长期坚持", "二、附则", "说明"]
    blocks = original_blocks(lines, {1: "t1"})  # type: ignore[dict-item]
    assert [b.get("text") for b in blocks] == [None, "二、附则", "说明"]
    assert len(blocks[0]["rows"]) == 1


def test_without_tasks_every_line_is_a_paragraph():
    lines = [*HEAD, "(1)甲事项。", "教育局", "长期坚持"]
    assert original_blocks(lines, {}) == [{"kind": "p", "text": ln} for ln in lines]


# --- the built pages -------------------------------------------------------------------------------------

def test_hubei_original_has_no_literal_markup(site, corpus):
    assert not re.search(r"</?[a-zA-Z][^>]*>", corpus.sources["hubei-2024"])
    page = article(site, original_url("hubei-2024"))
    text = page.get_text()
    assert "<p>" not in text and "</p>" not in text
    assert "(由申报试点的市县教育部门、中小学校、中职学校、高校或二级学院填写) 签字盖章: 2024年 月 日" in text


def test_taoyuan_original_is_a_four_column_table_of_its_tasks(site, corpus):
    url = original_url("taoyuan-2022")
    page = article(site, url)
    tables = page.find_all("table")
    assert len(tables) == 1
    table = tables[0]
    assert [th.get_text(strip=True) for th in table.select("thead th")] == HEAD
    rows = table.select("tbody tr")
    # One row per measure line of the copy ("(1)…", "7)…", "52…"; not "2021年开始"), one per task in the data.
    measures = [ln for ln in source_lines(corpus, "taoyuan-2022") if re.match(r"[(（]?\d{1,2}[)）]?[^\d年]", ln)]
    tasks = [e for e in corpus.items_of_list("taoyuan-2022") if e.kind == "task"]
    assert len(rows) == len(measures) == len(tasks)
    # Four columns: the section cell spans its rows; every row has the three other cells, none empty.
    assert sum(int(th["rowspan"]) for th in table.select("tbody th[rowspan]")) == len(rows)
    assert [th.get_text(strip=True)[:2] for th in table.select("tbody th")] == ["一、", "二、", "三、", "四、",
                                                                               "五、", "六、"]
    for row in rows:
        cells = row.find_all("td", recursive=False)
        assert len(cells) == 3 and all(c.get_text(strip=True) for c in cells), row
    assert all(h not in table.select_one("tbody").get_text() for h in ("具体改革举措", "完成时限"))
    # Each number links to its task's page, which exists.
    numbers = []
    for row, measure in zip(rows, measures):
        link = row.find("td").find("a")
        assert link is not None and measure.startswith(link.get_text()), measure
        number = int(re.sub(r"\D", "", link.get_text()))
        target = posixpath.normpath(posixpath.join(url, link["href"]))
        assert target == f"tasks/taoyuan-2022/{number}", target
        assert (site / target / "index.html").is_file()
        assert row.find("td").get_text() == measure
        numbers.append(number)
    assert numbers == [t.number for t in tasks]


def test_other_original_pages_are_paragraphs(site, corpus):
    for doc in corpus.of_kind("document"):
        if doc.id == "taoyuan-2022":
            continue
        page = article(site, original_url(doc.id))
        assert page.find("table") is None, doc.id
        assert len(page.select("div.kb-original > p")) == len(source_lines(corpus, doc.id)), doc.id


def test_source_url_is_linked_where_known(site, corpus):
    for doc in corpus.of_kind("document"):
        links = article(site, original_url(doc.id)).select('a[rel~="noopener"]')
        if doc.record.source_url:
            assert [a["href"] for a in links] == [doc.record.source_url], doc.id
            assert "原文出处" in article(site, original_url(doc.id)).get_text()
        else:
            assert links == [], doc.id


def test_source_url_link_is_rendered_and_escaped(corpus):
    """No document has a known address yet: render one with an address set."""
    address = 'https://example.org/a?b=1&c="2"'
    doc = corpus.entries["hubei-2024"]
    doc = dataclasses.replace(doc, record=doc.record.model_copy(update={"source_url": address}))
    page = next(p for p in all_pages(corpus) if p.path == routes.original_path("hubei-2024"))
    html = render_body(Page(page.path, page.template, page.title, {**page.context, "doc": doc}))
    links = BeautifulSoup(html, "html.parser").select('a[rel~="noopener"]')
    assert [(a["href"], a.get_text()) for a in links] == [(address, address)]
    assert "&amp;c=&quot;2&quot;" in html
