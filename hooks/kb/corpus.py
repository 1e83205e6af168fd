"""The loaded, cross-linked whole: every record as an Entry, and the lookups every consumer asks.

A Corpus is built once (kb.assemble.load_corpus reads, builds, links and checks) and never
changes afterwards: its indexes are built in the constructor. Pages, downloads, search and
export are pure functions of it. What a record kind is lives in kb.kinds; where its pages
are, in kb.routes.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from .models import RESTORE_CLOSE, RESTORE_OPEN, SUBJECTS, Alias, Document, Tag

if TYPE_CHECKING:
    from .validate import Where

# The record kinds (kb.kinds has one row for each). A test may register more at run time.
KindName = Literal["document", "project", "task", "unit", "negative", "case", "measure", "form", "term", "progress"]

SUBJECT_SLUGS = {"党委和政府": "party-government", "学校": "schools", "教师": "teachers", "学生": "students",
                 "用人": "employers", "综合": "general"}


def plain(text: str) -> str:
    """Text as read: restored characters in, markers out."""
    return text.replace(RESTORE_OPEN, "").replace(RESTORE_CLOSE, "")


_NOT_WORD = re.compile(r"[\W_]+")


def same_words(text: str) -> str:
    """Text reduced to its words: width folded (NFKC), punctuation, quotes, spaces and restoration
    marks dropped. Two prohibitions with the same words are one prohibition (kb.checks)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def first_clause(text: str, limit: int = 40) -> str:
    clause = re.split(r"[,，。;；:：]", plain(text), maxsplit=1)[0]
    return clause if len(clause) <= limit else clause[: limit - 1] + "…"


@dataclass(frozen=True)
class Entry:
    """One addressable record, in the shape every consumer needs. Its URL is kb.routes' business."""

    kind: KindName
    id: str
    title: str
    text: str
    subjects: tuple[str, ...]
    record: Any  # the kind's model (kb.kinds.KINDS[kind].model)
    where: Where
    number: int | None = None
    list: str | None = None
    parent: str | None = None  # a measure's case, a progress entry's task

    @property
    def kind_label(self) -> str:
        from .kinds import KINDS  # kinds builds on this module
        return KINDS[self.kind].label


@lru_cache(maxsize=1)  # per corpus (by identity; one only): one pass for every subject (home, hubs, subjects page)
def _by_subject(corpus: Corpus) -> dict[str, dict[str, list[Entry]]]:
    out: dict[str, dict[str, list[Entry]]] = {}
    for e in corpus.entries.values():
        for subject in dict.fromkeys(e.subjects):
            out.setdefault(subject, {}).setdefault(e.kind, []).append(e)
    return out


def _frozen(mapping: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(mapping)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, so derived values can be cached per corpus
class Corpus:
    entries: Mapping[str, Entry]
    links: tuple[tuple[str, str], ...] = ()        # (from, to): stored in data, or derived from a source
    tags: tuple[Tag, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)  # document id → its source copy's text
    search_aliases: tuple[Alias, ...] = ()          # data/search.yml: search aids
    # The indexes, built once below.
    by_kind: Mapping[str, tuple[Entry, ...]] = field(init=False)
    by_list: Mapping[str, tuple[Entry, ...]] = field(init=False)
    by_parent: Mapping[str, tuple[Entry, ...]] = field(init=False)  # a case's measures, a task's progress
    units_by_name: Mapping[tuple[str, str], Entry] = field(init=False)  # (region, name) → unit; the first wins
    _out: Mapping[str, tuple[str, ...]] = field(init=False)
    _in: Mapping[str, tuple[str, ...]] = field(init=False)
    _position: Mapping[str, int] = field(init=False)
    _unit_tasks: Mapping[str, tuple[tuple[Entry, ...], tuple[Entry, ...]]] = field(init=False)
    _negatives: Mapping[tuple[str, str], tuple[Entry, ...]] = field(init=False)  # (subject, document) → entries
    _units_of_region: Mapping[str, Mapping[str, Entry]] = field(init=False)
    _any_keyword: re.Pattern[str] | None = field(init=False)  # any tag's keyword

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        by_kind: dict[str, list[Entry]] = {}
        by_list: dict[str, list[Entry]] = {}
        by_parent: dict[str, list[Entry]] = {}
        negatives: dict[tuple[str, str], list[Entry]] = {}
        units: dict[tuple[str, str], Entry] = {}
        for e in self.entries.values():
            by_kind.setdefault(e.kind, []).append(e)
            if e.list:
                by_list.setdefault(e.list, []).append(e)
            if e.parent:
                by_parent.setdefault(e.parent, []).append(e)
            if e.kind == "negative":
                for subject in e.subjects:
                    for document in dict.fromkeys(s.document for s in e.record.sources):
                        negatives.setdefault((subject, document), []).append(e)
            elif e.kind == "unit":
                units.setdefault((e.record.region, e.record.name), e)
        put("by_kind", _frozen({k: tuple(v) for k, v in by_kind.items()}))
        put("by_list", _frozen({k: tuple(v) for k, v in by_list.items()}))
        keywords = sorted({k for t in self.tags for k in t.keywords}, key=len, reverse=True)
        put("_any_keyword", re.compile("|".join(map(re.escape, keywords))) if keywords else None)
        put("by_parent", _frozen({k: tuple(v) for k, v in by_parent.items()}))
        put("_negatives", _frozen({k: tuple(v) for k, v in negatives.items()}))
        put("units_by_name", _frozen(units))
        of_region: dict[str, dict[str, Entry]] = {}
        for (region, name), unit in units.items():
            of_region.setdefault(region, {})[name] = unit
        put("_units_of_region", _frozen({k: _frozen(v) for k, v in of_region.items()}))
        put("_position", _frozen({e.id: i for i, e in enumerate(self.entries.values())}))
        out: dict[str, list[str]] = {}
        into: dict[str, list[str]] = {}
        for a, b in self.links:
            out.setdefault(a, []).append(b)
            into.setdefault(b, []).append(a)
        put("_out", _frozen({k: tuple(v) for k, v in out.items()}))
        put("_in", _frozen({k: tuple(v) for k, v in into.items()}))
        unit_tasks: dict[str, tuple[list[Entry], list[Entry]]] = {u.id: ([], []) for u in self.of_kind("unit")}
        regions: dict[str, str] = {}  # list id → its document's region
        for task in self.of_kind("task"):
            list_id = task.list or ""
            where = regions.get(list_id)
            if where is None:
                where = regions[list_id] = self.document(list_id).region
            for i, name in enumerate(task.record.units):
                found = units.get((where, name))
                if found is not None:
                    unit_tasks[found.id][0 if i == 0 else 1].append(task)
        put("_unit_tasks", _frozen({k: (tuple(a), tuple(b)) for k, (a, b) in unit_tasks.items()}))

    # --- lookups ------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Entry]:
        return list(self.by_kind.get(kind, ()))

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def document(self, doc_id: str) -> Document:
        record: Document = self.entries[doc_id].record
        return record

    def items_of_list(self, list_id: str) -> list[Entry]:
        return list(self.by_list.get(list_id, ()))

    def children(self, entry_id: str) -> list[Entry]:
        """The records shown inside this record's page: a case's measures, a task's progress entries."""
        return list(self.by_parent.get(entry_id, ()))

    def links_from(self, entry_id: str) -> list[Entry]:
        """Curated links written on this record."""
        return [self.entries[i] for i in self._out.get(entry_id, ())]

    def links_to(self, entry_id: str) -> list[Entry]:
        """Derived reverse links: records whose data link here."""
        return [self.entries[i] for i in self._in.get(entry_id, ())]

    def related(self, entry_id: str) -> list[Entry]:
        """Both directions, each record once, in data order."""
        seen: set[str] = set()
        out: list[Entry] = []
        for e in self.links_from(entry_id) + self.links_to(entry_id):
            if e.id not in seen:
                seen.add(e.id)
                out.append(e)
        return out

    def units_of_task(self, task_id: str) -> list[Entry]:
        task = self.entries[task_id]
        region = self.document(task.list or "").region
        return [self.units_by_name[(region, name)] for name in task.record.units]

    def tasks_of_unit(self, unit_id: str) -> tuple[list[Entry], list[Entry]]:
        """(tasks the unit leads, tasks it supports), in list order."""
        lead, support = self._unit_tasks.get(unit_id, ((), ()))
        return list(lead), list(support)

    def of_subject(self, subject: str) -> dict[str, list[Entry]]:
        """kind → the records of this subject, in corpus order (kinds in the order they first appear)."""
        return {kind: list(es) for kind, es in _by_subject(self).get(subject, {}).items()}

    def negatives_of_subjects(self, subjects: Iterable[str], documents: list[str]) -> list[Entry]:
        """The negative-list entries of these subjects (in SUBJECTS order) cited from these documents."""
        wanted = set(subjects)
        seen: set[str] = set()
        out: list[Entry] = []
        for s in SUBJECTS:
            if s in wanted:
                of_subject = [n for d in documents for n in self._negatives.get((s, d), ())]
                if len(documents) > 1:  # corpus order, whichever document they come from
                    of_subject.sort(key=lambda n: self._position[n.id])
                for n in of_subject:
                    if n.id not in seen:
                        seen.add(n.id)
                        out.append(n)
        return out

    def position(self, entry_id: str) -> int:
        """The record's place in the corpus (data order)."""
        return self._position[entry_id]

    def units_of_region(self, region: str) -> Mapping[str, Entry]:
        """Unit name → unit, for one region (task lists name their units by name)."""
        return self._units_of_region.get(region, {})

    def tags_of(self, entry_id: str) -> list[str]:
        text = self.entries[entry_id].text
        if self._any_keyword is None or not self._any_keyword.search(text):  # most records: one search
            return []
        return [t.name for t in self.tags if any(k in text for k in t.keywords)]

    def counts(self) -> dict[str, int]:
        return {kind: len(entries) for kind, entries in self.by_kind.items()}
