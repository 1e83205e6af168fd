"""Publishing: deploy/nginx.conf run by Debian's nginx sends the security headers on every response and
serves no dotfile, and the site works under its strict Content-Security-Policy — online through nginx,
and the offline edition from file:// under the same policy in a <meta> — with not one violation.
nginx and Chromium are installed by `make test`; when they are missing these tests fail, they do not skip."""
from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from browser import CHROMIUM, CHROMIUM_ARGS, type_like_a_person
from conftest import ROOT, build_site

NGINX = Path("/usr/sbin/nginx")
SNIPPET = ROOT / "deploy" / "kb-security-headers.conf"
SHIM = ROOT / "docs" / "assets" / "vendor" / "iframe-worker" / "shim.js"
# Script types a browser runs; any other type (the theme's application/json config) is data.
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def sent_headers() -> dict[str, str]:
    """The headers the snippet adds, by lower-case name."""
    text = SNIPPET.read_text(encoding="utf-8")
    found = {m[1].lower(): m[2] for m in re.finditer(r'^add_header\s+(\S+)\s+"([^"]*)"\s+always;', text, re.M)}
    assert set(found) == {"content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"}
    return found


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


# --- nginx ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def nginx_serving(root: Path, prefix: Path):
    """Debian's nginx running deploy/nginx.conf's server block (listen and root replaced) and its snippet,
    as a child process with every file it writes under `prefix`; yields the base URL."""
    assert NGINX.exists(), "nginx-light is missing: `make test` installs it (make system-deps)"
    port = _free_port()
    server = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "listen 80;" in server and "root /var/www/kb;" in server
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /var/www/kb;", f"root {root};")
    # The server block includes snippets/…, relative to the main config's folder (/etc/nginx when deployed).
    (prefix / "snippets").mkdir(parents=True, exist_ok=True)
    shutil.copy(SNIPPET, prefix / "snippets" / SNIPPET.name)
    temp = " ".join(f"{k}_temp_path {prefix}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # pytest's temp folders are private to this user: the workers must run as it (root in CI)
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"{user} daemon off; pid {prefix}/nginx.pid; error_log {prefix}/error.log;\nevents {{}}\n"
                    f"http {{ include /etc/nginx/mime.types; access_log {prefix}/access.log; {temp}\n{server} }}\n",
                    encoding="utf-8")
    proc = subprocess.Popen([str(NGINX), "-e", str(prefix / "error.log"), "-c", str(conf), "-p", str(prefix)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            assert proc.poll() is None, (prefix / "error.log").read_text(errors="replace")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.05)
        else:
            pytest.fail("nginx did not start listening")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is a response to check, not to follow


def fetch(url: str) -> tuple[int, object, bytes]:
    """Status, headers and (uncompressed) body, asking for gzip as browsers do."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request) as resp:
            status, headers, body = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        status, headers, body = err.code, err.headers, err.read()
    return status, headers, gzip.decompress(body) if headers["Content-Encoding"] == "gzip" else body


@pytest.fixture(scope="module")
def served(site, tmp_path_factory):
    """A copy of the built site with what must never be served lying in it, behind nginx."""
    tmp = tmp_path_factory.mktemp("publish")
    root = tmp / "www"
    shutil.copytree(site, root)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n\tsecret = 1\n")
    (root / ".site-new" / "downloads").mkdir(parents=True)
    (root / ".site-new" / "index.html").write_text("<p>half-built</p>")
    with zipfile.ZipFile(root / "downloads" / "kb-offline.zip", "w") as zf:
        zf.writestr("评价改革知识库/index.html", "<p>离线版</p>")
    shutil.copy(root / "downloads" / "kb-offline.zip", root / ".site-new" / "downloads" / "kb-offline.zip")
    with nginx_serving(root, tmp / "nginx") as base:
        yield base, root


def test_every_response_carries_the_security_headers(served):
    base, root = served
    want = sent_headers()
    css = next((root / "assets" / "stylesheets").glob("main.*.min.css")).relative_to(root).as_posix()
    bundle = next((root / "assets" / "javascripts").glob("bundle.*.min.js")).relative_to(root).as_posix()
    responses = {  # path: (status, Content-Type, Cache-Control if any, gzipped)
        "": (200, "text/html", "no-cache", True),
        "tasks/taoyuan-2022/44/": (200, "text/html", "no-cache", True),
        css: (200, "text/css", "public, max-age=31536000, immutable", True),
        bundle: (200, "application/javascript", "public, max-age=31536000, immutable", True),
        "assets/kb-theme.js": (200, "application/javascript", "no-cache", True),
        "search/meta.js": (200, "application/javascript", "no-cache", True),
        "search/d/0.js": (200, "application/javascript", "no-cache", True),
        # The downloads are zip files already: sent as they are.
        "downloads/hubei-2024-application.docx":
            (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "no-cache", False),
        "downloads/hubei-2024-summary.xlsx":
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "no-cache", False),
        "downloads/kb-offline.zip": (200, "application/zip", "no-cache", False),
        "tasks": (301, "text/html", "no-cache", False),           # the folder without its slash
        "no/such/page/": (404, "text/html", None, True),
        # Dot paths: 404 whichever other location (a .zip's, a folder's) would match them.
        ".git/config": (404, "text/html", None, True),
        ".site-new/index.html": (404, "text/html", None, True),
        ".site-new/": (404, "text/html", None, True),
        ".site-new/downloads/kb-offline.zip": (404, "text/html", None, True),
        "%2Egit/config": (404, "text/html", None, True),
        "assets/../.git/config": (404, "text/html", None, True),
    }
    not_found = (root / "404.html").read_bytes()
    for path, (status, ctype, cache, gzipped) in responses.items():
        got, headers, body = fetch(base + path)
        assert (got, headers.get_content_type()) == (status, ctype), path
        for name, value in want.items():
            assert headers.get_all(name) == [value], (path, name)  # present, once, as the snippet says
        assert headers["Server"] == "nginx", path  # server_tokens off: no version
        assert headers["Cache-Control"] == cache, path
        assert (headers["Content-Encoding"] == "gzip") == gzipped, path
        if status == 200:
            assert body == (root / path / ("index.html" if path.endswith("/") or not path else "")).read_bytes()
        if status == 404:
            assert body == not_found, path  # the site's 404 page, nothing of the hidden file


def test_the_policy_is_strict():
    csp = directives(sent_headers()["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hashes, no other host
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert not any(s.startswith(("http", "*")) for sources in csp.values() for s in sources)


# --- the built HTML ------------------------------------------------------------------------------------

def page_problems(path: Path) -> list[str]:
    """What in a built page a strict policy would block: inline scripts, event handler attributes,
    javascript: URLs, inline styles."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    found = [f"inline <script>{(s.string or '')[:60]!r}" for s in soup.find_all("script")
             if not s.get("src") and s.get("type", "").strip().lower() in SCRIPT_TYPES]
    found += [f"<style>{(s.string or '')[:60]!r}" for s in soup.find_all("style")]
    for el in soup.find_all(True):
        for name, value in el.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if (name.startswith("on") or name == "style" or name in URL_ATTRIBUTES
                    and value.strip().lower().startswith("javascript:")):
                found.append(f"<{el.name} {name}={value[:60]!r}>")
    return found


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("offline") / "评价改革知识库"
    result = build_site(dest, KB_OFFLINE="true")
    assert result.returncode == 0, result.stderr
    return dest


def test_no_page_needs_inline_script_or_style(site, offline):
    """A Material upgrade (or a template) that prints an inline script, a handler or a style attribute
    fails here, before the policy blocks it in a reader's browser."""
    for root in (site, offline):
        pages = sorted(root.rglob("*.html"))
        assert len(pages) > 100
        problems = {p.relative_to(root).as_posix(): found for p in pages if (found := page_problems(p))}
        assert problems == {}, root


def shim_boot_script(worker_url: str) -> str:
    """The inline script the iframe-worker shim writes into its iframe: its template, with its helper
    functions' source text (what `${c}` prints) and the worker's URL filled in."""
    shim = SHIM.read_text(encoding="utf-8")

    def source(name: str) -> str:
        start = shim.index(f"function {name}(")
        depth = 0
        for i in range(shim.index("{", start), len(shim)):
            depth += {"{": 1, "}": -1}.get(shim[i], 0)
            if depth == 0:
                return shim[start:i + 1]
        raise AssertionError(name)

    template = re.search(r"<script>(.*?)<\\/script>", shim)[1]
    return template.replace("${c}", source("c")).replace("${d}", source("d")).replace("${e}", worker_url)


def test_offline_pages_carry_the_policy_with_the_shims_hashes(site, offline):
    """The offline edition's <meta> policy is the server's, less frame-ancestors (a <meta> cannot set it),
    with file: wherever 'self' is (Firefox's 'self' matches no file: URL), plus the hash of the shim's
    boot script for each page's worker URL."""
    server = {name: [s for source in sources for s in ([source, "file:"] if source == "'self'" else [source])]
              for name, sources in directives(sent_headers()["content-security-policy"]).items()
              if name != "frame-ancestors"}
    needed: dict[str, set[str]] = {}
    for path in offline.rglob("*.html"):
        rel = path.relative_to(offline).as_posix()
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        metas = soup.select('meta[http-equiv="Content-Security-Policy"]')
        assert len(metas) == 1, rel
        policy = directives(metas[0]["content"])
        hashes = {s for s in policy["script-src"] if s.startswith("'sha256-")}
        assert {**policy, "script-src": [s for s in policy["script-src"] if s not in hashes]} == server, rel
        if rel == "404.html":
            continue  # its URLs start at the server's root: offline it is never opened, search cannot work
        worker = re.search(r'"search": "([^"]+)"', soup.select_one("#__config").string)[1]
        digest = base64.b64encode(hashlib.sha256(shim_boot_script(worker).encode()).digest()).decode()
        needed.setdefault(f"'sha256-{digest}'", set()).add(rel)
    assert set(needed) <= hashes, f"overrides/main.html: script-src needs {' '.join(sorted(needed))}"
    # The published site gets its policy from the server only.
    assert "Content-Security-Policy" not in (site / "index.html").read_text(encoding="utf-8")


# --- in Chromium ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), "chromium is missing: `make test` installs it (make system-deps)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watched_page(browser, problems: list[str]):
    """A page that notes every policy violation (the event, and Chromium's console report), every
    console error, script error and failed request."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.expose_function("__kbViolation", lambda v: problems.append(f"violation: {v}"))
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        window.__kbViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} in ${e.documentURI}`));""")
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") else None)
    page.on("worker", lambda w: w.on("console", lambda m: problems.append(f"worker console {m.type}: {m.text}")
                                     if m.type in ("error", "warning") else None))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # (ERR_ABORTED: a load the next navigation cut short, such as the favicon's.)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}")
            if r.failure != "net::ERR_ABORTED" else None)
    return page


def use_the_site(page, url_of) -> None:
    """What a reader does that runs the site's scripts and styles: a glossary term's definition, the task
    list's filters and sorting, search (whose worker starts on every page)."""
    for rel in ("index", "tasks/taoyuan-2022/44", "glossary/index", "documents/hubei-2024/original",
                "downloads/index"):
        page.goto(url_of(rel))
        page.wait_for_load_state("load")
    page.goto(url_of("tasks/taoyuan-2022/44"))
    # assets/kb-theme.js stands in for the theme's inline script: its storage is scoped to the site's root.
    assert page.evaluate("() => { __md_set('kb', [1]); return [__md_get('kb'), __md_hash('ab'), __md_scope.href] }") \
        == [[1], 3105, url_of("index").removesuffix("index.html")]
    term = page.locator("article abbr.kb-term").first
    term.hover()
    term.focus()
    if "content.tooltips" in page.evaluate("() => JSON.parse(document.getElementById('__config').text).features"):
        page.wait_for_selector(".md-tooltip2", state="visible", timeout=5_000)  # drawn by Material's script
    else:  # the definition, drawn by assets/kb.css on focus
        assert page.evaluate("t => getComputedStyle(t, '::after').content", term.element_handle()) \
            == f'"{term.get_attribute("title")}"'
    page.goto(url_of("tasks/taoyuan-2022/index"))
    visible = lambda: page.eval_on_selector_all(  # noqa: E731
        "#kb-tasks tbody tr:not([hidden]) td:first-child", "tds => tds.map(td => td.textContent.trim())")
    page.select_option("select[data-kb-filter=unit]", "县卫健委")
    assert visible() == ["44"]  # kb.js filters
    page.select_option("select[data-kb-filter=unit]", "")
    page.click("#kb-tasks th:first-child")  # tablesort sorts
    page.click("#kb-tasks th:first-child") if visible()[0] == "1" else None
    assert visible()[0] == "67"
    page.click(".md-search__input")
    type_like_a_person(page, "体质监测")
    page.wait_for_selector("li.md-search-result__item a[href*='projects/hubei-2024/15']", timeout=15_000)
    page.wait_for_timeout(300)  # a late violation (the worker's, a result's) is reported before we look


def test_site_works_under_its_policy_through_nginx(served, chromium):
    base, _ = served
    problems: list[str] = []
    page = watched_page(chromium, problems)
    use_the_site(page, lambda rel: base + (rel.removesuffix("index") if rel.endswith("index") else rel + "/"))
    response = page.goto(base + "no/such/page/")
    page.wait_for_load_state("load")
    assert response.status == 404 and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.close()
    assert [p for p in problems if "no/such/page" not in p] == []  # the 404 itself is the one failure wanted


def test_offline_edition_works_under_its_meta_policy(offline, chromium):
    problems: list[str] = []
    page = watched_page(chromium, problems)
    use_the_site(page, lambda rel: (offline / f"{rel}.html").as_uri())
    assert page.evaluate("() => !!document.querySelector('meta[http-equiv=Content-Security-Policy]')")
    page.close()
    assert problems == []
