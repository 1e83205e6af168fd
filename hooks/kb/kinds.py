"""The record kinds: one row each, and everything that differs between kinds.

A row says how a kind is called, where its data and pages are, which template renders
its page, whether search and the open-data export carry it, and holds its functions:
building entries from the loaded records, the text search indexes, the extra fields of
its JSON record and its page's context. Everything else (pages, search, export, routes,
validation) reads this table instead of asking `kind == "…"`.

Adding a kind: a model in kb.models (and its file in FILE_KINDS), a row here, one
template in overrides/pages/, and the data (tests/test_kinds.py does it with a test kind).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from .corpus import Corpus, Entry, plain, same_words
from .load import Problem
from .models import SUBJECTS, Document, NegativeKind

if TYPE_CHECKING:
    from .validate import Loaded, Where

TERM_USES_SHOWN = 30  # a term page lists this many records that use it, then says how many more


@dataclass
class Building:
    """What the entry builders share while the corpus is assembled (kb.assemble)."""

    loaded: Loaded
    data_dir: Path
    read_source: Callable[[str], tuple[str, str | None]]
    docs: dict[str, tuple[Document, Where]] = field(default_factory=dict)  # the first document of each id
    sources: dict[str, str] = field(default_factory=dict)                 # document id → source text
    previous: Mapping[str, Entry] = field(default_factory=dict)  # the last load's entries (`make serve`)

    def kept(self, entry_id: str, record: object, where: Where, *made_of: tuple[str, object]) -> Entry | None:
        """The last load's entry of this id if it was made of this very record (its file was not read again:
        kb.validate's cache keeps the objects), written here, and of these very records of other entries
        (`made_of`: (their id, their record), e.g. a task's document); None: make it anew. A reload under
        `make serve` then builds the entries of the files that changed, not 200,000 of them."""
        old = self.previous.get(entry_id)
        if old is None or old.record is not record or old.where is not where:
            return None
        for other_id, other in made_of:
            before = self.previous.get(other_id)
            if before is None or before.record is not other:
                return None
        return old


Built = Iterator["Entry | Problem"]
Context = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str                      # what readers call it: 重点任务
    data: str | None                # the file kind it is loaded from (kb.models.FILE_KINDS); None: built by its parent
    folder: str                     # its pages: FOLDER/ID.md
    template: str | None            # its page's template in overrides/pages/; None: no page of its own
    build: Callable[[Building], Built] | None = None  # entries (and problems) from the loaded records
    data_file: str = ""             # where under data/: 'negative.yml', or 'tasks/' for a folder of files
    index_folder: str = ""          # the page listing the kind: INDEX_FOLDER/index.md (default: folder)
    searchable: bool = True         # one search document per record
    search_order: int = 0           # position in the search index (a page before the sections inside it)
    search_tags: bool = False       # the record's topic tags go into its search document
    search_text: Callable[[Corpus, Entry], str] = lambda corpus, e: e.text
    number_words: tuple[str, ...] = ()  # how people say a record's number: 任务{n}
    exported: bool = True           # in kb.json and as KIND.csv
    json_fields: Callable[[Corpus, Entry], dict[str, Any]] = lambda corpus, e: {}
    csv_fields: tuple[str, ...] = ()  # its CSV's columns after the common ones (kb.export): fields of its JSON
    tagged: bool = False            # its page shows topic tags (and the tags page lists it)
    on_hubs: bool = False           # listed on the subject hubs
    uses_terms: bool = False        # a term's page lists the records of these kinds that use it
    page_title: Callable[[Entry], str] = lambda e: e.title
    message_name: Callable[[Entry], str] = lambda e: f"{e.kind} {e.id}"  # in data problems: 'form f-1'
    context: Callable[[Corpus, Entry, dict[str, int]], Context] = lambda corpus, e, sizes: {}
    sidebar_toc: bool = True        # its page's headings in the sidebar (a short record page: only its title)
    anchor_in_parent: str | None = None  # shown as a section of its parent's page, at #ANCHOR<own id>
    parent_kind: str | None = None

    def __post_init__(self) -> None:
        if not self.index_folder:
            object.__setattr__(self, "index_folder", self.folder)


# --- building entries ---------------------------------------------------------------------

def _suggest(word: str, choices: Any) -> str:
    from .validate import suggest
    return suggest(word, choices)


def build_documents(b: Building) -> Built:
    for doc, where, _ in b.loaded.of("documents"):
        yield Entry("document", doc.id, doc.title, plain(doc.summary), ("综合",), doc, where)
        b.docs.setdefault(doc.id, (doc, where))
        text, problem = b.read_source(doc.source_file)
        if problem:
            yield Problem(where.file, where.line_of("source_file"), f"document {doc.id}", problem)
        else:
            b.sources[doc.id] = text


# A numbered item's title: its `title` when an editor wrote one, else the first clause of its text that says
# what is done. Leading clauses that only say on what grounds (依据国、省标准; 落实…部署要求; 对标国家新要求; 结合…)
# or on what condition (a clause ending in 的) are passed over. A longer clause is cut before TITLE_LIMIT
# characters, at its last 、 there if that keeps half of it, and never inside a bracket: a bracket left
# open (《…, （…, “…) is cut off before it.
TITLE_LIMIT = 40
PREAMBLE = re.compile(r"(依据|根据|按照|对照|对标|落实).*(标准|要求|指标|细则|指南|规定)|结合.*|.*的")
BRACKETS = {"《": "》", "〈": "〉", "（": "）", "(": ")", "“": "”", "‘": "’", "【": "】", "〔": "〕"}


def balanced(text: str) -> str:
    """Text up to its first unmatched bracket: '落实《德育工作标准' → '落实'."""
    opened: list[tuple[int, str]] = []
    closers = set(BRACKETS.values())
    for i, ch in enumerate(text):
        if ch in BRACKETS:
            opened.append((i, BRACKETS[ch]))
        elif ch in closers:
            if not opened or opened[-1][1] != ch:
                return text[:i]
            opened.pop()
    return text[:opened[0][0]] if opened else text


@lru_cache(maxsize=1 << 18)  # a pure function of the text; a reload under `make serve` asks again for each record
def auto_title(text: str, limit: int = TITLE_LIMIT) -> str:
    """The first clause of a text that is not a preamble, cut at `limit` characters outside brackets."""
    clauses = [c for c in re.split(r"[,，。;；:：]", plain(text)) if c.strip()] or [plain(text)]
    clause = next((c for c in clauses if not PREAMBLE.fullmatch(c)), clauses[0])
    cut = clause if len(clause) <= limit else clause[: limit - 1]
    if cut != clause and cut.rfind("、") >= limit // 2:
        cut = cut[: cut.rfind("、")]
    # A clause that opens with an unmatched bracket keeps its words without the brackets.
    short = balanced(cut).rstrip("、") or "".join(ch for ch in cut if ch not in BRACKETS.keys() | BRACKETS.values())
    return short if short == clause else short + "…"


def item_title(record: Any) -> str:
    """A project's or task's title after its number: the editor's `title`, else auto_title of its text."""
    return plain(record.title) if record.title else auto_title(record.text)


def _numbered(b: Building, data: str, kind: str) -> Built:
    """Projects and tasks: ids are list/number, the number unique within its list."""
    seen: dict[tuple[str, int], Where] = {}
    record: Any  # a Project or a Task
    for record, where, context in b.loaded.of(data):
        list_id = context["list"]
        label = f"{kind} {record.number}"
        if list_id not in b.docs:
            b.loaded.failed_refs.add(f"{list_id}/{record.number}")  # links to it: the cause is reported here
            if not b.loaded.is_failed(list_id, "documents"):
                yield Problem(where.file, where.raw.line, label,
                              f"list '{list_id}' is not a document id{_suggest(list_id, b.docs)}")
            continue
        key = (list_id, record.number)
        if key in seen:
            yield Problem(where.file, where.line_of("number"), label,
                          f"number {record.number} is repeated (first at line {seen[key].line})")
            continue
        seen[key] = where
        doc = b.docs[list_id][0]
        kept = b.kept(f"{list_id}/{record.number}", record, where, (list_id, doc))
        if kept is not None:
            yield kept
            continue
        if kind == "task":
            section = next((s for s in doc.sections if s.number == record.section), None)
            if section is None:
                b.loaded.failed_refs.add(f"{list_id}/{record.number}")
                yield Problem(where.file, where.line_of("section"), label,
                              f"section '{record.section}' is not a section of {list_id}"
                              f"{_suggest(record.section, [s.number for s in doc.sections])}")
                continue
            subjects = tuple(record.subjects) or (section.subject,)
            title = f"任务{record.number}　{item_title(record)}"
        else:
            subjects = tuple(record.subjects)
            title = f"项目{record.number}　{item_title(record)}"
        yield Entry(kind, f"{list_id}/{record.number}", title, plain(record.text), subjects,  # type: ignore[arg-type]
                    record, where, number=record.number, list=list_id)  # (kind: 'project' or 'task')


def build_projects(b: Building) -> Built:
    return _numbered(b, "projects", "project")


def build_tasks(b: Building) -> Built:
    return _numbered(b, "tasks", "task")


def build_units(b: Building) -> Built:
    for unit, where, _ in b.loaded.of("units"):
        yield b.kept(unit.id, unit, where) or Entry("unit", unit.id, unit.name, unit.name, (), unit, where)


# A prohibition's heading: its `title` when an editor wrote one, else the clause of its text that forbids
# (严禁…, 不得…, 克服…), cut like an item's title: '突出质量导向，…，不得将论文数…与绩效工资分配、奖励挂钩。'
# is headed '不得将论文数、项目数、课题经费等科研量化指标与绩效工资分配、奖励挂钩'.
FORBIDS = re.compile(r"严禁|不得|禁止|杜绝|切忌|克服|纠正|扭转|改变|破除|停止|避免|控制|淡化|减少|转变|查处|不随人走")


def negative_title(record: Any) -> str:
    if record.title:
        return plain(record.title)
    clauses = [c for c in re.split(r"[,，。;；:：]", plain(record.text)) if c.strip()] or [plain(record.text)]
    return auto_title(next((c for c in clauses if FORBIDS.search(c)), clauses[0]))


def build_negatives(b: Building) -> Built:
    for neg, where, _ in b.loaded.of("negative"):
        yield (b.kept(neg.id, neg, where)
               or Entry("negative", neg.id, negative_title(neg), neg.text, tuple(neg.subjects), neg, where))


def build_cases(b: Building) -> Built:
    """A case, then its measures (each a section of the case's page)."""
    from .validate import Where
    for case, where, _ in b.loaded.of("cases"):
        subjects = tuple(s for s in SUBJECTS if any(s in sec.subjects for sec in case.sections))
        text = "\n".join([case.intro] + [f"{s.heading}{m.label}{m.title}{m.text}" for s in case.sections
                                         for m in s.measures])
        yield Entry("case", case.id, case.title, text, subjects, case, where)
        for si, section in enumerate(case.sections):
            for mi, m in enumerate(section.measures):
                prefix = ("sections", si, "measures", mi)
                yield Entry("measure", f"{case.id}/{section.number}-{m.number}", f"{m.label}{m.title}",
                            f"{m.title}{m.text}", tuple(section.subjects), m,
                            Where(where.file, where.line_of(*prefix), where.raw, prefix),
                            number=m.number, parent=case.id)


def build_progress(b: Building) -> Built:
    """Progress entries: each names a task of its list and one of the task's units; one entry a task, unit
    and day. The id is the task's, then the unit's id and the day: taoyuan-2022/5/ty-jyj-2024-06-30."""
    from .models import Task
    from .text import cn_date
    tasks: dict[tuple[str, int], Task] = {}
    for task, _, context in b.loaded.of("tasks"):
        tasks.setdefault((context["list"], task.number), task)
    units: dict[tuple[str, str], str] = {}
    for unit, _, _ in b.loaded.of("units"):
        units.setdefault((unit.region, unit.name), unit.id)
    seen: dict[tuple[str, int, str, str], int] = {}
    for rec, where, context in b.loaded.of("progress"):
        list_id, label = context["list"], f"progress task {rec.task}"
        task_id = f"{list_id}/{rec.task}"
        if list_id not in b.docs:
            if not b.loaded.is_failed(list_id, "documents"):
                yield Problem(where.file, where.raw.line, label,
                              f"list '{list_id}' is not a document id{_suggest(list_id, b.docs)}")
            continue
        doc = b.docs[list_id][0]
        found = tasks.get((list_id, rec.task))
        if found is None or task_id in b.loaded.failed_refs:
            if not b.loaded.is_failed(task_id, "tasks"):
                yield Problem(where.file, where.line_of("task"), label, f"task {rec.task} is not a task of {list_id}")
            continue
        task = found
        if rec.unit not in task.units:
            yield Problem(where.file, where.line_of("unit"), label, f"unit '{rec.unit}' is not a responsible unit "
                          f"of task {rec.task} (its units: {'、'.join(task.units)})")
            continue
        unit_id = units.get((doc.region, rec.unit))
        if unit_id is None:
            continue  # not a known unit: reported on the task (kb.checks.check_task_units)
        key = (list_id, rec.task, rec.unit, rec.date)
        if key in seen:
            yield Problem(where.file, where.line_of("date"), label, f"{rec.unit} reports on {rec.date} twice (first at "
                          f"line {seen[key]}); keep one")
            continue
        seen[key] = where.line
        if doc.date and rec.date < doc.date:
            yield Problem(where.file, where.line_of("date"), label,
                          f"date {rec.date} is before the list was published ({doc.date})")
            continue
        kept = b.kept(f"{task_id}/{unit_id}-{rec.date}", rec, where, (task_id, task), (list_id, doc))
        if kept is not None:
            yield kept
            continue
        section = next((s for s in doc.sections if s.number == task.section), None)
        subjects = tuple(task.subjects) or ((section.subject,) if section else ())
        title = f"任务{rec.task}进展：{rec.unit}，{cn_date(rec.date)}，{rec.status}"
        yield Entry("progress", f"{task_id}/{unit_id}-{rec.date}", title, plain(rec.report or rec.status),
                    subjects, rec, where, parent=task_id)


def build_forms(b: Building) -> Built:
    for form, where, _ in b.loaded.of("forms"):
        yield Entry("form", form.id, form.title, form.purpose, ("综合",), form, where)


def build_terms(b: Building) -> Built:
    for term, where, _ in b.loaded.of("glossary"):
        yield Entry("term", term.id, term.term, term.definition, (), term, where)


# --- search text: what a record's search document holds besides its title ----------------------

def _task_search(corpus: Corpus, e: Entry) -> str:
    r = e.record  # not the section heading: every task of the section would match its words
    return f"{e.text} 责任单位：{'、'.join(r.units)} 完成时限：{r.deadline}"


def _progress_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    parts = [plain(r.report or ""), f"进展：{r.status}", r.evidence and f"佐证材料：{r.evidence}",
             r.problems and f"存在问题：{r.problems}", r.filed_by, r.reporter]
    return " ".join(p for p in parts if p)


def _negative_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    documents = dict.fromkeys(corpus[s.document].record.short_title for s in r.sources)
    return f"{e.text} {r.kind}类 {' '.join(documents)}"


def _measure_search(corpus: Corpus, e: Entry) -> str:
    return f"{e.text} {corpus[e.parent or ''].title}"


def _unit_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    lead, support = corpus.tasks_of_unit(e.id)
    return f"{r.name} {r.region} 牵头任务{len(lead)}项 配合任务{len(support)}项"


def _document_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    return " ".join([r.title, r.issuer or "", r.doc_number or "", r.summary] +
                    [f"{q.kind}：{q.text}" for q in r.requirements])


def _form_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    return f"{r.title} {r.purpose} {r.filled_by}"


def _case_search(corpus: Corpus, e: Entry) -> str:
    r = e.record
    return f"{r.unit} {r.intro}"


# --- open data: the fields of a record's JSON beyond kind, id, title, text, subjects, url, links ----

def _numbered_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    return {"number": e.number, "list": e.list}


def _task_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    r = e.record
    return {**_numbered_json(corpus, e), "units": list(r.units), "deadline": r.deadline, "section": r.section}


def _progress_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    r, task = e.record, corpus[e.parent or ""]
    return {"task": task.id, "list": task.list, "number": task.number, "units": [r.unit], "unit": r.unit,
            "date": r.date, "status": r.status, "report": r.report, "evidence": r.evidence, "problems": r.problems,
            "filed_by": r.filed_by, "reporter": r.reporter}


def _document_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    r = e.record
    return {"doc_number": r.doc_number, "date": r.date, "issuer": r.issuer, "region": r.region,
            "text": plain(corpus.sources.get(e.id, "")) or e.text, "summary": r.summary}


def _negative_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    return {"negative_kind": e.record.kind,
            "sources": [s.model_dump(exclude_none=True) for s in e.record.sources]}


def _unit_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    return {"region": e.record.region, "source_spellings": list(e.record.source_spellings)}


def _form_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    from .downloads import downloads_of
    return {"downloads": [{"format": d["format"], "url": d["url"]} for d in downloads_of(e)],
            "document": e.record.document, "attachment": e.record.attachment}


def _case_json(corpus: Corpus, e: Entry) -> dict[str, Any]:
    from .routes import url
    return {"measures": [{"id": m.id, "title": m.title, "text": m.text, "subjects": list(m.subjects), "url": url(m)}
                         for m in corpus.children(e.id) if m.kind == "measure"]}


# --- page context: what a record's template gets besides e (the entry), r (its record) and links ----

def _neighbours(corpus: Corpus, entry: Entry) -> tuple[Entry | None, Entry | None]:
    """The items of the same kind before and after this one in its list."""
    return _neighbours_in(corpus).get(entry.id, (None, None))


@lru_cache(maxsize=1)  # per corpus (hashed by identity; one only: `make serve` would keep old ones alive)
def _neighbours_in(corpus: Corpus) -> dict[str, tuple[Entry | None, Entry | None]]:
    out: dict[str, tuple[Entry | None, Entry | None]] = {}
    for items in corpus.by_list.values():
        for kind in {e.kind for e in items}:
            same = [e for e in items if e.kind == kind]
            for i, e in enumerate(same):
                out[e.id] = (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)
    return out


@lru_cache(maxsize=1)
def _negatives_by_document(corpus: Corpus) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for e in corpus.of_kind("negative"):
        for document in dict.fromkeys(s.document for s in e.record.sources):
            out.setdefault(document, []).append(e)
    return out


@lru_cache(maxsize=1)
def _national_plans(corpus: Corpus) -> tuple[str, ...]:
    return tuple(d.id for d in corpus.of_kind("document") if d.record.kind == "总体方案")


def attachment_title(doc: Entry, list_id: str) -> str:
    """A project list's title: its attachment's, else its document's short title."""
    att = next((a for a in doc.record.attachments if a.projects == list_id), None)
    return att.title if att else doc.record.short_title  # type: ignore[no-any-return]


def _places(corpus: Corpus, n: Entry, list_id: str, plans: tuple[str, ...]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Where a prohibition is stated, as a task of `list_id` sees it: the list's tasks that state it, and its
    places in the national plans or in the list outside a task ('总体方案 二(一)3'), in the order written."""
    sources = n.record.sources
    return (tuple(sorted({s.task for s in sources if s.document == list_id and s.task is not None})),
            tuple(" ".join(filter(None, [corpus.document(s.document).short_title, s.section])) for s in sources
                  if s.document in plans or (s.document == list_id and s.task is None)))


def negatives_of_task(corpus: Corpus, task: Entry) -> list[tuple[str, list[tuple[Entry, list[str]]]]]:
    """The prohibitions that bind a task, by kind: those stated in the task itself, then those of its subjects
    stated in its own list or the national plan, each with where (of those) it is stated: [(kind, [(entry,
    ['本任务', '任务11', '总体方案 二(一)3'])])]."""
    list_id = task.list or ""
    plans = _national_plans(corpus)
    own = [(n, *_places(corpus, n, list_id, plans)) for n in corpus.links_to(task.id) if n.kind == "negative"]
    own_ids = {n.id for n, _, _ in own}
    by_kind: dict[str, list[tuple[Entry, list[str]]]] = {}
    of_subjects = [(n, *_places(corpus, n, list_id, plans))
                   for n in corpus.negatives_of_subjects(task.subjects, [list_id, *plans]) if n.id not in own_ids]
    for n, tasks, other in own + of_subjects:
        if task.number in tasks:  # this task first
            tasks = (task.number, *(t for t in tasks if t != task.number))
        where = ["、".join("本任务" if t == task.number else f"任务{t}" for t in tasks)] if tasks else []
        by_kind.setdefault(n.record.kind, []).append((n, list(dict.fromkeys([*where, *other]))))
    return [(kind, by_kind[kind]) for kind in get_args(NegativeKind) if kind in by_kind]  # the negative list's order


def _task_context(corpus: Corpus, e: Entry, sizes: dict[str, int]) -> Context:
    list_id = e.list or ""
    doc = corpus.document(list_id)
    negatives = negatives_of_task(corpus, e)
    shown = {n.id for _, rows in negatives for n, _ in rows}
    from .progress import reports_of_task
    return {"section": next(s for s in doc.sections if s.number == e.record.section),
            "units": corpus.units_of_task(e.id), "negatives": negatives,
            "progress": reports_of_task(corpus, e),
            "plans": [corpus.entries[d] for d in _national_plans(corpus)],
            # a prohibition shown under 负面清单 is not listed again among the records that link here
            "links_from": [x for x in corpus.links_from(e.id) if x.id not in shown],
            "links_to": [x for x in corpus.links_to(e.id) if x.id not in shown],
            "neighbours": _neighbours(corpus, e)}


def _document_context(corpus: Corpus, doc: Entry, sizes: dict[str, int]) -> Context:
    items = corpus.items_of_list(doc.id)
    return {"doc": doc, "d": doc.record, "items": items, "requirements": requirement_groups(doc.record.requirements),
            "negatives": _negatives_by_document(corpus).get(doc.id, []),
            "cases": [e for e in corpus.of_kind("case") if e.record.document == doc.id],
            "forms": {e.id: e for e in corpus.of_kind("form")},
            "task_list": any(e.kind == "task" for e in items), "project_list": any(e.kind == "project" for e in items)}


def _project_context(corpus: Corpus, e: Entry, sizes: dict[str, int]) -> Context:
    list_id = e.list or ""
    return {"neighbours": _neighbours(corpus, e),
            "list_title": attachment_title(corpus[list_id], list_id)}


def negative_sources(corpus: Corpus, e: Entry) -> list[tuple[Entry, list[tuple[Entry | None, str | None]]]]:
    """A prohibition's sources by document, in the order written: [(document, [(task or None, section)])]."""
    by_doc: dict[str, list[tuple[Entry | None, str | None]]] = {}
    for s in e.record.sources:
        task = corpus.entries.get(f"{s.document}/{s.task}") if s.task else None
        by_doc.setdefault(s.document, []).append((task, s.section))
    return [(corpus[d], places) for d, places in by_doc.items()]


def negative_source_text(corpus: Corpus, e: Entry) -> str:
    """Where a prohibition is stated, in a line: '桃源县重点任务清单 任务10、任务11；总体方案 二(一)3'."""
    parts = []
    for doc, places in negative_sources(corpus, e):
        where = "、".join(f"任务{t.number}" if t else s or "" for t, s in places)
        parts.append(f"{doc.record.short_title} {where}".strip())
    return "；".join(parts)


def _negative_context(corpus: Corpus, e: Entry, sizes: dict[str, int]) -> Context:
    # The text is quoted below the heading when the heading is only part of it.
    sources = negative_sources(corpus, e)
    tasks = {task.id for _, places in sources for task, _ in places if task}
    return {"sources": sources, "quote_differs": same_words(e.title) != same_words(e.text),
            "links_from": [x for x in corpus.links_from(e.id) if x.id not in tasks]}  # (its tasks are in 出处)


def _unit_context(corpus: Corpus, e: Entry, sizes: dict[str, int]) -> Context:
    from .downloads.ledger import ledgers_of_unit
    from .progress import lists_with_progress, unit_status
    lead, support = corpus.tasks_of_unit(e.id)
    # The latest status is shown where the unit's lists have any report (elsewhere: 尚无进展填报, once).
    return {"lead": lead, "support": support,
            "reported": any(t.list in lists_with_progress(corpus) for t in (*lead, *support)),
            "status": {t.id: unit_status(corpus, t, e) for t in (*lead, *support)},
            "ledgers": ledgers_of_unit(corpus, e)}


def _term_context(corpus: Corpus, e: Entry, sizes: dict[str, int]) -> Context:
    uses = _term_uses(corpus).get(e.id, [])
    return {"docs": [corpus[d] for d in e.record.sources], "uses": uses[:TERM_USES_SHOWN], "uses_total": len(uses)}


@lru_cache(maxsize=1)
def _term_uses(corpus: Corpus) -> dict[str, list[Entry]]:
    """Term id → the records (of the kinds that use terms) whose text holds the term or an alias, in corpus
    order. One pass: a record no name occurs in is passed over after one search for any of them."""
    names = {t.id: [t.record.term, *t.record.aliases] for t in corpus.of_kind("term")}
    spellings = sorted({n for ns in names.values() for n in ns}, key=len, reverse=True)
    if not spellings:
        return {}
    anywhere = re.compile("|".join(re.escape(n) for n in spellings))
    kinds = {k.name for k in KINDS.values() if k.uses_terms}
    out: dict[str, list[Entry]] = {}
    for x in corpus.entries.values():
        if x.kind in kinds and anywhere.search(x.text):
            for term_id, ns in names.items():
                if any(n in x.text for n in ns):
                    out.setdefault(term_id, []).append(x)
    return out


def downloads_with_sizes(entry: Entry, sizes: dict[str, int]) -> list[dict[str, str]]:
    """The files built for a form or case: [{'format', 'url', 'name', 'size_text'}]."""
    from .downloads import downloads_of
    return [{**item, "size_text": _size_text(sizes.get(item["url"]))} for item in downloads_of(entry)]


def _size_text(size: int | None) -> str:
    return f"{size / 1024:.1f} KB" if size else ""


@dataclass
class RequirementGroup:
    """One sentence of a document's requirements, shown once with every kind it states."""
    kinds: list[str]
    text: str
    date: str | None
    word_limits: list[Any] = field(default_factory=list)  # the word limits the sentence states


def requirement_groups(requirements: Sequence[Any], word_limits: Sequence[Any] = ()) -> list[RequirementGroup]:
    """Requirements as a page shows them: a sentence once. A requirement whose words are part of another's
    (湖北's 报送材料 and 报送方式 are parts of its 截止时间 sentence) joins that one, under both kinds; so does a
    word limit whose words are in a 字数 requirement. Kept in the order written."""
    words = [same_words(r.text) for r in requirements]

    def root(i: int) -> int:
        hosts = [j for j, v in enumerate(words) if j != i and words[i] in v and (len(v) > len(words[i]) or j < i)]
        return root(max(hosts, key=lambda j: (len(words[j]), -j))) if hosts else i

    groups: dict[int, RequirementGroup] = {}
    for i, r in enumerate(requirements):
        j = root(i)
        if j not in groups:
            groups[j] = RequirementGroup([], requirements[j].text, requirements[j].date)
        g = groups[j]
        if r.kind not in g.kinds:
            g.kinds.append(r.kind)
        g.date = g.date or r.date
    for w in word_limits:
        host = next((g for j, g in groups.items() if same_words(w.text) in words[j]), None)
        if host is not None:
            host.word_limits.append(w)
    return list(groups.values())


def _form_context(corpus: Corpus, form: Entry, sizes: dict[str, int]) -> Context:
    rec = form.record
    doc = corpus[rec.document]
    reqs = [r for r in doc.record.requirements if r.kind in ("截止时间", "报送方式", "报送材料", "申报数量", "字数")]
    groups = requirement_groups(reqs, doc.record.word_limits)
    shown = [same_words(g.text) for g in groups]
    options = {"pilot_types": [p.name for p in doc.record.pilot_types], "case_types": doc.record.case_types,
               "projects": [f"{e.number}. {e.text}" for e in corpus.of_kind("project")
                            if any(a.projects == e.list for a in doc.record.attachments)]}
    attached = [w for g in groups for w in g.word_limits]
    return {"doc": doc, "requirements": groups, "options": options, "quotas": doc.record.quotas,
            # the quotas' own words are quoted only when no requirement shown already says them
            "quotas_quoted": all(any(same_words(q.text) in s for s in shown) for q in doc.record.quotas),
            "word_limits": [w for w in doc.record.word_limits if w not in attached],
            "downloads": downloads_with_sizes(form, sizes)}


def _case_context(corpus: Corpus, case: Entry, sizes: dict[str, int]) -> Context:
    sections = []
    for s in case.record.sections:
        measures = []
        for m in s.measures:
            mid = f"{case.id}/{s.number}-{m.number}"
            measures.append((corpus[mid], corpus.links_from(mid), corpus.links_to(mid)))
        sections.append((s, measures))
    return {"doc": corpus[case.record.document], "sections": sections, "downloads": downloads_with_sizes(case, sizes)}


# --- the table ------------------------------------------------------------------------------
# Row order is the order of the home page's counts, `kb stats`, the open data and the record pages.

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("document", "文件", "documents", "documents", "document.html", build_documents,
         data_file="documents.yml",
         search_order=7, search_text=_document_search, json_fields=_document_json,
         page_title=lambda e: e.record.short_title, context=_document_context),
    Kind("project", "试点项目", "projects", "projects", "project.html", build_projects,
         data_file="projects/",
         search_order=1, search_tags=True, number_words=("项目{n}", "项目库{n}", "试点项目{n}", "第{n}项", "{n}"),
         json_fields=_numbered_json, tagged=True, on_hubs=True, uses_terms=True, sidebar_toc=False,
         message_name=lambda e: f"project {e.number}", context=_project_context),
    Kind("task", "重点任务", "tasks", "tasks", "task.html", build_tasks,
         data_file="tasks/",
         search_order=0, search_tags=True, search_text=_task_search, number_words=("任务{n}", "第{n}项", "{n}"),
         json_fields=_task_json, tagged=True, on_hubs=True, uses_terms=True, sidebar_toc=False,
         message_name=lambda e: f"task {e.number}", context=_task_context),
    Kind("unit", "责任单位", "units", "units", "unit.html", build_units,
         data_file="units/",
         search_order=6, search_text=_unit_search, json_fields=_unit_json, sidebar_toc=False,
         message_name=lambda e: f"unit {e.title}", context=_unit_context),
    Kind("negative", "负面清单", "negative", "negative", "negative.html", build_negatives,
         data_file="negative.yml",
         search_order=2, search_tags=True, search_text=_negative_search, json_fields=_negative_json,
         tagged=True, on_hubs=True, uses_terms=True, sidebar_toc=False, context=_negative_context),
    Kind("case", "典型案例", "cases", "cases", "case.html", build_cases,
         data_file="cases/",
         search_order=3, search_text=_case_search, json_fields=_case_json, tagged=True, context=_case_context),
    Kind("measure", "案例举措", None, "cases", None, None,
         search_order=4, search_text=_measure_search, exported=False, on_hubs=True, uses_terms=True,
         message_name=lambda e: f"case {e.parent}", anchor_in_parent="m-", parent_kind="case"),
    Kind("form", "表格", "forms", "forms", "form.html", build_forms, index_folder="downloads",
         data_file="forms.yml",
         search_order=8, search_text=_form_search, json_fields=_form_json, context=_form_context),
    Kind("term", "术语", "glossary", "glossary", "term.html", build_terms,
         data_file="glossary.yml",
         search_order=5, context=_term_context),
    Kind("progress", "任务进展", "progress", "tasks", None, build_progress,
         data_file="progress/",
         search_order=9, search_text=_progress_search, json_fields=_progress_json,
         csv_fields=("status", "evidence", "problems", "filed_by", "reporter"),
         message_name=lambda e: f"progress task {e.record.task}", anchor_in_parent="p-", parent_kind="task"),
)}


# Data files that hold no records of a kind: topic tags and search words.
AUX_FILES = {"tags.yml": "tags", "search.yml": "search"}


def data_locations() -> dict[str, str]:
    """Where each file kind lives under data/: {'negative.yml': 'negative', 'tasks/': 'tasks', …}."""
    return {**{k.data_file: k.data for k in KINDS.values() if k.data and k.data_file}, **AUX_FILES}


def of(*, has: str) -> list[Kind]:
    """The kinds whose flag `has` is true, in table order: of(has='on_hubs')."""
    return [k for k in KINDS.values() if getattr(k, has)]

