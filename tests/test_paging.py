"""Listings split into pages (kb.pages.ROWS_PER_PAGE; issue 17): the real data built with a few rows a
page, so that the hubs, the unit index and the lists of lists are split as a national data set's are.
Every record stays reachable from its hub in at most three clicks, every row is on exactly one page of
its listing, and every link of the split site resolves."""
from __future__ import annotations

import posixpath
from collections import deque

import pytest

from conftest import build_site
from kb.kinds import KINDS
from kb.routes import hub_path, index_path, site_url
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
