"""`python -m kb check` (issue 16): the filled 申报书 and 汇总表 that come back.

The downloads are filled as applicants fill them (python-docx, openpyxl), and saved again by LibreOffice;
either way the check gives exactly the expected report: 字数 per section counted as the site's counter
counts (the same function as docs/assets/kb.js: compared in Chromium), empty fields, the chosen 试点类型,
values outside a column's options, and the quotas of data/documents.yml per applicant across files.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from conftest import ROOT
from kb.filled import check_files
from kb.text import word_count
from test_ledger import ENV, SOFFICE

BASIS = "2024年完成PISA测评试点，覆盖12所学校。"  # 17 字: 2024, 年完成, PISA, 测评试点, ，, 覆盖, 12, 所学校, 。


def fill_application(site: Path, dest: Path) -> Path:
    """A 申报书 filled in part: two fields, the type ticked, one table row, 二 within and 三 over its limit."""
    d = docx.Document(str(site / "downloads" / "hubei-2024-application.docx"))
    for p in d.paragraphs:
        if p.text.startswith("试点单位："):
            p.add_run("武汉市第一中学")
        elif p.text.startswith("推荐单位："):
            p.add_run("武汉市委教育工作领导小组")
        elif p.text.startswith("试点类型："):
            for run in p.runs:
                run.text = run.text.replace("☐项目试点", "☑项目试点")
    info, basis, plan, effect = d.tables[:4]
    for c, text in ((2, "张三"), (4, "校长"), (6, "027-12345678")):
        info.rows[0].cells[c].text = text
    info.rows[2].cells[1].text = "学生综合素质评价改革"
    info.rows[3].cells[1].text = "2024年6月至2026年6月（试点期限一般为2至3年）"
    basis.rows[0].cells[0].add_paragraph(BASIS * 10)                # 170 字, under the hint (not counted)
    plan.rows[0].cells[0].add_paragraph("计划" * 1050)              # 2100 字: 100 over
    effect.rows[0].cells[0].paragraphs[0].text = "形成可推广的评价制度。"  # the hint replaced: 11 字
    d.save(str(dest))
    return dest


APPLICATION_LINES = [
    "申报书.docx: 湖北省深化新时代教育评价改革试点申报书",
    "  推荐单位: 武汉市委教育工作领导小组",
    "  试点单位: 武汉市第一中学",
    "  试点类型: 项目试点",
    "  二、试点工作基础: 170 / 500 字",
    "  三、试点工作计划: 2100 / 2000 字",
    "  四、预期效果: 11 / 500 字"]
APPLICATION_PROBLEMS = [
    "申报书.docx:申报日期: is empty",
    "申报书.docx:联系人 姓名: is empty",
    "申报书.docx:联系人 职称/职务: is empty",
    "申报书.docx:联系人 办公电话/手机: is empty",
    "申报书.docx:三、试点工作计划: 2100 characters, more than the 2000 allowed (100 over)"]


def fill_summary(site: Path, dest: Path, applicant: str, kind: str, rows: list[tuple[str, str, str]]) -> Path:
    wb = openpyxl.load_workbook(site / "downloads" / "hubei-2024-summary.xlsx")
    ws = wb["汇总表"]
    ws["A2"] = f"推荐单位（盖章）：{applicant}"
    ws["C2"] = "填报时间：2024 年 4 月 10 日"
    ws["H2"] = kind  # the 申报主体 beside the table
    for r, (unit, pilot, project) in enumerate(rows, 4):
        ws.cell(row=r, column=2, value=unit)
        ws.cell(row=r, column=3, value=pilot)
        ws.cell(row=r, column=4, value=project)
        ws.cell(row=r, column=5, value="2024年6月至2026年6月")
    ws["A14"], ws["C14"] = "联系人：李四", "联系电话：027-87654321"
    wb.save(dest)
    return dest


def fill_cases(site: Path, dest: Path) -> Path:
    wb = openpyxl.load_workbook(site / "downloads" / "chongqing-2-summary.xlsx")
    ws = wb["汇总表"]
    ws["A2"] = "报送单位（盖章）：教务处"
    ws["C2"], ws["E2"] = "联系人：王五", "联系电话：023-1234567"
    rows = [("以评促教的课堂改革", "学校评价", "王五", "教务处", "023-1234567", "否", "无"),
            ("艺术类教师分类评价", "教师评价", "赵六", "教师工作部", "023-7654321", "是", ""),
            ("学生美育评价", "学生美育评价", "钱七", "美育中心", "023-1111111", "否", "区级二等奖")]
    for r, row in enumerate(rows, 4):
        for c, value in enumerate(row, 2):
            ws.cell(row=r, column=c, value=value)
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def filled(site, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("filled-forms")
    files = {
        "申报书.docx": fill_application(site, out / "申报书.docx"),
        # 武汉市 in two files: 3 综合 (2 allowed) and 6 项目 (5 allowed) in all
        "武汉1.xlsx": fill_summary(site, out / "武汉1.xlsx", "武汉市委教育工作领导小组", "市州", [
            ("武汉市教育局", "综合试点", "项目A"), ("江岸区教育局", "综合试点", "项目B"), ("武汉一中", "项目试点", "项目C"),
            ("武汉二中", "项目试点", "项目D"), ("武汉三中", "项目试点", "项目E")]),
        "武汉2.xlsx": fill_summary(site, out / "武汉2.xlsx", "武汉市委教育工作领导小组", "市州", [
            ("武昌区教育局", "综合试点", "项目F"), ("武汉四中", "项目试点", "项目G"), ("武汉五中", "项目试点", "项目H"),
            ("武汉六中", "项目试点", "")]),
        # a 高校: 2 综合 (1 allowed), and a type that is none of the options
        "高校.xlsx": fill_summary(site, out / "高校.xlsx", "华中测试大学", "高校", [
            ("华中测试大学", "综合试点", "项目I"), ("测试学院", "综合试点", "项目J"), ("教务处", "特色试点", "项目K")]),
        "重庆.xlsx": fill_cases(site, out / "重庆.xlsx"),
    }
    return files


SUMMARY_LINES = [
    "武汉1.xlsx: 湖北省深化新时代教育评价改革试点申报汇总表, 武汉市委教育工作领导小组（市州）, 5 rows: 综合试点 2, 项目试点 3",
    "武汉2.xlsx: 湖北省深化新时代教育评价改革试点申报汇总表, 武汉市委教育工作领导小组（市州）, 4 rows: 综合试点 1, 项目试点 3",
    "高校.xlsx: 湖北省深化新时代教育评价改革试点申报汇总表, 华中测试大学（高校）, 3 rows: 综合试点 2, 特色试点 1",
    "重庆.xlsx: 重庆市深化新时代教育评价改革典型案例征集汇总表, 教务处, 3 rows: 学校评价 1, 教师评价 1, 学生美育评价 1",
    "湖北省深化新时代教育评价改革试点申报汇总表: 3 files, 2 senders, 12 rows",
    "  武汉市委教育工作领导小组（市州）: 综合试点 3, 项目试点 6",
    "  华中测试大学（高校）: 综合试点 2, 特色试点 1",
    "重庆市深化新时代教育评价改革典型案例征集汇总表: 1 files, 1 senders, 3 rows",
    "  教务处: 学校评价 1, 教师评价 1, 学生美育评价 1",
    "  申报数量（原文）: 学校择优推荐报送1—3篇参与市级评选。",
    "  申报数量（原文）: 2021年试点项目《职业院校学生美育评价改革试点》（文化和旅游职业教育研究中心牵头）、2022年试点项目"
    "《深化新时代教育评价改革艺术类高职教师评价体系试点校》（党委教师工作部牵头）、2023年试点项目《艺术类高职院校人才自主培养质量"
    "评价改革试点》（教务处牵头）原则上各报送不低于1篇。",
    "  申报数量（原文）: 各二级学院、处（室、部、中心）、相关教师可结合推进教育评价改革工作实际，挖掘形成典型案例，报送数量不限。"]
SUMMARY_PROBLEMS = [
    "武汉2.xlsx:汇总表!C4: 综合试点 3 of 3 from 武汉市委教育工作领导小组 is over the quota: a 市州 applies for at most 2 "
    "(申报综合试点不超过2项)",
    "武汉2.xlsx:汇总表!C7: 项目试点 6 of 6 from 武汉市委教育工作领导小组 is over the quota: a 市州 applies for at most 5 "
    "(项目试点不超过5项)",
    "武汉2.xlsx:汇总表!D7: 试点项目名称 is empty",
    "高校.xlsx:汇总表!C5: 综合试点 2 of 2 from 华中测试大学 is over the quota: a 高校 applies for at most 1 (每所高校限报1项综合试点)",
    "高校.xlsx:汇总表!C6: 试点类型 '特色试点' is not one of 综合试点, 项目试点 (did you mean 项目试点?)",
    "重庆.xlsx:汇总表!H5: 案例所获区级及以上奖励情况 is empty; write 无 if there is none",
    "重庆.xlsx:汇总表!C6: 案例类型 '学生美育评价' is not one of 综合, 党委和政府教育工作评价, 学校评价, 教师评价, 学生评价, "
    "社会选人用人评价 (did you mean 学生评价?)"]

ORDER = ["申报书.docx", "武汉1.xlsx", "武汉2.xlsx", "高校.xlsx", "重庆.xlsx"]


def test_quotas_and_word_limits_come_from_the_data(corpus):
    """The numbers the check applies are the data's (data/documents.yml, data/forms.yml), as the sources state them."""
    hubei = corpus.document("hubei-2024")
    assert [(q.applicant, q.pilot_type, q.max) for q in hubei.quotas] == [
        ("市州", "综合试点", 2), ("市州", "项目试点", 5), ("高校", "综合试点", 1), ("高校", "项目试点", 3)]
    source = (ROOT / "data" / "sources" / "hubei-2024.txt").read_text(encoding="utf-8")
    assert "申报综合试点不超过2项、项目试点不超过5项" in source and "每所高校限报1项综合试点、3项项目试点" in source
    assert not corpus.document("chongqing-cases-2").quotas  # its notice sets no quota per case type
    form = corpus["hubei-2024-application"].record
    assert [(b.text, b.word_limit) for b in form.blocks if b.type == "narrative"] == [
        ("二、试点工作基础", 500), ("三、试点工作计划", 2000), ("四、预期效果", 500)]


@pytest.mark.parametrize("through", ["openpyxl", "libreoffice"])
def test_filled_forms_give_exactly_their_report(filled, through, corpus, tmp_path):
    files = [filled[n] for n in ORDER]
    if through == "libreoffice":
        assert SOFFICE
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                        "docx", "--outdir", str(tmp_path), str(files[0])], capture_output=True, timeout=180, check=True)
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                        "xlsx", "--outdir", str(tmp_path), *map(str, files[1:])], capture_output=True, timeout=300,
                       check=True)
        files = [tmp_path / f.name for f in files]
        assert all(f.read_bytes() != filled[f.name].read_bytes() for f in files)
    report = check_files(corpus, files, names=ORDER)
    assert report.lines == APPLICATION_LINES + SUMMARY_LINES
    assert report.problems == APPLICATION_PROBLEMS + SUMMARY_PROBLEMS


def test_the_merged_workbook_holds_every_row_and_is_reproducible(filled, corpus, tmp_path):
    files = [filled[n] for n in ORDER[1:]]
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    check_files(corpus, files, merged=first, names=ORDER[1:])
    check_files(corpus, files, merged=second, names=ORDER[1:])
    assert first.read_bytes() == second.read_bytes()
    wb = openpyxl.load_workbook(first)
    assert wb.sheetnames == ["汇总1", "汇总2", "核对结果"]
    hubei = wb["汇总1"]
    assert hubei["A1"].value == "湖北省深化新时代教育评价改革试点申报汇总表（合并 3 个文件）"
    assert [c.value for c in hubei[2]] == ["来源文件", "来源行", "报送单位", "申报主体", "序号", "试点单位", "试点类型",
                                           "试点项目名称", "试点期限"]
    rows = [[c.value for c in row] for row in hubei.iter_rows(min_row=3)]
    assert len(rows) == 12 and rows[5][:7] == ["武汉2.xlsx", "4", "武汉市委教育工作领导小组", "市州", "1", "武昌区教育局",
                                                 "综合试点"]
    checks = [c.value for c in wb["核对结果"]["A"]]
    assert SUMMARY_PROBLEMS[0] in checks


def test_a_file_that_is_no_form(site, tmp_path, corpus):
    (tmp_path / "x.docx").write_bytes((site / "downloads" / "cases" / "sample-xx.docx").read_bytes())
    (tmp_path / "y.xlsx").write_bytes((site / "downloads" / "ledgers" / "taoyuan-2022.xlsx").read_bytes())
    (tmp_path / "z.pdf").write_bytes(b"%PDF-1.4")
    report = check_files(corpus, [tmp_path / "x.docx", tmp_path / "y.xlsx", tmp_path / "z.pdf"],
                         names=["x.docx", "y.xlsx", "z.pdf"])
    assert report.problems == [
        "x.docx: is none of the site's forms (its title is 'XX市XX区以教育评价改革为牵引 着力推动教育事业高质量发展'); "
        "check the 申报书 downloaded from the site",
        "y.xlsx: is none of the site's 汇总表 (no sheet has a form's title in A1)",
        "z.pdf: is neither a .docx nor an .xlsx file; save it as one of them"]


def test_a_case_in_the_case_template_is_counted_whole(site, tmp_path, corpus):
    d = docx.Document(str(site / "downloads" / "chongqing-2-template.docx"))
    d.add_paragraph("案例" * 1600)
    d.save(str(tmp_path / "案例.docx"))
    report = check_files(corpus, [tmp_path / "案例.docx"], names=["案例.docx"])
    template_words = sum(word_count(p.text) for p in docx.Document(str(site / "downloads" /
                                                                          "chongqing-2-template.docx")).paragraphs)
    n = template_words + 3200
    assert report.lines == ["案例.docx: 重庆市深化新时代教育评价改革案例（模板）", f"  全文: {n} / 3000 字"]
    assert report.problems == [f"案例.docx:全文: {n} characters, more than the 3000 allowed ({n - 3000} over)"]


def test_the_command_line(filled, tmp_path):
    merged = tmp_path / "合并.xlsx"
    result = subprocess.run([sys.executable, "-m", "kb", "check", *(str(filled[n]) for n in ORDER[1:3]),
                             "--merged", str(merged)], capture_output=True, text=True, env=ENV, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [p.replace("武汉", str(filled["武汉1.xlsx"].parent / "武汉"), 1)
                                          for p in SUMMARY_PROBLEMS[:3]]
    assert result.stdout.splitlines()[-1] == f"wrote {merged} (9 rows)"
    ok = subprocess.run([sys.executable, "-m", "kb", "check", str(filled["武汉1.xlsx"])], capture_output=True, text=True,
                        env=ENV, cwd=ROOT)
    assert ok.returncode == 0 and ok.stderr == ""


# --- the count is the site's count ---------------------------------------------------------------

TEXTS = ["", "试点工作计划", "2024年完成PISA测评试点，覆盖12所学校。", "abc def  ghi", "Ｆｕｌｌ　ｗｉｄｔｈ１２",
         "“引号”‘单’——省略……", "e-mail: x@y.cn; v2.0 & ümlaut café", "𠀀𠀁 扩展B 😀 emoji", "一\n二\t三 ,.;",
         "〖县〗委、〖县〗政府", "Ⅸ ① ※ ・ ·"]


def test_python_counts_as_the_sites_counter(chromium, base):
    page = chromium.new_page()
    page.goto(base + "forms/hubei-2024-application/")
    in_browser = page.evaluate("texts => texts.map(t => window.kbWordCount(t))", TEXTS)
    assert in_browser == [word_count(t) for t in TEXTS]
    assert in_browser[2] == 17 and in_browser[7] == 4  # 扩展, B, emoji; astral characters are not counted
    page.close()


def test_the_check_needs_no_copy_of_the_site(tmp_path):
    """The command runs on the data alone (the forms' blocks and the documents' quotas), not on a built site."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    result = subprocess.run([sys.executable, "-m", "kb", "--data", str(tmp_path / "data"), "check", "nothing.docx"],
                            capture_output=True, text=True, env=ENV, cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == "nothing.docx: is not a file\n"
