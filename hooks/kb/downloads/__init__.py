"""Downloadable files generated from the corpus (one builder per form kind).

`downloads_of(entry)` says which files a form or case page offers and the
site writes exactly those (kb.site.Site.download_files); both read the same
BUILDERS table, so a page never links a file the build does not write.
"""
from __future__ import annotations

from ..corpus import Entry

# (entry kind, format) → builder(corpus, entry) -> bytes. Filled in by the builder modules.
BUILDERS: dict[tuple[str, str], object] = {}


def _path_of(entry: Entry, ext: str) -> str:
    return f"downloads/cases/{entry.id}.{ext}" if entry.kind == "case" else f"downloads/{entry.id}.{ext}"


def downloads_of(entry: Entry) -> list[dict]:
    # A case is offered in the case template's format; validation makes sure that template exists.
    formats = [entry.record.format] if entry.kind == "form" else ["docx"]
    return [{"format": ext, "url": _path_of(entry, ext), "name": f"{entry.title}.{ext}"}
            for ext in formats if (entry.kind, ext) in BUILDERS]


def register(kind: str, fmt: str):
    def wrap(fn):
        BUILDERS[(kind, fmt)] = fn
        return fn
    return wrap


from . import docx, xlsx  # noqa: E402,F401  (each registers its builders)
