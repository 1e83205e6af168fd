"""`make bench`: build the real site at N = real data, 1,000 and 10,000 records, and in the same run a
baseline (stock Material + jieba on the same pages written as plain Markdown, no hooks); report time,
peak RSS, ms per page, search-index size; probe search latency and page weight in Chromium; write
docs/performance.md. Ends with one line: `bench: n=10000 build_s=… ratio_vs_stock=… …`.

    python bench/run.py [--sizes 1000,10000] [--runs-small 3] [--out build/bench]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "hooks"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from generate import generate  # noqa: E402

MKDOCS = str(Path(sys.executable).parent / "mkdocs")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}

STOCK_CONFIG = """site_name: 评价改革知识库（基线）
docs_dir: docs
use_directory_urls: true
theme:
  name: material
  language: zh
  font: false
  features: [navigation.tabs, navigation.sections, search.highlight]
plugins:
  - search:
      lang: zh
      separator: '{separator}'
  - tags
markdown_extensions: [abbr, admonition, attr_list, def_list, md_in_html, tables, pymdownx.details, pymdownx.superfences]
validation:
  nav: {{omitted_files: ignore}}
nav:
{nav}
"""


def timed_build(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a build, measured on the child process itself."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 1024


def index_sizes(site: Path) -> tuple[int, int]:
    raw = (site / "search" / "search_index.json").read_bytes()
    return len(raw), len(gzip.compress(raw, 9))


def page_count(site: Path) -> int:
    return sum(1 for _ in site.rglob("index.html"))


def write_stock_project(data: Path, dest: Path) -> None:
    """The same pages as plain Markdown files, for stock Material (no hooks)."""
    from kb.search import SEPARATOR
    docs = dest / "docs"
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run([sys.executable, "-m", "kb", "--data", str(data), "render", str(docs)], cwd=ROOT,
                   env={**ENV, "PYTHONPATH": str(ROOT / "hooks")}, check=True, stdout=subprocess.DEVNULL)
    for md in docs.rglob("*.md"):  # stock Material indexes every page itself
        text = md.read_text(encoding="utf-8")
        md.write_text(re.sub(r"search:\n  exclude: true\n", "", text, count=1), encoding="utf-8")
    shutil.copytree(ROOT / "docs" / "assets", docs / "assets", dirs_exist_ok=True)
    shutil.copy(ROOT / "docs" / "about.md", docs / "about.md")
    nav_lines = []
    for line in (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1].splitlines():
        nav_lines.append(line)
    (dest / "mkdocs.yml").write_text(STOCK_CONFIG.format(separator=SEPARATOR.replace("'", "''"),
                                                         nav="\n".join(nav_lines)), encoding="utf-8")


def measure(label: str, n: int | None, runs: int, work: Path) -> dict:
    data = ROOT / "data" if n is None else work / f"n{n}" / "data"
    if n is not None:
        generate(work / f"n{n}", n)
    from kb.corpus import load_corpus
    records = sum(load_corpus(data, data.parent).counts().values())
    site = work / f"site-{label}"
    ours, stock = [], []
    stock_dir = work / f"stock-{label}"
    write_stock_project(data, stock_dir)
    for _ in range(runs):  # interleaved, so both see the same machine load
        ours.append(timed_build([MKDOCS, "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                                {**ENV, "KB_DATA": str(data)}, ROOT))
        stock.append(timed_build([MKDOCS, "build", "-q", "-d", str(work / f"stock-site-{label}")], ENV, stock_dir))
    wall = statistics.median(w for w, _ in ours)
    stock_wall = statistics.median(w for w, _ in stock)
    raw, gz = index_sizes(site)
    sraw, sgz = index_sizes(work / f"stock-site-{label}")
    pages = page_count(site)
    return {"label": label, "records": records, "pages": pages, "runs": runs, "build_s": round(wall, 2),
            "all_runs_s": [round(w, 2) for w, _ in ours], "rss_mb": round(max(r for _, r in ours), 1),
            "ms_per_page": round(wall * 1000 / pages, 2), "index_raw": raw, "index_gz": gz,
            "index_gz_per_record": round(gz / records, 1), "stock_build_s": round(stock_wall, 2),
            "stock_runs_s": [round(w, 2) for w, _ in stock], "stock_rss_mb": round(max(r for _, r in stock), 1),
            "stock_index_gz": sgz, "stock_index_raw": sraw, "ratio_vs_stock": round(wall / stock_wall, 3),
            "site": str(site)}


def probe_browser(site: Path) -> dict:
    """Search latency (last keystroke → rendered results) and the weight of an item page."""
    from browser import CHROMIUM, CHROMIUM_ARGS, serve, timed_search, type_like_a_person
    from playwright.sync_api import sync_playwright
    queries = ["体质监测", "状元", "思政课", "双师型", "中考 体育", "教学述评", "小学化", "任务44", "家庭教育", "劳动"]
    timings = []
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base)
        page.wait_for_function("() => document.querySelector('.md-search__input') !== null")
        page.click(".md-search__input")
        type_like_a_person(page, "预热")  # the worker loads the index on first use
        page.wait_for_timeout(3000)
        for q in queries:
            page.fill(".md-search__input", "")
            page.wait_for_timeout(200)
            timings.append(timed_search(page, q))
        # page weight: a fresh context (empty cache), then a repeat load
        context = browser.new_context()
        item = context.new_page()
        sizes: list[tuple[str, int]] = []
        item.on("response", lambda r: sizes.append((r.url, _gz_size(r))))
        item.goto(base + "tasks/taoyuan-2022/44/", wait_until="networkidle")
        # The search worker fetches the index in the background after the page has loaded.
        page_bytes = sum(n for u, n in sizes if "search_index" not in u)
        index_bytes = sum(n for u, n in sizes if "search_index" in u)
        sizes.clear()
        item.goto(base + "tasks/taoyuan-2022/45/", wait_until="networkidle")
        repeat = sum(n for u, n in sizes if "search_index" not in u)
        repeat_index = sum(n for u, n in sizes if "search_index" in u)
        browser.close()
    return {"search_ms_median": round(statistics.median(timings), 1), "search_ms_max": round(max(timings), 1),
            "item_first_load_gz_kb": round(page_bytes / 1024, 1),
            "search_index_background_gz_kb": round(index_bytes / 1024, 1),
            "item_next_page_gz_kb": round(repeat / 1024, 1),
            "search_index_next_page_gz_kb": round(repeat_index / 1024, 1)}


def _gz_size(response) -> int:
    """What the response costs over a gzip-enabled server (the nginx config compresses text);
    nothing when the browser took it from its cache."""
    try:
        if response.request.sizes()["responseBodySize"] <= 0:
            return 0
        body = response.body()
    except Exception:
        return 0
    ctype = response.headers.get("content-type", "")
    text = any(t in ctype for t in ("text/", "javascript", "json", "svg", "xml"))
    if response.status == 304 or response.request.resource_type in ("fetch", "xhr") and not body:
        return 0
    return len(gzip.compress(body, 6)) if text else len(body)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return f"{os.cpu_count()} 核 {cpu}，内存 {mem:.0f} GiB，Python {platform.python_version()}，{platform.system()} {platform.machine()}"


def write_report(results: list[dict], probe: dict, path: Path) -> None:
    rows = "\n".join(
        f"| {r['label']} | {r['records']} | {r['pages']} | {r['build_s']} | {r['stock_build_s']} | {r['ratio_vs_stock']} | "
        f"{r['ms_per_page']} | {r['rss_mb']} | {r['index_gz'] // 1024} KB | {r['index_gz_per_record']} |" for r in results)
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), None)
    scale = round(big["build_s"] / small["build_s"], 2) if small and big is not small else "—"
    path.write_text(f"""# 性能与规模

本页由 `make bench` 生成：用合成数据（由真实数据的句子重新组合，格式与真实数据相同）在同一次运行中构建本站和基线（未加钩子的原版 Material + jieba，页面内容相同），记录构建时间、内存和检索索引大小。

**测试机器**：{machine()}。这类机器是共享的，结果有波动；时间取多次构建的中位数。

| 数据 | 条目数 | 页面数 | 构建（秒） | 基线（秒） | 与基线之比 | 每页（毫秒） | 峰值内存（MB） | 检索索引（gzip） | 每条目索引（字节，gzip） |
|---|---|---|---|---|---|---|---|---|---|
{rows}

- 1万条与1千条构建时间之比：{scale}（线性增长约为 {round(big['pages'] / small['pages'], 1) if small else '—'}）。
- 检索耗时（1万条数据，在 Chromium 中从最后一次按键到显示结果，10 个查询）：中位数 {probe.get('search_ms_median', '—')} 毫秒，最长 {probe.get('search_ms_max', '—')} 毫秒。
- 条目页首次打开（页面和全部主题文件，按 gzip 计）：{probe.get('item_first_load_gz_kb', '—')} KB；页面显示后，检索程序在后台下载检索索引 {probe.get('search_index_background_gz_kb', '—')} KB；之后打开其他页面：{probe.get('item_next_page_gz_kb', '—')} KB（主题文件已缓存）。测试用的简易服务器不发缓存头，检索程序在每个页面都重新下载索引（{probe.get('search_index_next_page_gz_kb', '—')} KB）；用 `deploy/nginx.conf` 发布时，索引设为每次校验（Cache-Control: no-cache，带 ETag），未变化时服务器只回 304、不再传送内容。
""", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs-small", type=int, default=3)
    parser.add_argument("--runs-large", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--probe-only", action="store_true", help="re-run the browser probe on the last 10k site")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.probe_only:
        saved = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        results, probe = saved["results"], probe_browser(Path(saved["results"][-1]["site"]))
        (args.out / "results.json").write_text(json.dumps({"results": results, "probe": probe}, ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
        write_report(results, probe, args.report)
        print(json.dumps(probe, ensure_ascii=False))
        return 0
    results = [measure("real", None, args.runs_small, args.out)]
    for n in [int(x) for x in args.sizes.split(",") if x]:
        label = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        results.append(measure(label, n, args.runs_small if n <= 1000 else args.runs_large, args.out))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    probe = {} if args.no_probe else probe_browser(Path(results[-1]["site"]))
    (args.out / "results.json").write_text(json.dumps({"results": results, "probe": probe}, ensure_ascii=False,
                                                      indent=1), encoding="utf-8")
    write_report(results, probe, args.report)
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), big)
    print(json.dumps(probe, ensure_ascii=False))
    print(f"bench: n={big['records']} build_s={big['build_s']} ratio_vs_stock={big['ratio_vs_stock']} "
          f"scale_10k_1k={round(big['build_s'] / small['build_s'], 2)} rss_mb={big['rss_mb']} "
          f"index_gz_per_record={big['index_gz_per_record']} search_ms={probe.get('search_ms_median', 'n/a')} "
          f"item_first_load_kb={probe.get('item_first_load_gz_kb', 'n/a')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
