/* 评价改革知识库: the search in the header box, and the highlight of ?h= on the page it opens.
 *
 * The engine is a port of kb.search.SearchIndex.search (hooks/kb/search.py: its module docstring
 * documents the index); tests/test_search_browser.py compares the two on the same queries. The index
 * files under search/ are scripts calling window.__kbSearch.meta/facets/shard/docs, loaded with
 * <script src> as needed (fetch cannot read file:, the offline edition's scheme); nothing is loaded
 * before the box is used, and search/facets.js (groups, subjects) only when a search narrows by subject
 * or list or asks for their counts. Every string from the index or the query enters the page as text
 * (textContent, text nodes), never as markup.
 *
 * API for tests and other scripts: window.kbSearch.search(query, {limit, offset, kind, subject, group,
 * facets}) → Promise of {terms, hits: [{id, kind, title, url, score, tier, via_alias, number, group, ...}],
 * total, exact, facets: {kind, subject?, group?}}: facets.subject and facets.group are there when
 * `facets: true` (or a subject or group filter) made the search load search/facets.js.
 */
(function () {
  "use strict";
  if (window.kbSearch) return;

  var SCRIPT = document.currentScript;
  var ROOT = new URL("../", SCRIPT && SCRIPT.src ? SCRIPT.src : location.href).href; // assets/ is under the root
  var BASE = ROOT + "search/";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  var AGGREGATE = 5;
  var DEC = new Int8Array(128).fill(-1);
  for (var i = 0; i < 64; i++) DEC[ALPHABET.charCodeAt(i)] = i;
  // Python's str.split on \s (str.isspace): JS's \s differs (it has U+FEFF, lacks U+001C–U+001F).
  var SPLIT = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  var NOT_WORD = /[^\p{L}\p{N}]+/gu;

  // --- engine -----------------------------------------------------------------------------------
  function norm(text) {
    return String(text).normalize("NFKC").toLowerCase().replace(NOT_WORD, "");
  }
  function cps(s) { return Array.from(s); }

  /** grams: a term's runs of meta.gram characters, each once, in order. */
  function grams(term) {
    var c = cps(term), out = [], seen = new Set();
    for (var i = 0; i + meta.gram <= c.length; i++) {
      var k = c.slice(i, i + meta.gram).join("");
      if (!seen.has(k)) { seen.add(k); out.push(k); }
    }
    return out;
  }
  /** join_keys: the keys across the gap between two query parts written together (the runs of up to
   * meta.gram characters holding the last character of the left part and the first of the right). */
  function joinKeysOf(left, right) {
    var tail = cps(left).slice(-(meta.gram - 1)), both = tail.concat(cps(right).slice(0, meta.gram - 1));
    if (both.length <= meta.gram) return [both.join("")];
    var out = [];
    for (var i = 0; i + meta.gram <= both.length; i++) {
      var k = both.slice(i, i + meta.gram).join("");
      if (i < tail.length && tail.length < i + meta.gram && out.indexOf(k) < 0) out.push(k);
    }
    return out;
  }

  /** SearchIndex.keys: the keys a term is looked up by: itself if up to meta.gram characters, else its
   * meta.keysPerTerm rarest runs of meta.gram characters (meta.common: the common keys by bucket; unlisted
   * ones count as rare; ties by position); `termKeys` gives all of them to a search started again wide.
   * Needs meta. */
  var commonBucket = null;
  function rareKeys(term) {
    if (cps(term).length <= meta.gram) return [term];
    if (!commonBucket) {
      commonBucket = new Map();
      Object.keys(meta.common || {}).forEach(function (b) {
        meta.common[b].forEach(function (k) { commonBucket.set(k, Number(b)); });
      });
    }
    return grams(term).map(function (k, i) { return [commonBucket.get(k) || 0, i, k]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .slice(0, meta.keysPerTerm).map(function (r) { return r[2]; });
  }
  /** wide: every key of the term (a search that refused meta.widenAfter candidates starts again so). */
  function termKeys(term, wide) {
    if (wide) return cps(term).length <= meta.gram ? [term] : grams(term);
    return rareKeys(term);
  }

  function shardOf(key, shards) {
    var h = 0x811c9dc5;
    for (var ch of key) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
    return h % shards;
  }

  function decode(str) {
    var out = new Uint32Array(str.length), n = 0, prev = 0, v = 0, shift = 0;
    for (var i = 0; i < str.length; i++) {
      var d = DEC[str.charCodeAt(i)];
      v += (d & 31) * Math.pow(2, shift);
      if (d & 32) { shift += 5; continue; }
      prev += v; out[n++] = prev; v = 0; shift = 0;
    }
    return out.subarray(0, n);
  }

  var meta = null;
  var suggestWords = null;  // search/suggest.js: the words offered under 没有找到 (loaded only then)
  var facetData = null;     // search/facets.js: {groups: [[group, from, to], ...], subjects: one character a document}
  var shards = new Map();   // shard number → {key: encoded postings}
  var decoded = new Map();  // key → Uint32Array
  var chunks = new Map();   // chunk number → rows
  var normed = new Map();   // document → [title, text, words] normalised
  var inflight = new Map(); // path → Promise

  window.__kbSearch = {
    meta: function (_, m) { meta = m; },
    facets: function (_, f) { facetData = f; },
    suggest: function (_, words) { suggestWords = words; },
    shard: function (i, keys) { shards.set(i, keys); },
    docs: function (c, rows) { chunks.set(c, rows); }
  };

  function load(path) {
    var p = inflight.get(path);
    if (!p) {
      p = new Promise(function (resolve, reject) {
        var el = document.createElement("script");
        el.src = BASE + path;
        el.async = true;
        el.onload = function () { el.remove(); resolve(); };
        el.onerror = function () { el.remove(); inflight.delete(path); reject(new Error("cannot load " + path)); };
        document.head.appendChild(el);
      });
      inflight.set(path, p);
    }
    return p;
  }
  function ready() {
    return meta ? Promise.resolve(meta) : load("meta.js").then(function () { return meta; });
  }
  function loadFacets() {
    return facetData ? Promise.resolve(facetData) : load("facets.js").then(function () { return facetData; });
  }
  function loadShards(keys) {
    var need = new Set();
    keys.forEach(function (k) { var s = shardOf(k, meta.shards); if (!shards.has(s)) need.add(s); });
    return Promise.all(Array.from(need, function (s) {
      return load("s/" + s.toString(16).padStart(meta.shardWidth, "0") + ".js");
    }));
  }
  function loadDocs(ns) {
    var need = new Set();
    ns.forEach(function (n) { var c = Math.floor(n / meta.chunk); if (!chunks.has(c)) need.add(c); });
    return Promise.all(Array.from(need, function (c) { return load("d/" + c + ".js"); }));
  }
  function postings(key) {
    var p = decoded.get(key);
    if (!p) {
      var s = shards.get(shardOf(key, meta.shards))[key];
      p = s === undefined ? new Uint32Array(0) : decode(s);
      decoded.set(key, p);
    }
    return p;
  }
  function row(n) { return chunks.get(Math.floor(n / meta.chunk))[n % meta.chunk]; }
  function normedOf(n) {
    var v = normed.get(n);
    if (!v) {
      var r = row(n);
      v = [norm(r[2]), norm(r[3]), (r[7] || []).map(norm)];
      normed.set(n, v);
    }
    return v;
  }
  /** The value of the range holding n: ranges in document order, not overlapping (a binary search). */
  function rangeValue(ranges, n, start, end, value) {
    var lo = 0, hi = ranges.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (ranges[mid][start] <= n) lo = mid + 1; else hi = mid;
    }
    var r = ranges[lo - 1];
    return r && n < r[end] ? r[value] : null;
  }
  function kindOf(n) { return rangeValue(meta.kinds, n, 2, 3, 0); }
  function groupOf(n) { return rangeValue(facetData.groups, n, 1, 2, 0) || ""; }
  function subjectsOf(n) { return DEC[facetData.subjects.charCodeAt(n)]; }

  /** SearchIndex.alternatives: the term as typed, then the forms its aliases give it. */
  function alternatives(term) {
    var out = [[term, false]], seen = new Set([term]), long = cps(term).length >= 2;
    meta.aliases.forEach(function (a) {
      var typed = a[0], finds = a[1], alt;
      if (term === typed || (long && typed.indexOf(term) >= 0)) alt = finds;
      else if (term.indexOf(typed) >= 0) alt = term.split(typed).join(finds);
      else return;
      if (!seen.has(alt)) { seen.add(alt); out.push([alt, true]); }
    });
    return out;
  }

  /** SearchIndex._lookup: documents holding every key (default: the term's keys) → the flags all its
   * keys share (2 title, 1 number word). */
  function lookup(term, keys, wide) {
    var lists = Array.from(new Set(keys || termKeys(term, wide)), postings);
    lists.sort(function (a, b) { return a.length - b.length; });
    var found = null;
    for (var i = 0; i < lists.length; i++) {
      var values = lists[i];
      if (!values.length) return new Map();
      var next = new Map();
      if (found === null) {
        for (var j = 0; j < values.length; j++) next.set(values[j] >>> 2, values[j] & 3);
      } else {
        for (var k = 0; k < values.length; k++) {
          var f = found.get(values[k] >>> 2);
          if (f !== undefined) next.set(values[k] >>> 2, f & values[k] & 3);
        }
      }
      found = next;
      if (!found.size) return found;
    }
    return found || new Map();
  }

  /** SearchIndex._holds: the document holds the normalised term as a run of characters. */
  function holds(n, term) {
    var v = normedOf(n);
    return v[0].indexOf(term) >= 0 || v[1].indexOf(term) >= 0 || v[2].some(function (w) { return w.indexOf(term) >= 0; });
  }

  function selected(n, kind, subject, group) {
    if (kind != null && kindOf(n) !== kind) return false;
    if (group != null && groupOf(n) !== group) return false;
    if (subject != null) {
      var bit = meta.subjectNames.indexOf(subject);
      if (bit < 0 || !((subjectsOf(n) >> bit) & 1)) return false;
    }
    return true;
  }

  /** SearchIndex._facets: kinds always; subjects and groups when asked for (search/facets.js loaded). */
  function facetsOf(candidates, all) {
    var kinds = {}, subjects = {}, groups = {};
    candidates.forEach(function (n) {
      var k = kindOf(n);
      kinds[k] = (kinds[k] || 0) + 1;
      if (!all) return;
      var mask = subjectsOf(n), g = groupOf(n);
      for (var i = 0; i < meta.subjectNames.length; i++) {
        if ((mask >> i) & 1) subjects[meta.subjectNames[i]] = (subjects[meta.subjectNames[i]] || 0) + 1;
      }
      if (g) groups[g] = (groups[g] || 0) + 1;
    });
    return all ? { kind: kinds, subject: subjects, group: groups } : { kind: kinds };
  }

  /** The query's normalised whitespace-separated parts, in order, duplicates included. */
  function partsOf(query) {
    var out = [];
    String(query).split(SPLIT).forEach(function (p) { var t = norm(p); if (t) out.push(t); });
    return out;
  }
  /** Its terms: the parts, each once. */
  function termsOf(query) {
    return Array.from(new Set(partsOf(query)));
  }

  function hitOf(n, t, alts) {
    var r = row(n), marks = [];
    alts.forEach(function (list) { list.forEach(function (a) { marks.push(a[0]); }); });
    return {
      id: r[0], kind: r[1], title: r[2], url: r[4], score: Math.round(10000 / (1 + t)) / 10000, tier: t,
      via_alias: t % AGGREGATE === 4, number: r[5], group: r[6], words: r[7] || [], text: r[3], n: n,
      marks: marks
    };
  }

  function compareRank(a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; }

  /** A binary min-heap of [rank, checked] by rank. */
  function Heap() { this.a = []; }
  Heap.prototype.push = function (x) {
    var a = this.a, i = a.length;
    a.push(x);
    while (i > 0) {
      var p = (i - 1) >> 1;
      if (compareRank(a[p][0], a[i][0]) <= 0) break;
      var t = a[p]; a[p] = a[i]; a[i] = t; i = p;
    }
  };
  Heap.prototype.pop = function () {
    var a = this.a, top = a[0], last = a.pop();
    if (a.length) {
      a[0] = last;
      for (var i = 0; ;) {
        var l = 2 * i + 1, r = l + 1, m = i;
        if (l < a.length && compareRank(a[l][0], a[m][0]) < 0) m = l;
        if (r < a.length && compareRank(a[r][0], a[m][0]) < 0) m = r;
        if (m === i) break;
        var t = a[m]; a[m] = a[i]; a[i] = t; i = m;
      }
    }
    return top;
  };

  /** SearchIndex.search: best first, by a rank bound read from the postings; each candidate taken is
   * checked against its text and put back with its exact rank if that is worse than its bound. The
   * Python starts from exact ranks when no term needs checking; bounds never rank worse than exact
   * ranks, so taking them lazily here gives the same order while reading only the documents shown. */
  async function search(query, opts) {
    opts = opts || {};
    var limit = opts.limit == null ? 10 : opts.limit, offset = opts.offset || 0;
    var kind = opts.kind == null ? null : opts.kind, subject = opts.subject == null ? null : opts.subject;
    var group = opts.group == null ? null : opts.group;
    var parts = partsOf(query), terms = termsOf(query);
    var withFacets = !!opts.facets || subject != null || group != null;
    var result = { terms: terms, hits: [], total: 0, exact: true, facets: {} };
    if (!terms.length) return result;
    await ready();
    var alts = terms.map(alternatives);
    var whole = norm(query);
    // the bound's evidence for the whole query: each term's own keys (its first alternative's), and the
    // runs across each gap between two parts
    var joinKeys = [];
    for (var pi = 0; pi + 1 < parts.length; pi++) joinKeys.push(joinKeysOf(parts[pi], parts[pi + 1]));
    var keys = [].concat.apply([], joinKeys);
    var wide = !!opts.wide;
    alts.forEach(function (list) { list.forEach(function (a) { keys = keys.concat(termKeys(a[0], wide)); }); });
    await Promise.all([loadShards(keys), withFacets ? loadFacets() : null]);

    var found = null, perAlt = [];
    for (var ti = 0; ti < alts.length; ti++) {
      var sets = alts[ti].map(function (a) { return new Set(lookup(a[0], null, wide).keys()); });
      perAlt.push(sets);
      var union = new Set();
      sets.forEach(function (d) { d.forEach(function (n) { union.add(n); }); });
      if (found === null) found = union;
      else { var both = new Set(); found.forEach(function (n) { if (union.has(n)) both.add(n); }); found = both; }
      if (!found.size) return result;
    }
    var own = terms.map(function (t) { return lookup(t, null, wide); });
    var evidence = own.concat(joinKeys.map(function (ks) { return lookup("", ks); }));
    var needsCheck = alts.some(function (list) { return list.some(function (a) { return cps(a[0]).length > meta.gram; }); });

    function rank(n, exact) {
      var pages = kindOf(n) === "page" ? AGGREGATE : 0, t, firsts;
      if (exact) {
        var v = normedOf(n);
        t = v[2].some(function (w) { return w.indexOf(whole) >= 0; }) ? 0 : v[0].indexOf(whole) >= 0 ? 1
          : v[1].indexOf(whole) >= 0 ? 2 : -1;
        firsts = alts.map(function (list) {
          for (var i = 0; i < list.length; i++) if (holds(n, list[i][0])) return i;
          return list.length;
        });
      } else {
        t = -1;
        var flags = 3;
        for (var e = 0; e < evidence.length; e++) {
          var f = evidence[e].get(n);
          if (f === undefined) { flags = -1; break; }
          flags &= f;
        }
        if (flags >= 0) t = flags & 1 ? 0 : flags & 2 ? 1 : 2;
        firsts = perAlt.map(function (sets) {
          for (var i = 0; i < sets.length; i++) if (sets[i].has(n)) return i;
          return sets.length;
        });
      }
      if (t < 0) t = firsts.every(function (i) { return i === 0; }) ? 3 : 4;
      return [t + pages, t === 4 ? Math.max.apply(null, firsts) : 0, n];
    }
    function ok(n) {
      return alts.every(function (list) { return list.some(function (a) { return holds(n, a[0]); }); });
    }

    var chosen = Array.from(found).sort(function (a, b) { return a - b; })
      .filter(function (n) { return selected(n, kind, subject, group); });
    // the candidates by bound (a sorted queue), and those put back with their exact rank (a heap)
    var queue = chosen.map(function (n) { return rank(n, false); }).sort(compareRank);
    var back = new Heap(), at = 0, verified = 0, rejected = new Set(), putBack = 0;
    result.ordered = true;
    while ((at < queue.length || back.a.length) && result.hits.length < limit) {
      var key, checked;
      if (back.a.length && (at >= queue.length || compareRank(back.a[0][0], queue[at]) < 0)) {
        key = back.pop()[0]; checked = true;
      } else {
        key = queue[at++]; checked = false;
      }
      var n = key[2];
      if (!checked) {
        if (!chunks.has(Math.floor(n / meta.chunk))) {  // the next few candidates' documents at once
          var next = queue.slice(at, at + Math.max(limit - result.hits.length, 8)).map(function (k) { return k[2]; });
          await loadDocs([n].concat(next));
        }
        if (needsCheck && !ok(n)) {
          rejected.add(n);
          if (!wide && rejected.size >= meta.widenAfter) return search(query, Object.assign({}, opts, { wide: true }));
          continue;
        }
        var exact = rank(n, true);
        if (compareRank(exact, key) !== 0) {
          if (putBack < meta.putBackLimit) { putBack++; back.push([exact, true]); continue; }
          key = exact;  // past the limit: shown where its bound placed it, with its own tier
          result.ordered = false;
        }
      }
      verified++;
      if (verified <= offset) continue;
      result.hits.push(hitOf(n, key[0], alts));
    }
    result.exact = !needsCheck || (at >= queue.length);  // left unchecked: the queue's rest
    result.total = chosen.length - rejected.size;
    result.facets = facetsOf(Array.from(found).filter(function (n) { return !rejected.has(n); })
      .sort(function (a, b) { return a - b; }), withFacets);
    return result;
  }

  // --- text helpers -------------------------------------------------------------------------------
  /** The normalised form of a text and, for each of its code units, the raw range it came from. */
  function normMap(text) {
    var out = "", from = [], to = [], i = 0;
    for (var ch of text) {
      var n = norm(ch);
      for (var j = 0; j < n.length; j++) { from.push(i); to.push(i + ch.length); }
      out += n;
      i += ch.length;
    }
    return { text: out, from: from, to: to };
  }
  /** Raw [start, end) ranges of every occurrence of any of the (normalised) needles, merged. */
  function findRanges(text, needles) {
    var m = normMap(text), ranges = [];
    needles.forEach(function (w) {
      if (!w) return;
      for (var at = m.text.indexOf(w); at >= 0; at = m.text.indexOf(w, at + w.length)) {
        ranges.push([m.from[at], m.to[at + w.length - 1]]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push(r.slice());
    });
    return merged;
  }
  /** Append text to el with the ranges wrapped in <mark> (text nodes only). */
  function appendMarked(el, text, ranges, cls) {
    var at = 0;
    ranges.forEach(function (r) {
      if (r[0] > at) el.appendChild(document.createTextNode(text.slice(at, r[0])));
      var mark = document.createElement("mark");
      if (cls) mark.className = cls;
      mark.textContent = text.slice(r[0], r[1]);
      el.appendChild(mark);
      at = r[1];
    });
    if (at < text.length) el.appendChild(document.createTextNode(text.slice(at)));
  }
  /** A window of the text around its first match, the matches in it marked. */
  function snippet(el, text, needles) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    var ranges = findRanges(text, needles);
    var before = 24, size = 110;
    var start = ranges.length ? Math.max(0, ranges[0][0] - before) : 0;
    var end = Math.min(text.length, start + size);
    if (end - start < size) start = Math.max(0, end - size);
    // do not cut a surrogate pair
    if (start > 0 && /[\udc00-\udfff]/.test(text.charAt(start))) start--;
    if (end < text.length && /[\ud800-\udbff]/.test(text.charAt(end - 1))) end++;
    var part = text.slice(start, end);
    var inside = ranges.filter(function (r) { return r[0] < end && r[1] > start; })
      .map(function (r) { return [Math.max(r[0], start) - start, Math.min(r[1], end) - start]; });
    if (start > 0) el.appendChild(document.createTextNode("…"));
    appendMarked(el, part, inside);
    if (end < text.length) el.appendChild(document.createTextNode("…"));
  }

  function linkOf(url, query) {
    var hash = "", at = url.indexOf("#");
    if (at >= 0) { hash = url.slice(at); url = url.slice(0, at); }
    var u = new URL(url, ROOT);
    u.search = "?h=" + encodeURIComponent(query);
    return u.href.replace(/#.*$/, "") + hash;
  }

  // --- the box ------------------------------------------------------------------------------------
  var MAX_GROUPS = 6, PAGE = 10;
  var ui = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function setupBox() {
    var root = document.querySelector("[data-kb-search]");
    if (!root) return;
    var input = root.querySelector(".md-search__input");
    var toggle = document.getElementById("__search");
    var status = root.querySelector(".kb-search-status");
    var facetsBox = root.querySelector(".kb-search-facets");
    var list = root.querySelector(".md-search-result__list");
    var more = root.querySelector(".kb-search-more");
    var form = root.querySelector("form");
    // opened: the subject and list facets the reader asked for (they need search/facets.js)
    var state = { filters: { kind: null, subject: null, group: null }, opened: { subject: false, group: false },
      limit: PAGE, seq: 0, last: null, timer: 0, busy: 0 };
    ui = { state: state, runs: 0 };

    function open() {
      if (toggle && !toggle.checked) toggle.checked = true;
      ready().catch(function () { status.textContent = "检索索引无法加载"; });
    }
    function close() {
      if (toggle) toggle.checked = false;
      input.blur();
    }
    function schedule() {
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { state.timer = 0; run(); }, 20);
    }
    function key() { return JSON.stringify([input.value, state.filters, state.opened, state.limit]); }

    async function run() {
      state.busy++;
      try { await runNow(); } finally { state.busy--; }
    }
    async function runNow() {
      var k = key();
      if (k === state.last) return;
      state.last = k;
      var query = input.value, seq = ++state.seq;
      ui.runs++;
      if (!termsOf(query).length) {
        list.replaceChildren();
        facetsBox.replaceChildren();
        more.hidden = true;
        status.textContent = query.trim() ? "没有找到" : "输入文字即可检索";
        if (query.trim()) status.appendChild(el("span", "kb-search-hint", "（请输入汉字、字母或数字）"));
        return;
      }
      var f = state.filters, result;
      try {
        result = await search(query, { limit: state.limit, kind: f.kind, subject: f.subject, group: f.group,
          facets: state.opened.subject || state.opened.group });
      } catch (e) {
        if (seq === state.seq) { state.last = null; status.textContent = "检索索引无法加载"; }
        return;
      }
      if (seq !== state.seq) return;
      if (!result.hits.length && !(f.kind || f.subject || f.group)) {
        await render(result, query, await suggestions(query, result.terms));
      } else {
        await render(result, query, null);
      }
    }

    async function suggestions(query, terms) {
      var q = norm(query), qs = new Set(cps(q)), scored = [];
      if (!suggestWords) await load("suggest.js");
      (suggestWords || []).forEach(function (w, i) {
        var shared = 0;
        new Set(cps(norm(w))).forEach(function (c) { if (qs.has(c)) shared++; });
        if (shared) scored.push([shared, i, w]);
      });
      scored.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
      var out = scored.slice(0, 5).map(function (s) { return s[2]; });
      var raw = cps(query.trim());
      if (raw.length > 1) {
        var shorter = [raw.slice(1).join(""), raw.slice(0, -1).join("")];
        for (var i = 0; i < shorter.length; i++) {
          var s = shorter[i].trim();
          if (s && out.indexOf(s) < 0 && termsOf(s).length) {
            var r = await search(s, { limit: 1 });
            if (r.hits.length) out.unshift(s);
          }
        }
      }
      return out.slice(0, 7);
    }

    function chip(label, count, name, value) {
      var on = state.filters[name] === value;
      var b = el("button", "kb-facet");
      b.type = "button";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.appendChild(document.createTextNode(label));
      b.appendChild(el("span", "kb-facet__n", String(count)));
      b.addEventListener("click", function () {
        state.filters[name] = on ? null : value;
        state.limit = PAGE;
        run();
      });
      return b;
    }
    function facetRow(title, name, entries) {
      if (!entries.length) return null;
      var box = el("div", "kb-facet-row");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", title);
      box.setAttribute("data-facet", name);
      box.appendChild(el("span", "kb-facet-row__label", title));
      entries.forEach(function (e) { box.appendChild(chip(e[0], e[1], name, e[2])); });
      return box;
    }
    /** A button that opens a facet row: loads search/facets.js (through the search it runs) and then
     * shows the row's chips with their counts. */
    function opener(label, name) {
      var b = el("button", "kb-suggest kb-facet-open", label);
      b.type = "button";
      b.setAttribute("aria-expanded", "false");
      b.addEventListener("click", function () {
        state.opened[name] = true;
        run().then(function () {  // keep the keyboard where the chips now are
          var row = facetsBox.querySelector(".kb-facet-row[data-facet='" + name + "'] .kb-facet");
          if (row && document.activeElement === document.body) row.focus();
        });
      });
      return b;
    }
    function renderFacets(facets) {
      var f = state.filters, rows = [];
      var kinds = meta.kinds.filter(function (k) { return facets.kind && (facets.kind[k[0]] || f.kind === k[0]); })
        .map(function (k) { return [k[1], facets.kind[k[0]] || 0, k[0]]; });
      rows.push(facetRow("类型", "kind", kinds.length > 1 || f.kind ? kinds : []));
      var closed = [];
      if (facets.subject && (state.opened.subject || f.subject)) {
        var subjects = meta.subjectNames.filter(function (s) { return facets.subject[s] || f.subject === s; })
          .map(function (s) { return [s, facets.subject[s] || 0, s]; });
        rows.push(facetRow("评价主体", "subject", subjects));
      } else {
        closed.push(opener("按评价主体", "subject"));
      }
      if (facets.group && (state.opened.group || f.group)) {
        var groups = Object.keys(facets.group).map(function (g) { return [g, facets.group[g], g]; })
          .sort(function (a, b) { return b[1] - a[1]; });
        var top = groups.slice(0, MAX_GROUPS);
        if (f.group && !top.some(function (g) { return g[2] === f.group; })) top.push([f.group, facets.group[f.group] || 0, f.group]);
        rows.push(facetRow("清单/地区", "group", top));  // asked for: shown even with one list
      } else {
        closed.push(opener("按清单或地区", "group"));
      }
      if (closed.length && facets.kind) {  // nothing found: nothing to narrow
        var extra = el("div", "kb-facet-row");
        extra.setAttribute("role", "group");
        extra.setAttribute("aria-label", "更多筛选");
        closed.forEach(function (b) { extra.appendChild(b); });
        rows.push(extra);
      }
      facetsBox.replaceChildren.apply(facetsBox, rows.filter(Boolean));
    }

    function kindLabel(kind) {
      var k = meta.kinds.filter(function (x) { return x[0] === kind; })[0];
      return k ? k[1] : kind;
    }

    async function render(result, query, suggest) {
      var needles = [];
      result.terms.forEach(function (t) { needles.push(t); });
      renderFacets(result.facets);
      status.textContent = "";
      if (!result.hits.length) {
        status.textContent = "没有找到";
        if (suggest && suggest.length) {
          var box = el("span", "kb-search-suggest");
          box.appendChild(document.createTextNode("，试试："));
          suggest.forEach(function (w) {
            var b = el("button", "kb-suggest", w);
            b.type = "button";
            b.addEventListener("click", function () { input.value = w; input.focus(); state.limit = PAGE; run(); });
            box.appendChild(b);
          });
          status.appendChild(box);
        }
        list.replaceChildren();
        more.hidden = true;
        return;
      }
      status.textContent = (result.exact ? "共 " : "约 ") + result.total + " 条";
      var items = result.hits.map(function (h) {
        var marks = h.via_alias ? h.marks : needles;
        var li = el("li", "md-search-result__item");
        var a = el("a", "md-search-result__link");
        a.href = linkOf(h.url, query);
        a.setAttribute("data-kb-id", h.id);
        var art = el("div", "md-search-result__article md-typeset");
        var line = el("div", "kb-sr-meta");
        line.appendChild(el("span", "kb-sr-kind", kindLabel(h.kind)));
        var number = h.words && h.words.length ? h.words[0] : h.number != null ? String(h.number) : "";
        if (number) line.appendChild(el("span", "kb-sr-number", number));
        if (h.group) line.appendChild(el("span", "kb-sr-group", h.group));
        art.appendChild(line);
        var title = el("div", "kb-sr-title");
        appendMarked(title, h.title, findRanges(h.title, marks));
        art.appendChild(title);
        if (h.text) {
          var p = el("p", "md-search-result__teaser kb-sr-snippet");
          snippet(p, h.text, marks);
          art.appendChild(p);
        }
        if (h.via_alias) art.appendChild(el("div", "kb-sr-alias", "经检索别名找到"));
        a.appendChild(art);
        li.appendChild(a);
        return li;
      });
      list.replaceChildren.apply(list, items);
      more.hidden = result.total <= result.hits.length;
    }

    function links() { return Array.prototype.slice.call(list.querySelectorAll("a.md-search-result__link")); }

    input.addEventListener("focus", open);
    input.addEventListener("input", function (e) {
      if (e.isComposing) return;
      state.limit = PAGE;
      schedule();
    });
    input.addEventListener("compositionend", function () { state.limit = PAGE; schedule(); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var first = links()[0];
      if (first) location.href = first.href;
    });
    form.addEventListener("reset", function () {
      setTimeout(function () { state.filters = { kind: null, subject: null, group: null }; run(); input.focus(); }, 0);
    });
    more.addEventListener("click", function () { state.limit += PAGE; run(); });
    if (toggle) toggle.addEventListener("change", function () {
      if (toggle.checked) { input.focus(); open(); }
    });
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); close(); return; }
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      var all = links();
      if (!all.length) return;
      e.preventDefault();
      var at = all.indexOf(document.activeElement);
      if (e.key === "ArrowDown") at = at < 0 ? 0 : Math.min(all.length - 1, at + 1);
      else at = at <= 0 ? -1 : at - 1;
      if (at < 0) input.focus(); else { all[at].focus(); all[at].scrollIntoView({ block: "nearest" }); }
    });
    // "/", "s" or "f" opens the search from anywhere but a text field (Material's shortcut, which
    // lives in its own search component)
    document.addEventListener("keydown", function (e) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (e.key !== "/" && e.key !== "s" && e.key !== "f") return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      open();
      input.focus();
      input.select();
    });
    // The box is in the page long before this script runs (at the end of the body, after the theme's
    // bundle; the listeners above only from DOMContentLoaded): a reader who clicked it and typed while
    // the page was still loading would get no dialog and no search. Catch up with what they did.
    if (document.activeElement === input) open();
    if (input.value) schedule();
  }

  // --- ?h= on the page ----------------------------------------------------------------------------
  function highlightPage() {
    var h;
    try { h = new URLSearchParams(location.search).get("h"); } catch (e) { return; }
    if (!h) return;
    var article = document.querySelector("article.md-content__inner");
    if (!article) return;
    var nodes = [], text = "", from = [], to = [], owner = [];
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        var p = n.parentNode;
        return p && /^(SCRIPT|STYLE|NOSCRIPT|TEXTAREA)$/.test(p.nodeName) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var m = normMap(node.data), k = nodes.length;
      nodes.push(node);
      text += m.text;
      for (var j = 0; j < m.from.length; j++) { from.push(m.from[j]); to.push(m.to[j]); owner.push(k); }
    }
    var whole = norm(h), needles = whole ? [whole] : [];
    function occurrences(ws) {
      var found = [];
      ws.forEach(function (w) {
        for (var at = text.indexOf(w); w && at >= 0; at = text.indexOf(w, at + w.length)) found.push([at, at + w.length]);
      });
      return found;
    }
    var hits = occurrences(needles);
    if (!hits.length) hits = occurrences(termsOf(h)); // the whole query is nowhere: its words
    if (!hits.length) return;
    // per text node, the raw ranges to wrap: an occurrence's run in each node it crosses (from its
    // first character there to its last, spaces and punctuation between included)
    var per = new Map();
    hits.forEach(function (hit) {
      for (var i = hit[0]; i < hit[1]; i++) {
        var k = owner[i], list = per.get(k);
        if (!list) per.set(k, list = []);
        if (i > hit[0] && owner[i - 1] === k) list[list.length - 1][1] = to[i];
        else list.push([from[i], to[i]]);
      }
    });
    var first = null;
    Array.from(per.keys()).sort(function (a, b) { return a - b; }).forEach(function (k) {
      var node = nodes[k], ranges = per.get(k).sort(function (a, b) { return a[0] - b[0]; }), merged = [];
      ranges.forEach(function (r) {
        var last = merged[merged.length - 1];
        if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
        else merged.push(r.slice());
      });
      var frag = document.createDocumentFragment();
      appendMarked(frag, node.data, merged, "kb-hl");
      if (!first) first = frag.querySelector("mark");
      node.parentNode.replaceChild(frag, node);
    });
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }

  window.kbSearch = {
    search: search,
    ready: ready,
    norm: norm,
    keys: function (term) { return termKeys(norm(term)); },
    root: ROOT,
    /** For tests: searches the box ran, index files loaded, whether the box has a search pending. */
    stats: function () {
      return { runs: ui ? ui.runs : 0, loaded: Array.from(inflight.keys()),
        idle: !ui || (!ui.state.timer && !ui.state.busy) };
    }
  };

  function start() { setupBox(); highlightPage(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
