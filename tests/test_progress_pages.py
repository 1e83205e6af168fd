"""Progress on the pages (issue 16): a real build of the data with the test progress (tests/fixtures/progress/,
invented reports; the real site has none) shows each unit's reports on the task pages, the latest status on
unit pages, a status column, filter and summaries on the list page, and the lists' progress on the hubs and
the home page; progress entries are searched and exported. The real site shows its plain empty states."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from bs4 import BeautifulSoup

from browser import serve
from conftest import ROOT, build_site
from kb.assemble import load_corpus
from kb.search import SearchIndex

FIXTURE = ROOT / "tests" / "fixtures" / "progress"
LIST = "tasks/taoyuan-2022/"


@pytest.fixture(scope="module")
def progress_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("progress") / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(FIXTURE, data / "progress")
    return data


@pytest.fixture(scope="module")
def with_progress(progress_data):
    site = progress_data.parent / "site"
    result = build_site(site, KB_DATA=str(progress_data))
    assert result.returncode == 0, result.stderr
    assert [ln for ln in result.stderr.splitlines() if "WARNING" in ln] == []
    return site


def article(site, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("article")


def cells(tr) -> list[str]:
    return [td.get_text(" ", strip=True) for td in tr.find_all("td")]


def test_a_task_page_shows_each_units_reports_over_time(with_progress):
    page = article(with_progress, LIST + "1")
    units = [h.get_text(" ", strip=True) for h in page.select("h3[id^=progress-]")]
    assert units == ["县委办 牵头 已完成 2024年6月30日", "县政府办 未填报", "县教育局 推进中 2024年6月30日"]
    lead = page.select_one("#progress-ty-xwb").find_next("table")
    assert [cells(tr) for tr in lead.select("tbody tr")] == [
        ["2024年3月31日", "推进中", "县委常委会一季度专题研究教育工作1次。", "", "", "县委办，测试甲"],
        ["2024年6月30日", "已完成", "上半年专题研究教育工作2次，主要领导到学校上思政课1次。", "会议纪要2份", "", "县委办，测试甲"]]
    assert [tr["id"] for tr in lead.select("tbody tr")] == ["p-ty-xwb-2024-03-31", "p-ty-xwb-2024-06-30"]
    assert page.select_one("#progress-ty-zfb").find_next("p").get_text() == "尚未填报。"
    # a report's own line breaks stay (white-space: pre-line), its text is text
    multi = article(with_progress, LIST + "8").select_one("#p-ty-jyj-2024-06-30 td.kb-lines")
    assert multi.get_text() == "经费保障方案起草中，第一稿已征求意见。\n第二稿待县财政局会签。"
    assert "尚无进展填报" in article(with_progress, LIST + "5").get_text()


def test_a_unit_page_shows_its_tasks_latest_status(with_progress, corpus):
    page = article(with_progress, "units/ty-jyj")
    rows = {tr.td.get_text(strip=True): tr for tr in page.select("table tbody tr")}
    lead, support = corpus.tasks_of_unit("ty-jyj")
    assert len(rows) == len(lead) + len(support)
    assert cells(rows["任务8"])[-1] == "推进中 2024年6月30日"
    assert rows["任务8"].find_all("td")[-1].a["href"].endswith("tasks/taoyuan-2022/8/#progress-ty-jyj")
    assert cells(rows["任务1"])[-1] == "推进中 2024年6月30日"  # its own report, though 县委办 leads task 1
    assert {cells(tr)[-1] for n, tr in rows.items() if n not in ("任务1", "任务8")} == {"未填报"}
    assert [th.get_text() for th in page.select("table thead tr")[0].find_all("th")][-1] == "最新进展"


def test_the_list_page_has_a_status_column_filter_and_summaries(with_progress):
    page = article(with_progress, LIST)
    statuses = {tr.td.get_text(strip=True): tr["data-status"] for tr in page.select("#kb-tasks tbody tr")}
    assert {n: s for n, s in statuses.items() if s != "未填报"} == {"1": "已完成", "2": "长期坚持", "8": "推进中"}
    assert len(statuses) == 66  # task 3: only its supporting 县政府办 reported; the status is its lead's
    options = [o["value"] for o in page.select("select[data-kb-filter=status] option")]
    assert options == ["", "未启动", "推进中", "已完成", "长期坚持", "未填报"]
    meta = page.select_one(".kb-meta").get_text(" ", strip=True)
    assert "落实进展 推进中 1 已完成 1 长期坚持 1 未填报 63" in meta
    by_status, by_section, by_unit = page.select("div.kb-progress-summary table")
    assert cells(by_status.select_one("tbody tr")) == ["全部任务", "0", "1", "1", "1", "63", "66"]
    sections = {cells(tr)[0]: cells(tr)[1:] for tr in by_section.select("tbody tr")}
    assert sections["一"] == ["0", "1", "1", "1", "10", "13"] and sections["二"][-1] == "12"
    units = {cells(tr)[0]: cells(tr)[1:] for tr in by_unit.select("tbody tr")}
    assert units["县政府办"] == ["1", "0", "0", "0", "4", "5"]  # its 未启动 on task 3
    assert units["县教育局"] == ["0", "2", "0", "0", "44", "46"]
    assert "3 项任务的牵头单位已填报进展，各单位共填报 6 次，最近一次 2024年6月30日" in page.get_text()


def test_hubs_and_home_show_the_lists_progress(with_progress):
    home = article(with_progress, "").get_text(" ", strip=True)
    assert "桃源县重点任务清单 （66 项；进展： 推进中 1 已完成 1 长期坚持 1 未填报 63）" in home
    hub = article(with_progress, "subjects/party-government").select_one("ul.kb-hub-progress").get_text(" ", strip=True)
    assert hub == "桃源县重点任务清单 ：评价主体为“党委和政府”的任务 13 项，进展： 推进中 1 已完成 1 长期坚持 1 未填报 10"
    assert "进展： 推进中 1 已完成 1 长期坚持 1 未填报 63" in article(with_progress, "tasks").get_text(" ", strip=True)


def test_progress_is_searched_and_exported(with_progress, progress_data):
    corpus = load_corpus(progress_data, progress_data.parent)
    hits = SearchIndex.from_corpus(corpus).search("第二稿待县财政局会签").hits
    assert hits[0].id == "taoyuan-2022/8/ty-jyj-2024-06-30" and hits[0].kind == "progress"
    assert hits[0].url == "tasks/taoyuan-2022/8/#p-ty-jyj-2024-06-30"
    assert hits[0].group == "湖南省常德市桃源县·桃源县重点任务清单"
    records = json.loads((with_progress / "downloads" / "kb.json").read_text(encoding="utf-8"))["records"]
    progress = [r for r in records if r["kind"] == "progress"]
    assert len(progress) == 6
    first = next(r for r in progress if r["id"] == "taoyuan-2022/1/ty-xwb-2024-06-30")
    assert {k: first[k] for k in ("task", "unit", "date", "status", "evidence", "url")} == {
        "task": "taoyuan-2022/1", "unit": "县委办", "date": "2024-06-30", "status": "已完成", "evidence": "会议纪要2份",
        "url": "tasks/taoyuan-2022/1/#p-ty-xwb-2024-06-30"}
    rows = list(csv.DictReader(io.StringIO((with_progress / "downloads" / "progress.zh.csv").read_text("utf-8-sig"))))
    assert len(rows) == 6 and rows[1]["进展"] == "已完成" and rows[1]["责任单位"] == "县委办"
    assert rows[1]["日期"] == "2024-06-30" and rows[1]["存在问题"] == ""


def test_the_real_site_shows_plain_empty_states(site, corpus):
    assert not corpus.of_kind("progress") and not (ROOT / "data" / "progress").exists()
    page = article(site, LIST)
    assert not page.select("select[data-kb-filter=status]") and not page.select("#kb-tasks tr[data-status]")
    assert [th.get_text() for th in page.select("#kb-tasks thead th")][-1] == "完成时限"
    assert page.select_one("#progress").find_next("p").get_text() == "尚无进展填报。"
    assert "落实进展 尚无进展填报" in page.select_one(".kb-meta").get_text(" ", strip=True)
    task = article(site, LIST + "1")
    assert task.select_one("#progress").find_next("p").get_text() == "尚无进展填报。"
    assert not task.select("div.kb-progress table")
    unit = article(site, "units/ty-jyj")
    assert "本单位尚无进展填报" in unit.get_text() and "最新进展" not in unit.get_text()
    assert "（66 项；尚无进展填报）" in article(site, "").get_text(" ", strip=True).replace(" ；", "；")
    hub = article(site, "subjects/schools").select_one("ul.kb-hub-progress").get_text(" ", strip=True)
    assert hub.endswith("尚无进展填报")
    for folder in ("tasks", "units", "subjects"):  # no status shown anywhere: none was reported
        for path in (site / folder).rglob("index.html"):
            assert 'class="kb-status' not in path.read_text(encoding="utf-8"), path
    rows = list(csv.reader(io.StringIO((site / "downloads" / "progress.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1  # the columns, no rows


# --- in the browser: the status filter and the sort by deadline ------------------------------------------

VISIBLE = "() => Array.from(document.querySelectorAll('#kb-tasks tbody tr')).filter(r => !r.hidden)" \
          ".map(r => r.cells[0].textContent.trim())"


def test_the_status_filter_and_the_deadline_sort_in_chromium(with_progress, chromium):
    with serve(with_progress) as base:
        page = chromium.new_page()
        page.goto(base + LIST)
        page.select_option("select[data-kb-filter=status]", "已完成")
        assert page.evaluate(VISIBLE) == ["1"]
        assert page.inner_text(".kb-count") == "显示 1 / 66 项"
        assert "status=%E5%B7%B2%E5%AE%8C%E6%88%90" in page.url
        page.select_option("select[data-kb-filter=status]", "未填报")
        assert len(page.evaluate(VISIBLE)) == 63
        page.select_option("select[data-kb-filter=status]", "")
        page.click("#kb-tasks thead th:nth-child(5)")  # 完成时限: earliest first
        keys = page.eval_on_selector_all("#kb-tasks tbody tr td:nth-child(5)", "tds => tds.map(td => +td.dataset.sort)")
        if keys != sorted(keys):
            page.click("#kb-tasks thead th:nth-child(5)")
            keys = page.eval_on_selector_all("#kb-tasks tbody tr td:nth-child(5)",
                                             "tds => tds.map(td => +td.dataset.sort)")
        assert keys == sorted(keys) and keys[0] == 20221231
        first = page.eval_on_selector_all("#kb-tasks tbody tr", "trs => trs.slice(0, 4).map(tr => tr.cells[4].textContent)")
        assert [t[:7] for t in first] == ["2022年底前", "2022年底前", "2025年底前", "2030年底前"]
        page.goto(base + LIST + "?status=%E6%8E%A8%E8%BF%9B%E4%B8%AD")  # a shared link restores the filter
        assert page.evaluate(VISIBLE) == ["8"]
        page.close()
