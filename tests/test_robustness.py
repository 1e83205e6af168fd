"""Bad data never breaks the site: exact messages for bad inputs, text rendered as text everywhere,
property tests over the loader and page builders, and builds that replace site/ only on success."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_inputs import CASES, MINIMAL, make_case
from browser import CHROMIUM, CHROMIUM_ARGS, serve
from conftest import MKDOCS, ROOT
from kb.assemble import load_corpus
from kb.load import DataError
from kb.site import Site

HOSTILE = yaml.safe_load((ROOT / "tests" / "fixtures" / "hostile" / "texts.yml").read_text(encoding="utf-8"))
LONG_LINE = "A" * 3000


def test_bad_input_corpus_is_large():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_gives_exactly_its_messages(case, tmp_path):
    data = make_case(case, tmp_path)
    started = time.perf_counter()
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert [str(p) for p in exc.value.problems] == case["expected"]
    if case.get("generate") == "alias_bomb":
        assert time.perf_counter() - started < 5  # refused at the first alias, never expanded


def test_bad_data_stops_the_build_with_the_messages(tmp_path):
    case = next(c for c in CASES if c["name"] == "unknown unit")
    data = make_case(case, tmp_path)
    env = {**os.environ, "KB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(tmp_path / "site")], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert case["expected"][0] in result.stderr
    assert "Traceback" not in result.stderr


# --- text is text ------------------------------------------------------------------------

def make_hostile(dest: Path) -> Path:
    """The real data with hostile text in every kind of field that reaches a page, a table or a file."""
    data = dest / "data"
    shutil.copytree(ROOT / "data", data)

    def edit(rel, fn):
        path = data / rel
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
        fn(value)
        path.write_text(yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")

    def tasks(v):
        v["tasks"][0]["text"] = " ".join(HOSTILE)
        v["tasks"][1]["text"] = LONG_LINE
        v["tasks"][2]["deadline"] = "2022年底前" + HOSTILE[3]  # a stage: what is done by then is free text
        v["tasks"][3]["text"] = HOSTILE[5]  # a formula as a task's text: the ledgers hold it as text

    def projects(v):
        v["projects"][0]["text"] = HOSTILE[5]
        v["projects"][1]["text"] = HOSTILE[0]

    def negatives(v):
        v["negatives"][0]["text"] = HOSTILE[1]

    def glossary(v):
        v["terms"][0]["definition"] = HOSTILE[2] + HOSTILE[0]

    def cases(v):
        v["cases"][0]["sections"][0]["measures"][0]["text"] = HOSTILE[3] + HOSTILE[4]

    def documents(v):
        v["documents"][0]["summary"] = HOSTILE[0] + HOSTILE[6]

    edit("tasks/taoyuan-2022.yml", tasks)
    edit("projects/hubei-2024.yml", projects)
    edit("negative.yml", negatives)
    edit("glossary.yml", glossary)
    edit("cases/case-sample.yml", cases)
    edit("documents.yml", documents)
    (data / "progress").mkdir()
    (data / "progress" / "taoyuan-2022.yml").write_text(yaml.safe_dump({"list": "taoyuan-2022", "progress": [
        {"task": 1, "unit": "县委办", "date": "2024-06-30", "status": "推进中", "report": HOSTILE[0] + HOSTILE[3],
         "evidence": HOSTILE[1], "problems": HOSTILE[4], "filed_by": HOSTILE[6], "reporter": HOSTILE[5]}]},
        allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    dest = tmp_path_factory.mktemp("hostile")
    data = make_hostile(dest)
    env = {**os.environ, "KB_DATA": str(data), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(MKDOCS), "build", "--strict", "-d", str(dest / "site")], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return dest / "site"


def test_hostile_text_is_literal_in_the_browser(hostile_site):
    from playwright.sync_api import sync_playwright
    pages = ["tasks/taoyuan-2022/1/", "tasks/taoyuan-2022/2/", "tasks/taoyuan-2022/3/", "projects/hubei-2024/1/",
             "projects/hubei-2024/2/", "negative/ty-7/", "glossary/wuwei/", "glossary/", "cases/sample-xx/",
             "documents/hubei-2024/", "tasks/taoyuan-2022/", "subjects/party-government/", "units/ty-jyj/",
             "projects/hubei-2024/", "", "forms/hubei-2024-summary/"]
    with serve(hostile_site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 375, "height": 812})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for rel in pages:
            page.goto(base + rel)
            article = page.query_selector("article")
            assert page.evaluate("() => window.__pwned === undefined"), rel
            assert article.query_selector_all("script, img, iframe") == [], rel
            hrefs = article.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href') || '')")
            assert not any(h.strip().lower().startswith("javascript:") for h in hrefs), rel
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, rel
        page.goto(base + "tasks/taoyuan-2022/1/")
        text = page.inner_text("article")
        for hostile in HOSTILE[:6]:
            assert hostile in text  # shown exactly as written
        page.goto(base + "tasks/taoyuan-2022/")
        cells = page.eval_on_selector_all("#kb-tasks tbody tr", "rows => rows.map(r => r.cells.length)")
        assert set(cells) == {6}  # a '|' in the text does not add columns (the sixth: progress, reported here)
        page.goto(base + "subjects/party-government/")
        widths = page.eval_on_selector_all("article table tbody tr", "rows => rows.map(r => r.cells.length)")
        assert set(widths) == {2}
        # search results show it literally too
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base)
        page.click(".md-search__input")
        page.keyboard.type("pwned")
        page.wait_for_selector("li.md-search-result__item")
        shown = page.inner_text(".md-search-result").replace("\u200b", "").replace("\u2060", "")
        assert "<script>window.__pwned" in shown
        assert page.evaluate("() => window.__pwned === undefined")
        browser.close()
    assert dialogs == []


def test_hostile_text_is_literal_in_the_downloads(hostile_site):
    wb = openpyxl.load_workbook(hostile_site / "downloads" / "hubei-2024-summary.xlsx")
    options = wb["选项"]
    cells = [c for row in options.iter_rows() for c in row if c.value == HOSTILE[5]]
    assert cells and all(c.data_type == "s" for c in cells)  # text, not a formula
    d = docx.Document(str(hostile_site / "downloads" / "cases" / "sample-xx.docx"))
    assert any(HOSTILE[3] + HOSTILE[4] in p.text for p in d.paragraphs)
    kb = (hostile_site / "downloads" / "kb.json").read_text(encoding="utf-8")
    assert "window.__pwned" in kb
    progress = next(r for r in json.loads(kb)["records"] if r["kind"] == "progress")
    assert progress["report"] == HOSTILE[0] + HOSTILE[3] and progress["reporter"] == HOSTILE[5]
    for ledger in (hostile_site / "downloads" / "ledgers").rglob("*.xlsx"):  # the task text '=HYPERLINK(…)'
        ws = openpyxl.load_workbook(ledger)["任务台账"]
        cells = [c for row in ws.iter_rows() for c in row if c.value == HOSTILE[5]]
        assert all(c.data_type == "s" for c in cells)
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    ws = openpyxl.load_workbook(hostile_site / "downloads" / "ledgers" / "taoyuan-2022.xlsx")["任务台账"]
    assert [c for row in ws.iter_rows() for c in row if c.value == HOSTILE[5] and c.data_type == "s"]


# --- properties: any record set validates and builds, or fails with a message ---------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 100), st.text(max_size=30),
                     st.sampled_from(HOSTILE + ["县教育局", "一", "学校", "长期坚持", "list-a/1", "lib-a/1", ""]))
_values = st.one_of(_scalars, st.lists(_scalars, max_size=4), st.dictionaries(st.text(max_size=8), _scalars,
                                                                              max_size=3))
_task = st.fixed_dictionaries(
    {}, optional={"number": st.one_of(st.integers(-1, 5), _scalars), "section": st.sampled_from(["一", "二", "三"]),
                  "text": st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(HOSTILE)),
                  "units": st.one_of(st.lists(st.sampled_from(["县教育局", "县财政局", "县教育"]), max_size=3), _values),
                  "deadline": _values, "subjects": st.lists(st.sampled_from(["学校", "教师", "学生会"]), max_size=2),
                  "links": st.lists(st.sampled_from(["lib-a/1", "list-a/1", "list-a/2", "nope"]), max_size=2),
                  "subjcts": _values})


def _load_and_render(tasks_text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "data"
        shutil.copytree(MINIMAL, data)
        (data / "tasks" / "list-a.yml").write_text(tasks_text, encoding="utf-8")
        try:
            corpus = load_corpus(data, data.parent)
        except DataError as exc:
            assert exc.problems and all(str(p).startswith("data/") for p in exc.problems)
            return
        site = Site.load(data, data.parent)
        assert site.build().pages
        assert corpus.of_kind("task")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_task, max_size=4))
def test_any_task_set_loads_and_renders_or_fails_with_messages(tasks):
    _load_and_render(yaml.safe_dump({"list": "list-a", "tasks": tasks}, allow_unicode=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_file_text_loads_or_fails_with_messages(text):
    _load_and_render(text)


# --- atomic builds ------------------------------------------------------------------------------

@pytest.fixture
def project_copy(tmp_path):
    """A copy of the repository (tracked files) with a previous good site/ in place."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("上一次的网站", encoding="utf-8")
    return tmp_path


def make_build(folder: Path) -> subprocess.CompletedProcess:
    venv = Path(sys.executable).parent.parent
    # -o: the venv is this test run's; the copy's make must not reinstall the package into it from the copy
    return subprocess.run(["make", "build", f"VENV={venv}", "-o", f"{venv}/.runtime"], cwd=folder,
                          capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def _assert_site_untouched(folder: Path, result):
    assert result.returncode != 0, result.stdout
    assert (folder / "site" / "index.html").read_text(encoding="utf-8") == "上一次的网站"
    assert sorted(p.name for p in (folder / "site").iterdir()) == ["index.html"]


def test_failed_build_bad_data_keeps_the_previous_site(project_copy):
    tasks = project_copy / "data" / "tasks" / "taoyuan-2022.yml"
    tasks.write_text(tasks.read_text(encoding="utf-8").replace("units: [县教育局]", "units: [县教育]", 1),
                     encoding="utf-8")
    result = make_build(project_copy)
    _assert_site_untouched(project_copy, result)
    assert "is not a known unit of 湖南省常德市桃源县 (did you mean 县教育局?)" in result.stderr


def test_failed_build_template_error_keeps_the_previous_site(project_copy):
    template = project_copy / "overrides" / "pages" / "task.html"
    template.write_text(template.read_text(encoding="utf-8") + "\n{{ no_such_value }}\n", encoding="utf-8")
    _assert_site_untouched(project_copy, make_build(project_copy))


def test_failed_build_hook_crash_keeps_the_previous_site(project_copy):
    hook = project_copy / "hooks" / "kb_hooks.py"
    hook.write_text(hook.read_text(encoding="utf-8") + "\n\ndef on_post_build(config):\n    raise RuntimeError('boom')\n",
                    encoding="utf-8")
    _assert_site_untouched(project_copy, make_build(project_copy))


def test_successful_build_replaces_the_site(project_copy):
    result = make_build(project_copy)
    assert result.returncode == 0, result.stderr
    site = project_copy / "site"
    assert "上一次的网站" not in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "tasks" / "taoyuan-2022" / "44" / "index.html").is_file()
    assert (site / "downloads" / "kb-offline.zip").is_file()
    assert not any(p.name.startswith((".site-", ".kb-offline")) for p in project_copy.iterdir())
