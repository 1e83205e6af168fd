"""YAML → plain Python values that remember where they came from.

PyYAML's SafeLoader silently keeps the last of two equal keys, expands
aliases without limit and turns 2024-02-30-like values into dates or errors
with no context. This loader refuses duplicate keys and aliases, keeps every
scalar a string unless it is a plain int/bool/null, and records the line of
every mapping, key and list item so problems can say `file:line`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

from .models import _INVISIBLE, char_name

MAX_FILE_BYTES = 20 * 1024 * 1024
# Nesting the schema needs: a form's table cell sits 7 collections deep (file, forms, form, blocks,
# block, rows, row). Deeper input is refused from the event stream, before PyYAML's recursive
# composer could overflow Python's stack (RecursionError) or, in libyaml's, the C stack (a crash).
MAX_DEPTH = 12
# Raw characters YAML itself refuses (its message points at a character offset, not a line).
# U+2028/U+2029 too: YAML counts them as line breaks, editors do not, so every later line would be off by one.
_RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, printed as `file:line: record: message`."""

    file: str
    line: int
    record: str
    message: str

    def __str__(self) -> str:
        # One line whatever the data holds: control and invisible characters a message quotes are escaped.
        return _SHOWN.sub(lambda m: f"\\u{ord(m.group(0)):04x}",
                          f"{self.file}:{self.line}: {self.record}: {self.message}")


_SHOWN = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")


class DataError(Exception):
    """Raised with every problem found; the build stops on it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} data {noun}:\n" + "\n".join(str(p) for p in self.problems))


# Values are whatever the YAML held (str, int, bool, None, LineDict, LineList): the models check them, not mypy.
class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]

    def line_of(self, index: object) -> int:
        return self.item_lines[index] if isinstance(index, int) and 0 <= index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    """SafeLoader without timestamps, aliases or duplicate keys, with line numbers."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
            raise ConstructorError(None, None, "YAML aliases (*name) are not allowed in data files; "
                                   "write the value out in full", _mark(event))
        return super().compose_node(parent, index)

    # The stubs declare dict[Hashable, Any]; keys here are always str (others are refused below).
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise ConstructorError(None, None, f"a key must be a field name, not '{key_node.value}'",
                                       key_node.start_mark)
            if key in result:
                first = result.key_lines[key]
                raise ConstructorError(None, None, f"duplicate key '{key}' (first given on line {first}); "
                                       "keep one", key_node.start_mark)
            result.key_lines[key] = key_node.start_mark.line + 1
            result[key] = self.construct_object(value_node, deep=True)
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


# The same loader on libyaml when available (several times faster on big data sets). libyaml
# composes nodes in C, so aliases are refused by a pre-scan of its (C) event stream instead.
_CBase: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)
if _CBase is not None:
    class _CLoader(yaml.CSafeLoader):  # that is, _CBase
        construct_mapping = _Loader.construct_mapping  # type: ignore[assignment]  # str keys, as in _Loader
        construct_sequence = _Loader.construct_sequence

# Plain scalars are typed only where the reading is not a guess: `true`/`false`, `null`/`~`/empty, and
# decimal whole numbers without leading zeros. Everything else stays the text as typed: no YAML 1.1
# octal (010 → 8), hex, `1_0`, sexagesimal (1:20 → 80), `no`/`yes`/`on` booleans, floats or dates;
# the models then say what is wrong and quote what the editor wrote.
_IMPLICIT = [("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), "tf"),
             ("tag:yaml.org,2002:int", re.compile(r"^(?:0|-?[1-9][0-9]*)$"), "-0123456789"),
             ("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|)$"), ["~", "n", ""])]
_Loader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in _IMPLICIT:
    for _ch in _first:
        _Loader.yaml_implicit_resolvers.setdefault(_ch, []).append((_tag, _rx))
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)
if _CBase is not None:
    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _CLoader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
    _CLoader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


_NO_KEY = object()   # _from_events: no key is waiting for its value
_BROKEN = object()   # _from_events: the key after a constructor error (its value is dropped)


class _Refused(yaml.MarkedYAMLError):
    """Refused from the event stream (an alias, too deep): reported as is, never parsed again."""


def _mark(event: yaml.Event) -> yaml.Mark | None:
    """Where an event starts. libyaml's events carry libyaml's Mark, which has the same fields as
    yaml.Mark; the stubs let a MarkedYAMLError take only the latter."""
    return event.start_mark  # type: ignore[return-value]  # see above


def _scan(text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> None:
    """Walk the parser's events (iterative, no recursion) to refuse aliases and deep nesting
    before anything is composed."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(None, None, "YAML aliases (*name) are not allowed in data files; "
                           "write the value out in full", _mark(event))
        tag: str | None = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _Refused(None, None, f"YAML tags ({tag.replace('tag:yaml.org,2002:', '!!')}) are not "
                           "allowed in data files; write the value plainly", _mark(event))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep; the data needs "
                               "far fewer (check the indentation or the brackets)", _mark(event))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _load_composed(text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = _Loader) -> object:
    """The reference reading: scan the events, then let PyYAML compose nodes and construct values.
    `_from_events` gives the same values and errors in one pass (tests/test_load.py compares them)."""
    _scan(text, loader)
    return yaml.load(text, Loader=_CLoader if loader is _CBase else _Loader)  # noqa: S506 - a SafeLoader


def _load(text: str) -> object:
    if _CBase is None:
        return _load_composed(text)
    try:
        return _from_events(text)
    except _Refused:
        raise
    except yaml.MarkedYAMLError:
        # A broken file: the pure-Python parser words its errors better, and stably across versions.
        return _load_composed(text)


def _resolved(value: str) -> object:
    """A plain scalar's value as _Loader constructs it: the implicit types of _IMPLICIT, else the text."""
    for tag, regexp in _Loader.yaml_implicit_resolvers.get(value[:1], ()):
        if regexp.match(value):
            return int(value) if tag.endswith(":int") else (value == "true" if tag.endswith(":bool") else None)
    return value


def _refused_tag(event: Any) -> _Refused:
    return _Refused(None, None, f"YAML tags ({event.tag.replace('tag:yaml.org,2002:', '!!')}) are not "
                    "allowed in data files; write the value plainly", _mark(event))


def _from_events(text: str) -> object:
    """The file's value from libyaml's event stream in one pass, without composing nodes (about twice
    as fast as scan + compose + construct), with the same values and errors: the scan's refusals (alias,
    tag, depth) and parser errors anywhere in the stream come first, then a second document, then the
    first constructor error (a duplicate or non-text key). tests/test_load.py compares the two readings."""
    assert _CBase is not None
    stack: list[Any] = [None]   # open collections; None at the bottom stands for the document
    keys: list[Any] = [_NO_KEY]  # per open mapping: the key waiting for its value (_NO_KEY: none)
    marks: list[Any] = [None]   # where each open collection starts
    root: object = None
    documents = 0
    deferred: yaml.MarkedYAMLError | None = None  # reported once the whole stream has been read
    first = _Loader.yaml_implicit_resolvers
    events: Iterator[Any] = yaml.parse(text, Loader=_CBase)  # libyaml's events: fields by kind
    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.tag is not None and event.tag != "!":
                raise _refused_tag(event)
            value: Any = event.value
            if event.implicit[0] and value[:1] in first:
                value = _resolved(value)
            mark = event.start_mark
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop()
            keys.pop()
            mark = marks.pop()
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag is not None and event.tag != "!":
                raise _refused_tag(event)
            if len(stack) > MAX_DEPTH:
                raise _Refused(None, None, f"nested more than {MAX_DEPTH} levels deep; the data needs "
                               "far fewer (check the indentation or the brackets)", _mark(event))
            collection: LineDict | LineList
            if kind is yaml.MappingStartEvent:
                collection = LineDict()
                collection.key_lines = {}
            else:
                collection = LineList()
                collection.item_lines = []
            collection.line = event.start_mark.line + 1
            stack.append(collection)
            keys.append(_NO_KEY)
            marks.append(event.start_mark)
            continue
        elif kind is yaml.AliasEvent:
            raise _Refused(None, None, "YAML aliases (*name) are not allowed in data files; "
                           "write the value out in full", _mark(event))
        else:
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents == 2 and not isinstance(deferred, ComposerError):
                    deferred = ComposerError("expected a single document in the stream", None,
                                             "but found another document", _mark(event))
            continue
        # A value is complete: it goes into the open collection.
        top = stack[-1]
        if type(top) is LineList:
            top.append(value)
            top.item_lines.append(mark.line + 1)
        elif top is None:
            root = value
        elif keys[-1] is not _NO_KEY:
            top[keys[-1]] = value
            keys[-1] = _NO_KEY
        else:  # a key
            if deferred is None:
                if type(value) is not str:
                    shown = (event.value if kind is yaml.ScalarEvent
                             else "a list" if type(value) is LineList else "a mapping")
                    deferred = ConstructorError(None, None, f"a key must be a field name, not '{shown}'", mark)
                elif value in top:
                    deferred = ConstructorError(None, None, f"duplicate key '{value}' (first given on line "
                                                f"{top.key_lines[value]}); keep one", mark)
                else:
                    top.key_lines[value] = mark.line + 1
            keys[-1] = value if deferred is None else _BROKEN  # after an error: read on, build nothing
    if deferred is not None:
        raise deferred
    return root


def parse_yaml(path: Path, shown: str) -> tuple[object, list[Problem]]:
    """Read one data file. Returns (value, problems); value is None when problems."""
    size = path.stat().st_size  # before reading: a multi-GB file must not be read to be refused
    if size > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, "file", f"is {size // 1024 // 1024} MB; data files are limited to "
                              f"{MAX_FILE_BYTES // 1024 // 1024} MB, split it")]
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(shown, 1, "file", "starts with a byte-order mark (BOM); save it as UTF-8 without BOM")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, "file", "is not UTF-8 (perhaps GBK); re-save it with UTF-8 encoding")]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(shown, 1, "file", "is empty; add its records or delete the file")]
    raw_control = _RAW_CONTROL.search(text)
    if raw_control:
        line = text.count("\n", 0, raw_control.start()) + 1
        return None, [Problem(shown, line, "file", f"contains {char_name(raw_control.group(0))}; remove it "
                              "(control characters are not allowed in data files)")]
    tab_lines = [i for i, ln in enumerate(text.splitlines(), 1) if re.match(r"^ *\t", ln)]
    if tab_lines:
        return None, [Problem(shown, n, "file", "indents with a tab; YAML needs spaces") for n in tab_lines]
    try:
        value = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "not valid YAML"
        return None, [Problem(shown, line, "file", f"YAML syntax: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(shown, 1, "file", f"YAML syntax: {exc}")]
    return value, []
