"""Build a site as `mkdocs serve --dirty` does, in this process, once per line read from stdin ("build"),
so that tests/test_serve.py can edit the data between builds (hooks/kb_mkdocs/incremental.py). Prints
"built" after each build, when the files forked processes write (the search index) are written too.

    python tests/incremental_build.py SITE_DIR   (KB_DATA names the data folder)
"""
from __future__ import annotations

import sys
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    site = Path(sys.argv[1])
    started = False
    for line in sys.stdin:
        if line.strip() != "build":
            continue
        config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site), strict=True)
        if not started:  # as mkdocs serve: once (mkdocs/commands/serve.py line 55)
            config.plugins.on_startup(command="serve", dirty=True)
            started = True
        build(config, dirty=True)
        from kb_mkdocs import events
        for work in events._background:
            work.result()
        events._background = []
        print("built", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
