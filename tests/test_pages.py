"""The finding aids on the built site: the glossary in pinyin order, the 清单, /forms/ and /subjects/ index
pages, the home page's order and <title>, and the readers' navigation (one real build: conftest's `site`)."""
from __future__ import annotations

import posixpath
import string
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from pypinyin import lazy_pinyin

from kb.corpus import SUBJECT_SLUGS
from kb.downloads import downloads_of
from kb.routes import index_path, site_url
from kb.routes import url as url_of


def soup_of(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    return soup.select_one("article.md-content__inner")


def targets(site: Path, url: str, scope=None) -> set[str]:
    """Site-relative targets of the links in a page's article (or in `scope`), folders ending in '/'."""
    out = set()
    for a in (scope or article(soup_of(site, url))).find_all("a", href=True):
        parts = urlsplit(a["href"])
        if parts.scheme or not parts.path:
            continue
        path = posixpath.normpath(posixpath.join(url, unquote(parts.path)))
        path = "" if path == "." else path
        if (site / path).is_dir():
            path = path + "/" if path else ""
        out.add(path + (f"#{parts.fragment}" if parts.fragment else ""))
    return out


# --- 术语表 -------------------------------------------------------------------------------------------

def test_glossary_terms_are_in_pinyin_order(site, corpus):
    dts = article(soup_of(site, "glossary/")).select("dl > dt")
    shown = [dt.get_text(strip=True) for dt in dts]
    expected = sorted((e.title for e in corpus.of_kind("term")),
                      key=lambda t: ([s.lower() for s in lazy_pinyin(t)], t))
    assert shown == expected and len(shown) == len(corpus.of_kind("term")) > 10
    assert shown != sorted(shown)  # not code-point order (which the page used before)


def test_glossary_letter_index_links_to_the_first_term_of_each_letter(site, corpus):
    page = article(soup_of(site, "glossary/"))
    index = page.select_one("nav.kb-letters")
    letters = [el.get_text(strip=True) for el in index.find_all(["a", "span"])]
    assert [x for x in letters if x in string.ascii_uppercase] == list(string.ascii_uppercase)
    dts = page.select("dl > dt")
    initials = ["".join(lazy_pinyin(dt.get_text(strip=True)))[0].upper() for dt in dts]
    linked = {}
    for a in index.find_all("a"):
        target = page.find(id=a["href"].removeprefix("#"))
        assert a["href"].startswith("#") and target is not None and target.name == "dt", a
        linked[a.get_text(strip=True)] = dts.index(target)
    for letter in string.ascii_uppercase:
        if letter in initials:  # a link to the first term of that letter
            assert linked[letter] == initials.index(letter), letter
        else:  # greyed text, not a link
            assert letter not in linked
            span = next(s for s in index.find_all("span") if s.get_text(strip=True) == letter)
            assert "kb-letter--empty" in span["class"]
    assert any(letter not in initials for letter in string.ascii_uppercase)  # the real data has gaps (I, U, V)


# --- 清单, /forms/, /subjects/ ----------------------------------------------------------------------

def test_lists_page_links_to_every_list(site, corpus):
    links = {t.split("#")[0] for t in targets(site, "lists/")}
    expected = {site_url(index_path(kind)) for kind in ("project", "task", "negative", "case", "unit", "document")}
    for doc in corpus.of_kind("document"):
        for kind in ("project", "task"):
            if any(e.kind == kind for e in corpus.items_of_list(doc.id)):
                expected.add(site_url(index_path(kind, doc.id)))
    assert len(expected) >= 8 and expected <= links, expected - links
    text = article(soup_of(site, "lists/")).get_text()
    for heading in ("试点项目库", "重点任务清单", "负面清单", "典型案例", "责任单位", "政策文件"):
        assert heading in text
    assert "湖北省" in text and "湖南省常德市桃源县" in text  # by region


def test_lists_is_the_index_of_the_lists_section(site):
    nav = soup_of(site, "lists/").select_one("nav.md-nav--primary")
    section = next(li for li in nav.select("li.md-nav__item--section")
                   if li.find(["label", "a"]) and "清单" == li.find(["label", "a"]).get_text(strip=True))
    hrefs = [a["href"] for a in section.find_all("a", href=True)]
    assert hrefs[0] in ("./", "."), hrefs  # the section's own page: this one
    assert any(h.endswith("projects/") for h in hrefs) and any(h.endswith("tags/") for h in hrefs)


def test_forms_page_links_to_every_form_and_its_files(site, corpus):
    links = targets(site, "forms/")
    forms = corpus.of_kind("form")
    assert forms and {url_of(f) for f in forms} <= links
    files = {d["url"] for f in forms for d in downloads_of(f)}
    assert files and files <= links
    assert all((site / f).is_file() for f in files)
    text = article(soup_of(site, "forms/")).get_text()
    assert all(corpus[f.record.document].record.short_title in text for f in forms)
    assert (site / "downloads" / "index.html").is_file()  # the downloads page stays


def test_subjects_page_links_to_every_hub_with_counts(site, corpus):
    links = targets(site, "subjects/")
    hubs = {f"subjects/{slug}/" for slug in SUBJECT_SLUGS.values()}
    assert len(hubs) == 6 and hubs <= links
    rows = article(soup_of(site, "subjects/")).select("tbody tr")
    assert [r.find("td").get_text(strip=True) for r in rows] == list(SUBJECT_SLUGS)
    for row in rows:  # every count links to its group on the hub, whose heading says the same count
        for a in row.find_all("a")[1:]:
            hub, _, kind = a["href"].partition("#")
            heading = article(soup_of(site, posixpath.normpath(posixpath.join("subjects/", hub)) + "/")).find(id=kind)
            assert heading is not None and f"（{a.get_text(strip=True)}）" in heading.get_text(), (a, heading)


# --- 首页 ---------------------------------------------------------------------------------------------

def test_home_leads_with_search_lists_and_forms_then_the_statistics(site):
    page = article(soup_of(site, ""))
    h1 = page.find("h1")
    assert h1.get_text(strip=True) == "评价改革知识库"
    first_h2 = page.find("h2")
    assert first_h2.get_text(strip=True) == "本库收录"  # the statistics come after the first section
    first = []
    for el in h1.find_next_siblings():
        if el is first_h2:
            break
        first.append(el)
    text = " ".join(el.get_text(" ", strip=True) for el in first)
    assert "搜索框" in text and "体质监测" in text and "任务44" in text  # a sentence pointing at the header's box, with examples
    assert text.index("搜索框") < text.index("全部清单") < text.index("全部表格")
    scope = BeautifulSoup("".join(str(el) for el in first), "html.parser")
    links = targets(site, "", scope)
    assert {"lists/", "forms/", "projects/hubei-2024/", "tasks/taoyuan-2022/", "negative/"} <= links, links
    assert "本库收录" not in text


def test_home_title_is_not_the_site_name_twice(site):
    soup = soup_of(site, "")
    title = soup.find("title").get_text()
    assert title != "评价改革知识库 - 评价改革知识库" and title.endswith(" - 评价改革知识库"), title
    assert article(soup).find("h1").get_text(strip=True) == "评价改革知识库"


# --- 导航 ---------------------------------------------------------------------------------------------

def test_the_benchmark_page_is_not_in_the_navigation(site):
    for url in ("", "about/", "lists/"):
        nav = soup_of(site, url).select_one("nav.md-nav--primary")
        assert "性能与规模" not in nav.get_text(), url
        assert not any("performance" in a["href"] for a in nav.find_all("a", href=True)), url
    assert (site / "performance" / "index.html").is_file()  # the page itself is still published


def test_open_data_has_chinese_column_names_beside_the_machine_ones(site):
    """KIND.csv keeps machine-readable column names; KIND.zh.csv has the same rows under Chinese names,
    and the downloads page offers both."""
    import csv
    import io

    from kb.export import CSV_COLUMNS, CSV_HEADERS_ZH
    from kb.kinds import KINDS
    page = BeautifulSoup((site / "downloads" / "index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {a["href"] for a in page.select("article a[href]")}
    for kind in (k.name for k in KINDS.values() if k.exported):
        machine = list(csv.reader(io.StringIO((site / "downloads" / f"{kind}.csv").read_text(encoding="utf-8-sig"))))
        people = list(csv.reader(io.StringIO((site / "downloads" / f"{kind}.zh.csv").read_text(encoding="utf-8-sig"))))
        columns = CSV_COLUMNS + KINDS[kind].csv_fields  # a kind may add columns (progress: status …)
        assert machine[0] == list(columns)
        assert people[0] == [CSV_HEADERS_ZH[c] for c in columns]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in people[0])
        assert people[1:] == machine[1:]
        assert f"{kind}.csv" in hrefs and f"{kind}.zh.csv" in hrefs, sorted(hrefs)
