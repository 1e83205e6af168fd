"""The list pages in Debian's Chromium (issue, item 6): the task list (tasks/<list>/) and the negative list
(negative/) filter by a keyword that ignores spaces and punctuation width; every filter lives in the URL
query, so a filtered view can be shared and reopened; the deadline filter has one option per deadline
however its punctuation is spelt; on a phone the tasks are cards; the pages stay axe-clean."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from browser import type_like_a_person
from conftest import ROOT

TASKS = "tasks/taoyuan-2022/"
NEGATIVE = "negative/"
# The rules for these pages, until they are merged into assets/kb.css (then this file is gone and the
# built site's own CSS carries them: the tests check computed styles, not the file).
LIST_CSS = ROOT / "docs" / "assets" / "kb-lists.css"

VISIBLE_TASKS = """() => Array.from(document.querySelectorAll('#kb-tasks tbody tr'))
    .filter(tr => !tr.hidden && tr.getClientRects().length).map(tr => tr.cells[0].textContent.trim())"""
VISIBLE_NEGATIVE = """() => Array.from(document.querySelectorAll('#kb-negative tbody tr'))
    .filter(tr => !tr.hidden && tr.getClientRects().length).map(tr => tr.dataset.kbId)"""


def norm(text: str) -> str:
    """What the pages compare: NFKC (full-width → half-width), lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if unicodedata.category(ch)[0] in "LN")


class Tab:
    """A page that records script errors and gets the list rules (kb-lists.css) after every load."""

    def __init__(self, chromium, **options):
        self.page = chromium.new_page(**options)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, url: str):
        self.page.goto(url)
        if LIST_CSS.is_file():
            self.page.add_style_tag(path=str(LIST_CSS))
        return self.page

    def close(self) -> list[str]:
        self.page.close()
        return self.errors


@pytest.fixture
def tab(chromium):
    tabs: list[Tab] = []

    def make(**options) -> Tab:
        tabs.append(Tab(chromium, **options))
        return tabs[-1]
    yield make
    errors = [e for t in tabs for e in t.close()]
    assert errors == [], "script errors on the page"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def rows_matching(page, needle: str) -> list[str]:
    """The task numbers whose row text holds the needle, compared here in Python, not by kb.js."""
    texts = page.eval_on_selector_all("#kb-tasks tbody tr", "trs => trs.map(tr => [tr.cells[0].textContent.trim(), "
                                                            "tr.textContent])")
    return [n for n, text in texts if norm(needle) in norm(text)]


def count_text(page) -> str:
    return page.inner_text(".kb-count").strip()


def test_keyword_filters_the_task_rows_and_goes_into_the_url(tab, base):
    page = tab().open(base + TASKS)
    assert count_text(page) == "显示 66 / 66 项"
    assert urlsplit(page.url).query == ""
    page.click("input[data-kb-keyword]")
    type_like_a_person(page, "体质")
    expected = rows_matching(page, "体质")
    assert 0 < len(expected) < 66
    assert page.evaluate(VISIBLE_TASKS) == expected
    assert count_text(page) == f"显示 {len(expected)} / 66 项"
    assert query_of(page.url) == {"q": ["体质"]}
    # spaces and punctuation width do not matter: the data spell "2021年开始, 长期坚持" and "…,长期坚持"
    page.fill("input[data-kb-keyword]", "2021年开始，长期 坚持")
    both = rows_matching(page, "2021年开始长期坚持")
    assert page.evaluate(VISIBLE_TASKS) == both
    deadlines = set(page.eval_on_selector_all("#kb-tasks tbody tr:not([hidden])",
                                              "trs => trs.map(tr => tr.dataset.deadline)"))
    assert {"2021年开始, 长期坚持", "2021年开始,长期坚持"} <= deadlines
    page.fill("input[data-kb-keyword]", "２０３０年底前")  # full-width digits
    assert page.evaluate(VISIBLE_TASKS) == ["6"]
    assert query_of(page.url) == {"q": ["２０３０年底前"]}
    page.fill("input[data-kb-keyword]", "")
    assert count_text(page) == "显示 66 / 66 项"
    assert urlsplit(page.url).query == ""


def test_the_keyword_works_with_the_other_filters_and_the_sort(tab, base):
    page = tab().open(base + TASKS)
    page.select_option("select[data-kb-filter=unit]", "县教育局")
    page.fill("input[data-kb-keyword]", "评价")
    with_unit = page.evaluate(VISIBLE_TASKS)
    assert with_unit and set(with_unit) < set(rows_matching(page, "评价"))
    assert query_of(page.url) == {"unit": ["县教育局"], "q": ["评价"]}
    page.check("input[data-kb-filter=lead]")
    lead = page.evaluate(VISIBLE_TASKS)
    assert lead and set(lead) <= set(with_unit)
    assert query_of(page.url) == {"unit": ["县教育局"], "q": ["评价"], "lead": ["1"]}
    page.click("#kb-tasks th:first-child")  # the number column sorts: ascending → descending
    if page.evaluate(VISIBLE_TASKS)[0] == lead[0] and len(lead) > 1:
        page.click("#kb-tasks th:first-child")
    assert page.evaluate(VISIBLE_TASKS) == sorted(lead, key=int, reverse=True)
    assert count_text(page) == f"显示 {len(lead)} / 66 项"
    page.uncheck("input[data-kb-filter=lead]")
    assert "lead" not in query_of(page.url)


def test_a_url_with_filters_restores_them(tab, base):
    t = tab()
    page = t.open(base + TASKS)
    page.fill("input[data-kb-keyword]", "体质")
    page.select_option("select[data-kb-filter=unit]", "县教育局")
    page.check("input[data-kb-filter=lead]")
    shown = page.evaluate(VISIBLE_TASKS)
    assert shown
    shared = page.url
    assert query_of(shared) == {"q": ["体质"], "unit": ["县教育局"], "lead": ["1"]}

    other = tab().open(base + TASKS + "?q=%E4%BD%93%E8%B4%A8&unit=%E5%8E%BF%E6%95%99%E8%82%B2%E5%B1%80&lead=1")
    assert other.input_value("input[data-kb-keyword]") == "体质"
    assert other.input_value("select[data-kb-filter=unit]") == "县教育局"
    assert other.is_checked("input[data-kb-filter=lead]")
    assert other.evaluate(VISIBLE_TASKS) == shown
    assert count_text(other) == f"显示 {len(shown)} / 66 项"
    other.goto(shared)  # the URL the first page wrote, as a bookmark
    assert other.evaluate(VISIBLE_TASKS) == shown

    # a deadline spelt with the other punctuation width selects the one merged option
    other.goto(base + TASKS + "?deadline=" + "2021年开始，长期坚持")
    picked = other.input_value("select[data-kb-filter=deadline]")
    assert norm(picked) == norm("2021年开始，长期坚持")
    deadlines = other.eval_on_selector_all("#kb-tasks tbody tr:not([hidden])", "trs => trs.map(tr => tr.dataset.deadline)")
    assert {"2021年开始, 长期坚持", "2021年开始,长期坚持"} <= set(deadlines)
    assert {norm(d) for d in deadlines} == {norm(picked)}
    # a value that is no option leaves the filter off rather than hiding every row
    other.goto(base + TASKS + "?unit=%E6%97%A0%E6%AD%A4%E5%8D%95%E4%BD%8D&q=")
    assert other.input_value("select[data-kb-filter=unit]") == ""
    assert count_text(other) == "显示 66 / 66 项"


def test_deadline_options_differ_in_more_than_punctuation_width(tab, base, site):
    built = BeautifulSoup((site / TASKS / "index.html").read_text(encoding="utf-8"), "html.parser")
    in_html = [o["value"] for o in built.select("select[data-kb-filter=deadline] option") if o["value"]]
    page = tab().open(base + TASKS)
    in_page = page.eval_on_selector_all("select[data-kb-filter=deadline] option", "os => os.map(o => o.value)")[1:]
    spellings = page.eval_on_selector_all("#kb-tasks tbody tr", "trs => trs.map(tr => tr.dataset.deadline)")
    for options in (in_html, in_page):  # merged at build time, and so still in the browser
        assert len({norm(o) for o in options}) == len(options), options
        assert {norm(o) for o in options} == {norm(s) for s in spellings}
    assert len(set(spellings)) > len(in_page)  # the data do spell one deadline two ways
    # the merged option shows every row of either spelling
    option = next(o for o in in_page if norm(o) == norm("2021年开始,长期坚持"))
    page.select_option("select[data-kb-filter=deadline]", option)
    expected = [n for n, d in zip(page.eval_on_selector_all("#kb-tasks tbody tr", "trs => trs.map(tr => "
                                                                  "tr.cells[0].textContent.trim())"), spellings)
                if norm(d) == norm(option)]
    assert page.evaluate(VISIBLE_TASKS) == expected
    assert query_of(page.url) == {"deadline": [option]}


CARD_GEOMETRY = """() => {
  const rows = Array.from(document.querySelectorAll('#kb-tasks tbody tr')).filter(tr => !tr.hidden);
  return rows.map(tr => {
    const r = tr.getBoundingClientRect();
    const cells = Array.from(tr.cells).filter(td => td.textContent.trim()).map(td => {
      const b = td.getBoundingClientRect();
      return {left: b.left, top: b.top, bottom: b.bottom, width: b.width,
              em: parseFloat(getComputedStyle(td).fontSize), display: getComputedStyle(td).display};
    });
    return {n: tr.cells[0].textContent.trim(), left: r.left, width: r.width, cells};
  });
}"""


def test_phone_shows_the_tasks_as_cards(tab, base):
    t = tab(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = t.open(base + TASKS)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    rows = page.evaluate(CARD_GEOMETRY)
    assert len(rows) == 66
    for row in rows:
        assert row["width"] >= 0.85 * 390, row  # a card spans the content column
        cells = row["cells"]
        assert len(cells) >= 4, row  # number, text, units, deadline (the part when there is one)
        for above, below in zip(cells, cells[1:]):  # stacked: each cell starts below the one before
            assert below["top"] >= above["bottom"] - 1, (row["n"], above, below)
        for cell in cells:
            assert cell["display"] == "block"
            assert cell["width"] >= 12 * cell["em"], (row["n"], cell)  # a readable line, not a sliver
            assert cell["left"] >= row["left"] - 1
    # the filters and the sort still work on cards
    page.fill("input[data-kb-keyword]", "体质")
    assert page.evaluate(VISIBLE_TASKS) == rows_matching(page, "体质")
    page.fill("input[data-kb-keyword]", "")
    page.click("#kb-tasks th:first-child")
    if page.evaluate(VISIBLE_TASKS)[0] == "1":
        page.click("#kb-tasks th:first-child")
    assert page.evaluate(VISIBLE_TASKS)[0] == "67"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    # on a desktop it stays a table: a row's cells side by side
    wide = tab(viewport={"width": 1280, "height": 900}).open(base + TASKS)
    first = wide.evaluate(CARD_GEOMETRY)[0]["cells"]
    assert len({round(c["top"]) for c in first}) == 1
    assert {c["display"] for c in first} == {"table-cell"}


def test_negative_list_keyword_filter(tab, base):
    page = tab().open(base + NEGATIVE)
    all_rows = page.evaluate(VISIBLE_NEGATIVE)
    total = len(set(all_rows))
    assert count_text(page) == f"显示 {total} / {total} 条"
    page.click("input[data-kb-keyword]")
    type_like_a_person(page, "状元")  # one prohibition (tasks 10-12 and the national plan state it): one row
    shown = page.evaluate(VISIBLE_NEGATIVE)
    assert shown == ["ty-10"]
    assert count_text(page) == f"显示 1 / {total} 条"
    assert query_of(page.url) == {"q": ["状元"]}
    # only the groups with a row left show, their headings too
    headings = page.eval_on_selector_all("#kb-negative h2, #kb-negative h3",
                                         "hs => hs.filter(h => h.getClientRects().length).map(h => h.id)")
    assert headings and all(h.startswith("ban") for h in headings)
    page.fill("input[data-kb-keyword]", "国(境)外")  # half-width brackets; the data have both widths
    shown = set(page.evaluate(VISIBLE_NEGATIVE))
    assert {"ty-54", "np-ban-5"} <= shown
    texts = page.eval_on_selector_all("#kb-negative tbody tr:not([hidden])", "trs => trs.map(tr => tr.textContent)")
    assert all("国境外" in norm(x) for x in texts)
    # the URL restores it
    other = tab().open(base + NEGATIVE + "?q=%E7%8A%B6%E5%85%83")
    assert other.input_value("input[data-kb-keyword]") == "状元"
    assert other.evaluate(VISIBLE_NEGATIVE) == ["ty-10"]
    other.fill("input[data-kb-keyword]", "没有这样的条目")
    assert count_text(other) == f"显示 0 / {total} 条"
    assert other.eval_on_selector_all("#kb-negative h2", "hs => hs.filter(h => h.getClientRects().length).length") == 0


@pytest.mark.parametrize("width", [1280, 390])
def test_filtered_list_pages_are_axe_clean(tab, base, width):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    t = tab(viewport={"width": width, "height": 900})
    problems = []
    for rel in (TASKS, TASKS + "?q=%E8%AF%84%E4%BB%B7&unit=%E5%8E%BF%E6%95%99%E8%82%B2%E5%B1%80&lead=1",
                NEGATIVE, NEGATIVE + "?q=%E5%8D%87%E5%AD%A6"):
        page = t.open(base + rel)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append((rel, v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]))
    assert problems == []


def test_the_list_rules_are_in_place(tab, base):
    """Whether they come from kb-lists.css or, once merged, kb.css: a hidden row takes no room."""
    page = tab(viewport={"width": 390, "height": 844}).open(base + TASKS)
    page.fill("input[data-kb-keyword]", "体质")
    hidden = page.eval_on_selector_all("#kb-tasks tbody tr[hidden]", "trs => trs.map(tr => getComputedStyle(tr).display)")
    assert hidden and set(hidden) == {"none"}
    assert Path(LIST_CSS).is_file() or "kb-cards" in (ROOT / "docs" / "assets" / "kb.css").read_text(encoding="utf-8")
