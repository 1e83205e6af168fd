"""Excel (.xlsx) builders for the summary sheets described in data/forms.yml.

Dropdowns are data validations; where the notice lets applicants choose their
own item (项目试点 may be 自主确定), the list is offered but other text is
accepted. Quota checks are formulas beside the print area, so they warn on
screen and never print.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..corpus import Corpus, Entry
from ..models import Column, Form
from . import register
from .common import FIXED_TIME, reproducible_zip

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell

FONT = "仿宋_GB2312"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WARN_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")


def text_cell(ws: Worksheet, row: int, column: int, value: str) -> Cell | MergedCell:
    """A cell that holds data text as text, even when it starts with '=' (never a formula)."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    return cell


def _options(corpus: Corpus, form: Form) -> dict[str, list[str]]:
    doc = corpus.document(form.document)
    project_lists = [a.projects for a in doc.attachments if a.projects]
    projects = [e for e in corpus.of_kind("project") if e.list in project_lists]
    return {"pilot_types": [p.name for p in doc.pilot_types], "case_types": list(doc.case_types),
            "projects": [e.record.text for e in projects]}


@register("form", "xlsx")
def build_form_xlsx(corpus: Corpus, entry: Entry) -> bytes:
    form: Form = entry.record
    sheet_def = form.sheet
    assert sheet_def is not None, "validation makes sure an xlsx form has a sheet"
    columns = sheet_def.columns
    ncol = len(columns)
    last = get_column_letter(ncol)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = "汇总表"
    wb.properties.title = form.title
    wb.properties.creator = wb.properties.lastModifiedBy = "评价改革知识库"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.language = "zh-CN"

    ws.merge_cells(f"A1:{last}1")
    text_cell(ws, 1, 1, sheet_def.title)
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36

    # Header fields share row 2, each over an equal run of columns.
    fields = sheet_def.header_fields
    spans = _spans(ncol, len(fields))
    for (start, end), text in zip(spans, fields):
        ws.merge_cells(start_row=2, start_column=start, end_row=2, end_column=end)
        cell = text_cell(ws, 2, start, text)
        cell.font = Font(name=FONT, size=12)
        cell.alignment = Alignment(vertical="center")
    ws.row_dimensions[2].height = 24

    header_row, first, lastrow = 3, 4, 3 + sheet_def.rows
    for c, col in enumerate(columns, 1):
        cell = text_cell(ws, header_row, c, col.name)
        cell.font = Font(name="黑体", size=12)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[get_column_letter(c)].width = col.width
    for r in range(first, lastrow + 1):
        ws.row_dimensions[r].height = 30
        for c, col in enumerate(columns, 1):
            cell = ws.cell(row=r, column=c, value=(r - first + 1) if col.name == "序号" else None)
            cell.font = Font(name=FONT, size=12)
            cell.alignment = Alignment(horizontal="center" if col.name == "序号" else "left", vertical="center",
                                       wrap_text=True)
            cell.border = BOX

    options = _options(corpus, form)
    lists = wb.create_sheet("选项")
    lists.sheet_state = "hidden"
    list_col = 0
    for c, col in enumerate(columns, 1):
        values = col.options or (options[col.options_from] if col.options_from else [])
        if not values:
            continue
        list_col += 1
        letter = get_column_letter(list_col)
        text_cell(lists, 1, list_col, col.name)
        for i, v in enumerate(values, 2):
            text_cell(lists, i, list_col, v)
        source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(values) + 1}"
        dv = DataValidation(type="list", formula1=source, allow_blank=True, showDropDown=False)
        dv.promptTitle, dv.prompt = col.name, "从下拉列表中选择" + ("，也可自行填写" if col.allow_other else "")
        dv.showInputMessage = True
        if col.allow_other:
            dv.showErrorMessage = False  # the list is a suggestion; other text is accepted
        else:
            dv.showErrorMessage = True
            dv.errorTitle, dv.error = col.name, "请从下拉列表中选择：" + "、".join(values)
        col_letter = get_column_letter(c)
        dv.add(f"{col_letter}{first}:{col_letter}{lastrow}")
        ws.add_data_validation(dv)

    row = lastrow + 1
    footer = sheet_def.footer_fields
    if footer:
        for (start, end), text in zip(_spans(ncol, len(footer)), footer):
            ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
            text_cell(ws, row, start, text).font = Font(name=FONT, size=12)
        ws.row_dimensions[row].height = 24
        row += 1
    for note in sheet_def.notes:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
        cell = text_cell(ws, row, 1, note)
        cell.font = Font(name=FONT, size=11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 36
        row += 1

    if sheet_def.quota_check:
        _quota_check(ws, corpus, form, columns, first, lastrow)

    ws.print_area = f"A1:{last}{row - 1}"
    ws.print_title_rows = f"1:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = form.page.orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.freeze_panes = f"A{first}"
    out = io.BytesIO()
    wb.save(out)
    return reproducible_zip(out.getvalue())


def lit(text: str) -> str:
    """An Excel string literal: a quote in the data cannot end it early."""
    return '"' + text.replace('"', '""') + '"'


def _spans(ncol: int, n: int) -> list[tuple[int, int]]:
    if n == 0:
        return []
    size = max(1, ncol // n)
    spans = [(1 + i * size, (i + 1) * size) for i in range(n)]
    spans[-1] = (spans[-1][0], ncol)
    return spans


def _quota_check(ws: Worksheet, corpus: Corpus, form: Form, columns: list[Column], first: int, lastrow: int) -> None:
    """Beside the print area: pick the applicant kind, see counts against the notice's quotas."""
    doc = corpus.document(form.document)
    type_col = next(i for i, c in enumerate(columns, 1) if c.options_from == "pilot_types")
    tl = get_column_letter(type_col)
    rng = f"${tl}${first}:${tl}${lastrow}"
    label_col = len(columns) + 2
    lc, vc = get_column_letter(label_col), get_column_letter(label_col + 1)
    ws.column_dimensions[lc].width = 36
    ws.column_dimensions[vc].width = 44
    bold = Font(name=FONT, size=11, bold=True)
    ws[f"{lc}2"] = "限额核对（不打印）申报主体："
    ws[f"{lc}2"].font = bold
    applicants = sorted({q.applicant for q in doc.quotas}, key=[q.applicant for q in doc.quotas].index)
    text_cell(ws, 2, label_col + 1, applicants[0])  # data: text even if it starts with "="
    dv = DataValidation(type="list", formula1=lit(",".join(a.replace(",", "，") for a in applicants)),
                        allow_blank=False)
    dv.add(f"{vc}2")
    ws.add_data_validation(dv)
    row = 3
    warnings = []
    for q in doc.quotas:
        text_cell(ws, row, label_col, f"{q.applicant}·{q.pilot_type} 上限 {q.max} 项（{q.text}）")
        a, t = lit(q.applicant), lit(q.pilot_type)
        formula = (f'=IF(AND(${vc}$2={a},COUNTIF({rng},{t})>{q.max}),'
                   f'"超出限额：已填"&COUNTIF({rng},{t})&"项，上限{q.max}项","")')
        ws[f"{vc}{row}"] = formula
        ws[f"{vc}{row}"].font = Font(name=FONT, size=11, bold=True, color="9C0006")
        warnings.append(f'AND(${vc}$2={a},COUNTIF({rng},{t})>{q.max},${tl}{first}={t})')
        row += 1
    # Colour the 试点类型 cells of a pilot type that is over its quota.
    cond = "OR(" + ",".join(w for w in warnings) + ")"
    ws.conditional_formatting.add(f"{tl}{first}:{tl}{lastrow}", FormulaRule(formula=[cond], fill=WARN_FILL))  # type: ignore[no-untyped-call]  # untyped stub
