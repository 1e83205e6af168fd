"""The generated Word and Excel files: fields, fonts, validations, page setup, determinism, LibreOffice."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from conftest import ROOT
from kb.routes import url as url_of  # noqa: E402
from kb.site import Site


def open_docx(site: Path, name: str):
    return docx.Document(str(site / "downloads" / name))


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def east_asian_font(style) -> str:
    fonts = style.element.rPr.rFonts
    assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:eastAsia"))
    return fonts.get(qn("w:eastAsia"))


def assert_a4(section, landscape=False):
    w, h = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    assert abs(section.page_width - w) < Mm(1) and abs(section.page_height - h) < Mm(1)
    assert section.orientation == (WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT)


def test_hubei_application_form(site):
    d = open_docx(site, "hubei-2024-application.docx")
    text = all_text(d)
    for needle in ("湖北省深化新时代教育评价改革试点", "申报书", "推荐单位：", "试点单位：", "申报日期：",
                   "☐综合试点", "☐项目试点", "一、试点单位基本信息", "负责人", "联系人", "职称/职务", "办公电话/手机",
                   "试点主要内容", "2024年6月至 年 月（试点期限一般为2至3年）", "二、试点工作基础",
                   "500字以内", "三、试点工作计划", "2000字以内", "四、预期效果", "五、单位意见", "试点单位意见",
                   "推荐单位意见", "签字盖章:", "2024年 月 日", "此栏无需填写"):
        assert needle in text, needle
    info = d.tables[0]
    assert [c.text for c in info.rows[0].cells] == ["负责人", "姓名", "", "职称/职务", "", "办公电话/手机", ""]
    assert info.rows[2].cells[1].text == "" and info.rows[2].cells[1]._tc is info.rows[2].cells[6]._tc  # merged
    assert_a4(d.sections[0])
    assert east_asian_font(d.styles["标题"]) == "方正小标宋简体" and d.styles["标题"].font.size == Pt(22)
    assert east_asian_font(d.styles["Normal"]) == "仿宋_GB2312" and d.styles["Normal"].font.size == Pt(16)
    assert east_asian_font(d.styles["Heading 1"]) == "黑体"
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、试点单位基本信息", "二、试点工作基础", "三、试点工作计划", "四、预期效果", "五、单位意见"]


def test_case_template_formatting(site):
    d = open_docx(site, "chongqing-2-template.docx")
    expect = {"标题": ("方正小标宋_GBK", 22, False), "单位": ("方正楷体", 16, False),
              "Normal": ("方正仿宋_GBK", 16, False), "Heading 1": ("方正黑体", 16, False),
              "Heading 2": ("方正楷体", 16, False), "Heading 3": ("方正仿宋_GBK", 16, True)}
    for name, (font, size, bold) in expect.items():
        style = d.styles[name]
        assert east_asian_font(style) == font, name
        assert style.font.size == Pt(size), name
        assert bool(style.font.bold) == bold, name
    for name in ("标题", "单位"):
        assert d.styles[name].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = d.styles["Normal"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY and body.line_spacing == Pt(30)
    by_style = {p.style.name: p.text for p in reversed(d.paragraphs)}
    assert by_style["标题"].startswith("标题（方正小标宋_GBK，二号，居中）")
    assert by_style["单位"].startswith("单位XX")
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == [
        "一、改革背景（一级标题，方正黑体，三号）", "二、具体措施及实施成效", "三、案例反思"]
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 2"][0].startswith("（一）XXX")
    h3 = next(p for p in d.paragraphs if p.style.name == "Heading 3")
    assert h3.text.startswith("1.XXXXXXXXXX") and "案例所获区级及以上奖励情况" in h3.text
    assert "帽段：用一两百字简要介绍情况" in all_text(d)
    assert "3000字以内" in d.core_properties.comments
    assert_a4(d.sections[0])


def test_case_as_docx(site, corpus):
    d = open_docx(site, "cases/sample-xx.docx")
    case = corpus["sample-xx"].record
    assert d.paragraphs[0].style.name == "标题" and d.paragraphs[0].text == case.title
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == [s.heading for s in case.sections]
    measures = [p.text for p in d.paragraphs if p.style.name == "Heading 3"]
    assert measures == [m.label + m.title + m.text for s in case.sections for m in s.measures]


def test_hubei_summary_sheet(site, corpus):
    wb = openpyxl.load_workbook(site / "downloads" / "hubei-2024-summary.xlsx")
    ws = wb["汇总表"]
    assert ws["A1"].value == "湖北省深化新时代教育评价改革试点申报汇总表"
    assert ws["A2"].value == "推荐单位（盖章）：" and "填报时间：2024 年 月 日" in [c.value for c in ws[2]]
    assert [c.value for c in ws[3]][:5] == ["序号", "试点单位", "试点类型", "试点项目名称", "试点期限"]
    assert [ws.cell(row=r, column=1).value for r in range(4, 14)] == list(range(1, 11))
    footer = [c.value for c in ws[14]]
    assert "联系人：" in footer and "联系电话：" in footer
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    kind = validations["C4:C13"]
    assert kind.type == "list" and kind.showErrorMessage
    options = wb["选项"]
    assert wb["选项"].sheet_state == "hidden"
    col_values = {options.cell(row=1, column=c).value: [options.cell(row=r, column=c).value
                                                        for r in range(2, options.max_row + 1)
                                                        if options.cell(row=r, column=c).value]
                  for c in range(1, options.max_column + 1)}
    assert col_values["试点类型"] == ["综合试点", "项目试点"]
    projects = [e.record.text for e in corpus.of_kind("project")]
    assert col_values["试点项目名称"] == projects and len(projects) == 25
    name = validations["D4:D13"]
    assert name.type == "list" and not name.showErrorMessage  # 自主确定 is allowed
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.print_title_rows == "$1:$3"
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "COUNTIF" in c.value]
    assert len(formulas) == 4 and any('"市州"' in f and ">2" in f for f in formulas)
    assert any('"高校"' in f and ">3" in f for f in formulas)


def test_chongqing_summary_sheet(site, corpus):
    wb = openpyxl.load_workbook(site / "downloads" / "chongqing-2-summary.xlsx")
    ws = wb["汇总表"]
    assert [c.value for c in ws[3]] == ["序号", "案例名称", "案例类型", "负责人", "单位", "电话", "是否公开发表",
                                       "案例所获区级及以上奖励情况"]
    header = [c.value for c in ws[2] if c.value]
    assert header == ["报送单位（盖章）：", "联系人：", "联系电话："]
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    options = wb["选项"]
    lists = {options.cell(row=1, column=c).value: [options.cell(row=r, column=c).value
                                                   for r in range(2, options.max_row + 1)
                                                   if options.cell(row=r, column=c).value]
             for c in range(1, options.max_column + 1)}
    assert lists["案例类型"] == corpus.document("chongqing-cases-2").case_types
    assert len(lists["案例类型"]) == 6 and lists["是否公开发表"] == ["是", "否"]
    assert validations["C4:C13"].showErrorMessage and validations["G4:G13"].showErrorMessage
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("备注")]
    assert notes == ["备注：教育评价改革案例类型包括综合、党委和政府教育工作评价、学校评价、教师评价、学生评价、社会选人用人评价。"]


def test_files_are_byte_identical_across_builds(site):
    again = Site.load(ROOT / "data", ROOT).download_files()
    assert again
    for path, data in again.items():
        assert (site / path).read_bytes() == data, path


def test_form_pages_offer_the_files_with_sizes(site, corpus):
    from bs4 import BeautifulSoup
    for form in corpus.of_kind("form"):
        soup = BeautifulSoup((site / url_of(form) / "index.html").read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("a.kb-download")
        assert link["href"].endswith(f"{form.id}.{form.record.format}")
        assert "KB" in soup.select_one(".kb-size").get_text()


SOFFICE = shutil.which("soffice")


def test_libreoffice_renders_every_file(site, tmp_path):
    assert SOFFICE, "LibreOffice is installed by `make test`"
    files = sorted((site / "downloads").rglob("*.docx")) + sorted((site / "downloads").rglob("*.xlsx"))
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, files)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for f in files:
        pdf = tmp_path / f"{f.stem}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF"), f
        pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        count = int(next(ln.split()[-1] for ln in pages.splitlines() if ln.startswith("Pages:")))
        assert count >= 1
        if f.name == "hubei-2024-application.docx":
            assert count >= 3  # cover, tables, opinions


def test_quota_warning_is_computed_by_a_spreadsheet(site, tmp_path):
    assert SOFFICE, "LibreOffice is installed by `make test`"
    wb = openpyxl.load_workbook(site / "downloads" / "hubei-2024-summary.xlsx")
    ws = wb["汇总表"]
    for r in (4, 5, 6):
        ws.cell(row=r, column=3, value="综合试点")
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(filled)],
                   capture_output=True, text=True, timeout=120, check=True)
    cells = [c for row in csv.reader(io.StringIO((tmp_path / "filled.csv").read_text(encoding="utf-8")))
             for c in row]
    assert "超出限额：已填3项，上限2项" in cells  # 市州 may apply for at most 2 综合试点


# --- issue 12: cells from data never become formulas ----------------------------------------------------

FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(1,2)", '=HYPERLINK("http://example.org","点击")']


def _corpus_with(tmp_path: Path, texts: list[str], applicant: str):
    """The real data with the first tasks' texts and the 湖北 quotas' first applicant replaced."""
    import yaml
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    tasks = data / "tasks" / "taoyuan-2022.yml"
    value = yaml.safe_load(tasks.read_text(encoding="utf-8"))
    for task, text in zip(value["tasks"], texts):
        task["text"] = text
    tasks.write_text(yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    docs = data / "documents.yml"
    docs.write_text(docs.read_text(encoding="utf-8").replace("applicant: 市州", f"applicant: '{applicant}'"),
                    encoding="utf-8")
    return Site.load(data, data.parent)


def test_csv_cells_from_data_are_text_in_libreoffice(tmp_path):
    """OWASP's CSV-injection advice: a leading ' before = + - @; LibreOffice (like Excel) would otherwise
    evaluate '=1+1' in a CSV it opens."""
    assert SOFFICE, "LibreOffice is installed by `make test`"
    from kb.export import export_csv
    site = _corpus_with(tmp_path, FORMULAS, "=1+1")
    path = tmp_path / "task.csv"
    path.write_bytes(export_csv(site.corpus, "task"))
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, text=True, timeout=120, check=True)
    ws = openpyxl.load_workbook(tmp_path / "task.xlsx").active
    texts = [c.value for c in ws["C"][1:len(FORMULAS) + 1]]
    assert texts == ["'" + f for f in FORMULAS]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    # The control: without the ' LibreOffice does evaluate it.
    path.write_text('"text"\r\n"=1+1"\r\n', encoding="utf-8")
    (tmp_path / "task.xlsx").unlink()
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(tmp_path), str(path)],
                   capture_output=True, text=True, timeout=120, check=True)
    assert openpyxl.load_workbook(tmp_path / "task.xlsx").active["A2"].data_type == "f"


def test_quota_applicant_starting_with_equals_is_text_in_the_summary_sheet(tmp_path):
    from kb.downloads import BUILDERS
    site = _corpus_with(tmp_path, [], "=1+1")
    form = site.corpus["hubei-2024-summary"]
    out = tmp_path / "summary.xlsx"
    out.write_bytes(BUILDERS[("form", "xlsx")](site.corpus, form))
    ws = openpyxl.load_workbook(out)["汇总表"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
