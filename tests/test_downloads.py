"""The generated Word and Excel files: fields, fonts, validations, page setup, determinism, LibreOffice."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt

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


def to_pdf(files: list[Path], outdir: Path) -> None:
    """Convert files to PDF with LibreOffice, in one run (a private profile, so runs do not collide)."""
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{outdir}/profile",
                             "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def pdfs(site, tmp_path_factory) -> Path:
    """Every generated .docx and .xlsx as LibreOffice prints it, side by side with two reference documents
    (ref-sc, ref-jp: every character of the .docx files in the Noto CJK SC, resp. JP faces; see
    test_libreoffice_prints_chinese_not_japanese_glyphs)."""
    assert SOFFICE, "LibreOffice is installed by `make test`"
    out = tmp_path_factory.mktemp("pdf")
    files = sorted((site / "downloads").rglob("*.docx")) + sorted((site / "downloads").rglob("*.xlsx"))
    chars = sorted({ch for f in files if f.suffix == ".docx" for ch in all_text(docx.Document(str(f)))
                    if ord(ch) > 0x2E7F})
    for variant in ("SC", "JP"):
        ref = docx.Document()
        for family in ("Noto Sans CJK", "Noto Serif CJK"):
            for bold in (False, True):
                run = ref.add_paragraph().add_run("".join(chars))
                run.bold = bold
                run.font.name = f"{family} {variant}"
                run._r.rPr.rFonts.set(qn("w:eastAsia"), f"{family} {variant}")
        ref.save(str(out / f"ref-{variant.lower()}.docx"))
    to_pdf([*files, out / "ref-sc.docx", out / "ref-jp.docx"], out)
    return out


def test_libreoffice_renders_every_file(site, pdfs):
    files = sorted((site / "downloads").rglob("*.docx")) + sorted((site / "downloads").rglob("*.xlsx"))
    for f in files:
        pdf = pdfs / f"{f.stem}.pdf"
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


# --- issue 10: downloads save under their Chinese names, valid on Windows ------------------------------

WINDOWS_FORBIDDEN = set('\\/:*?"<>|') | {chr(c) for c in range(32)}
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def windows_file_name_problem(name: str) -> str | None:
    """Why Windows would refuse or change `name` as a file name, or None."""
    if not name or len(name) > 255:
        return "empty or too long"
    if bad := sorted(set(name) & WINDOWS_FORBIDDEN):
        return f"forbidden characters {bad}"
    if name[-1] in " .":
        return "ends in a space or a dot"
    if name.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        return "a reserved device name"
    return None


DOWNLOAD_HREF = re.compile(r"(?:^|/)downloads/(?:.*/)?[^/]+\.(docx|xlsx)$")


def test_download_links_carry_a_windows_file_name(site):
    from bs4 import BeautifulSoup
    links = []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.find_all("a", href=True):
            m = DOWNLOAD_HREF.search(a["href"].partition("#")[0])
            if m:
                links.append((page.relative_to(site).as_posix(), a, m.group(1)))
    assert len(links) >= 5  # every form, and the cases
    for page, a, ext in links:
        name = a.get("download")
        assert name, (page, a["href"])
        assert name.endswith(f".{ext}") and len(name) > len(ext) + 1, (page, name)
        assert windows_file_name_problem(name) is None, (page, name, windows_file_name_problem(name))
        assert re.search(r"[\u4e00-\u9fff]", name), (page, name)  # the Chinese name, not the file's id
    application = site / "forms" / "hubei-2024-application" / "index.html"
    soup = BeautifulSoup(application.read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("a.kb-download")["download"] == "湖北省深化新时代教育评价改革试点申报书.docx"


def test_windows_file_name_problem():
    assert windows_file_name_problem("申报书.docx") is None
    for bad in ("a/b.docx", "a:b.docx", "a?.docx", "a.", "CON.docx", "a\tb.xlsx", ""):
        assert windows_file_name_problem(bad), bad


def test_forbidden_characters_in_a_title_become_full_width_in_the_download_name(corpus):
    """The download names (kb.downloads.downloads_of), on the real form and case templates: \\ / : * ? " < > | become ＼／：＊？＂＜＞｜,
    the page still shows the title as it is, and the attribute is escaped."""
    from bs4 import BeautifulSoup

    from kb.pages import record_page
    from kb.render import render_body
    title = 'A\\B/C:D*E?F"G<H>I|J 〔&〕'
    for entry in (corpus["hubei-2024-application"], corpus["hubei-2024-summary"], corpus["sample-xx"]):
        odd = dataclasses.replace(entry, title=title)
        html = render_body(record_page(corpus, odd, {}))
        link = BeautifulSoup(html, "html.parser").select_one("a.kb-download")
        ext = entry.record.format if entry.kind == "form" else "docx"
        assert link["download"] == f"A＼B／C：D＊E？F＂G＜H＞I｜J 〔&〕.{ext}", entry.id
        assert windows_file_name_problem(link["download"]) is None
        assert title in link.get_text(), entry.id


# --- issue 11: the .docx files are Chinese for Word and LibreOffice --------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_files(site: Path) -> list[Path]:
    files = sorted((site / "downloads").rglob("*.docx"))
    assert len(files) >= 3
    return files


def test_docx_files_declare_simplified_chinese(site):
    from lxml import etree
    for f in docx_files(site):
        with zipfile.ZipFile(f) as z:
            parts = {n: z.read(n) for n in z.namelist() if n.endswith(".xml")}
        styles = etree.fromstring(parts["word/styles.xml"])
        default = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
        lang = default.find(f"{W}lang")
        assert lang is not None and lang.get(f"{W}eastAsia") == "zh-CN" and lang.get(f"{W}val") == "zh-CN", f
        fonts = default.find(f"{W}rFonts")
        assert fonts.get(f"{W}eastAsiaTheme") is None and fonts.get(f"{W}eastAsia"), f  # the body font, not a theme
        theme_lang = etree.fromstring(parts["word/settings.xml"]).find(f"{W}themeFontLang")
        assert theme_lang.get(f"{W}eastAsia") == "zh-CN", f
        for name, xml in parts.items():  # no part (styles, a stale stylesWithEffects copy…) says otherwise
            for el in etree.fromstring(xml).iter(f"{W}lang", f"{W}themeFontLang"):
                assert el.get(f"{W}eastAsia") in (None, "zh-CN"), (f, name, etree.tostring(el))
                assert el.get(f"{W}val") in (None, "zh-CN"), (f, name, etree.tostring(el))
        d = docx.Document(str(f))
        for style in d.styles:  # the styles the form data sets keep their fonts, now in Chinese
            rpr = style.element.rPr
            if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
                assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN", (f, style.name)


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    raw = rest.lstrip(b"\r\n")
    raw = raw[:raw.rfind(b"endstream")]
    return zlib.decompressobj().decompress(raw) if b"FlateDecode" in head else raw


def pdf_glyphs(path: Path) -> dict[tuple[str, str], set[str]]:
    """{(font, character): glyph names} of the embedded simple fonts of a LibreOffice PDF: the font is its
    name without the subset tag and the CFF FD suffix ('NotoSansCJKjp-Regular'), the names are CIDs."""
    objs = _objects(path.read_bytes())
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for body in objs.values():
        head = body.split(b"stream")[0]
        descriptor, to_unicode = (re.search(rb"/%s\s*(\d+)\s+0\s+R" % key, head) for key in (b"FontDescriptor",
                                                                                         b"ToUnicode"))
        if not re.search(rb"/Type\s*/Font\b", head) or not descriptor or not to_unicode:
            continue
        base = re.search(rb"/BaseFont\s*/([^/<>\[\s]+)", head).group(1).decode().split("+")[-1]
        base = "-".join(base.split("-")[:2])
        file = re.search(rb"/FontFile\d?\s*(\d+)\s+0\s+R", objs[int(descriptor.group(1))])
        if not file:
            continue
        names = {int(c): n.decode() for c, n in re.findall(rb"dup (\d+) /(\S+) put", _stream(objs[int(file.group(1))]))}
        cmap = _stream(objs[int(to_unicode.group(1))]).decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                if int(code, 16) in names:
                    out[(base, bytes.fromhex(uni).decode("utf-16-be"))].add(names[int(code, 16)])
    return out


def test_libreoffice_prints_chinese_not_japanese_glyphs(site, pdfs):
    """The forms' fonts (仿宋_GB2312…) are not on a Linux machine, so LibreOffice falls back on Noto CJK,
    in the face of the text's language. pdffonts cannot tell which face: fonts-noto-cjk is one collection
    whose faces share one CFF table, named NotoSansCJKjp, so every face prints as 'NotoSansCJKjp-…'. The
    glyphs tell: where the SC and JP faces draw a character differently (化, 具, 写…), the PDF must use the
    SC glyph, as the reference documents set explicitly in Noto CJK SC and JP show."""
    sc, jp = pdf_glyphs(pdfs / "ref-sc.pdf"), pdf_glyphs(pdfs / "ref-jp.pdf")
    for f in docx_files(site):
        pdf = pdfs / f"{f.stem}.pdf"
        listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Noto\w*CJK", listed), (f, listed)  # the Chinese text is in a CJK font
        used = pdf_glyphs(pdf)
        telling = [k for k in used if k in sc and k in jp and sc[k] != jp[k]]
        assert len(telling) >= 10, (f, sorted(used)[:20])
        japanese = [k for k in telling if used[k] != sc[k]]
        assert japanese == [], (f, japanese[:10])


def test_case_template_body_starts_two_characters_in(site, pdfs):
    for name in ("chongqing-2-template.docx", "cases/sample-xx.docx"):
        d = open_docx(site, name)
        normal = d.styles["Normal"]
        ind = normal.element.pPr.find(qn("w:ind"))
        size_twips = round(normal.font.size.pt * 20)
        assert ind.get(qn("w:firstLineChars")) == "200", name
        assert int(ind.get(qn("w:firstLine"))) == 2 * size_twips == 640, name  # 2 × 三号 (16 pt)
        for centred in ("标题", "单位"):  # based on Normal, but centred lines must not be pushed right
            ind = d.styles[centred].element.pPr.find(qn("w:ind"))
            assert ind.get(qn("w:firstLineChars")) == "0" and ind.get(qn("w:firstLine")) == "0", (name, centred)
        body = [p for p in d.paragraphs if p.style.name == "Normal" and p.text]
        assert body
        for p in body:  # no paragraph overrides the style's indent
            assert p.paragraph_format.first_line_indent is None, (name, p.text)
    # As LibreOffice prints it: the body's first line 32 pt right of the margin (28 mm), the next lines at it.
    layout = subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1",
                             str(pdfs / "chongqing-2-template.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout
    lines = {"".join(re.findall(r">([^<]*)</word>", body)): float(x)
             for x, body in re.findall(r'<line xMin="([\d.]+)"[^>]*>(.*?)</line>', layout, re.S)}
    margin = 28 / 25.4 * 72
    first = next(x for text, x in lines.items() if text.startswith("帽段"))
    assert abs(first - (margin + 32)) < 1.5, lines
    assert min(lines.values()) == pytest.approx(margin, abs=1.5)


def test_application_table_and_boxes_share_their_edges(site):
    """Table 一 and box 二 (and the other boxes, and the opinions table): the same width, the text's, the same
    alignment and no indent, in twips from the XML; the columns and every row's cells add up to it."""
    d = open_docx(site, "hubei-2024-application.docx")
    section = d.sections[0]
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).twips
    geometry = []
    for table in d.tables:
        pr = table._tbl.tblPr
        tbl_w = pr.find(qn("w:tblW"))
        assert tbl_w.get(qn("w:type")) == "dxa"
        width = int(tbl_w.get(qn("w:w")))
        ind = pr.find(qn("w:tblInd"))
        geometry.append((width, table.alignment, None if ind is None else ind.get(qn("w:w"))))
        assert sum(gc.w.twips for gc in table._tbl.tblGrid.gridCol_lst) == width
        for tr in table._tbl.tr_lst:
            assert sum(tc.width.twips for tc in tr.tc_lst) == width
    assert len(geometry) == 5  # 一 (table), 二 三 四 (boxes), 五 (opinions)
    assert geometry[0] == geometry[1], geometry  # 一 and 二
    assert set(geometry) == {(text_width, WD_TABLE_ALIGNMENT.CENTER, None)}, geometry
