"""The search benchmark (part of `make bench`, or on its own): kb's own search index (kb.search), measured
against the targets it was built for.

(a) Index build time: `SearchIndex.from_corpus` + `.files()` at 1,000, 10,000 and 200,000 records
    (bench/generate.py data; median of 3 runs below 200k, one run at 200k), in µs per record: a
    linear build keeps that number about constant.
(b) Cold queries at 200k: the 200k index written to a folder with a page that loads
    assets/kb-search.js as the site does (search/ beside assets/), served with gzip (level 6, the
    published server's setting); in Chromium, 300 queries drawn from the records' text (seeded: runs of
    2–6 characters, one or two terms), each in a fresh browser context (empty cache). For each:
    the gzipped bytes of everything fetched under search/ for the query (the page itself already
    loaded), and the time from the arrival of the last index part to `kbSearch.search` resolving.
(c) Warm latency at 10k: the real site built from 10k records; 100 queries (drawn the same way)
    typed into the header search box as a person types; time from the last keystroke to the results
    list showing that query's results (after a first query has loaded meta.js).

    python bench/search_bench.py [--out build/bench] [--sizes 1000,10000,200000] [--site10k SITE]
                                 [--cold-queries 300] [--warm-queries 100] [--no-browser]

Prints a JSON summary and one line `search: …`; the numbers go into `make bench`'s summary line.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import http.server
import json
import mimetypes
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "bench", ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

COLD_LIMIT_KB = 150          # target: one cold query at 200k transfers at most this much (gzip)
RENDER_LIMIT_MS = 100        # target: results within this after the index parts arrived
WARM_LIMIT_MS = 50           # target: median last keystroke → results at 10k
GZIP_LEVEL = 6               # deploy/nginx.conf's gzip_comp_level
LIST = ".md-search-result__list"
INPUT = ".md-search__input"
SHOWN = 10                   # results the search box shows at first (kb-search.js: PAGE)


def _generate():
    """bench/generate.py's generate(); it imports load_corpus from kb.corpus, which moved to kb.assemble."""
    import kb.corpus
    if not hasattr(kb.corpus, "load_corpus"):
        from kb.assemble import load_corpus
        kb.corpus.load_corpus = load_corpus  # type: ignore[attr-defined]
    from generate import generate
    return generate


_LOADED: dict[Path, tuple[object, float]] = {}  # data folder → (corpus, seconds) generate() loaded to validate


def ensure_data(work: Path, n: int) -> tuple[Path, float | None]:
    """work/n<N>/data, generated unless a finished generation of the same N is there; and the seconds
    generate() took (None when reused). generate() ends by loading (validating) what it wrote; that
    corpus is kept for index_build, which at 200k would otherwise load it a second time (minutes)."""
    out = work / f"n{n}"
    marker = out / ".generated"
    if marker.is_file() and marker.read_text().strip() == str(n) and (out / "data").is_dir():
        return out / "data", None
    marker.unlink(missing_ok=True)
    generate = _generate()
    module = sys.modules[generate.__module__]
    plain_load = module.load_corpus

    def load_and_keep(data, root=None):
        start = time.perf_counter()
        corpus = plain_load(data, root)
        if Path(data).resolve() == (out / "data").resolve():
            _LOADED[Path(data).resolve()] = (corpus, time.perf_counter() - start)
        return corpus
    module.load_corpus = load_and_keep
    try:
        start = time.perf_counter()
        generate(out, n)
        took = time.perf_counter() - start
    finally:
        module.load_corpus = plain_load
    mark_generated(out, n)
    return out / "data", took


def mark_generated(out: Path, n: int) -> None:
    (out / ".generated").write_text(str(n))


def _median(xs):
    return round(statistics.median(xs), 1) if xs else None


def _pct(xs, q):
    if not xs:
        return None
    s = sorted(xs)
    return round(s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))], 1)


# --- (a) index build time --------------------------------------------------------------------------
def index_build(data: Path, runs: int) -> tuple[dict, object]:
    """Load the corpus once; time SearchIndex.from_corpus + files() `runs` times. Returns the numbers and
    the last (index, files)."""
    from kb.assemble import load_corpus
    from kb.pages import all_pages
    from kb.search import SearchIndex, aggregate_pages
    corpus, load_s = _LOADED.pop(data.resolve(), (None, 0.0))
    if corpus is None:
        start = time.perf_counter()
        corpus = load_corpus(data, data.parent)
        load_s = time.perf_counter() - start
    pages = aggregate_pages(all_pages(corpus))
    times, built = [], None
    for _ in range(runs):
        built = None
        start = time.perf_counter()
        index = SearchIndex.from_corpus(corpus, True, pages)
        files = index.files()
        times.append(time.perf_counter() - start)
        built = (index, files)
    index, files = built
    records = sum(1 for d in index.docs if d.kind != "page")
    build_s = statistics.median(times)
    raw = sum(len(b) for b in files.values())
    return {"records": records, "documents": len(index.docs), "load_corpus_s": round(load_s, 1),
            "runs_s": [round(t, 2) for t in times], "build_s": round(build_s, 2),
            "us_per_record": round(build_s * 1e6 / records, 1), "files": len(files),
            "shards": sum(1 for p in files if p.startswith("search/s/")),
            "docs_files": sum(1 for p in files if p.startswith("search/d/")),
            "meta_gz_kb": round(len(gzip.compress(files["search/meta.js"], GZIP_LEVEL)) / 1024, 1),
            "facets_gz_kb": round(len(gzip.compress(files["search/facets.js"], GZIP_LEVEL)) / 1024, 1)
            if "search/facets.js" in files else None,
            "raw_mb": round(raw / 2 ** 20, 1)}, built


# --- queries ---------------------------------------------------------------------------------------
def draw_queries(texts: list[tuple[str, str]], count: int, seed: int = 1) -> list[str]:
    """`count` queries from records' (title, text), normalised: runs of 2–6 characters at random places
    (a third from titles), one term or (a third of them) two terms from the same record. A run never spans
    the title's end and the text's start (no record holds such a run: it must find nothing)."""
    from kb.search import norm
    rng = random.Random(seed)
    out: list[str] = []

    def run(s: str) -> str | None:
        length = rng.randint(2, 6)
        if len(s) < length:
            return None
        start = rng.randrange(len(s) - length + 1)
        return s[start:start + length]
    while len(out) < count:
        title, text = texts[rng.randrange(len(texts))]
        sources = [norm(title), norm(text)]
        terms = []
        for _ in range(2 if rng.random() < 1 / 3 else 1):
            src = sources[0] if rng.random() < 1 / 3 else sources[1]
            term = run(src) or run(sources[0]) or run(sources[1])  # never across the two fields
            if term:
                terms.append(term)
        if terms and len(set(terms)) == len(terms):
            out.append(" ".join(terms))
    return out


def texts_of_site(site: Path) -> list[tuple[str, str]]:
    """(title, text) of the records in a built site's search/d/*.js files."""
    out = []
    for f in sorted((site / "search" / "d").glob("*.js")):
        body = f.read_text(encoding="utf-8")
        rows = json.loads(body[body.index(",") + 1:body.rindex(")")])
        out += [(r[2], r[3]) for r in rows if r[1] != "page"]
    return out


# --- a gzip-capable server -------------------------------------------------------------------------
class GzipServer:
    """A threaded static server that gzips text (level 6) and says Content-Length, like the published
    nginx; it logs (path, bytes sent) of every response."""

    TEXT = (".js", ".html", ".css", ".json", ".svg", ".txt", ".xml")

    def __init__(self, root: Path, precompress: str | None = None):
        """precompress: a folder under root whose text files are gzipped now, not on their first request
        (nginx compresses in C, in well under a millisecond: Python's compression time is no part of
        what is measured)."""
        self.root = root.resolve()
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.cache: dict[Path, bytes] = {}
        if precompress:
            for f in (self.root / precompress).rglob("*"):
                if f.suffix in self.TEXT and f.is_file():
                    self.cache[f.resolve()] = gzip.compress(f.read_bytes(), GZIP_LEVEL)
        bench = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = unquote(urlsplit(self.path).path)
                target = (bench.root / path.lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if bench.root not in target.parents or not target.is_file():
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = target.read_bytes()
                gz = target.suffix in bench.TEXT and "gzip" in self.headers.get("Accept-Encoding", "")
                if gz:
                    cached = bench.cache.get(target)
                    if cached is None:
                        cached = bench.cache[target] = gzip.compress(body, GZIP_LEVEL)
                    body = cached
                ctype = mimetypes.guess_type(str(target))[0] or "application/octet-stream"
                self.send_response(200)
                self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text/")
                                                          or ctype.endswith("javascript") else ""))
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.write(body)
                with bench.lock:
                    bench.log.append((path, len(body)))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @contextlib.contextmanager
    def running(self):
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{self.server.server_port}/"
        finally:
            self.server.shutdown()
            self.server.server_close()

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            out, self.log = self.log, []
        return out


# --- (b) cold queries at 200k ----------------------------------------------------------------------
PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>kb search bench</title></head>
<body>
<input type="checkbox" id="__search" hidden>
<div class="md-search" data-md-component="search" role="dialog" aria-label="搜索">
  <div class="md-search__inner" role="search">
    <form class="md-search__form" name="search">
      <input type="text" class="md-search__input" name="query" aria-label="搜索" autocomplete="off">
    </form>
    <div class="md-search__output"><div class="md-search__scrollwrap"><div class="md-search-result">
      <div class="md-search-result__meta"></div><ol class="md-search-result__list" role="presentation"></ol>
    </div></div></div>
  </div>
</div>
<script src="assets/kb-search.js"></script>
</body></html>
"""


def write_cold_site(files: dict[str, bytes], dest: Path, script: Path) -> None:
    """The index files under dest/search/, kb-search.js under dest/assets/ (the script finds search/ from
    its own URL, one folder up), and a page at dest/index.html that loads it as the site's pages do."""
    if dest.exists():
        shutil.rmtree(dest)
    for path, data in files.items():
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (dest / "assets").mkdir(parents=True, exist_ok=True)
    shutil.copy(script, dest / "assets" / "kb-search.js")
    (dest / "index.html").write_text(PAGE, encoding="utf-8")


COLD_JS = """async ([q, limit]) => {
  performance.setResourceTimingBufferSize(100000);
  performance.clearResourceTimings();
  const t0 = performance.now();
  const r = await window.kbSearch.search(q, {limit});
  const t1 = performance.now();
  await new Promise(res => setTimeout(res, 0));
  const parts = performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname.includes('/search/'));
  const last = parts.length ? Math.max(...parts.map(e => e.responseEnd)) : t0;
  const hits = r && (r.hits || r.results || (Array.isArray(r) ? r : null));
  return {t0, t1, last, parts: parts.length, hits: hits ? hits.length : null,
          total: r && typeof r.total === 'number' ? r.total : null};
}"""


def cold_queries(root: Path, queries: list[str], limit: int = SHOWN) -> dict:
    """Each query in a fresh browser context: bytes fetched under search/ (gzip) and times."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS
    server = GzipServer(root)
    rows = []
    page_load_search = 0
    with server.running() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for q in queries:
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "index.html", wait_until="load")  # one script: loaded with the page
            page.wait_for_function("() => window.kbSearch && typeof window.kbSearch.search === 'function'")
            page_load_search += sum(n for path, n in server.take() if "/search/" in path)
            r = page.evaluate(COLD_JS, [q, limit])
            page.wait_for_timeout(20)  # anything still fetched for this query
            log = [(path, n) for path, n in server.take() if "/search/" in path]
            context.close()
            rows.append({"q": q, "terms": len(q.split()), "chars": len(q.replace(" ", "")),
                         "gz": sum(n for _, n in log),
                         "meta": sum(n for path, n in log if path.endswith("/meta.js")),
                         "facets": sum(n for path, n in log if path.endswith("/facets.js")),
                         "shards": sum(1 for path, _ in log if "/search/s/" in path),
                         "shards_gz": sum(n for path, n in log if "/search/s/" in path),
                         "docs": sum(1 for path, _ in log if "/search/d/" in path),
                         "docs_gz": sum(n for path, n in log if "/search/d/" in path),
                         "render_ms": round(r["t1"] - r["last"], 1), "total_ms": round(r["t1"] - r["t0"], 1),
                         "hits": r["hits"], "found": r["total"]})
        browser.close()
    kb = [r["gz"] / 1024 for r in rows]
    render = [r["render_ms"] for r in rows]
    worst = sorted(rows, key=lambda r: -r["gz"])[:10]
    return {"queries": len(rows), "limit": limit, "gz_kb_median": _median(kb), "gz_kb_p95": _pct(kb, 0.95),
            "gz_kb_max": round(max(kb), 1), "over_limit": sum(1 for x in kb if x > COLD_LIMIT_KB),
            "over_limit_share": round(sum(1 for x in kb if x > COLD_LIMIT_KB) / len(kb), 4),
            "meta_gz_kb": round(statistics.median(r["meta"] for r in rows) / 1024, 1),
            "shards_gz_kb_median": round(statistics.median(r["shards_gz"] for r in rows) / 1024, 1),
            "docs_gz_kb_median": round(statistics.median(r["docs_gz"] for r in rows) / 1024, 1),
            "facets_gz_kb_median": round(statistics.median(r["facets"] for r in rows) / 1024, 1),
            "shards_gz_kb_p95": _pct([r["shards_gz"] / 1024 for r in rows], 0.95),
            "docs_gz_kb_p95": _pct([r["docs_gz"] / 1024 for r in rows], 0.95),
            "render_ms_median": _median(render), "render_ms_p95": _pct(render, 0.95), "render_ms_max": max(render),
            "total_ms_median": _median([r["total_ms"] for r in rows]),
            "shards_median": statistics.median(r["shards"] for r in rows),
            "docs_files_median": statistics.median(r["docs"] for r in rows),
            "no_hits": sum(1 for r in rows if not r["hits"]),
            "page_load_search_bytes": page_load_search, "worst": worst, "rows": rows}


# --- (c) warm latency at 10k -----------------------------------------------------------------------
OBSERVE_JS = """() => {
  const list = document.querySelector('__LIST__');
  window.__marks = [];
  const mark = () => { const first = list.firstElementChild;
    window.__marks.push([performance.now(), list.children.length, first ? first.textContent : '']); };
  if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver(mark);
  window.__obs.observe(list, {childList: true, subtree: true, characterData: true});
  window.__t0 = performance.now();
}""".replace("__LIST__", LIST)


def _settle(page, quiet_ms: int = 300, timeout_ms: int = 10_000) -> None:
    """Wait until the results list has not changed for quiet_ms."""
    page.evaluate("""() => { const list = document.querySelector('__LIST__'); window.__quiet = performance.now();
        if (window.__qobs) window.__qobs.disconnect();
        window.__qobs = new MutationObserver(() => { window.__quiet = performance.now(); });
        window.__qobs.observe(list, {childList: true, subtree: true, characterData: true});
    }""".replace("__LIST__", LIST))
    page.wait_for_function(f"() => performance.now() - window.__quiet > {quiet_ms}", timeout=timeout_ms)


def timed_query(page, query: str) -> float | None:
    """Type a query as a person does (tests/browser.py), all but its last keystroke first; wait for the
    list to settle; then the last keystroke. The time until the list first shows what it finally shows
    (its first result's text, after it settles): the query's results. None if nothing was shown."""
    from browser import _runs, type_like_a_person
    page.fill(INPUT, "")
    _settle(page)
    chunks = [c.replace("\0", " ") for c in _runs(query.replace(" ", "\0"))]
    *before, last = chunks
    if last.isascii() and len(last) > 1 and last != " ":
        before, last = before + [last[:-1]], last[-1]
    for chunk in before:
        type_like_a_person(page, chunk) if chunk != " " else page.keyboard.press("Space")
    if before:
        _settle(page)
    page.evaluate(OBSERVE_JS)
    type_like_a_person(page, last) if last != " " else page.keyboard.press("Space")
    _settle(page, 400)
    marks, t0 = page.evaluate("() => [window.__marks, window.__t0]")
    final = page.evaluate(f"() => {{ const f = document.querySelector('{LIST}').firstElementChild; "
                          "return f ? f.textContent : ''; }")
    if not final:
        return None
    for t, n, first in marks:
        if n and first == final:
            return t - t0
    return None


def warm_latency(site: Path, queries: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, type_like_a_person
    server = GzipServer(site, precompress="search")
    times: list[float] = []
    compute: list[float] = []
    missed: list[str] = []
    with server.running() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base, wait_until="networkidle")
        page_load_search = sum(n for path, n in server.take() if path.startswith("/search/"))
        page.click(INPUT)
        type_like_a_person(page, "评价")  # loads meta.js: the measured queries are warm
        page.wait_for_function(f"() => document.querySelector('{LIST}').children.length > 0", timeout=30_000)
        _settle(page)
        for q in queries:
            t = timed_query(page, q)
            if t is None:
                missed.append(q)
            else:
                times.append(t)
            # the same query again, every part it needs now loaded: the engine's own time
            compute.append(page.evaluate("""async ([q, limit]) => { const t0 = performance.now();
                await window.kbSearch.search(q, {limit}); return performance.now() - t0; }""", [q, SHOWN]))
        browser.close()
    return {"queries": len(queries), "measured": len(times), "ms_median": _median(times),
            "ms_p95": _pct(times, 0.95), "ms_max": round(max(times), 1) if times else None,
            "missed": missed[:20], "page_load_search_bytes": page_load_search,
            "engine_ms_median": _median(compute), "engine_ms_p95": _pct(compute, 0.95)}


def build_site(data: Path, dest: Path) -> Path:
    """The real site from `data` (mkdocs build, as bench/run.py times it)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0", "KB_DATA": str(data),
           "PYTHONPATH": str(ROOT / "hooks")}
    mkdocs = str(Path(sys.executable).parent / "mkdocs")
    subprocess.run([mkdocs, "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(dest)], cwd=ROOT, env=env,
                   check=True)
    return dest


# --- everything ------------------------------------------------------------------------------------
def run(work: Path, sizes: list[int], runs: int = 3, site10k: Path | None = None, cold: int = 300,
        warm: int = 100, browser: bool = True, scratch: Path | None = None, seed: int = 1,
        log=print) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    scratch = scratch or work
    script = ROOT / "docs" / "assets" / "kb-search.js"
    out: dict = {"index": {}}
    largest = max(sizes) if sizes else 0
    for n in sizes:
        data, gen_s = ensure_data(work, n)
        log(f"search index n={n}: data ready" + (f" (generated in {gen_s:.0f} s)" if gen_s else ""))
        numbers, (index, files) = index_build(data, 1 if n >= 100_000 else runs)
        numbers["generate_s"] = round(gen_s, 1) if gen_s is not None else None
        out["index"][str(n)] = numbers
        log(f"search index n={n}: {json.dumps(numbers, ensure_ascii=False)}")
        if browser and n == largest and n >= 100_000:
            if not script.is_file():
                out["cold_error"] = f"{script.relative_to(ROOT)} is missing"
            else:
                cold_root = scratch / f"search-cold-{n}"
                write_cold_site(files, cold_root, script)
                texts = [(d.title, d.text) for d in index.docs if d.kind != "page"]
                del index, files
                out["cold"] = cold_queries(cold_root, draw_queries(texts, cold, seed))
                out["cold"]["records"] = numbers["records"]
                shutil.rmtree(cold_root, ignore_errors=True)
                log("search cold: " + json.dumps({k: v for k, v in out["cold"].items() if k != "rows"},
                                                 ensure_ascii=False))
    if browser and warm:
        if site10k is None:
            data, _ = ensure_data(work, 10_000)
            site10k = build_site(data, scratch / "search-site-10k")
        if not (site10k / "assets" / "kb-search.js").is_file():
            out["warm_error"] = f"{site10k}/assets/kb-search.js is missing"
        else:
            out["warm"] = warm_latency(site10k, draw_queries(texts_of_site(site10k), warm, seed))
            log("search warm: " + json.dumps(out["warm"], ensure_ascii=False))
    return out


def summary(result: dict) -> dict[str, str]:
    """The fields of `make bench`'s summary line."""
    cold, warm, index = result.get("cold", {}), result.get("warm", {}), result.get("index", {})

    def v(x):
        return "n/a" if x is None else str(x)
    return {
        "search_cold_200k_gz_kb": "/".join(v(cold.get(k)) for k in ("gz_kb_median", "gz_kb_p95", "gz_kb_max"))
        if cold else "n/a",
        "search_render_ms": v(cold.get("render_ms_median")),
        "search_latency_10k_ms": v(warm.get("ms_median")),
        "search_index_us_per_record": "/".join(v(index[k]["us_per_record"]) for k in sorted(index, key=int))
        or "n/a",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--sizes", default="1000,10000,200000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site10k", type=Path, help="a site built from 10k records (default: build one)")
    parser.add_argument("--cold-queries", type=int, default=300)
    parser.add_argument("--warm-queries", type=int, default=100)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--scratch", type=Path)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    result = run(args.out, sizes, args.runs, args.site10k, args.cold_queries, args.warm_queries,
                 not args.no_browser, args.scratch)
    (args.out / "search.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print("search: " + " ".join(f"{k}={v}" for k, v in summary(result).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
