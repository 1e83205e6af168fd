"""Downloadable files generated from the corpus (one builder per form kind).

`downloads_of(entry)` says which files a form or case page offers;
`build_downloads(corpus, out_dir)` writes them. Both read the same BUILDERS
table, so a page never links a file the build does not write.
"""
from __future__ import annotations

from pathlib import Path

from ..corpus import Corpus, Entry

# (entry kind, format) → builder(corpus, entry) -> bytes. Filled in by the builder modules.
BUILDERS: dict[tuple[str, str], object] = {}


def _path_of(entry: Entry, ext: str) -> str:
    return f"downloads/cases/{entry.id}.{ext}" if entry.kind == "case" else f"downloads/{entry.id}.{ext}"


def downloads_of(entry: Entry) -> list[dict]:
    formats = [entry.record.format] if entry.kind == "form" else ["docx"]
    return [{"format": ext, "url": _path_of(entry, ext), "name": f"{entry.title}.{ext}"}
            for ext in formats if (entry.kind, ext) in BUILDERS]


def build_downloads(corpus: Corpus, out_dir: Path) -> list[Path]:
    written = []
    for entry in corpus.of_kind("form") + corpus.of_kind("case"):
        for item in downloads_of(entry):
            path = out_dir / item["url"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(BUILDERS[(entry.kind, item["format"])](corpus, entry))
            written.append(path)
    return written
