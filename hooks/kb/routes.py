"""Where everything is: the one owner of docs paths and site URLs.

A page has a docs path ('tasks/taoyuan-2022/44.md'); its site URL follows from it the way
directory-style sites do ('tasks/taoyuan-2022/44/', or 'tasks/taoyuan-2022/44.html' for the
offline edition). Entries hold ids; their paths come from their kind's folder (kb.kinds).
Nothing else builds a path string.
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from .corpus import SUBJECT_SLUGS

if TYPE_CHECKING:
    from .corpus import Entry
    from .kinds import Kind

HOME = "index.md"
TAGS = "tags.md"
ABOUT = "about.md"
OFFLINE_ZIP = "downloads/kb-offline.zip"
OPEN_DATA = "downloads/kb.json"
LISTS_INDEX = "lists/index.md"        # every list, by kind and region
FORMS_INDEX = "forms/index.md"        # every form, with its document and its files (/forms/)
SUBJECTS_INDEX = "subjects/index.md"  # the evaluation subjects, with counts (/subjects/)
CHANGES = "changes.md"                # 更新记录: the changes to the data, by date (/changes/)


@cache  # (asked for every page: an import statement in page_path took most of its time)
def _kinds() -> dict[str, Kind]:
    """kb.kinds.KINDS (the same dict, which a test may add to); imported late: kb.kinds imports this module."""
    from .kinds import KINDS
    return KINDS


def page_path(entry: Entry) -> str:
    """The docs path of an entry's page; an entry shown inside its parent's page gets an #anchor."""
    KINDS = _kinds()
    kind = KINDS[entry.kind]
    if kind.anchor_in_parent:
        # Its id is the parent's id, '/', then its own part: 'sample-xx/1-2' in case 'sample-xx',
        # 'taoyuan-2022/5/ty-jyj-2024-06-30' in task 'taoyuan-2022/5'.
        parent_id = entry.parent or entry.id.partition("/")[0]
        own = entry.id[len(parent_id) + 1:]
        return f"{KINDS[kind.parent_kind or ''].folder}/{parent_id}.md#{kind.anchor_in_parent}{own}"
    return f"{kind.folder}/{entry.id}.md"


def url(entry: Entry, dir_urls: bool = True) -> str:
    """The entry's site URL, as published (kb.json, CSV, search)."""
    return site_url(page_path(entry), dir_urls)


def index_path(kind: str, list_id: str | None = None) -> str:
    """The page listing a kind's records (or one list's items)."""
    folder = _kinds()[kind].index_folder
    return f"{folder}/{list_id}/index.md" if list_id else f"{folder}/index.md"


def hub_path(subject: str) -> str:
    return f"subjects/{SUBJECT_SLUGS[subject]}.md"


def hub_part_path(subject: str, kind: str, n: int) -> str:
    """Page n (from 1) of a hub's records of one kind, when they are too many for the hub itself."""
    return f"subjects/{SUBJECT_SLUGS[subject]}/{kind}/{n}.md"


def part_path(path: str, name: str, n: int) -> str:
    """Page n of a long listing on the page at `path`: the listing's first page is `path` itself when it has
    no name ('units/index.md', '', 3 → 'units/_pages/3.md'; 'negative/index.md', 'ban-students', 1 →
    'negative/_pages/ban-students-1.md'). The folder starts with '_', which no id can (ids are [a-z0-9-]),
    so it never meets a record's page."""
    if n == 1 and not name:
        return path
    stem = path[:-3]
    stem = stem[: -len("/index")] if stem.endswith("/index") else stem
    return f"{stem}/_pages/{name + '-' if name else ''}{n}.md"


def rows_path(path: str, n: int) -> str:
    """The rows of page n of a listing split into pages, as a script the listing's filter loads to filter every
    page ('tasks/taoyuan-2022/index.md', 2 → 'tasks/taoyuan-2022/_pages/rows-2.js'). Beside the part pages,
    under '_pages', whatever the site's URL style: the links in it are relative to that folder."""
    return part_path(path, "rows", n)[:-3] + ".js"


def original_path(doc_id: str) -> str:
    """A document's source copy, as one page."""
    return f"documents/{doc_id}/original.md"


def download_path(entry: Entry, ext: str) -> str:
    """A generated file offered on an entry's page (a form, or a case in the case template)."""
    return f"downloads/cases/{entry.id}.{ext}" if entry.kind == "case" else f"downloads/{entry.id}.{ext}"


def ledger_path(list_id: str, unit_id: str | None = None) -> str:
    """A task list's ledger (every task × unit), or one unit's ledger of its tasks in the list."""
    return f"downloads/ledgers/{list_id}/{unit_id}.xlsx" if unit_id else f"downloads/ledgers/{list_id}.xlsx"


def export_path(kind: str, chinese_headers: bool = False) -> str:
    """A kind's open-data CSV; KIND.zh.csv has the same rows under Chinese column names."""
    return f"downloads/{kind}.zh.csv" if chinese_headers else f"downloads/{kind}.csv"


def site_url(path: str, dir_urls: bool = True) -> str:
    """Docs path → the page's site URL ('a/b.md' → 'a/b/' or 'a/b.html'; 'a/index.md' → 'a/')."""
    path, _, anchor = path.partition("#")
    stem = path[:-3]
    if dir_urls:
        link = "" if stem == "index" else (stem[: -len("index")] if stem.endswith("/index") else stem + "/")
    else:
        link = stem + ".html"
    return link + (f"#{anchor}" if anchor else "")
