"""`python -m kb check FILE…`: the filled 申报书 and 汇总表 that come back, checked against the data.

- A filled .docx form (the 湖北 申报书; the 重庆 case template): per section its 字数 against the limit,
  counted as the site's counter counts (kb.text.word_count); empty fields and blank table cells; the chosen
  试点类型. The form is known by the title the download carries in its properties, or by its title lines.
- A filled .xlsx form (the 湖北 申报汇总表, the 重庆 征集汇总表): values outside a column's options, empty
  cells, unfilled header and footer fields; the rows of several files merged (optionally into one workbook)
  and the quotas of the form's document (data: `quotas`) checked per applicant across them.

Every problem is reported, each as `FILE:place: message` (a cell: `FILE.xlsx:汇总表!C6: …`).
"""
from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import Corpus, Entry
from .models import ChoiceBlock, Column, FieldBlock, Form, NarrativeBlock, Quota, TableBlock
from .text import word_count
from .validate import suggest

CHECKED = "☑☒■√✓✔●◉▣"   # a box ticked in Word, WPS or LibreOffice (or typed over the ☐)
BLANK = re.compile(r"[\s\u3000_＿]+")  # what an empty field holds: spaces, ideographic spaces, underscores


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)     # what each file holds
    problems: list[str] = field(default_factory=list)  # every problem, by file and place
    merged_rows: int = 0


def _identify(corpus: Corpus, fmt: str, title: str | None, texts: list[str]) -> Entry | None:
    forms = [f for f in corpus.of_kind("form") if f.record.format == fmt]
    for f in forms:
        if title and title.strip() == f.record.title:
            return f
    for f in forms:  # properties lost: the form's own title lines, or its sheet's title, in the file
        rec: Form = f.record
        marks = [b.text for b in rec.blocks if b.type == "title"] or ([rec.sheet.title] if rec.sheet else [])
        if marks and all(any(m == t.strip() for t in texts) for m in marks):
            return f
    return None


def check_files(corpus: Corpus, paths: list[Path], merged: Path | None = None,
                names: list[str] | None = None) -> Report:
    report = Report()
    sheets: list[SheetRows] = []
    names = names or [str(p) for p in paths]
    for path, name in zip(paths, names):
        if not path.is_file():
            report.problems.append(f"{name}: is not a file")
        elif path.suffix.lower() == ".docx":
            _check_docx(corpus, path, name, report)
        elif path.suffix.lower() == ".xlsx":
            rows = _read_xlsx(corpus, path, name, report)
            if rows:
                sheets.append(rows)
        else:
            report.problems.append(f"{name}: is neither a .docx nor an .xlsx file; save it as one of them")
    if sheets:
        _check_quotas(corpus, sheets, report)
    rank = {name: i for i, name in enumerate(names)}
    report.problems = [p for _, p in sorted(enumerate(report.problems), key=lambda item: _place(item, rank))]
    if sheets and merged:
        merged.write_bytes(merged_workbook(sheets, report))
        report.merged_rows = sum(len(s.rows) for s in sheets)
    return report


_PLACE = re.compile(r"(.+?\.(?:docx|xlsx))(?::([^!:]+)!([A-Z]+)(\d+))?")


def _place(item: tuple[int, str], rank: dict[str, int]) -> tuple[int, str, int, str, int]:
    """Problems by file (in the order given), then a sheet's cells row by row; a document's in the order
    found (its sections, top to bottom)."""
    index, text = item
    m = _PLACE.match(text)
    if not m:
        return len(rank), "", 0, "", index
    return rank.get(m[1], len(rank)), m[2] or "", int(m[4] or 0), (m[3] or "").rjust(3), index


# --- .docx --------------------------------------------------------------------------------------

def _body(doc: Any) -> list[tuple[str, Any]]:
    """The document's paragraphs and tables in order: ('p', text) or ('t', [[cell text]])."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    out: list[tuple[str, Any]] = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(("p", Paragraph(child, doc).text))
        elif child.tag == qn("w:tbl"):
            out.append(("t", [[c.text for c in row.cells] for row in Table(child, doc).rows]))
    return out


def _unique_cells(table: list[list[str]]) -> list[str]:
    """A table's cell texts, a merged cell (repeated along its row) once."""
    out = []
    for row in table:
        last = None
        for text in row:
            if text != last:
                out.append(text)
            last = text
    return out


def _check_docx(corpus: Corpus, path: Path, name: str, report: Report) -> None:
    import docx
    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - whatever the file is, one line saying what to do
        report.problems.append(f"{name}: cannot be read as a .docx document ({type(exc).__name__}); save it as a "
                               "Word document (.docx)")
        return
    body = _body(doc)
    paragraphs = [text for kind, text in body if kind == "p"]
    form_entry = _identify(corpus, "docx", doc.core_properties.title, paragraphs)
    if form_entry is None:
        report.problems.append(f"{name}: is none of the site's forms (its title is "
                               f"'{doc.core_properties.title or ''}'); check the 申报书 downloaded from the site")
        return
    form: Form = form_entry.record
    report.lines.append(f"{name}: {form.title}")
    problem = report.problems.append
    if form.case_template and form.word_limit:
        n = sum(word_count(text) for kind, text in body if kind == "p") + \
            sum(word_count(t) for kind, table in body if kind == "t" for t in _unique_cells(table))
        report.lines.append(f"  全文: {n} / {form.word_limit} 字")
        if n > form.word_limit:
            over = n - form.word_limit
            problem(f"{name}:全文: {n} characters, more than the {form.word_limit} allowed ({over} over)")
        return
    headings = [b.text for b in form.blocks if b.type in ("heading", "narrative")]
    at = {}
    for i, (kind, text) in enumerate(body):
        if kind == "p" and text.strip() in headings and text.strip() not in at:
            at[text.strip()] = i
    for block in form.blocks:
        if isinstance(block, FieldBlock):
            _check_field(name, block, paragraphs, report)
        elif isinstance(block, ChoiceBlock):
            _check_choice(name, block, paragraphs, report)
        elif isinstance(block, TableBlock):
            _check_table(name, block, [t for kind, t in body if kind == "t"], report)
        elif isinstance(block, NarrativeBlock):
            if block.text not in at:
                problem(f"{name}:{block.text}: the section is missing (its heading was changed or deleted)")
                continue
            start = at[block.text]
            end = min([i for i in at.values() if i > start] or [len(body)])
            parts = [text for kind, text in body[start + 1:end] if kind == "p"]
            parts += [t for kind, table in body[start + 1:end] if kind == "t" for t in _unique_cells(table)]
            text = "\n".join(parts).replace(block.hint, "", 1)
            n = word_count(text)
            limit = block.word_limit
            report.lines.append(f"  {block.text}: {n}" + (f" / {limit} 字" if limit else " 字"))
            if n == 0:
                problem(f"{name}:{block.text}: is empty")
            elif limit and n > limit:
                problem(f"{name}:{block.text}: {n} characters, more than the {limit} allowed ({n - limit} over)")


def _after_label(label: str, paragraphs: list[str]) -> str | None:
    for text in paragraphs:
        stripped = text.strip()
        for colon in ("：", ":"):
            if stripped.startswith(label + colon):
                return stripped[len(label) + 1:]
    return None


def _check_field(name: str, block: FieldBlock, paragraphs: list[str], report: Report) -> None:
    value = _after_label(block.label, paragraphs)
    if value is None:
        report.problems.append(f"{name}:{block.label}: the field is missing (its label was changed or deleted)")
    elif not BLANK.sub("", value):
        report.problems.append(f"{name}:{block.label}: is empty")
    else:
        report.lines.append(f"  {block.label}: {BLANK.sub(' ', value).strip()}")


def _check_choice(name: str, block: ChoiceBlock, paragraphs: list[str], report: Report) -> None:
    value = _after_label(block.label, paragraphs)
    if value is None:
        report.problems.append(f"{name}:{block.label}: the choice is missing (its label was changed or deleted)")
        return
    marked = [o for o in block.options if re.search(f"[{CHECKED}]\\s*{re.escape(o)}", value)]
    if not marked:  # the other options deleted: the one left, without its box, is the choice
        present = [o for o in block.options if o in value]
        marked = [o for o in present if not re.search(f"☐\\s*{re.escape(o)}", value)] if len(present) == 1 else []
    if len(marked) == 1:
        report.lines.append(f"  {block.label}: {marked[0]}")
    elif not marked:
        report.problems.append(f"{name}:{block.label}: none chosen; tick one of {', '.join(block.options)} "
                               "(☑, or delete the others)")
    else:
        report.problems.append(f"{name}:{block.label}: {len(marked)} chosen ({', '.join(marked)}); choose one")


def _check_table(name: str, block: TableBlock, tables: list[list[list[str]]], report: Report) -> None:
    first = block.rows[0][0]
    table = next((t for t in tables if t and t[0] and t[0][0].strip() == first), None)
    if table is None:
        report.problems.append(f"{name}:{first}: the table is missing (its first cell was changed or deleted)")
        return
    for r, template in enumerate(block.rows):
        row = table[r] if r < len(table) else []
        label = ""  # the last label left of a blank cell: 负责人 … 姓名 [blank]
        for c, expected in enumerate(template):
            got = row[c].strip() if c < len(row) else ""
            if expected == "":
                place = template[0] if label in ("", template[0]) else f"{template[0]} {label}"
                if not BLANK.sub("", got):
                    report.problems.append(f"{name}:{place}: is empty")
                continue
            if c > 0 and re.search(r"\s年\s", expected) and BLANK.sub("", got) == BLANK.sub("", expected):
                report.problems.append(f"{name}:{template[0]}: is not filled in (still '{expected}')")
            label = expected


# --- .xlsx --------------------------------------------------------------------------------------

@dataclass
class SheetRows:
    """The filled rows of one 汇总表: which form, who sent it, and each row's values with its row number."""

    file: str
    sheet: str
    form: Entry
    applicant: str                        # 推荐单位 / 报送单位, as filled in
    applicant_kind: str                   # the quota's applicant kind (市州, 高校), '' where the form has no quotas
    kind_cell: str
    columns: list[Column]
    rows: list[tuple[int, list[Any]]]    # (row number, values in column order)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip()


def _options(corpus: Corpus, form: Form, column: Column) -> list[str]:
    doc = corpus.document(form.document)
    if column.options:
        return list(column.options)
    if column.options_from == "pilot_types":
        return [p.name for p in doc.pilot_types]
    if column.options_from == "case_types":
        return list(doc.case_types)
    if column.options_from == "projects":
        lists = [a.projects for a in doc.attachments if a.projects]
        return [e.record.text for e in corpus.of_kind("project") if e.list in lists]
    return []


def _read_xlsx(corpus: Corpus, path: Path, name: str, report: Report) -> SheetRows | None:
    from openpyxl import load_workbook
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever the file is, one line saying what to do
        report.problems.append(f"{name}: cannot be read as an .xlsx workbook ({type(exc).__name__}); save it as an "
                               "Excel workbook (.xlsx)")
        return None
    found = None
    for ws in wb.worksheets:
        first = _text(ws["A1"].value)
        form_entry = _identify(corpus, "xlsx", first, [first])
        if form_entry is not None:
            found = (ws, form_entry)
            break
    if found is None:
        report.problems.append(f"{name}: is none of the site's 汇总表 (no sheet has a form's title in A1)")
        return None
    ws, form_entry = found
    form: Form = form_entry.record
    assert form.sheet is not None  # an xlsx form has a sheet (kb.checks)
    sheet_def = form.sheet
    columns = sheet_def.columns
    names = [c.name for c in columns]
    header = next((r for r in range(1, min(ws.max_row, 12) + 1)
                   if [_text(ws.cell(row=r, column=c + 1).value) for c in range(len(names))] == names), None)
    problem = report.problems.append
    if header is None:
        problem(f"{name}:{ws.title}!A3: the column headers ({'、'.join(names)}) were changed; "
                "use the downloaded 汇总表")
        return None
    # Fields above and below the table: each cell begins with its label (推荐单位（盖章）：); what follows is filled in.
    values: dict[str, tuple[str, str]] = {}
    field_rows = [*range(1, header), *range(header + 1, ws.max_row + 1)]
    labels = [*sheet_def.header_fields, *sheet_def.footer_fields]
    for r in field_rows:
        for c in range(1, len(columns) + 1):
            text = _text(ws.cell(row=r, column=c).value)
            for label in labels:
                head = label.split("：")[0] + "："
                if text.startswith(head) and label not in values:
                    values[label] = (text[len(head):], ws.cell(row=r, column=c).coordinate)
    for label in labels:
        head, _, template = label.partition("：")
        got, cell = values.get(label, ("", "A2"))
        if label not in values:
            problem(f"{name}:{ws.title}!{cell}: the field {head} is missing")
        elif not BLANK.sub("", got) or BLANK.sub("", got) == BLANK.sub("", template):
            problem(f"{name}:{ws.title}!{cell}: {head} is not filled in")
    applicant = BLANK.sub(" ", values.get(labels[0], ("", ""))[0]).strip() if labels else ""
    ends = tuple(label.split("：")[0] for label in sheet_def.footer_fields) + tuple(n[:2] for n in sheet_def.notes)
    rows: list[tuple[int, list[Any]]] = []
    for r in range(header + 1, ws.max_row + 1):
        cells = [ws.cell(row=r, column=c + 1) for c in range(len(columns))]
        first = _text(cells[0].value)
        if first.startswith(ends) and first:
            break
        values_of = [_text(cell.value) for cell in cells]
        if not any(v for col, v in zip(columns, values_of) if col.name != "序号"):
            continue
        rows.append((r, values_of))
        for c, (col, value) in enumerate(zip(columns, values_of)):
            where = f"{name}:{ws.title}!{cells[c].coordinate}"
            if col.name == "序号":
                continue
            if not value:
                problem(f"{where}: {col.name} is empty" + ("; write 无 if there is none" if "情况" in col.name else ""))
                continue
            options = _options(corpus, form, col)
            if options and not col.allow_other and value not in options:
                problem(f"{where}: {col.name} '{value}' is not one of {', '.join(options)}{suggest(value, options)}")
    kind, kind_cell = "", ""
    quotas: list[Quota] = list(corpus.document(form.document).quotas) if sheet_def.quota_check else []
    if quotas:
        kinds = list(dict.fromkeys(q.applicant for q in quotas))
        # The 申报主体 the sheet beside the table asks for (kb.downloads.xlsx: the quota check's dropdown).
        for c in range(len(columns) + 1, ws.max_column + 1):
            for r in range(1, header):
                if _text(ws.cell(row=r, column=c).value) in kinds:
                    kind, kind_cell = _text(ws.cell(row=r, column=c).value), ws.cell(row=r, column=c).coordinate
                    break
            if kind:
                break
        if not kind:
            problem(f"{name}:{ws.title}: the 申报主体 beside the table is not one of {', '.join(kinds)}; "
                    "choose it there")
    type_names = [c.name for c in columns if c.options_from in ("pilot_types", "case_types")]
    tally = _tally(rows, columns, type_names[0]) if type_names else ""
    who = f"{applicant}（{kind}）" if kind else applicant
    report.lines.append(f"{name}: {form.title}, {who or '(no sender)'}, {len(rows)} rows"
                        + (f": {tally}" if tally else ""))
    return SheetRows(name, ws.title, form_entry, applicant, kind, kind_cell, list(columns), rows)


def _tally(rows: list[tuple[int, list[Any]]], columns: list[Column], column: str) -> str:
    i = [c.name for c in columns].index(column)
    counted: dict[str, int] = {}
    for _, values in rows:
        if values[i]:
            counted[values[i]] = counted.get(values[i], 0) + 1
    return ", ".join(f"{k} {v}" for k, v in counted.items())


def _check_quotas(corpus: Corpus, sheets: list[SheetRows], report: Report) -> None:
    """The rows of every file of a form, by applicant, against the quotas of the form's document."""
    for form in dict.fromkeys(s.form.id for s in sheets):
        of_form = [s for s in sheets if s.form.id == form]
        rec: Form = of_form[0].form.record
        doc = corpus.document(rec.document)
        groups: dict[str, list[SheetRows]] = {}
        for s in of_form:
            groups.setdefault(BLANK.sub("", s.applicant), []).append(s)
        report.lines.append(f"{rec.title}: {len(of_form)} files, {len(groups)} senders, "
                            f"{sum(len(s.rows) for s in of_form)} rows")
        type_col = next((c.name for c in of_form[0].columns if c.options_from in ("pilot_types", "case_types")), None)
        for group in groups.values():
            kinds = sorted({s.applicant_kind for s in group if s.applicant_kind})
            who = group[0].applicant or "(no sender)"
            if len(kinds) > 1:
                for s in group:
                    report.problems.append(f"{s.file}:{s.sheet}!{s.kind_cell}: 申报主体 {s.applicant_kind} differs "
                                           f"from {who}'s other files ({', '.join(kinds)}); choose one")
                continue
            rows = [(s, r, values) for s in group for r, values in s.rows]
            if type_col:
                i = [c.name for c in group[0].columns].index(type_col)
                counted = _tally([(r, v) for _, r, v in rows], group[0].columns, type_col)
                report.lines.append(f"  {who}" + (f"（{kinds[0]}）" if kinds else "") + f": {counted or 'no rows'}")
                if kinds:
                    for q in doc.quotas:
                        if q.applicant == kinds[0]:
                            report.problems += _over(rows, i, q)
        if not rec.sheet or not rec.sheet.quota_check:
            for req in doc.requirements:
                if req.kind == "申报数量":
                    report.lines.append(f"  申报数量（原文）: {req.text}")


def _over(rows: list[tuple[SheetRows, int, list[Any]]], column: int, q: Quota) -> Iterator[str]:
    """A problem for each row past the quota, at its type cell."""
    from openpyxl.utils import get_column_letter
    of_type = [(s, r) for s, r, values in rows if values[column] == q.pilot_type]
    for n, (s, r) in enumerate(of_type[q.max:], q.max + 1):
        yield (f"{s.file}:{s.sheet}!{get_column_letter(column + 1)}{r}: {q.pilot_type} {n} of {len(of_type)} from "
               f"{s.applicant} is over the quota: a {q.applicant} applies for at most {q.max} ({q.text})")


def merged_workbook(sheets: list[SheetRows], report: Report) -> bytes:
    """Every file's rows in one workbook, a sheet per form (with where each row came from), and the problems."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from .downloads.common import FIXED_TIME, reproducible_zip
    from .downloads.xlsx import text_cell
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]  # a new workbook has its one sheet
    wb.properties.creator = wb.properties.lastModifiedBy = "评价改革知识库"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    for index, form in enumerate(dict.fromkeys(s.form.id for s in sheets), 1):
        of_form = [s for s in sheets if s.form.id == form]
        rec: Form = of_form[0].form.record
        ws = wb.create_sheet(f"汇总{index}")
        text_cell(ws, 1, 1, f"{rec.title}（合并 {len(of_form)} 个文件）")
        ws["A1"].font = Font(name="黑体", size=14)
        head = ["来源文件", "来源行", "报送单位", "申报主体", *(c.name for c in of_form[0].columns)]
        for c, h in enumerate(head, 1):
            text_cell(ws, 2, c, h).font = Font(name="黑体", size=11)
            ws.column_dimensions[get_column_letter(c)].width = 12 if c > 4 else 20
        r = 3
        for s in of_form:
            for row, values in s.rows:
                for c, value in enumerate([s.file, str(row), s.applicant, s.applicant_kind, *values], 1):
                    text_cell(ws, r, c, str(value)).alignment = Alignment(wrap_text=True, vertical="top")
                r += 1
        ws.freeze_panes = "A3"
    checks = wb.create_sheet("核对结果")
    text_cell(checks, 1, 1, "核对结果")
    for r, line in enumerate(report.lines + (report.problems or ["没有发现问题"]), 2):
        text_cell(checks, r, 1, line)
    checks.column_dimensions["A"].width = 120
    out = io.BytesIO()
    wb.save(out)
    return reproducible_zip(out.getvalue())
