"""Chinese full-text search: one set of index documents for the site and the command line.

The site uses Material's search worker, which splits text on the configured
separator and segments a Chinese query greedily against the tokens already in
the index (each piece gets a trailing wildcard; a single character that is a
token captures a query, and a piece ending at the query's last character is
never matched). So the index is segmented with jieba plus a domain dictionary
generated from the data, and single Han characters are glued to a neighbour so
that they never become tokens. Records are indexed from the corpus, not from
their rendered HTML: one document per record (a case measure included), with
the record's kind as its first tag and a `keywords` field for record numbers
as people say them (任务44, 第44项, 项目库15) and the domain words it contains.

`python -m kb search` runs the same documents, fields, boosts and query
segmentation through lunr.py.
"""
from __future__ import annotations

import html
import re
from collections.abc import Container
from functools import lru_cache
from typing import Any

import jieba

from . import routes
from .corpus import Corpus, Entry
from .kinds import KINDS

# Split on whitespace, the zero-width space the segmentation inserts, and Chinese and Latin punctuation.
SEPARATOR = r"""[\s\u200b\-、，。；：！？（）《》〈〉“”‘’【】〔〕〖〗…—·,.;:!?()\[\]"'/|]+"""
_SPLIT = re.compile(SEPARATOR)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_QUOTED = re.compile(r"[“\"]([\u4e00-\u9fff0-9A-Za-z+]{2,8})[”\"]")

FIELDS = {"title": 1000.0, "text": 1.0, "tags": 1_000_000.0, "keywords": 5000.0}
# Order matters to the worker: a page (the case) must come before its sections (the measures).
def record_kinds() -> list[str]:
    """The searchable kinds in index order (kb.kinds: search_order)."""
    return [k.name for k in sorted(KINDS.values(), key=lambda k: k.search_order) if k.searchable]


AGGREGATE_BOOST = 0.2  # home, hubs and lists: found, but after the records they list


def is_han(ch: str) -> bool:
    return bool(_HAN.match(ch))


@lru_cache(maxsize=2)  # per corpus (hashed by identity): the build asks twice, jieba's dictionary and the index
def domain_words(corpus: Corpus) -> list[str]:
    """Words jieba must keep whole: glossary terms, units, tags, quoted terms in the records, listed words."""
    words: set[str] = set(corpus.search_words)
    for e in corpus.of_kind("term"):
        words.update(w.strip("“”") for w in (e.record.term, *e.record.aliases))
    words.update(e.record.name for e in corpus.of_kind("unit"))
    for tag in corpus.tags:
        words.add(tag.name)
        words.update(tag.keywords)
    for e in corpus.entries.values():
        words.update(m.group(1) for m in _QUOTED.finditer(e.text))
    pieces = {p for w in words for p in _SPLIT.split(w)}  # “双师型”教师 → 双师型, 教师
    return sorted(w for w in pieces if len(w) >= 2 and any(is_han(c) for c in w))


_configured: set[str] = set()


def configure_jieba(words: list[str]) -> None:
    """Add the domain words to jieba's dictionary (once per process per word)."""
    jieba.setLogLevel(60)
    for w in words:
        if w not in _configured:
            jieba.add_word(w, freq=200_000)
            _configured.add(w)


def _wordish(ch: str) -> bool:
    return is_han(ch) or ch.isalnum()


@lru_cache(maxsize=65536)
def segment_text(text: str) -> str:
    """Text with a zero-width space between words; a lone Han character is glued to a neighbour
    (the word before it, else the word after it) so that it never becomes a token of its own."""
    pieces = list(jieba.cut(text, HMM=False))
    out: list[str] = []
    carry = ""
    for i, tok in enumerate(pieces):
        tok = carry + tok
        carry = ""
        if len(tok) == 1 and is_han(tok):
            if out and _wordish(out[-1][-1]):
                out[-1] += tok
                continue
            if i + 1 < len(pieces) and _wordish(pieces[i + 1][0]):
                carry = tok
                continue
        out.append(tok)
    if carry:
        out.append(carry)
    # A lone character fenced by punctuation (市、县、校) cannot be glued: an invisible word joiner
    # keeps it from ever equalling a slice of a query.
    return "\u200b".join(t + "\u2060" if len(t) == 1 and is_han(t) else t for t in out)


def prefixes(word: str) -> list[str]:
    """A word's prefixes of 3+ characters: the worker's segmentation never matches a token that ends
    at the query's last character, but takes the longest indexed prefix and adds a wildcard."""
    return [word[:k] for k in range(3, len(word))]


_WORD_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff0-9A-Za-z]+")


def resegment_html(markup: str) -> str:
    """Material's own segmentation of a page, redone with ours (text between tags only)."""
    parts = re.split(r"(<[^>]*>)", markup.replace("\u200b", ""))
    return "".join(p if p.startswith("<") else _WORD_RUN.sub(lambda m: segment_text(m.group(0)), p)
                   for p in parts)


def tokens(text: str) -> list[str]:
    """The tokens Material's worker makes of an index field: split on the separator, lower-cased."""
    plain = re.sub(r"<[^>]+>", " ", text)
    return [t.lower() for t in _SPLIT.split(html.unescape(plain)) if t]


def number_aliases(entry: Entry) -> list[str]:
    """A record's number as people say it: 任务44, 第44项, 项目库15 (the kind's number_words)."""
    return [w.format(n=entry.number) for w in KINDS[entry.kind].number_words]


def index_documents(corpus: Corpus, dir_urls: bool = True) -> list[dict[str, Any]]:
    """One search document per record, in Material's index format (plus `keywords`)."""
    words = domain_words(corpus)
    configure_jieba(words)
    docs = []
    for kind in record_kinds():
        for e in corpus.of_kind(kind):
            text = KINDS[kind].search_text(corpus, e)
            found = [w for w in words if w in text or w in e.title]
            found += sorted({p for w in found for p in prefixes(w)} - set(found))
            # The worker renders tags as HTML, like titles and texts: all three are escaped here.
            tags = [html.escape(t, quote=False) for t in
                    [e.kind_label] + (corpus.tags_of(e.id) if KINDS[kind].search_tags else [])]
            docs.append({
                "location": routes.url(e, dir_urls),
                "title": html.escape(segment_text(e.title), quote=False),
                "text": html.escape(segment_text(text), quote=False),
                "tags": tags,
                "keywords": " ".join(number_aliases(e) + found),
            })
    return docs


# --- the same search, from the command line --------------------------------------------------

def segment_query(query: str, inverted_index: Container[str]) -> str:
    """Material's worker: replace each Han run by its greedy segmentation against the index tokens."""
    def segment(value: str) -> list[str]:
        n = len(value)
        wordcuts = [0] * n
        for i in range(n):
            for j in range(i + 1, n):  # (sic) as in the worker: j never reaches n
                if value[i:j] in inverted_index:
                    wordcuts[i] = j - i
        segments: dict[str, None] = {}
        stack = [0]
        while stack:
            p = stack.pop()
            for q in range(1, wordcuts[p]):
                if wordcuts[p + q] > wordcuts[p] - q:
                    segments[value[p:p + q]] = None
                    stack.append(p + q)
            q = p + wordcuts[p]
            if q < n and wordcuts[q] and q < n - 1:
                stack.append(q)
            segments[value[p:q]] = None
        if "" in segments:
            return [value]
        return list(segments)
    return re.sub(r"[\u3400-\u4dbf\u4e00-\u9fff]+", lambda m: "* ".join(segment(m.group(0))), query)


def transform_query(query: str) -> list[str]:
    """Material's transform: every term gets a trailing wildcard."""
    terms = [t for t in re.split(r"\s+", query.strip().replace('"', "")) if t and not re.fullmatch(r"[*+\-:^~]+", t)]
    return [t if re.match(r"^[+-]", t) else f"{t.rstrip('*')}*" for t in terms]


class CliSearch:
    """lunr.py over the site's index documents, with the worker's query handling."""

    def __init__(self, corpus: Corpus):
        from lunr.builder import Builder

        self.docs = {d["location"]: d for d in index_documents(corpus)}
        self.corpus = corpus
        builder = Builder()
        builder.pipeline.reset()
        builder.search_pipeline.reset()
        builder.ref("location")
        for name, boost in FIELDS.items():
            builder.field(name, boost=boost, extractor=lambda doc, name=name: tokens(
                " ".join(doc[name]) if isinstance(doc[name], list) else doc[name]))
        for doc in self.docs.values():
            builder.add(doc)
        self.index = builder.build()

    def search(self, query: str, limit: int = 10) -> list[tuple[Entry, float]]:
        from lunr.query import Query

        segmented = segment_query(query.lower(), self.index.inverted_index)
        terms = transform_query(segmented)
        q = self.index.create_query()
        for term in terms:
            for tok in tokens(term.rstrip("*")):
                q.term(tok, wildcard=Query.WILDCARD_TRAILING)
        by_url = {routes.url(e): e for e in self.corpus.entries.values()}
        results = self.index.query(q)
        return [(by_url[r["ref"]], r["score"]) for r in results[:limit]]
