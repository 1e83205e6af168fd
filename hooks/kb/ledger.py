"""`python -m kb ledger import FILE.xlsx…`: filled task ledgers → data/progress/LIST.yml.

A ledger (kb.downloads.ledger) carries a hidden sheet naming its list, its unit and which task and
unit each row is, with a copy of the prefilled cells. Reading a filled one yields a progress entry
per filled row (task × unit × 填报日期) and a problem per cell that is wrong, each as
`FILE.xlsx:任务台账!G12: …`. Nothing is written unless every file is right and the data with the
new entries still validates as a whole; entries already in the data are left as they are, so
importing a file twice changes nothing. Files saved by Excel, WPS or LibreOffice read alike
(openpyxl reads what each writes: cached values, dates as dates or serial numbers, shared or
inline strings).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .assemble import assemble
from .corpus import Corpus, Entry
from .downloads.ledger import COLUMNS, FILL_IN, INFO_SHEET, LEDGER_FORMAT, LETTER, MIRROR_HEAD, PREFILLED
from .models import PROGRESS_STATUSES, Progress
from .validate import _error_message, suggest

FIELDS = tuple(Progress.model_fields)          # the order of an entry's fields in the data file
REPORTED = ("status", "report", "evidence", "problems")  # a row with none of these reports nothing
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/progress.schema.json\n"
HEADER = ("# 任务进展：各责任单位填报的任务台账，由 `python -m kb ledger import` 导入\n"
          "# （按任务、责任单位、填报日期排列）。\n"
          "# Written by the import; an entry may be corrected by hand (make validate checks it).\n")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass(frozen=True, order=True)
class CellProblem:
    """One thing wrong with a filled ledger: `FILE.xlsx:工作表!G12: message` (a file as a whole: no sheet)."""

    file: str
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.sheet}!{self.cell}" if self.sheet else self.file
        return f"{where}: {self.message}"


@dataclass
class Reading:
    """What one ledger holds: its list and the entries of its filled rows (each with the cell it starts at)."""

    list_id: str = ""
    entries: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)


def _plain(value: object) -> Any:
    """A cell's value as data: text stripped (line breaks as \\n), whole numbers as ints, None when empty."""
    if isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        return text or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _shown(value: object, limit: int = 30) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_date(value: object) -> dt.date | None:
    """A 填报日期 as Excel, WPS or LibreOffice stores it (a date, a serial number) or as typed text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 < value < 2_958_466:
        from openpyxl.utils.datetime import from_excel
        converted = from_excel(value)
        return converted.date() if isinstance(converted, dt.datetime) else None
    if isinstance(value, str):
        m = _DATE_TEXT.fullmatch(value.strip())
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _open(path: Path, name: str) -> tuple[Any, CellProblem | None]:
    from openpyxl import load_workbook
    if not path.is_file():
        return None, CellProblem(name, "", "", "is not a file")
    try:
        with warnings.catch_warnings():  # extensions openpyxl drops (WPS, Excel): nothing the import reads
            warnings.simplefilter("ignore")
            return load_workbook(path, data_only=True), None
    except Exception as exc:  # noqa: BLE001 - whatever the file is, one line saying what to do
        old = path.suffix.lower() in (".xls", ".et") or "xls file format" in str(exc)
        how = "it is an old .xls file" if old else f"it is not an .xlsx workbook ({type(exc).__name__})"
        return None, CellProblem(name, "", "", f"cannot be read: {how}; save it as an Excel workbook (.xlsx)")


def _meta(info: Any) -> tuple[dict[str, tuple[Any, str]], int | None]:
    """The hidden sheet's labelled values (label → (value, cell)) and the row of the copy's header."""
    meta: dict[str, tuple[Any, str]] = {}
    for row in info.iter_rows(min_row=1, max_row=info.max_row, max_col=2):
        label, value = _plain(row[0].value), row[1] if len(row) > 1 else None
        if label == MIRROR_HEAD[0]:
            return meta, row[0].row
        if isinstance(label, str) and value is not None:
            meta.setdefault(label, (_plain(value.value), value.coordinate))
    return meta, None


def read_ledger(path: Path, corpus: Corpus, today: dt.date, name: str | None = None) -> Reading:
    """Every filled row of a ledger as a progress entry, and every problem of the file."""
    name = name or str(path)
    out = Reading()
    wb, problem = _open(path, name)
    if problem:
        out.problems.append(problem)
        return out
    if INFO_SHEET not in wb.sheetnames:
        out.problems.append(CellProblem(name, "", "", f"has no sheet {INFO_SHEET}: it is not a task ledger from the "
                                        "site (download one from the list's or a unit's page)"))
        return out
    info = wb[INFO_SHEET]
    meta, head = _meta(info)

    def bad(cell_of: str, message: str) -> Reading:
        out.problems.append(CellProblem(name, INFO_SHEET, cell_of, message))
        return out

    version, at = meta.get("台账格式", (None, "B1"))
    if version != LEDGER_FORMAT:
        return bad(at, f"ledger format '{version}' is not {LEDGER_FORMAT}; download the ledger again")
    list_id, at = meta.get("清单", (None, "B2"))
    lists = [d.id for d in corpus.of_kind("document")
             if any(e.kind == "task" for e in corpus.items_of_list(d.id))]
    if list_id not in lists:
        return bad(at, f"list '{list_id}' is not a task list of the site{suggest(list_id, lists)}")
    out.list_id = str(list_id)
    sheet_name, at = meta.get("工作表", (None, "B5"))
    if sheet_name not in wb.sheetnames:
        return bad(at, f"the sheet '{sheet_name}' it names is missing (a sheet was renamed or deleted); "
                   "download the ledger again")
    if head is None:
        return bad("A1", f"the copy of the rows (a header '{MIRROR_HEAD[0]}') is missing; download the ledger again")
    ws = wb[sheet_name]
    doc = corpus.document(out.list_id)
    for r, mirror in enumerate(info.iter_rows(min_row=head + 1, max_row=info.max_row, max_col=len(MIRROR_HEAD),
                                              values_only=True), head + 1):
        if mirror[0] is None:
            continue
        _read_row(name, ws, [_plain(v) for v in mirror], r, out, corpus, doc.date, today)
    return out


def _read_row(name: str, ws: Any, mirror: list[Any], mirror_row: int, out: Reading, corpus: Corpus,
              published: str | None, today: dt.date) -> None:
    row, number, unit_id = mirror[0], mirror[1], mirror[2]
    sheet = ws.title

    def problem(field_name: str, message: str) -> None:
        out.problems.append(CellProblem(name, sheet, f"{LETTER[field_name]}{row}", message))

    try:
        prefilled = json.loads(mirror[3]) if isinstance(mirror[3], str) else None
    except ValueError:
        prefilled = None
    if not isinstance(prefilled, list) or len(prefilled) != len(PREFILLED):
        out.problems.append(CellProblem(name, INFO_SHEET, f"D{mirror_row}", "the copy of this row was changed; "
                                        "download the ledger again"))
        return
    for col, expected in zip(PREFILLED, prefilled):
        got = _plain(ws[f"{LETTER[col.field]}{row}"].value)
        if got != expected and str(got) != str(expected):
            problem(col.field, f"{col.name} was changed to '{_shown(got)}' (the ledger has '{_shown(expected)}'); "
                    "prefilled cells stay as downloaded")
    cells = {col.field: ws[f"{LETTER[col.field]}{row}"] for col in FILL_IN}
    values = {f: _plain(cell.value) for f, cell in cells.items()}
    if not any(values[f] is not None for f in REPORTED):
        return  # nothing reported on this row (a 填报单位 or a date alone is not a report)
    errors = [f for f, cell in cells.items() if cell.data_type == "e"]
    for f in errors:  # a formula that failed (#VALUE!, #REF!): its text is no report
        label = next(c.name for c in COLUMNS if c.field == f)
        problem(f, f"{label} holds a formula error ({cells[f].value}); type the text itself")
    if errors:
        return
    task = corpus.entries.get(f"{out.list_id}/{number}")
    unit = corpus.entries.get(str(unit_id))
    if task is None or task.kind != "task":
        problem("number", f"task {number} is not in the list {out.list_id} (it was removed since the ledger was made; "
                "download a new ledger)")
        return
    if unit is None or unit.kind != "unit" or unit.record.name not in task.record.units:
        shown = unit.record.name if unit is not None and unit.kind == "unit" else unit_id
        problem("unit", f"{shown} is not a responsible unit of task {number} (its units: "
                f"{'、'.join(task.record.units)}); download a new ledger")
        return
    entry: dict[str, Any] = {"task": number, "unit": unit.record.name}
    status = values["status"]
    if status is None:
        problem("status", f"进展 is empty; choose one of {', '.join(PROGRESS_STATUSES)}")
    elif status not in PROGRESS_STATUSES:
        problem("status", f"进展 '{_shown(status)}' is not one of {', '.join(PROGRESS_STATUSES)}"
                f"{suggest(status, PROGRESS_STATUSES)}")
    else:
        entry["status"] = status
    raw_date = values["date"]
    day = _as_date(raw_date)
    if raw_date is None:
        problem("date", "填报日期 is empty; write the day of the report, like 2024-06-30")
    elif day is None:
        problem("date", f"填报日期 '{_shown(raw_date)}' is not a date; write it like 2024-06-30")
    elif day > today:
        problem("date", f"填报日期 {day} is in the future (today is {today})")
    elif published and day.isoformat() < published:
        problem("date", f"填报日期 {day} is before the list was published ({published})")
    else:
        entry["date"] = day.isoformat()
    for col in FILL_IN:
        value = values[col.field]
        if col.field not in ("status", "date") and value is not None:
            entry[col.field] = value if isinstance(value, str) else str(value)
    complete = "status" in entry and "date" in entry
    try:  # the text cells too, whatever else is wrong on the row (a stand-in for a wrong status or date)
        Progress.model_validate({"status": PROGRESS_STATUSES[0], "date": "2000-01-01", **entry})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            field_name = str(err["loc"][0]) if err["loc"] else "report"
            label = next(c.name for c in COLUMNS if c.field == field_name)
            message = _error_message(err, Progress)
            said = message[len(field_name):] if message.startswith(field_name) else ": " + message
            problem(field_name, label + said)
        return
    if complete:
        out.entries.append((entry, f"{name}:{sheet}!{LETTER['number']}{row}"))


# --- writing data/progress/LIST.yml ---------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block, as an editor would write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def progress_yaml(list_id: str, entries: Iterable[dict[str, Any]]) -> str:
    """The data file of a list's progress, entries in the order given, fields in the model's order."""
    rows = [{k: e[k] for k in FIELDS if e.get(k) is not None} for e in entries]
    body = yaml.dump({"list": list_id, "progress": rows}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=10_000, default_flow_style=False)
    return SCHEMA_LINE + HEADER + body


def _order(corpus: Corpus, list_id: str) -> Any:
    def key(e: dict[str, Any]) -> tuple[int, int, str]:
        task = corpus.entries.get(f"{list_id}/{e['task']}")
        units = list(task.record.units) if task else []
        return e["task"], units.index(e["unit"]) if e["unit"] in units else len(units), e["date"]
    return key


def _existing(corpus: Corpus, list_id: str) -> dict[tuple[int, str, str], tuple[dict[str, Any], Entry]]:
    out = {}
    for e in corpus.of_kind("progress"):
        if corpus[e.parent or ""].list == list_id:
            r = e.record
            out[(r.task, r.unit, r.date)] = (r.model_dump(exclude_none=True), e)
    return out


@dataclass
class ImportResult:
    problems: list[str] = field(default_factory=list)
    written: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # data file → (added, replaced, unchanged)


def import_ledgers(paths: list[Path], data_dir: Path, today: dt.date, replace: bool = False,
                   root: Path | None = None, names: list[str] | None = None) -> ImportResult:
    """Read every ledger; if all are right, merge their entries into data/progress/ and write the files."""
    root = root or data_dir.parent
    result = ImportResult()
    corpus, data_problems = assemble(data_dir, root)
    if data_problems:
        result.problems = [str(p) for p in data_problems]
        return result
    readings = [read_ledger(p, corpus, today, n) for p, n in zip(paths, names or [str(p) for p in paths])]
    problems: list[CellProblem] = [p for r in readings for p in r.problems]
    merged: dict[str, dict[tuple[int, str, str], dict[str, Any]]] = {}
    counts: dict[str, list[int]] = {}
    seen: dict[tuple[str, int, str, str], tuple[dict[str, Any], str]] = {}
    for reading in readings:
        if not reading.list_id:
            continue
        existing = _existing(corpus, reading.list_id)
        target = merged.setdefault(reading.list_id, {k: v for k, (v, _) in existing.items()})
        tally = counts.setdefault(reading.list_id, [0, 0, 0])
        for entry, origin in reading.entries:
            key = (entry["task"], entry["unit"], entry["date"])
            file, _, cell = origin.rpartition(":")
            sheet, _, cell = cell.partition("!")
            first = seen.get((reading.list_id, *key))
            if first is not None:
                if first[0] != entry:
                    problems.append(CellProblem(file, sheet, cell, f"{entry['unit']} reports on task {entry['task']} "
                                                f"for {entry['date']} differently in {first[1]}; keep one"))
                continue
            seen[(reading.list_id, *key)] = (entry, origin)
            if key in existing:
                old, e = existing[key]
                if old == entry:
                    tally[2] += 1
                    continue
                if not replace:
                    problems.append(CellProblem(file, sheet, cell, f"{entry['unit']} reported on task {entry['task']} "
                                                f"for {entry['date']} already, differently ({e.where.file}:"
                                                f"{e.where.line}); to replace that entry, import with --replace"))
                    continue
                tally[1] += 1
            else:
                tally[0] += 1
            target[key] = entry
    if problems:
        result.problems = [str(p) for p in sorted(problems, key=_problem_order)]
        return result
    changed = {list_id: entries for list_id, entries in merged.items() if counts[list_id][:2] != [0, 0]}
    texts = {list_id: progress_yaml(list_id, sorted(entries.values(), key=_order(corpus, list_id)))
             for list_id, entries in changed.items()}
    result.problems = _validate_with(data_dir, root, texts)
    if result.problems:
        return result
    for list_id, text in texts.items():
        path = data_dir / "progress" / f"{list_id}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    for list_id, (added, replaced, unchanged) in counts.items():
        shown = data_dir / "progress" / f"{list_id}.yml"
        label = str(shown.relative_to(root)) if shown.is_relative_to(root) else str(shown)
        result.written[label] = (added, replaced, unchanged)
    return result


def _problem_order(p: CellProblem) -> tuple[str, str, int, str, str]:
    """Problems by file, sheet, then row and column as a reader goes through the sheet."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", p.cell)
    return (p.file, p.sheet, int(m[2]) if m else 0, m[1].rjust(3) if m else p.cell, p.message)


def _validate_with(data_dir: Path, root: Path, texts: dict[str, str]) -> list[str]:
    """The whole data set with the new progress files must still validate (every rule, not only the ledger's)."""
    with tempfile.TemporaryDirectory(prefix="kb-import-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("schema"))
        for list_id, text in texts.items():
            (copy / "progress").mkdir(exist_ok=True)
            (copy / "progress" / f"{list_id}.yml").write_text(text, encoding="utf-8")
        _, problems = assemble(copy, Path(tmp))
        shown = str(data_dir.relative_to(root)) if data_dir.is_relative_to(root) else str(data_dir)
        return [str(p).replace("data/", f"{shown}/", 1) if str(p).startswith("data/") else str(p) for p in problems]
