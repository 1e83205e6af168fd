"""The one-pass YAML reading (kb.load._from_events) gives what the reference reading gives (scan, then
PyYAML's composer and constructor: kb.load._load_composed): the same values, the same line of every
mapping, key and list item, and the same error for a broken file."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bad_inputs import CASES, generated
from conftest import ROOT
from kb import load

pytestmark = pytest.mark.skipif(load._CBase is None, reason="libyaml is not available: only one reading")


def _reading(read, text):
    try:
        return "ok", _shape(read(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return "error", (mark.line if mark else None, exc.problem or exc.context)
    except yaml.YAMLError as exc:  # not marked (a reader error): reported as it is
        return "error", str(exc)


def _reference(text):
    """kb.load._load as it was: scan and compose with libyaml, and with the Python parser for a broken file."""
    try:
        return load._load_composed(text, load._CBase)
    except load._Refused:
        raise
    except yaml.MarkedYAMLError:
        return load._load_composed(text)


def _shape(value):
    """The value with every line the loader recorded, for an exact comparison."""
    if isinstance(value, load.LineDict):
        return ("map", value.line, [(k, value.key_lines[k], _shape(v)) for k, v in value.items()])
    if isinstance(value, load.LineList):
        return ("seq", value.line, [(line, _shape(v)) for line, v in zip(value.item_lines, value)])
    return (type(value).__name__, value)


def _same(text):
    try:
        fast = _reading(load._load, text)
    except RecursionError:  # the reference reading may hit Python's stack on deep flow collections
        pytest.skip("too deep for the reference reading")
    assert fast == _reading(_reference, text), text[:300]
    return fast


def test_real_data_files_read_the_same():
    files = sorted((ROOT / "data").rglob("*.yml"))
    assert len(files) > 5
    for path in files:
        status, _ = _same(path.read_text(encoding="utf-8"))
        assert status == "ok", path


TEXTS = [
    "a: 1\nb: [x, 'y', \"z\"]\nc:\n  - d: true\n    e: false\n    f: null\n    g: ~\n    h:\n",
    "a: 010\nb: 0x1F\nc: 1_0\nd: 1:20\ne: no\nf: 2024-01-01\ng: -5\nh: 1.5\ni: '5'\nj: ! 5\n",
    "a: 1\na: 2\n",                        # duplicate key
    "a: {b: 1, b: 2}\nc: 1\nc: 2\n",       # the first duplicate in document order
    "a: 1\na: 2\nb: *x\n",                 # an alias later wins over an earlier duplicate key
    "5: a\n",                              # a key that is not text
    "? [a, b]\n: c\n",                     # a list as a key
    "? {a: 1}\n: c\n",
    "a: 1\n---\nb: 2\n",                   # two documents
    "a: 1\na: 2\n---\nb: 2\n",
    "a: !!set {x}\n",                      # tags
    "a: !foo x\n",
    "a: &x 1\nb: c\n",                     # an anchor alone is fine
    "a: [1, 2\n",                          # syntax errors: the Python parser's words
    "a: b: c\n",
    "- a\n- b\n",
    "just text\n",
    "a:\n  b:\n    c:\n      d: [[[[[[[[[1]]]]]]]]]\n",  # too deep
    "a: [[[[[[[[[[1]]]]]]]]]]\n",
    "''\n",
    "a: '\n",
    "<<: {a: 1}\nb: 2\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_edge_cases_read_the_same(text):
    _same(text)


@pytest.mark.parametrize("case", [c for c in CASES if c.get("content") or c.get("generate") in
                                  ("alias_bomb", "deep_1000", "deep_100000", "bool_no")],
                         ids=lambda c: c["name"])
def test_bad_input_files_read_the_same(case):
    text = generated(case["generate"]) if "generate" in case else case["content"]
    _same(text)


_scalar = st.one_of(st.text(max_size=8), st.integers(-5, 20), st.booleans(), st.none(),
                    st.sampled_from(["010", "0x1", "no", "yes", "1:2", "2024-01-01", "~", "", "*a", "&a", "!x"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_value, st.booleans())
def test_any_dumped_value_reads_the_same(value, flow):
    _same(yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab:- \n[]{}'\"&*!?#,|>1")), max_size=40))
def test_any_text_reads_the_same(text):
    _same(text)


def test_a_loaded_site_makes_no_reference_cycles():
    """kb.site.Site.load freezes what it loaded (left out of garbage collection): that frees nothing only if
    reference counting frees all of it, i.e. the records, entries, corpus and glossary make no cycles."""
    import gc

    from kb.site import Site
    data = Path(__file__).resolve().parents[1] / "data"
    gc.unfreeze()  # what earlier tests' loads froze, and left to be freed
    gc.collect()
    site = Site.load(data, data.parent, "none")
    gc.unfreeze()  # back among the collected objects, so that a cycle would be found below
    assert len(site.corpus.entries) > 100
    del site
    assert gc.collect() == 0
