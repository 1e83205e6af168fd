"""`make bench`: build the real site at N = real data, 1,000 and 10,000 records, and in the same run a
baseline (stock Material with its own search plugin, on the same pages written as plain Markdown, no
hooks); report time, peak RSS, ms per page, search-index size; measure kb's search (bench/search_bench.py:
index build time at 1k/10k/200k, cold queries at 200k and typing latency at 10k in Chromium) and page
weight; write docs/performance.md. Ends with one line: `bench: n=10000 build_s=… ratio_vs_stock=… …`.

    python bench/run.py [--sizes 1000,10000] [--runs-small 3] [--out build/bench] [--search-sizes 1000,10000,200000]
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
import threading
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import search_bench  # noqa: E402
from serve_reload import serve_reload_seconds  # noqa: E402

generate = search_bench._generate()

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
  - tags
markdown_extensions: [abbr, admonition, attr_list, def_list, md_in_html, tables, pymdownx.details, pymdownx.superfences]
validation:
  nav: {{omitted_files: ignore}}
nav:
{nav}
"""


STOCK_PAGES = """
import json
import sys
from pathlib import Path
from typing import NamedTuple
from kb.site import Site
data, docs = Path(sys.argv[1]), Path(sys.argv[2])
built = Site.load(data, data.parent, "none").build()
for page in built.pages:
    out = docs / page.path
    out.parent.mkdir(parents=True, exist_ok=True)
    title = json.dumps(page.title, ensure_ascii=False)  # a JSON string is a YAML one
    out.write_text(f"---\\ntitle: {title}\\n---\\n\\n{page.html}\\n", encoding="utf-8")
for path, content in built.files.items():
    out = docs / path
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
"""


def _tree_memory_kb(pid: int) -> int:
    """Memory of a process and all its descendants (the build forks helpers), in KB: the sum of
    their proportional set sizes (a page shared by a parent and its forked child counts half to
    each), so the total is what the tree really occupies; resident size where PSS is unreadable."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1))
        except (OSError, AttributeError):
            try:
                total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
            except (OSError, ValueError, IndexError):
                continue
    return total


class Timed(NamedTuple):
    wall: float   # seconds
    mb: float     # peak memory
    cpu: float    # seconds of CPU, user and system, of the build and the processes it forked and waited for


def timed_build(cmd: list[str], env: dict, cwd: Path, sample_memory: bool = False,
                interval: float = 0.05) -> Timed:
    """Wall seconds, peak memory (MB) and CPU seconds of a build. The memory is the kernel's peak resident
    size of its largest process or, with sample_memory, the peak of the whole process tree's memory if
    higher. Sampling costs ~30 ms of CPU each time on a 10k build, so timed builds do not sample: a
    separate one does. On a shared machine the wall time depends on what else runs, the CPU time much less."""
    peak = 0
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak
        while not done.wait(interval):
            peak = max(peak, _tree_memory_kb(proc.pid))
    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    err = proc.stderr.read()  # until the build closes it (exits)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sample_memory:
        sampler.join()
    err = err.decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}\n{err[-3000:]}")
    return Timed(wall, max(peak, usage.ru_maxrss) / 1024, usage.ru_utime + usage.ru_stime)


def scratch_dir(out: Path) -> Path:
    """Where the built sites go: a RAM disk when there is one. This machine's disk is shared and
    writing a 10,000-page site (300 MB) to it adds 0-15 s of noise to a build; both builds (ours
    and the baseline) are measured the same way, and the report gives one on-disk build too."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm / "kb-bench"
    return out


def index_sizes(site: Path) -> tuple[int, int]:
    """The whole search index, raw and gzipped: kb's search/ files (each gzipped as served: level 6), or
    stock Material's search_index.json (level 9; the browser downloads it whole)."""
    lunr = site / "search" / "search_index.json"
    if lunr.is_file():
        raw = lunr.read_bytes()
        return len(raw), len(gzip.compress(raw, 9))
    files = [f.read_bytes() for f in sorted((site / "search").rglob("*")) if f.is_file()]
    return sum(map(len, files)), sum(len(gzip.compress(b, search_bench.GZIP_LEVEL)) for b in files)


def page_count(site: Path) -> int:
    return sum(1 for _ in site.rglob("index.html"))


def write_stock_project(data: Path, dest: Path) -> None:
    """The same pages as plain Markdown files, for stock Material (no hooks)."""
    docs = dest / "docs"
    if dest.exists():
        shutil.rmtree(dest)
    # Every page as a Markdown file (its title, then its HTML, which Markdown passes through) at its docs
    # path, and the other files (downloads, open data) beside them; in a child process, so that this one
    # does not hold the corpus. (`kb render` writes a browsable HTML folder: stock Material would copy
    # those .html files as they are and build no page.)
    subprocess.run([sys.executable, "-c", STOCK_PAGES, str(data), str(docs)], cwd=ROOT,
                   env={**ENV, "PYTHONPATH": str(ROOT / "hooks")}, check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(ROOT / "docs" / "assets", docs / "assets", dirs_exist_ok=True)
    shutil.copy(ROOT / "docs" / "about.md", docs / "about.md")
    nav_lines = []
    for line in (ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\nnav:\n", 1)[1].splitlines():
        nav_lines.append(line)
    (dest / "mkdocs.yml").write_text(STOCK_CONFIG.format(nav="\n".join(nav_lines)), encoding="utf-8")


def measure(label: str, n: int | None, runs: int, work: Path, stock_runs: int | None = None,
            on_disk: bool = False, scratch: Path | None = None) -> dict:
    data = ROOT / "data" if n is None else work / f"n{n}" / "data"
    if n is not None:
        generate(work / f"n{n}", n)
        search_bench.mark_generated(work / f"n{n}", n)
    from kb.assemble import load_corpus
    records = sum(load_corpus(data, data.parent).counts().values())
    scratch = scratch or scratch_dir(work)
    site, stock_site = scratch / f"site-{label}", scratch / f"stock-site-{label}"
    ours, stock = [], []
    stock_dir = work / f"stock-{label}"
    write_stock_project(data, stock_dir)
    ours_cmd = [MKDOCS, "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    ours_env = {**ENV, "KB_DATA": str(data)}
    stock_runs = runs if stock_runs is None else stock_runs
    for i in range(max(runs, stock_runs)):  # interleaved, so both see the same machine load
        if i < runs:
            ours.append(timed_build(ours_cmd, ours_env, ROOT))
        if i < stock_runs:
            stock.append(timed_build([MKDOCS, "build", "-q", "-d", str(stock_site)], ENV, stock_dir))
    tree_mb = timed_build(ours_cmd, ours_env, ROOT, sample_memory=True).mb  # memory only, not timed
    wall = statistics.median(t.wall for t in ours)
    stock_wall = statistics.median(t.wall for t in stock)
    raw, gz = index_sizes(site)
    sraw, sgz = index_sizes(stock_site)
    pages = page_count(site)
    result = {"label": label, "records": records, "pages": pages, "runs": runs, "build_s": round(wall, 2),
              "all_runs_s": [round(t.wall, 2) for t in ours], "rss_mb": round(max(tree_mb, *(t.mb for t in ours)), 1),
              "ms_per_page": round(wall * 1000 / pages, 2), "index_raw": raw, "index_gz": gz,
              "index_gz_per_record": round(gz / records, 1), "stock_build_s": round(stock_wall, 2),
              "stock_runs_s": [round(t.wall, 2) for t in stock], "stock_rss_mb": round(max(t.mb for t in stock), 1),
              "stock_index_gz": sgz, "stock_index_raw": sraw, "ratio_vs_stock": round(wall / stock_wall, 3),
              "site": str(site), "site_dir": str(scratch)}
    if on_disk and scratch != work:  # the same build once more, written to the disk
        disk_site = work / f"site-{label}-disk"
        shutil.rmtree(disk_site, ignore_errors=True)
        result["on_disk_build_s"] = round(timed_build(ours_cmd[:-1] + [str(disk_site)], ours_env, ROOT)[0], 2)
        shutil.rmtree(disk_site, ignore_errors=True)
    shutil.rmtree(stock_site, ignore_errors=True)
    return result


def probe_browser(site: Path) -> dict:
    """The weight of an item page (first visit, then the next page) and what a page load fetches under
    search/ (nothing: the search index is fetched by queries only). Search timing: bench/search_bench.py."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, serve
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()  # empty cache
        item = context.new_page()
        sizes: list[tuple[str, int]] = []
        item.on("response", lambda r: sizes.append((r.url, _gz_size(r))))
        item.goto(base + "tasks/taoyuan-2022/44/", wait_until="networkidle")
        page_bytes = sum(n for u, n in sizes if "/search/" not in u)
        index_bytes = sum(n for u, n in sizes if "/search/" in u)
        sizes.clear()
        item.goto(base + "tasks/taoyuan-2022/45/", wait_until="networkidle")
        repeat = sum(n for u, n in sizes if "/search/" not in u)
        browser.close()
    return {"item_first_load_gz_kb": round(page_bytes / 1024, 1),
            "search_on_page_load_gz_kb": round(index_bytes / 1024, 1),
            "item_next_page_gz_kb": round(repeat / 1024, 1)}


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


def _search_section(search: dict) -> str:
    """The report's search part (bench/search_bench.py's numbers), in Chinese."""
    sb = search_bench
    index, cold, warm = search.get("index", {}), search.get("cold"), search.get("warm")
    out = ["## 检索", "",
           "本站的检索是 kb 自己的检索引擎（`hooks/kb/search.py` 建索引，`assets/kb-search.js` 在浏览器中用同一算法查询）："
           "按字符建立的分片倒排索引，键是每个单字和每对相邻的两个字（字符二元组）；一两个字的查询词按其本身查找，"
           "较长的查询词按其中最少见的 3 对字查找，候选条目再按原文核对。打开页面时不下载索引；一次查询只下载 "
           "`search/meta.js`（条目数、类别的范围、检索别名、常见字对及其条目数等概要）、"
           "查询词的键所在的分片（`search/s/`）和显示出来的条目所在的文档块（`search/d/`，每块 16 条）；"
           "按评价主体或清单筛选时才另下载 `search/facets.js`（各条目的评价主体和所属清单）。"
           "分片数随条目数增长（约每 100 条一个分片），一次查询下载的量因此基本不随条目数增长。", ""]
    if index:
        rows = "\n".join(
            f"| {n} | {r['records']} | {r['build_s']} | {r['us_per_record']} | {r['shards']} | {r['docs_files']} | "
            f"{r['raw_mb']} | {r['meta_gz_kb']} | {r['load_corpus_s']} |" for n, r in sorted(index.items(), key=lambda x: int(x[0])))
        out += ["索引构建（`SearchIndex.from_corpus` 加生成全部文件，不含读取数据；20万条构建一次，其余取 3 次的中位数）："
                "每条目的微秒数大致不变，即构建时间随条目数线性增长。", "",
                "| 合成数据 | 条目数 | 构建（秒） | 每条目（微秒） | 分片数 | 文档块数 | 全部文件（MB，未压缩） | meta.js（KB，gzip） | 读取并校验数据（秒） |",
                "|---|---|---|---|---|---|---|---|---|", rows, ""]
    if cold:
        ok = cold["gz_kb_max"] <= sb.COLD_LIMIT_KB
        out.append(
            f"- 冷查询（{cold['records']} 条）：{cold['queries']} 个查询，从条目的标题和正文中按固定种子随机截取 2–6 个字，"
            f"三分之一由两个词组成；每个查询在新的浏览器环境（缓存为空）中、页面加载完成后执行，取检索框首先显示的 {cold['limit']} 条结果。"
            f"一次查询下载的全部检索文件（`search/` 下，gzip）：中位数 {cold['gz_kb_median']} KB，95% 分位 {cold['gz_kb_p95']} KB，"
            f"最多 {cold['gz_kb_max']} KB（其中 meta.js {cold['meta_gz_kb']} KB；中位数下载 {cold['shards_median']} 个分片"
            f"{'（' + str(cold['shards_gz_kb_median']) + ' KB）' if 'shards_gz_kb_median' in cold else ''}、"
            f"{cold['docs_files_median']} 个文档块"
            f"{'（' + str(cold['docs_gz_kb_median']) + ' KB）' if 'docs_gz_kb_median' in cold else ''}），超过 {sb.COLD_LIMIT_KB} KB 的查询 {cold['over_limit']} 个"
            f"（{round(cold['over_limit_share'] * 100, 1)}%）{'，全部达到目标' if ok else '，未全部达到目标'}。"
            f"所需文件到达后到查询得出结果：中位数 {cold['render_ms_median']} 毫秒，95% 分位 {cold['render_ms_p95']} 毫秒，"
            f"最长 {cold['render_ms_max']} 毫秒（目标 {sb.RENDER_LIMIT_MS} 毫秒以内）。")
    if warm:
        out.append(
            f"- 输入延迟（1万条，真实站点）：在页首检索框中像人一样输入 {warm['queries']} 个查询（同样随机截取），"
            f"从最后一次按键到结果列表显示该查询的结果：中位数 {warm['ms_median']} 毫秒，95% 分位 {warm['ms_p95']} 毫秒，"
            f"最长 {warm['ms_max']} 毫秒（第一次查询已加载 meta.js；目标中位数 {sb.WARM_LIMIT_MS} 毫秒以内）。"
            f"其中包括经本机 HTTP 下载该查询所需的分片和文档块；所需文件都已加载时，检索本身用时中位数 "
            f"{warm.get('engine_ms_median', '—')} 毫秒。")
    if not (cold or warm):
        out.append("- 浏览器中的检索测量本次未运行。")
    return "\n".join(out) + "\n"


def write_report(results: list[dict], probe: dict, path: Path, serve: dict | None = None,
                 search: dict | None = None) -> None:
    rows = "\n".join(
        f"| {r['label']} | {r['records']} | {r['pages']} | {r['build_s']} | {r['stock_build_s']} | {r['ratio_vs_stock']} | "
        f"{r['ms_per_page']} | {r['rss_mb']} | {r['index_gz'] // 1024} KB | {r['index_gz_per_record']} | "
        f"{r['stock_index_gz'] // 1024} KB |" for r in results)
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), None)
    scale = round(big["build_s"] / small["build_s"], 2) if small and big is not small else "—"
    on_disk = (f"同一构建写到磁盘（{big['label']}，一次）：{big['on_disk_build_s']} 秒。"
               if big.get("on_disk_build_s") else "")
    written = ("构建结果写入内存盘（/dev/shm），本站和基线相同：共享磁盘写入1万个页面（约 300 MB）的耗时波动可达十几秒。"
               if big.get("site_dir", "").startswith("/dev/shm") else "构建结果写入磁盘。")
    serve_line = ("- `make serve` 编辑时：保存一条任务的修改后，到页面显示修改用时 " + "、".join(
        f"{label} {t['reload_s']} 秒" for label, t in serve.items()) + "（`mkdocs serve --dirty`：只重新渲染改动的页面和导航中的页面）。\n") if serve else ""
    runs_note = "、".join(f"{r['label']}：{' / '.join(str(w) for w in r['all_runs_s'])}" for r in results)
    weight = (f"- 条目页首次打开（页面和全部主题文件，按 gzip 计）：{probe['item_first_load_gz_kb']} KB，其中检索索引 "
              f"{probe['search_on_page_load_gz_kb']} KB（打开页面不下载索引，检索时才下载所需部分）；之后打开其他页面："
              f"{probe['item_next_page_gz_kb']} KB（主题文件已缓存）。\n") if probe else ""
    path.write_text(f"""# 性能与规模

本页由 `make bench` 生成：用合成数据（由真实数据的句子重新组合，格式与真实数据相同）在同一次运行中构建本站和基线（未加钩子的原版 Material，用它自带的 lunr 检索插件，页面内容相同），记录构建时间、内存和检索索引大小，并在 Chromium 中测量检索。

**测试机器**：{machine()}。这类机器是共享的，结果有波动；时间取多次构建的中位数（本站：真实数据和1千条各 {results[0]['runs']} 次，1万条 {big['runs']} 次；基线在1万条时构建一次要几分钟，只构建 {len(big['stock_runs_s'])} 次）。{written}{on_disk}

构建时本站另开两个进程（用上两核机器的另一核）：一个建检索索引（写到 `search/` 下的分片文件），一个渲染一半页面正文；峰值内存为整个进程树所占内存（各进程 PSS 之和，父子进程共享的内存页按比例分摊，每 50 毫秒采样，在另外一次不计时的构建中测得）的峰值，若单个进程的常驻内存峰值更高则取后者。

检索索引一栏是 `search/` 下全部文件逐个 gzip 后的总和（没有哪次访问会全部下载）；基线一栏是 Material 的 `search_index.json`（gzip），浏览器使用检索前要整个下载。

| 数据 | 条目数 | 页面数 | 构建（秒） | 基线（秒） | 与基线之比 | 每页（毫秒） | 峰值内存（MB） | 检索索引（gzip） | 每条目索引（字节，gzip） | 基线检索索引（gzip） |
|---|---|---|---|---|---|---|---|---|---|---|
{rows}

- 每次构建的时间（秒）：{runs_note}。
- 1万条与1千条构建时间之比：{scale}（线性增长约为 {round(big['pages'] / small['pages'], 1) if small else '—'}）。
{serve_line}{weight}
{_search_section(search or {})}""", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs-small", type=int, default=3)
    parser.add_argument("--runs-large", type=int, default=3)
    parser.add_argument("--stock-runs-large", type=int, default=1, help="the baseline takes minutes at 10k")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--scratch", type=Path, help="where the built sites go (default: /dev/shm when writable)")
    parser.add_argument("--search-sizes", default="1000,10000,200000",
                        help="record counts of the search index timing; the largest (>= 100k) gets the cold queries")
    parser.add_argument("--cold-queries", type=int, default=300)
    parser.add_argument("--warm-queries", type=int, default=100)
    parser.add_argument("--no-search", action="store_true", help="no search benchmark (bench/search_bench.py)")
    parser.add_argument("--no-probe", action="store_true", help="nothing in the browser")
    parser.add_argument("--probe-only", action="store_true",
                        help="re-run the browser measurements (page weight, search) on the last run's sites and data")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    search_sizes = [int(x) for x in args.search_sizes.split(",") if x]
    if args.probe_only:
        saved = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        results, probe = saved["results"], probe_browser(Path(saved["results"][-1]["site"]))
        search = saved.get("search", {})
        if not args.no_search:
            search = run_search(args, search_sizes, results)
        (args.out / "results.json").write_text(json.dumps({**saved, "probe": probe, "search": search},
                                                          ensure_ascii=False, indent=1), encoding="utf-8")
        write_report(results, probe, args.report, saved.get("serve"), search)
        print(json.dumps(probe, ensure_ascii=False))
        print(summary_line(results, probe, saved.get("serve", {}), search))
        return 0
    results = [measure("real", None, args.runs_small, args.out, scratch=args.scratch)]
    for n in [int(x) for x in args.sizes.split(",") if x]:
        label = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        large = n > 1000
        results.append(measure(label, n, args.runs_large if large else args.runs_small, args.out,
                               args.stock_runs_large if large else None, on_disk=large, scratch=args.scratch))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    probe = {} if args.no_probe else probe_browser(Path(results[-1]["site"]))
    serve = {} if args.no_probe else {"真实数据": serve_reload_seconds(ROOT / "data", args.out)}
    if not args.no_probe and (args.out / "n1000" / "data").is_dir():
        serve["1千条"] = serve_reload_seconds(args.out / "n1000" / "data", args.out)
    search = {} if args.no_search else run_search(args, search_sizes, results)
    (args.out / "results.json").write_text(json.dumps({"results": results, "probe": probe, "serve": serve,
                                                       "search": search}, ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    write_report(results, probe, args.report, serve, search)
    print(json.dumps(probe, ensure_ascii=False))
    print(summary_line(results, probe, serve, search))
    return 0


def run_search(args: argparse.Namespace, sizes: list[int], results: list[dict]) -> dict:
    """bench/search_bench.py: index build times, cold queries at the largest size, typing latency on the
    10k site this run built (or one it builds)."""
    site10k = next((Path(r["site"]) for r in results if r["label"] == "10k" and Path(r["site"]).is_dir()), None)
    scratch = args.scratch or scratch_dir(args.out)
    search = search_bench.run(args.out, sizes, args.runs_small, site10k, args.cold_queries, args.warm_queries,
                              browser=not args.no_probe, scratch=scratch, log=lambda m: print(m, flush=True))
    (args.out / "search.json").write_text(json.dumps(search, ensure_ascii=False, indent=1), encoding="utf-8")
    search.get("cold", {}).pop("rows", None)  # all 300 queries: in search.json, not in results.json
    return search


def summary_line(results: list[dict], probe: dict, serve: dict, search: dict) -> str:
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), big)
    fields = search_bench.summary(search)
    return (f"bench: n={big['records']} build_s={big['build_s']} ratio_vs_stock={big['ratio_vs_stock']} "
            f"scale_10k_1k={round(big['build_s'] / small['build_s'], 2)} rss_mb={big['rss_mb']} "
            f"index_gz_per_record={big['index_gz_per_record']} "
            + " ".join(f"{k}={v}" for k, v in fields.items())
            + f" item_first_load_kb={probe.get('item_first_load_gz_kb', 'n/a')} "
            f"serve_reload_s={'/'.join(str(t['reload_s']) for t in serve.values()) or 'n/a'}")


if __name__ == "__main__":
    sys.exit(main())
