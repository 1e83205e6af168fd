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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from generate import generate  # noqa: E402
from serve_reload import serve_reload_seconds  # noqa: E402

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


def timed_build(cmd: list[str], env: dict, cwd: Path, sample_memory: bool = False) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of a build: the kernel's peak resident size of its largest
    process or, with sample_memory, the peak of the whole process tree's memory if higher. Sampling
    costs ~30 ms of CPU each time on a 10k build, so timed builds do not sample: a separate one does."""
    peak = 0
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
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
    return wall, max(peak, usage.ru_maxrss) / 1024


def scratch_dir(out: Path) -> Path:
    """Where the built sites go: a RAM disk when there is one. This machine's disk is shared and
    writing a 10,000-page site (300 MB) to it adds 0-15 s of noise to a build; both builds (ours
    and the baseline) are measured the same way, and the report gives one on-disk build too."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm / "kb-bench"
    return out


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


def measure(label: str, n: int | None, runs: int, work: Path, stock_runs: int | None = None,
            on_disk: bool = False, scratch: Path | None = None) -> dict:
    data = ROOT / "data" if n is None else work / f"n{n}" / "data"
    if n is not None:
        generate(work / f"n{n}", n)
    from kb.corpus import load_corpus
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
    _, tree_mb = timed_build(ours_cmd, ours_env, ROOT, sample_memory=True)  # memory only, not timed
    wall = statistics.median(w for w, _ in ours)
    stock_wall = statistics.median(w for w, _ in stock)
    raw, gz = index_sizes(site)
    sraw, sgz = index_sizes(stock_site)
    pages = page_count(site)
    result = {"label": label, "records": records, "pages": pages, "runs": runs, "build_s": round(wall, 2),
              "all_runs_s": [round(w, 2) for w, _ in ours], "rss_mb": round(max(tree_mb, *(r for _, r in ours)), 1),
              "ms_per_page": round(wall * 1000 / pages, 2), "index_raw": raw, "index_gz": gz,
              "index_gz_per_record": round(gz / records, 1), "stock_build_s": round(stock_wall, 2),
              "stock_runs_s": [round(w, 2) for w, _ in stock], "stock_rss_mb": round(max(r for _, r in stock), 1),
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
    """Search latency (last keystroke → rendered results) and the weight of an item page."""
    from playwright.sync_api import sync_playwright

    from browser import CHROMIUM, CHROMIUM_ARGS, serve, timed_search, type_like_a_person
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


def write_report(results: list[dict], probe: dict, path: Path, serve: dict | None = None) -> None:
    rows = "\n".join(
        f"| {r['label']} | {r['records']} | {r['pages']} | {r['build_s']} | {r['stock_build_s']} | {r['ratio_vs_stock']} | "
        f"{r['ms_per_page']} | {r['rss_mb']} | {r['index_gz'] // 1024} KB | {r['index_gz_per_record']} |" for r in results)
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), None)
    scale = round(big["build_s"] / small["build_s"], 2) if small and big is not small else "—"
    on_disk = (f"同一构建写到磁盘（{big['label']}，一次）：{big['on_disk_build_s']} 秒。"
               if big.get("on_disk_build_s") else "")
    written = ("构建结果写入内存盘（/dev/shm），本站和基线相同：共享磁盘写入1万个页面（约 300 MB）的耗时波动可达十几秒。"
               if big.get("site_dir", "").startswith("/dev/shm") else "构建结果写入磁盘。")
    serve_line = ("- `make serve` 编辑时：保存一条任务的修改后，到页面显示修改用时 " + "、".join(
        f"{label} {t['reload_s']} 秒" for label, t in serve.items()) + "（整站重建，含 Material 的重新渲染）。\n") if serve else ""
    runs_note = "、".join(f"{r['label']}：{' / '.join(str(w) for w in r['all_runs_s'])}" for r in results)
    path.write_text(f"""# 性能与规模

本页由 `make bench` 生成：用合成数据（由真实数据的句子重新组合，格式与真实数据相同）在同一次运行中构建本站和基线（未加钩子的原版 Material + jieba，页面内容相同），记录构建时间、内存和检索索引大小。

**测试机器**：{machine()}。这类机器是共享的，结果有波动；时间取多次构建的中位数（本站：真实数据和1千条各 {results[0]['runs']} 次，1万条 {big['runs']} 次；基线在1万条时构建一次要几分钟，只构建 {len(big['stock_runs_s'])} 次）。{written}{on_disk}

构建时本站另开两个进程（用上两核机器的另一核）：一个为条目分词建检索索引、构建结束时并入 Material 的索引，一个渲染一半页面正文；峰值内存为整个进程树所占内存（各进程 PSS 之和，父子进程共享的内存页按比例分摊，每 50 毫秒采样，在另外一次不计时的构建中测得）的峰值，若单个进程的常驻内存峰值更高则取后者。

| 数据 | 条目数 | 页面数 | 构建（秒） | 基线（秒） | 与基线之比 | 每页（毫秒） | 峰值内存（MB） | 检索索引（gzip） | 每条目索引（字节，gzip） |
|---|---|---|---|---|---|---|---|---|---|
{rows}

- 每次构建的时间（秒）：{runs_note}。
- 1万条与1千条构建时间之比：{scale}（线性增长约为 {round(big['pages'] / small['pages'], 1) if small else '—'}）。
{serve_line}- 检索耗时（1万条数据，在 Chromium 中从最后一次按键到显示结果，10 个查询）：中位数 {probe.get('search_ms_median', '—')} 毫秒，最长 {probe.get('search_ms_max', '—')} 毫秒。
- 条目页首次打开（页面和全部主题文件，按 gzip 计）：{probe.get('item_first_load_gz_kb', '—')} KB；页面显示后，检索程序在后台下载检索索引 {probe.get('search_index_background_gz_kb', '—')} KB；之后打开其他页面：{probe.get('item_next_page_gz_kb', '—')} KB（主题文件已缓存）。测试用的简易服务器不发缓存头，检索程序在每个页面都重新下载索引（{probe.get('search_index_next_page_gz_kb', '—')} KB）；用 `deploy/nginx.conf` 发布时，索引设为每次校验（Cache-Control: no-cache，带 ETag），未变化时服务器只回 304、不再传送内容。
""", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs-small", type=int, default=3)
    parser.add_argument("--runs-large", type=int, default=3)
    parser.add_argument("--stock-runs-large", type=int, default=1, help="the baseline takes minutes at 10k")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--scratch", type=Path, help="where the built sites go (default: /dev/shm when writable)")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--probe-only", action="store_true", help="re-run the browser probe on the last 10k site")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.probe_only:
        saved = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        results, probe = saved["results"], probe_browser(Path(saved["results"][-1]["site"]))
        (args.out / "results.json").write_text(json.dumps({**saved, "probe": probe}, ensure_ascii=False,
                                                          indent=1), encoding="utf-8")
        write_report(results, probe, args.report, saved.get("serve"))
        print(json.dumps(probe, ensure_ascii=False))
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
    (args.out / "results.json").write_text(json.dumps({"results": results, "probe": probe, "serve": serve},
                                                      ensure_ascii=False, indent=1), encoding="utf-8")
    write_report(results, probe, args.report, serve)
    big = results[-1]
    small = next((r for r in results if r["label"] == "1k"), big)
    print(json.dumps(probe, ensure_ascii=False))
    print(f"bench: n={big['records']} build_s={big['build_s']} ratio_vs_stock={big['ratio_vs_stock']} "
          f"scale_10k_1k={round(big['build_s'] / small['build_s'], 2)} rss_mb={big['rss_mb']} "
          f"index_gz_per_record={big['index_gz_per_record']} search_ms={probe.get('search_ms_median', 'n/a')} "
          f"item_first_load_kb={probe.get('item_first_load_gz_kb', 'n/a')} "
          f"serve_reload_s={'/'.join(str(t['reload_s']) for t in serve.values()) or 'n/a'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
