"""Search: a sharded character n-gram index built from the corpus, and the one query algorithm.

What a query finds, in one sentence: a record whose title, text or number words contain every
query term as a run of characters, after normalisation (NFKC, lower-case, letters and digits
only: whitespace, full- and half-width punctuation and the restoration marks 〖〗 disappear), a
term being a whitespace-separated part of the query, or one of the other forms a search aid in
the data gives it (units' `aliases`, data/search.yml).

The index (written under search/ by `SearchIndex.files`, in kb.site's files process; read by
docs/assets/kb-search.js, which implements the same algorithm; tests compare the two):

- Documents: one per searchable record (kb.kinds: `searchable`, in `search_order`, then by
  group, then corpus order) and one per aggregate page (home, hubs, lists) after them. Record
  number n = position in that order.
- Keys: every run of one to GRAM (3) characters of a document's normalised title, text and each
  number word (任务44). Posting value of a key for document n:
  n*4 + 2 (key in the title) + 1 (key in a number word). A key lives in shard
  fnv1a32(code points of key) % shards (FNV-1a: h = 2166136261; h = (h ^ cp) * 16777619 mod 2**32).
- `search/meta.js`: `__kbSearch.meta(0, {...})`: sizes, kinds as document ranges, the aliases,
  and the common runs of GRAM characters (in at least `common_df`
  documents; a longer term is looked up by its rarest ones) grouped by the bit length of their
  document count: `{"17": ["教育局", ...]}`.
- `search/suggest.js`: `__kbSearch.suggest(0, [...])`: the words offered under 没有找到 (loaded only then).
- `search/facets.js`: `__kbSearch.facets(0, {groups, subjects})`: groups as document ranges, each
  document's subjects as one character; loaded only when a reader narrows by subject or list.
- `search/s/<hex>.js`: `__kbSearch.shard(i, {key: postings})`: postings increasing, written as
  the first value then the differences, each as VLQ over ALPHABET (5 data bits a character,
  least significant first, 32 set when more follow).
- `search/d/<c>.js`: `__kbSearch.docs(c, [[id, kind, title, text, url, number, group, words], ...])`,
  documents c*CHUNK … c*CHUNK+CHUNK-1, as written (not normalised): to verify and to show.
  Every file is a script calling a global callback, so the offline edition loads them with
  <script src> from file:// (fetch cannot read file:).

Query: terms and their alternatives (aliases); a term of up to GRAM characters is one key
(its postings are the exact answer), a longer one the intersection of its KEYS_PER_TERM rarest
runs of GRAM characters (the common ones are listed in meta.js), checked against the document's
text when taken; a search that refuses WIDEN_AFTER candidates so starts again with all of its
terms' runs (deciding by what was read, not by counts: widening up front fetched the postings of
every run of terms that thousands of records really hold).
Why runs of three: on text that reuses a small vocabulary (county lists copy each other), the
pairs of a longer term occur together, apart, in thousands of documents, and each of those would
have to be read to be refused; runs of three rarely do (measured on the 200k bench: a query's
worst transfer fell from 512 to 223 KB, see bench/search_bench.py).
Ranking, best first: tier 0 the whole query q (all terms run together) in a number word (任务44),
1 in the title, 2 in the text (a phrase), 3 every term found as typed, 4 found only through an
alias (then by the alias's order of finds); aggregate pages after every record; ties by document
number. Candidates are taken in the order of a bound read from the postings (the flags of the
terms' keys and of the runs across each gap between terms) and checked when taken; one whose
exact rank is worse goes back into the queue with it (at most PUT_BACK_LIMIT times a query; after
that, records come in the order of their bounds). So only the documents shown, and the few put
back or refused, are read.
"""
from __future__ import annotations

import heapq
import math
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import routes
from .corpus import Corpus, Entry
from .kinds import KINDS
from .models import SUBJECTS
from .text import script_call

FORMAT_VERSION = 3
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
CHUNK = 16                # documents a docs file
GRAM = 3                  # keys are runs of 1..GRAM characters
RECORDS_PER_SHARD = 25    # shards = records / this, a power of two between 16 and MAX_SHARDS
MAX_SHARDS = 8192        # 200k records: 8192 shards, most holding one or two keys
AGGREGATE = 5             # tier offset of aggregate pages: after every record
KEYS_PER_TERM = 3         # a longer term is looked up by its rarest pairs (then checked against the text)
WIDEN_AFTER = 8           # … and by all of them once this many candidates were read and refused
PUT_BACK_LIMIT = 24       # candidates put back with a worse exact rank; past it, bound order (reads stay few)


def common_df(n_docs: int) -> int:
    """Keys in at least this many documents are 'common': meta.js lists them with their counts."""
    return max(64, n_docs // 100)
SPLIT = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def norm(text: str) -> str:
    """NFKC, lower-case, letters and digits only (JS: normalize('NFKC').toLowerCase() minus [^\\p{L}\\p{N}])."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def keys_of(text: str) -> set[str]:
    """Every run of one to GRAM characters of a normalised string."""
    return {text[i:i + n] for n in range(1, GRAM + 1) for i in range(len(text) - n + 1)}


def grams(term: str) -> list[str]:
    """A term's runs of GRAM characters, each once, in order."""
    return list(dict.fromkeys(term[i:i + GRAM] for i in range(len(term) - GRAM + 1)))


def join_keys(left: str, right: str) -> list[str]:
    """The keys across the gap between two query parts written together: the runs of up to GRAM
    characters that hold the last character of `left` and the first of `right`."""
    tail, head = left[-(GRAM - 1):], right[:GRAM - 1]
    both = tail + head
    if len(both) <= GRAM:
        return [both]
    return list(dict.fromkeys(both[i:i + GRAM] for i in range(len(both) - GRAM + 1)
                              if i < len(tail) < i + GRAM))


def bucket(count: int) -> int:
    """How common a key is, as meta.js says it: the bit length of its document count."""
    return count.bit_length()


def shard_of(key: str, shards: int) -> int:
    h = 2166136261
    for ch in key:
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h % shards


def _vlq(value: int) -> str:
    out = []
    while True:
        digit, value = value & 31, value >> 5
        out.append(ALPHABET[digit | 32] if value else ALPHABET[digit])
        if not value:
            return "".join(out)


# Codes looked up, not computed digit by digit: a 200,000-record index writes some 30 million gaps, which
# _vlq alone took ~25 s of CPU to encode. A gap below 2**15 is one code of up to three digits; a larger one
# is its low 15 bits as three digits that all say "more follows", then the rest's code.
_VLQ_SMALL = [_vlq(v) for v in range(1 << 15)]
_VLQ_LOW = ["".join(ALPHABET[(v >> shift) & 31 | 32] for shift in (0, 5, 10)) for v in range(1 << 15)]


def encode_postings(values: Iterable[int]) -> str:
    """The gaps between increasing values (the first from 0), each as _vlq writes it."""
    small, low = _VLQ_SMALL, _VLQ_LOW
    prev, parts = 0, []
    for v in values:
        gap, prev = v - prev, v
        if gap < 32768:
            if gap < 0:
                raise ValueError(f"postings must increase: {v} after {v - gap}")
            parts.append(small[gap])
        else:
            parts.append(low[gap & 32767] + (small[gap >> 15] if gap < 1 << 30 else _vlq(gap >> 15)))
    return "".join(parts)


@dataclass(frozen=True)
class Doc:
    id: str
    kind: str          # a record kind, or "page" (an aggregate page)
    title: str
    text: str
    url: str
    number: int | None
    group: str         # the list or region it belongs to ("" if none)
    words: tuple[str, ...]  # number words: 任务44, 第44项
    subjects: int      # bit i: SUBJECTS[i]


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    title: str
    url: str
    score: float
    tier: int
    via_alias: bool
    number: int | None
    group: str


@dataclass
class SearchResult:
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    exact: bool = True
    ordered: bool = True  # False: PUT_BACK_LIMIT was reached, later hits follow their bounds
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def group_of(corpus: Corpus, e: Entry) -> str:
    """The list or region a record belongs to, as readers name it (a facet of the results)."""
    if e.list:
        doc = corpus.document(e.list)
        return f"{doc.region}·{doc.short_title}" if doc.region else doc.short_title
    if e.kind == "unit":
        return str(e.record.region)
    if e.kind == "negative":
        return corpus.document(e.record.sources[0].document).short_title  # where its text is quoted from
    if e.parent:  # a case's measure: the case; a task's progress: the task's list
        parent = corpus[e.parent]
        return group_of(corpus, parent) if parent.list else parent.title
    return ""


def number_words(e: Entry) -> tuple[str, ...]:
    return tuple(w.format(n=e.number) for w in KINDS[e.kind].number_words if "{n}" in w and w != "{n}")


def documents(corpus: Corpus, pages: Sequence[tuple[str, str]] = (), dir_urls: bool = True) -> list[Doc]:
    """The index documents in index order: records, then the aggregate pages (docs path, title)."""
    return record_documents(corpus, dir_urls) + page_documents(pages, dir_urls)


def page_documents(pages: Sequence[tuple[str, str]], dir_urls: bool = True) -> list[Doc]:
    """The aggregate pages' documents (docs path, title), which follow the records'."""
    return [Doc(path, "page", title, "", routes.site_url(path, dir_urls), None, "", (), 0) for path, title in pages]


def record_documents(corpus: Corpus, dir_urls: bool = True) -> list[Doc]:
    """The records' documents, in index order."""
    order = sorted((k for k in KINDS.values() if k.searchable), key=lambda k: k.search_order)
    docs: list[Doc] = []
    for kind in order:
        entries = corpus.of_kind(kind.name)
        groups = {e.id: group_of(corpus, e) for e in entries}
        first: dict[str, int] = {}
        for e in entries:
            first.setdefault(groups[e.id], len(first))
        for e in sorted(entries, key=lambda e: first[groups[e.id]]):  # stable: corpus order within a group
            mask = sum(1 << i for i, s in enumerate(SUBJECTS) if s in e.subjects)
            docs.append(Doc(e.id, e.kind, e.title, kind.search_text(corpus, e), routes.url(e, dir_urls), e.number,
                            groups[e.id], number_words(e), mask))
    return docs


def aliases(corpus: Corpus) -> list[tuple[str, str, str, str]]:
    """(typed, finds) pairs, normalised and as written: data/search.yml, then units' other names."""
    out: list[tuple[str, str, str, str]] = []
    for alias in corpus.search_aliases:
        out += [(norm(t), norm(f), t, f) for t in alias.typed for f in alias.finds]
    for unit in corpus.of_kind("unit"):
        out += [(norm(a), norm(unit.title), a, unit.title) for a in unit.record.aliases]
    seen: set[tuple[str, str]] = set()
    unique = []
    for a in out:
        if a[0] and a[1] and a[0] != a[1] and (a[0], a[1]) not in seen:
            seen.add((a[0], a[1]))
            unique.append(a)
    return unique


class SearchIndex:
    """The index in memory: what `files()` writes, and what `python -m kb search` queries."""

    def __init__(self, docs: list[Doc], alias_pairs: list[tuple[str, str, str, str]], suggest: list[str]):
        self.docs: list[Doc] = []
        self.aliases = alias_pairs
        self.suggest = suggest
        self.postings: dict[str, array[int]] = {}
        self.normed: list[tuple[str, str, tuple[str, ...]]] = []
        self._common: dict[str, int] | None = None
        self.add(docs)

    def add(self, docs: list[Doc]) -> None:
        """More documents, after those indexed (a build indexes the records while it makes the pages, then
        the pages' titles: kb.site)."""
        first = len(self.docs)
        self.docs += docs
        self._common = None
        get = self.postings.get
        for n, d in enumerate(docs, first):
            title, text, words = norm(d.title), norm(d.text), tuple(norm(w) for w in d.words)
            self.normed.append((title, text, words))
            in_title = keys_of(title)
            in_words: set[str] = set().union(*map(keys_of, words)) if words else set()
            # the keys by flag (title 2, number word 1), with set operations: half the time of a test per key
            for flag, keys in ((0, keys_of(text) - in_title - in_words), (2, in_title - in_words),
                               (1, in_words - in_title), (3, in_title & in_words)):
                value = n * 4 + flag
                for key in keys:
                    p = get(key)
                    if p is None:
                        p = self.postings[key] = array("I")
                    p.append(value)

    @property
    def common(self) -> dict[str, int]:
        """The keys of GRAM characters in at least common_df documents → their bucket, in key order."""
        if self._common is None:
            floor = common_df(len(self.docs))
            self._common = {k: bucket(len(v)) for k, v in sorted(self.postings.items())
                            if len(k) == GRAM and len(v) >= floor}
        return self._common

    def keys(self, term: str, wide: bool = False) -> list[str]:
        """The keys a term is looked up by: itself if up to GRAM characters, else its KEYS_PER_TERM
        rarest runs of GRAM characters (by `common`, unlisted ones count as rare; ties by position), or
        all of them when `wide` (a search that refused WIDEN_AFTER candidates starts again so)."""
        if len(term) <= GRAM:
            return [term]
        every = grams(term)
        if wide:
            return every
        ranked = sorted(enumerate(every), key=lambda ik: (self.common.get(ik[1], 0), ik[0]))
        return [k for _, k in ranked[:KEYS_PER_TERM]]

    @classmethod
    def from_corpus(cls, corpus: Corpus, dir_urls: bool = True, pages: Sequence[tuple[str, str]] = ()
                    ) -> SearchIndex:
        return cls(documents(corpus, pages, dir_urls), aliases(corpus), suggestions(corpus))

    # --- query -------------------------------------------------------------------------------
    def alternatives(self, term: str) -> list[tuple[str, bool]]:
        """The term as typed, then the forms its aliases give it (each marked as an alias)."""
        out, seen = [(term, False)], {term}
        for typed, finds, _, _ in self.aliases:
            if term == typed or (len(term) >= 2 and term in typed):
                alt = finds
            elif typed in term:
                alt = term.replace(typed, finds)
            else:
                continue
            if alt not in seen:
                seen.add(alt)
                out.append((alt, True))
        return out

    def _lookup(self, term: str, keys: Iterable[str] | None = None, wide: bool = False) -> dict[int, int]:
        """Documents holding every key (default: the term's keys) → the flags all keys share
        (title 2, number word 1)."""
        found: dict[int, int] | None = None
        wanted = self.keys(term, wide) if keys is None else list(keys)
        for key in sorted(set(wanted), key=lambda k: len(self.postings.get(k, ()))):
            values = self.postings.get(key)
            if not values:
                return {}
            if found is None:
                found = {v >> 2: v & 3 for v in values}
            else:
                found = {v >> 2: found[v >> 2] & v for v in values if v >> 2 in found}
            if not found:
                return {}
        return found or {}

    def _holds(self, n: int, term: str) -> bool:
        """The document holds the normalised term as a run of characters (title, text or a number word)."""
        title, text, words = self.normed[n]
        return term in title or term in text or any(term in w for w in words)

    def search(self, query: str, limit: int = 10, offset: int = 0, kind: str | None = None,
               subject: str | None = None, group: str | None = None, wide: bool = False) -> SearchResult:
        """Best first: candidates are taken in the order of a rank bound read from the postings
        (`bound`); each taken one is checked against its text and, if its exact rank is worse than
        its bound, put back with its exact rank. A document comes out only when nothing left can
        rank before it, so the results are in exact (tier, alias order, document) order while only
        the documents shown (and the few put back) are read."""
        parts = [t for t in (norm(p) for p in SPLIT.split(query)) if t]
        terms = list(dict.fromkeys(parts))
        result = SearchResult(terms)
        if not terms:
            return result
        alts = [self.alternatives(t) for t in terms]
        found: set[int] | None = None
        per_alt: list[list[set[int]]] = []   # per term, per alternative: candidate documents
        for term_alts in alts:
            sets = [set(self._lookup(a, wide=wide)) for a, _ in term_alts]
            per_alt.append(sets)
            union = set().union(*sets)
            found = union if found is None else found & union
            if not found:
                return result
        whole = norm(query)
        # The bound's evidence for the whole query: each term's own keys, and the runs across each gap
        # between two terms (absent: the terms are not written together).
        own = [self._lookup(t, wide=wide) for t in terms]
        joins = [self._lookup("", join_keys(a, b)) for a, b in zip(parts, parts[1:])]
        needs_check = any(len(a) > GRAM for term_alts in alts for a, _ in term_alts)

        def rank(n: int, exact: bool) -> tuple[int, int, int]:
            """(tier, alias order, n): exact from the text, or a bound (never worse than exact) from postings."""
            pages = AGGREGATE if self.docs[n].kind == "page" else 0
            if exact:
                title, text, words = self.normed[n]
                t = 0 if any(whole in w for w in words) else 1 if whole in title else 2 if whole in text else -1
                firsts = [next((i for i, (a, _) in enumerate(term_alts) if self._holds(n, a)), len(term_alts))
                          for term_alts in alts]
            else:
                t = -1
                if all(n in o for o in own) and all(n in j for j in joins):
                    flags = 3
                    for found_flags in [*own, *joins]:
                        flags &= found_flags[n]
                    t = 0 if flags & 1 else 1 if flags & 2 else 2
                firsts = [next((i for i, docs in enumerate(sets) if n in docs), len(sets)) for sets in per_alt]
            if t < 0:
                t = 3 if all(i == 0 for i in firsts) else 4
            return t + pages, max(firsts) if t == 4 else 0, n

        def ok(n: int) -> bool:
            return all(any(self._holds(n, a) for a, _ in term_alts) for term_alts in alts)

        chosen = [n for n in sorted(found or ()) if self._selected(n, kind, subject, group)]
        heap = [(rank(n, False), False) for n in chosen]
        heapq.heapify(heap)
        verified: list[int] = []
        rejected: set[int] = set()
        put_back = 0
        while heap and len(result.hits) < limit:
            key, checked = heapq.heappop(heap)
            n = key[2]
            if not checked:
                if needs_check and not ok(n):
                    rejected.add(n)
                    if not wide and len(rejected) >= WIDEN_AFTER:
                        return self.search(query, limit, offset, kind, subject, group, wide=True)
                    continue
                exact = rank(n, True)
                if exact != key:
                    if put_back < PUT_BACK_LIMIT:
                        put_back += 1
                        heapq.heappush(heap, (exact, True))
                        continue
                    key = exact  # past the limit: shown where its bound placed it, with its own tier
                    result.ordered = False
            verified.append(n)
            if len(verified) <= offset:
                continue
            d, t = self.docs[n], key[0]
            result.hits.append(Hit(d.id, d.kind, d.title, d.url, round(1 / (1 + t), 4), t,
                                   t % AGGREGATE == 4, d.number, d.group))
        # Counts: the candidates not found wanting; exact when no candidate is left unchecked.
        result.exact = not needs_check or all(checked for _, checked in heap)
        result.total = len(chosen) - len(rejected)
        result.facets = self._facets(sorted((found or set()) - rejected))
        return result

    def _selected(self, n: int, kind: str | None, subject: str | None, group: str | None) -> bool:
        d = self.docs[n]
        return ((kind is None or d.kind == kind) and (group is None or d.group == group)
                and (subject is None or bool(d.subjects >> SUBJECTS.index(subject) & 1)))

    def _facets(self, candidates: list[int]) -> dict[str, dict[str, int]]:
        kinds: dict[str, int] = {}
        subjects: dict[str, int] = {}
        groups: dict[str, int] = {}
        for n in candidates:
            d = self.docs[n]
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
            for i, s in enumerate(SUBJECTS):
                if d.subjects >> i & 1:
                    subjects[s] = subjects.get(s, 0) + 1
            if d.group:
                groups[d.group] = groups.get(d.group, 0) + 1
        return {"kind": kinds, "subject": subjects, "group": groups}

    # --- files ------------------------------------------------------------------------------
    def files(self) -> dict[str, bytes]:
        """search/meta.js, search/s/*.js, search/d/*.js (see the module docstring)."""
        n_docs = len(self.docs)
        shards = max(16, min(MAX_SHARDS, 1 << max(0, round(math.log2(max(1, n_docs / RECORDS_PER_SHARD))))))
        width = len(f"{shards - 1:x}")
        by_shard: list[dict[str, str]] = [{} for _ in range(shards)]
        for key in sorted(self.postings):
            by_shard[shard_of(key, shards)][key] = encode_postings(self.postings[key])
        out = {f"search/s/{i:0{width}x}.js": _script("shard", i, keys) for i, keys in enumerate(by_shard)}
        for c in range(0, n_docs, CHUNK):
            rows = [[d.id, d.kind, d.title, d.text, d.url, d.number, d.group, list(d.words)]
                    for d in self.docs[c:c + CHUNK]]
            out[f"search/d/{c // CHUNK}.js"] = _script("docs", c // CHUNK, rows)
        meta = self.meta(shards, width)
        out["search/facets.js"] = _script("facets", 0, {"groups": meta.pop("groups"), "subjects": meta.pop("subjects")})
        out["search/suggest.js"] = _script("suggest", 0, meta.pop("suggest"))
        out["search/meta.js"] = _script("meta", 0, meta)
        return out

    def meta(self, shards: int, width: int) -> dict[str, Any]:
        kinds: list[list[Any]] = []
        groups: list[list[Any]] = []
        for n, d in enumerate(self.docs):
            if not kinds or kinds[-1][0] != d.kind:
                label = KINDS[d.kind].label if d.kind in KINDS else "页面"
                kinds.append([d.kind, label, n, n + 1])
            kinds[-1][3] = n + 1
            if d.group:
                if groups and groups[-1][0] == d.group and groups[-1][2] == n:
                    groups[-1][2] = n + 1
                else:
                    groups.append([d.group, n, n + 1])
        return {"version": FORMAT_VERSION, "records": len(self.docs), "shards": shards, "shardWidth": width,
                "chunk": CHUNK, "kinds": kinds, "groups": groups, "subjectNames": list(SUBJECTS),
                "subjects": "".join(ALPHABET[d.subjects] for d in self.docs),
                "aliases": [list(a) for a in self.aliases], "suggest": self.suggest,
                "gram": GRAM, "keysPerTerm": KEYS_PER_TERM, "widenAfter": WIDEN_AFTER,
                "putBackLimit": PUT_BACK_LIMIT,
                "common": self.common_buckets()}

    def common_buckets(self) -> dict[str, list[str]]:
        """meta.js's `common`: the common keys by bucket (smaller than a count per key)."""
        out: dict[str, list[str]] = {}
        for key, b in self.common.items():
            out.setdefault(str(b), []).append(key)
        return dict(sorted(out.items(), key=lambda kv: int(kv[0])))


def _script(callback: str, i: int, value: object) -> bytes:
    return script_call(f"__kbSearch.{callback}", i, value)


def suggestions(corpus: Corpus) -> list[str]:
    """Words offered when nothing is found: glossary terms, tags, unit names (once each), search aids."""
    words: dict[str, None] = {}
    for e in corpus.of_kind("term"):
        words.update(dict.fromkeys([e.record.term, *e.record.aliases]))
    for tag in corpus.tags:
        words[tag.name] = None
    for unit in corpus.of_kind("unit"):
        words[unit.title] = None
    for alias in corpus.search_aliases:
        words.update(dict.fromkeys(alias.typed))
    return list(words)


@lru_cache(maxsize=2)
def index_of(corpus: Corpus, dir_urls: bool = True) -> SearchIndex:
    """The index the site publishes: records and aggregate pages (the command line queries this one)."""
    from .pages import all_pages
    return SearchIndex.from_corpus(corpus, dir_urls, aggregate_pages(all_pages(corpus)))


def aggregate_pages(pages: Iterable[Any]) -> list[tuple[str, str]]:
    """(docs path, title) of the pages of many records (home, hubs, lists): found by their titles."""
    return [(p.path, p.title) for p in pages if p.aggregate]
