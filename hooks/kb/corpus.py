"""The loaded, cross-linked whole: every record as an Entry, links resolved both ways.

`load_corpus(data_dir)` is the one way in: it reads and checks everything and
either returns a Corpus or raises DataError listing every problem. Pages,
downloads, search and export are pure functions of the Corpus.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .load import MAX_FILE_BYTES, DataError, Problem
from .models import FORBIDDEN_IN_TEXT, RESTORE_CLOSE, RESTORE_OPEN, SUBJECTS, Document, Form, Record, Tag, char_name
from .validate import Loaded, Where, load_records, suggest

KIND_LABELS = {"document": "文件", "project": "试点项目", "task": "重点任务", "unit": "责任单位",
               "negative": "负面清单", "case": "典型案例", "measure": "案例举措", "form": "表格", "term": "术语"}
SUBJECT_SLUGS = {"党委和政府": "party-government", "学校": "schools", "教师": "teachers", "学生": "students",
                 "用人": "employers", "综合": "general"}


def plain(text: str) -> str:
    """Text as read: restored characters in, markers out."""
    return text.replace(RESTORE_OPEN, "").replace(RESTORE_CLOSE, "")


def as_in_source(text: str) -> str:
    """Text as the source copy has it: restored characters (and markers) out."""
    return re.sub(f"{RESTORE_OPEN}[^{RESTORE_CLOSE}]*{RESTORE_CLOSE}", "", text)


def first_clause(text: str, limit: int = 40) -> str:
    clause = re.split(r"[,，。;；:：]", plain(text), maxsplit=1)[0]
    return clause if len(clause) <= limit else clause[: limit - 1] + "…"


@dataclass(frozen=True)
class Entry:
    """One addressable record, in the shape every consumer needs."""

    kind: str
    id: str
    title: str
    text: str
    subjects: tuple[str, ...]
    url: str
    record: Record
    where: Where
    number: int | None = None
    list: str | None = None
    parent: str | None = None  # a measure's case

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class Corpus:
    entries: dict[str, Entry] = field(default_factory=dict)
    stored_links: list[tuple[str, str]] = field(default_factory=list)  # (from, to) as written in data
    units_by_name: dict[tuple[str, str], Entry] = field(default_factory=dict)  # (region, name) → unit
    tags: list[Tag] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # document id → its source copy's text
    search_words: list[str] = field(default_factory=list)  # data/search.yml
    derived: dict = field(default_factory=dict)  # values other modules compute once from the corpus
    _out: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _in: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Lookups by kind, by list and by unit, built on first use and rebuilt if entries were added
    # (pages ask them once per record: a scan each time would make the build quadratic).
    _index_size: int = -1
    _by_kind: dict[str, list[Entry]] = field(default_factory=dict)
    _by_list: dict[str, list[Entry]] = field(default_factory=dict)
    _unit_tasks: dict[str, tuple[list[Entry], list[Entry]]] = field(default_factory=dict)
    # (subject, source document) → negative-list entries, in corpus order
    _negatives: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    _units_of_region: dict[str, dict[str, Entry]] = field(default_factory=dict)
    _position: dict[str, int] = field(default_factory=dict)

    def _indexed(self) -> None:
        if self._index_size == len(self.entries):
            return
        self._by_kind, self._by_list, self._unit_tasks, self._negatives = {}, {}, {}, {}
        for e in self.entries.values():
            self._by_kind.setdefault(e.kind, []).append(e)
            if e.list:
                self._by_list.setdefault(e.list, []).append(e)
            if e.kind == "negative":
                for subject in e.subjects:
                    self._negatives.setdefault((subject, e.record.source.document), []).append(e)
        self._position = {e.id: i for i, e in enumerate(self.entries.values())}
        self._units_of_region = {}
        for (region, name), unit in self.units_by_name.items():
            self._units_of_region.setdefault(region, {})[name] = unit
        self._index_size = len(self.entries)

    # --- lookups ------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Entry]:
        self._indexed()
        return list(self._by_kind.get(kind, []))

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def document(self, doc_id: str) -> Document:
        return self.entries[doc_id].record

    def items_of_list(self, list_id: str) -> list[Entry]:
        self._indexed()
        return list(self._by_list.get(list_id, []))

    def links_from(self, entry_id: str) -> list[Entry]:
        """Curated links written on this record."""
        return [self.entries[i] for i in self._out.get(entry_id, [])]

    def links_to(self, entry_id: str) -> list[Entry]:
        """Derived reverse links: records whose data link here."""
        return [self.entries[i] for i in self._in.get(entry_id, [])]

    def related(self, entry_id: str) -> list[Entry]:
        """Both directions, each record once, in data order."""
        seen, out = set(), []
        for e in self.links_from(entry_id) + self.links_to(entry_id):
            if e.id not in seen:
                seen.add(e.id)
                out.append(e)
        return out

    def units_of_task(self, task_id: str) -> list[Entry]:
        task = self.entries[task_id]
        region = self.document(task.list).region
        return [self.units_by_name[(region, name)] for name in task.record.units]

    def unit(self, region: str, name: str) -> Entry:
        return self.units_by_name[(region, name)]

    def tasks_of_unit(self, unit_id: str) -> tuple[list[Entry], list[Entry]]:
        """(tasks the unit leads, tasks it supports), in list order."""
        self._indexed()
        if not self._unit_tasks:
            for u in self.of_kind("unit"):
                self._unit_tasks[u.id] = ([], [])
            for task in self.of_kind("task"):
                region = self.document(task.list).region
                for i, name in enumerate(task.record.units):
                    unit = self.units_by_name.get((region, name))
                    if unit is not None:
                        self._unit_tasks[unit.id][0 if i == 0 else 1].append(task)
        lead, support = self._unit_tasks.get(unit_id, ([], []))
        return list(lead), list(support)

    def of_subject(self, subject: str) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for e in self.entries.values():
            if subject in e.subjects:
                grouped.setdefault(e.kind, []).append(e)
        return grouped

    def negatives_of_subjects(self, subjects, documents) -> list[Entry]:
        """The negative-list entries of these subjects (in SUBJECTS order) cited from these documents."""
        self._indexed()
        seen, out = set(), []
        for s in SUBJECTS:
            if s in subjects:
                of_subject = [n for d in documents for n in self._negatives.get((s, d), [])]
                if len(documents) > 1:  # corpus order, whichever document they come from
                    of_subject.sort(key=lambda n: self._position[n.id])
                for n in of_subject:
                    if n.id not in seen:
                        seen.add(n.id)
                        out.append(n)
        return out

    def units_of_region(self, region: str) -> dict[str, Entry]:
        """Unit name → unit, for one region (task lists name their units by name)."""
        self._indexed()
        return self._units_of_region.get(region, {})

    def tags_of(self, entry_id: str) -> list[str]:
        text = self.entries[entry_id].text
        return [t.name for t in self.tags if any(k in text for k in t.keywords)]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.entries.values():
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return counts


def read_source(data_dir: Path, name: str) -> tuple[str, str | None]:
    """A source copy's text, or why it cannot be published. The model already refused absolute paths and
    '..'; this also follows symlinks, so a link in data/sources/ to /etc or /proc is refused too."""
    sources = (data_dir / "sources").resolve()
    path = (sources / name).resolve()
    if not path.is_relative_to(sources):
        return "", f"source_file '{name}' leads outside data/sources/ (a link); copy the file there instead"
    if not path.is_file():
        return "", f"source_file '{name}' is not a file in data/sources/"
    if path.stat().st_size > MAX_FILE_BYTES:
        return "", f"source_file '{name}' is more than {MAX_FILE_BYTES // 1024 // 1024} MB; it is published as one page"
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "", f"source_file '{name}' is not UTF-8; re-save it with UTF-8 encoding"
    bad = FORBIDDEN_IN_TEXT.search(text.replace("\r", ""))
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return "", f"source_file '{name}' line {line} contains {char_name(bad.group(0))}; remove it"
    return text, None


def load_corpus(data_dir: Path, root: Path | None = None) -> Corpus:
    loaded, problems = load_records(Path(data_dir), root)
    corpus, more = build_corpus(loaded, Path(data_dir))
    problems += more
    if problems:
        raise DataError(problems)
    return corpus


# --- building --------------------------------------------------------------------------

def build_corpus(loaded: Loaded, data_dir: Path) -> tuple[Corpus, list[Problem]]:
    corpus, problems = Corpus(), []

    def add(entry: Entry, label: str) -> None:
        if entry.id in corpus.entries:
            first = corpus.entries[entry.id].where
            problems.append(Problem(entry.where.file, entry.where.line, label,
                                    f"duplicate id '{entry.id}' (already used at {first.file}:{first.line})"))
            return
        corpus.entries[entry.id] = entry

    docs: dict = {}  # the first document of each id; a duplicate is reported, not used
    for doc, where, _ in loaded.of("documents"):
        add(Entry("document", doc.id, doc.title, plain(doc.summary), ("综合",), f"documents/{doc.id}/", doc, where),
            f"document {doc.id}")
        docs.setdefault(doc.id, (doc, where))
        text, problem = read_source(data_dir, doc.source_file)
        if problem:
            problems.append(Problem(where.file, where.line_of("source_file"), f"document {doc.id}", problem))
        else:
            corpus.sources[doc.id] = text

    problems += _add_numbered(loaded, docs, add, "projects", "project")
    problems += _add_numbered(loaded, docs, add, "tasks", "task")

    for unit, where, _ in loaded.of("units"):
        entry = Entry("unit", unit.id, unit.name, unit.name, (), f"units/{unit.id}/", unit, where)
        if (unit.region, unit.name) in corpus.units_by_name:
            first = corpus.units_by_name[(unit.region, unit.name)].where
            problems.append(Problem(where.file, where.line_of("name"), f"unit {unit.name}",
                                    f"duplicate unit name in {unit.region} (already at {first.file}:{first.line})"))
        else:
            corpus.units_by_name[(unit.region, unit.name)] = entry
        add(entry, f"unit {unit.name}")

    for neg, where, _ in loaded.of("negative"):
        add(Entry("negative", neg.id, neg.text, neg.text, tuple(neg.subjects), f"negative/{neg.id}/", neg, where),
            f"negative {neg.id}")

    for case, where, _ in loaded.of("cases"):
        subjects = tuple(s for s in SUBJECTS if any(s in sec.subjects for sec in case.sections))
        text = "\n".join([case.intro] + [f"{s.heading}{m.label}{m.title}{m.text}" for s in case.sections
                                         for m in s.measures])
        add(Entry("case", case.id, case.title, text, subjects, f"cases/{case.id}/", case, where), f"case {case.id}")
        for si, section in enumerate(case.sections):
            for mi, m in enumerate(section.measures):
                mid = f"{case.id}/{section.number}-{m.number}"
                prefix = ("sections", si, "measures", mi)
                mwhere = Where(where.file, where.line_of(*prefix), where.raw, prefix)
                add(Entry("measure", mid, f"{m.label}{m.title}", f"{m.title}{m.text}", tuple(section.subjects),
                          f"cases/{case.id}/#m-{section.number}-{m.number}", m, mwhere,
                          number=m.number, parent=case.id), f"case {case.id}")

    for form, where, _ in loaded.of("forms"):
        add(Entry("form", form.id, form.title, form.purpose, ("综合",), f"forms/{form.id}/", form, where),
            f"form {form.id}")
    for term, where, _ in loaded.of("glossary"):
        add(Entry("term", term.id, term.term, term.definition, (), f"glossary/{term.id}/", term, where),
            f"term {term.id}")
    corpus.tags = [t for t, _, _ in loaded.of("tags")]
    corpus.search_words = [w for f, _, _ in loaded.of("search") for w in f.words]

    problems += _check_tasks(corpus, loaded)
    problems += _check_links(corpus, loaded)
    problems += _check_references(corpus, docs, loaded)
    problems += _check_glossary_and_tags(corpus, loaded)
    return corpus, problems


def _add_numbered(loaded: Loaded, docs, add, kind: str, entry_kind: str) -> list[Problem]:
    """Projects and tasks: ids are list/number; numbers unique and ascending within a list."""
    problems: list[Problem] = []
    last: dict[str, tuple[int, Where]] = {}
    seen: dict[tuple[str, int], Where] = {}
    word = "task" if entry_kind == "task" else "project"
    for record, where, context in loaded.of(kind):
        list_id = context["list"]
        label = f"{word} {record.number}"
        if list_id not in docs:
            loaded.failed_refs.add(f"{list_id}/{record.number}")  # links to it: the cause is reported here
            if not loaded.is_failed(list_id, "documents"):
                problems.append(Problem(where.file, where.raw.line, label,
                                        f"list '{list_id}' is not a document id{suggest(list_id, docs)}"))
            continue
        key = (list_id, record.number)
        if key in seen:
            problems.append(Problem(where.file, where.line_of("number"), label,
                                    f"number {record.number} is repeated (first at line {seen[key].line})"))
            continue
        seen[key] = where
        prev = last.get(list_id)
        if prev and record.number < prev[0]:
            problems.append(Problem(where.file, where.line_of("number"), label,
                                    f"number {record.number} comes after {prev[0]}; keep the source's order"))
        last[list_id] = (record.number, where)
        doc = docs[list_id][0]
        if entry_kind == "task":
            section = next((s for s in doc.sections if s.number == record.section), None)
            if section is None:
                loaded.failed_refs.add(f"{list_id}/{record.number}")
                problems.append(Problem(where.file, where.line_of("section"), label,
                                        f"section '{record.section}' is not a section of {list_id}"
                                        f"{suggest(record.section, [s.number for s in doc.sections])}"))
                continue
            subjects = tuple(record.subjects) or (section.subject,)
            title = f"任务{record.number}　{first_clause(record.text)}"
        else:
            subjects = tuple(record.subjects)
            title = f"项目{record.number}　{first_clause(record.text)}"
        url = f"{kind}/{list_id}/{record.number}/"
        add(Entry(entry_kind, f"{list_id}/{record.number}", title, plain(record.text), subjects, url, record,
                  where, number=record.number, list=list_id), label)
    return problems


def _check_tasks(corpus: Corpus, loaded: Loaded) -> list[Problem]:
    problems = []
    for task in corpus.of_kind("task"):
        names = task.record.units
        region = corpus.document(task.list).region
        local = corpus.units_of_region(region)
        for i, name in enumerate(names):
            label = f"task {task.number}"
            line = task.where.line_of("units", i)
            if name not in local:
                if loaded.is_failed(name, "units"):
                    continue
                spelled = [u.record.name for u in local.values() if name in u.record.source_spellings]
                hint = f" (the source's spelling of {spelled[0]}; use that name)" if spelled else suggest(name, local)
                problems.append(Problem(task.where.file, line, label,
                                        f"unit '{name}' is not a known unit of {region}{hint}"))
            elif names.index(name) != i:
                problems.append(Problem(task.where.file, line, label, f"unit '{name}' is listed twice"))
    return problems


def _target_failed(loaded: Loaded, target: str) -> bool:
    """A link target that failed to load is not reported again."""
    head, _, tail = target.partition("/")
    if not tail:
        return loaded.is_failed(target, "documents", "negative", "glossary", "units", "forms", "cases")
    if "-" in tail:  # a case measure
        return loaded.is_failed(f"{head}/*", "cases") or loaded.is_failed(head, "cases")
    return loaded.is_failed(target, "tasks", "projects")


def _check_links(corpus: Corpus, loaded: Loaded) -> list[Problem]:
    problems, pairs = [], {}
    for entry in list(corpus.entries.values()):
        links = getattr(entry.record, "links", None) or []
        label = _label(entry)
        for i, target in enumerate(links):
            line = entry.where.line_of("links", i)
            if target == entry.id:
                problems.append(Problem(entry.where.file, line, label, f"links to itself ('{target}'); remove it"))
                continue
            if target not in corpus.entries:
                if not _target_failed(loaded, target):
                    problems.append(Problem(entry.where.file, line, label,
                                            f"link to missing record '{target}'{suggest(target, corpus.entries)}"))
                continue
            src = getattr(entry.record, "source", None)
            if entry.kind == "negative" and src.task is not None and target == f"{src.document}/{src.task}":
                problems.append(Problem(entry.where.file, line, label,
                                        f"links to its source task '{target}', which is already linked through "
                                        "source.task; remove it from links"))
                continue
            if (entry.id, target) in pairs:
                problems.append(Problem(entry.where.file, line, label, f"links to '{target}' twice"))
                continue
            if (target, entry.id) in pairs:
                other = corpus.entries[target].where
                problems.append(Problem(entry.where.file, line, label,
                                        f"link to '{target}' is also written the other way (at {other.file}:"
                                        f"{other.line}); store a link once, the reverse is derived"))
                continue
            pairs[(entry.id, target)] = True
            corpus.stored_links.append((entry.id, target))
    # A negative-list entry taken from a task links to that task (derived from its source).
    for neg in corpus.of_kind("negative"):
        src = neg.record.source
        if src.task is not None and f"{src.document}/{src.task}" in corpus.entries:
            corpus.stored_links.append((neg.id, f"{src.document}/{src.task}"))
    for a, b in corpus.stored_links:
        corpus._out[a].append(b)
        corpus._in[b].append(a)
    return problems


def _check_references(corpus: Corpus, docs, loaded: Loaded) -> list[Problem]:
    problems = []
    for neg in corpus.of_kind("negative"):
        src, label = neg.record.source, f"negative {neg.id}"
        if src.document not in docs and loaded.is_failed(src.document, "documents"):
            pass
        elif src.document not in docs:
            problems.append(Problem(neg.where.file, neg.where.line_of("source", "document"), label,
                                    f"source document '{src.document}' is not known{suggest(src.document, docs)}"))
        elif src.task is not None and f"{src.document}/{src.task}" not in corpus.entries \
                and not loaded.is_failed(f"{src.document}/{src.task}", "tasks"):
            problems.append(Problem(neg.where.file, neg.where.line_of("source", "task"), label,
                                    f"source task {src.task} is not a task of {src.document}"))
        if src.task is None and src.section is None:
            problems.append(Problem(neg.where.file, neg.where.line_of("source"), label,
                                    "source needs a task number or a section"))
    for case in corpus.of_kind("case"):
        rec = case.record
        if rec.document not in docs and not loaded.is_failed(rec.document, "documents"):
            problems.append(Problem(case.where.file, case.where.line_of("document"), f"case {case.id}",
                                    f"document '{rec.document}' is not known{suggest(rec.document, docs)}"))
        problems += _check_sequence(case, [s.number for s in rec.sections], ("sections",), "section")
        for si, s in enumerate(rec.sections):
            problems += _check_sequence(case, [m.number for m in s.measures], ("sections", si, "measures"),
                                        f"section {s.number}: measure")
    for form in corpus.of_kind("form"):
        if form.record.document in docs or not loaded.is_failed(form.record.document, "documents"):
            problems += _check_form(corpus, form, docs)
    templates = [f for f in corpus.of_kind("form") if f.record.case_template]
    for extra in templates[1:]:
        problems.append(Problem(extra.where.file, extra.where.line_of("case_template"), f"form {extra.id}",
                                f"only one form can be the case template (already {templates[0].id})"))
    if corpus.of_kind("case") and templates and templates[0].record.format != "docx":
        problems.append(Problem(templates[0].where.file, templates[0].where.line, f"form {templates[0].id}",
                                "the case template must be a docx form"))
    if corpus.of_kind("case") and not templates:
        first = corpus.of_kind("case")[0]
        problems.append(Problem(first.where.file, first.where.line, f"case {first.id}",
                                "cases are offered as .docx in a case template: mark one docx form "
                                "'case_template: true'"))
    for doc_id, (doc, where) in docs.items():
        for i, att in enumerate(doc.attachments):
            line = where.line_of("attachments", i)
            if att.form and (att.form not in corpus.entries or corpus[att.form].kind != "form") \
                    and not loaded.is_failed(att.form, "forms"):
                problems.append(Problem(where.file, line, f"document {doc_id}",
                                        f"attachment {att.number}: form '{att.form}' is not known"
                                        f"{suggest(att.form, [f.id for f in corpus.of_kind('form')])}"))
            if att.projects and not corpus.items_of_list(att.projects) and "projects" not in loaded.broken_kinds \
                    and not any(r.startswith(f"{att.projects}/") for r in loaded.failed_refs):
                problems.append(Problem(where.file, line, f"document {doc_id}",
                                        f"attachment {att.number}: project list '{att.projects}' has no items"))
    return problems


def _check_sequence(entry: Entry, numbers: list[int], path: tuple, what: str) -> list[Problem]:
    expected = list(range(1, len(numbers) + 1))
    if numbers == expected:
        return []
    return [Problem(entry.where.file, entry.where.line_of(*path), f"{entry.kind} {entry.id}",
                    f"{what} numbers are {numbers}; number them 1 to {len(numbers)} in order")]


def _check_form(corpus: Corpus, form: Entry, docs) -> list[Problem]:
    rec: Form = form.record
    label, where, problems = f"form {form.id}", form.where, []
    if rec.document not in docs:
        return [Problem(where.file, where.line_of("document"), label,
                        f"document '{rec.document}' is not known{suggest(rec.document, docs)}")]
    doc = docs[rec.document][0]
    att = next((a for a in doc.attachments if a.number == rec.attachment), None)
    if att is None:
        problems.append(Problem(where.file, where.line_of("attachment"), label,
                                f"{rec.document} has no attachment {rec.attachment}"))
    elif att.form != rec.id:
        problems.append(Problem(where.file, where.line_of("attachment"), label,
                                f"attachment {rec.attachment} of {rec.document} is '{att.form}', not this form"))
    if rec.format == "docx" and not rec.blocks:
        problems.append(Problem(where.file, where.line, label, "a docx form needs 'blocks'"))
    if rec.format == "xlsx" and rec.sheet is None:
        problems.append(Problem(where.file, where.line, label, "an xlsx form needs a 'sheet'"))
    if rec.sheet:
        available = {"pilot_types": bool(doc.pilot_types), "case_types": bool(doc.case_types),
                     "projects": any(a.projects for a in doc.attachments)}
        for i, col in enumerate(rec.sheet.columns):
            if col.options_from and not available[col.options_from]:
                problems.append(Problem(where.file, where.line_of("sheet", "columns", i), label,
                                        f"column {col.name}: {rec.document} has no {col.options_from} to offer"))
        if rec.sheet.quota_check and not doc.quotas:
            problems.append(Problem(where.file, where.line_of("sheet", "quota_check"), label,
                                    f"quota_check needs quotas in {rec.document}"))
    styles = {s.name for s in rec.styles}
    for i, block in enumerate(rec.blocks):
        if getattr(block, "style", None) and block.style not in styles:
            problems.append(Problem(where.file, where.line_of("blocks", i), label,
                                    f"style '{block.style}' is not in this form's styles{suggest(block.style, styles)}"))
    return problems


def _check_glossary_and_tags(corpus: Corpus, loaded: Loaded) -> list[Problem]:
    problems, spelled = [], {}
    docs = {e.id for e in corpus.of_kind("document")}
    for term, where, _ in loaded.of("glossary"):
        for name in [term.term, *term.aliases]:
            if name in spelled:
                problems.append(Problem(where.file, where.line, f"term {term.id}",
                                        f"'{name}' is already a term or alias of {spelled[name]}"))
            spelled.setdefault(name, term.id)
        for i, src in enumerate(term.sources):
            if src not in docs and not loaded.is_failed(src, "documents"):
                problems.append(Problem(where.file, where.line_of("sources", i), f"term {term.id}",
                                        f"source '{src}' is not a document id{suggest(src, docs)}"))
    names: dict[str, int] = {}
    for tag, where, _ in loaded.of("tags"):
        if tag.name in names:
            problems.append(Problem(where.file, where.line, f"tag {tag.name}",
                                    f"duplicate tag (first at line {names[tag.name]})"))
        names.setdefault(tag.name, where.line)
    return problems


def _label(entry: Entry) -> str:
    if entry.kind in ("task", "project"):
        return f"{entry.kind} {entry.number}"
    if entry.kind == "measure":
        return f"case {entry.parent}"
    return f"{entry.kind} {entry.id}"
