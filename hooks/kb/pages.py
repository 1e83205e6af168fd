"""Corpus → pages: every page as (docs path, template, title, context).

Pure functions of the corpus. A record's page comes from its kind's row (kb.kinds): the
template, the title and the context; the aggregate pages (home, hubs, lists) are here.
Paths come from kb.routes; rendering is kb.render.
"""
from __future__ import annotations

import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pypinyin import lazy_pinyin

from . import routes
from .corpus import SUBJECT_SLUGS, Corpus, Entry
from .history import Change, History
from .history import summary as change_summary
from .kinds import KINDS, attachment_title, downloads_with_sizes, negative_source_text
from .kinds import of as kinds_with
from .models import SUBJECTS
from .progress import ListProgress, list_progress

NEGATIVE_KINDS = {"严格禁止": "ban", "克服纠偏": "fix", "控制限制": "limit"}  # kind → anchor on the list page
# Rows a listing shows on one page (a hub's kind, the unit index, the lists of lists); longer ones are split
# into pages, each linking to all the others, so a record is two clicks from its hub. About 200 rows of
# task text make 30-40 KB gzipped. KB_ROWS_PER_PAGE sets it (the tests split small data sets so).
ROWS_PER_PAGE = max(1, int(os.environ.get("KB_ROWS_PER_PAGE", "200")))
HOME_LISTS = 12  # lists named on the home page; the lists page has them all
LISTS_PAGE_ROWS = 30  # rows of each table on the lists page; the rest are on each kind's own (paged) list
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the glossary's letter index
NOT_A_LETTER = "#"                      # the index entry of terms whose pinyin starts with no letter (1+X)
TASK_ROWS = "_task_rows.html"           # a task list's rows, on its page and in its pages' data files
PROJECT_ROWS = "_project_rows.html"     # a project list's rows, so


@dataclass
class Page:
    path: str                 # docs path, e.g. tasks/taoyuan-2022/44.md
    template: str             # file under overrides/pages/
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    hide_toc: bool = False
    toc: bool = True          # list the page's headings in the sidebar (a record page is short: only its title)
    aggregate: bool = True    # a page of many records (home, hub, list): searched by its title
    entry: str | None = None  # the record whose page this is (a term's page does not explain the term)
    updated: Change | None = None  # the newest change of what the page shows (最近更新), when known


@dataclass(frozen=True)
class Pager:
    """Where a page is in a listing split into pages: `parts` are (number, docs path) of every page."""

    total: int                          # rows in the whole listing
    current: int                        # this page's number; 0 on a hub, which shows none of the rows
    first: int                          # number of this page's first row (from 1) and of its last
    last: int
    parts: tuple[tuple[int, str], ...]
    # A listing whose filter reads every page (a task or project list): the template that renders a page's
    # rows (included by the page's template), and where each page's rows are also written as a script
    # (kb.render.rows_files; routes.rows_path), in page order. Empty for the other listings.
    rows_template: str = ""
    data: tuple[str, ...] = ()


def paginated(page: Page, key: str, rows: int | None = None, rows_template: str = "") -> list[Page]:
    """The page, or, when its context's list `key` is longer than `rows`, one page per `rows` of it: the first
    at the page's own path, the others at routes.part_path; each gets a `pager` (None when not split). With
    `rows_template` (the template of a page's rows), each page's rows are also a data file, so that the
    listing's filter can show the matching rows of every page (assets/kb.js)."""
    rows = rows or ROWS_PER_PAGE
    items = page.context[key]
    if len(items) <= rows:
        page.context["pager"] = None
        return [page]
    parts = tuple((n, routes.part_path(page.path, "", n)) for n in range(1, (len(items) - 1) // rows + 2))
    data = tuple(routes.rows_path(page.path, n) for n, _ in parts) if rows_template else ()
    out = []
    for n, path in parts:
        first = (n - 1) * rows
        chunk = items[first:first + rows]
        pager = Pager(len(items), n, first + 1, first + len(chunk), parts, rows_template, data)
        ctx = {**page.context, key: chunk, "pager": pager}
        out.append(Page(path, page.template, page.title if n == 1 else f"{page.title}（第{n}页）", ctx,
                        page.tags, page.hide_toc, page.toc, aggregate=page.aggregate and n == 1))
    return out


# The 原文 page of a task list. Its copy lost the table's layout: each cell is a line, the header repeats on
# every printed page, and so does the first column's cell (the section), sometimes without its numeral.
TASK_TABLE_HEAD = ("改革重点任务", "具体改革举措", "责任单位", "完成时限")
_SECTION = re.compile(r"[一二三四五六七八九十]+、")      # 一、改革党委和政府教育工作评价…
_TASK = re.compile(r"[(（]?(\d{1,3})[)）]?(?![\d年])")  # (1)… 7)… (34… 52…, but not 2021年开始
_DEADLINE = re.compile(r"\d{4}年|长期")                  # 2021年开始, 长期坚持, 2030年底前


def original_blocks(lines: list[str], tasks: dict[int | None, Entry]) -> list[dict[str, Any]]:
    """A source copy's lines as the 原文 page's blocks: paragraphs {"kind": "p", "text"}, and, in a task
    list's copy, its table rebuilt as {"kind": "table", "head", "rows"}. A row holds the measure's number
    as written ("7)"), its task (None if the data has none), the rest of the line, and the lines of its
    units and of its deadline; the first row of a section holds the section cell ("section", "span": its
    row count). A repeated header, or a repeated section after it, is a page break and not content."""
    head = list(TASK_TABLE_HEAD)
    blocks: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] | None = None  # the open table's rows
    section = ""                              # the current section's title
    group: dict[str, Any] | None = None       # the row that holds the current section's cell
    after_head = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if tasks and lines[i:i + len(head)] == head:
            if rows is None:
                rows = []
                blocks.append({"kind": "table", "head": head, "rows": rows})
            i, after_head = i + len(head), True
            continue
        i += 1
        number = _TASK.match(line)
        if rows is None:
            blocks.append({"kind": "p", "text": line})
        elif number and number.end() < len(line):
            row: dict[str, Any] = {"label": number.group(0), "task": tasks.get(int(number.group(1))),
                                   "text": line[number.end():], "units": [], "deadline": [],
                                   "section": None, "span": 0}
            if group is None:
                group = row
                row["section"] = section
            group["span"] += 1
            rows.append(row)
            after_head = False
        elif after_head or _SECTION.match(line):
            if group is None or _SECTION.sub("", line, 1) != _SECTION.sub("", section, 1):
                section, group = line, None  # a new section: its cell starts with the next row
            after_head = False
        elif rows and _DEADLINE.match(line):
            rows[-1]["deadline"].append(line)
        elif rows and not rows[-1]["deadline"] and group is not None:
            rows[-1]["units"].append(line)
        else:  # a line past the last deadline: the table has ended
            if group is None and section:  # a section line no row followed
                blocks.append({"kind": "p", "text": section})
            rows, section, group = None, "", None
            blocks.append({"kind": "p", "text": line})
    return blocks


# A page made before, if it is still what the records it shows would make (`make serve`): docs path and the
# ids of those records → the page, or None to make it anew (kb.changes.reuse).
Reuse = Callable[[str, Iterable[str]], "Page | None"]


def all_pages(corpus: Corpus, sizes: dict[str, int] | None = None, history: History | None = None,
              reuse: Reuse | None = None) -> list[Page]:
    """Every page; `sizes` (download path → bytes) lets form and case pages show file sizes; `history` gives
    record pages their 最近更新 and the 更新记录 page its changes (none: the pages say nothing of dates). With
    `reuse`, the record pages and 原文 pages of records that did not change are the pages made before (with
    this history's date)."""
    sizes = sizes or {}
    history = history or History.none("not read")
    again: Reuse = reuse or (lambda path, ids: None)
    pages = [home_page(corpus)]
    for s in SUBJECTS:
        pages += hub_pages(corpus, s)
    pages += paginated(Page(routes.index_path("document"), "documents.html", "政策文件",
                            {"documents": corpus.of_kind("document")}), "documents")
    for doc in corpus.of_kind("document"):
        items = corpus.items_of_list(doc.id)
        old = again(routes.original_path(doc.id), [doc.id, *(e.id for e in items)])
        if old is not None:
            pages.append(old)
            continue
        lines = [ln.strip() for ln in corpus.sources.get(doc.id, "").splitlines() if ln.strip()]
        numbered = {e.number: e for e in items if e.kind == "task"}
        pages.append(Page(routes.original_path(doc.id), "original.html", f"原文：{doc.record.short_title}",
                          {"doc": doc, "original_blocks": original_blocks(lines, numbered)}, aggregate=False,
                          updated=history.last_original.get(doc.id)))
    for doc in corpus.of_kind("document"):
        tasks = [e for e in corpus.items_of_list(doc.id) if e.kind == "task"]
        projects = [e for e in corpus.items_of_list(doc.id) if e.kind == "project"]
        ids = [doc.id, *(e.id for e in tasks), *(e.id for e in projects)]
        if tasks:  # a list of thousands of items is split into pages like the other listings
            pages += (_again_all(again, routes.index_path("task", doc.id), ids)
                      or paginated(task_list_page(corpus, doc, tasks), "rows", rows_template=TASK_ROWS))
        if projects:
            pages += (_again_all(again, routes.index_path("project", doc.id), ids)
                      or paginated(project_list_page(corpus, doc, projects), "projects",
                                    rows_template=PROJECT_ROWS))
    task_lists = _lists_of(corpus, "task")
    pages += paginated(Page(routes.index_path("task"), "task_lists.html", "重点任务清单",
                            {"lists": task_lists, "progress": _progress_of_lists(corpus)}), "lists")
    pages += paginated(Page(routes.index_path("project"), "project_lists.html", "试点项目库",
                            {"lists": _lists_of(corpus, "project")}), "lists")
    for kind in KINDS.values():
        if kind.template:
            for entry in corpus.of_kind(kind.name):
                old = again(routes.page_path(entry), [entry.id])
                updated = history.last.get(entry.id)
                pages.append(record_page(corpus, entry, sizes, history) if old is None
                             else old if old.updated == updated else replace(old, updated=updated))
    pages.append(Page(routes.index_path("case"), "cases.html", "典型案例",
                      {"cases": corpus.of_kind("case"), "calls": [d for d in corpus.of_kind("document")
                                                                    if d.record.topics]}))
    pages += paginated(Page(routes.index_path("unit"), "units.html", "责任单位", {"units": [
        (u, *corpus.tasks_of_unit(u.id)) for u in corpus.of_kind("unit")]}), "units")
    pages += negative_list_pages(corpus)
    pages.append(glossary_page(corpus))
    offline = sizes.get(routes.OFFLINE_ZIP)
    pages.append(Page(routes.index_path("form"), "downloads.html", "表格下载", {
        "forms": corpus.of_kind("form"), "offline_size": f"{offline / 1024 / 1024:.1f} MB" if offline else "",
        "exports": [(k.label, routes.export_path(k.name), routes.export_path(k.name, chinese_headers=True))
                    for k in KINDS.values() if k.exported]}))
    pages.append(forms_page(corpus, sizes))
    pages.append(lists_page(corpus))
    pages.append(subjects_page(corpus))
    pages.append(changes_page(corpus, history))
    tagged: dict[str, list[Page]] = {}
    for page in pages:
        for tag in page.tags:
            tagged.setdefault(tag, []).append(page)
    pages += tags_pages([(t.name, tagged[t.name]) for t in corpus.tags if t.name in tagged])  # data/tags.yml order
    return pages


def tags_pages(groups: list[tuple[str, list[Page]]], rows: int | None = None) -> list[Page]:
    """The tags page: each tag's pages; a tag on more than `rows` pages shows links to its own pages
    (tags/_pages/tN-M: the N-th tag's M-th page), `rows` each."""
    rows = rows or ROWS_PER_PAGE
    shown: list[tuple[str, list[Page], Pager | None]] = []
    parts = []
    for i, (tag, tagged) in enumerate(groups, 1):
        if len(tagged) <= rows:
            shown.append((tag, tagged, None))
            continue
        paths = tuple((n, routes.part_path(routes.TAGS, f"t{i}", n)) for n in range(1, (len(tagged) - 1) // rows + 2))
        shown.append((tag, [], Pager(len(tagged), 0, 0, 0, paths)))
        for n, path in paths:
            first = (n - 1) * rows
            chunk = tagged[first:first + rows]
            parts.append(Page(path, "tags.html", f"标签：{tag}（第{n}页）", {"groups": [
                (tag, chunk, Pager(len(tagged), n, first + 1, first + len(chunk), paths))]}, aggregate=False))
    return [Page(routes.TAGS, "tags.html", "标签", {"groups": shown}), *parts]


def _again_all(again: Reuse, path: str, ids: list[str]) -> list[Page] | None:
    """The pages made before of a listing split into pages (`path` is its first), if all are still good."""
    first = again(path, ids)
    if first is None:
        return None
    pager = first.context.get("pager")
    if pager is None:
        return [first]
    parts = [first] + [again(part, ids) for n, part in pager.parts if n > 1]
    return parts if all(p is not None for p in parts) else None  # type: ignore[return-value]


def _lists_of(corpus: Corpus, kind: str) -> list[tuple[Entry, list[Entry]]]:
    out = []
    for doc in corpus.of_kind("document"):
        items = [e for e in corpus.items_of_list(doc.id) if e.kind == kind]
        if items:
            out.append((doc, items))
    return out


# `make serve` at national scale: a list's progress made again only when its document, its tasks, their reports or
# its region's units changed (kb.assemble keeps an unchanged record the same object):
# (list, subject) → (document, inputs, progress).
_PROGRESS: dict[tuple[str, str | None], tuple[Entry, tuple[tuple[Entry, ...], ...], ListProgress]] = {}


def _identical(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """The same objects, in the same order."""
    return len(a) == len(b) and all(map(operator.is_, a, b))


def _progress_of_lists(corpus: Corpus, subject: str | None = None, lists: list[Entry] | None = None,
                       limit: int | None = None) -> dict[str, ListProgress]:
    """Each task list's progress (of its tasks of one subject, if given; of the `lists` given, else of every
    list; of the first `limit` lists that have such tasks): list id → ListProgress."""
    out: dict[str, ListProgress] = {}
    reports = corpus.by_parent
    for doc in lists if lists is not None else corpus.of_kind("document"):
        if limit is not None and len(out) >= limit:
            break
        of_subject = tuple(e for e in corpus.by_list.get(doc.id, ())
                           if e.kind == "task" and (subject is None or subject in e.subjects))
        if not of_subject:
            continue
        inputs = (of_subject, tuple(r for t in of_subject for r in reports.get(t.id, ())),
                  tuple(corpus.units_of_region(doc.record.region).values()))
        kept = _PROGRESS.get((doc.id, subject))
        if kept is not None and kept[0] is doc and all(map(_identical, kept[1], inputs)):
            out[doc.id] = kept[2]
            continue
        out[doc.id] = list_progress(corpus, list(of_subject), [s.number for s in doc.record.sections])
        _PROGRESS[(doc.id, subject)] = (doc, inputs, out[doc.id])
    return out


def home_page(corpus: Corpus) -> Page:
    counts = corpus.counts()
    deadlines = []
    for doc in corpus.of_kind("document"):
        for req in doc.record.requirements:
            if req.kind == "截止时间" and req.date:
                deadlines.append((req.date, doc, req))
    deadlines.sort(key=lambda d: (d[0], d[1].id), reverse=True)
    on_hubs = {k.name for k in kinds_with(has="on_hubs")}  # count what the hub lists
    hubs = [(s, SUBJECT_SLUGS[s], {k: len(v) for k, v in corpus.of_subject(s).items() if k in on_hubs})
            for s in SUBJECTS]
    project_lists, task_lists = _lists_of(corpus, "project"), _lists_of(corpus, "task")
    shown_tasks = task_lists[:max(0, HOME_LISTS - len(project_lists))]
    # The theme titles a page "{title} - {site name}": the home page's h1 is the site name, its title is 首页.
    return Page(routes.HOME, "home.html", "首页", {
        "counts": counts, "labels": {k.name: k.label for k in KINDS.values()}, "deadlines": deadlines, "hubs": hubs,
        "forms": corpus.of_kind("form"), "task_lists": shown_tasks,
        "progress": _progress_of_lists(corpus, lists=[d for d, _ in shown_tasks]),
        "project_lists": project_lists[:HOME_LISTS],
        "more_lists": max(0, len(project_lists) + len(task_lists) - HOME_LISTS), "paths": _paths()}, hide_toc=True)


def pinyin_key(text: str) -> tuple[list[str], str]:
    """A term's place in the glossary: its pinyin without tones, syllable by syllable, then the term itself."""
    return [s.lower() for s in lazy_pinyin(text)], text


def pinyin_initial(text: str) -> str:
    """The letter a term is indexed under (its pinyin's first letter), or NOT_A_LETTER."""
    first = "".join(lazy_pinyin(text))[:1].upper()
    return first if first in LETTERS else NOT_A_LETTER


def glossary_page(corpus: Corpus) -> Page:
    """The terms in pinyin order; the first term of each letter carries the anchor the letter index links to."""
    anchors: dict[str, str] = {}
    rows: list[tuple[Entry, str | None]] = []
    for term in sorted(corpus.of_kind("term"), key=lambda e: pinyin_key(e.title)):
        letter = pinyin_initial(term.title)
        anchor = None
        if letter not in anchors:
            anchor = anchors[letter] = "pinyin-" + (letter.lower() if letter != NOT_A_LETTER else "other")
        rows.append((term, anchor))
    letters = [(letter, anchors.get(letter)) for letter in
               ([NOT_A_LETTER] if NOT_A_LETTER in anchors else []) + list(LETTERS)]
    return Page(routes.index_path("term"), "glossary.html", "术语表", {"rows": rows, "letters": letters})


def _paths() -> dict[str, str]:
    """Docs paths of the pages the finding aids link to (templates take them from here, not as literals)."""
    return {"lists": routes.LISTS_INDEX, "forms": routes.FORMS_INDEX, "subjects": routes.SUBJECTS_INDEX,
            "downloads": routes.index_path("form"), "tags": routes.TAGS}


def _by_region(entries: Iterable[Entry], region_of: Callable[[Entry], str]) -> list[tuple[str, int]]:
    """(region, count) in the order the regions first appear."""
    counts = Counter(region_of(e) for e in entries)
    return list(counts.items())


def lists_page(corpus: Corpus) -> Page:
    """Every list the site has, by kind and region, linking to each list's page."""
    docs = {d.id: d for d in corpus.of_kind("document")}

    def region_of_doc(doc_id: str) -> str:
        return str(docs[doc_id].record.region)

    projects = [(doc, attachment_title(doc, doc.id), items) for doc, items in _lists_of(corpus, "project")]
    negatives = corpus.of_kind("negative")
    negative_rows = []
    for kind, anchor in NEGATIVE_KINDS.items():
        of_kind = [e for e in negatives if e.record.kind == kind]
        # A prohibition stated in several regions counts in each of them.
        by_region = Counter(r for e in of_kind for r in dict.fromkeys(region_of_doc(s.document)
                                                                       for s in e.record.sources))
        negative_rows.append((kind, anchor, len(of_kind), list(by_region.items())))
    cap = LISTS_PAGE_ROWS
    task_lists = _lists_of(corpus, "task")
    units = _by_region(corpus.of_kind("unit"), lambda e: str(e.record.region))
    documents = _by_region(corpus.of_kind("document"), lambda e: str(e.record.region))
    # At national scale each table shows its first rows; `more` says how many others its kind's list has.
    more = {"project_lists": len(projects) - cap, "task_lists": len(task_lists) - cap,
            "negatives": sum(len(r) for *_, r in negative_rows) - cap, "units": len(units) - cap,
            "documents": len(documents) - cap}
    shown = cap
    for i, (kind, anchor, total, regions) in enumerate(negative_rows):
        negative_rows[i] = (kind, anchor, total, regions[:max(0, shown)])
        shown -= len(regions)
    return Page(routes.LISTS_INDEX, "lists.html", "清单", {
        "project_lists": projects[:cap], "task_lists": task_lists[:cap],
        "negatives": negative_rows, "negative_total": len(negatives),
        "cases": _by_region(corpus.of_kind("case"), lambda e: region_of_doc(e.record.document)),
        "case_total": len(corpus.of_kind("case")),
        "units": units[:cap], "unit_total": len(corpus.of_kind("unit")),
        "documents": documents[:cap], "document_total": len(corpus.of_kind("document")),
        "more": {k: max(0, n) for k, n in more.items()},
        "term_total": len(corpus.of_kind("term")), "paths": _paths()})


def forms_page(corpus: Corpus, sizes: dict[str, int]) -> Page:
    """/forms/: every form with its document and the files built for it (the downloads page also lists them)."""
    rows = [(f, corpus[f.record.document], downloads_with_sizes(f, sizes)) for f in corpus.of_kind("form")]
    return Page(routes.FORMS_INDEX, "forms.html", "申报表格", {"rows": rows, "paths": _paths()})


def subjects_page(corpus: Corpus) -> Page:
    """/subjects/: the evaluation subjects, each with its count of records of each kind shown on the hubs."""
    kinds = [(k.label, k.name) for k in kinds_with(has="on_hubs")]
    rows = []
    for s in SUBJECTS:
        grouped = corpus.of_subject(s)
        counts = [(name, len(grouped.get(name, []))) for _, name in kinds]
        rows.append((s, routes.hub_path(s), counts, sum(n for _, n in counts)))
    return Page(routes.SUBJECTS_INDEX, "subjects.html", "按评价主体", {"kinds": kinds, "rows": rows},
                hide_toc=True)


def hub_pages(corpus: Corpus, subject: str, rows: int | None = None) -> list[Page]:
    """The subject's hub: its records by kind; a kind with more than `rows` records shows only links to
    its pages (subjects/SLUG/KIND/N), `rows` records each, every one linking to all the others."""
    rows = rows or ROWS_PER_PAGE
    grouped = corpus.of_subject(subject)
    title = f"{subject}评价" if subject != "综合" else "综合"
    groups: list[tuple[str, str, list[Entry], int, Pager | None]] = []
    parts = []
    for k in kinds_with(has="on_hubs"):
        entries = grouped.get(k.name, [])
        if len(entries) <= rows:
            groups.append((k.label, k.name, entries, len(entries), None))
            continue
        paths = tuple((n, routes.hub_part_path(subject, k.name, n)) for n in range(1, (len(entries) - 1) // rows + 2))
        groups.append((k.label, k.name, [], len(entries), Pager(len(entries), 0, 0, 0, paths)))
        for n, path in paths:
            first = (n - 1) * rows
            chunk = entries[first:first + rows]
            pager = Pager(len(entries), n, first + 1, first + len(chunk), paths)
            part = [(k.label, k.name, chunk, len(entries), pager)]
            parts.append(Page(path, "hub.html", f"{title}：{k.label}（第{n}页）",
                              {"subject": subject, "groups": part, "topics": [], "hub": routes.hub_path(subject),
                               "task_lists": [], "more_task_lists": 0},
                              aggregate=False))
    topics = [(d, t) for d in corpus.of_kind("document") for t in d.record.topics if subject in t.subjects]
    # The task lists with tasks of this subject, the first LISTS_PAGE_ROWS of them with their progress.
    progress = _progress_of_lists(corpus, subject, limit=LISTS_PAGE_ROWS)
    with_subject = sum(1 for doc, tasks in _lists_of(corpus, "task") if any(subject in t.subjects for t in tasks))
    return [Page(routes.hub_path(subject), "hub.html", title,
                 {"subject": subject, "groups": groups, "topics": topics, "hub": None,
                  "task_lists": [(corpus[list_id], p) for list_id, p in progress.items()],
                  "more_task_lists": with_subject - len(progress),
                  "all_task_lists": routes.index_path("task")}), *parts]


def task_list_page(corpus: Corpus, doc: Entry, tasks: list[Entry]) -> Page:
    """A task list: its tasks (sortable and filtered by subject, unit, deadline and, once reported, status),
    its ledger, and the progress reported, by status, section and unit."""
    from .downloads.ledger import ledger_of_list
    from .progress import STATUSES
    rows = [(t, corpus.units_of_task(t.id)) for t in tasks]
    units: list[Entry] = []
    for _, us in rows:
        for u in us:
            if u not in units:
                units.append(u)
    # Earliest first (kb.deadlines: by the first date; ongoing work after, by the year it starts).
    due = {t.record.deadline: t.record.due.sort_key for t in tasks}
    deadlines = sorted(due, key=lambda d: (due[d], d))
    return Page(routes.index_path("task", doc.id), "task_list.html", doc.record.title, {
        "doc": doc, "d": doc.record, "rows": rows, "units": units, "deadlines": deadlines,
        "subjects": [s for s in SUBJECTS if any(s in t.subjects for t in tasks)],
        "progress": list_progress(corpus, tasks, [s.number for s in doc.record.sections]), "statuses": STATUSES,
        "ledger": ledger_of_list(corpus, doc.id)}, hide_toc=True)


def short_label(entry: Entry) -> str:
    """How a table cell names a linked record: 任务44 (a numbered item by its number), 案例：三是坚持以体健身
    (a case measure), 负面清单：… (a prohibition by its heading)."""
    if entry.number is not None and entry.list:
        return entry.title.split("　", 1)[0]
    label = "案例" if entry.kind == "measure" else entry.kind_label
    return f"{label}：{entry.title.rstrip('。')}"


def project_list_page(corpus: Corpus, doc: Entry, projects: list[Entry]) -> Page:
    """A project list (湖北's 项目库): its items, each with the records linked to it (`related`, item id →
    [(entry, short label)]); `attachment` is the number of the document's attachment that is the list (None
    when no attachment is), `subjects` those its items have, for a filter."""
    att = next((a for a in doc.record.attachments if a.projects == doc.id), None)
    related = {p.id: [(x, short_label(x)) for x in corpus.related(p.id)] for p in projects}
    return Page(routes.index_path("project", doc.id), "project_list.html",
                doc.record.attachments and attachment_title(doc, doc.id) or doc.record.short_title,
                {"doc": doc, "projects": projects, "related": related, "attachment": att.number if att else None,
                 "subjects": [s for s in SUBJECTS if any(s in p.subjects for p in projects)]})


def negative_list_pages(corpus: Corpus, rows: int | None = None) -> list[Page]:
    """The negative list by kind and subject; a group of more than `rows` entries shows links to its pages
    (negative/_pages/KIND-SUBJECT-N), `rows` entries each, which keep the list's headings and anchors."""
    rows = rows or ROWS_PER_PAGE
    negatives = corpus.of_kind("negative")
    where = {e.id: negative_source_text(corpus, e) for e in negatives}
    path = routes.index_path("negative")
    title = "负面清单"
    groups, parts = [], []
    for kind, slug in NEGATIVE_KINDS.items():
        of_kind = [e for e in negatives if e.record.kind == kind]
        by_subject: list[tuple[str, list[Entry], Pager | None]] = []
        for s in SUBJECTS:
            es = [e for e in of_kind if s in e.subjects]
            if not es:
                continue
            if len(es) <= rows:
                by_subject.append((s, es, None))
                continue
            name = f"{slug}-{SUBJECT_SLUGS[s]}"
            paths = tuple((n, routes.part_path(path, name, n)) for n in range(1, (len(es) - 1) // rows + 2))
            by_subject.append((s, [], Pager(len(es), 0, 0, 0, paths)))
            for n, part in paths:
                first = (n - 1) * rows
                chunk = es[first:first + rows]
                pager = Pager(len(es), n, first + 1, first + len(chunk), paths)
                parts.append(Page(part, "negative_list.html", f"{title}：{kind}类 · {s}（第{n}页）",
                                  {"groups": [(kind, slug, len(of_kind), [(s, chunk, pager)])],
                                   "total": len(negatives), "where": {e.id: where[e.id] for e in chunk}},
                                  aggregate=False))
        groups.append((kind, slug, len(of_kind), by_subject))
    # (each page holds the 出处 of its own entries: `make serve` compares every page with the last build's)
    shown = {e.id: where[e.id] for _, _, _, by_subject in groups for _, es, _ in by_subject for e in es}
    return [Page(path, "negative_list.html", title, {"groups": groups, "total": len(negatives), "where": shown}),
            *parts]


CHANGES_SHOWN = 200     # the 更新记录 page lists the newest changes …
RECORDS_SHOWN = 12      # … each with this many of its records


def changes_page(corpus: Corpus, history: History) -> Page:
    """更新记录: the changes by date, newest first, each with what it did and the records it changed."""
    groups: list[tuple[str | None, list[tuple[Change, str, list[tuple[Entry | str, str]], int]]]] = []
    for change in history.changes[:CHANGES_SHOWN]:
        # (link target, text): a record's page, or a document's 原文 page
        # (only the first RECORDS_SHOWN are made: at 200,000 records one commit may have written all of them)
        records = [r for r in change.records if r in corpus.entries]
        documents = [d for d in change.documents if d in corpus.entries]
        changed: list[tuple[Entry | str, str]] = [(corpus[r], corpus[r].title) for r in records[:RECORDS_SHOWN]]
        changed += [(routes.original_path(d), f"原文：{corpus.document(d).short_title}")
                    for d in documents[:RECORDS_SHOWN - len(changed)]]
        row = (change, change_summary(change, corpus), changed, len(records) + len(documents))
        if groups and groups[-1][0] == change.date:
            groups[-1][1].append(row)
        else:
            groups.append((change.date, [row]))
    return Page(routes.CHANGES, "changes.html", "更新记录", {
        "groups": groups, "why_none": history.why_none, "more": max(0, len(history.changes) - CHANGES_SHOWN)})


def record_page(corpus: Corpus, entry: Entry, sizes: dict[str, int] | None = None,
                history: History | None = None) -> Page:
    """A record's own page, from its kind's row: template, title, context."""
    kind = KINDS[entry.kind]
    assert kind.template is not None, f"{entry.kind} has no page of its own"
    tags = corpus.tags_of(entry.id) if kind.tagged else []
    ctx: dict[str, Any] = {"e": entry, "r": entry.record, "links_from": corpus.links_from(entry.id),
                           "links_to": corpus.links_to(entry.id), "tags": tags}
    if entry.list:
        ctx["doc"] = corpus[entry.list]
    ctx.update(kind.context(corpus, entry, sizes or {}))
    return Page(routes.page_path(entry), kind.template, kind.page_title(entry), ctx, tags=tags, toc=kind.sidebar_toc,
                aggregate=False, entry=entry.id, updated=history.last.get(entry.id) if history else None)
