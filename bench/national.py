"""`make bench-national`: the site at national scale (issue 17). Generates N records (bench/generate.py,
200,000 by default), builds the site (timed), builds it again with the whole process tree's memory sampled,
then measures the built site and a `mkdocs serve` edit. Ends with exactly one line:

    bench-national: n=… build_s=… rss_mb=… largest_page_gz_kb=… first_load_gz_kb=… kb_per_page=… serve_reload_s=…

- build_s: wall seconds of `mkdocs build` (median of --runs builds). Its CPU seconds (cpu_s in
  build/national/national.json) tell what a busy shared machine did to the wall time. Each build writes into
  a new folder, and the runs' folders are deleted only after the last one, as `make build` deletes the previous
  site only once the new one is in place: on this machine's ext4 disk (mounted with `discard`), a 20,000-record
  build that wrote right after `rm -rf` of the last build's site took 17-26 s of system time, one into a new
  folder with nothing deleted before it 3.3 s (2.1 s into a tmpfs); the user time was 24-25 s in all of them.
- rss_mb: peak memory of the build's whole process tree (sum of PSS, sampled every 0.5 s, bench/run.py:timed_build),
  in one more build, not timed: sampling the memory of processes of several GB costs CPU that would slow the build.
- largest_page_gz_kb: the largest HTML page, gzipped (level 6, as deploy/nginx.conf serves it).
- first_load_gz_kb: the heaviest first visit among the site's heaviest pages (the largest pages by size,
  each hub, the home page, the unit index, a list and a record page): the page and every file it loads
  (styles, scripts, images, fonts) as Chromium fetches them with an empty cache, each gzipped when text.
- kb_per_page: bytes on disk of the record pages' HTML (one per record with a page of its own) / their
  number, in KB.
- serve_reload_s: under a running `mkdocs serve` of the same data, from saving one record's YAML to the
  served page showing the change (bench/serve_reload.py).

    python bench/national.py [--n 200000] [--out build/national] [--runs 1] [--no-serve] [--no-browser] [--no-history]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "bench", ROOT / "tests", ROOT / "hooks"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import run  # noqa: E402
import search_bench  # noqa: E402
from serve_reload import serve_reload_seconds  # noqa: E402

GZIP_LEVEL = search_bench.GZIP_LEVEL
TARGETS = {"build_s": 180, "rss_mb": 4096, "largest_page_gz_kb": 300, "first_load_gz_kb": 150, "kb_per_page": 12,
           "serve_reload_s": 10}


def html_pages(site: Path) -> list[tuple[int, Path]]:
    """Every page (index.html and the other .html files), with its size, largest first."""
    out = []
    for folder, _, names in os.walk(site):
        for name in names:
            if name.endswith(".html"):
                path = Path(folder) / name
                out.append((path.stat().st_size, path))
    out.sort(key=lambda x: (-x[0], str(x[1])))
    return out


def largest_gz(pages: list[tuple[int, Path]]) -> tuple[int, Path | None]:
    """The largest page gzipped: pages are taken largest first until a page's raw size is below the
    largest gzipped size found (gzip never grows a page much, and raw size bounds it), so exact."""
    best, which = 0, None
    for size, path in pages:
        if size + 64 < best:
            break
        gz = len(gzip.compress(path.read_bytes(), GZIP_LEVEL))
        if gz > best:
            best, which = gz, path
    return best, which


def record_page_sizes(site: Path, corpus) -> tuple[int, int]:
    """(bytes, pages) of the record pages: one per record of a kind with a page of its own."""
    from kb.kinds import KINDS
    from kb.routes import page_path, site_url
    total = count = 0
    for kind in KINDS.values():
        if not kind.template or kind.anchor_in_parent:
            continue
        for entry in corpus.of_kind(kind.name):
            path = site / site_url(page_path(entry)) / "index.html"
            total += path.stat().st_size
            count += 1
    return total, count


def first_loads(site: Path, urls: list[str]) -> dict[str, float]:
    """Each page's first visit in Chromium (empty cache): page and everything it loads, gzipped, in KB."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, serve
    out: dict[str, float] = {}
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for url in urls:
            context = browser.new_context()
            page = context.new_page()
            sizes: list[tuple[str, int]] = []
            page.on("response", lambda r, sizes=sizes: sizes.append((r.url, run._gz_size(r))))
            page.goto(base + url, wait_until="networkidle", timeout=120_000)
            out[url] = round(sum(n for _, n in sizes) / 1024, 1)
            context.close()
        browser.close()
    return out


def heavy_urls(site: Path, pages: list[tuple[int, Path]], record_url: str) -> list[str]:
    """The pages whose first visit is likely the heaviest: the 5 largest, every hub, the home page,
    the lists' indexes and a record page."""
    urls = []
    for _, path in pages[:5]:
        urls.append(path.parent.relative_to(site).as_posix() + "/" if path.name == "index.html"
                    else path.relative_to(site).as_posix())
    urls += [f"subjects/{s}/" for s in ("party-government", "schools", "teachers", "students", "employers",
                                        "general")]
    urls += ["", "units/", "tasks/", "negative/", "lists/", record_url]
    seen: list[str] = []
    for u in urls:
        u = "" if u == "./" else u
        if u not in seen and (site / u / "index.html" if not u.endswith(".html") else site / u).is_file():
            seen.append(u)
    return seen


def commit_data(data: Path) -> None:
    """The generated data as a national site keeps them: committed to a git repository of their own (its
    folder, n<N>/), so the build reads their history (kb.history: a git blame of each of the ~4,800 files)."""
    import subprocess
    top = data.parent
    if (top / ".git").exists():
        return
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org",
           "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+08:00", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+08:00"}
    for args in (["init", "-q", "-b", "main"], ["add", "data"],
                 ["commit", "-q", "-m", "Generated data\n\n更新说明：导入生成的数据"]):
        subprocess.run(["git", "-C", str(top), *args], env=env, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "national")
    parser.add_argument("--site", type=Path, help="where the site is built (default: OUT/site)")
    parser.add_argument("--runs", type=int, default=1, help="timed builds (median); one more samples memory")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-history", action="store_true",
                        help="leave the data out of git (the build then blames nothing: no 最近更新 dates)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    start = time.perf_counter()
    data, took = search_bench.ensure_data(args.out, args.n)
    log(f"data: {data} ({f'generated in {took:.0f} s' if took else 'reused'})")
    if not args.no_history:
        commit_data(data)
    site = args.site or args.out / "site"
    cmd = [run.MKDOCS, "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    env = {**run.ENV, "KB_DATA": str(data), "PYTHONPATH": str(ROOT / "hooks")}
    # Each build into a new, empty folder, as `make build` builds (hooks/kb_build.py: a new folder, swapped in
    # at the end, the previous site deleted last). Nothing is deleted before a timed build: on this ext4 disk
    # (mounted with `discard`) a build right after deleting the last run's 170,000 folders takes 2-8 times the
    # system time to write its own (bench/national.py's docstring has the numbers); the runs' folders go at the end.
    runs = [site.with_name(f"{site.name}.run{i}") for i in range(args.runs + 1)]
    stale = [folder for folder in runs if folder.exists()]  # from a bench that was stopped
    for folder in stale:
        shutil.rmtree(folder)
    if stale:
        subprocess.run(["sync"], check=False)
    builds = []
    for i in range(args.runs):
        builds.append(run.timed_build(cmd[:-1] + [str(runs[i])], env, ROOT))
        log(f"build {i + 1}: {builds[-1].wall:.1f} s, {builds[-1].cpu:.0f} CPU s")
    build_s = statistics.median(t.wall for t in builds)
    # Memory from a build of its own: reading the memory of a few processes of 1-4 GB every half second
    # (/proc/PID/smaps_rollup walks their page tables) takes the bench ~70 s of CPU beside the build.
    sampled = run.timed_build(cmd[:-1] + [str(runs[-1])], env, ROOT, sample_memory=True, interval=0.5)
    log(f"memory build: {sampled.mb:.0f} MB ({sampled.wall:.1f} s, {sampled.cpu:.0f} CPU s, not timed)")
    rss_mb = max(sampled.mb, *(t.mb for t in builds))
    shutil.rmtree(site, ignore_errors=True)
    runs[-1].rename(site)
    for folder in runs[:-1]:
        shutil.rmtree(folder, ignore_errors=True)
    pages = html_pages(site)
    gz, largest = largest_gz(pages)
    from kb.assemble import load_corpus
    corpus = load_corpus(data, data.parent)
    rec_bytes, rec_pages = record_page_sizes(site, corpus)
    result = {"n": 0, "build_s": round(build_s, 1), "all_builds_s": [round(t.wall, 1) for t in builds],
              "cpu_s": round(statistics.median(t.cpu for t in builds), 1),
              "load_avg": [round(x, 2) for x in os.getloadavg()],
              "rss_mb": round(rss_mb), "pages": len(pages), "site_mb": round(sum(s for s, _ in pages) / 2**20),
              "largest_page": str(largest.relative_to(site)) if largest else None,
              "largest_page_gz_kb": round(gz / 1024, 1), "record_pages": rec_pages,
              "kb_per_page": round(rec_bytes / max(rec_pages, 1) / 1024, 2)}
    result["n"] = sum(corpus.counts().values())
    del corpus
    if not args.no_browser:
        loads = first_loads(site, heavy_urls(site, pages, "tasks/taoyuan-2022/44/"))
        result["first_loads_gz_kb"] = loads
        result["first_load_gz_kb"] = max(loads.values())
    if not args.no_serve:
        result["serve"] = serve_reload_seconds(data, args.out, timeout=3600)
        result["serve_reload_s"] = result["serve"]["reload_s"]
    result["total_s"] = round(time.perf_counter() - start)
    (args.out / "national.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    log(json.dumps(result, ensure_ascii=False))
    missed = [k for k, limit in TARGETS.items() if isinstance(result.get(k), (int, float)) and result[k] > limit]
    if missed:
        log("over target: " + ", ".join(f"{k}={result[k]} (target {TARGETS[k]})" for k in missed))
    log(f"build CPU time {result['cpu_s']} s (median), load average at the end {result['load_avg']}")
    print("bench-national: " + " ".join(
        f"{k}={result.get(k, 'n/a')}" for k in ("n", "build_s", "rss_mb", "largest_page_gz_kb", "first_load_gz_kb",
                                               "kb_per_page", "serve_reload_s")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
