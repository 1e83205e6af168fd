"""Command line: `python -m kb validate|stats|search|render|zip|schema|ledger import|check`."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import routes
from .assemble import load_corpus
from .corpus import Corpus
from .kinds import KINDS
from .kinds import of as kinds_with
from .load import DataError
from .models import SUBJECTS

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb", description="评价改革知识库 maintenance commands")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="data folder (default: data/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="check every data file; print every problem")
    sub.add_parser("stats", help="counts per kind and per subject")
    search = sub.add_parser("search", help="search the corpus as the site does (same index, same ranking)")
    search.add_argument("query", nargs="*", help="the query (its words are terms: all must match)")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print a JSON array of {id, kind, title, url, score}")
    search.add_argument("--batch", action="store_true",
                        help="read one query a line from stdin; print one JSON array a line")
    zipper = sub.add_parser("zip", help="zip a built site reproducibly (the offline edition)")
    zipper.add_argument("folder", type=Path)
    zipper.add_argument("dest", type=Path)
    render = sub.add_parser("render", help="write every page's article HTML and every file into DIR (no MkDocs)")
    render.add_argument("dir", type=Path)
    render.add_argument("--history", default=None,
                        help="'none' for no 最近更新 dates, or a fixed history (JSON); default: the git history")
    schema = sub.add_parser("schema", help="write the JSON Schema files for editors into data/schema/")
    schema.add_argument("--check", action="store_true", help="fail if the files are stale instead of writing")
    ledger = sub.add_parser("ledger", help="task ledgers (任务台账)").add_subparsers(dest="action", required=True)
    into = ledger.add_parser("import", help="read filled ledgers (.xlsx) into data/progress/LIST.yml; write nothing "
                             "unless every file is right")
    into.add_argument("files", nargs="+", type=Path)
    into.add_argument("--replace", action="store_true",
                      help="a report already in the data for the same task, unit and day is replaced, not refused")
    into.add_argument("--today", type=_day, default=None, help="the date reports may not be after (default: today)")
    check = sub.add_parser("check", help="check filled forms: 申报书 (.docx: word counts, empty fields, 试点类型) and "
                           "汇总表 (.xlsx: values, quotas per applicant); print every problem")
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument("--merged", type=Path, default=None,
                       help="also write the rows of every 汇总表 given into this one workbook (.xlsx)")
    args = parser.parse_args(argv)

    if args.command == "zip":
        from .downloads.common import zip_folder
        try:
            count = zip_folder(args.folder, args.dest)
        except ValueError as exc:  # a missing or empty folder: one line, no zip written
            print(f"error: {exc}; wrote no {args.dest}", file=sys.stderr)
            return 1
        print(f"wrote {args.dest} ({count} files, {args.dest.stat().st_size // 1024} KB)")
        return 0
    if args.command == "schema":
        from .schema import write_schemas
        stale = write_schemas(args.data / "schema", check=args.check)
        for name in stale:
            print(f"{'stale' if args.check else 'wrote'}: data/schema/{name}")
        return 1 if (args.check and stale) else 0

    if args.command == "ledger":
        return _ledger_import(args)

    try:
        corpus = load_corpus(args.data, args.data.parent)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.command == "search":
        return _search(corpus, args)
    if args.command == "check":
        from .filled import check_files
        report = check_files(corpus, args.files, merged=args.merged)
        for line in report.lines:
            print(line)
        for problem in report.problems:
            print(problem, file=sys.stderr)
        if args.merged and report.merged_rows:
            print(f"wrote {args.merged} ({report.merged_rows} rows)")
        return 1 if report.problems else 0
    if args.command == "render":
        from .glossary import Glossary
        from .history import load as load_history
        from .site import Site
        built = Site(corpus, Glossary(corpus), load_history(corpus, args.data, args.data.parent, args.history)).build()
        files = {routes.site_url(p.path, dir_urls=False): p.html.encode("utf-8") for p in built.pages}
        files.update(built.files)
        for path, content in sorted(files.items()):
            out = args.dir / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(content)
        print(f"wrote {len(files)} files into {args.dir}")
        return 0
    if args.command == "validate":
        counts = corpus.counts()
        print(f"ok: {sum(counts.values())} records, {len(corpus.links)} links")
    elif args.command == "stats":
        counts = corpus.counts()
        print("kind\tcount")
        for kind in KINDS.values():
            print(f"{kind.label}\t{counts.get(kind.name, 0)}")
        on_hubs = kinds_with(has="on_hubs")
        print("\nsubject\t" + "\t".join(k.label for k in on_hubs))
        for subject in SUBJECTS:
            grouped = corpus.of_subject(subject)
            print(subject + "\t" + "\t".join(str(len(grouped.get(k.name, []))) for k in on_hubs))
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2024-06-30") from None


def _ledger_import(args: argparse.Namespace) -> int:
    from .ledger import import_ledgers
    result = import_ledgers(args.files, args.data, args.today or dt.date.today(), replace=args.replace,
                            root=args.data.parent)
    if result.problems:
        for line in result.problems:
            print(line, file=sys.stderr)
        noun = "problem" if len(result.problems) == 1 else "problems"
        print(f"{len(result.problems)} {noun}; nothing written", file=sys.stderr)
        return 1
    for path, (added, replaced, unchanged) in result.written.items():
        state = "written" if added or replaced else "unchanged"
        print(f"{path}: {added} added, {replaced} replaced, {unchanged} already there ({state})")
    return 0


def _search(corpus: Corpus, args: argparse.Namespace) -> int:
    import json

    from .search import SearchResult, index_of
    index = index_of(corpus)

    def as_json(result: SearchResult) -> str:
        return json.dumps([{"id": h.id, "kind": h.kind, "title": h.title, "url": h.url, "score": h.score}
                           for h in result.hits], ensure_ascii=False)

    if args.batch:
        for line in sys.stdin:
            print(as_json(index.search(line.rstrip("\n"), limit=args.limit)), flush=True)
        return 0
    result = index.search(" ".join(args.query), limit=args.limit)
    if args.json:
        print(as_json(result))
        return 0
    if not result.hits:
        print("没有找到")
        return 0
    print(f"{'' if result.exact else '约 '}{result.total} 条")
    for rank, h in enumerate(result.hits, 1):
        label = KINDS[h.kind].label if h.kind in KINDS else "页面"
        aid = "（经检索别名）" if h.via_alias else ""
        print(f"{rank:2}. [{label}] {h.title}{aid}  {h.url}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `python -m kb search … | head`: the reader has all it wants
        sys.stderr.close()
        sys.exit(0)
