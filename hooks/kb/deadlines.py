"""A task's 完成时限, read into a typed form; the text itself stays as the source wrote it.

What the lists write, clause by clause (clauses separated by a comma, a semicolon or 、):

    长期坚持                    ongoing: kept up with no end
    2021年开始 / 2021年起       starts in 2021
    2030年底前                  due by the end of 2030 (also 2025年6月底前, 2025年6月30日前)
    2022年底前形成阶段性成果    a stage: 形成阶段性成果 by the end of 2022

so '2022年底前形成阶段性成果,长期坚持' is a stage and then ongoing work. A text the reader does not
know is refused, saying what it understood (kb.models checks every task's deadline with it).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

ONGOING = "长期坚持"
_CLAUSES = re.compile(r"\s*[,，;；、]\s*")
_START = re.compile(r"(\d{4})年(?:开始|起)")
# A date by which something is done: 2030年底前, 2025年6月底前, 2025年6月30日前 (前 may be left out after 底);
# then what is done by then (a stage). '2030年前' is refused: whether 2030 is included is a guess.
_BY = re.compile(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?(底|末)?(以前|之前|前)?(.*)")
EXAMPLES = "2021年开始, 2025年底前, 2022年底前形成阶段性成果, 长期坚持"
# Sort keys: dated deadlines by their first date (yyyymmdd); ongoing work without a date after every date.
UNDATED = 90_000_000


@dataclass(frozen=True)
class Stage:
    by: dt.date
    what: str      # '形成阶段性成果'; '' for the due date itself

    @property
    def text(self) -> str:
        return f"{_by_text(self.by)}{self.what}"


@dataclass(frozen=True)
class Deadline:
    text: str                    # as the source wrote it
    start: int | None = None     # the year work starts
    due: dt.date | None = None   # the date it is due
    stages: tuple[Stage, ...] = ()
    ongoing: bool = False        # 长期坚持

    @property
    def canonical(self) -> str:
        """The same deadline written one way ('2021年开始，长期坚持'): texts that differ only in spaces and
        commas are one deadline (one filter option on a list page)."""
        parts = ([f"{self.start}年开始"] if self.start else []) + [s.text for s in self.stages]
        parts += [_by_text(self.due)] if self.due else []
        return "，".join(parts + ([ONGOING] if self.ongoing else []))

    @property
    def first_date(self) -> dt.date | None:
        dates = [s.by for s in self.stages] + ([self.due] if self.due else [])
        return min(dates) if dates else None

    @property
    def sort_key(self) -> int:
        """Earliest first: by the first date (stage or due), then ongoing work by the year it starts."""
        first = self.first_date
        if first:
            return first.year * 10_000 + first.month * 100 + first.day
        return UNDATED + (self.start or 9999)

    def due_by(self, day: dt.date) -> bool:
        """True when the due date (or a stage) has passed on `day`."""
        first = self.first_date
        return first is not None and first < day


class DeadlineError(ValueError):
    pass


def _by_text(day: dt.date) -> str:
    if day.month == 12 and day.day == 31:
        return f"{day.year}年底前"
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"{day.year}年{day.month}月底前"
    return f"{day.year}年{day.month}月{day.day}日前"


def _date_of(year: str, month: str | None, day: str | None) -> dt.date:
    y, m = int(year), int(month or 12)
    d = int(day) if day else calendar.monthrange(y, m)[1] if 1 <= m <= 12 else 1
    return dt.date(y, m, d)


def _understood(start: int | None, stages: list[Stage], due: dt.date | None, ongoing: bool) -> str:
    parts = ([f"starts {start}"] if start else []) + [f"stage '{s.what}' by {s.by}" for s in stages]
    parts += ([f"due {due}"] if due else []) + (["ongoing"] if ongoing else [])
    return f" (understood: {', '.join(parts)})" if parts else ""


@lru_cache(maxsize=4096)
def parse_deadline(text: str) -> Deadline:
    """The typed form of a 完成时限, or DeadlineError saying which part could not be read."""
    start: int | None = None
    due: dt.date | None = None
    stages: list[Stage] = []
    ongoing = False
    dates: list[dt.date] = []  # as written
    for clause in _CLAUSES.split(text.strip()):
        if not clause:
            continue
        problem = ""
        by = _BY.fullmatch(clause)
        if by and not (by[4] if not by[3] else by[5]):  # a year or month needs 底 (end of); a day needs 前
            by = None
        if clause == ONGOING:
            problem = "says 长期坚持 twice" if ongoing else ""
            ongoing = True
        elif m := _START.fullmatch(clause):
            problem = f"starts twice ({start}, {m[1]})" if start else ""
            start = start or int(m[1])
        elif by:
            try:
                day = _date_of(by[1], by[2], by[3])
            except ValueError:
                problem = f"'{clause}' is not a real date"
            else:
                what = by[6].strip()
                dates.append(day)
                if what:
                    stages.append(Stage(day, what))
                elif due:
                    problem = f"is due twice ({due}, {day})"
                else:
                    due = day
        elif re.fullmatch(r"\d{4}年(?:以前|之前|前)", clause):
            problem = f"'{clause}' does not say whether that year is included (write {clause[:4]}年底前 or " \
                      f"{int(clause[:4]) - 1}年底前)"
        else:
            problem = f"cannot read '{clause}'"
        if problem:
            raise DeadlineError(f"{problem}{_understood(start, stages, due, ongoing)}; write it like {EXAMPLES}")
    if not (start or due or stages or ongoing):
        raise DeadlineError(f"cannot read '{text}'; write it like {EXAMPLES}")
    if dates != sorted(dates):
        raise DeadlineError(f"its dates are not in order ({', '.join(str(d) for d in dates)})"
                            f"{_understood(start, stages, due, ongoing)}; write the earlier first")
    if start and dates and dates[0].year < start:
        raise DeadlineError(f"is due ({dates[0]}) before it starts ({start})"
                            f"{_understood(start, stages, due, ongoing)}")
    return Deadline(text, start, due, tuple(stages), ongoing)


def readable_deadline(text: str) -> str:
    """The model's check: the text, if it reads as a deadline (kb.models.DeadlineText)."""
    parse_deadline(text)
    return text
