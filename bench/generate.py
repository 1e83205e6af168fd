"""Synthetic corpus for the benchmark: the real data plus N records more, in the real format.

Counties get task lists shaped like 桃源县's (66 tasks in six sections, 21 units
with the same names in their own region, the same unit patterns and deadlines)
and progress reported on them (every third task by its lead unit, every ninth
twice: a report in 2023 and one in 2024), so pages with progress are measured,
provinces get project libraries of 25, and negative-list entries cite county
tasks and link to the national plan. Text is recombined from sentences of the
real records, links are about as dense as in the real data. Deterministic for
a seed: same N and seed, same bytes.

    python bench/generate.py OUT_DIR N [--seed 1]
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parents[1]

from kb.assemble import load_corpus  # noqa: E402
from kb.corpus import plain, same_words  # noqa: E402
from kb.kinds import auto_title, negative_title  # noqa: E402

SUBJECTS = ["党委和政府", "学校", "教师", "学生", "用人", "综合"]
STATUSES = ["未启动", "推进中", "已完成", "长期坚持"]


def _sentences(texts) -> list[str]:
    out = []
    for t in texts:
        out += [s + "。" for s in re.split(r"[。；]", plain(t)) if len(s) >= 6]
    return sorted(set(out))


def _dump(path: Path, schema: str, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=10_000)
    path.write_text(f"# yaml-language-server: $schema={schema}\n" + text, encoding="utf-8")


def _titled(item: dict, seen: set[str]) -> dict:
    """Sentences recombined repeat their first clauses: a repeated title gets an editorial one, as an
    editor would write it (titles are unique within a list, kb.checks)."""
    title = auto_title(item["text"])
    if title in seen:
        title = f"{title}（第{item['number']}项）"
        item.update(title=title, title_editorial=True)
    seen.add(title)
    return item


def generate(out: Path, n: int, seed: int = 1) -> dict[str, int]:
    """Write data/ (real data + about n synthetic records) under out; returns counts per kind."""
    rng = random.Random(seed)
    real = load_corpus(ROOT / "data", ROOT)
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(ROOT / "data", data)

    tasks = [e for e in real.of_kind("task")]
    task_sentences = _sentences(e.record.text for e in tasks)
    project_sentences = _sentences(e.record.text for e in real.of_kind("project"))
    negatives = real.of_kind("negative")
    national = [e.id for e in negatives if e.record.sources[0].document == "national-plan-2020"]
    units = real.of_kind("unit")
    taoyuan = real.document("taoyuan-2022")

    n = max(0, n - len(real.entries))  # N counts every record, the real ones included
    reported = tasks[::3]                          # every third task gets a report by its lead unit …
    twice = {t.number for t in tasks[::9]}         # … every ninth an earlier one too
    per_county = len(tasks) + len(units) + len(reported) + len(twice)  # 87 records, and 30 progress entries
    counties = max(1, round(n * 0.7 / per_county))
    libraries = max(1, round(n * 0.15 / 25))
    n_negatives = max(1, n - counties * per_county - libraries * 25)

    docs = yaml.safe_load((data / "documents.yml").read_text(encoding="utf-8"))
    county_tasks: list[str] = []
    for c in range(1, counties + 1):
        doc_id, region = f"county-{c:04d}", f"测试省第{c}县"
        docs["documents"].append({
            "id": doc_id, "title": f"第{c}县深化新时代教育评价改革重点任务清单", "short_title": f"第{c}县重点任务清单",
            "kind": "任务清单", "issuer": f"第{c}县教育局", "date": f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "region": region, "source_file": "taoyuan-2022.txt", "summary": "合成的基准测试数据。",
            "sections": [s.model_dump() for s in taoyuan.sections]})
        _dump(data / "units" / f"{doc_id}.yml", "../schema/units.schema.json", {"units": [
            {"id": f"c{c}-{u.id}", "name": u.record.name, "region": region} for u in units]})
        items = []
        titles: set[str] = set()
        for t in tasks:
            text = "".join(rng.sample(task_sentences, rng.randint(1, 3)))
            item = {"number": t.number, "section": t.record.section, "text": text,
                    "units": list(t.record.units), "deadline": t.record.deadline}
            items.append(_titled(item, titles))
            county_tasks.append(f"{doc_id}/{t.number}")
        _dump(data / "tasks" / f"{doc_id}.yml", "../schema/tasks.schema.json", {"list": doc_id, "tasks": items})
        progress = []
        for t in reported:
            dates = ([f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"] if t.number in twice else []) + \
                [f"2024-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"]
            for day in dates:
                progress.append({"task": t.number, "unit": t.record.units[0], "date": day,
                                 "status": rng.choice(STATUSES), "report": rng.choice(task_sentences)})
        _dump(data / "progress" / f"{doc_id}.yml", "../schema/progress.schema.json", {"list": doc_id,
                                                                                       "progress": progress})

    for p in range(1, libraries + 1):
        doc_id = f"province-{p:03d}"
        docs["documents"].append({
            "id": doc_id, "title": f"第{p}省深化新时代教育评价改革试点项目库", "short_title": f"第{p}省试点项目库",
            "kind": "通知", "issuer": f"第{p}省委教育工作领导小组秘书组", "date": "2024-03-21", "region": f"测试第{p}省",
            "source_file": "hubei-2024.txt", "summary": "合成的基准测试数据。",
            "attachments": [{"number": 1, "title": "试点项目库", "projects": doc_id}]})
        items = []
        titles = set()
        for k in range(1, 26):
            item = {"number": k, "text": "".join(rng.sample(project_sentences, rng.randint(1, 2))),
                    "subjects": rng.sample(SUBJECTS, rng.randint(1, 2))}
            if rng.random() < 0.6:
                item["links"] = sorted(set(rng.sample(county_tasks, rng.randint(1, 2))))
            items.append(_titled(item, titles))
        _dump(data / "projects" / f"{doc_id}.yml", "../schema/projects.schema.json", {"list": doc_id, "projects": items})

    # A county's prohibition restates a real one in its own region's words; one that a county states in
    # several tasks is one entry with several sources (kb.checks refuses the same words twice).
    neg = yaml.safe_load((data / "negative.yml").read_text(encoding="utf-8"))
    regions = {d["id"]: d["region"] for d in docs["documents"]}
    by_words: dict[str, dict] = {}
    headings = {e.title for e in negatives}
    i = 0
    while i < n_negatives:
        model = rng.choice(negatives).record
        list_id, number = rng.choice(county_tasks).split("/")
        source = {"document": list_id, "task": int(number)}
        text = f"{regions[list_id]}范围内{model.text}"
        same = by_words.get(same_words(text))
        if same is not None:
            if source not in same["sources"]:
                same["sources"].append(source)
            continue
        heading = negative_title(SimpleNamespace(title=None, text=text))
        if heading in headings:
            continue
        i += 1
        entry = {"id": f"syn-{i:05d}", "text": text, "kind": model.kind, "subjects": list(model.subjects),
                 "sources": [source]}
        if rng.random() < 0.5:
            entry["links"] = [rng.choice(national)]
        neg["negatives"].append(entry)
        by_words[same_words(text)] = entry
        headings.add(heading)
    _dump(data / "negative.yml", "schema/negative.schema.json", neg)
    _dump(data / "documents.yml", "schema/documents.schema.json", docs)
    corpus = load_corpus(data, out)  # the generated data must be valid
    return corpus.counts()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    counts = generate(args.out, args.n, args.seed)
    print(f"wrote {args.out / 'data'}: {sum(counts.values())} records {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
