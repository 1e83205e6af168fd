"""The search box in Debian's Chromium (assets/kb-search.js), over http and from file:// (the offline
edition): the same ranked results as `python -m kb search`, typed like a person, pasted, through an IME;
result pages highlight the query; bad input stays text; axe-clean; phones; no request leaves the site,
and nothing of the index loads before the box is used."""
from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from browser import timed_search, type_like_a_person
from conftest import ROOT, build_site

QUERIES = yaml.safe_load((ROOT / "tests" / "search_queries.yml").read_text(encoding="utf-8"))["queries"]
ENV = {"PYTHONPATH": str(ROOT / "hooks"), "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"}
BAD = {
    "200 characters": ("体质监测 中考体育 任务44 " * 20)[:200],
    "200 of one character": "教" * 200,
    "punctuation only": "。，、；：？！…—“”‘’（）《》〖〗【】,.;:?!'\"()[]{}_/\\|@#$%^&*~`+=<>",
    "markup": '<img src=x onerror="window.__pwned=1">',
    "script tag": "<script>window.__pwned=1</script>",
    "regex metacharacters": ".*[(?+^$|\\",
    "emoji": "😀🎉👍🏽",
    "full-width digits": "４４",
    "right-to-left override": "\u202e体质监测",
}
TYPED = ["体质监测", "中考 体育", "任务44", "双师型", "县卫健委", "学分银行", "小学化", "体测"]
VECTORS_JS = """async qs => { const out = [];
  for (const q of qs) out.push((await kbSearch.search(q, {limit: 10})).hits.map(h => h.id));
  return out; }"""
RESULTS = "li.md-search-result__item > a.md-search-result__link"


def python_ids(queries: list[str], limit: int = 10) -> list[list[str]]:
    """`python -m kb search --batch --json`: one line of JSON a query."""
    out = subprocess.run([sys.executable, "-m", "kb", "search", "--batch", "--json", "--limit", str(limit)],
                         input="".join(q + "\n" for q in queries), capture_output=True, text=True, env=ENV,
                         cwd=ROOT, timeout=300, check=True).stdout.splitlines()
    assert len(out) == len(queries)
    return [[h["id"] for h in json.loads(line)] for line in out]


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> Path:
    """The offline edition (.html URLs), opened from file://."""
    dest = tmp_path_factory.mktemp("offline")
    result = build_site(dest, KB_OFFLINE="true")
    assert result.returncode == 0, result.stderr
    return dest


@pytest.fixture(scope="module", params=["http", "file"])
def home(request, base, offline) -> str:
    return base if request.param == "http" else (offline / "index.html").as_uri()


@pytest.fixture(scope="module")
def vectors() -> dict[str, list[str]]:
    queries = list(dict.fromkeys([item["q"] for item in QUERIES] + list(BAD.values()) + TYPED))
    return dict(zip(queries, python_ids(queries)))


def new_page(chromium, **kw):
    page = chromium.new_page(**kw)
    page.errors = []
    page.dialogs = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    return page


def open_box(page) -> None:
    page.click(".md-search__input")
    page.wait_for_function("() => document.getElementById('__search').checked")


def settle(page, query: str) -> None:
    """Wait until the box shows the answer to this query (a count or 没有找到)."""
    page.wait_for_function("""q => { const s = document.querySelector('.kb-search-status');
        return document.querySelector('.md-search__input').value === q && window.kbSearch.stats().idle
          && /条|没有找到/.test(s.textContent); }""", arg=query, timeout=15_000)


def shown_ids(page) -> list[str]:
    return page.eval_on_selector_all(RESULTS, "as => as.map(a => a.dataset.kbId)")


def clear(page) -> None:
    page.fill(".md-search__input", "")
    page.wait_for_function("() => window.kbSearch.stats().idle && !document.querySelector('.md-search-result__item')")


# --- (a) the same ranked results as the command line ---------------------------------------------------

def test_query_vectors_match_the_command_line(chromium, home, vectors):
    page = new_page(chromium)
    page.goto(home)
    queries = list(vectors)
    got = page.evaluate(VECTORS_JS, queries)
    mismatches = [(q, want, have) for q, want, have in zip(queries, vectors.values(), got) if want != have]
    assert mismatches == []
    for item in QUERIES:  # the query set's records are found in the first 10 (the page's own ranking)
        assert set(item["expect"]) <= set(got[queries.index(item["q"])]), item["q"]
    assert page.errors == []
    page.close()


def test_filters_and_facets_match_the_python_engine(chromium, base, corpus):
    from kb.search import index_of
    index = index_of(corpus)
    page = new_page(chromium)
    page.goto(base)
    cases = [("评价", {}), ("评价", {"kind": "task"}), ("学生", {"subject": "学生"}), ("教育 评价", {"kind": "negative"}),
             ("体测", {"group": "湖北省·湖北省教育评价改革试点申报通知"}), ("完善县委", {"limit": 3}),
             ("学校", {"subject": "教师", "kind": "task", "limit": 50}), ("立德树人根本", {"limit": 2}),
             ("评价", {"facets": True}), ("教育 评价", {"kind": "negative", "facets": True})]
    assert page.evaluate("() => kbSearch.search('评价').then(r => Object.keys(r.facets))") == ["kind"]
    assert "facets.js" not in page.evaluate("() => kbSearch.stats().loaded")  # only when narrowing or asked
    for q, opts in cases:
        py = index.search(q, **{k: v for k, v in opts.items() if k != "facets"})
        js = page.evaluate("([q, o]) => kbSearch.search(q, o)", [q, opts])
        assert [h["id"] for h in js["hits"]] == [h.id for h in py.hits], (q, opts)
        assert [(h["tier"], h["via_alias"], h["score"]) for h in js["hits"]] == \
            [(h.tier, h.via_alias, h.score) for h in py.hits], (q, opts)
        assert (js["total"], js["exact"], js["terms"]) == (py.total, py.exact, py.terms), (q, opts)
        assert js["facets"] == _facets_asked(py.facets, opts), (q, opts)
    assert "facets.js" in page.evaluate("() => kbSearch.stats().loaded")
    page.close()


def _facets_asked(facets: dict, opts: dict) -> dict:
    """The Python's facets as the JS gives them: subjects and lists only when asked for (facets: true) or
    narrowed by (search/facets.js loaded); kinds always."""
    wanted = opts.get("facets") or opts.get("subject") is not None or opts.get("group") is not None
    return facets if wanted or not facets else {"kind": facets["kind"]}  # nothing found: none


def test_random_queries_match_the_python_engine(chromium, base, corpus):
    """Many queries made of runs of the records' text (1–3 terms, some with search aids' typed forms, some
    across two records): the same hits, tiers, counts and facets, unfiltered and by kind."""
    from kb.search import index_of
    index = index_of(corpus)
    rnd = random.Random(7)
    texts = [t for title, text, words in index.normed for t in (title, text, *words) if t]
    typed = [a[2] for a in index.aliases]
    def run_of():
        t = rnd.choice(texts)
        size = rnd.randint(1, min(8, len(t)))
        start = rnd.randint(0, len(t) - size)
        return t[start:start + size]
    queries = []
    for _ in range(300):
        parts = [run_of() for _ in range(rnd.choice([1, 1, 1, 2, 3]))]
        if rnd.random() < 0.15:
            parts.append(rnd.choice(typed))
        queries.append(" ".join(parts))
    cases = [(q, {"limit": rnd.choice([1, 5, 10, 30])} | ({"kind": rnd.choice(["task", "negative", "page"])}
              if rnd.random() < 0.2 else {})) for q in queries]
    asked = random.Random(11)  # a third ask for the subject and list facets too (search/facets.js)
    cases = [(q, opts | ({"facets": True} if asked.random() < 1 / 3 else {})) for q, opts in cases]
    page = new_page(chromium)
    page.goto(base)
    got = page.evaluate("""async cases => { const out = [];
        for (const [q, o] of cases) { const r = await kbSearch.search(q, o);
          out.push([r.hits.map(h => [h.id, h.tier, h.via_alias]), r.total, r.exact, r.facets]); }
        return out; }""", cases)
    bad = []
    for (q, opts), js in zip(cases, got):
        py = index.search(q, **{k: v for k, v in opts.items() if k != "facets"})
        want = [[[h.id, h.tier, h.via_alias] for h in py.hits], py.total, py.exact, _facets_asked(py.facets, opts)]
        if js != want:
            bad.append((q, opts))
    assert bad == []
    page.close()


# --- (b) typed like a person; timings -------------------------------------------------------------------

def test_typed_like_a_person_shows_the_records(chromium, home, vectors, capsys):
    page = new_page(chromium)
    page.goto(home)
    open_box(page)
    times = []
    for q in TYPED:
        clear(page)
        times.append(timed_search(page, q))
        settle(page, q)
        shown = shown_ids(page)
        assert shown[:10] == vectors[q], q
        expect = next((item["expect"] for item in QUERIES if item["q"] == q), vectors[q][:3])
        assert set(expect) <= set(shown), q
    assert page.errors == []
    page.close()
    with capsys.disabled():
        print(f"\n[{home.split(':')[0]}] last keystroke → results: median {statistics.median(times):.0f} ms, "
              f"max {max(times):.0f} ms over {len(times)} queries")


# --- (c) any run of a record's text finds it ------------------------------------------------------------

@pytest.fixture(scope="module")
def records(corpus):
    from kb.search import index_of
    index = index_of(corpus)
    return [(d.id, index.normed[n]) for n, d in enumerate(index.docs) if d.kind != "page"]


def _runs_of(records):
    @st.composite
    def draw(draw):
        rid, (title, text, words) = draw(st.sampled_from(records))
        source = draw(st.sampled_from([s for s in (title, text, *words) if len(s) >= 2]))
        size = draw(st.integers(2, min(6, len(source))))
        start = draw(st.integers(0, len(source) - size))
        return rid, source[start:start + size]
    return draw()


def _finds(page, rid: str, run: str) -> None:
    clear(page)
    type_like_a_person(page, run)
    settle(page, run)
    for _ in range(100):  # 显示更多 until the record shows, as a reader would
        if rid in shown_ids(page):
            return
        assert page.is_visible(".kb-search-more"), (run, rid)
        before = len(shown_ids(page))
        page.click(".kb-search-more")
        page.wait_for_function(f"() => document.querySelectorAll('{RESULTS}').length > {before}")
    raise AssertionError((run, rid))


@pytest.mark.parametrize("edition,draws", [("http", 40), ("file", 15)])
def test_a_run_of_any_record_finds_it(chromium, base, offline, records, edition, draws):
    page = new_page(chromium)
    page.goto(base if edition == "http" else (offline / "index.html").as_uri())
    open_box(page)

    @settings(max_examples=draws, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_runs_of(records))
    def check(drawn):
        _finds(page, *drawn)

    check()
    assert page.errors == []
    page.close()


# --- (d) paste, IME ----------------------------------------------------------------------------------------

def test_paste_and_ime_composition(chromium, base):
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    page.evaluate("""() => { const i = document.querySelector('.md-search__input'); i.value = '双师型';
        i.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertFromPaste', data: '双师型'})); }""")
    settle(page, "双师型")
    assert "hubei-2024/10" in shown_ids(page)
    clear(page)
    runs = page.evaluate("() => kbSearch.stats().runs")
    page.evaluate("""() => { const i = document.querySelector('.md-search__input');
        i.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
        for (const v of ['z', 'zh', 'zhong', '中', '中k', '中kao', '中考']) { i.value = v;
          i.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, inputType: 'insertCompositionText', data: v})); } }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => kbSearch.stats().runs") == runs  # nothing searched while composing
    page.evaluate("""() => { const i = document.querySelector('.md-search__input');
        i.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: '中考'}));
        i.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: false, inputType: 'insertText', data: '中考'})); }""")
    settle(page, "中考")
    page.wait_for_timeout(200)
    assert page.evaluate("() => kbSearch.stats().runs") == runs + 1  # once, at the end
    assert "taoyuan-2022/44" in shown_ids(page)
    assert page.errors == []
    page.close()


def test_clicked_and_typed_before_the_script_ran(chromium, base):
    """The box is on screen before kb-search.js runs (the last script of the body; on a slow machine the
    gap is hundreds of milliseconds): a reader who clicks it and types then still gets the dialog and
    the results. Here the script is held back until the query is typed."""
    page = new_page(chromium)
    held = []
    page.route(base + "assets/kb-search.js", lambda route: held.append(route))
    page.goto(base + "tasks/taoyuan-2022/44/", wait_until="commit")
    page.click(".md-search__input")
    type_like_a_person(page, "体质监测")
    assert held and page.evaluate("() => window.kbSearch === undefined")
    held[0].continue_()
    page.wait_for_selector(RESULTS + "[data-kb-id='taoyuan-2022/44']", timeout=15_000)  # visible: the dialog is open
    assert page.evaluate("() => document.getElementById('__search').checked")
    assert page.errors == []
    page.close()


# --- (e) a result opens with ?h= and the page highlights the query ------------------------------------------

@pytest.mark.parametrize("edition", ["http", "file"])
@pytest.mark.parametrize("query,rid,marked", [("体质监测", "taoyuan-2022/44", "体质监测"),
                                              ("双师型", "hubei-2024/10", "双师型")])
def test_opening_a_result_highlights_the_query(chromium, base, offline, edition, query, rid, marked):
    page = new_page(chromium)
    page.goto(base if edition == "http" else (offline / "index.html").as_uri())
    open_box(page)
    type_like_a_person(page, query)
    settle(page, query)
    page.keyboard.press("ArrowDown")  # the keyboard: down to the result, Enter opens it
    index = shown_ids(page).index(rid)
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.kbId") == rid
    with page.expect_navigation():
        page.keyboard.press("Enter")
    url = urlsplit(page.url)
    assert parse_qs(url.query)["h"] == [query]
    assert unquote(url.path).endswith(rid + ("/" if edition == "http" else ".html"))
    marks = page.eval_on_selector_all("article.md-content__inner mark.kb-hl", "ms => ms.map(m => m.textContent)")
    assert marks and all(m == marked for m in marks)
    assert page.evaluate("() => { const r = document.querySelector('mark.kb-hl').getBoundingClientRect();"
                         " return r.top >= 0 && r.bottom <= innerHeight; }")
    assert page.errors == []
    page.close()


def test_highlight_ignores_spaces_and_punctuation(chromium, base):
    page = new_page(chromium)
    page.goto(base + "tasks/taoyuan-2022/44/?h=" + "体质 监测")
    marks = page.eval_on_selector_all("article mark.kb-hl", "ms => ms.map(m => m.textContent)")
    assert marks and set(marks) == {"体质监测"}
    page.goto(base + "tasks/taoyuan-2022/44/")
    elements = page.evaluate("() => document.querySelectorAll('article *').length")
    page.goto(base + "tasks/taoyuan-2022/44/?h=" + quote("<b>体质</b> 监测"))  # text, never markup; its words
    marks = page.evaluate("() => document.querySelectorAll('article mark.kb-hl').length")
    assert marks > 0
    assert page.evaluate("() => document.querySelectorAll('article *:not(mark)').length") == elements
    assert page.errors == []
    page.close()


# --- (f) bad input ------------------------------------------------------------------------------------------

def test_bad_inputs_stay_text(chromium, base, vectors):
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    count = "() => document.querySelectorAll('.md-search *').length"
    for name, q in BAD.items():
        clear(page)
        page.fill(".md-search__input", q)
        settle(page, q)
        assert page.input_value(".md-search__input") == q, name
        status = page.inner_text(".kb-search-status")
        assert ("没有找到" in status) == (not vectors[q]), name
        assert shown_ids(page)[:10] == vectors[q], name
        assert page.evaluate("() => document.querySelectorAll('.md-search img, .md-search script, "
                             ".md-search-result b').length") == 0, name
        assert page.evaluate(count) < 2000
    assert page.evaluate("() => window.__pwned") is None
    assert page.errors == [] and page.dialogs == []
    page.close()


def test_nothing_found_offers_words_that_search_again(chromium, base):
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    type_like_a_person(page, "体质")
    settle(page, "体质")
    assert "suggest.js" not in page.evaluate("() => kbSearch.stats().loaded")  # only when nothing is found
    type_like_a_person(page, "监测x")
    settle(page, "体质监测x")
    assert "没有找到" in page.inner_text(".kb-search-status")
    assert "suggest.js" in page.evaluate("() => kbSearch.stats().loaded")
    words = page.eval_on_selector_all(".kb-suggest", "bs => bs.map(b => b.textContent)")
    assert "体质监测" in words  # the query without its last character finds something
    page.click(".kb-suggest >> text=体质监测")
    settle(page, "体质监测")
    assert "taoyuan-2022/44" in shown_ids(page)
    page.close()


# --- facets, keyboard -------------------------------------------------------------------------------------

def test_facets_narrow_the_results(chromium, base):
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    type_like_a_person(page, "评价")
    settle(page, "评价")
    total = page.inner_text(".kb-search-status")
    page.click(".kb-facet-row[aria-label='类型'] .kb-facet >> text=负面清单")
    page.wait_for_function("t => document.querySelector('.kb-search-status').textContent !== t", arg=total)
    kinds = page.eval_on_selector_all(RESULTS + " .kb-sr-kind", "ks => ks.map(k => k.textContent)")
    assert kinds and set(kinds) == {"负面清单"}
    assert page.get_attribute(".kb-facet[aria-pressed=true]", "aria-pressed") == "true"
    # subjects and lists: buttons that load search/facets.js, then show their chips with counts
    assert "facets.js" not in page.evaluate("() => kbSearch.stats().loaded")
    assert page.locator(".kb-facet-row[aria-label='评价主体']").count() == 0
    page.click(".kb-facet-open >> text=按评价主体")
    page.wait_for_selector(".kb-facet-row[aria-label='评价主体'] .kb-facet")
    assert "facets.js" in page.evaluate("() => kbSearch.stats().loaded")
    assert page.locator(".kb-facet-row[aria-label='评价主体'] .kb-facet").count() >= 1
    status = page.inner_text(".kb-search-status")
    page.click(".kb-facet-row[aria-label='评价主体'] .kb-facet >> nth=0")
    page.wait_for_function("t => document.querySelector('.kb-search-status').textContent !== t", arg=status)
    assert page.locator(".kb-facet[aria-pressed=true]").count() == 2
    page.click(".kb-facet-open >> text=按清单或地区")
    page.wait_for_selector(".kb-facet-row[aria-label='清单/地区'] .kb-facet")
    assert page.locator(".kb-facet-open").count() == 0
    assert page.errors == []
    page.close()


def test_ten_results_first_then_more(chromium, base):
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    type_like_a_person(page, "评价")
    settle(page, "评价")
    assert len(shown_ids(page)) == 10 and page.is_visible(".kb-search-more")
    page.click(".kb-search-more")
    page.wait_for_function(f"() => document.querySelectorAll('{RESULTS}').length > 10")
    assert len(shown_ids(page)) == 20
    assert page.errors == []
    page.close()


def test_keyboard_opens_moves_and_closes(chromium, base):
    page = new_page(chromium)
    page.goto(base + "tasks/taoyuan-2022/44/")
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.classList.contains('md-search__input')")
    assert page.evaluate("() => document.getElementById('__search').checked")
    type_like_a_person(page, "体质")
    settle(page, "体质")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    ids = shown_ids(page)
    assert page.evaluate("() => document.activeElement.dataset.kbId") == ids[0]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("() => document.activeElement.classList.contains('md-search__input')")
    page.keyboard.press("Escape")
    assert not page.evaluate("() => document.getElementById('__search').checked")
    page.keyboard.press("s")
    assert page.evaluate("() => document.activeElement.classList.contains('md-search__input')")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in the box opens the first result
    assert "?h=" + quote("体质") in page.url
    page.close()


# --- (g) accessibility --------------------------------------------------------------------------------------

def test_search_open_with_results_is_axe_clean(chromium, base):
    from axe_playwright_python.sync_playwright import Axe
    page = new_page(chromium)
    page.goto(base)
    open_box(page)
    type_like_a_person(page, "评价")
    settle(page, "评价")
    page.wait_for_timeout(500)  # Material's opening transition
    problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
                for v in Axe().run(page).response["violations"]]
    clear(page)
    type_like_a_person(page, "体质监测x")  # 没有找到 and its suggestions
    settle(page, "体质监测x")
    problems += [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]])
                 for v in Axe().run(page).response["violations"]]
    page.close()
    assert problems == []


# --- (h) phones ---------------------------------------------------------------------------------------------

def test_phone_opens_search_from_the_header(chromium, base):
    page = new_page(chromium, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                    has_touch=True)
    page.goto(base + "tasks/taoyuan-2022/")
    assert not page.evaluate("() => document.getElementById('__search').checked")
    page.click("label.md-header__button[for=__search]")
    page.wait_for_function("() => document.activeElement.classList.contains('md-search__input')")
    type_like_a_person(page, "体质监测")
    settle(page, "体质监测")
    page.wait_for_timeout(400)
    first = page.locator(RESULTS).first
    box = first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] < 812
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    shots = ROOT / "tests" / "screenshots"
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / "phone-search.png"))
    page.close()


# --- (i) requests -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edition", ["http", "file"])
def test_index_loads_only_when_the_box_is_used_and_never_elsewhere(chromium, base, offline, edition):
    page = new_page(chromium)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    start = base if edition == "http" else (offline / "index.html").as_uri()
    page.goto(start, wait_until="networkidle")
    page.goto(start.replace("index.html", "") + ("tasks/taoyuan-2022/44/?h=体质" if edition == "http"
                                                  else "tasks/taoyuan-2022/44.html?h=体质"), wait_until="networkidle")
    page.wait_for_timeout(300)
    assert [u for u in requests if "/search/" in u] == []
    page.focus(".md-search__input")
    page.wait_for_function("() => kbSearch.stats().loaded.includes('meta.js')")
    type_like_a_person(page, "中考 体育")
    settle(page, "中考 体育")
    loaded = [u for u in requests if "/search/" in u]
    assert any(u.endswith("/search/meta.js") for u in loaded) and any("/search/s/" in u for u in loaded)
    scheme = "http://127.0.0.1:" if edition == "http" else "file://"
    assert [u for u in requests if not u.startswith((scheme, "data:", "blob:"))] == []
    page.close()


# --- widening after refusals: both engines, on an index made for it -------------------------------------

WIDEN_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>t</title></head>
<body><script src="assets/kb-search.js"></script></body></html>
"""


def _widen_index(false_docs: int):
    """Records 0, 16, 32 … hold 甲乙丙丁戊 (the first three runs of 甲乙丙丁戊己, the rarest by position)
    but not the term; two later records hold it. Fillers keep each record in a docs file of its own."""
    from kb.search import CHUNK, Doc, SearchIndex
    docs = []
    for i in range(false_docs + 2):
        for j in range(CHUNK - 1):
            docs.append(Doc(f"f{i}-{j}", "task", f"填充{i}", "无关的文字。", f"f/{i}/{j}/", None, "", (), 0))
        text = "前言甲乙丙丁戊庚后记。" if i < false_docs else "前言甲乙丙丁戊己后记。"
        docs.insert(i * CHUNK, Doc(f"r{i}", "task", f"记录{i}", text, f"r/{i}/", None, "", (), 0))
    return SearchIndex(docs, [], [])


@pytest.mark.parametrize("false_docs, widens", [(7, False), (12, True)])
def test_refused_candidates_widen_the_lookup_in_both_engines(chromium, tmp_path, monkeypatch, false_docs, widens):
    """Past WIDEN_AFTER candidates refused (they hold the term's rarest runs, not the term), a search starts
    again with all of the term's runs: the run that tells them apart (丁戊己) is fetched, and the refused ones
    are not read again. Both engines find the same records; the browser fetches 丁戊己's shard only then."""
    import kb.search
    from browser import serve
    index = _widen_index(false_docs)
    query, true_ids = "甲乙丙丁戊己", [f"r{false_docs}", f"r{false_docs + 1}"]
    read: set[int] = set()

    class Reads(list):
        def __getitem__(self, n):
            read.add(n)
            return list.__getitem__(self, n)
    index.normed = Reads(index.normed)
    assert [h.id for h in index.search(query).hits] == true_ids
    refused = {n for n in read if index.docs[n].id.startswith("r") and index.docs[n].id not in true_ids}
    assert len(refused) == (kb.search.WIDEN_AFTER if widens else false_docs)

    files = index.files()
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "kb-search.js").write_bytes((ROOT / "docs" / "assets" / "kb-search.js").read_bytes())
    (tmp_path / "index.html").write_text(WIDEN_PAGE, encoding="utf-8")
    meta = json.loads(files["search/meta.js"].decode().split(",", 1)[1].rsplit(")", 1)[0])
    telling = f"/search/s/{kb.search.shard_of('丁戊己', meta['shards']):0{meta['shardWidth']}x}.js"
    rare = {f"/search/s/{kb.search.shard_of(k, meta['shards']):0{meta['shardWidth']}x}.js"
            for k in ("甲乙丙", "乙丙丁", "丙丁戊")}
    assert telling not in rare  # (else the test could not tell)
    with serve(tmp_path) as base:
        page = chromium.new_page()
        page.goto(base + "index.html")
        got = page.evaluate("q => window.kbSearch.search(q, {limit: 10}).then(r => r.hits.map(h => h.id))", query)
        fetched = page.evaluate("() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
        page.close()
    assert got == true_ids
    assert rare <= set(fetched)
    assert (telling in fetched) == widens
