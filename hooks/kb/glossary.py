"""Glossary tooltips: the first use of each term on a page gets <abbr title=definition>.

Works on the page's rendered HTML (MkDocs output is well formed): text inside
links, headings, code, form controls and existing abbreviations is left alone.
"""
from __future__ import annotations

import html
import re

from .corpus import Corpus
from .models import Term

_SKIP = {"a", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "button",
         "select", "option", "textarea", "label", "title", "svg", "dt", "th", "summary", "small"}
# An opening or closing tag of a skipped element (group 1: "/" if closing; group 3: "/" if self-closing).
_SKIP_NAMES = "|".join(sorted(_SKIP, key=len, reverse=True))
_SKIP_TAG = re.compile(rf"<(/?)({_SKIP_NAMES})(?=[\s/>])[^>]*?(/?)>", re.I)


_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _in_entity(page_html: str, start: int) -> bool:
    amp = page_html.rfind("&", max(start - 32, 0), start + 1)
    entity = _ENTITY.match(page_html, amp) if amp >= 0 else None
    return entity is not None and entity.end() > start


class Glossary:
    def __init__(self, corpus: Corpus) -> None:
        self.names: dict[str, tuple[str, str]] = {}  # spelling → (term id, definition)
        for e in corpus.of_kind("term"):
            term: Term = e.record
            for name in (term.term, *term.aliases):
                self.names[name] = (e.id, term.definition)
        spellings = sorted(self.names, key=len, reverse=True)  # prefer the longest match
        self.pattern = re.compile("|".join(re.escape(s) for s in spellings)) if spellings else None

    def annotate(self, page_html: str, skip_term: str | None = None) -> str:
        """Driven by the matches, not the markup: a page with no term costs one regex search, and
        between two matches only the tags that open or close a skipped element are looked at."""
        if self.pattern is None:
            return page_html
        used = {skip_term} if skip_term else set()
        out: list[str] = []
        copied = scanned = depth = 0
        for m in self.pattern.finditer(page_html):
            start = m.start()
            if page_html.rfind("<", scanned, start) > page_html.rfind(">", scanned, start):
                continue  # inside a tag (an attribute value): not text; that tag is scanned later as a whole
            if _in_entity(page_html, start):
                continue  # a term spelled like part of an entity (lt in &lt;) is not text either
            for tag in _SKIP_TAG.finditer(page_html, scanned, start):
                if not tag.group(3):
                    depth = max(depth + (-1 if tag.group(1) else 1), 0)
            scanned = start
            term_id, definition = self.names[m.group(0)]
            if depth or term_id in used:
                continue
            used.add(term_id)
            title = html.escape(definition, quote=True)
            out += [page_html[copied:start], f'<abbr class="kb-term" tabindex="0" title="{title}">{m.group(0)}</abbr>']
            copied = m.end()
        return "".join(out) + page_html[copied:] if out else page_html
