"""Helpers for the browser tests: serve a built site on 127.0.0.1 and drive Debian's Chromium."""
from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(root: Path):
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def type_like_a_person(page, text: str) -> None:
    """ASCII is typed key by key; Chinese arrives as committed IME text, and the person commits it
    with a key press (Space), which is also what separates words."""
    for i, word in enumerate(text.split(" ")):
        if i:
            page.keyboard.press("Space")
        for chunk in _runs(word):
            if chunk.isascii():
                page.keyboard.type(chunk)
            else:
                page.keyboard.insert_text(chunk)  # the IME inserts the text with no key events…
                page.keyboard.up("Space")  # …and the commit key's press is eaten by the IME: only its keyup arrives


def _runs(word: str) -> list[str]:
    out: list[str] = []
    for ch in word:
        if out and out[-1][-1].isascii() == ch.isascii():
            out[-1] += ch
        else:
            out.append(ch)
    return out


def timed_search(page, query: str) -> float:
    """Type a query as a person would and return the milliseconds from the very last keystroke to the
    first rendered results; then wait until the results stop changing (an earlier, partial query's
    answer may still arrive). The search box must be focused and empty."""
    chunks = _runs(query.replace(" ", "\0"))  # keep spaces as their own chunks
    *before, last = [c.replace("\0", " ") for c in chunks]
    if last.isascii() and len(last) > 1:
        before, last = before + [last[:-1]], last[-1]
    for chunk in before:
        type_like_a_person(page, chunk) if chunk != " " else page.keyboard.press("Space")
    page.evaluate("""() => { window.__t = null; window.__last = performance.now();
        const list = document.querySelector('.md-search-result__list');
        new MutationObserver(() => { const now = performance.now(); window.__last = now;
            if (window.__t === null && list.children.length) window.__t = now; })
          .observe(list, {childList: true, subtree: true}); window.__t0 = performance.now(); }""")
    type_like_a_person(page, last) if last != " " else page.keyboard.press("Space")
    page.wait_for_function("() => window.__t !== null", timeout=30_000)
    page.wait_for_function("() => performance.now() - window.__last > 400", timeout=30_000)
    return page.evaluate("() => window.__t - window.__t0")
