"""Open data: every record as JSON (kb.json) and one CSV per kind, deterministic bytes."""
from __future__ import annotations

import csv
import io
import json

from .corpus import Corpus, Entry, plain
from .downloads import downloads_of

EXPORT_KINDS = ("document", "project", "task", "unit", "negative", "case", "form", "term")


def _links(corpus: Corpus, entry: Entry) -> list[str]:
    """Ids of linked records, both directions; case measures count as their case."""
    ids = [entry.id]
    if entry.kind == "case":
        ids += [e.id for e in corpus.of_kind("measure") if e.parent == entry.id]
    out = []
    for i in ids:
        for other in corpus.related(i):
            target = other.parent if other.kind == "measure" else other.id
            if target != entry.id and target not in out:
                out.append(target)
    return out


def record_json(corpus: Corpus, entry: Entry) -> dict:
    rec = entry.record
    obj = {"kind": entry.kind, "id": entry.id, "title": entry.title, "text": entry.text,
           "subjects": list(entry.subjects), "url": entry.url, "links": _links(corpus, entry)}
    if entry.kind in ("project", "task"):
        obj["number"], obj["list"] = entry.number, entry.list
    if entry.kind == "task":
        obj["units"] = list(rec.units)
        obj["deadline"] = rec.deadline
        obj["section"] = rec.section
    if entry.kind == "document":
        obj.update(doc_number=rec.doc_number, date=rec.date, issuer=rec.issuer, region=rec.region,
                   text=plain(corpus.sources.get(entry.id, "")) or entry.text, summary=rec.summary)
    if entry.kind == "negative":
        obj.update(negative_kind=rec.kind, source=rec.source.model_dump(exclude_none=True))
    if entry.kind == "unit":
        obj.update(region=rec.region, source_spellings=list(rec.source_spellings))
    if entry.kind == "form":
        obj["downloads"] = [{"format": d["format"], "url": d["url"]} for d in downloads_of(entry)]
        obj.update(document=rec.document, attachment=rec.attachment)
    if entry.kind == "case":
        obj["measures"] = [{"id": m.id, "title": m.title, "text": m.text, "subjects": list(m.subjects),
                            "url": m.url} for m in corpus.of_kind("measure") if m.parent == entry.id]
    return obj


def export_json(corpus: Corpus) -> bytes:
    records = [record_json(corpus, e) for kind in EXPORT_KINDS for e in corpus.of_kind(kind)]
    return (json.dumps({"records": records}, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


CSV_COLUMNS = ("id", "title", "text", "subjects", "url", "links", "number", "list", "units", "deadline",
               "doc_number", "date")


# Excel and WPS evaluate a CSV cell that starts with one of these as a formula (=HYPERLINK(…), =cmd|…).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell that spreadsheets show as text: OWASP's CSV-injection advice, a leading ' before a
    formula character (the ' shows; the formula does not run). kb.json keeps the text unchanged."""
    text = "|".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def export_csv(corpus: Corpus, kind: str) -> bytes:
    out = io.StringIO()
    # Every cell quoted (OWASP), so a separator or quote in the text never shifts a column.
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for entry in corpus.of_kind(kind):
        obj = record_json(corpus, entry)
        writer.writerow([csv_cell(obj.get(c)) for c in CSV_COLUMNS])
    # A BOM so Excel opens the Chinese text as UTF-8.
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def export_files(corpus: Corpus) -> dict[str, bytes]:
    files = {"downloads/kb.json": export_json(corpus)}
    for kind in EXPORT_KINDS:
        files[f"downloads/{kind}.csv"] = export_csv(corpus, kind)
    return files
