"""Task ledgers (任务台账, .xlsx): a task list's tasks with a row per responsible unit, to fill in.

One ledger per list (every task × unit, on the list page) and one per unit (its 牵头 and 配合
tasks, on the unit's page). The prefilled columns are locked (the sheet is protected; the
fill-in columns are not); 进展 is a dropdown and 填报日期 a validated date. A hidden sheet,
台账信息, names the list, the unit and the ledger's format and data version, and keeps a copy of
the prefilled cells of every row: `python -m kb ledger import` (kb.ledger) reads which task and
unit a row is from it and reports a prefilled cell that was changed. Same data, same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
from copy import copy
from dataclasses import dataclass
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no types; python-docx depends on it
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..corpus import Corpus, Entry, plain
from ..models import PROGRESS_STATUSES
from ..routes import ledger_path
from . import WINDOWS_NAME
from .common import FIXED_TIME, reproducible_zip, zip_parts
from .xlsx import text_cell

LEDGER_FORMAT = 1           # what kb.ledger reads; a change of the layout below is a new format
SHEET = "任务台账"
INFO_SHEET = "台账信息"
HEADER_ROW, FIRST_ROW = 3, 4
# The hidden sheet's copy of each row: its row, task and unit, and its prefilled cells as one JSON array (one cell,
# not five: a ledger is mostly the cost of its cells, and the site builds one for every unit).
MIRROR_HEAD = ("行", "任务编号", "单位标识", "原表内容")
LEAD, SUPPORT = "（牵头）", "（配合）"
FONT = "仿宋_GB2312"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LOCKED_FILL = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")  # prefilled: grey


@dataclass(frozen=True)
class Column:
    name: str       # the header: 编号
    field: str      # prefilled: what the cell holds; fill-in: the kb.models.Progress field
    width: int
    prefilled: bool


COLUMNS = (
    Column("编号", "number", 6, True),
    Column("部分", "section", 6, True),
    Column("具体改革举措", "text", 44, True),
    Column("责任单位", "unit", 18, True),
    Column("完成时限", "deadline", 14, True),
    Column("落实情况", "report", 40, False),
    Column("进展", "status", 10, False),
    Column("佐证材料", "evidence", 18, False),
    Column("存在问题", "problems", 18, False),
    Column("填报单位", "filed_by", 14, False),
    Column("填报人", "reporter", 10, False),
    Column("填报日期", "date", 12, False),
)
LETTER = {c.field: get_column_letter(i) for i, c in enumerate(COLUMNS, 1)}
PREFILLED = tuple(c for c in COLUMNS if c.prefilled)
FILL_IN = tuple(c for c in COLUMNS if not c.prefilled)


@dataclass(frozen=True)
class Row:
    task: Entry
    unit: Entry
    lead: bool

    def prefilled(self) -> tuple[int | str, ...]:
        """The prefilled cells, in COLUMNS order."""
        r = self.task.record
        return (r.number, r.section, plain(r.text), self.unit.record.name + (LEAD if self.lead else SUPPORT),
                r.deadline)


def task_lists(corpus: Corpus) -> list[Entry]:
    """The documents that are task lists (they have tasks), in corpus order."""
    return [d for d in corpus.of_kind("document") if any(e.kind == "task" for e in corpus.items_of_list(d.id))]


def ledger_rows(corpus: Corpus, list_id: str, unit_id: str | None = None) -> list[Row]:
    """Every task × unit of the list in list order (the lead first), or one unit's tasks."""
    rows = []
    for task in corpus.items_of_list(list_id):
        if task.kind != "task":
            continue
        for i, unit in enumerate(corpus.units_of_task(task.id)):
            if unit_id is None or unit.id == unit_id:
                rows.append(Row(task, unit, i == 0))
    return rows


def data_version(list_id: str, unit_id: str | None, rows: list[Row]) -> str:
    """A digest of what a ledger was made from: the same list and rows, the same version."""
    payload = json.dumps([list_id, unit_id or "", [[r.task.number, r.unit.id, *r.prefilled()] for r in rows]],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _offer(list_doc: Entry, unit: Entry | None) -> dict[str, str]:
    title = f"{unit.record.name}·{list_doc.record.short_title}·任务台账" if unit else \
        f"{list_doc.record.short_title}·任务台账"
    return {"format": "xlsx", "url": ledger_path(list_doc.id, unit.id if unit else None), "name": f"{title}.xlsx",
            "file_name": f"{title}.xlsx".translate(WINDOWS_NAME), "list": list_doc.id,
            "unit": unit.id if unit else ""}


def ledger_of_list(corpus: Corpus, list_id: str) -> dict[str, str]:
    """The list ledger's offer: {'format', 'url', 'name', 'file_name', 'list', 'unit'} (as downloads_of's)."""
    return _offer(corpus[list_id], None)


def ledgers_of_unit(corpus: Corpus, unit: Entry) -> list[dict[str, str]]:
    """A unit's ledgers: one per task list it has tasks in."""
    lists: list[str] = []
    for task in (*corpus.tasks_of_unit(unit.id)[0], *corpus.tasks_of_unit(unit.id)[1]):
        if task.list and task.list not in lists:
            lists.append(task.list)
    order = {d.id: i for i, d in enumerate(corpus.of_kind("document"))}
    return [_offer(corpus[list_id], unit) for list_id in sorted(lists, key=order.__getitem__)]


def ledger_files(corpus: Corpus) -> dict[str, bytes]:
    """Every ledger the site offers: path → bytes. A list's ledger is built with openpyxl, its units' are cut
    from it (unit_ledgers: the same bytes, in a fraction of the time; a site at scale has thousands)."""
    files = {}
    for doc in task_lists(corpus):
        whole = build_ledger(corpus, doc.id)
        files[ledger_path(doc.id)] = whole
        files.update(unit_ledgers(corpus, doc.id, whole))
    return files


_WIDE = re.compile("[\u2e80-\uffff]")


def _lines(text: str, width: int) -> int:
    """Lines a text wraps to in a column `width` characters wide (a Chinese character is two)."""
    units = len(text) + len(_WIDE.findall(text))
    return max(1, math.ceil(units / max(1, width - 1)))


# A cell's style, set once for each kind of cell and copied to the others of that kind as openpyxl copies
# styles itself (openpyxl 3.1.5, worksheet/copier.py, WorksheetCopy._copy_cells: `target._style =
# copy(source._style)`): building and hashing a Font, an Alignment, a Border for every cell made a ledger
# several times as slow, and named styles cost more than the cells (tests/test_ledger.py checks the styles).
Styles = dict[tuple[str, bool], Any]


def _cell(ws: Worksheet, row: int, column: int, value: int | str | None, kind: str, styles: Styles,
          locked: bool = True) -> None:
    cell = text_cell(ws, row, column, value) if isinstance(value, str) else ws.cell(row=row, column=column, value=value)
    known = styles.get((kind, locked))
    if known is not None:
        cell._style = copy(known)  # type: ignore[union-attr]  # openpyxl's own way (above); not in the stubs
        return
    cell.font = Font(name="黑体" if kind == "head" else FONT, size=11)
    cell.alignment = Alignment(horizontal="left" if kind == "text" else "center", vertical="center", wrap_text=True)
    cell.border = BOX
    cell.protection = Protection(locked=locked)
    if locked:
        cell.fill = LOCKED_FILL
    if kind == "date":
        cell.number_format = "yyyy-mm-dd"
    styles[(kind, locked)] = copy(cell._style)  # type: ignore[union-attr]  # as above


CENTERED = ("number", "section", "status")


def _texts(doc: Entry, unit: Entry | None, rows: list[Row]) -> tuple[str, str]:
    """The ledger's title and the line under it."""
    title = f"{doc.record.title}·任务台账" + (f"（{unit.record.name}）" if unit else "")
    if unit:
        lead = sum(1 for r in rows if r.lead)
        who = f"责任单位：{unit.record.name}（牵头任务{lead}项、配合任务{len(rows) - lead}项）。"
    else:
        who = f"全部责任单位：{len(rows)}行（每项任务的每个责任单位一行，首位为牵头单位）。"
    return title, (who + "灰色列为清单原文，已锁定；请填写白色列：进展从下拉列表中选择（未启动、推进中、已完成、"
                   "长期坚持），填报日期写作 2024-06-30 这样的日期。再次填报时，更新内容和填报日期后再报送。")


def build_ledger(corpus: Corpus, list_id: str, unit_id: str | None = None) -> bytes:
    """A ledger built with openpyxl: the list's, or one unit's (the site cuts the units' ledgers from the
    list's instead, see unit_ledgers; this is what they must equal, byte for byte)."""
    doc = corpus[list_id]
    unit = corpus[unit_id] if unit_id else None
    rows = ledger_rows(corpus, list_id, unit_id)
    version = data_version(list_id, unit_id, rows)
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = SHEET
    title, info = _texts(doc, unit, rows)
    wb.properties.title = title
    wb.properties.creator = wb.properties.lastModifiedBy = "评价改革知识库"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.language = "zh-CN"
    last = get_column_letter(len(COLUMNS))

    ws.merge_cells(f"A1:{last}1")
    text_cell(ws, 1, 1, title)
    ws["A1"].font = Font(name="方正小标宋简体", size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 32
    ws.merge_cells(f"A2:{last}2")
    text_cell(ws, 2, 1, info)
    ws["A2"].font = Font(name=FONT, size=11)
    ws["A2"].alignment = Alignment(vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 36
    styles: Styles = {}
    for c, col in enumerate(COLUMNS, 1):
        _cell(ws, HEADER_ROW, c, col.name, "head", styles, locked=col.prefilled)
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.row_dimensions[HEADER_ROW].height = 24
    kinds = ["date" if col.field == "date" else "center" if col.field in CENTERED else "text" for col in COLUMNS]

    for i, row in enumerate(rows):
        r = FIRST_ROW + i
        values = row.prefilled()
        for c, value in enumerate(values, 1):
            _cell(ws, r, c, value, kinds[c - 1], styles)
        for c in range(len(PREFILLED) + 1, len(COLUMNS) + 1):
            _cell(ws, r, c, None, kinds[c - 1], styles, locked=False)
        lines = max(_lines(str(v), col.width) for col, v in zip(PREFILLED, values))
        ws.row_dimensions[r].height = max(30, 15 * lines + 6)

    end = FIRST_ROW + max(len(rows), 1) - 1
    status = DataValidation(type="list", formula1='"' + ",".join(PROGRESS_STATUSES) + '"', allow_blank=True)
    status.promptTitle, status.prompt = "进展", "从下拉列表中选择"
    status.errorTitle, status.error = "进展", "请从下拉列表中选择：" + "、".join(PROGRESS_STATUSES)
    status.showInputMessage = status.showErrorMessage = True
    status.add(f"{LETTER['status']}{FIRST_ROW}:{LETTER['status']}{end}")
    published = _published(doc.record.date)
    date = DataValidation(type="date", operator="between", allow_blank=True,
                          formula1=f"DATE({published.year},{published.month},{published.day})", formula2="TODAY()")
    date.promptTitle, date.prompt = "填报日期", "填写日期，如 2024-06-30"
    date.errorTitle = "填报日期"
    date.error = f"请填写 {published.isoformat()} 至今天之间的日期，如 2024-06-30"
    date.showInputMessage = date.showErrorMessage = True
    date.add(f"{LETTER['date']}{FIRST_ROW}:{LETTER['date']}{end}")
    ws.add_data_validation(status)
    ws.add_data_validation(date)

    ws.protection.sheet = True
    ws.protection.formatRows = ws.protection.formatColumns = False  # rows may be made taller to write in
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_area = f"A1:{last}{end}"
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    footer = ws.oddFooter
    assert footer is not None  # a new sheet has its (empty) header and footer
    footer.center.text = "第 &P 页，共 &N 页"

    _info_sheet(wb, doc, unit, rows, version)
    wb.security = WorkbookProtection(lockStructure=True)  # the hidden sheet stays hidden, the sheets keep their names
    out = io.BytesIO()
    wb.save(out)
    return reproducible_zip(out.getvalue(), level=6)  # level 9 took a third of the time, for 2% less


def _published(date: str | None) -> dt.date:
    """The list's date as a day (a month alone: its first day); reports start no earlier."""
    if not date:
        return dt.date(2000, 1, 1)
    parts = [int(p) for p in date.split("-")] + [1]
    return dt.date(parts[0], parts[1], parts[2])


def _info_sheet(wb: Workbook, doc: Entry, unit: Entry | None, rows: list[Row], version: str) -> None:
    info = wb.create_sheet(INFO_SHEET)
    info.sheet_state = "hidden"
    meta: list[tuple[str, int | str, str]] = [
        ("台账格式", LEDGER_FORMAT, "评价改革知识库任务台账"),
        ("清单", doc.id, doc.record.title),
        ("单位", unit.id if unit else "", unit.record.name if unit else "全部责任单位"),
        ("数据版本", version, "生成台账的清单数据"),
        ("工作表", SHEET, "填写的工作表"),
        ("说明", "本表供导入程序核对，请勿修改。", ""),
    ]
    for r, (label, value, note) in enumerate(meta, 1):
        text_cell(info, r, 1, label)
        if isinstance(value, str):
            text_cell(info, r, 2, value)
        else:
            info.cell(row=r, column=2, value=value)
        text_cell(info, r, 3, note)
    head = len(meta) + 2
    for c, name in enumerate(MIRROR_HEAD, 1):
        text_cell(info, head, c, name)
    for i, row in enumerate(rows):
        r = head + 1 + i
        info.cell(row=r, column=1, value=FIRST_ROW + i)
        info.cell(row=r, column=2, value=row.task.number)
        text_cell(info, r, 3, row.unit.id)
        text_cell(info, r, 4, json.dumps(row.prefilled(), ensure_ascii=False))
    info.protection.sheet = True


# --- the units' ledgers, cut from the list's ---------------------------------------------------------------
# A unit's ledger is the list's with only the unit's rows (renumbered), its own title and line, its unit and
# version in the hidden sheet, and the ranges that follow from its row count. openpyxl (3.1.5) writes every
# string inline (no shared strings) and each row whole, so these are the only parts that differ; the cut
# changes them in the list ledger's XML and zips the parts again. tests/test_ledger.py checks that every
# unit's ledger so made has the bytes build_ledger gives it.
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CORE_TITLE = "{http://purl.org/dc/elements/1.1/}title"
SHEET_PART, INFO_PART = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
_ROW_NUMBER = re.compile(r"\d+$")


def _set_text(cell: Any, text: str) -> None:
    """An inline-string cell's text (openpyxl writes an empty string as a cell without <is>)."""
    for child in list(cell):
        cell.remove(child)
    etree.SubElement(etree.SubElement(cell, f"{_NS}is"), f"{_NS}t").text = text


def _renumbered(row: Any, r: int) -> Any:
    out = copy(row)
    out.set("r", str(r))
    for cell in out:
        cell.set("r", _ROW_NUMBER.sub(str(r), cell.get("r")))
    return out


def unit_ledgers(corpus: Corpus, list_id: str, whole: bytes) -> dict[str, bytes]:
    """Each unit's ledger of a list, cut from the list's ledger (`whole`, as build_ledger made it)."""
    doc = corpus[list_id]
    rows = ledger_rows(corpus, list_id)
    with zipfile.ZipFile(io.BytesIO(whole)) as z:
        names = [i.filename for i in z.infolist()]
        parts = {n: z.read(n) for n in names}
    sheet, info = etree.fromstring(parts[SHEET_PART]), etree.fromstring(parts[INFO_PART])
    workbook, core = etree.fromstring(parts["xl/workbook.xml"]), etree.fromstring(parts["docProps/core.xml"])
    sheet_data, info_data = sheet.find(f"{_NS}sheetData"), info.find(f"{_NS}sheetData")
    head, body = list(sheet_data)[:FIRST_ROW - 1], list(sheet_data)[FIRST_ROW - 1:]
    info_rows = list(info_data)
    info_head, mirror = info_rows[:len(info_rows) - len(rows)], info_rows[len(info_rows) - len(rows):]
    meta = {cell.get("r"): cell for row in info_head for cell in row}
    title_cell, info_cell = head[0][0], head[1][0]
    last = get_column_letter(len(COLUMNS))
    first_mirror = int(mirror[0].get("r")) if mirror else 0
    out: dict[str, bytes] = {}
    units: dict[str, Entry] = {}
    for row in rows:
        units.setdefault(row.unit.id, row.unit)
    for unit_id, unit in units.items():
        picked = [i for i, row in enumerate(rows) if row.unit.id == unit_id]
        mine = [rows[i] for i in picked]
        end = FIRST_ROW + len(mine) - 1
        title, line = _texts(doc, unit, mine)
        _set_text(title_cell, title)
        _set_text(info_cell, line)
        sheet_data[:] = head + [_renumbered(body[i], FIRST_ROW + n) for n, i in enumerate(picked)]
        sheet.find(f"{_NS}dimension").set("ref", f"A1:{last}{end}")
        for dv in sheet.iter(f"{_NS}dataValidation"):
            column = dv.get("sqref")[0]
            dv.set("sqref", f"{column}{FIRST_ROW}" + (f":{column}{end}" if end > FIRST_ROW else ""))  # as openpyxl
        mirrored = []
        for n, i in enumerate(picked):
            copied = _renumbered(mirror[i], first_mirror + n)
            copied[0][0].text = str(FIRST_ROW + n)  # the sheet row this is the copy of
            mirrored.append(copied)
        _set_text(meta["B3"], unit_id)
        _set_text(meta["C3"], unit.record.name)
        _set_text(meta["B4"], data_version(list_id, unit_id, mine))
        info_data[:] = info_head + mirrored
        info.find(f"{_NS}dimension").set("ref", f"A1:D{first_mirror + len(mine) - 1}")
        for name in workbook.iter(f"{_NS}definedName"):
            if name.get("name") == "_xlnm.Print_Area":
                name.text = f"'{SHEET}'!$A$1:${last}${end}"
        core.find(_CORE_TITLE).text = title
        changed = {SHEET_PART: _sheet_xml(sheet), INFO_PART: _sheet_xml(info),
                   "xl/workbook.xml": _utf8(workbook), "docProps/core.xml": _utf8(core)}
        out[ledger_path(list_id, unit_id)] = zip_parts([(n, changed.get(n, parts[n])) for n in names], level=6)
    return out


def _sheet_xml(root: Any) -> bytes:
    """A sheet as openpyxl writes it: characters as references; an empty cell, header and footer as
    <c …></c> (lxml would write <c …/>), the other empty elements closed in themselves."""
    empty = [*root.iter(f"{_NS}c"), *(e for h in root.iter(f"{_NS}headerFooter") for e in h)]
    for element in empty:
        if len(element) == 0 and element.text is None:
            element.text = ""
    return bytes(etree.tostring(root))


def _utf8(root: Any) -> bytes:
    """A part as openpyxl writes the workbook and its properties: UTF-8, no XML declaration."""
    return str(etree.tostring(root, encoding="unicode")).encode("utf-8")
