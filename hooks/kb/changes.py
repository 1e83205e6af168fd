"""What a change of the data changes: the records whose pages must be made again (`make serve`).

A record page shows its own record and some others: the items before and after it in its list, the
records it links to and that link to it, a task's units and a unit's tasks, the negative-list entries
of a task's list. So when records change (a different object after kb.assemble reused the unchanged
ones), the pages to make again are theirs and those of the records around them, in the data before
and after the change. A change this does not follow (a document, a term, a case, a form: they reach
many pages) gives None: every page is made again. tests/test_serve.py compares the result with a
full build.
"""
from __future__ import annotations

from collections.abc import Iterable

from .corpus import Corpus, Entry
from .pages import Page, Reuse

FOLLOWED = {"task", "project", "unit", "negative", "progress"}
# Pages made again on every rebuild: few, and each shows records of many kinds (a form's page its
# document's project list, a term's page the records that use it).
ALWAYS_MADE = {"form", "case"}


def changed_ids(old: Corpus, new: Corpus) -> set[str]:
    """Records added, removed or changed (kb.assemble keeps an unchanged record the same object)."""
    out = {i for i, e in new.entries.items() if old.entries.get(i) is not e}
    return out | (set(old.entries) - set(new.entries))


def affected(old: Corpus, new: Corpus) -> set[str] | None:
    """Ids of the records whose pages may show something that changed; None: any page may."""
    changed = changed_ids(old, new)
    if old.tags != new.tags or old.search_aliases != new.search_aliases:
        return None
    out = set(changed)
    # A term's page lists the records that use it: a record that changed and holds a term's name, before or
    # after, touches that term's page.
    names = {t.id: [t.record.term, *t.record.aliases] for t in new.of_kind("term")}
    for entry_id in changed:
        for corpus in (old, new):
            e = corpus.entries.get(entry_id)
            if e is not None:
                out |= {term for term, ns in names.items() if any(n in e.text for n in ns)}
    plans = {d.id for c in (old, new) for d in c.of_kind("document") if d.record.kind == "总体方案"}
    for entry_id in changed:
        for corpus in (old, new):
            e = corpus.entries.get(entry_id)
            if e is None:
                continue
            if e.kind not in FOLLOWED:
                return None
            out |= _ids(corpus.related(e.id))
            if e.list:  # neighbours, the list's items that show the list, and its document's page
                out |= _ids(corpus.items_of_list(e.list)) | {e.list}
            if e.kind == "task":
                out |= _ids(corpus.units_of_task(e.id))
            elif e.kind == "unit":
                lead, support = corpus.tasks_of_unit(e.id)
                out |= _ids(lead) | _ids(support)
            elif e.kind == "negative":  # a task page shows its list's negatives and the national plan's
                for document in {s.document for s in e.record.sources}:
                    if document in plans:
                        return None
                    out |= _ids(corpus.items_of_list(document)) | {document}
            elif e.kind == "progress":  # shown on its task's page and list; its list's units show their status
                task = corpus.entries.get(e.parent or "")
                if task is not None and task.list:
                    tasks = corpus.items_of_list(task.list)
                    out |= {task.id, task.list} | _ids(tasks)
                    for t in tasks:
                        if t.kind == "task":
                            out |= _ids(corpus.units_of_task(t.id))
    return out


def reuse(previous: dict[str, Page], old: Corpus, new: Corpus) -> Reuse | None:
    """kb.pages.all_pages' `reuse`: the previous page of a path whose records did not change; None when
    every page must be made anew."""
    touched = affected(old, new)
    if touched is None:
        return None

    def again(path: str, ids: Iterable[str]) -> Page | None:
        page = previous.get(path)
        if page is None or page.entry is not None and new.entries[page.entry].kind in ALWAYS_MADE:
            return None
        return page if touched.isdisjoint(ids) else None
    return again


def _ids(entries: Iterable[Entry]) -> set[str]:
    """The records' ids, and their parents' (a case measure is shown on its case's page)."""
    out = set()
    for e in entries:
        out.add(e.id)
        if e.parent:
            out.add(e.parent)
    return out
