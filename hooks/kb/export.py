"""Open data: every record as JSON (kb.json) and one CSV per kind, deterministic bytes."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from . import routes
from .corpus import Corpus, Entry
from .kinds import KINDS


def exported_kinds() -> list[str]:
    """The kinds in kb.json and with a CSV file, in table order."""
    return [k.name for k in KINDS.values() if k.exported]


def _links(corpus: Corpus, entry: Entry) -> list[str]:
    """Ids of linked records, both directions; a record shown inside another's page (a case measure)
    counts as that parent."""
    ids = [entry.id] + [e.id for e in corpus.children(entry.id)]
    out: list[str] = []
    for i in ids:
        for other in corpus.related(i):
            target = other.parent or other.id
            if target != entry.id and target not in out:
                out.append(target)
    return out


def record_json(corpus: Corpus, entry: Entry) -> dict[str, Any]:
    obj = {"kind": entry.kind, "id": entry.id, "title": entry.title, "text": entry.text,
           "subjects": list(entry.subjects), "url": routes.url(entry), "links": _links(corpus, entry)}
    obj.update(KINDS[entry.kind].json_fields(corpus, entry))
    return obj


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _json(lines: list[str]) -> bytes:
    # One record a line: a change of the data is a change of its records' lines, and the records are encoded by
    # json's C encoder (an indented dump takes its pure-Python one: most of this file's time at national scale).
    return b'{"records": [\n' + ",\n".join(lines).encode("utf-8") + b"\n]}\n" if lines else b'{"records": []}\n'


CSV_COLUMNS = ("id", "title", "text", "subjects", "url", "links", "number", "list", "units", "deadline",
               "doc_number", "date")
# The same columns for people: the KIND.zh.csv files carry these headers (the rows are the same).
CSV_HEADERS_ZH = {"id": "标识", "title": "标题", "text": "内容", "subjects": "评价主体", "url": "网址",
                  "links": "相关条目", "number": "原编号", "list": "所属清单", "units": "责任单位",
                  "deadline": "完成时限", "doc_number": "文号", "date": "日期",
                  # the columns some kinds add (kb.kinds: csv_fields)
                  "status": "进展", "evidence": "佐证材料", "problems": "存在问题", "filed_by": "填报单位",
                  "reporter": "填报人"}


# Excel and WPS evaluate a CSV cell that starts with one of these as a formula (=HYPERLINK(…), =cmd|…).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets show as text: OWASP's CSV-injection advice, a leading ' before a
    formula character (the ' shows; the formula does not run). kb.json keeps the text unchanged."""
    text = "|".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def export_csv(corpus: Corpus, kind: str, chinese_headers: bool = False) -> bytes:
    """One kind's records, a row each; machine-readable column names, or their Chinese names."""
    return _csv(kind, _rows(kind, [record_json(corpus, e) for e in corpus.of_kind(kind)]), chinese_headers)


def _rows(kind: str, records: list[dict[str, Any]]) -> list[list[str]]:
    columns = CSV_COLUMNS + KINDS[kind].csv_fields
    return [[csv_cell(obj.get(c)) for c in columns] for obj in records]


def _csv(kind: str, rows: list[list[str]], chinese_headers: bool) -> bytes:
    out = io.StringIO()
    # Every cell quoted (OWASP), so a separator or quote in the text never shifts a column.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    columns = CSV_COLUMNS + KINDS[kind].csv_fields
    writer.writerow([CSV_HEADERS_ZH[c] for c in columns] if chinese_headers else columns)
    writer.writerows(rows)
    # A BOM so Excel opens the Chinese text as UTF-8.
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def export_files(corpus: Corpus) -> dict[str, bytes]:
    """kb.json and each kind's two CSV files (the same rows), of one record_json a record, kind by kind (the
    records' dicts of one kind at a time: at national scale all of them would take some hundreds of MB)."""
    lines: list[str] = []
    files: dict[str, bytes] = {}
    for kind in exported_kinds():
        records = [record_json(corpus, e) for e in corpus.of_kind(kind)]
        lines += map(_json_line, records)
        rows = _rows(kind, records)
        del records
        files[routes.export_path(kind)] = _csv(kind, rows, chinese_headers=False)
        files[routes.export_path(kind, chinese_headers=True)] = _csv(kind, rows, chinese_headers=True)
    return {routes.OPEN_DATA: _json(lines), **files}
