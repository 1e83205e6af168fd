"""Turning data text into safe HTML, and small formatting helpers.

Data text is text: it must never become markup. Every value a template prints
goes through `html_text` (Jinja's finalize hook does it), which escapes it as
HTML text, so `<script>` and `"` in data show literally.
"""
from __future__ import annotations

import html
import json
import re

from markupsafe import Markup

from .models import RESTORE_CLOSE, RESTORE_OPEN

_RESTORED = re.compile(f"{RESTORE_OPEN}([^{RESTORE_CLOSE}]*){RESTORE_CLOSE}")
RESTORED_TITLE = "原网页脱漏、据上下文补全的字"


def _mark_restored(escaped: str) -> str:
    return _RESTORED.sub(lambda m: f'<span class="kb-restored" title="{RESTORED_TITLE}">{m.group(1)}</span>',
                         escaped)


def script_call(callback: str, *args: object) -> bytes:
    """A script that calls `callback` with the arguments as JSON: data, never code. Nothing in it can end a
    <script> element ('</' is written '<\\/') or a JS string (U+2028 and U+2029 escaped)."""
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
    body = body.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"{callback}({body});\n".encode()


def attr(value: object) -> Markup:
    """Escape a value for an HTML attribute."""
    return Markup(html.escape(str(value), quote=True))


def fragment(anchor: str) -> str:
    """An id as already written in an attribute (escaped), as a link's #fragment: '%' written %25, because
    the theme decodes fragments with decodeURIComponent (a raw '%' would throw and break its scripts)."""
    return anchor.replace("%", "%25")


def tag_anchor(name: str) -> str:
    """The tags page's anchor of a tag: 'tag:五唯'. Characters other than letters, digits, '-' and '_' become
    '-': the theme looks anchors up with querySelector('[id="…"]'), where a quote from data would throw."""
    return "tag:" + re.sub(r"[^\w-]", "-", name)


def cn_date(iso: str | None) -> str:
    """'2024-03-21' → '2024年3月21日'; '2020-10' → '2020年10月'."""
    if not iso:
        return ""
    parts = [int(p) for p in iso.split("-")]
    out = f"{parts[0]}年{parts[1]}月"
    return out + (f"{parts[2]}日" if len(parts) > 2 else "")


CN_NUMERALS = "〇一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (enough for section and measure numbers)."""
    if n <= 10:
        return CN_NUMERALS[n]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens] if tens > 1 else "") + "十" + (CN_NUMERALS[ones] if ones else "")


_SPECIAL = re.compile(f"[&<>\"'{RESTORE_OPEN}]")


def html_text(value: object) -> Markup:
    """Escape a value as HTML text (or an attribute value), showing restored characters."""
    if isinstance(value, Markup):
        return value
    text = str(value)
    if _SPECIAL.search(text) is None:  # most values: nothing to escape or mark (a build prints millions)
        return Markup(text)
    return Markup(_mark_restored(html.escape(text, quote=True)))


# The site's 字数统计 (docs/assets/kb.js, wordCount), for `python -m kb check`: counted as Word's 字数 counts
# Chinese text: every CJK character and full-width punctuation mark is one, every run of Latin letters or
# digits is one; spaces and half-width punctuation are not counted. The same ranges as the script's (a test
# runs both on the same texts in Chromium); a character outside the BMP is in neither, as in the script.
_CJK = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026]"
_CJK_CHAR = re.compile(_CJK)
_LATIN_RUN = re.compile("[A-Za-z0-9\u00c0-\u024f]+")


def word_count(text: str) -> int:
    """字数 as the site's counter shows it."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk + len(_LATIN_RUN.findall(_CJK_CHAR.sub(" ", text)))
