"""The built site as a list of file digests: what tests/test_identical.py compares.

`make site-digest` rewrites tests/expected/site.sha256 from a fresh build of the real data
(the same `mkdocs build --strict` as the tests' `site` fixture). Do it only for an intended
change of the output, and say in the commit what changed; a refactor leaves the file alone.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected" / "site.sha256"


def digest(folder: Path) -> str:
    """'sha256  path' per file, sorted by path (the format of sha256sum)."""
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.path.insert(0, str(HERE))
    from conftest import build_site
    with tempfile.TemporaryDirectory() as tmp:
        result = build_site(Path(tmp) / "site")
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        EXPECTED.parent.mkdir(exist_ok=True)
        EXPECTED.write_text(digest(Path(tmp) / "site"), encoding="utf-8")
    print(f"wrote {EXPECTED.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
