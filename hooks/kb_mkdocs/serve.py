"""`mkdocs serve` with data that does not load: keep serving, show the problems on every page.

Why: in mkdocs 1.6.1, a rebuild that raises leaves the server waiting for a build that never
finishes. `LiveReloadServer._build_loop` (mkdocs/livereload/__init__.py, lines 207-220) sets
`_wanted_epoch` before calling the builder and, when the builder raises, logs "The server will
appear stuck" and `continue`s without advancing `_visible_epoch`; `_serve_request` (lines 299-301)
waits, without a timeout, until `_visible_epoch == _wanted_epoch` before serving any file, page or
asset. So while serving, bad data must not fail the build: the build goes on with the last site
that loaded (or, on a first build, with one page saying so), every page shows the problems in a
banner, and the build succeeding is what lets livereload (lines 222-225) reload the browsers.
`mkdocs build` still stops on bad data (PluginError: the messages, a non-zero exit, no traceback).

This state lives in the hook module across rebuilds because mkdocs 1.6.1 loads a hook file once
per process (mkdocs/config/config_options.py, lines 1190-1209: `Hooks._load_hook` is lru_cached);
on_startup, which tells us we are serving, runs once (mkdocs/commands/serve.py, line 55).
tests/test_serve.py fails if either stops holding (a rebuild with bad data would hang again), and
if the livereload poll or the 404 page (problems_only) stop working as described.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from kb.load import DataError
from kb.site import Site

BANNER_TEMPLATE = "partials/kb-problems.html"
# The only page of a serve session whose data has never loaded; the banner above it lists the problems.
NO_SITE_PAGE = "# 数据有问题，网站尚未生成\n\n改正本页顶部列出的问题并保存，网站会自动重新构建，本页随即刷新。\n"
_BODY = re.compile(r"<body\b[^>]*>")

log = logging.getLogger("mkdocs.plugins.kb_mkdocs.serve")


@dataclass
class Serving:
    """What a serve session remembers between builds (one instance in events.py)."""

    active: bool = False                 # set by on_startup('serve') (or on_serve, for `serve --clean`)
    last_good: Site | None = None
    problems: list[str] = field(default_factory=list)   # of the latest build; empty when its data loaded

    def load(self, load: Callable[[], Site]) -> Site | None:
        """The site to build: the freshly loaded one; on bad data, while serving, the last good one
        (None before any) with the problems kept for the banner; otherwise the build stops."""
        try:
            site = load()
        except DataError as exc:
            if not self.active:
                raise PluginError(str(exc)) from None
            self.problems = [str(p) for p in exc.problems]
            # INFO, not WARNING: under --strict a warning aborts the build, which is the hang again.
            log.info("%s\nUntil they are fixed, serving %s, with these problems at the top of every page.",
                     exc, "the last good build" if self.last_good else "a page that says so")
            return self.last_good
        self.last_good, self.problems = site, []
        return site


def problems_only(files: Files, config: MkDocsConfig) -> Files:
    """No data has loaded yet: one home page says so; any other URL gets the theme's 404 page
    (mkdocs 1.6.1, mkdocs/commands/serve.py lines 73-81 serve site_dir/404.html). Both get the banner."""
    for file in files.documentation_pages():
        files.remove(file)
    files.append(File.generated(config, "index.md", content=NO_SITE_PAGE))
    return files


def banner(env: jinja2.Environment, problems: list[str], last_good: bool) -> str:
    """The problems banner (overrides/partials/kb-problems.html), or "" when there are none."""
    return env.get_template(BANNER_TEMPLATE).render(problems=problems, last_good=last_good) if problems else ""


def with_banner(html: str, banner_html: str) -> str:
    """The page with the banner first in its <body> (where Material puts its own banners)."""
    if not banner_html:
        return html
    match = _BODY.search(html)
    at = match.end() if match else 0
    return html[:at] + banner_html + html[at:]


def watch_natively(server: Any) -> None:
    """Let the kernel say which file changed instead of asking every file, twice a second.

    mkdocs 1.6.1's LiveReloadServer watches with watchdog's PollingObserver (mkdocs/livereload/__init__.py,
    line 134): every 0.5 s it lists and stats every file watched (the data, hooks/, overrides/, docs/: ~5,000
    files at national scale, issue 17), in the server's process, so a save is noticed up to half a second late
    and every poll takes the interpreter from the rebuild it caused. Before the server starts its observer
    (on_serve), the paths watched so far move to watchdog's native observer (inotify on Linux); the paths
    watched later (config.watch) go there too. Its server's handler (lines 148-155) asks for a rebuild on any
    event but a folder's: the native observer also reports files opened and closed unwritten, which every
    build does, so it reports only what polling would, files created, changed, moved and deleted. Where
    watchdog has no native observer, polling stays. tests/test_serve.py checks that a save rebuilds and a
    read does not."""
    from watchdog.observers.polling import PollingObserver
    if _ChangesOnly is None or not isinstance(server.observer, PollingObserver):
        return
    watched = dict(server._watched_paths)  # path → how many times watch() was called for it
    for path, times in watched.items():
        for _ in range(times):
            server.unwatch(path)
    server.observer = _ChangesOnly()
    for path, times in watched.items():
        for _ in range(times):
            server.watch(path)


def _changes_only() -> type | None:
    from watchdog.events import FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver
    if issubclass(Observer, PollingObserver):  # type: ignore[arg-type]
        return None
    changes = [FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent]

    class ChangesOnly(Observer):  # type: ignore[valid-type,misc]
        """The native observer, telling only of files created, changed, moved and deleted."""

        def schedule(self, event_handler: Any, path: Any, *, recursive: bool = False,
                     event_filter: Any = None, follow_symlink: bool = False) -> Any:
            return super().schedule(event_handler, path, recursive=recursive,
                                    event_filter=event_filter or changes, follow_symlink=follow_symlink)
    return ChangesOnly


_ChangesOnly = _changes_only()
