"""Downloadable files generated from the corpus (one builder per form kind).

`downloads_of(entry)` says which files a form or case page offers and the
site writes exactly those (kb.site.Site.download_files); both read the same
BUILDERS table, so a page never links a file the build does not write.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..routes import download_path

if TYPE_CHECKING:
    from ..corpus import Corpus, Entry

Builder = Callable[["Corpus", "Entry"], bytes]
# (entry kind, format) → builder(corpus, entry) -> bytes. Filled in by the builder modules.
BUILDERS: dict[tuple[str, str], Builder] = {}


# Characters Windows refuses in a file name, and the full-width forms a Chinese office PC shows instead.
WINDOWS_NAME = str.maketrans('\\/:*?"<>|', "＼／：＊？＂＜＞｜")


def downloads_of(entry: Entry) -> list[dict[str, str]]:
    """[{'format', 'url', 'name', 'file_name'}]: a form in its own format; a case in the case template's
    (docx), which validation makes sure exists. `file_name` is what the browser saves it as (download=)."""
    formats = [entry.record.format] if entry.kind == "form" else ["docx"]
    return [{"format": ext, "url": download_path(entry, ext), "name": f"{entry.title}.{ext}",
             "file_name": f"{entry.title}.{ext}".translate(WINDOWS_NAME)}
            for ext in formats if (entry.kind, ext) in BUILDERS]


def register(kind: str, fmt: str) -> Callable[[Builder], Builder]:
    def wrap(fn: Builder) -> Builder:
        BUILDERS[(kind, fmt)] = fn
        return fn
    return wrap


from . import docx, xlsx  # noqa: E402,F401  (each registers its builders)
