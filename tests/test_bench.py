"""The benchmark itself: a small run end to end (generator, both builds, report, summary line)."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_bench_runs_end_to_end_and_reports(tmp_path):
    report = tmp_path / "performance.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "300", "--runs-small", "1", "--runs-large", "1",
         "--no-probe", "--search-sizes", "300", "--out", str(tmp_path / "out"), "--scratch", str(tmp_path / "sites"),
         "--report", str(report)],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"bench: n=(\d+) build_s=([\d.]+) ratio_vs_stock=([\d.]+) scale_10k_1k=([\d.]+) "
                     r"rss_mb=([\d.]+) index_gz_per_record=([\d.]+) search_cold_200k_gz_kb=n/a search_render_ms=n/a "
                     r"search_latency_10k_ms=n/a search_index_us_per_record=([\d.]+) .*", last)
    assert m, last
    records, build_s, ratio, _, rss, per_record, index_us = (float(x) for x in m.groups())
    assert records > 300 and build_s > 0 and ratio > 0 and rss > 50 and per_record > 0 and index_us > 0
    text = report.read_text(encoding="utf-8")
    assert "# 性能与规模" in text and "| real |" in text and "| 300 |" in text
    assert "峰值内存" in text and "构建结果写入磁盘" in text  # --scratch given: not the RAM disk
    assert "## 检索" in text and "字符二元组" in text and "jieba" not in text
