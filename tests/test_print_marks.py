"""Print and restored characters, proved in Debian's Chromium on the real build.

A printed page names the site, its address and the print date (overrides/main.html's print head, filled
by assets/kb.js); no printed page holds only the 上一项/下一项 links; list tables print with their header
row on every page and no sort icons or filters. Restored characters (〖县〗 in the data) are marked
quietly and unlike search highlights, and the first on a page links to the explanation on the about page.
"""
from __future__ import annotations

import re
import subprocess
from urllib.parse import unquote, urlsplit

import pytest

TASK = "tasks/taoyuan-2022/44/"          # no restored character
TASK_RESTORED = "tasks/taoyuan-2022/1/"  # 县 restored six times
TASK_LIST = "tasks/taoyuan-2022/"
CN_DATE = re.compile(r"打印日期：\d{4}年\d{1,2}月\d{1,2}日")


@pytest.fixture
def page(chromium):
    page = chromium.new_page()
    yield page
    page.close()


def pdf_pages(page, path) -> list[str]:
    """The page printed to A4 as the existing print test does, and pdftotext's text of each printed page."""
    page.pdf(path=str(path), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(path), "-"],
                           capture_output=True, text=True, check=True).stdout for i in range(1, n + 1)]


def today_in_page(page) -> str:
    return page.evaluate("() => { const d = new Date(); "
                         "return d.getFullYear() + '年' + (d.getMonth() + 1) + '月' + d.getDate() + '日'; }")


def test_print_head_shows_site_address_and_date(page, base):
    page.goto(base + TASK)
    head = page.locator(".kb-print-head")
    assert head.evaluate("e => getComputedStyle(e).display") == "none"  # on screen: not there
    page.emulate_media(media="print")
    assert head.evaluate("e => getComputedStyle(e).display") == "block"
    text = head.inner_text()
    assert "评价改革知识库" in text
    assert "网址：" + base + TASK in text
    assert CN_DATE.search(text) and today_in_page(page) in text


def test_print_head_address_follows_the_filters(page, base):
    """The address is taken again just before printing: a filtered list prints the filtered view's address."""
    page.goto(base + TASK_LIST)
    page.fill("[data-kb-keyword]", "体育")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    text = page.locator(".kb-print-head").inner_text()
    assert "网址：" + base + TASK_LIST + "?q=体育" in text


@pytest.mark.parametrize("rel", [TASK, TASK_RESTORED, "projects/hubei-2024/15/", "negative/ty-10/"])
def test_printed_pages_never_hold_only_navigation(page, base, rel, tmp_path):
    page.goto(base + rel)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-footer', '.md-footer__inner', '.kb-html > hr + p']
        .flatMap(s => [...document.querySelectorAll(s)]).map(e => getComputedStyle(e).display)""")
    assert hidden and set(hidden) == {"none"}
    pages = pdf_pages(page, tmp_path / "page.pdf")
    whole = "\n".join(pages)
    assert "评价改革知识库" in pages[0] and base + rel in pages[0] and CN_DATE.search(pages[0])
    for nav in ("上一项", "下一项", "返回任务清单", "返回项目库", "返回负面清单"):
        assert nav not in whole
    for text in pages:
        assert len(re.sub(r"\s+", "", text)) > 10, "a printed page with (almost) nothing on it"
    # the last page carries the record's own content, not just links to other records
    last = [ln.strip() for ln in pages[-1].splitlines() if ln.strip()]
    assert last and not all(re.match(r"^(上一项|下一项|返回)", ln) for ln in last)


def test_list_prints_headers_without_sort_icons_or_filters(page, base, tmp_path):
    page.goto(base + TASK_LIST)
    page.click("#kb-tasks th:nth-child(4)")  # sorted: tablesort marks the header aria-sort
    page.click("#kb-tasks th:nth-child(1)")
    page.emulate_media(media="print")
    assert page.evaluate("() => document.querySelector('#kb-tasks th[aria-sort]') !== null")
    heads = page.evaluate("""() => [...document.querySelectorAll('#kb-tasks th')].map(th => {
        const after = getComputedStyle(th, '::after'), before = getComputedStyle(th, '::before');
        return [after.content, before.content, getComputedStyle(th).display]; })""")
    assert len(heads) == 5
    for after, before, display in heads:
        assert after in ("none", "normal") and before in ("none", "normal")
        assert display == "table-cell"
    assert page.evaluate("() => getComputedStyle(document.querySelector('#kb-tasks thead')).display") \
        == "table-header-group"
    hidden = page.evaluate("""() => ['.kb-filters', '[data-kb-keyword]', '[data-kb-filter]']
        .map(s => document.querySelector(s)).map(e => e.checkVisibility())""")
    assert hidden == [False, False, False]
    pages = pdf_pages(page, tmp_path / "list.pdf")
    assert len(pages) > 1
    for text in pages:
        assert "▲" not in text and "▼" not in text and "关键词" not in text
    for text in pages[1:]:  # the header row repeats on every page the table runs on to
        assert re.search(r"编号\s*部分\s+具体改革举措\s+责任单位（首位牵头）\s+完成时限", text)


def styles(page, selector: str) -> dict:
    return page.evaluate("""s => { const c = getComputedStyle(document.querySelector(s));
        return {bg: c.backgroundColor, image: c.backgroundImage, shadow: c.boxShadow, line: c.textDecorationLine,
                style: c.textDecorationStyle, color: c.color}; }""", selector)


def test_restored_characters_are_marked_unlike_search_highlights(page, base):
    page.goto(base + TASK_RESTORED)
    # the search's marks, in the results list and on a page opened from the search (kb-search.js)
    page.evaluate("""() => {
        const li = document.createElement('li'); li.className = 'md-search-result__item';
        const m = document.createElement('mark'); m.id = 'probe-result'; m.textContent = '县';
        li.append(m); document.querySelector('.md-search-result__list').append(li);
        const hl = document.createElement('mark'); hl.className = 'kb-hl'; hl.id = 'probe-hl'; hl.textContent = '县';
        document.querySelector('#measure + p').append(hl); }""")
    restored = styles(page, "article .kb-restored")
    result, hl = styles(page, "#probe-result"), styles(page, "#probe-hl")
    term = styles(page, "article abbr.kb-term")
    transparent = "rgba(0, 0, 0, 0)"
    assert restored["bg"] == transparent and restored["image"] == "none" and restored["shadow"] == "none"
    assert result["bg"] != transparent and hl["bg"] != transparent  # the search fills its marks
    assert restored["line"] == "underline" and restored["style"] == "dashed"
    assert (restored["style"], restored["color"]) != (term["style"], term["color"])  # not a glossary term either
    assert page.locator("article mark .kb-restored, article .kb-restored mark").count() == 0


def test_first_restored_character_links_to_the_explanation(page, base):
    page.goto(base + TASK_RESTORED)
    assert page.locator("article .kb-restored").count() > 1
    links = page.locator("article sup.kb-restored-help a")
    assert links.count() == 1  # one explanation link a page, the others only marked
    assert page.evaluate("""() => { const sup = document.querySelector('article sup.kb-restored-help');
        return sup.previousElementSibling === document.querySelector('article .kb-restored'); }""")
    link = links.first
    name = link.get_attribute("aria-label")
    assert name and "补字" in name and "注" in name
    assert link.evaluate("a => getComputedStyle(a, '::before').content") == '"注"'  # what it shows
    assert link.is_visible()
    link.click()
    page.wait_for_url(re.compile(r"/about/"))
    target = urlsplit(page.url)
    assert target.path.endswith("/about/") and unquote(target.fragment) == "补字"
    heading = page.locator("[id='补字']")
    assert heading.evaluate("e => e.tagName") == "H2" and "补字" in heading.inner_text()
    assert "虚线" in page.locator("[id='补字'] + p").inner_text()
    assert page.locator("article sup.kb-restored-help").count() == 0  # the explanation itself links nowhere


def test_explanation_link_only_where_characters_were_restored(page, base):
    page.goto(base + TASK)
    assert page.locator("article .kb-restored").count() == 0
    assert page.locator("article sup.kb-restored-help").count() == 0
    page.goto(base + TASK_LIST)  # restored characters inside table cells and links
    assert page.locator("article sup.kb-restored-help a").count() == 1
    assert page.locator("article a sup.kb-restored-help").count() == 0  # never a link inside a link
    page.emulate_media(media="print")  # on paper the link is no use; the marking stays
    assert page.locator("article sup.kb-restored-help").first.evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("article .kb-restored").first.evaluate("e => getComputedStyle(e).textDecorationLine") \
        == "underline"


def test_task_pages_are_axe_clean(page, base):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    problems = []
    for rel in (TASK, TASK_RESTORED, TASK_LIST, "about/"):
        page.goto(base + rel)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append((rel, v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]))
    assert problems == []
