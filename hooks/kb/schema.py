"""JSON Schema files for editors, generated from the models (never edited by hand)."""
from __future__ import annotations

import json
from pathlib import Path

from .models import FILE_KINDS


def schema_texts() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, (file_model, _, _) in FILE_KINDS.items():
        schema = file_model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"评价改革知识库 data/{kind}"
        out[f"{kind}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write_schemas(folder: Path, check: bool = False) -> list[str]:
    """Write (or, with check, only compare) the schema files; returns the names that differed."""
    folder.mkdir(parents=True, exist_ok=True)
    stale: list[str] = []
    for name, text in sorted(schema_texts().items()):
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    return stale
