"""Record pages a county office trusts (issue 15, items 3, 4 and 12) on the real build, and in Debian's
Chromium at a desktop (1366 px) and a phone (390 px) width: one negative-list entry per prohibition, headed
by the prohibition; the prohibitions that bind a task under their own heading; the 湖北 项目库 linking each
item's related records; form pages that say each requirement once, and the 重庆 forms saying whose
instructions they show."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from kb.corpus import same_words
from kb.routes import url as url_of

WIDTHS = [1366, 390]
FORMS = ["forms/hubei-2024-application/", "forms/hubei-2024-summary/", "forms/chongqing-2-summary/",
         "forms/chongqing-2-template/"]


def soup_of(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def article(site: Path, url: str):
    return soup_of(site, url).select_one("article")


# --- item 3: the negative list ---------------------------------------------------------------------

def test_one_prohibition_is_one_row_of_the_negative_list(site, corpus):
    rows = article(site, "negative/").select("#kb-negative tbody tr")
    ids = [tr["data-kb-id"] for tr in rows]
    assert len(set(ids)) == len(corpus.of_kind("negative"))
    words = {}
    for tr in rows:
        w = same_words(tr.find("td").get_text())
        assert words.setdefault(w, tr["data-kb-id"]) == tr["data-kb-id"], "the same prohibition twice"
    zhuangyuan = [tr for tr in rows if "状元" in tr.get_text()]
    assert [tr["data-kb-id"] for tr in zhuangyuan] == ["ty-10"]
    assert zhuangyuan[0].find_all("td")[1].get_text() == "桃源县重点任务清单 任务10、任务11、任务12；总体方案 二(一)3"


def test_removed_entries_have_no_page_and_nothing_links_to_them(site):
    gone = ("ty-11", "ty-12", "ty-55", "ty-56", "np-ban-4", "np-ban-11")
    for rel in gone:
        assert not (site / "negative" / rel).exists()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not any(f"negative/{rel}/" in text for rel in gone), page


def test_an_entry_page_is_headed_by_its_prohibition(site, corpus):
    headings = set()
    for e in corpus.of_kind("negative"):
        soup = soup_of(site, url_of(e))
        h1 = soup.select_one("article h1").get_text()
        assert h1 == e.title and h1 in e.text.replace("。", "")
        assert soup.title.get_text().startswith(h1)
        headings.add(h1)
        kicker = soup.select_one("article .kb-kicker").get_text()
        assert kicker == f"负面清单 · {e.record.kind}类"
    assert len(headings) == len(corpus.of_kind("negative"))  # no heading shared (23 pages shared one)
    soup = soup_of(site, "negative/ty-10/")
    where = soup.select_one(".kb-meta dd:nth-of-type(2)")
    assert [a.get_text() for a in where.find_all("a")][1:4] == ["任务10", "任务11", "任务12"]
    assert "二(一)3" in where.get_text() and "深化新时代教育评价改革总体方案" in where.get_text()
    # the full text is quoted where the heading is only part of it
    np6 = soup_of(site, "negative/np-ban-6/").select_one("article")
    assert np6.find("h1").get_text() == "不得将论文数、项目数、课题经费等科研量化指标与绩效工资分配、奖励挂钩"
    assert np6.find("blockquote").get_text().startswith("突出质量导向")
    assert soup.select_one("article blockquote") is None


def test_a_task_shows_the_prohibitions_that_bind_it_under_a_heading(site, corpus):
    soup = article(site, "tasks/taoyuan-2022/11/")
    h2 = soup.find("h2", id="negatives")
    assert h2.get_text() == "本任务须遵守的负面清单"
    kinds = [h.get_text() for h in h2.find_all_next("h3") if h.get("id", "").startswith("negatives-")]
    assert kinds == ["严格禁止类", "克服纠偏类"]
    first = h2.find_next("ul", class_="kb-negatives").find("li")
    assert first.find("a").get_text() == "严禁公布、宣传、炒作中高考“状元”和升学率"
    assert first.select_one(".kb-where").get_text() == "（本任务、任务10、任务12；总体方案 二(一)3）"
    # only the task's subject, from its own list and the national plan
    listed = {a["href"].split("/")[-2] for a in soup.select("ul.kb-negatives a")}
    for nid in listed:
        n = corpus[nid]
        assert "党委和政府" in n.subjects
        assert {s.document for s in n.record.sources} & {"taoyuan-2022", "national-plan-2020"}
    assert "cq-2-2" not in listed  # 重庆's, same subject: not this task's list
    # shown once: not again among the records that link here
    cited = soup.find("h2", id="cited-by")
    assert cited is None or "状元" not in cited.find_next("ul").get_text()


# --- item 4: the 湖北 项目库 ---------------------------------------------------------------------------

def test_project_list_links_each_items_related_records(site, corpus):
    rows = article(site, "projects/hubei-2024/").select("tbody tr")
    assert len(rows) == 25
    for tr, project in zip(rows, corpus.items_of_list("hubei-2024")):
        cell = tr.find_all("td")[3]
        hrefs = [a["href"] for a in cell.find_all("a")]
        assert len(hrefs) == len(corpus.related(project.id)), project.id
        assert not cell.get_text().strip().isdigit() or hrefs
    cell15 = rows[14].find_all("td")[3]
    assert [a.get_text() for a in cell15.find_all("a")] == ["任务44", "案例：三是坚持以体健身"]
    assert cell15.find("a")["href"].endswith("tasks/taoyuan-2022/44/")


# --- item 12: forms -------------------------------------------------------------------------------

def requirement_texts(site: Path, url: str) -> list[str]:
    h2 = next(h for h in article(site, url).find_all("h2") if h.get_text() == "报送要求")
    return [li.get_text() for li in h2.find_next("ul").find_all("li", recursive=False)]


@pytest.mark.parametrize("url", FORMS)
def test_a_form_page_says_each_requirement_once(site, url):
    items = requirement_texts(site, url)
    texts = [same_words(t.split("：", 1)[1]) for t in items]
    for i, a in enumerate(texts):
        for j, b in enumerate(texts):
            if i != j:
                assert a not in b, (url, items[i], items[j])


def test_hubei_deadline_material_and_method_are_one_sentence(site):
    items = requirement_texts(site, "forms/hubei-2024-application/")
    joined = [t for t in items if t.startswith("截止时间、报送材料、报送方式：")]
    assert len(joined) == 1 and "4月19日（星期五）前" in joined[0]
    assert sum("申报书（见附件2）、申报汇总表（见附件3）" in t for t in items) == 1


@pytest.mark.parametrize("url", ["forms/chongqing-2-summary/", "forms/chongqing-2-template/",
                                 "documents/chongqing-cases-2/"])
def test_chongqing_pages_say_the_instructions_are_the_colleges_own(site, url):
    box = article(site, url).select_one(".kb-forwarded")
    text = box.get_text()
    assert box.select_one(".admonition-title").get_text() == "以下是转发单位的安排"
    for needle in ("5204办公室", "wyzykyc@163.com", "中共重庆市委教育工作领导小组秘书组", "不是市委教育工作领导小组秘书组的报送要求",
                   "本库所据原文未载"):
        assert needle in text, needle
    # the note stands above the requirements it explains
    assert box.find_next(["ul", "table"]).get_text().count("5204") == 1


# --- what a person sees, in Chromium ----------------------------------------------------------------

@pytest.fixture
def view(chromium):
    pages = []

    def make(width: int):
        pages.append(chromium.new_page(viewport={"width": width, "height": 900}))
        return pages[-1]
    yield make
    for p in pages:
        p.close()


def visible(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect(); "
                                 "return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }")


def no_sideways_scroll(page, width: int) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_entry_page_heading_and_sources_as_seen(view, base, width):
    page = view(width)
    page.goto(base + "negative/ty-10/")
    h1 = page.locator("article h1")
    assert h1.inner_text() == "严禁公布、宣传、炒作中高考“状元”和升学率"
    kicker = page.locator("article .kb-kicker")
    assert kicker.bounding_box()["y"] < h1.bounding_box()["y"]  # the list and kind stand above the heading
    # the heading is the largest text on the page
    size = lambda sel: page.eval_on_selector(sel, "e => parseFloat(getComputedStyle(e).fontSize)")  # noqa: E731
    assert size("article h1") > size("article .kb-kicker")
    assert page.locator("article .kb-meta a", has_text="任务11").is_visible()
    assert no_sideways_scroll(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_task_prohibitions_as_seen(view, base, width):
    page = view(width)
    page.goto(base + "tasks/taoyuan-2022/44/")
    heading = page.locator("h2#negatives")
    assert heading.is_visible() and heading.inner_text() == "本任务须遵守的负面清单"
    kinds = page.locator("h3[id^=negatives-]")
    assert kinds.all_inner_texts() == ["严格禁止类", "克服纠偏类", "控制限制类"]
    first = page.locator("ul.kb-negatives li").first
    assert first.locator("a").inner_text() == "严禁超课标超教学进度命题"
    # its source reads next to it, on the same line at a desktop width
    if width > 1000:
        a, where = first.locator("a").bounding_box(), first.locator(".kb-where").bounding_box()
        assert abs(a["y"] - where["y"]) < 8
    assert no_sideways_scroll(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_project_list_related_links_as_seen(view, base, width):
    page = view(width)
    page.goto(base + "projects/hubei-2024/")
    link = page.locator("tbody tr:nth-child(15) td:nth-child(4) a", has_text="任务44")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    assert no_sideways_scroll(page, width)
    # no text column narrower than a readable line: on a phone each item is a card as wide as the text
    text_width = page.eval_on_selector("tbody tr:nth-child(15) td:nth-child(2)", "e => e.getBoundingClientRect().width")
    assert text_width > 260  # fifteen characters or more
    if width < 600:
        label = page.eval_on_selector("tbody tr:nth-child(15) td:nth-child(4)",
                                      "e => getComputedStyle(e, '::before').content")
        assert label == '"对应任务、案例等："'
    link.click()
    page.wait_for_url("**/tasks/taoyuan-2022/44/")


@pytest.mark.parametrize("width", WIDTHS)
def test_chongqing_form_note_as_seen(view, base, width):
    page = view(width)
    page.goto(base + "forms/chongqing-2-template/")
    box = page.locator(".kb-forwarded")
    box.scroll_into_view_if_needed()
    assert box.is_visible()
    first_requirement = page.locator("h2:has-text('报送要求') + div + ul li").first
    assert box.bounding_box()["y"] < first_requirement.bounding_box()["y"]
    assert "5204" in box.inner_text()
    assert no_sideways_scroll(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_new_pages_are_axe_clean(view, base, width):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    page = view(width)
    problems = []
    for rel in ("negative/ty-10/", "negative/np-ban-6/", "tasks/taoyuan-2022/11/", "projects/hubei-2024/",
                "forms/chongqing-2-template/", "documents/chongqing-cases-2/", "changes/"):
        page.goto(base + rel)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append((width, rel, v["id"], [n["target"] for n in v["nodes"][:3]]))
    assert problems == []


@pytest.mark.parametrize("width", WIDTHS)
def test_original_task_table_is_readable_on_a_phone(view, base, width):
    """The 原文 page's rebuilt table: four columns on a desktop, a card a task on a phone (seen in the
    screenshots: at 390 px the text column was five characters wide)."""
    page = view(width)
    page.goto(base + "documents/taoyuan-2022/original/")
    cell = "table tbody tr:nth-child(1) td:nth-child(2)"  # (the first row's first cell is the part's title)
    display = page.eval_on_selector(cell, "e => getComputedStyle(e).display")
    text_width = page.eval_on_selector(cell, "e => e.getBoundingClientRect().width")
    assert no_sideways_scroll(page, width)
    if width < 600:
        assert display == "block" and text_width > 300
        label = page.eval_on_selector("table tbody tr:nth-child(1) td:nth-child(3)",
                                      "e => getComputedStyle(e, '::before').content")
        assert label == '"责任单位："'
    else:
        assert display == "table-cell"
