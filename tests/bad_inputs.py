"""Materialise a bad-input case of tests/bad_inputs.yml over a copy of the minimal data set."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from conftest import ROOT

MINIMAL = ROOT / "tests" / "fixtures" / "minimal" / "data"
CASES = yaml.safe_load((ROOT / "tests" / "bad_inputs.yml").read_text(encoding="utf-8"))["cases"]


def generated(kind: str) -> str:
    docs = (MINIMAL / "documents.yml").read_text(encoding="utf-8")
    if kind == "bad_date":
        return docs.replace('date: "2024-03-01"', 'date: "2024-02-30"')
    if kind == "slash_date":
        return docs.replace('date: "2024-03-01"', 'date: "2024/03/01"')
    if kind == "js_url":
        return docs.replace("    source_file: a.txt\n    summary: 一份", "    source_file: a.txt\n"
                            "    source_url: javascript:alert(1)\n    summary: 一份", 1)
    if kind == "alias_bomb":  # a billion laughs: nine levels of ten aliases each
        lines = ['a0: &a0 ["哈哈"]']
        lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 10)]
        return "\n".join(lines) + "\nterms: *a9\n"
    if kind == "big_text":
        return ("terms:\n  - id: ceshi\n    term: 测试\n    definition: " + "很长" * 2_621_440
                + "\n    sources: [list-a]\n")
    if kind.startswith("deep_"):  # brackets nested n levels deep
        depth = int(kind.split("_")[1])
        return "terms: " + "[" * depth + "]" * depth + "\n"
    if kind == "bool_no":  # YAML 1.1 reads `no` as false; here it is the text 'no'
        return ("forms:\n  - id: form-a\n    document: lib-a\n    attachment: 1\n    title: 申报表\n"
                "    format: docx\n    purpose: 申报。\n    filled_by: 学校。\n    case_template: no\n"
                "    page: {size: A4, orientation: portrait}\n")
    if kind == "bidi_url":  # an escape sequence and a right-to-left override that would spoof the link text
        return docs.replace("    source_file: a.txt\n    summary: 一份", "    source_file: a.txt\n"
                            '    source_url: "https://example.org/\\e[2J\\u202egpj.exe"\n    summary: 一份', 1)
    if kind == "source_proc":
        return docs.replace("source_file: a.txt", "source_file: /proc/self/environ", 1)
    if kind == "source_dotdot":
        return docs.replace("source_file: a.txt", "source_file: ../../../../etc/passwd", 1)
    raise ValueError(kind)


def make_case(case: dict, dest: Path) -> Path:
    """Copy the minimal data set to dest/data and apply the case; returns the data folder."""
    data = dest / "data"
    shutil.copytree(MINIMAL, data)
    text = generated(case["generate"]) if "generate" in case else case["content"]
    raw = text.encode("gbk") if case.get("encoding") == "gbk" else text.encode("utf-8")
    if case.get("encoding") == "bom":
        raw = b"\xef\xbb\xbf" + raw
    target = data / case["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(raw)
    return data
