"""Cross-record rules: one function per rule, each yielding the problems it finds.

A record's own shape is checked by its model (kb.models, through kb.validate); the rules
here need other records. Each takes the Check (corpus, loaded files, documents by id)
and yields Problems; `run_all` runs every function in RULES. A reference to something
that failed to load is not reported again: the cause already is (`Loaded.is_failed`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .corpus import Corpus, Entry
from .load import Problem
from .validate import suggest

if TYPE_CHECKING:
    from .models import Document
    from .validate import Loaded, Where

Problems = Iterator[Problem]


# A link written in data: (the entry it is written on, its index in `links`, its target, why it is refused or None).
Verdict = tuple[Entry, int, str, "str | None"]


@dataclass(frozen=True)
class Check:
    corpus: Corpus
    loaded: Loaded
    docs: Mapping[str, tuple[Document, Where]]  # the first document of each id
    verdicts: Sequence[Verdict]                 # link_verdicts, made once for the link graph and check_links


def label(entry: Entry) -> str:
    """How a record is named in messages: 'task 44', 'unit 县教育局', 'case c-1' (for its measures)."""
    from .kinds import KINDS
    return KINDS[entry.kind].message_name(entry)


def _problem(entry: Entry, line: int, message: str, name: str | None = None) -> Problem:
    return Problem(entry.where.file, line, name or label(entry), message)


# --- links: which links are kept and why the others are not --------------------------------------

def _target_failed(loaded: Loaded, target: str, lists: set[str]) -> bool:
    """A link target that failed to load is not reported again. 'LIST/N' is a task or project of a
    document's list; any other 'CASE/S-M' is a measure of a case."""
    head, _, tail = target.partition("/")
    if not tail:
        return loaded.is_failed(target, "documents", "negative", "glossary", "units", "forms", "cases")
    if head in lists or loaded.is_failed(head, "documents"):
        return loaded.is_failed(target, "tasks", "projects")
    return loaded.is_failed(f"{head}/*", "cases") or loaded.is_failed(head, "cases")


_HAS_LINKS: dict[type, bool] = {}  # record model → whether it has a `links` field


def link_verdicts(entries: Mapping[str, Entry], loaded: Loaded) -> Iterator[Verdict]:
    """Every link written in data as (entry, index, target, why it is refused or None)."""
    pairs: set[tuple[str, str]] = set()
    lists = {doc.id for doc, _, _ in loaded.of("documents")}
    for entry in entries.values():
        # (asked of the model's class: a pydantic model answers a field it lacks slowly, with an exception)
        model = type(entry.record)
        has = _HAS_LINKS.get(model)
        if has is None:
            has = _HAS_LINKS[model] = "links" in getattr(model, "model_fields", {})
        if not has or not entry.record.links:
            continue
        for i, target in enumerate(entry.record.links):
            source_tasks = ({f"{s.document}/{s.task}" for s in entry.record.sources if s.task is not None}
                            if entry.kind == "negative" else set())
            if target == entry.id:
                yield entry, i, target, f"links to itself ('{target}'); remove it"
            elif target not in entries:
                yield entry, i, target, ("" if _target_failed(loaded, target, lists) else
                                         f"link to missing record '{target}'{suggest(target, entries)}")
            elif target in source_tasks:
                yield entry, i, target, (f"links to its source task '{target}', which is already linked through "
                                         "its sources; remove it from links")
            elif (entry.id, target) in pairs:
                yield entry, i, target, f"links to '{target}' twice"
            elif (target, entry.id) in pairs:
                other = entries[target].where
                yield entry, i, target, (f"link to '{target}' is also written the other way (at {other.file}:"
                                         f"{other.line}); store a link once, the reverse is derived")
            else:
                pairs.add((entry.id, target))
                yield entry, i, target, None


def valid_links(entries: Mapping[str, Entry], verdicts: Sequence[Verdict]) -> Iterator[tuple[str, str]]:
    """The link graph: the links written in data that pass (`verdicts`: link_verdicts), then each prohibition's
    links to its source tasks."""
    for entry, _, target, refused in verdicts:
        if refused is None:
            yield entry.id, target
    for neg in entries.values():
        if neg.kind == "negative":
            tasks = [f"{s.document}/{s.task}" for s in neg.record.sources if s.task is not None]
            for task in dict.fromkeys(tasks):
                if task in entries:
                    yield neg.id, task


def check_links(c: Check) -> Problems:
    """Links point at other existing records, once, in one direction."""
    for entry, i, _, refused in c.verdicts:
        if refused:
            yield _problem(entry, entry.where.line_of("links", i), refused)


# --- the rules --------------------------------------------------------------------------------

def check_number_order(c: Check) -> Problems:
    """Projects and tasks keep their source's order: numbers ascend within a list."""
    for data, word in (("projects", "project"), ("tasks", "task")):
        last: dict[str, int] = {}
        seen: set[tuple[str, int]] = set()
        record: Any  # a Project or a Task
        for record, where, context in c.loaded.of(data):
            list_id = context["list"]
            if list_id not in c.docs or (list_id, record.number) in seen:
                continue  # reported while building: an unknown list, a repeated number
            seen.add((list_id, record.number))
            if list_id in last and record.number < last[list_id]:
                yield Problem(where.file, where.line_of("number"), f"{word} {record.number}",
                              f"number {record.number} comes after {last[list_id]}; keep the source's order")
            last[list_id] = record.number


def check_unit_names(c: Check) -> Problems:
    """A unit's name is unique within its region."""
    for unit in c.corpus.of_kind("unit"):
        first = c.corpus.units_by_name[(unit.record.region, unit.record.name)]
        if first is not unit:
            yield _problem(unit, unit.where.line_of("name"), f"duplicate unit name in {unit.record.region} "
                           f"(already at {first.where.file}:{first.where.line})", f"unit {unit.record.name}")


def check_unit_aliases(c: Check) -> Problems:
    """A unit's other name is not the name of another unit of its region (it would find the wrong one)."""
    for unit in c.corpus.of_kind("unit"):
        local = c.corpus.units_of_region(unit.record.region)
        for i, alias in enumerate(unit.record.aliases):
            if alias in local and local[alias] is not unit:
                yield _problem(unit, unit.where.line_of("aliases", i),
                               f"alias '{alias}' is the name of another unit of {unit.record.region}; remove it")


def check_search_aids(c: Check) -> Problems:
    """A search aid's typed form differs from what it finds (it would find only itself)."""
    for aids, where, _ in c.loaded.of("search"):
        for i, alias in enumerate(aids.aliases):
            for t in alias.typed:
                if t in alias.finds:
                    yield Problem(where.file, where.line_of("aliases", i), "search",
                                  f"alias '{t}' is typed and found alike; remove it from one of the lists")


def check_task_units(c: Check) -> Problems:
    """A task's responsible units are known units of its list's region, each named once."""
    for task in c.corpus.of_kind("task"):
        names = task.record.units
        region = c.corpus.document(task.list or "").region
        local = c.corpus.units_of_region(region)
        for i, name in enumerate(names):
            if name not in local:
                if c.loaded.is_failed(name, "units"):
                    continue
                spelled = [u.record.name for u in local.values() if name in u.record.source_spellings]
                hint = f" (the source's spelling of {spelled[0]}; use that name)" if spelled else suggest(name, local)
                yield _problem(task, task.where.line_of("units", i),
                               f"unit '{name}' is not a known unit of {region}{hint}")
            elif names.index(name) != i:
                yield _problem(task, task.where.line_of("units", i), f"unit '{name}' is listed twice")


def check_negative_sources(c: Check) -> Problems:
    """Each source of a prohibition cites a known document, and a task of it or a section; no source twice."""
    for neg in c.corpus.of_kind("negative"):
        seen: dict[tuple[str, int | None, str | None], int] = {}
        for i, src in enumerate(neg.record.sources):
            if src.document not in c.docs:
                if not c.loaded.is_failed(src.document, "documents"):
                    yield _problem(neg, neg.where.line_of("sources", i, "document"),
                                   f"source document '{src.document}' is not known{suggest(src.document, c.docs)}")
            elif src.task is not None and f"{src.document}/{src.task}" not in c.corpus.entries \
                    and not c.loaded.is_failed(f"{src.document}/{src.task}", "tasks"):
                yield _problem(neg, neg.where.line_of("sources", i, "task"),
                               f"source task {src.task} is not a task of {src.document}")
            if src.task is None and src.section is None:
                yield _problem(neg, neg.where.line_of("sources", i), "a source needs a task number or a section")
            key = (src.document, src.task, src.section)
            if key in seen:
                yield _problem(neg, neg.where.line_of("sources", i),
                               f"source {i + 1} repeats source {seen[key] + 1}; remove it")
            seen.setdefault(key, i)


def check_negative_words(c: Check) -> Problems:
    """One prohibition is one entry: no two entries say it in the same words (punctuation, width and quotes
    aside). A `title` is words of its text, and headings tell entries apart."""
    from .corpus import plain, same_words
    by_words: dict[str, Entry] = {}
    by_title: dict[str, Entry] = {}
    for neg in c.corpus.of_kind("negative"):
        rec = neg.record
        words = same_words(rec.text)
        if words in by_words:
            first = by_words[words]
            yield _problem(neg, neg.where.line_of("text"),
                           f"states the same prohibition as negative {first.id} (at {first.where.file}:"
                           f"{first.where.line}) in the same words; add this entry's sources to {first.id}'s "
                           "sources and remove this entry")
            continue
        by_words[words] = neg
        if rec.title is not None and plain(rec.title) not in plain(rec.text):
            yield _problem(neg, neg.where.line_of("title"),
                           f"title '{rec.title}' is not words of its text; copy the words exactly")
        elif neg.title in by_title:
            other = by_title[neg.title]
            yield _problem(neg, neg.where.line_of("title") if rec.title else neg.where.line,
                           f"heading '{neg.title}' is also the heading of negative {other.id} (at {other.where.file}:"
                           f"{other.where.line}); write a 'title' (words of its text) that tells them apart")
        by_title.setdefault(neg.title, neg)


def _sequence(entry: Entry, numbers: list[int], path: tuple[Any, ...], what: str) -> Problems:
    expected = list(range(1, len(numbers) + 1))
    if numbers != expected:
        yield Problem(entry.where.file, entry.where.line_of(*path), f"{entry.kind} {entry.id}",
                      f"{what} numbers are {numbers}; number them 1 to {len(numbers)} in order")


def check_cases(c: Check) -> Problems:
    """A case cites a known document; its sections and their measures are numbered 1, 2, 3 …"""
    for case in c.corpus.of_kind("case"):
        rec = case.record
        if rec.document not in c.docs and not c.loaded.is_failed(rec.document, "documents"):
            yield _problem(case, case.where.line_of("document"),
                           f"document '{rec.document}' is not known{suggest(rec.document, c.docs)}")
        yield from _sequence(case, [s.number for s in rec.sections], ("sections",), "section")
        for si, s in enumerate(rec.sections):
            yield from _sequence(case, [m.number for m in s.measures], ("sections", si, "measures"),
                                 f"section {s.number}: measure")


def check_forms(c: Check) -> Problems:
    """A form is an attachment of its document, has what its format needs, and names its own styles."""
    for form in c.corpus.of_kind("form"):
        rec, where = form.record, form.where
        if rec.document not in c.docs:
            if not c.loaded.is_failed(rec.document, "documents"):
                yield _problem(form, where.line_of("document"),
                               f"document '{rec.document}' is not known{suggest(rec.document, c.docs)}")
            continue
        doc = c.docs[rec.document][0]
        att = next((a for a in doc.attachments if a.number == rec.attachment), None)
        if att is None:
            yield _problem(form, where.line_of("attachment"), f"{rec.document} has no attachment {rec.attachment}")
        elif att.form != rec.id:
            yield _problem(form, where.line_of("attachment"),
                           f"attachment {rec.attachment} of {rec.document} is '{att.form}', not this form")
        if rec.format == "docx" and not rec.blocks:
            yield _problem(form, where.line, "a docx form needs 'blocks'")
        if rec.format == "xlsx" and rec.sheet is None:
            yield _problem(form, where.line, "an xlsx form needs a 'sheet'")
        if rec.sheet:
            available = {"pilot_types": bool(doc.pilot_types), "case_types": bool(doc.case_types),
                         "projects": any(a.projects for a in doc.attachments)}
            for i, col in enumerate(rec.sheet.columns):
                if col.options_from and not available[col.options_from]:
                    yield _problem(form, where.line_of("sheet", "columns", i),
                                   f"column {col.name}: {rec.document} has no {col.options_from} to offer")
            if rec.sheet.quota_check and not doc.quotas:
                yield _problem(form, where.line_of("sheet", "quota_check"),
                               f"quota_check needs quotas in {rec.document}")
        styles = {s.name for s in rec.styles}
        for i, block in enumerate(rec.blocks):
            if getattr(block, "style", None) and block.style not in styles:
                yield _problem(form, where.line_of("blocks", i),
                               f"style '{block.style}' is not in this form's styles{suggest(block.style, styles)}")


def check_case_template(c: Check) -> Problems:
    """Exactly one docx form is the case template when there are cases."""
    templates = [f for f in c.corpus.of_kind("form") if f.record.case_template]
    for extra in templates[1:]:
        yield _problem(extra, extra.where.line_of("case_template"),
                       f"only one form can be the case template (already {templates[0].id})")
    cases = c.corpus.of_kind("case")
    if cases and templates and templates[0].record.format != "docx":
        yield _problem(templates[0], templates[0].where.line, "the case template must be a docx form")
    if cases and not templates:
        yield _problem(cases[0], cases[0].where.line, "cases are offered as .docx in a case template: mark one "
                       "docx form 'case_template: true'")


def check_attachments(c: Check) -> Problems:
    """A document's attachments name known forms and project lists that have items."""
    forms = c.corpus.of_kind("form")
    for doc_id, (doc, where) in c.docs.items():
        for i, att in enumerate(doc.attachments):
            line, name = where.line_of("attachments", i), f"document {doc_id}"
            if att.form and (att.form not in c.corpus.entries or c.corpus[att.form].kind != "form") \
                    and not c.loaded.is_failed(att.form, "forms"):
                yield Problem(where.file, line, name, f"attachment {att.number}: form '{att.form}' is not known"
                              f"{suggest(att.form, [f.id for f in forms])}")
            if att.projects and not c.corpus.items_of_list(att.projects) and "projects" not in c.loaded.broken_kinds \
                    and not any(r.startswith(f"{att.projects}/") for r in c.loaded.failed_refs):
                yield Problem(where.file, line, name,
                              f"attachment {att.number}: project list '{att.projects}' has no items")


def check_terms(c: Check) -> Problems:
    """A spelling names one term; a term's sources are known documents."""
    spelled: dict[str, str] = {}
    for term in c.corpus.of_kind("term"):
        for name in [term.record.term, *term.record.aliases]:
            if name in spelled:
                yield _problem(term, term.where.line, f"'{name}' is already a term or alias of {spelled[name]}")
            spelled.setdefault(name, term.id)
        for i, src in enumerate(term.record.sources):
            if src not in c.docs and not c.loaded.is_failed(src, "documents"):
                yield _problem(term, term.where.line_of("sources", i),
                               f"source '{src}' is not a document id{suggest(src, c.docs)}")


def check_tags(c: Check) -> Problems:
    """A tag's name is used once."""
    names: dict[str, int] = {}
    for tag, where, _ in c.loaded.of("tags"):
        if tag.name in names:
            yield Problem(where.file, where.line, f"tag {tag.name}", f"duplicate tag (first at line {names[tag.name]})")
        names.setdefault(tag.name, where.line)


def check_item_titles(c: Check) -> Problems:
    """A project's or task's title is unique within its list; a `title` not marked editorial is words of its text."""
    from .corpus import plain
    first: dict[tuple[str, str, str], Entry] = {}
    for entry in (*c.corpus.of_kind("project"), *c.corpus.of_kind("task")):
        rec = entry.record
        if rec.title is None and rec.title_editorial:
            yield _problem(entry, entry.where.line_of("title_editorial"),
                           "title_editorial is set but there is no title; write a title or remove it")
        elif rec.title is not None and not rec.title_editorial and plain(rec.title) not in plain(rec.text):
            yield _problem(entry, entry.where.line_of("title"),
                           f"title '{rec.title}' is not words of its text; copy the words exactly, or mark an "
                           "editor's title 'title_editorial: true'")
        short = entry.title.split("　", 1)[-1]  # without 任务N/项目N, which always differ
        key = (entry.kind, entry.list or "", short)
        if key in first:
            other = first[key]
            yield _problem(entry, entry.where.line_of("title") if rec.title else entry.where.line,
                           f"title '{short}' is also the title of {label(other)} (at {other.where.file}:"
                           f"{other.where.line}); write a 'title' that tells them apart")
        first.setdefault(key, entry)


RULES: tuple[Callable[[Check], Problems], ...] = (
    check_number_order, check_unit_names, check_unit_aliases, check_search_aids, check_task_units, check_links,
    check_negative_sources, check_negative_words, check_cases, check_forms, check_case_template, check_attachments,
    check_terms, check_tags, check_item_titles)


def run_all(corpus: Corpus, loaded: Loaded, docs: Mapping[str, tuple[Document, Where]],
            verdicts: Sequence[Verdict]) -> list[Problem]:
    check = Check(corpus, loaded, docs, verdicts)
    return [problem for rule in RULES for problem in rule(check)]
