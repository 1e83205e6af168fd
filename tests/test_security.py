"""Issue 12: no data field can run script. The real data with a payload in every free-text field of every
model (tests/poison.py reads the fields off the models), built for real, then read as a browser shows it:
pages hovered and searched in Chromium, and every generated file checked."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from bs4 import BeautifulSoup

from browser import CHROMIUM, CHROMIUM_ARGS, serve, type_like_a_person
from conftest import MKDOCS, ROOT
from poison import MARK, poisoned_data

# Pages of every kind: one record page per template, and every aggregate page.
PAGES = ["", "tasks/taoyuan-2022/1/", "projects/hubei-2024/1/", "negative/ty-7/", "units/ty-jyj/", "glossary/wuwei/",
         "cases/sample-xx/", "documents/hubei-2024/", "documents/hubei-2024/original/", "forms/hubei-2024-summary/",
         "forms/hubei-2024-application/", "tasks/taoyuan-2022/", "projects/hubei-2024/", "tasks/", "projects/",
         "negative/", "units/", "glossary/", "tags/", "documents/", "cases/", "downloads/",
         "subjects/party-government/", "subjects/schools/", "subjects/students/", "about/"]


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    dest = tmp_path_factory.mktemp("poisoned")
    source = dest / "source"  # the real data with the test progress (the real site has none), then poisoned
    shutil.copytree(ROOT / "data", source)
    shutil.copytree(ROOT / "tests" / "fixtures" / "progress", source / "progress")
    data, poisoner = poisoned_data(dest, source)
    env = {**os.environ, "KB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(dest / "site")], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dest / "site", poisoner


def test_every_free_text_field_is_poisoned(poisoned):
    """The generic test covers the models' free-text fields, not a hand-kept list: a sample that must be there."""
    _, poisoner = poisoned
    fields = set(poisoner.fields.values())
    assert {"Task.text", "Task.units", "Term.definition", "Tag.name", "Quota.applicant", "Document.title",
            "Measure.title", "Negative.text", "Unit.note", "TableBlock.rows", "Column.options", "Progress.report",
            "Progress.unit", "Progress.problems", "Progress.reporter"} <= fields
    assert len(fields) > 60


def _injected(soup: BeautifulSoup) -> list[str]:
    found = [str(el)[:120] for el in soup.select(f".{MARK}")]
    for el in soup.find_all(True):
        for name in el.attrs:
            value = " ".join(el.get_attribute_list(name))
            # An event handler, or a link/source that runs script (anchors slugified from the payload are fine).
            if name.startswith("on") or (name in ("href", "src", "action") and
                                         value.strip().lower().startswith(("javascript:", "data:"))):
                found.append(f"{el.name}[{name}={value[:60]}]")
    return found


def test_no_page_carries_an_injected_element(poisoned):
    site, _ = poisoned
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 200
    bad = {str(p.relative_to(site)): _injected(BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser"))
           for p in pages}
    assert {k: v for k, v in bad.items() if v} == {}
    # The payload is on the pages, as text.
    text = BeautifulSoup((site / "tasks" / "taoyuan-2022" / "1" / "index.html").read_text(encoding="utf-8"),
                         "html.parser").get_text()
    assert f"<img src=x class={MARK}" in text


def test_search_index_holds_text_as_json_strings(poisoned):
    """The index files are scripts holding data as JSON strings: a payload stays inside its string (no
    '</script', no line separator that ends a JS string), and kb-search.js shows it as text."""
    site, _ = poisoned
    files = sorted((site / "search").rglob("*.js"))
    assert files
    for path in files:
        body = path.read_text(encoding="utf-8")
        assert "</" not in body and "\u2028" not in body and "\u2029" not in body, path
        head, _, rest = body.partition("(")
        assert head.startswith("__kbSearch.") and rest.endswith(");\n"), path
        number, _, value = rest[:-3].partition(",")
        json.loads(value)  # the data is one JSON value
    docs = [row for path in (site / "search" / "d").glob("*.js")
            for row in json.loads(path.read_text(encoding="utf-8").partition(",")[2][:-3])]
    assert any(f"<b class={MARK}" in row[2] or f"<b class={MARK}" in row[3] for row in docs)  # kept as text


def test_browser_shows_payloads_as_text_when_hovering_and_searching(poisoned):
    from playwright.sync_api import sync_playwright
    site, poisoner = poisoned
    tag = next(v for k, v in poisoner.memo.items() if poisoner.fields.get(int(re.search(r"alert\((\d+)\)", v)[1]))
               == "Tag.name")
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(f"{page.url}: alert({d.message})"), d.dismiss()))
        errors: list[str] = []  # a script that throws on data (a URI decoder on '%') breaks the page too
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        for rel in PAGES:
            page.goto(base + rel)
            page.wait_for_load_state("load")
            # Everything a tooltip can come from: title attributes, and the theme's ellipsised titles.
            # Everything a tooltip can come from: title attributes, and the theme's ellipsised titles. A real
            # hover (a synthetic mouseenter does not open the theme's tooltips); they open after a delay.
            # The real mouse over each, where it is on screen (a synthetic mouseenter opens no tooltip). Scrolled
            # first, so that the header shows the page's own (long, ellipsised) title.
            page.mouse.wheel(0, 400)
            page.wait_for_timeout(200)
            for el in page.query_selector_all(".md-header .md-ellipsis, article [title]")[:20]:
                el.scroll_into_view_if_needed()
                box = el.bounding_box()
                if box and box["x"] >= 0 and box["y"] >= 0:
                    page.mouse.move(box["x"] + min(box["width"], 40) / 2, box["y"] + box["height"] / 2)
                    page.wait_for_timeout(250)
            injected = page.evaluate(f"() => document.querySelectorAll('.{MARK}, img[src=x]').length")
            assert injected == 0, rel
        page.goto(base)
        for query in (MARK, tag.split('"')[0]):
            page.click(".md-search__input")
            page.fill(".md-search__input", "")
            type_like_a_person(page, query)
            page.wait_for_selector("li.md-search-result__item", timeout=10_000)
            page.wait_for_timeout(300)
            shown = page.inner_text(".md-search-result").replace("\u200b", "").replace("\u2060", "")
            assert page.evaluate(f"() => document.querySelectorAll('.{MARK}').length") == 0, query
            assert MARK in shown  # the payload is shown, as text
        page.goto(base + "tags/")
        page.click(".md-tag")  # a tag's own anchor, as the tag chips link to it
        page.wait_for_timeout(300)
        browser.close()
    assert dialogs == []
    assert errors == []


def test_downloads_and_open_data_hold_text(poisoned):
    site, _ = poisoned
    for path in site.rglob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and MARK in c.value:
                        # Data is a text cell, or a string literal inside one of the form's own formulas.
                        outside_literals = re.sub(r'"(?:[^"]|"")*"', "", c.value)
                        assert c.data_type == "s" or MARK not in outside_literals, \
                            f"{path.name}!{ws.title}!{c.coordinate}"
    for path in site.rglob("*.docx"):
        d = docx.Document(str(path))
        assert any(MARK in p.text for p in d.paragraphs) or any(
            MARK in cell.text for t in d.tables for row in t.rows for cell in row.cells), path.name
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        assert f"<img src=x class={MARK}" not in xml  # XML-escaped text, not markup
    kb = json.loads((site / "downloads" / "kb.json").read_text(encoding="utf-8"))
    assert any(MARK in r["text"] for r in kb["records"])
    for path in (site / "downloads").glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert len({len(r) for r in rows}) == 1, path.name  # quotes and commas in data do not shift columns


# --- the other findings of issue 12, each with its regression test ----------------------------------------

def _minimal(tmp_path: Path) -> Path:
    import shutil

    from bad_inputs import MINIMAL
    shutil.copytree(MINIMAL, tmp_path / "data")
    return tmp_path / "data"


def test_source_file_symlinked_outside_data_is_refused(tmp_path):
    from kb.assemble import load_corpus
    from kb.load import DataError
    data = _minimal(tmp_path)
    (data / "sources" / "evil.txt").symlink_to("/etc/passwd")
    docs = data / "documents.yml"
    docs.write_text(docs.read_text(encoding="utf-8").replace("source_file: a.txt", "source_file: evil.txt", 1),
                    encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert [str(p) for p in exc.value.problems] == [
        "data/documents.yml:9: document list-a: source_file 'evil.txt' leads outside data/sources/ (a link); "
        "copy the file there instead"]


def test_sources_folder_linked_outside_data_is_refused(tmp_path):
    """data/sources itself a link to /etc: its files are outside the data folder and are not published."""
    import shutil

    from kb.assemble import load_corpus
    from kb.load import DataError
    data = _minimal(tmp_path)
    shutil.rmtree(data / "sources")
    (data / "sources").symlink_to("/etc")
    docs = data / "documents.yml"
    docs.write_text(docs.read_text(encoding="utf-8").replace("source_file: a.txt", "source_file: passwd", 1),
                    encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert "data/documents.yml:9: document list-a: source_file 'passwd' leads outside data/sources/ (a link); " \
           "copy the file there instead" in [str(p) for p in exc.value.problems]


def test_data_file_linked_from_outside_data_is_refused(tmp_path):
    """A data file that is a symlink out of data/ (to another folder, or /proc/self/environ) is not read."""
    from kb.assemble import load_corpus
    from kb.load import DataError
    data = _minimal(tmp_path)
    outside = tmp_path / "outside.yml"
    outside.write_text("units:\n  - id: u-secret\n    name: 县保密局\n    region: 测试县\n", encoding="utf-8")
    (data / "units" / "secret.yml").symlink_to(outside)
    (data / "tasks" / "env.yml").symlink_to("/proc/self/environ")
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert [str(p) for p in exc.value.problems] == [
        "data/tasks/env.yml:1: file: is a link to a file outside data/; copy the file into data/ instead",
        "data/units/secret.yml:1: file: is a link to a file outside data/; copy the file into data/ instead"]


def test_yaml_scalars_stay_as_typed(tmp_path):
    """YAML 1.1 would read `1:20` as 80 (sexagesimal) and `no` as false; here they are the text typed."""
    from kb.assemble import load_corpus
    from kb.load import DataError
    data = _minimal(tmp_path)
    tasks = data / "tasks" / "list-a.yml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("text: 第一项任务。", "text: 1:20", 1)
                     .replace("text: 第二项任务。", "text: no", 1), encoding="utf-8")
    corpus = load_corpus(data, data.parent)
    assert [t.record.text for t in corpus.of_kind("task")] == ["1:20", "no"]
    # A deadline is read (kb.deadlines): the message quotes it as typed, not as 80 or false.
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("deadline: 长期坚持", "deadline: 1:20", 1)
                     .replace("deadline: 2022年底前", "deadline: no", 1), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert [str(p).split(" (understood")[0].split("; write")[0] for p in exc.value.problems] == [
        "data/tasks/list-a.yml:7: task 1: deadline: cannot read '1:20'",
        "data/tasks/list-a.yml:12: task 2: deadline: cannot read 'no'"]


def test_glossary_term_is_never_matched_inside_an_entity(tmp_path):
    from kb.assemble import load_corpus
    from kb.glossary import Glossary
    data = _minimal(tmp_path)
    (data / "glossary.yml").write_text("terms:\n  - id: lt\n    term: lt\n    definition: 小于。\n"
                                       "    sources: [list-a]\n", encoding="utf-8")
    glossary = Glossary(load_corpus(data, data.parent))
    assert glossary.annotate("<p>a &lt; b</p>") == "<p>a &lt; b</p>"
    assert glossary.annotate("<p>a &lt; lt</p>").count("<abbr") == 1


def test_problem_lines_are_one_line_whatever_the_data_holds():
    from kb.load import Problem
    line = str(Problem("data/x.yml", 3, "unit 县教育\u200b局", "unknown field 'a\nb\x1b'"))
    assert line == "data/x.yml:3: unit 县教育\\u200b局: unknown field 'a\\u000ab\\u001b'"
