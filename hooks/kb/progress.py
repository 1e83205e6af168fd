"""Progress reported on the tasks: each unit's reports over time, the latest status, summaries.

Pure functions of the corpus (progress entries are records of the kind 'progress', children of
their task; kb.kinds builds them from data/progress/). A task's status is its lead unit's latest
report (the list names the first unit the lead: 排名第一的为牵头责任单位); a unit's status on a
task is its own latest report; where nothing is reported the status is 未填报.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .corpus import Corpus, Entry
from .models import PROGRESS_STATUSES

NOT_REPORTED = "未填报"
STATUSES = (*PROGRESS_STATUSES, NOT_REPORTED)  # the order of every summary
# A class per status for the badges (kb.css), so colour is not the only cue: the word is always shown.
STATUS_CLASSES = {"未启动": "kb-st-none", "推进中": "kb-st-doing", "已完成": "kb-st-done", "长期坚持": "kb-st-ongoing",
                  NOT_REPORTED: "kb-st-missing"}


@dataclass(frozen=True)
class UnitReports:
    unit: Entry                    # a responsible unit of the task
    lead: bool
    reports: tuple[Entry, ...]     # its progress entries, oldest first

    @property
    def latest(self) -> Entry | None:
        return self.reports[-1] if self.reports else None

    @property
    def status(self) -> str:
        return self.latest.record.status if self.latest else NOT_REPORTED


@lru_cache(maxsize=1)  # per corpus: one only, or `make serve` would keep old corpora alive
def _reports(corpus: Corpus) -> dict[str, dict[str, tuple[Entry, ...]]]:
    """task id → unit name → its progress entries, oldest first (one pass over the corpus, cached)."""
    out: dict[str, dict[str, list[Entry]]] = {}
    for e in corpus.of_kind("progress"):
        out.setdefault(e.parent or "", {}).setdefault(e.record.unit, []).append(e)
    return {task: {unit: tuple(sorted(es, key=lambda e: e.record.date)) for unit, es in units.items()}
            for task, units in out.items()}


@lru_cache(maxsize=1)
def lists_with_progress(corpus: Corpus) -> frozenset[str]:
    """The task lists any progress is reported on."""
    return frozenset(corpus[e.parent or ""].list or "" for e in corpus.of_kind("progress"))


def reports_of_task(corpus: Corpus, task: Entry) -> list[UnitReports]:
    """Each responsible unit of the task (the lead first) with its reports."""
    by_unit = _reports(corpus).get(task.id, {})
    return [UnitReports(u, i == 0, by_unit.get(u.record.name, ())) for i, u in enumerate(corpus.units_of_task(task.id))]


def task_status(corpus: Corpus, task: Entry) -> str:
    """The lead unit's latest status, or 未填报."""
    lead = task.record.units[0]
    reports = _reports(corpus).get(task.id, {}).get(lead, ())
    return str(reports[-1].record.status) if reports else NOT_REPORTED


def unit_status(corpus: Corpus, task: Entry, unit: Entry) -> UnitReports:
    """One unit's reports on one task."""
    reports = _reports(corpus).get(task.id, {}).get(unit.record.name, ())
    return UnitReports(unit, task.record.units[0] == unit.record.name, reports)


def last_reported(corpus: Corpus, tasks: Iterable[Entry]) -> str | None:
    """The latest report date on these tasks (YYYY-MM-DD), or None."""
    table = _reports(corpus)
    dates = [es[-1].record.date for t in tasks for es in table.get(t.id, {}).values()]
    return max(dates) if dates else None


def counts(statuses: Iterable[str]) -> list[tuple[str, int]]:
    """(status, count) in STATUSES order, every status (a count may be 0)."""
    counted = Counter(statuses)
    return [(s, counted.get(s, 0)) for s in STATUSES]


@dataclass(frozen=True)
class ListProgress:
    """A task list's progress: the status of each task and the summaries the list page shows."""

    statuses: dict[str, str]                        # task id → status
    total: list[tuple[str, int]]                    # tasks by status
    by_section: list[tuple[str, list[tuple[str, int]]]]  # section number → tasks by status
    by_unit: list[tuple[Entry, list[tuple[str, int]]]]   # unit → its (task, unit) pairs by the unit's status
    reported: int                                   # tasks with a report from their lead unit
    entries: int                                    # progress entries on the list's tasks
    last: str | None                                # the latest report date

    @property
    def any(self) -> bool:
        return self.entries > 0


def list_progress(corpus: Corpus, tasks: list[Entry], sections: list[str]) -> ListProgress:
    table = _reports(corpus)
    statuses = {t.id: task_status(corpus, t) for t in tasks}
    by_section = [(s, counts(statuses[t.id] for t in tasks if t.record.section == s)) for s in sections]
    per_unit: dict[str, list[str]] = {}
    units: dict[str, Entry] = {}
    for t in tasks:
        for u in corpus.units_of_task(t.id):
            units.setdefault(u.id, u)
            per_unit.setdefault(u.id, []).append(unit_status(corpus, t, u).status)
    return ListProgress(statuses, counts(statuses.values()), by_section,
                        [(units[k], counts(v)) for k, v in per_unit.items()],
                        sum(1 for s in statuses.values() if s != NOT_REPORTED),
                        sum(len(es) for t in tasks for es in table.get(t.id, {}).values()),
                        last_reported(corpus, tasks))
