"""Build tests: a real strict build, HTML checked with BeautifulSoup."""
from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from kb.corpus import SUBJECT_SLUGS
from kb.models import SUBJECTS
from kb.routes import url as url_of  # noqa: E402

PAGE_KINDS = ("document", "project", "task", "unit", "negative", "case", "form", "term")


def html_of(site: Path, url: str) -> BeautifulSoup:
    path = site / url.split("#")[0] / "index.html" if not url.endswith(".html") else site / url
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def content(soup: BeautifulSoup):
    return soup.select_one("article.md-content__inner")


def content_links(site: Path, url: str) -> set[str]:
    """Site-relative targets (no leading slash) of the links in a page's content."""
    base = url.split("#")[0]
    out = set()
    for a in content(html_of(site, url)).find_all("a", href=True):
        href = a["href"]
        if urlsplit(href).scheme or href.startswith("#"):
            continue
        target = posixpath.normpath(posixpath.join(base, href))
        frag = urlsplit(href).fragment
        target = target.split("#")[0].rstrip("/") + "/"
        out.add(target + (f"#{frag}" if frag else ""))
    return out


def test_every_record_has_one_page_at_its_url(site, corpus):
    for kind in PAGE_KINDS:
        for e in corpus.of_kind(kind):
            soup = html_of(site, url_of(e))
            assert content(soup).h1, e.id
    for m in corpus.of_kind("measure"):
        page, anchor = url_of(m).split("#")
        assert html_of(site, page).find(id=anchor), m.id
    # no stray item pages: the task and project folders hold exactly the records
    for kind, folder in (("task", "tasks/taoyuan-2022"), ("project", "projects/hubei-2024")):
        pages = {p.parent.name for p in (site / folder).glob("*/index.html")}
        assert pages == {str(e.number) for e in corpus.of_kind(kind) if e.list == folder.split("/")[1]}


def test_record_pages_from_frames_equal_the_full_theme_render(site, tmp_path):
    """Record pages reuse one rendered theme frame per folder (hooks/kb_mkdocs/frames.py); the site
    must be byte for byte what rendering every page through the theme's template gives."""
    from conftest import build_site
    full = tmp_path / "full"
    result = build_site(full, KB_SKELETON="0")
    assert result.returncode == 0, result.stderr
    ours = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert ours == sorted(p.relative_to(full) for p in full.rglob("*") if p.is_file())
    record_pages = [p for p in ours if p.parts[0] in ("tasks", "projects", "negative", "units") and len(p.parts) > 2]
    assert len(record_pages) > 150
    different = [str(p) for p in ours if (site / p).read_bytes() != (full / p).read_bytes()]
    assert different == []


def test_tags_on_record_pages_and_the_tags_page_agree(site, corpus):
    listed: dict[str, set[str]] = {}
    tags_page = html_of(site, "tags/")
    for h2 in content(tags_page).find_all("h2"):
        tag = h2.get_text()
        assert h2["id"] == "tag:" + re.sub(r"[^\w-]", "-", tag)
        listed[tag] = {posixpath.normpath(posixpath.join("tags", a["href"])) + "/"
                       for a in h2.find_next_sibling("ul").find_all("a")}
    expected: dict[str, set[str]] = {}
    for e in corpus.entries.values():
        if e.kind in ("task", "project", "negative", "case"):
            for tag in corpus.tags_of(e.id):
                expected.setdefault(tag, set()).add(url_of(e))
            chips = [a.get_text() for a in content(html_of(site, url_of(e))).select("nav.md-tags a.md-tag")]
            assert chips == corpus.tags_of(e.id), e.id
    assert listed == expected and len(expected) >= 10


def test_documented_urls_are_stable(site):
    for url in ("tasks/taoyuan-2022/44/", "projects/hubei-2024/15/", "units/ty-jyj/", "negative/ty-10/",
                "cases/sample-xx/", "forms/hubei-2024-application/", "glossary/wuwei/", "documents/hubei-2024/",
                "subjects/students/", "tasks/taoyuan-2022/", "documents/taoyuan-2022/original/"):
        assert (site / url / "index.html").is_file(), url


def test_item_pages_are_not_in_the_navigation(site):
    nav = html_of(site, "").select_one("nav.md-nav--primary")
    hrefs = [a["href"] for a in nav.find_all("a", href=True)]
    assert not any("tasks/taoyuan-2022/" in h and h.rstrip("/").split("/")[-1].isdigit() for h in hrefs)
    assert any("subjects/" in h for h in hrefs) and any("downloads" in h for h in hrefs)


def test_task_page_shows_metadata_and_reaches_related_records(site, corpus):
    soup = html_of(site, "tasks/taoyuan-2022/44/")
    text = content(soup).get_text(" ")
    for needle in ("桃源县教育局", "2022年6月5日", "(44)", "县教育局", "牵头", "县文旅广体局", "县卫健委",
                   "2021年开始, 长期坚持", "按60分的成绩计入中考成绩总分"):
        assert needle in text, needle
    lead = content(soup).select_one(".kb-lead")
    assert lead.find_previous("a").get_text() == "县教育局"
    links = content_links(site, "tasks/taoyuan-2022/44/")
    assert "projects/hubei-2024/15/" in links
    assert "cases/sample-xx/#m-4-3" in links
    student_negatives = {url_of(e) for e in corpus.of_kind("negative") if "学生" in e.subjects}
    assert student_negatives <= links


def test_restored_characters_are_marked(site):
    soup = html_of(site, "tasks/taoyuan-2022/1/")
    marks = content(soup).select(".kb-restored")
    assert len(marks) == 6 and all(m.get_text() == "县" for m in marks)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_hub_lists_exactly_its_records(site, corpus, subject):
    url = f"subjects/{SUBJECT_SLUGS[subject]}/"
    links = content_links(site, url)
    grouped = corpus.of_subject(subject)
    expected = {url_of(e) for k in ("project", "task", "negative", "measure") for e in grouped.get(k, [])}
    from kb import routes
    lists = {routes.site_url(routes.index_path("task", d.id)) for d in corpus.of_kind("document")}  # their progress
    item_links = {u for u in links if u.split("/")[0] in ("projects", "tasks", "negative", "cases")} - lists
    assert item_links == expected


def test_reverse_links_appear_on_both_ends(site, corpus):
    for a, b in corpus.links:
        ea, eb = corpus[a], corpus[b]
        page_a = url_of(ea) if ea.kind != "measure" else url_of(ea).split("#")[0]
        page_b = url_of(eb) if eb.kind != "measure" else url_of(eb).split("#")[0]
        assert url_of(eb) in content_links(site, page_a), (a, b)
        assert url_of(ea) in content_links(site, page_b), (b, a)


def test_unit_pages_list_exactly_their_tasks(site, corpus):
    for unit in corpus.of_kind("unit"):
        lead, support = corpus.tasks_of_unit(unit.id)
        soup = content(html_of(site, url_of(unit)))
        sections = {h.get_text().strip(): h for h in soup.find_all("h2")}
        for title, tasks in (("牵头的任务", lead), ("配合的任务", support)):
            table = sections[title].find_next_sibling()
            found = set()
            if table.name != "p":
                for a in table.select("tbody a"):
                    found.add(a.get_text())
            assert found == {f"任务{t.number}" for t in tasks}, (unit.title, title)


def test_task_list_table_has_every_task_with_filters(site, corpus):
    soup = html_of(site, "tasks/taoyuan-2022/")
    rows = soup.select("#kb-tasks tbody tr")
    assert [int(r.td.get_text()) for r in rows] == [t.number for t in corpus.of_kind("task")]
    assert {s["data-kb-filter"] for s in soup.select("[data-kb-filter]")} == {"subject", "unit", "deadline", "lead"}
    notes = soup.select_one(".admonition").get_text()
    assert "第30项" in notes and "县委办" in notes


def test_every_internal_link_resolves(site):
    missing = missing_links(site)
    assert missing == [], missing[:10]


def missing_links(site: Path) -> list[tuple[str, str]]:
    """(page, link) of every link, stylesheet, script or image of a built site that leads nowhere (or to
    an anchor its page does not have)."""
    # 404.html is served for any missing path, so MkDocs gives it root-absolute links; it is checked apart.
    pages = sorted(p for p in site.rglob("*.html") if p.name != "404.html")
    ids: dict[Path, set] = {}
    missing = []
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag, attr_name in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for el in soup.find_all(tag):
                ref = el.get(attr_name)
                if not ref or urlsplit(ref).scheme in ("http", "https", "mailto", "tel") or ref.startswith("//"):
                    continue
                parts = urlsplit(ref)
                if not parts.path:
                    continue
                target = (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    missing.append((str(page.relative_to(site)), ref))
                elif parts.fragment and target.suffix == ".html":
                    if target not in ids:
                        ids[target] = {e["id"] for e in BeautifulSoup(target.read_text(encoding="utf-8"),
                                                                     "html.parser").find_all(id=True)}
                    if parts.fragment not in ids[target]:
                        missing.append((str(page.relative_to(site)), ref))
    return missing


def test_no_resource_from_another_host(site):
    offenders = []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for el in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio"]):
            url = el.get("src") or (el.get("href") if el.name == "link" else None)
            if url and (urlsplit(url).scheme in ("http", "https") or url.startswith("//")):
                if el.name == "link" and el.get("rel") == ["canonical"]:
                    continue
                offenders.append((str(page.relative_to(site)), url))
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, css
    assert offenders == []


def test_open_data_matches_the_corpus(site, corpus):
    data = json.loads((site / "downloads" / "kb.json").read_text(encoding="utf-8"))
    records = {r["id"]: r for r in data["records"]}
    expected = [e for k in PAGE_KINDS for e in corpus.of_kind(k)]
    assert set(records) == {e.id for e in expected}
    for e in expected:
        r = records[e.id]
        assert r["kind"] == e.kind and r["title"] == e.title and r["url"] == url_of(e)
        assert r["subjects"] == list(e.subjects)
        assert (site / url_of(e) / "index.html").is_file()
        for target in r["links"]:
            assert target in records, (e.id, target)
    t44 = records["taoyuan-2022/44"]
    assert t44["number"] == 44 and t44["list"] == "taoyuan-2022"
    assert t44["units"] == ["县教育局", "县文旅广体局", "县卫健委"] and t44["deadline"] == "2021年开始, 长期坚持"
    assert "hubei-2024/15" in t44["links"] and "sample-xx" in t44["links"]
    assert "taoyuan-2022/44" in records["hubei-2024/15"]["links"]
    doc = records["hubei-2024"]
    assert doc["doc_number"] == "鄂教组秘函〔2024〕1号" and doc["date"] == "2024-03-21"
    assert all("downloads" in r for r in data["records"] if r["kind"] == "form")
    for kind in PAGE_KINDS:
        assert (site / "downloads" / f"{kind}.csv").read_bytes().startswith("\ufeff".encode())


def test_glossary_tooltip_on_first_use_only(site, corpus):
    soup = content(html_of(site, "tasks/taoyuan-2022/51/"))
    abbrs = [a.get_text() for a in soup.select("abbr.kb-term")]
    assert abbrs.count("双减") == 1 and abbrs.count("五项管理") == 1
    shuangjian = next(a for a in soup.select("abbr.kb-term") if a.get_text() == "双减")
    assert shuangjian["title"] == corpus["shuangjian"].record.definition
    # not inside links or headings
    assert not soup.select("a abbr, h1 abbr, h2 abbr")
