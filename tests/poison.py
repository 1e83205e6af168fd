"""A copy of the real data with an attribute-breaking payload in every free-text field, found from the models.

Which fields are free text is read off the models (kb.models), not kept here: every `str` whose validators
include the visible-characters check (the types Text, Name and Cell) gets the payload appended; ids, dates,
URLs, paths and enums keep their values, so the data stays valid. The same original value always becomes the
same poisoned value, so the references written by name (a task's units, its section, a unit's region) still
resolve. Each payload carries a number that says which field it came from (PAYLOAD_FIELDS).
"""
from __future__ import annotations

import shutil
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel

from kb.kinds import data_locations
from kb.models import FILE_KINDS

MARK = "kbpwn"


def payload(n: int) -> str:
    """Breaks out of a double- or single-quoted attribute, out of an element, out of a template, and is
    no valid percent-encoding (a URL decoder throws on it)."""
    return f"\"'><img src=x class={MARK} onerror=alert({n})><b class={MARK}>{{{{{n}}}}}</b>%zz"


def _is_free_text(annotation) -> bool:
    if typing.get_origin(annotation) is not typing.Annotated:
        return False
    base, *meta = typing.get_args(annotation)
    return base is str and any(getattr(getattr(m, "func", None), "free_text", False) for m in meta)


class Poisoner:
    def __init__(self, skip: set[tuple[str, str]]):
        self.memo: dict[str, str] = {}
        self.fields: dict[int, str] = {}   # payload number → "Model.field"
        self.skip = skip                    # (model name, field name) kept as written

    def text(self, value: str, where: str) -> str:
        if value not in self.memo:
            n = len(self.memo) + 1
            self.fields[n] = where
            self.memo[value] = value + payload(n)
        return self.memo[value]

    def value(self, value, annotation, where: str):
        origin = typing.get_origin(annotation)
        if _is_free_text(annotation) and isinstance(value, str):
            return self.text(value, where)
        if origin is typing.Annotated:
            return self.value(value, typing.get_args(annotation)[0], where)
        if origin is list and isinstance(value, list):
            (item,) = typing.get_args(annotation)
            return [self.value(v, item, where) for v in value]
        if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:  # Optional[...]
                return self.value(value, members[0], where)
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if models and isinstance(value, dict):  # a discriminated union (form blocks): the member of its type
                model = next(m for m in models if typing.get_args(m.model_fields["type"].annotation)[0] == value["type"])
                return self.record(value, model)
            return value
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
            return self.record(value, annotation)
        return value

    def record(self, raw: dict, model: type[BaseModel]) -> dict:
        out = {}
        for key, value in raw.items():
            field = model.model_fields[key]
            where = f"{model.__name__}.{key}"
            skip = (model.__name__, key) in self.skip
            out[key] = value if skip else self.value(value, field.rebuild_annotation(), where)
        return out


def poisoned_data(dest: Path, source: Path) -> tuple[Path, Poisoner]:
    """Copy `source` (a data folder) to dest/data with every free-text field poisoned."""
    data = dest / "data"
    shutil.copytree(source, data)
    # Glossary terms are found in the rendered text, so a term must stay a word the text contains (its
    # definition, shown in the tooltip, is poisoned); tag keywords likewise must occur in the records.
    # A written task, project or prohibition title must be words of its text (kb.checks): the text carries
    # the payload.
    poisoner = Poisoner(skip={("Term", "term"), ("Term", "aliases"), ("Tag", "keywords"), ("Task", "title"),
                              ("Project", "title"), ("Negative", "title")})
    kinds = data_locations()
    for path in sorted(data.rglob("*.yml")):
        rel = path.relative_to(data).as_posix()
        kind = kinds.get(rel) or kinds.get(rel.split("/")[0] + "/")
        if kind is None or rel.startswith(("schema/", "sources/")):
            continue
        file_model = FILE_KINDS[kind][0]
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(poisoner.record(raw, file_model), allow_unicode=True, sort_keys=False,
                                       width=100_000), encoding="utf-8")
    return data, poisoner
