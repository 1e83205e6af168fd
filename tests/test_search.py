"""Chinese full-text search: the same query set in the real site (Chromium) and through the CLI."""
from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml

import kb.search
from browser import CHROMIUM, CHROMIUM_ARGS, serve, timed_search
from conftest import ROOT
from kb.forked import Forked
from kb.routes import url as url_of  # noqa: E402
from kb.search import SEPARATOR, CliSearch, index_documents, segment_text

QUERIES = yaml.safe_load((ROOT / "tests" / "search_queries.yml").read_text(encoding="utf-8"))["queries"]
RESULTS_FILE = ROOT / "tests" / ".search-timings.json"


def test_background_index_gives_the_same_documents(corpus):
    """The build segments the records in a forked process while the pages render."""
    background = Forked(index_documents, corpus)
    assert background.child is not None and background.child.pid
    assert background.result() == index_documents(corpus)
    assert background.child is None  # joined


def test_background_index_failure_is_reported_not_lost(corpus, monkeypatch):
    def broken(corpus, dir_urls=True):
        raise ValueError("segmenter exploded")
    monkeypatch.setattr(kb.search, "index_documents", broken)
    with pytest.raises(RuntimeError, match="segmenter exploded"):
        Forked(kb.search.index_documents, corpus).result()


def test_forked_work_can_be_sent_one_message_later():
    """The search process segments first, then waits for the path of Material's index."""
    work = Forked(lambda first, inbox: first + inbox()["then"], 1, inbox=True)
    work.send({"then": 2})
    assert work.result() == 3


def test_background_index_of_a_failed_build_is_stopped(corpus):
    background = Forked(index_documents, corpus)
    child = background.child
    background.cancel()
    assert not child.is_alive() and background.child is None


def test_query_set_is_large_and_valid(corpus):
    assert len(QUERIES) >= 30
    for item in QUERIES:
        for rid in item["expect"]:
            assert rid in corpus.entries, (item["q"], rid)


@pytest.fixture(scope="module")
def cli(corpus):
    return CliSearch(corpus)


@pytest.mark.parametrize("item", QUERIES, ids=[q["q"] for q in QUERIES])
def test_cli_recall_at_10(cli, item):
    found = [e.id for e, _ in cli.search(item["q"], limit=10)]
    assert set(item["expect"]) <= set(found), found


def test_domain_words_stay_whole(corpus):
    from kb.search import configure_jieba, domain_words
    words = domain_words(corpus)
    assert {"思政课", "立德树人", "双师型", "教联体", "五唯", "小学化", "学分银行", "体质监测"} <= set(words)
    configure_jieba(words)
    assert "立德树人" in segment_text("落实立德树人根本任务").split("\u200b")
    assert "思政课" in "".join(segment_text("为师生上思政课").split("\u200b")[-1:])
    # no lone Han character becomes a token (it would capture the worker's query segmentation)
    for text in ("加强对中小学校的监管", "第3项、县教育局"):
        assert all(len(t) > 1 or not re.match(r"[\u4e00-\u9fff]", t) for t in segment_text(text).split("\u200b"))


def test_cli_command_prints_ranked_records_with_urls():
    env = {"PYTHONPATH": str(ROOT / "hooks"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "kb", "search", "体质监测"], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout.splitlines()
    assert any("tasks/taoyuan-2022/44/" in ln and "重点任务" in ln for ln in out[:10])
    assert any("projects/hubei-2024/15/" in ln for ln in out[:10])


def test_built_index_uses_the_same_documents(site, corpus):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["separator"] == SEPARATOR
    assert index["config"]["lang"] == ["zh"]
    assert set(index["config"]["fields"]) == {"title", "text", "tags", "keywords"}
    locations = [d["location"] for d in index["docs"]]
    assert len(locations) == len(set(locations))
    for e in corpus.of_kind("task"):
        assert url_of(e) in locations
    from mkdocs.config import load_config
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert config.plugins["material/search"].config.separator == SEPARATOR


def _result_ids(page, corpus) -> list[str]:
    by_url = {url_of(e): e.id for e in corpus.entries.values()}
    ids = []
    for a in page.query_selector_all("li.md-search-result__item > a")[:10]:
        parts = urlsplit(a.get_attribute("href"))
        key = parts.path.lstrip("/") + (f"#{parts.fragment}" if parts.fragment else "")
        ids.append(by_url.get(key, key))
    return ids


@pytest.fixture(scope="module")
def browser_page(site):
    from playwright.sync_api import sync_playwright
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base)
        page.wait_for_function("() => document.querySelector('.md-search__input') !== null")
        yield page
        browser.close()


def test_site_search_recall_at_10_in_chromium(browser_page, corpus):
    page = browser_page
    misses, timings = [], []
    for item in QUERIES:
        page.click(".md-search__input")
        page.fill(".md-search__input", "")
        page.wait_for_function("() => !document.querySelector('.md-search-result__list').children.length")
        timings.append(timed_search(page, item["q"]))
        found = _result_ids(page, corpus)
        missing = [r for r in item["expect"] if r not in found]
        if missing:
            misses.append((item["q"], missing, found))
        # the record's kind is shown and the matched words are highlighted
        first = page.query_selector("li.md-search-result__item")
        assert first is not None, (item["q"], page.input_value(".md-search__input"))
        assert first.query_selector(".md-tag"), item["q"]
        if not re.search(r"\d", item["q"]):  # numbers match the hidden keywords field: nothing to mark
            assert page.query_selector(".md-search-result mark"), item["q"]
    RESULTS_FILE.write_text(json.dumps({"median_ms": statistics.median(timings), "max_ms": max(timings),
                                        "queries": len(timings)}), encoding="utf-8")
    assert misses == []


def test_result_shows_title_and_kind(browser_page):
    page = browser_page
    page.click(".md-search__input")
    page.fill(".md-search__input", "")
    timed_search(page, "任务44")
    item = page.query_selector("li.md-search-result__item")
    assert "任务44" in item.inner_text().replace("\u200b", "") and item.query_selector(".md-tag").inner_text() == "重点任务"
