"""Listings split into pages (kb.pages.ROWS_PER_PAGE; issue 17): the real data built with a few rows a
page, so that the hubs, the unit index and the lists of lists are split as a national data set's are.
Every record stays reachable from its hub in at most three clicks, every row is on exactly one page of
its listing, and every link of the split site resolves. The filter of a split task or project list covers
the whole list: each page's rows are also a script the filter loads when it is used (over http and from
file://), holding the rows as the page shows them, data as text."""
from __future__ import annotations

import json
import posixpath
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from browser import serve
from conftest import ROOT, build_site
from kb.kinds import KINDS
from kb.routes import hub_path, index_path, part_path, rows_path, site_url
from kb.routes import url as url_of
from test_site import content, content_links, html_of, missing_links

ROWS = 4


@pytest.fixture(scope="module")
def paged(tmp_path_factory):
    dest = tmp_path_factory.mktemp("paged")
    result = build_site(dest, KB_ROWS_PER_PAGE=str(ROWS))
    assert result.returncode == 0, result.stderr
    assert [ln for ln in result.stderr.splitlines() if "WARNING" in ln] == []
    return dest


def clicks_from(site, start: str, depth: int) -> dict[str, int]:
    """Every page reachable from `start` by following links in page content, with the fewest clicks."""
    seen = {start: 0}
    todo = deque([start])
    while todo:
        url = todo.popleft()
        if seen[url] == depth:
            continue
        for target in content_links(site, url):
            page = target.split("#")[0]
            if page not in seen and (site / page / "index.html").is_file():
                seen[page] = seen[url] + 1
                todo.append(page)
    return seen


def test_the_listings_are_split(paged, corpus):
    hub = html_of(paged, "subjects/students/")
    assert hub.select("nav.kb-pager") and not content(hub).select("tbody tr a[href*='tasks/']")
    assert (paged / "units" / "_pages" / "2" / "index.html").is_file()
    units = corpus.of_kind("unit")
    assert len(units) > 2 * ROWS
    last = (len(units) - 1) // ROWS + 1
    assert (paged / "units" / "_pages" / str(last) / "index.html").is_file()
    assert not (paged / "units" / "_pages" / str(last + 1)).exists()


def test_every_record_is_within_three_clicks_of_its_hub(paged, corpus):
    reach: dict[str, dict[str, int]] = {}

    def near(start: str, url: str) -> bool:
        if start not in reach:
            reach[start] = clicks_from(paged, start, 3)
        return url.split("#")[0] in reach[start]

    checked = 0
    for kind in KINDS.values():
        if not kind.template:
            continue
        for e in corpus.of_kind(kind.name):
            url = url_of(e)
            if kind.on_hubs and e.subjects:
                hubs = [site_url(hub_path(s)) for s in e.subjects]
            elif e.list:  # a list's item: from the list's page
                hubs = [site_url(index_path(kind.name, e.list))]
            else:
                hubs = [site_url(index_path(kind.parent_kind or kind.name))]
            assert hubs and all(near(h, url) for h in hubs), (e.id, hubs)
            checked += 1
    assert checked > 150


def test_each_row_is_on_exactly_one_page_of_its_listing(paged, corpus):
    """The hub's pages of one kind list exactly the hub's records of that kind, each once."""
    for subject, slug in (("学生", "students"), ("学校", "schools")):
        for kind in ("task", "project"):
            expected = sorted(url_of(e) for e in corpus.entries.values() if e.kind == kind and subject in e.subjects)
            if len(expected) <= ROWS:
                continue
            found: list[str] = []
            n = 1
            while (paged / "subjects" / slug / kind / str(n) / "index.html").is_file():
                base = f"subjects/{slug}/{kind}/{n}/"
                for a in content(html_of(paged, base)).select("tbody a[href]"):
                    found.append(posixpath.normpath(posixpath.join(base, a["href"])) + "/")
                n += 1
            assert sorted(found) == expected, (subject, kind)


def test_every_link_of_the_split_site_resolves(paged):
    missing = missing_links(paged)
    assert missing == [], missing[:10]


# --- filters of split lists: every page's rows as data (kb.render.rows_files), read by assets/kb.js ---------

LIST = "taoyuan-2022"
ROWS_PREFIX, ROWS_SUFFIX = "__kbRows(", ");\n"
SHOWN_NUMBERS = "() => Array.from(document.querySelectorAll('#kb-tasks tbody tr')).filter(tr => !tr.hidden)" \
                ".map(tr => tr.cells[0].textContent.trim())"
WHOLE = r"() => /（全部 \d+ 页）$/.test(document.querySelector('.kb-count').textContent)"  # rows of every page shown


def markup_of(path) -> str:
    """The markup a rows script hands to __kbRows: one JSON string, nothing that ends a script or a string."""
    body = path.read_text(encoding="utf-8")
    assert body.startswith(ROWS_PREFIX) and body.endswith(ROWS_SUFFIX), path
    assert "</" not in body and "\u2028" not in body and "\u2029" not in body, path
    markup = json.loads(body[len(ROWS_PREFIX):-len(ROWS_SUFFIX)])
    assert isinstance(markup, str)
    return markup


def split_lists(corpus) -> list[tuple[str, str, list]]:
    """(kind, list id, items) of every task and project list longer than a page."""
    out = []
    for doc in corpus.of_kind("document"):
        for kind in ("task", "project"):
            items = [e for e in corpus.items_of_list(doc.id) if e.kind == kind]
            if len(items) > ROWS:
                out.append((kind, doc.id, items))
    return out


def item_links(site, folder: str, soup, kind: str) -> list[str]:
    """The item each row links to first (a task's number, a project's text), as a site URL."""
    cell = "td:first-child a[href]" if kind == "task" else "td:nth-child(2) a[href]"
    return [posixpath.normpath(posixpath.join(folder, tr.select_one(cell)["href"])) + "/"
            for tr in soup.select("tr")]


def test_every_page_of_a_split_list_has_its_rows_as_data(paged, corpus):
    """Each page's rows script holds that page's rows, each list's scripts every item once, in list order,
    linking to the items' pages; the filter box names the scripts, and nothing else on the page loads them."""
    lists = split_lists(corpus)
    assert {kind for kind, *_ in lists} == {"task", "project"}
    for kind, list_id, items in lists:
        first = index_path(kind, list_id)
        pages = (len(items) - 1) // ROWS + 1
        found: list[str] = []
        for n in range(1, pages + 1):
            data = rows_path(first, n)
            folder = posixpath.dirname(data)
            rows = BeautifulSoup(markup_of(paged / data), "html.parser")
            links = item_links(paged, folder, rows, kind)
            assert len(links) == min(ROWS, len(items) - (n - 1) * ROWS)
            found += links
            page_url = site_url(part_path(first, "", n))
            page = html_of(paged, page_url)
            assert item_links(paged, page_url, content(page).select_one("tbody"), kind) == links  # the page's rows
            box = content(page).select_one("div.kb-filters")
            named = [posixpath.normpath(posixpath.join(page_url, src)) for src in box["data-kb-parts"].split()]
            assert named == [rows_path(first, k) for k in range(1, pages + 1)], page_url
            assert (box["data-kb-part"], box["data-kb-total"]) == (str(n), str(len(items)))
            assert "rows-" not in "".join(str(s) for s in page.select("script[src], link[href]"))
        assert found == [url_of(e) for e in items], list_id
        assert not (paged / rows_path(first, pages + 1)).exists()
    # a list of one page has no rows scripts and its box names none
    assert not list((paged / "units").rglob("rows-*.js"))


def test_rows_data_is_the_same_bytes_in_another_build(paged, tmp_path):
    again = tmp_path / "again"
    result = build_site(again, KB_ROWS_PER_PAGE=str(ROWS))
    assert result.returncode == 0, result.stderr
    first = {p.relative_to(paged).as_posix(): p.read_bytes() for p in paged.rglob("rows-*.js")}
    second = {p.relative_to(again).as_posix(): p.read_bytes() for p in again.rglob("rows-*.js")}
    assert len(first) > 20 and first == second


def expected_numbers(corpus, keep) -> list[str]:
    """The numbers of the list's tasks that `keep(task, units)` keeps, in list order (what the filter must show)."""
    tasks = [e for e in corpus.items_of_list(LIST) if e.kind == "task"]
    return [str(t.number) for t in tasks if keep(t, [u.title for u in corpus.units_of_task(t.id)])]


def busiest_unit_off_page(corpus, page: int) -> str:
    """The unit with the most tasks in the list, of which some are on other pages than `page`."""
    tasks = [e for e in corpus.items_of_list(LIST) if e.kind == "task"]
    on_page = {t.id for t in tasks[(page - 1) * ROWS:page * ROWS]}
    counts: dict[str, int] = {}
    for t in tasks:
        for u in corpus.units_of_task(t.id):
            counts[u.title] = counts.get(u.title, 0) + (0 if t.id in on_page else 1)
    return max(counts, key=lambda title: (counts[title], title))


def watched(chromium):
    """A page that notes requests, script errors, console errors, dialogs and policy violations."""
    page = chromium.new_page()
    page.seen = {"requests": [], "problems": []}
    page.on("request", lambda r: page.seen["requests"].append(r.url))
    page.on("pageerror", lambda e: page.seen["problems"].append(f"page error: {e}"))
    page.on("console", lambda m: page.seen["problems"].append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (page.seen["problems"].append(f"dialog {d.message}"), d.dismiss()))
    page.expose_function("__kbViolation", lambda v: page.seen["problems"].append(f"violation: {v}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "window.__kbViolation(`${e.effectiveDirective} ${e.blockedURI}`));")
    return page


def rows_loaded(page) -> list[str]:
    return [u for u in page.seen["requests"] if "/_pages/rows-" in u]


@pytest.fixture(scope="module")
def paged_base(paged):
    with serve(paged) as url:
        yield url


def filter_by_unit_across_pages(page, corpus, url_of_page, resolve) -> None:
    """On page 2 of the task list: filtering by a unit shows its tasks of every page, counted over the list;
    a link from another page's row opens that task; clearing shows page 2 again with its pagers."""
    tasks = [e for e in corpus.items_of_list(LIST) if e.kind == "task"]
    own = [str(t.number) for t in tasks[ROWS:2 * ROWS]]
    page.goto(url_of_page(2))
    assert page.evaluate(SHOWN_NUMBERS) == own
    assert page.inner_text(".kb-count") == f"本页 {ROWS} 项，共 {len(tasks)} 项"
    assert rows_loaded(page) == []  # a page load loads no rows
    unit = busiest_unit_off_page(corpus, 2)
    want = expected_numbers(corpus, lambda t, units: unit in units)
    off_page = [n for n in want if n not in own]
    assert len(off_page) >= 2 and len(want) > ROWS
    page.select_option("select[data-kb-filter=unit]", unit)
    page.wait_for_function(WHOLE)
    assert page.evaluate(SHOWN_NUMBERS) == want
    pages = (len(tasks) - 1) // ROWS + 1
    assert page.inner_text(".kb-count") == f"显示 {len(want)} / {len(tasks)} 项（全部 {pages} 页）"
    assert page.eval_on_selector_all("nav.kb-pager", "ns => ns.map(n => n.checkVisibility())") == [False, False]
    assert len(set(rows_loaded(page))) == pages - 1  # every other page's rows, once
    # every row's links lead to the pages they name
    links = page.eval_on_selector_all("#kb-tasks tbody tr a[href]", "as => as.map(a => [a.href, a.textContent])")
    assert links and all(resolve(href) for href, _ in links)
    lead = expected_numbers(corpus, lambda t, units: units[0] == unit)
    page.check("input[data-kb-filter=lead]")
    page.wait_for_function(f"() => document.querySelector('.kb-count').textContent.startsWith('显示 {len(lead)} ')")
    assert page.evaluate(SHOWN_NUMBERS) == lead
    page.uncheck("input[data-kb-filter=lead]")
    page.wait_for_function(f"() => document.querySelector('.kb-count').textContent.startsWith('显示 {len(want)} ')")
    page.select_option("select[data-kb-filter=unit]", "")
    assert page.evaluate(SHOWN_NUMBERS) == own
    assert page.eval_on_selector_all("nav.kb-pager", "ns => ns.map(n => n.checkVisibility())") == [True, True]
    assert page.inner_text(".kb-count") == f"本页 {ROWS} 项，共 {len(tasks)} 项"
    page.select_option("select[data-kb-filter=unit]", unit)
    page.wait_for_function(WHOLE)
    far = off_page[-1]
    page.click(f"#kb-tasks tbody tr td:first-child a:text-is('{far}')")
    page.wait_for_load_state("load")
    assert page.inner_text("h1").replace(" ", "").startswith(f"任务{far}")
    assert posixpath.basename(urlsplit(page.url).path.rstrip("/")).removesuffix(".html") == far


def test_filter_of_a_page_shows_the_matching_tasks_of_every_page(chromium, paged, paged_base, corpus):
    page = watched(chromium)

    def resolve(href: str) -> bool:
        rel = href.removeprefix(paged_base).split("#")[0]
        return href.startswith(paged_base) and (paged / rel / "index.html").is_file()
    filter_by_unit_across_pages(page, corpus, lambda n: paged_base + site_url(part_path(index_path("task", LIST), "", n)),
                                resolve)
    page.close()
    assert page.seen["problems"] == []


def test_a_filtered_url_filters_the_whole_list_on_load_and_sorts(chromium, paged_base, corpus):
    tasks = [e for e in corpus.items_of_list(LIST) if e.kind == "task"]
    word = "评价"

    def matching(subject: str) -> list[str]:
        return expected_numbers(corpus, lambda t, units: subject in t.subjects and word in "".join(
            [str(t.number), str(t.record.section), t.record.text, *units, "牵头", t.record.deadline]))
    # the subject with the most matches (by name among equals: a set's order changes with PYTHONHASHSEED)
    subject = max(sorted({s for t in tasks for s in t.subjects}), key=lambda s: len(matching(s)))
    want = matching(subject)
    assert len(want) > ROWS
    page = watched(chromium)
    page.goto(paged_base + site_url(part_path(index_path("task", LIST), "", 3)) + f"?subject={quote(subject)}&q={quote(word)}")
    page.wait_for_function(WHOLE)
    assert page.evaluate(SHOWN_NUMBERS) == want
    assert page.input_value("select[data-kb-filter=subject]") == subject
    assert page.input_value("input[data-kb-keyword]") == word
    assert page.inner_text(".kb-count").startswith(f"显示 {len(want)} / {len(tasks)} 项")
    # the reader's sort (by number, descending) holds as the filter changes
    page.click("#kb-tasks th:first-child")
    if page.evaluate(SHOWN_NUMBERS)[0] == want[0]:
        page.click("#kb-tasks th:first-child")
    assert page.evaluate(SHOWN_NUMBERS) == sorted(want, key=int, reverse=True)
    page.fill("input[data-kb-keyword]", "")
    page.wait_for_function(WHOLE)
    every = expected_numbers(corpus, lambda t, units: subject in t.subjects)
    assert page.evaluate(SHOWN_NUMBERS) == sorted(every, key=int, reverse=True)
    assert parse_qs(urlsplit(page.url).query) == {"subject": [subject]}
    page.close()
    assert page.seen["problems"] == []


def test_a_page_whose_rows_cannot_load_says_so_and_filters_its_own(chromium, paged_base, corpus):
    """A rows script that does not arrive (a half-copied site): the filter says it covered this page only, and
    the next change tries again."""
    page = watched(chromium)
    page.route("**/_pages/rows-3.js", lambda route: route.abort())
    page.goto(paged_base + site_url(part_path(index_path("task", LIST), "", 2)))
    unit = busiest_unit_off_page(corpus, 2)
    page.select_option("select[data-kb-filter=unit]", unit)
    page.wait_for_function("() => document.querySelector('.kb-count').textContent.includes('只筛选了本页')")
    own = expected_numbers(corpus, lambda t, units: unit in units)
    tasks = [e for e in corpus.items_of_list(LIST) if e.kind == "task"]
    own = [n for n in own if n in {str(t.number) for t in tasks[ROWS:2 * ROWS]}]
    assert page.evaluate(SHOWN_NUMBERS) == own
    page.unroute("**/_pages/rows-3.js")
    page.check("input[data-kb-filter=lead]")
    page.wait_for_function(WHOLE)
    assert page.evaluate(SHOWN_NUMBERS) == expected_numbers(corpus, lambda t, units: units[0] == unit)
    page.close()
    assert [p for p in page.seen["problems"] if "rows-3.js" not in p and "ERR_FAILED" not in p] == []


def test_project_list_filter_covers_every_page(chromium, paged_base, corpus):
    (list_id, projects), = [(i, items) for kind, i, items in split_lists(corpus) if kind == "project"]
    subject = "学生"
    want = [str(p.number) for p in projects if subject in p.subjects]
    on_page_2 = [str(p.number) for p in projects[ROWS:2 * ROWS]]
    assert set(want) - set(on_page_2)
    page = watched(chromium)
    page.goto(paged_base + site_url(part_path(index_path("project", list_id), "", 2)))
    shown = "() => Array.from(document.querySelectorAll('#kb-projects tbody tr')).map(tr => tr.cells[0].textContent)"
    assert page.evaluate(shown) == on_page_2
    page.select_option("select[data-kb-filter=subject]", subject)
    page.wait_for_function(WHOLE)
    assert page.evaluate(shown) == want
    page.select_option("select[data-kb-filter=subject]", "")
    assert page.evaluate(shown) == on_page_2
    page.close()
    assert page.seen["problems"] == []


@pytest.fixture(scope="module")
def paged_offline(tmp_path_factory):
    dest = tmp_path_factory.mktemp("paged-offline")
    result = build_site(dest, KB_ROWS_PER_PAGE=str(ROWS), KB_OFFLINE="true")
    assert result.returncode == 0, result.stderr
    return dest


def test_the_offline_edition_filters_the_whole_list_from_file_urls(chromium, paged_offline, corpus):
    """From file:// (no fetch there), under the offline pages' own Content-Security-Policy."""
    page = watched(chromium)

    def resolve(href: str) -> bool:
        return href.startswith("file:") and Path(unquote(urlsplit(href).path)).is_file()
    filter_by_unit_across_pages(
        page, corpus, lambda n: (paged_offline / site_url(part_path(index_path("task", LIST), "", n), False)).as_uri(),
        resolve)
    assert page.evaluate("() => !!document.querySelector('meta[http-equiv=Content-Security-Policy]')")
    page.close()
    assert [u for u in page.seen["requests"] if not u.startswith("file:")] == []
    assert page.seen["problems"] == []


def test_poisoned_rows_stay_text_in_the_data_and_when_filtered(chromium, tmp_path):
    from poison import MARK, poisoned_data
    from test_security import _injected
    data, _ = poisoned_data(tmp_path, ROOT / "data")
    dest = tmp_path / "site"
    result = build_site(dest, KB_ROWS_PER_PAGE=str(ROWS), KB_DATA=str(data))
    assert result.returncode == 0, result.stderr
    scripts = sorted(dest.rglob("rows-*.js"))
    assert scripts
    for path in scripts:
        rows = BeautifulSoup(markup_of(path), "html.parser")
        assert _injected(rows) == [], path
    assert any(f"<img src=x class={MARK}" in BeautifulSoup(markup_of(p), "html.parser").get_text() for p in scripts)
    page = watched(chromium)
    with serve(dest) as base:
        page.goto(base + site_url(part_path(index_path("task", LIST), "", 2)))
        page.fill("input[data-kb-keyword]", MARK)
        page.wait_for_function(WHOLE)
        shown = page.evaluate(SHOWN_NUMBERS)
        assert len(shown) > 2 * ROWS  # the payload is in every task's text
        assert MARK in page.inner_text("#kb-tasks tbody")  # as text
        assert page.evaluate(f"() => document.querySelectorAll('.{MARK}, img[src=x]').length") == 0
    page.close()
    assert page.seen["problems"] == []
