"""Glossary tooltips: the first use of each term on a page gets <abbr title=definition>.

Works on the page's rendered HTML (MkDocs output is well formed): text inside
links, headings, code, form controls and existing abbreviations is left alone.
"""
from __future__ import annotations

import html
import re

from .corpus import Corpus

_SKIP = {"a", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "button",
         "select", "option", "textarea", "label", "title", "svg", "dt", "th", "summary", "small"}
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*?(/?)>")


class Glossary:
    def __init__(self, corpus: Corpus):
        self.names: dict[str, tuple[str, str]] = {}  # spelling → (term id, definition)
        for e in corpus.of_kind("term"):
            for name in (e.record.term, *e.record.aliases):
                self.names[name] = (e.id, e.record.definition)
        spellings = sorted(self.names, key=len, reverse=True)  # prefer the longest match
        self.pattern = re.compile("|".join(re.escape(s) for s in spellings)) if spellings else None

    def annotate(self, page_html: str, skip_term: str | None = None) -> str:
        if self.pattern is None or not self.pattern.search(page_html):
            return page_html
        used = {skip_term} if skip_term else set()
        out, depth = [], 0
        for token in re.split(r"(<[^>]+>)", page_html):
            if token.startswith("<"):
                m = _TAG.match(token)
                if m and m.group(2).lower() in _SKIP and not m.group(3):
                    depth += -1 if m.group(1) else 1
                    depth = max(depth, 0)
                out.append(token)
            elif depth or not token.strip():
                out.append(token)
            else:
                out.append(self._wrap_first(token, used))
        return "".join(out)

    def _wrap_first(self, text: str, used: set) -> str:
        def repl(m: re.Match) -> str:
            term_id, definition = self.names[m.group(0)]
            if term_id in used:
                return m.group(0)
            used.add(term_id)
            return f'<abbr class="kb-term" title="{html.escape(definition, quote=True)}">{m.group(0)}</abbr>'
        return self.pattern.sub(repl, text)
