"""Titles of tasks and projects tell the records apart (issue item 1): unique within their list, brackets
balanced, never a bare preamble such as 依据国、省标准; a written `title` is the text's own words unless it is
marked editorial, and an editorial title is marked on its page."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from bad_inputs import CASES, make_case
from kb.assemble import load_corpus
from kb.corpus import plain
from kb.kinds import auto_title
from kb.load import DataError
from kb.routes import url as url_of

PAIRS = {"《": "》", "〈": "〉", "（": "）", "(": ")", "“": "”", "【": "】"}
# The titles issue item 1 names, and the forms like them: grounds or a condition, not what is done.
PREAMBLES = ("落实教育部和省教育厅、市教育局部署要求", "依据国、省标准", "依据国、省、市标准", "对标国家新要求",
             "落实国、省要求", "对教育生态问题突出、造成严重社会影响的")
PREAMBLE_FORM = re.compile(r"(依据|根据|按照|对标)\S*(标准|要求|指标|细则|指南)|落实\S*部署要求|.*的")


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for ch in text:
        if ch in PAIRS:
            stack.append(PAIRS[ch])
        elif ch in PAIRS.values():
            if not stack or stack.pop() != ch:
                return False
    return not stack


def _items(corpus):
    return [e for kind in ("task", "project") for e in corpus.of_kind(kind)]


def _short(entry) -> str:
    return entry.title.split("　", 1)[1]


def test_titles_are_unique_within_their_list(corpus):
    counts = Counter((e.kind, e.list, _short(e)) for e in _items(corpus))
    assert [key for key, n in counts.items() if n > 1] == []


def test_titles_have_balanced_brackets(corpus):
    assert [e.title for e in _items(corpus) if not _balanced(e.title)] == []


def test_no_title_is_a_preamble(corpus):
    bad = [e.title for e in _items(corpus) if _short(e) in PREAMBLES or PREAMBLE_FORM.fullmatch(_short(e))]
    assert bad == []


def test_written_titles_are_the_texts_words_or_marked_editorial(corpus):
    written = [e for e in _items(corpus) if e.record.title]
    assert written, "the real data writes some titles"
    for e in written:
        assert e.record.title_editorial or plain(e.record.title) in plain(e.record.text), e.id


def test_titles_the_issue_names():
    """The examples of issue item 1, through the automatic rule."""
    head = "落实教育部和省教育厅、市教育局部署要求,"
    assert auto_title(head + "研究制定符合幼儿园教师特点的考核评价办法。") == "研究制定符合幼儿园教师特点的考核评价办法"
    assert auto_title("依据国、省标准,完善中小学教师绩效考核办法和绩效工资分配办法,以教师工作实绩为依据。") \
        == "完善中小学教师绩效考核办法和绩效工资分配办法"
    assert auto_title("对教育生态问题突出、造成严重社会影响的,对相关部门和责任人依法依规问责追责。") \
        == "对相关部门和责任人依法依规问责追责"
    assert auto_title("落实国、省要求,结合推进职业教育创新发展高地建设,完善“双师型”教师队伍建设的政策措施。") \
        == "完善“双师型”教师队伍建设的政策措施"
    # A clause that is itself the task stays, though it starts like a preamble.
    assert auto_title("依据国家标准建立健全教育评估监测指标体系,根据需要开展专项教育评估监测。") \
        == "依据国家标准建立健全教育评估监测指标体系"


@pytest.mark.parametrize("text, title", [
    ("落实《常德市中小学德育工作标准化管理体系,推进德育评价方式方法改革。", "落实…"),     # never closed
    ("落实《" + "甲" * 50 + "》,其他。", "落实…"),                                        # cut inside 《…》
    ("全面落实《青少年法治教育大纲》,建立健全评价体系。", "全面落实《青少年法治教育大纲》"),  # closed: kept
    ("指导中职学校完善实习(实训)考核办法,督促学校。", "指导中职学校完善实习(实训)考核办法"),
    ("《" + "乙" * 50, "乙" * 38 + "…"),                                                 # nothing before it
], ids=["never closed", "cut inside", "closed", "ascii parentheses", "bracket first"])
def test_automatic_titles_never_leave_a_bracket_open(text, title):
    assert auto_title(text) == title
    assert _balanced(auto_title(text))


def test_long_clauses_are_cut_at_a_pause_and_marked():
    text = "建立健全党政主要负责同志深入教育一线调研、为师生上思政课、联系学校和年终述职必述教育工作等制度。"
    assert auto_title(text) == "建立健全党政主要负责同志深入教育一线调研、为师生上思政课…"
    assert len(auto_title("丙" * 80)) == 40


def test_editorial_titles_are_marked_on_their_pages(corpus, site):
    items = _items(corpus)
    assert any(e.record.title_editorial for e in items), "the real data has editorial titles"
    for e in items:
        html = site / url_of(e) / "index.html"
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        meta = {dt.get_text(): dt.find_next_sibling("dd") for dt in soup.select(".kb-meta dt")}
        note = soup.select_one(".kb-title-editorial")
        assert (note is not None) == e.record.title_editorial, e.id
        if e.record.title:
            assert meta["标题"].get_text().startswith(_short(e)), e.id
        if note is not None:
            assert note.get_text() == "标题为本库所拟，不是原文" and note.find_parent("dd") is meta["标题"]
        assert soup.find("title").get_text().startswith(e.title), e.id


TITLE_CASES = [c for c in CASES if "title" in c["name"]]


def test_bad_title_cases_are_listed():
    assert {c["name"] for c in TITLE_CASES} >= {"two tasks with the same title", "two written titles alike",
                                                "project title not in its text", "title_editorial without a title"}


@pytest.mark.parametrize("case", TITLE_CASES, ids=[c["name"] for c in TITLE_CASES])
def test_the_rule_reports_bad_titles(case, tmp_path):
    data = make_case(case, tmp_path)
    with pytest.raises(DataError) as exc:
        load_corpus(data, data.parent)
    assert [str(p) for p in exc.value.problems] == case["expected"]


def test_a_title_may_leave_out_restoration_marks(tmp_path):
    case = {"file": "tasks/list-a.yml", "content": (
        "list: list-a\ntasks:\n  - number: 1\n    title: 第一项任务\n    section: 一\n    text: 第一项〖任〗务。\n"
        "    units: [县教育局, 县财政局]\n    deadline: 长期坚持\n  - number: 2\n    section: 二\n"
        "    text: 第二项任务。\n    units: [县财政局]\n    deadline: 2022年底前\n")}
    data = make_case(case, tmp_path)
    corpus = load_corpus(data, data.parent)
    assert corpus["list-a/1"].title == "任务1　第一项任务"
