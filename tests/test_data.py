"""The data: complete, faithful to the sources, and impossible to break silently."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT
from kb.assemble import load_corpus
from kb.corpus import plain, same_words
from kb.load import DataError
from kb.models import RESTORE_CLOSE, RESTORE_OPEN
from kb.schema import write_schemas

SOURCES = ROOT / "data" / "sources"


def as_in_source(text: str) -> str:
    """Text as the source copy has it: restored characters (and their markers) out."""
    return re.sub(f"{RESTORE_OPEN}[^{RESTORE_CLOSE}]*{RESTORE_CLOSE}", "", text)


def squash(text: str) -> str:
    """The copies break lines (and words) anywhere; compare without whitespace."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def source_text(corpus):
    return {d.id: squash(corpus.sources[d.id]) for d in corpus.of_kind("document")}


def test_project_library_has_items_1_to_25(corpus):
    projects = [e for e in corpus.of_kind("project") if e.list == "hubei-2024"]
    assert [e.number for e in projects] == list(range(1, 26))


def test_task_numbers_keep_the_gap_at_30(corpus):
    tasks = [e for e in corpus.of_kind("task") if e.list == "taoyuan-2022"]
    assert [e.number for e in tasks] == list(range(1, 30)) + list(range(31, 68))


def test_every_task_has_units_and_a_deadline(corpus):
    for task in corpus.of_kind("task"):
        assert task.record.units and task.record.deadline.strip(), task.id


def test_sections_map_to_subjects(corpus):
    subject_of = {s.number: s.subject for s in corpus.document("taoyuan-2022").sections}
    assert subject_of == {"一": "党委和政府", "二": "学校", "三": "教师", "四": "学生", "五": "用人", "六": "综合"}
    assert [t.number for t in corpus.of_kind("task") if t.record.section == "五"] == [53, 54, 55, 56, 57]
    assert corpus["taoyuan-2022/44"].subjects == ("学生",)


@pytest.mark.parametrize("kind", ["task", "project", "negative"])
def test_text_occurs_in_its_source(corpus, source_text, kind):
    """Character for character, once restorations (〖县〗) and the copy's line breaks are set aside (a
    prohibition: in its first source; its other sources say it in the same words, punctuation aside)."""
    for entry in corpus.of_kind(kind):
        doc = entry.list or entry.record.sources[0].document
        assert squash(as_in_source(entry.record.text)) in source_text[doc], entry.id


def test_a_prohibition_is_stated_at_each_of_its_sources(corpus):
    """Each source's document says the prohibition in the same words (width, quotes and punctuation aside);
    a source task says it in its own text."""
    for neg in corpus.of_kind("negative"):
        words = same_words(as_in_source(neg.record.text))
        for s in neg.record.sources:
            where = corpus[f"{s.document}/{s.task}"].text if s.task else corpus.sources[s.document]
            assert words in same_words(where), (neg.id, s)


def test_case_text_occurs_in_its_source(corpus, source_text):
    case = corpus["sample-xx"].record
    src = source_text[case.document]
    for text in [case.intro, case.unit, case.title] + [s.heading for s in case.sections]:
        assert squash(text) in src
    for s in case.sections:
        for m in s.measures:
            assert squash(m.label + m.title + m.text) in src, (s.number, m.number)
    assert [len(s.measures) for s in case.sections] == [3, 4, 4, 5, 5]


def test_document_requirements_are_verbatim(corpus, source_text):
    for doc in corpus.of_kind("document"):
        d = doc.record
        quoted = [r.text for r in d.requirements] + [q.text for q in d.quotas] + [w.text for w in d.word_limits] \
            + [t.examples for t in d.topics] + [p.text for p in d.pilot_types]
        for text in quoted:
            assert squash(text) in source_text[doc.id], (doc.id, text)


def test_task_units_and_deadline_come_from_the_task_block(corpus, source_text):
    """Each unit (or the source's dropped-character spelling) and the deadline stand in the task's own block."""
    src = source_text["taoyuan-2022"]
    tasks = corpus.of_kind("task")
    starts = [src.index(squash(as_in_source(t.record.text))) for t in tasks]
    for i, task in enumerate(tasks):
        block = src[starts[i]: starts[i + 1] if i + 1 < len(tasks) else len(src)]
        for unit in corpus.units_of_task(task.id):
            spellings = [unit.record.name, *unit.record.source_spellings]
            assert any(s in block for s in spellings), (task.number, unit.title)
        assert squash(task.record.deadline) in block, task.number


def test_restorations_are_marked_and_recorded(corpus):
    restored = [t for t in corpus.of_kind("task") if "〖" in t.record.text]
    assert {t.number for t in restored} >= {1, 2, 3, 4, 20, 22, 40, 59, 67}
    assert all(re.fullmatch(r"(?:[^〖〗]|〖县〗)+", t.record.text) for t in restored)
    assert plain(corpus["taoyuan-2022/20"].record.text).startswith("依据国家《义务教育质量评价指南》")
    assert "制定出台我县义务教育质量评价实施办法" in corpus["taoyuan-2022/20"].text
    notes = " ".join(corpus.document("taoyuan-2022").notes)
    assert "县委办" in notes and "(31)" in notes and "第30项" in notes


def test_units_are_distinct_and_the_health_bureau_question_is_noted(corpus):
    names = [u.record.name for u in corpus.of_kind("unit")]
    assert len(names) == len(set(names))
    assert {"县卫健委", "县卫健局"} <= set(names)
    assert "县卫健局" in corpus.units_by_name[("湖南省常德市桃源县", "县卫健委")].record.note
    assert corpus.units_of_task("taoyuan-2022/44")[-1].title == "县卫健委"
    assert corpus.units_of_task("taoyuan-2022/65")[-1].title == "县卫健局"
    assert [u.title for u in corpus.units_of_task("taoyuan-2022/4")] == ["县人民政府教育督导室", "县委办"]


def test_negative_list_cites_every_source(corpus):
    negatives = corpus.of_kind("negative")
    sources = [(n, s) for n in negatives for s in n.record.sources]
    by_doc = {}
    for n, s in sources:
        by_doc.setdefault(s.document, []).append((n, s))
    assert len(by_doc["national-plan-2020"]) == 24  # 11 + 9 + 4 entries in the plan's list, each cited once
    assert {s.task for _, s in by_doc["taoyuan-2022"]} >= {7, 8, 9, 10, 11, 12, 16, 18, 51, 54, 55, 56}
    assert by_doc["hubei-2024"] and by_doc["chongqing-cases-2"]
    for n, s in sources:
        assert n.record.kind in ("严格禁止", "克服纠偏", "控制限制")
        if s.task:
            assert corpus.entries[f"{s.document}/{s.task}"].kind == "task"


def test_one_prohibition_is_one_entry(corpus):
    """The 状元 prohibition (tasks 10-12 and the national plan) and the 限制性条件 one (tasks 54-56 and the plan)
    are one entry each, with all their sources; no two entries have the same words."""
    zhuangyuan = corpus["ty-10"].record
    assert [(s.document, s.task) for s in zhuangyuan.sources] == [
        ("taoyuan-2022", 10), ("taoyuan-2022", 11), ("taoyuan-2022", 12), ("national-plan-2020", None)]
    assert [(s.document, s.task) for s in corpus["ty-54"].record.sources] == [
        ("taoyuan-2022", 54), ("taoyuan-2022", 55), ("taoyuan-2022", 56), ("national-plan-2020", None)]
    for gone in ("ty-11", "ty-12", "np-ban-4", "ty-55", "ty-56", "np-ban-11"):
        assert gone not in corpus.entries
    words = [same_words(n.record.text) for n in corpus.of_kind("negative")]
    assert len(words) == len(set(words))
    headings = [n.title for n in corpus.of_kind("negative")]
    assert len(headings) == len(set(headings))
    # each task that states it links to it
    assert {"taoyuan-2022/10", "taoyuan-2022/11", "taoyuan-2022/12"} <= {e.id for e in corpus.related("ty-10")}


def test_curated_cross_references(corpus):
    related = lambda i: {e.id for e in corpus.related(i)}  # noqa: E731
    assert {"taoyuan-2022/44", "sample-xx/4-3"} <= related("hubei-2024/15")
    assert "hubei-2024/15" in related("taoyuan-2022/44") and "sample-xx/4-3" in related("taoyuan-2022/44")
    assert "taoyuan-2022/32" in related("hubei-2024/8")
    assert "taoyuan-2022/34" in related("hubei-2024/10")
    # a prohibition and the task it comes from are linked (derived from its source)
    assert "taoyuan-2022/10" in related("ty-10")
    # project-library items with a counterpart in the task list or the case are all linked
    for n in (1, 2, 3, 8, 9, 10, 14, 15, 16, 17, 18, 21, 22, 23, 24, 25):
        assert corpus.links_from(f"hubei-2024/{n}"), n


def test_every_link_resolves(corpus):
    for a, b in corpus.links:
        assert a in corpus.entries and b in corpus.entries


def test_schema_files_are_fresh(tmp_path):
    stale = write_schemas(ROOT / "data" / "schema", check=True)
    assert stale == [], "run `make schema`"


def test_data_files_name_their_schema():
    for path in sorted((ROOT / "data").rglob("*.yml")):
        if "fixtures" in path.parts:
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert m, path
        assert (path.parent / m.group(1)).resolve().is_file(), path


def test_broken_data_set_gives_exactly_the_expected_messages():
    fixture = ROOT / "tests" / "fixtures" / "broken"
    with pytest.raises(DataError) as exc:
        load_corpus(fixture / "data", fixture)
    expected = (fixture / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in exc.value.problems] == expected


def run_kb(*args):
    env = {"PYTHONPATH": str(ROOT / "hooks"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_cli_validate_and_stats():
    ok = run_kb("validate")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: ")
    bad = run_kb("--data", "tests/fixtures/broken/data", "validate")
    assert bad.returncode == 1
    assert "data/tasks/list-a.yml:6: task 1: unit '县教育' is not a known unit of 测试县 (did you mean 县教育局?)" in bad.stderr
    stats = run_kb("stats")
    assert "重点任务\t66" in stats.stdout and "试点项目\t25" in stats.stdout
