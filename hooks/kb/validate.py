"""Read every data file, check each record against its model, report every problem.

Problems are collected, never raised one at a time: an editor sees the whole
list (`file:line: record: message`) and fixes it in one pass.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, overload

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .kinds import data_locations
from .load import LineDict, LineList, Problem, parse_yaml
from .models import (
    FILE_KINDS,
    Block,
    Case,
    Document,
    Form,
    Negative,
    Progress,
    Project,
    Record,
    SearchFile,
    Tag,
    Task,
    Term,
    Unit,
)

# Folders of data/ that hold no records (where each file kind lives: kb.kinds.data_locations).
NOT_DATA = {"schema", "sources"}
# A record's context: the fields of the file it is in besides the records (a projects file's `list`), as read.
Context = dict[str, Any]


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    raw: LineDict = field(compare=False, repr=False)
    prefix: tuple[str | int, ...] = ()  # path of a nested record (a case measure) inside raw

    def line_of(self, *path: str | int) -> int:
        """Line of a field inside the record, e.g. ('links', 2); the record's line if unknown."""
        node: object = self.raw
        line = self.line
        for step in self.prefix + path:
            if isinstance(node, LineDict) and isinstance(step, str) and step in node:  # (its keys are all str)
                line, node = node.line_of(step), node[step]
            elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
                line, node = node.line_of(step), node[step]
            else:
                break
        return line


@dataclass
class Loaded:
    """Every record that passed its model, with where it was written."""

    by_kind: dict[str, list[tuple[Record, Where, Context]]] = field(default_factory=dict)
    # What failed to load, so that references to it are not reported again (the cause already is):
    broken_kinds: set[str] = field(default_factory=set)   # a file of this kind did not parse
    failed_refs: set[str] = field(default_factory=set)    # ids, names and list/number of invalid records

    def is_failed(self, ref: str, *kinds: str) -> bool:
        return ref in self.failed_refs or bool(self.broken_kinds & set(kinds))

    def add(self, kind: str, record: Record, where: Where, context: Context) -> None:
        self.by_kind.setdefault(kind, []).append((record, where, context))

    # The record model of each kind, as kb.models.FILE_KINDS says, for the type checker.
    @overload
    def of(self, kind: Literal["documents"]) -> list[tuple[Document, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["projects"]) -> list[tuple[Project, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["tasks"]) -> list[tuple[Task, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["units"]) -> list[tuple[Unit, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["negative"]) -> list[tuple[Negative, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["cases"]) -> list[tuple[Case, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["forms"]) -> list[tuple[Form, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["glossary"]) -> list[tuple[Term, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["tags"]) -> list[tuple[Tag, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["search"]) -> list[tuple[SearchFile, Where, Context]]: ...
    @overload
    def of(self, kind: Literal["progress"]) -> list[tuple[Progress, Where, Context]]: ...
    @overload
    def of(self, kind: str) -> list[tuple[Record, Where, Context]]: ...

    def of(self, kind: str) -> list[tuple[Any, Where, Context]]:
        return self.by_kind.get(kind, [])


def suggest(word: object, choices: Iterable[object]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" (did you mean {close[0]}?)" if close else ""


def _singular(file_kind: str) -> str:
    """The record kind a file kind holds ('tasks' → 'task'; 'tags' → 'tag')."""
    from .kinds import KINDS
    return next((k.name for k in KINDS.values() if k.data == file_kind), file_kind.removesuffix("s"))


def record_label(kind: str, raw: object) -> str:
    """How a record is named in messages, by what identifies it: 'task 44', 'unit 县教育局', 'negative ty-7'."""
    singular = _singular(kind)
    if not isinstance(raw, dict):
        return singular
    for key in ("number", "name", "id"):
        if key in raw:
            return f"{singular} {raw[key]}"
    if "task" in raw:  # a progress entry: named by the task it reports on
        return f"{singular} task {raw['task']}"
    return singular


def _path_text(loc: tuple[str | int, ...]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _as_typed(value: object) -> str:
    """A scalar as the editor wrote it (kb.load types only true/false, null and plain decimals)."""
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if value is None:
        return "an empty value"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"'{value}'"


def _error_message(err: ErrorDetails, model: type[Record]) -> str:
    loc = tuple(err["loc"])
    path = _path_text(loc)
    kind, given = err["type"], err.get("input")
    if kind == "missing":
        return f"missing required field '{path}'"
    if kind == "extra_forbidden":
        allowed = list(model.model_fields) if len(loc) == 1 else []
        return f"unknown field '{loc[-1]}'{suggest(loc[-1], allowed) if allowed else ''}; remove or rename it"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        return f"{path}: '{given}' is not one of {', '.join(options)}{suggest(given, options)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{path}: must be a whole number like 12, not {_as_typed(given)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{path}: must be true or false, not {_as_typed(given)}"
    if kind == "string_type":
        hint = " (put it in quotes)" if isinstance(given, (int, bool)) or given is None else ""
        return f"{path}: must be text, not {_as_typed(given)}{hint}"
    if kind == "list_type":
        return f"{path}: must be a list ([a, b] or one '- item' per line)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{path}: must be a mapping of fields"
    if kind == "string_too_long":
        return f"{path}: is {len(given or '')} characters, more than the {err['ctx']['max_length']} allowed"
    if kind == "too_short":
        return f"{path}: must not be empty"
    if kind == "string_pattern_mismatch":
        return (f"{path}: '{given}' is not a valid id; use lowercase letters, digits and '-' "
                "(numbered items: list/number, case measures: case/section-measure)")
    if kind == "greater_than_equal":
        return f"{path}: must be at least {err['ctx']['ge']}"
    if kind == "less_than_equal":
        return f"{path}: must be at most {err['ctx']['le']}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"{path}: unknown block type '{ctx.get('tag')}' (one of {ctx.get('expected_tags')})"
    if kind == "value_error":
        return f"{path}: {err['ctx']['error']}"
    return f"{path}: {err['msg']}"


def _validate_record(kind: str, model: type[Record], raw: object, where: Where,
                     label: str) -> tuple[Record | None, list[Problem]]:
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            # Drop the union member name pydantic inserts (blocks.0.table.rows -> blocks.0.rows).
            # (Only right after blocks[i]: a field named like a block type, a record's `title`, stays.)
            loc = tuple(s for i, s in enumerate(loc)
                        if not (isinstance(s, str) and s in _BLOCK_TAGS and i >= 2 and loc[i - 2] == "blocks"))
            err = {**err, "loc": loc}
            problems.append(Problem(where.file, where.line_of(*loc), label, _error_message(err, model)))
        return None, problems


# The form block types, as the models define them (pydantic names the union member in error paths).
_BLOCK_TAGS: set[str] = {get_args(m.model_fields["type"].annotation)[0] for m in get_args(get_args(Block)[0])}


_DECLARED = re.compile(r"""^[\s-]*(id|name|number|list):\s*\[?["']?([^"'\s#,}\]]+)""", re.M)


def declared_refs(raw: bytes) -> set[str]:
    """Ids, names and list/number a file that did not parse seems to declare (read as plain text),
    so that references to them are not reported as well: the parse error is the cause."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return set()
    refs: set[str] = set()
    current_list: str | None = None
    for key, value in _DECLARED.findall(text):
        if key == "list":
            current_list = value
        elif key == "number":
            if current_list:
                refs.add(f"{current_list}/{value}")
        else:
            refs.add(value)
    return refs


def _kind_of(path: Path, data_dir: Path) -> str | None:
    rel = path.relative_to(data_dir)
    if len(rel.parts) == 1:
        return data_locations().get(rel.name)
    return data_locations().get(rel.parts[0] + "/") if len(rel.parts) == 2 else None


def data_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml")
                  and p.relative_to(data_dir).parts[0] not in NOT_DATA)


# What one file contributed (kb.validate.load_records keeps these between builds under `make serve`).
FileLoad = tuple[Loaded, list[Problem]]
LoadCache = dict[Path, tuple[tuple[int, int, int], FileLoad]]  # path → ((mtime_ns, ctime_ns, size), its load)


def load_records(data_dir: Path, root: Path | None = None,
                 cache: LoadCache | None = None) -> tuple[Loaded, list[Problem]]:
    """Parse and type-check every data file under data_dir. With a cache (`make serve` keeps one), a file
    whose modification time, change time and size are as when it was read last is not read again."""
    root = root or data_dir.parent
    loaded = Loaded()
    problems: list[Problem] = []
    data_root = data_dir.resolve()
    seen: set[Path] = set()
    for path in data_files(data_dir):
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        hit = cache.get(path) if cache is not None else None
        if hit is not None and hit[0] == stamp:
            one = hit[1]
        else:
            one = _load_file(path, data_dir, data_root, root)
            if cache is not None:
                cache[path] = (stamp, one)
        seen.add(path)
        part, found = one
        problems += found
        for kind, rows in part.by_kind.items():
            loaded.by_kind.setdefault(kind, []).extend(rows)
        loaded.broken_kinds |= part.broken_kinds
        loaded.failed_refs |= part.failed_refs
    if cache is not None:
        for gone in set(cache) - seen:
            del cache[gone]
    return loaded, problems


def _load_file(path: Path, data_dir: Path, data_root: Path, root: Path) -> FileLoad:
    """One data file's records (those that passed their model) and problems."""
    loaded = Loaded()
    problems: list[Problem] = []
    shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if not path.resolve().is_relative_to(data_root):
        problems.append(Problem(shown, 1, "file", "is a link to a file outside data/; copy the file into "
                                "data/ instead"))
        return loaded, problems
    kind = _kind_of(path, data_dir)
    if kind is None:
        where = ", ".join((f"{name}*.yml" if name.endswith("/") else name) for name in data_locations())
        problems.append(Problem(shown, 1, "file", f"is not a known data file; data files are {where}"))
        return loaded, problems
    value, found = parse_yaml(path, shown)
    problems += found
    if value is None:
        loaded.failed_refs |= declared_refs(path.read_bytes())
        return loaded, problems
    file_model, key, model = FILE_KINDS[kind]
    if not isinstance(value, LineDict):
        problems.append(Problem(shown, 1, "file", f"must be a mapping with a '{key}:' list at the top"))
        loaded.broken_kinds.add(kind)
        return loaded, problems
    top_where = Where(shown, value.line, value)
    if key is None:
        record, found = _validate_record(kind, file_model, value, top_where, "file")
        problems += found
        if record is not None:
            loaded.add(kind, record, top_where, {})
        return loaded, problems
    # Check the file's own fields with the records left out, then each record alone,
    # so one bad record does not hide the others.
    head, head_problems = _validate_record(kind, file_model, {**value, key: []}, top_where, "file")
    problems += head_problems
    records = value.get(key)
    if key not in value:
        problems.append(Problem(shown, value.line, "file", f"has no '{key}:' list; add it"))
        loaded.broken_kinds.add(kind)
        return loaded, problems
    if not isinstance(records, LineList):
        problems.append(Problem(shown, value.line_of(key), "file", f"'{key}' must be a list of records"))
        loaded.broken_kinds.add(kind)
        return loaded, problems
    context = {k: v for k, v in value.items() if k != key} if head is not None else None
    if context is None:
        loaded.broken_kinds.add(kind)
        return loaded, problems
    for index, raw in enumerate(records):
        line = records.line_of(index)
        label = record_label(kind, raw)
        if not isinstance(raw, LineDict):
            problems.append(Problem(shown, line, label, "must be a mapping of fields (key: value)"))
            continue
        record, found = _validate_record(kind, model, raw, Where(shown, line, raw), label)
        problems += found
        if record is not None:
            loaded.add(kind, record, Where(shown, line, raw), context)
        else:
            for ref_key in ("id", "name"):
                if isinstance(raw.get(ref_key), str):
                    loaded.failed_refs.add(raw[ref_key])
            if "number" in raw and isinstance(context.get("list"), str):
                loaded.failed_refs.add(f"{context['list']}/{raw['number']}")
            if kind == "cases" and isinstance(raw.get("id"), str):
                loaded.failed_refs.add(raw["id"] + "/*")
    return loaded, problems
