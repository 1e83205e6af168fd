"""Task ledgers (issue 16): the .xlsx downloads, and `python -m kb ledger import` of filled ones.

Round trips with real parts: a downloaded ledger is filled with openpyxl and saved again by LibreOffice
(headless, as an office suite writes it), imported into a copy of the data, and the copy built for real.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from bs4 import BeautifulSoup
from openpyxl.utils.exceptions import IllegalCharacterError

from conftest import ROOT, build_site
from kb.assemble import load_corpus
from kb.downloads.ledger import (
    COLUMNS,
    FIRST_ROW,
    INFO_SHEET,
    LEDGER_FORMAT,
    SHEET,
    SHEET_PART,
    Contents,
    Line,
    _openpyxl_ledger,
    _template,
    build_ledger,
    data_version,
    ledger_files,
    ledger_rows,
    task_lists,
)
from kb.ledger import import_ledgers
from kb.routes import ledger_path
from poison import MARK, poisoned_data

SOFFICE = shutil.which("soffice")
TODAY = dt.date(2024, 7, 15)
BROKEN = yaml.safe_load((ROOT / "tests" / "fixtures" / "ledgers" / "broken.yml").read_text(encoding="utf-8"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "hooks"), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}


def data_copy(dest: Path) -> Path:
    data = dest / "data"
    shutil.copytree(ROOT / "data", data)
    return data


def through_libreoffice(path: Path, out: Path) -> Path:
    """The file as LibreOffice saves it (opened and saved again as .xlsx)."""
    assert SOFFICE, "LibreOffice is installed by `make test`"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], capture_output=True, text=True, timeout=180, check=True)
    saved = out / path.name
    assert saved.is_file() and saved.read_bytes() != path.read_bytes()
    return saved


def fill(source: Path, cells: dict[str, object], dest: Path) -> Path:
    """The ledger with cells set as a person types them ('任务台账!F4': value); dates as date cells."""
    wb = openpyxl.load_workbook(source)
    for where, value in cells.items():
        sheet, _, cell = where.partition("!")
        wb[sheet][cell] = value
    wb.save(dest)
    return dest


# --- the downloads ------------------------------------------------------------------------------

def test_the_list_and_unit_pages_offer_their_ledgers_under_chinese_names(site, corpus):
    page = BeautifulSoup((site / "tasks" / "taoyuan-2022" / "index.html").read_text(encoding="utf-8"), "html.parser")
    link = page.select_one("a.kb-download")
    assert link["download"] == "桃源县重点任务清单·任务台账.xlsx"
    assert (site / "tasks" / "taoyuan-2022" / link["href"]).resolve() == (site / ledger_path("taoyuan-2022")).resolve()
    units = {u.id for t in corpus.of_kind("task") for u in corpus.units_of_task(t.id)}
    assert len(units) == 21
    for unit_id in units:
        unit = corpus[unit_id]
        soup = BeautifulSoup((site / "units" / unit_id / "index.html").read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("a.kb-download")
        assert link["download"] == f"{unit.title}·桃源县重点任务清单·任务台账.xlsx"
        target = (site / "units" / unit_id / link["href"]).resolve()
        assert target == (site / ledger_path("taoyuan-2022", unit_id)).resolve() and target.is_file()


def test_a_unit_ledger_holds_its_tasks_locked_with_the_fill_in_columns_open(site, corpus):
    wb = openpyxl.load_workbook(site / ledger_path("taoyuan-2022", "ty-jyj"))
    assert wb.sheetnames == [SHEET, INFO_SHEET] and wb[INFO_SHEET].sheet_state == "hidden"
    assert wb.security.lockStructure  # the hidden sheet cannot be shown, the sheets keep their names
    ws = wb[SHEET]
    assert ws["A1"].value == "桃源县深化新时代教育评价改革重点任务清单·任务台账（县教育局）"
    assert [c.value for c in ws[3]] == [c.name for c in COLUMNS]
    lead, support = corpus.tasks_of_unit("ty-jyj")
    rows = ledger_rows(corpus, "taoyuan-2022", "ty-jyj")
    assert [r.task.id for r in rows] == [t.id for t in corpus.of_kind("task") if t in lead or t in support]
    assert ws.max_row == FIRST_ROW + len(rows) - 1 == 3 + 46
    for i, row in enumerate(rows):
        r = FIRST_ROW + i
        task = row.task.record
        assert ws[f"A{r}"].value == task.number and ws[f"B{r}"].value == task.section
        assert ws[f"C{r}"].value == task.text.replace("〖", "").replace("〗", "")
        assert ws[f"D{r}"].value == "县教育局" + ("（牵头）" if row.task in lead else "（配合）")
        assert ws[f"E{r}"].value == task.deadline
        for c in range(1, 13):
            cell = ws.cell(row=r, column=c)
            assert cell.protection.locked == COLUMNS[c - 1].prefilled, cell.coordinate
            assert cell.value is None or COLUMNS[c - 1].prefilled
    assert ws.protection.sheet and not ws.protection.formatRows
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    last = FIRST_ROW + len(rows) - 1
    status = validations[f"G4:G{last}"]
    assert status.type == "list" and status.formula1 == '"未启动,推进中,已完成,长期坚持"' and status.showErrorMessage
    date = validations[f"L4:L{last}"]
    assert (date.type, date.operator, date.formula1, date.formula2) == ("date", "between", "DATE(2022,6,5)", "TODAY()")
    assert ws["L4"].number_format == "yyyy-mm-dd"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.print_title_rows == "$1:$3" and ws.page_setup.fitToWidth == 1 and ws.freeze_panes == "A4"
    info = {row[0]: row[1] for row in wb[INFO_SHEET].iter_rows(max_row=5, values_only=True)}
    assert info == {"台账格式": LEDGER_FORMAT, "清单": "taoyuan-2022", "单位": "ty-jyj",
                    "数据版本": data_version("taoyuan-2022", "ty-jyj", rows), "工作表": SHEET}


def test_the_list_ledger_has_a_row_per_task_and_unit(site, corpus):
    ws = openpyxl.load_workbook(site / ledger_path("taoyuan-2022"))[SHEET]
    pairs = [(t.number, u.title) for t in corpus.of_kind("task") for u in corpus.units_of_task(t.id)]
    got = [(ws[f"A{r}"].value, ws[f"D{r}"].value.rsplit("（", 1)[0]) for r in range(FIRST_ROW, ws.max_row + 1)]
    assert got == pairs and len(pairs) > 66
    leads = [ws[f"D{r}"].value.endswith("（牵头）") for r in range(FIRST_ROW, ws.max_row + 1)]
    assert leads == [corpus.units_of_task(f"taoyuan-2022/{n}")[0].title == u for n, u in pairs]


def test_same_data_same_ledger_bytes(site):
    """Built twice from two loads of the data (openpyxl stamps times in docProps: pinned), and as the site has it."""
    first, second = load_corpus(ROOT / "data", ROOT), load_corpus(ROOT / "data", ROOT)
    for unit in (None, "ty-jyj", "ty-fl"):
        a, b = build_ledger(first, "taoyuan-2022", unit), build_ledger(second, "taoyuan-2022", unit)
        assert a == b == (site / ledger_path("taoyuan-2022", unit)).read_bytes()


def same_as_openpyxl(corpus) -> dict[str, bytes]:
    """The site's ledgers (ledger_files writes them from a template: thousands at scale), each checked to have
    the bytes build_ledger gives when openpyxl builds that ledger, the list's and every unit's."""
    files = ledger_files(corpus)
    ledgers = [(doc.id, unit) for doc in task_lists(corpus)
               for unit in [None, *dict.fromkeys(r.unit.id for r in ledger_rows(corpus, doc.id))]]
    assert sorted(files) == sorted(ledger_path(list_id, unit) for list_id, unit in ledgers)
    for list_id, unit in ledgers:
        assert files[ledger_path(list_id, unit)] == build_ledger(corpus, list_id, unit), (list_id, unit)
    return files


def test_the_sites_ledgers_are_those_openpyxl_builds(corpus):
    files = same_as_openpyxl(corpus)
    units = {u.id for t in corpus.of_kind("task") for u in corpus.units_of_task(t.id)}
    assert len(files) == 1 + len(units)
    sizes = {u: len(ledger_rows(corpus, "taoyuan-2022", u)) for u in units}
    assert min(sizes.values()) == 1 and max(sizes.values()) == 46  # a unit of one row: its ranges are one cell


def test_the_ledgers_of_a_generated_set_are_those_openpyxl_builds(tmp_path):
    """bench/generate.py's lists (sixty-six tasks each, units of their own regions, their own dates)."""
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(tmp_path), "1000"], env=ENV,
                   capture_output=True, check=True)
    corpus = load_corpus(tmp_path / "data", tmp_path)
    assert len(task_lists(corpus)) > 3
    assert len(same_as_openpyxl(corpus)) > 100


def test_the_ledgers_of_poisoned_data_are_those_openpyxl_builds(tmp_path):
    """Every free text carrying quotes, brackets and braces (tests/poison.py): escaped alike."""
    data, _ = poisoned_data(tmp_path, ROOT / "data")
    files = same_as_openpyxl(load_corpus(data, tmp_path))
    sheet = zipfile.ZipFile(io.BytesIO(files[ledger_path("taoyuan-2022")])).read(SHEET_PART)
    assert MARK.encode() in sheet and b"&lt;img" in sheet  # the payload is there, as text


EDGES = (" 前后空格 ", "\u3000全角缩进", "两行\n文字 ", "制表\t符", "回车\r符", "&<>\"'&amp;&#26691;", "]]>",
         "=HYPERLINK(\"http://x\")", "\U0001F600 外", "\x7f", "长" * 40_000, "  ", "")


def test_the_template_writes_any_text_as_openpyxl_does():
    """Texts at every edge of the escaping: spaces kept (xml:space, the ideographic one too), line breaks,
    tabs, carriage returns, markup, a formula, a character beyond the BMP, a text too long for a cell (cut),
    empty cells; in the title, the line, the validation's error (an attribute) and the hidden sheet."""
    template = _template()
    lines = tuple(Line((i, text, text or "一", EDGES[(i + 5) % len(EDGES)], "长期坚持"), i or None, text or "u")
                  for i, text in enumerate(EDGES))
    contents = Contents(" 标题 <&> " + EDGES[5], "\u3000说明\n" + EDGES[3], "DATE(2022,6,5)",
                        '请填写 "<&>"\n\t' + EDGES[4], (("台账格式", 1, ""), ("清单", "", " 说明 ")), lines)
    assert template.ledger(contents, template.rows(lines)) == _openpyxl_ledger(contents)
    for title in EDGES[:3] + EDGES[-2:]:  # the file's title keeps its spaces by another rule than a cell's text
        one = Contents(title, *EDGES[1:4], (), lines[:1])
        assert template.ledger(one, template.rows(one.lines)) == _openpyxl_ledger(one), repr(title)
    bad = Contents("标题", "说明", "DATE(2022,6,5)", "", (), (Line((1, "控制\x01字符", "", "", ""), 1, "u"),))
    for write in (lambda: template.ledger(bad, template.rows(bad.lines)), lambda: _openpyxl_ledger(bad)):
        with pytest.raises(IllegalCharacterError):
            write()


def test_libreoffice_reads_a_list_ledger_as_openpyxl_does(site, tmp_path):
    """The sheets hold their text in UTF-8 (kb.downloads.ledger._utf8): an office suite reads every cell of both
    sheets as openpyxl does, then saves them."""
    saved = through_libreoffice(site / ledger_path("taoyuan-2022"), tmp_path)

    def values(path: Path) -> dict[str, list[list[object]]]:
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}
    ours, theirs = values(site / ledger_path("taoyuan-2022")), values(saved)
    assert ours == theirs and len(ours[SHEET]) > 66 and len(ours[INFO_SHEET]) > 66
    assert ours[SHEET][0][0] == "桃源县深化新时代教育评价改革重点任务清单·任务台账"


def test_libreoffice_prints_a_ledger_on_a4_landscape_pages(site, tmp_path):
    assert SOFFICE
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(site / ledger_path("taoyuan-2022", "ty-jyj"))],
                   capture_output=True, text=True, timeout=180, check=True)
    info = subprocess.run(["pdfinfo", str(tmp_path / "ty-jyj.pdf")], capture_output=True, text=True).stdout
    assert "841.89 x 595.3" in info  # A4 landscape, in points
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    assert pages >= 2
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "ty-jyj.pdf"), "-"], capture_output=True,
                          text=True).stdout.split("\f")
    for page in text[:pages]:  # the header rows on every printed page
        assert "具体改革举措" in page and "填报日期" in page and "第" in page


# --- the import -----------------------------------------------------------------------------------

FILLED = {"任务台账!F4": "县委常委会专题研究教育工作，教育局做好联系服务。", "任务台账!G4": "推进中",
          "任务台账!L4": dt.date(2024, 6, 30), "任务台账!J4": "县教育局", "任务台账!K4": "测试乙",
          "任务台账!F6": "经费分配办法已修订，\n不与升学率挂钩。", "任务台账!G6": "已完成", "任务台账!H6": "修订稿",
          "任务台账!L6": "2024-07-01", "任务台账!J7": "县教育局"}
EXPECTED_YAML = """# yaml-language-server: $schema=../schema/progress.schema.json
# 任务进展：各责任单位填报的任务台账，由 `python -m kb ledger import` 导入
# （按任务、责任单位、填报日期排列）。
# Written by the import; an entry may be corrected by hand (make validate checks it).
list: taoyuan-2022
progress:
- task: 1
  unit: 县教育局
  date: '2024-06-30'
  status: 推进中
  report: 县委常委会专题研究教育工作，教育局做好联系服务。
  filed_by: 县教育局
  reporter: 测试乙
- task: 8
  unit: 县教育局
  date: '2024-07-01'
  status: 已完成
  report: |-
    经费分配办法已修订，
    不与升学率挂钩。
  evidence: 修订稿
"""


@pytest.fixture(scope="module")
def filled(site, tmp_path_factory) -> tuple[Path, Path]:
    """县教育局's ledger filled with openpyxl, and the same file saved again by LibreOffice."""
    out = tmp_path_factory.mktemp("filled")
    mine = fill(site / ledger_path("taoyuan-2022", "ty-jyj"), FILLED, out / "县教育局台账.xlsx")
    return mine, through_libreoffice(mine, out / "libreoffice")


@pytest.mark.parametrize("which", [0, 1], ids=["openpyxl", "libreoffice"])
def test_a_filled_ledger_becomes_dated_progress_entries_once(filled, which, tmp_path):
    data = data_copy(tmp_path)
    result = import_ledgers([filled[which]], data, TODAY)
    assert result.problems == []
    assert result.written == {"data/progress/taoyuan-2022.yml": (2, 0, 0)}
    path = data / "progress" / "taoyuan-2022.yml"
    assert path.read_text(encoding="utf-8") == EXPECTED_YAML
    corpus = load_corpus(data, data.parent)  # valid data like any other
    entry = corpus["taoyuan-2022/8/ty-jyj-2024-07-01"]
    assert entry.kind == "progress" and entry.parent == "taoyuan-2022/8" and entry.record.status == "已完成"
    stamp = path.stat().st_mtime_ns
    again = import_ledgers([filled[which]], data, TODAY)
    assert again.problems == [] and again.written == {"data/progress/taoyuan-2022.yml": (0, 0, 2)}
    assert path.read_text(encoding="utf-8") == EXPECTED_YAML and path.stat().st_mtime_ns == stamp  # not rewritten


def test_a_later_report_adds_entries_and_a_changed_one_is_refused_unless_replaced(filled, site, tmp_path):
    data = data_copy(tmp_path)
    assert import_ledgers([filled[0]], data, TODAY).problems == []
    later = fill(filled[0], {"任务台账!L4": dt.date(2024, 7, 10), "任务台账!G4": "已完成", "任务台账!L6": None,
                             "任务台账!F6": None, "任务台账!G6": None, "任务台账!H6": None}, tmp_path / "later.xlsx")
    result = import_ledgers([later], data, TODAY)
    assert result.problems == [] and result.written == {"data/progress/taoyuan-2022.yml": (1, 0, 0)}
    corpus = load_corpus(data, data.parent)
    assert [e.record.date for e in corpus.children("taoyuan-2022/1")] == ["2024-06-30", "2024-07-10"]
    changed = fill(filled[0], {"任务台账!G4": "已完成"}, tmp_path / "changed.xlsx")
    before = (data / "progress" / "taoyuan-2022.yml").read_bytes()
    result = import_ledgers([changed], data, TODAY, names=["changed.xlsx"])
    assert result.problems == ["changed.xlsx:任务台账!A4: 县教育局 reported on task 1 for 2024-06-30 already, "
                               "differently (data/progress/taoyuan-2022.yml:7); to replace that entry, import with "
                               "--replace"]
    assert (data / "progress" / "taoyuan-2022.yml").read_bytes() == before
    result = import_ledgers([changed], data, TODAY, replace=True)
    assert result.problems == [] and result.written == {"data/progress/taoyuan-2022.yml": (0, 1, 1)}
    assert load_corpus(data, data.parent)["taoyuan-2022/1/ty-jyj-2024-06-30"].record.status == "已完成"


@pytest.fixture(scope="module")
def broken(site, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("broken")
    source = site / ledger_path(BROKEN["ledger"]["list"], BROKEN["ledger"]["unit"])
    mine = fill(source, BROKEN["cells"], out / "ledger.xlsx")
    return mine, through_libreoffice(mine, out / "libreoffice")


@pytest.mark.parametrize("which", [0, 1], ids=["openpyxl", "libreoffice"])
def test_a_broken_ledger_gives_exactly_its_messages_and_writes_nothing(broken, which, tmp_path):
    data = data_copy(tmp_path)
    result = import_ledgers([broken[which]], data, BROKEN["today"], names=["ledger.xlsx"])
    assert result.problems == BROKEN["expected"]
    assert result.written == {} and not (data / "progress").exists()


def test_one_wrong_file_stops_the_others_too(filled, broken, tmp_path):
    data = data_copy(tmp_path)
    result = import_ledgers([filled[0], broken[0]], data, TODAY, names=["good.xlsx", "ledger.xlsx"])
    assert result.problems and all(p.startswith("ledger.xlsx:") for p in result.problems)
    assert not (data / "progress").exists()


def test_two_files_disagreeing_on_a_report(filled, tmp_path):
    other = fill(filled[0], {"任务台账!G4": "已完成"}, tmp_path / "other.xlsx")
    data = data_copy(tmp_path)
    result = import_ledgers([filled[0], other], data, TODAY, names=["a.xlsx", "b.xlsx"])
    assert result.problems == ["b.xlsx:任务台账!A4: 县教育局 reports on task 1 for 2024-06-30 differently in "
                               "a.xlsx:任务台账!A4; keep one"]
    same = import_ledgers([filled[0], filled[1]], data, TODAY)  # the same reports twice: once
    assert same.problems == [] and same.written == {"data/progress/taoyuan-2022.yml": (2, 0, 0)}


def test_files_that_are_no_ledger(site, tmp_path):
    data = data_copy(tmp_path)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (tmp_path / "note.xlsx").write_text("not a workbook", encoding="utf-8")
    result = import_ledgers([site / "downloads" / "hubei-2024-summary.xlsx", tmp_path / "old.xls",
                             tmp_path / "note.xlsx", tmp_path / "missing.xlsx"], data, TODAY,
                            names=["汇总表.xlsx", "old.xls", "note.xlsx", "missing.xlsx"])
    assert result.problems == [
        "missing.xlsx: is not a file",
        "note.xlsx: cannot be read: it is not an .xlsx workbook (BadZipFile); save it as an Excel workbook (.xlsx)",
        "old.xls: cannot be read: it is an old .xls file; save it as an Excel workbook (.xlsx)",
        "汇总表.xlsx: has no sheet 台账信息: it is not a task ledger from the site (download one from the list's or a "
        "unit's page)"]


def test_the_command_line(filled, broken, tmp_path):
    data = data_copy(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kb", "--data", str(data), "ledger", "import", *args],
                              capture_output=True, text=True, env=ENV, cwd=tmp_path)
    bad = run(str(broken[0]), "--today", "2024-07-15")
    assert bad.returncode == 1 and bad.stdout == ""
    lines = bad.stderr.splitlines()
    assert [ln.replace(str(broken[0]), "ledger.xlsx") for ln in lines[:-1]] == BROKEN["expected"]
    assert lines[-1] == f"{len(BROKEN['expected'])} problems; nothing written"
    good = run(str(filled[1]), "--today", "2024-07-15")
    assert good.returncode == 0, good.stderr
    assert good.stdout == "data/progress/taoyuan-2022.yml: 2 added, 0 replaced, 0 already there (written)\n"
    assert run(str(filled[1]), "--today", "2024-07-15").stdout.endswith("2 already there (unchanged)\n")
    assert run(str(filled[1]), "--today", "2024-06-01").returncode == 1  # 2024-06-30 is after that day


def test_download_fill_libreoffice_import_build_shows_the_progress(filled, tmp_path):
    """The whole round trip, as the issue puts it: the site built from the imported data shows the reports."""
    data = data_copy(tmp_path)
    assert import_ledgers([filled[1]], data, TODAY).problems == []
    site = tmp_path / "site"
    result = build_site(site, KB_DATA=str(data))
    assert result.returncode == 0, result.stderr

    def article(rel: str) -> BeautifulSoup:
        soup = BeautifulSoup((site / rel / "index.html").read_text(encoding="utf-8"), "html.parser")
        return soup.select_one("article")
    task = article("tasks/taoyuan-2022/8")
    row = task.select_one("tr#p-ty-jyj-2024-07-01")
    assert [td.get_text() for td in row.find_all("td")] == [
        "2024年7月1日", "已完成", "经费分配办法已修订，\n不与升学率挂钩。", "修订稿", "", ""]
    unit = article("units/ty-jyj")
    cells = {tr.td.get_text(strip=True): tr.find_all("td")[-1].get_text(" ", strip=True)
             for tr in unit.select("#lead ~ div table tbody tr")[:4]}
    assert cells["任务8"] == "已完成 2024年7月1日" and cells["任务9"] == "未填报"
    listing = article("tasks/taoyuan-2022")
    statuses = {tr["data-status"] for tr in listing.select("#kb-tasks tbody tr")}
    assert statuses == {"已完成", "未填报"}  # task 1's lead is 县委办: its status is still 未填报
    assert listing.select_one('#kb-tasks tr[data-status="已完成"] td').get_text() == "8"
