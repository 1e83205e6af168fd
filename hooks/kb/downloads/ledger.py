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
import functools
import hashlib
import io
import json
import math
import re
import struct
import zipfile
import zlib
from copy import copy
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ..corpus import Corpus, Entry, plain
from ..models import PROGRESS_STATUSES
from ..routes import ledger_path
from . import WINDOWS_NAME
from .common import FIXED_TIME, zip_parts
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
    return [_offer(corpus[list_id], unit) for list_id in sorted(lists, key=corpus.position)]  # documents' order


_WIDE = re.compile("[\u2e80-\uffff]+")  # runs of them: a tenth of the time of one match a character


def _lines(text: str, width: int) -> int:
    """Lines a text wraps to in a column `width` characters wide (a Chinese character is two)."""
    units = len(text) + sum(map(len, _WIDE.findall(text)))
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


@dataclass(frozen=True)
class Line:
    """A ledger row as data: its prefilled cells (COLUMNS order), and its task number and unit id (the hidden
    sheet's copy)."""
    values: tuple[int | str, ...]
    task: int | None
    unit: str

    @classmethod
    def of(cls, row: Row) -> Line:
        return cls(row.prefilled(), row.task.number, row.unit.id)


@dataclass(frozen=True)
class Contents:
    """What a ledger holds that its list and unit decide; a writer (openpyxl's, or the template's) adds the rest."""
    title: str                                      # A1, and the file's title
    info: str                                       # the line under it
    date_rule: str                                  # DATE(…): the earliest 填报日期 (the list's date)
    date_error: str                                 # what Excel says when a 填报日期 is out of range
    meta: tuple[tuple[str, int | str, str], ...]    # the hidden sheet's head: label, value, note
    lines: tuple[Line, ...]


def _version(list_id: str, unit_id: str | None, lines: tuple[Line, ...]) -> str:
    payload = json.dumps([list_id, unit_id or "", [[ln.task, ln.unit, *ln.values] for ln in lines]],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def data_version(list_id: str, unit_id: str | None, rows: list[Row]) -> str:
    """A digest of what a ledger was made from: the same list and rows, the same version."""
    return _version(list_id, unit_id, tuple(Line.of(r) for r in rows))


def _contents(doc: Entry, unit: Entry | None, rows: list[Row], lines: tuple[Line, ...]) -> Contents:
    """A ledger's contents: the list's (unit None) or a unit's; `lines` are the rows' Line.of."""
    title, info = _texts(doc, unit, rows)
    published = _published(doc.record.date)
    meta: tuple[tuple[str, int | str, str], ...] = (
        ("台账格式", LEDGER_FORMAT, "评价改革知识库任务台账"),
        ("清单", doc.id, doc.record.title),
        ("单位", unit.id if unit else "", unit.record.name if unit else "全部责任单位"),
        ("数据版本", _version(doc.id, unit.id if unit else None, lines), "生成台账的清单数据"),
        ("工作表", SHEET, "填写的工作表"),
        ("说明", "本表供导入程序核对，请勿修改。", ""),
    )
    return Contents(title, info, f"DATE({published.year},{published.month},{published.day})",
                    f"请填写 {published.isoformat()} 至今天之间的日期，如 2024-06-30", meta, lines)


def _published(date: str | None) -> dt.date:
    """The list's date as a day (a month alone: its first day); reports start no earlier."""
    if not date:
        return dt.date(2000, 1, 1)
    parts = [int(p) for p in date.split("-")] + [1]
    return dt.date(parts[0], parts[1], parts[2])


def _height(values: tuple[int | str, ...]) -> int:
    """A row's height in points: the lines its longest prefilled cell wraps to."""
    return max(30, 15 * max(_lines(str(v), col.width) for col, v in zip(PREFILLED, values)) + 6)


def build_ledger(corpus: Corpus, list_id: str, unit_id: str | None = None) -> bytes:
    """A ledger built with openpyxl: the list's, or one unit's. This is the definition: the site writes its
    ledgers from a template instead (ledger_files), and tests/test_ledger.py checks they have these bytes."""
    unit = corpus[unit_id] if unit_id else None
    rows = ledger_rows(corpus, list_id, unit_id)
    return _openpyxl_ledger(_contents(corpus[list_id], unit, rows, tuple(Line.of(r) for r in rows)))


def _openpyxl_ledger(contents: Contents) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook's one sheet
    ws.title = SHEET
    wb.properties.title = contents.title
    wb.properties.creator = wb.properties.lastModifiedBy = "评价改革知识库"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.language = "zh-CN"
    last = get_column_letter(len(COLUMNS))

    ws.merge_cells(f"A1:{last}1")
    text_cell(ws, 1, 1, contents.title)
    ws["A1"].font = Font(name="方正小标宋简体", size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 32
    ws.merge_cells(f"A2:{last}2")
    text_cell(ws, 2, 1, contents.info)
    ws["A2"].font = Font(name=FONT, size=11)
    ws["A2"].alignment = Alignment(vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 36
    styles: Styles = {}
    for c, col in enumerate(COLUMNS, 1):
        _cell(ws, HEADER_ROW, c, col.name, "head", styles, locked=col.prefilled)
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.row_dimensions[HEADER_ROW].height = 24
    kinds = ["date" if col.field == "date" else "center" if col.field in CENTERED else "text" for col in COLUMNS]

    for r, line in enumerate(contents.lines, FIRST_ROW):
        for c, value in enumerate(line.values, 1):
            _cell(ws, r, c, value, kinds[c - 1], styles)
        for c in range(len(PREFILLED) + 1, len(COLUMNS) + 1):
            _cell(ws, r, c, None, kinds[c - 1], styles, locked=False)
        ws.row_dimensions[r].height = _height(line.values)

    end = FIRST_ROW + max(len(contents.lines), 1) - 1
    status = DataValidation(type="list", formula1='"' + ",".join(PROGRESS_STATUSES) + '"', allow_blank=True)
    status.promptTitle, status.prompt = "进展", "从下拉列表中选择"
    status.errorTitle, status.error = "进展", "请从下拉列表中选择：" + "、".join(PROGRESS_STATUSES)
    status.showInputMessage = status.showErrorMessage = True
    status.add(f"{LETTER['status']}{FIRST_ROW}:{LETTER['status']}{end}")
    date = DataValidation(type="date", operator="between", allow_blank=True, formula1=contents.date_rule,
                          formula2="TODAY()")
    date.promptTitle, date.prompt = "填报日期", "填写日期，如 2024-06-30"
    date.errorTitle, date.error = "填报日期", contents.date_error
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

    _info_sheet(wb, contents)
    wb.security = WorkbookProtection(lockStructure=True)  # the hidden sheet stays hidden, the sheets keep their names
    out = io.BytesIO()
    wb.save(out)
    with zipfile.ZipFile(out) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    return zip_parts([(name, _utf8(xml) if name in (SHEET_PART, INFO_PART) else xml) for name, xml in parts],
                     level=LEVEL)


_REFERENCE = re.compile(rb"&#(\d+);")


def _utf8(sheet: bytes) -> bytes:
    """A sheet as openpyxl writes it but for its characters outside ASCII, in UTF-8 as in the workbook's other
    parts, not references (&#26691;, 8 bytes for 3): the sheets are a third smaller and compress in half the
    time. libxml2 writes a reference for nothing else but a CR, or a line feed or tab in an attribute (kept)."""
    return _REFERENCE.sub(lambda m: chr(int(m[1])).encode() if int(m[1]) > 127 else m[0], sheet)


def _info_sheet(wb: Workbook, contents: Contents) -> None:
    info = wb.create_sheet(INFO_SHEET)
    info.sheet_state = "hidden"
    for r, (label, value, note) in enumerate(contents.meta, 1):
        text_cell(info, r, 1, label)
        if isinstance(value, str):
            text_cell(info, r, 2, value)
        else:
            info.cell(row=r, column=2, value=value)
        text_cell(info, r, 3, note)
    head = len(contents.meta) + 2
    for c, name in enumerate(MIRROR_HEAD, 1):
        text_cell(info, head, c, name)
    for i, line in enumerate(contents.lines):
        r = head + 1 + i
        info.cell(row=r, column=1, value=FIRST_ROW + i)
        info.cell(row=r, column=2, value=line.task)
        text_cell(info, r, 3, line.unit)
        text_cell(info, r, 4, json.dumps(line.values, ensure_ascii=False))
    info.protection.sheet = True


# --- the site's ledgers, written from a template ---------------------------------------------------------
# openpyxl takes ~40 ms for a list's ledger (its cost is per cell), and a site at scale has thousands of lists
# and tens of thousands of units' ledgers. So the site builds one ledger with openpyxl, once (a template: one
# row, marks for the texts), and writes every ledger by filling that ledger's XML: the parts no data change
# (styles, theme, relationships…) are taken whole, compressed once; in the sheets, the title, the line under it,
# the rows, the ranges that follow from their count and the list's date are filled in, written as openpyxl
# (3.1.5, through lxml) writes them: every string inline, escaped as libxml2 escapes (_text), in UTF-8 (the
# sheets as build_ledger turns them, _utf8), spaces kept by openpyxl's rules, empty cells as <c …></c>.
# tests/test_ledger.py checks that every ledger so written has the bytes build_ledger gives it.
SHEET_PART, INFO_PART, WORKBOOK_PART, CORE_PART = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                                                   "xl/workbook.xml", "docProps/core.xml")
# Deflate level of the ledgers' parts. The knee (10k generated set, 1,320 ledgers, UTF-8 sheets: CPU s to write
# them all, bytes a file): level 1 0.83 s 11.7 kB, 3 0.86 s 11.3 kB, 6 1.03 s 10.7 kB, 9 1.23 s 10.7 kB.
LEVEL = 3
Chunks = list[bytes | str]  # a part's XML: bytes as they are, and the names of the slots between them


def _mark(name: str) -> str:
    """A text the template holds where a ledger's own goes."""
    return f"kb-slot-{name}"


def _slots(xml: bytes, slots: dict[str, bytes]) -> Chunks:
    """The XML cut at its slots: each pattern matches once, its first group is the slot."""
    spans = []
    for name, pattern in slots.items():
        found = [m.span(1) for m in re.finditer(pattern, xml, re.S)]
        if len(found) != 1:
            raise RuntimeError(f"the ledger template has {len(found)} places for {name}, not one: "
                               "build_ledger writes the ledger differently; update _Template")
        spans.append((*found[0], name))
    chunks: Chunks = []
    at = 0
    for start, end, name in sorted(spans):
        chunks += [xml[at:start], name]
        at = end
    return [*chunks, xml[at:]]


def _fill(chunks: Chunks, values: dict[str, bytes]) -> bytes:
    return b"".join(values[c] if isinstance(c, str) else c for c in chunks)


def _text(text: str, attribute: bool = False) -> str:
    """Text escaped as libxml2 writes it (so openpyxl, through lxml): &, <, > and a carriage return; in an
    attribute also the double quote, line feed and tab."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


def _element_text(text: str) -> bytes:
    """An element's text from the end of its start tag, as openpyxl writes a property or a validation's formula
    (NestedText): spaces kept by openpyxl.xml.functions.whitespace's rule (a text that strips to something else,
    not to nothing), not by the cells' rule (_inline)."""
    stripped = text.strip()
    space = b' xml:space="preserve"' if stripped and stripped != text else b""
    return space + b">" + _text(text).encode()


def _inline(text: str) -> bytes:
    """A text cell's content as openpyxl writes it: an inline string (UTF-8, see _utf8), nothing for an empty
    text."""
    text = text[:32767]  # as openpyxl's Cell.check_string: too long is cut, a control character refused
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    if not text:
        return b""
    space = b' xml:space="preserve"' if text != text.strip() else b""  # openpyxl's lxml writer's rule
    return b"<is><t%s>%s</t></is>" % (space, _text(text).encode())


def _cells(cells: list[tuple[bytes, bytes, int | str | None]]) -> list[bytes]:
    """Cells (column letter, style attribute, value) as openpyxl writes them, cut where the row number goes:
    `b"4".join(…)` gives <c r="A4" …>…</c><c r="B4" …>…</c>. A str is a text cell (text_cell's, never a
    formula), an int a number, None an empty cell (left out when it has no style, as openpyxl does)."""
    pieces, tail = [], b""
    for letter, style, value in cells:
        if value is None and not style:
            continue
        pieces.append(tail + b'<c r="' + letter)
        if isinstance(value, str):
            tail = b'"%s t="inlineStr">%s</c>' % (style, _inline(value))
        else:
            tail = b'"%s t="n">%s</c>' % (style, b"" if value is None else b"<v>%d</v>" % value)
    return [*pieces, tail]


def _then(cells: list[bytes], more: list[bytes]) -> list[bytes]:
    """Cells cut as _cells cuts them, and more after them."""
    return [*cells[:-1], cells[-1] + more[0], *more[1:]]


def _row(r: int, attributes: bytes, cells: list[bytes]) -> bytes:
    number = b"%d" % r
    return b'<row r="%s"%s>%s</row>' % (number, attributes, number.join(cells))


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    """A part compressed as zipfile compresses it at LEVEL: (deflated, CRC-32, size)."""
    z = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(), zlib.crc32(data), len(data)


def _zip(parts: list[tuple[str, tuple[bytes, int, int]]]) -> bytes:
    """Deflated parts in a zip, byte for byte as zip_parts (zipfile) writes them: no extra fields, DOS time
    1980-01-01 00:00, mode 0644, made on Unix (names are ASCII here: no UTF-8 flag)."""
    local, central, at = [], [], 0
    for name, (data, crc, size) in parts:
        fields = struct.pack("<4HL2L2H", 0, 8, 0, 33, crc, len(data), size, len(name), 0)  # flags, deflate, time
        local.append(b"PK\x03\x04\x14\x00" + fields + name.encode("ascii") + data)
        central.append(b"PK\x01\x02\x14\x03\x14\x00" + fields + struct.pack("<3H2L", 0, 0, 0, 0o644 << 16, at)
                       + name.encode("ascii"))
        at += len(local[-1])
    directory = b"".join(central)
    return b"".join(local) + directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts),
                                                     len(directory), at, 0)


@dataclass(frozen=True)
class _RowXml:
    """A list row's XML, made once for the list's ledger and its unit's: the sheet's row height and cells, and
    the hidden sheet's copy but its first cell (the sheet row it copies: not the same in the two)."""
    height: bytes
    cells: list[bytes]
    copy: list[bytes]


LETTERS = [get_column_letter(c).encode() for c in range(1, len(COLUMNS) + 1)]


class _Template:
    """A ledger as build_ledger writes it (made once, of a one-row list with marks for the texts), cut into what
    every ledger shares and the slots its contents fill."""

    def __init__(self) -> None:
        sample = Contents(_mark("title"), _mark("info"), _mark("rule"), _mark("error"), (),
                          (Line((1, "x", "x", "x", "x"), 1, "x"),))
        with zipfile.ZipFile(io.BytesIO(_openpyxl_ledger(sample))) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        self.names = list(parts)
        row = re.search(rb'<row r="%d"[ >].*?</row>' % FIRST_ROW, parts[SHEET_PART])
        assert row, "the template has its one row"
        styles = dict(re.findall(rb'<c r="([A-Z]+)%d"( s="\d+")' % FIRST_ROW, row[0]))
        self.styles = [styles[letter] for letter in LETTERS]  # each column's style attribute
        n = len(PREFILLED)
        self.blank = _cells(list(zip(LETTERS[n:], self.styles[n:], (None,) * len(FILL_IN))))  # the fill-in cells
        texts = {name: rb"(<is><t>%s</t></is>)" % _mark(name).encode() for name in ("title", "info")}
        validation = rb'<dataValidation sqref="(%s%d)"'
        self.sheet = _slots(parts[SHEET_PART], {
            "dimension": rb'<dimension ref="([^"]*)"/>', **texts,
            "rows": rb'(<row r="%d"[ >].*?</row>)' % FIRST_ROW,
            "status": validation % (LETTER["status"].encode(), FIRST_ROW),
            "date": validation % (LETTER["date"].encode(), FIRST_ROW),
            "rule": rb"<formula1(>%s)</formula1>" % _mark("rule").encode(),
            "error": rb' error="(%s)"' % _mark("error").encode()})
        self.info = _slots(parts[INFO_PART], {"dimension": rb'<dimension ref="([^"]*)"/>',
                                              "rows": rb"<sheetData>(.*)</sheetData>"})
        self.workbook = _slots(parts[WORKBOOK_PART], {"end": rb"_xlnm\.Print_Area[^>]*>[^<]*\$(%d)<" % FIRST_ROW})
        self.core = _slots(parts[CORE_PART], {"title": rb"(>%s)<" % _mark("title").encode()})  # from the tag's end
        self.fixed = {name: _deflated(data) for name, data in parts.items()
                      if name not in (SHEET_PART, INFO_PART, WORKBOOK_PART, CORE_PART)}

    def rows(self, lines: tuple[Line, ...]) -> list[_RowXml]:
        return [_RowXml(b' ht="%d" customHeight="1"' % _height(ln.values),
                        _then(_cells(list(zip(LETTERS, self.styles, ln.values))), self.blank),
                        _cells([(b"B", b"", ln.task), (b"C", b"", ln.unit),
                                (b"D", b"", json.dumps(ln.values, ensure_ascii=False))]))
                for ln in lines]

    def ledger(self, contents: Contents, rows: list[_RowXml]) -> bytes:
        """The ledger of these contents (one row at least); `rows` are self.rows(contents.lines)."""
        end = FIRST_ROW + len(rows) - 1

        def sqref(column: str) -> bytes:  # openpyxl writes a range of one cell as the cell
            return f"{column}{FIRST_ROW}".encode() + (f":{column}{end}".encode() if end > FIRST_ROW else b"")
        sheet = _fill(self.sheet, {
            "dimension": b"A1:%s%d" % (LETTERS[-1], end), "title": _inline(contents.title),
            "info": _inline(contents.info),
            "rows": b"".join(_row(r, row.height, row.cells) for r, row in enumerate(rows, FIRST_ROW)),
            "status": sqref(LETTER["status"]), "date": sqref(LETTER["date"]),
            "rule": _element_text(contents.date_rule), "error": _text(contents.date_error, attribute=True).encode()})

        head = len(contents.meta) + 2  # the copies' head row
        info = [_row(r, b"", _cells(list(zip(LETTERS, (b"",) * 3, m)))) for r, m in enumerate(contents.meta, 1)]
        info.append(_row(head, b"", _cells(list(zip(LETTERS, (b"",) * 4, MIRROR_HEAD)))))
        for i, row in enumerate(rows):  # the copy's first cell: the sheet row it copies
            info.append(_row(head + 1 + i, b"", _then(_cells([(b"A", b"", FIRST_ROW + i)]), row.copy)))
        first = 1 if contents.meta else head
        hidden = _fill(self.info, {"dimension": b"A%d:D%d" % (first, head + len(rows)), "rows": b"".join(info)})

        changed = {SHEET_PART: sheet, INFO_PART: hidden, WORKBOOK_PART: _fill(self.workbook, {"end": b"%d" % end}),
                   CORE_PART: _fill(self.core, {"title": _element_text(contents.title)})}
        return _zip([(n, self.fixed[n] if n in self.fixed else _deflated(changed[n])) for n in self.names])


@functools.cache
def _template() -> _Template:
    return _Template()


def ledger_files(corpus: Corpus) -> dict[str, bytes]:
    """Every ledger the site offers, the lists' and their units': path → bytes, as build_ledger makes them."""
    template = _template()
    files = {}
    for doc in task_lists(corpus):
        rows = ledger_rows(corpus, doc.id)
        assert rows, "a task list has tasks, each with a unit at least (kb.models.Task.units)"
        lines = tuple(Line.of(r) for r in rows)
        xml = template.rows(lines)
        files[ledger_path(doc.id)] = template.ledger(_contents(doc, None, rows, lines), xml)
        mine: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            mine.setdefault(row.unit.id, []).append(i)
        for unit_id, picked in mine.items():
            unit_rows = [rows[i] for i in picked]
            contents = _contents(doc, unit_rows[0].unit, unit_rows, tuple(lines[i] for i in picked))
            files[ledger_path(doc.id, unit_id)] = template.ledger(contents, [xml[i] for i in picked])
    return files
