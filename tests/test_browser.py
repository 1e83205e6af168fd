"""Works for every reader, proved in Debian's Chromium: journeys, no outside requests, accessibility,
phones, print, the offline edition (publishing with nginx: test_publish.py)."""
from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browser import type_like_a_person
from conftest import ROOT

SHOTS = ROOT / "tests" / "screenshots"  # written for people to look at; not committed
A11Y_PAGES = ["", "subjects/party-government/", "subjects/schools/", "subjects/teachers/", "subjects/students/",
              "subjects/employers/", "subjects/general/", "documents/hubei-2024/", "projects/hubei-2024/15/",
              "tasks/taoyuan-2022/44/", "units/ty-jyj/", "negative/ty-10/", "cases/sample-xx/",
              "forms/hubei-2024-application/", "glossary/wuwei/", "tasks/taoyuan-2022/", "downloads/",
              "glossary/", "negative/", "changes/", "negative/np-ban-6/", "tasks/taoyuan-2022/11/",
              "projects/hubei-2024/", "forms/chongqing-2-template/", "documents/chongqing-cases-2/",
              "documents/hubei-2024/original/"]


def path_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def test_journey_hub_task_project_and_back(chromium, base):
    page = chromium.new_page()
    page.goto(base)
    page.click("article a[href$='subjects/students/']")  # the home page's 按评价主体 card
    assert path_of(page.url) == "subjects/students/"
    page.click("article a[href$='tasks/taoyuan-2022/44/']")
    assert path_of(page.url) == "tasks/taoyuan-2022/44/"
    assert "县教育局" in page.inner_text("article")
    page.click("article a[href$='projects/hubei-2024/15/']")
    assert path_of(page.url) == "projects/hubei-2024/15/"
    assert "体育考查机制" in page.inner_text("article h2 + p")
    page.go_back()
    assert path_of(page.url) == "tasks/taoyuan-2022/44/"
    page.close()


def test_journey_search_to_result(chromium, base):
    page = chromium.new_page()
    page.goto(base)
    page.click(".md-search__input")
    type_like_a_person(page, "双师型")
    page.wait_for_selector("li.md-search-result__item > a[href*='projects/hubei-2024/10/']")
    page.click("li.md-search-result__item > a[href*='projects/hubei-2024/10/']")
    page.wait_for_url(re.compile(r"projects/hubei-2024/10/"))
    assert "双师型" in page.inner_text("article")
    page.close()


def test_journey_download_a_form(chromium, base, site):
    page = chromium.new_page(accept_downloads=True)
    page.goto(base)
    page.click("nav.md-tabs a[href$='downloads/']")
    page.click("article a[href$='forms/hubei-2024-application/']")
    with page.expect_download() as info:
        page.click("a.kb-download")
    download = info.value
    built = (site / "downloads" / "hubei-2024-application.docx").read_bytes()
    assert Path(download.path()).read_bytes() == built
    assert download.suggested_filename.endswith(".docx")
    page.close()


def test_task_list_sorts_and_filters_in_the_browser(chromium, base, corpus):
    page = chromium.new_page()
    page.goto(base + "tasks/taoyuan-2022/")
    visible = lambda: page.eval_on_selector_all(  # noqa: E731
        "#kb-tasks tbody tr:not([hidden]) td:first-child", "tds => tds.map(td => td.textContent.trim())")
    assert len(visible()) == 66
    page.select_option("select[data-kb-filter=unit]", "县卫健委")
    assert visible() == ["44"]
    page.select_option("select[data-kb-filter=unit]", "县财政局")
    assert visible() == ["8", "24", "33", "34", "35", "58"]
    page.check("input[data-kb-filter=lead]")
    assert visible() == []
    page.uncheck("input[data-kb-filter=lead]")
    page.select_option("select[data-kb-filter=unit]", "")
    page.select_option("select[data-kb-filter=subject]", "用人")
    assert visible() == ["53", "54", "55", "56", "57"]
    page.select_option("select[data-kb-filter=subject]", "")
    page.select_option("select[data-kb-filter=deadline]", "2030年底前")
    assert visible() == ["6"]
    page.select_option("select[data-kb-filter=deadline]", "")
    page.click("#kb-tasks th:first-child")  # sort by number, descending after ascending
    first = visible()[0]
    page.click("#kb-tasks th:first-child") if first == "1" else None
    assert visible()[0] == "67"
    assert "显示 66 / 66 项" in page.inner_text(".kb-count")
    page.close()


def test_word_counter_counts_like_word(chromium, base):
    """Chinese characters and full-width punctuation count one each, a run of Latin letters or digits one."""
    page = chromium.new_page()
    page.goto(base + "forms/hubei-2024-application/")
    counters = page.query_selector_all(".kb-wordcount")
    assert [c.get_attribute("data-limit") for c in counters] == ["500", "2000", "500"]
    box = counters[0].query_selector("textarea")
    box.fill("试点工作基础，2024年 AI 评价。")  # 9 Chinese + 2 marks + "2024" + "AI"
    assert counters[0].query_selector("output").inner_text() == "13 / 500 字"
    box.fill("字" * 501)
    assert "超出 1 字" in counters[0].query_selector("output").inner_text()
    assert "kb-over" in counters[0].get_attribute("class")
    page.goto(base + "forms/chongqing-2-template/")
    assert page.get_attribute(".kb-wordcount", "data-limit") == "3000"
    page.close()


def test_no_request_leaves_the_site(chromium, base, site):
    """Open every page of the built site; any request to another host fails the test."""
    page = chromium.new_page()
    outside: list[tuple[str, str]] = []
    current = {"page": ""}

    def check(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            outside.append((current["page"], route.request.url))
            route.abort()

    page.route("**/*", check)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    for rel in pages:
        current["page"] = rel
        page.goto(base + rel, wait_until="load")
    # the search loads its index files as needed: exercise it too (tests/test_search_browser.py: more)
    page.goto(base)
    page.click(".md-search__input")
    type_like_a_person(page, "思政课")
    page.wait_for_selector("li.md-search-result__item")
    page.close()
    assert len(pages) > 200
    assert outside == []


def test_accessibility_axe_core(chromium, base):
    from axe_playwright_python.sync_playwright import Axe
    axe = Axe()
    page = chromium.new_page()
    problems = []
    for rel in A11Y_PAGES:
        page.goto(base + rel)
        result = axe.run(page)
        for v in result.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append((rel, v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]))
    page.close()
    assert problems == []


def test_keyboard_reaches_search_and_downloads(chromium, base):
    page = chromium.new_page()
    page.goto(base)
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate("() => { const e = document.activeElement; return [e.tagName, e.className, "
                             "e.getAttribute('href') || '', e.getAttribute('for') || ''] }")
        if "md-search__input" in info[1] or info[3] == "__search":
            reached.add("search")
        if info[2].endswith("downloads/"):
            reached.add("downloads")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"downloads/$"))
            break
    assert reached == {"search", "downloads"}
    page.keyboard.press("/")  # Material's shortcut (kept by assets/kb-search.js) focuses the search box
    assert page.evaluate("() => document.activeElement.classList.contains('md-search__input')")
    page.close()


PHONE_PAGES = ["", "subjects/students/", "tasks/taoyuan-2022/44/", "tasks/taoyuan-2022/", "units/ty-jyj/",
               "forms/hubei-2024-application/", "forms/hubei-2024-summary/", "cases/sample-xx/", "negative/",
               "documents/hubei-2024/", "documents/taoyuan-2022/original/", "downloads/", "glossary/"]


def test_phone_width_never_scrolls_sideways(chromium, base):
    SHOTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                             has_touch=True)
    wide = []
    for rel in PHONE_PAGES:
        page.goto(base + rel)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 375:
            wide.append((rel, width))
        if rel in ("", "subjects/students/", "tasks/taoyuan-2022/44/", "tasks/taoyuan-2022/"):
            name = rel.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
    # body text is readable: at least 14 px
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.md-typeset')).fontSize)")
    page.close()
    assert wide == []
    assert size >= 14
    desktop = chromium.new_page(viewport={"width": 1280, "height": 900})
    for rel in ("", "subjects/students/", "tasks/taoyuan-2022/44/", "tasks/taoyuan-2022/"):
        desktop.goto(base + rel)
        desktop.screenshot(path=str(SHOTS / f"desktop-{rel.strip('/').replace('/', '_') or 'home'}.png"))
    desktop.close()


@pytest.mark.parametrize("rel", ["tasks/taoyuan-2022/44/", "tasks/taoyuan-2022/"])
def test_print_shows_content_without_chrome(chromium, base, rel, tmp_path):
    page = chromium.new_page()
    page.goto(base + rel)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-tabs', '.md-sidebar--primary', '.md-footer', '.md-search',
        '.kb-filters'].map(s => document.querySelector(s)).filter(Boolean)
        .map(e => getComputedStyle(e).display)""")
    assert hidden and all(d == "none" for d in hidden)
    SHOTS.mkdir(exist_ok=True)
    pdf = SHOTS / f"print-{rel.strip('/').replace('/', '_')}.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "按评价主体" not in text and "搜索" not in text  # no tabs, no search box
    if rel.endswith("44/"):
        assert "体质监测和专项运动技能测试" in text and "县教育局" in text
    else:
        assert "建立日常参与" in text and "县人社局" in text and "2030年底前" in text


def test_offline_edition_works_from_file_urls(chromium, tmp_path):
    env = {**os.environ, "KB_OFFLINE": "true", "NO_MKDOCS_2_WARNING": "1"}
    dest = tmp_path / "offline"
    subprocess.run([str(Path(os.sys.executable).parent / "mkdocs"), "build", "--strict", "-q", "-d", str(dest)],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    from kb.downloads.common import zip_folder
    archive = tmp_path / "kb-offline.zip"
    zip_folder(dest, archive)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "unzipped")
    root = tmp_path / "unzipped" / "评价改革知识库"
    assert (root / "search" / "meta.js").is_file()
    page = chromium.new_page(accept_downloads=True)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto((root / "index.html").as_uri())
    page.click("article a[href$='subjects/students.html']")
    page.click("article a[href$='tasks/taoyuan-2022/44.html']")
    assert "县教育局" in page.inner_text("article")
    page.click(".md-search__input")
    type_like_a_person(page, "体质监测")
    page.wait_for_selector("li.md-search-result__item > a[href*='projects/hubei-2024/15.html']", timeout=15_000)
    page.goto((root / "forms" / "hubei-2024-summary.html").as_uri())
    href = page.get_attribute("a.kb-download", "href")
    assert (root / "forms" / href).resolve().read_bytes()[:2] == b"PK"
    page.goto((root / "tasks" / "taoyuan-2022" / "index.html").as_uri())
    first = page.eval_on_selector("#kb-tasks tbody tr a", "a => a.getAttribute('href')")
    assert first.endswith(".html")
    assert (root / "tasks" / "taoyuan-2022" / first).resolve() == (root / "tasks" / "taoyuan-2022" / "1.html").resolve()
    page.close()
    assert outside == []


def test_downloads_page_offers_the_offline_edition(tmp_path):
    archive = tmp_path / "kb-offline.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip stands in for the offline build here
    env = {**os.environ, "KB_OFFLINE_ZIP": str(archive)}
    dest = tmp_path / "site"
    result = subprocess.run([str(Path(os.sys.executable).parent / "mkdocs"), "build", "--strict", "-q", "-d",
                             str(dest)], cwd=ROOT, env={**env, "NO_MKDOCS_2_WARNING": "1"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (dest / "downloads" / "kb-offline.zip").read_bytes() == archive.read_bytes()
    assert 'href="kb-offline.zip"' in (dest / "downloads" / "index.html").read_text(encoding="utf-8")
