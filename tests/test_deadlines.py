"""完成时限 as data (issue 16): every deadline of the data read into its typed form, the text kept verbatim,
lists sorted and filtered by it. (Texts the reader refuses, with their exact messages: tests/bad_inputs.yml.)"""
from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from kb.deadlines import UNDATED, Deadline, DeadlineError, Stage, parse_deadline

D = dt.date
# Every spelling in data/tasks/, and what it says.
EXPECTED = {
    "长期坚持": Deadline("长期坚持", ongoing=True),
    "2021年开始, 长期坚持": Deadline("2021年开始, 长期坚持", start=2021, ongoing=True),
    "2021年开始,长期坚持": Deadline("2021年开始,长期坚持", start=2021, ongoing=True),
    "2022年开始, 长期坚持": Deadline("2022年开始, 长期坚持", start=2022, ongoing=True),
    "2030年底前": Deadline("2030年底前", due=D(2030, 12, 31)),
    "2025年底前, 长期坚持": Deadline("2025年底前, 长期坚持", due=D(2025, 12, 31), ongoing=True),
    "2022年底前, 长期坚持": Deadline("2022年底前, 长期坚持", due=D(2022, 12, 31), ongoing=True),
    "2022年底前形成阶段性成果,长期坚持": Deadline("2022年底前形成阶段性成果,长期坚持",
                                                  stages=(Stage(D(2022, 12, 31), "形成阶段性成果"),), ongoing=True),
}


def test_every_deadline_in_the_data_reads_as_expected(corpus):
    texts = {t.record.deadline for t in corpus.of_kind("task")}
    assert texts == set(EXPECTED)  # a new spelling in the data gets its line here
    for task in corpus.of_kind("task"):
        assert task.record.due == EXPECTED[task.record.deadline], task.id
        assert task.record.due.text == task.record.deadline  # the source's text, verbatim


def test_spellings_of_one_deadline_are_one_deadline():
    a, b = parse_deadline("2021年开始, 长期坚持"), parse_deadline("2021年开始，长期坚持")
    assert a.canonical == b.canonical == "2021年开始，长期坚持" and a.sort_key == b.sort_key
    assert parse_deadline("2022年底前形成阶段性成果,长期坚持").canonical == "2022年底前形成阶段性成果，长期坚持"
    assert parse_deadline("2025年6月底前").due == D(2025, 6, 30)
    assert parse_deadline("2024年2月底前").due == D(2024, 2, 29)
    assert parse_deadline("2025年6月15日前").canonical == "2025年6月15日前"


def test_deadlines_sort_by_their_first_date_then_ongoing_work_by_its_start():
    ordered = sorted(EXPECTED, key=lambda t: (parse_deadline(t).sort_key, t))
    assert ordered == ["2022年底前, 长期坚持", "2022年底前形成阶段性成果,长期坚持", "2025年底前, 长期坚持", "2030年底前",
                       "2021年开始, 长期坚持", "2021年开始,长期坚持", "2022年开始, 长期坚持", "长期坚持"]
    assert parse_deadline("长期坚持").sort_key > UNDATED
    assert parse_deadline("2030年底前").due_by(D(2031, 1, 1)) and not parse_deadline("长期坚持").due_by(D(2099, 1, 1))


@pytest.mark.parametrize("text, message", [
    ("持续推进", "cannot read '持续推进'; write it like 2021年开始, 2025年底前, 2022年底前形成阶段性成果, 长期坚持"),
    ("2023年开始，2030年底前，近期", "cannot read '近期' (understood: starts 2023, due 2030-12-31); write it like "
                                   "2021年开始, 2025年底前, 2022年底前形成阶段性成果, 长期坚持"),
    ("2025年底前, 2021年底前形成制度", "its dates are not in order (2025-12-31, 2021-12-31) (understood: stage "
                                      "'形成制度' by 2021-12-31, due 2025-12-31); write the earlier first"),
    ("2025年开始, 2022年底前", "is due (2022-12-31) before it starts (2025) (understood: starts 2025, due 2022-12-31)"),
    ("长期坚持, 长期坚持", "says 长期坚持 twice (understood: ongoing); write it like 2021年开始, 2025年底前, "
                          "2022年底前形成阶段性成果, 长期坚持"),
])
def test_unreadable_deadlines_say_what_was_understood(text, message):
    with pytest.raises(DeadlineError) as exc:
        parse_deadline(text)
    assert str(exc.value) == message


def test_the_list_page_sorts_and_filters_by_deadline(site, corpus):
    """The 完成时限 cells carry the sort key (tablesort sorts them as numbers); the options run earliest first."""
    soup = BeautifulSoup((site / "tasks" / "taoyuan-2022" / "index.html").read_text(encoding="utf-8"), "html.parser")
    head = [th for th in soup.select("#kb-tasks thead th") if th.get_text() == "完成时限"][0]
    assert head["data-sort-method"] == "number"
    for tr in soup.select("#kb-tasks tbody tr"):
        task = corpus[f"taoyuan-2022/{tr.td.get_text(strip=True)}"]
        cell = tr.select_one('td[data-label="完成时限"]')
        assert cell.get_text() == task.record.deadline and int(cell["data-sort"]) == task.record.due.sort_key
    options = [o["value"] for o in soup.select("select[data-kb-filter=deadline] option") if o["value"]]
    keys = [parse_deadline(o).sort_key for o in options]
    assert keys == sorted(keys) and keys[0] == 20221231
