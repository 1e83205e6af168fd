/* 评价改革知识库: page behaviour. Sorting is done by the vendored tablesort;
 * this file only wires it up, filters table rows by data attributes and a keyword
 * (the filters kept in the URL query; on a list split into pages, over every page), and counts
 * words in the form pages. Runs on every page load, including Material's instant loads. */
(function () {
  "use strict";

  // Text compared as the search compares it (assets/kb-search.js): NFKC folds full-width letters,
  // digits and punctuation to half-width; case, spaces and punctuation of either width are ignored.
  var NOT_WORD = /[^\p{L}\p{N}]+/gu;
  function norm(text) {
    return String(text || "").normalize("NFKC").toLowerCase().replace(NOT_WORD, "");
  }
  window.kbNorm = norm;

  // A task or project list longer than a page is split into pages (kb.pages.paginated), and its filter still
  // covers the whole list: each page's rows are also a script, `__kbRows("<tr>…</tr>…");` (kb.render.rows_files),
  // under the list's _pages/, which the filter box names in data-kb-parts. They are loaded only once the reader
  // sets a filter (a page load loads none), each once, with <script src> as assets/kb-search.js loads its index:
  // fetch cannot read file:, the offline edition's scheme. The script's own URL says whose rows it holds.
  var rowMarkup = {};  // a rows script's absolute URL → its markup
  var rowLoads = {};   // … → Promise of the markup
  window.__kbRows = function (markup) {
    var script = document.currentScript;
    if (script && typeof markup === "string") rowMarkup[script.src] = markup;
  };
  function loadRows(url) {
    if (!rowLoads[url]) {
      rowLoads[url] = new Promise(function (resolve, reject) {
        var el = document.createElement("script");
        el.src = url;
        el.async = true;
        el.onload = function () {
          el.remove();
          if (typeof rowMarkup[url] === "string") resolve(rowMarkup[url]);
          else { delete rowLoads[url]; reject(new Error("no rows in " + url)); }
        };
        el.onerror = function () { el.remove(); delete rowLoads[url]; reject(new Error("cannot load " + url)); };
        document.head.appendChild(el);
      });
    }
    return rowLoads[url];
  }
  // A page's rows from its script. The markup is the build's own: the list's rows template rendered with Jinja's
  // autoescaping, as on the page (data in it is escaped text); nothing here builds markup from data. It is parsed
  // in an inert <template>, where no script runs and nothing loads. Its links are relative to the script's
  // folder: they are made absolute against the script's URL.
  function rowsOf(url, markup) {
    var tpl = document.createElement("template");
    tpl.innerHTML = markup;
    var rows = Array.prototype.filter.call(tpl.content.children, function (el) { return el.tagName === "TR"; });
    rows.forEach(function (row) {
      row.querySelectorAll("a[href]").forEach(function (a) {
        a.setAttribute("href", new URL(a.getAttribute("href"), url).href);
      });
    });
    return rows;
  }

  // A filter box (div.kb-filters) names what it filters in data-kb-table: a table (sorted by
  // tablesort) or a block whose tables' rows are filtered together, blocks marked .kb-group hiding
  // when none of their rows is shown. Its controls: selects and a checkbox ([data-kb-filter]) and a
  // keyword box ([data-kb-keyword]). The state lives in the page's URL query (?q=…&unit=…&lead=1),
  // so a filtered view can be shared, bookmarked and restored.
  function setupTable(box) {
    var table = document.getElementById(box.getAttribute("data-kb-table"));
    if (!table || table.dataset.kbReady) return;
    table.dataset.kbReady = "1";
    var isTable = table.tagName === "TABLE";
    var sorter = isTable && window.Tablesort ? new window.Tablesort(table) : null;
    var rows = Array.prototype.slice.call(isTable ? table.tBodies[0].rows : table.querySelectorAll("tbody tr"));
    var groups = Array.prototype.slice.call(table.querySelectorAll(".kb-group"));
    var controls = Array.prototype.slice.call(box.querySelectorAll("[data-kb-filter]"));
    var keyword = box.querySelector("[data-kb-keyword]");
    var count = box.querySelector(".kb-count");
    var noun = box.getAttribute("data-kb-unit") || "项";
    var texts = rows.map(function (row) { return norm(row.textContent); });
    // a record listed in several groups is counted once
    var ids = rows.map(function (row, i) { return row.getAttribute("data-kb-id") || "#" + i; });
    var total = ids.filter(function (id, i) { return ids.indexOf(id) === i; }).length;
    // A page of a split list: a filter shows the matching rows of every page, in list order, and hides the
    // pagers; with no filter the table holds this page's rows. Rows that do not match are taken out of the
    // table rather than hidden (a list can have thousands).
    var parts = (box.getAttribute("data-kb-parts") || "").split(" ").filter(Boolean)
      .map(function (src) { return new URL(src, location.href).href; });
    var part = parseInt(box.getAttribute("data-kb-part"), 10);
    var split = isTable && parts.length > 1 && part >= 1 && part <= parts.length;
    var pagers = split ? Array.prototype.slice.call(document.querySelectorAll("article nav.kb-pager")) : [];
    if (split) total = parseInt(box.getAttribute("data-kb-total"), 10) || total;
    var whole = null;    // Promise of every page's rows and their texts, in list order (this page's among them)
    var loaded = null;   // … once they are here
    var ticket = 0;      // the latest filtering: an earlier one whose rows arrive later shows nothing

    function loadWhole() {
      if (!whole) {
        whole = Promise.all(parts.map(function (url, i) {
          if (i + 1 === part) return null;
          return loadRows(url).then(function (markup) { return rowsOf(url, markup); });
        })).then(function (lists) {
          var all = { rows: [], texts: [] };
          lists.forEach(function (list) {
            if (list === null) {
              all.rows = all.rows.concat(rows);
              all.texts = all.texts.concat(texts);
            } else {
              list.forEach(function (row) { all.rows.push(row); all.texts.push(norm(row.textContent)); });
            }
          });
          loaded = all;
          return all;
        });
        whole.catch(function () { whole = null; });  // tried again with the next change
      }
      return whole;
    }

    // The table's body holds `list`'s rows that `keep` keeps, in list order (then in the reader's sort, if any).
    function place(list, listTexts, keep) {
      var shown = [];
      list.forEach(function (row, i) { if (keep(row, listTexts[i])) { row.hidden = false; shown.push(row); } });
      var body = table.tBodies[0], fragment = document.createDocumentFragment();
      body.textContent = "";
      shown.forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
      if (sorter) sorter.refresh();
      return shown.length;
    }

    // Options that differ only in spaces or punctuation width are one option (the page's template
    // merges them already; this keeps it so whatever the data spell).
    controls.forEach(function (c) {
      if (c.tagName !== "SELECT") return;
      var seen = {};
      Array.prototype.slice.call(c.options).forEach(function (o) {
        if (!o.value) return;
        var k = norm(o.value);
        if (seen[k]) c.removeChild(o); else seen[k] = true;
      });
    });
    function selectValue(c, value) {
      var k = norm(value);
      for (var i = 0; i < c.options.length; i++) {
        if (c.options[i].value === value) { c.selectedIndex = i; return; }
      }
      for (i = 0; i < c.options.length; i++) {
        if (c.options[i].value && norm(c.options[i].value) === k) { c.selectedIndex = i; return; }
      }
    }

    function restore() {
      var params;
      try { params = new URLSearchParams(location.search); } catch (e) { return; }
      controls.forEach(function (c) {
        var v = params.get(c.getAttribute("data-kb-filter"));
        if (v === null) return;
        if (c.type === "checkbox") c.checked = v !== "" && v !== "0";
        else selectValue(c, v);
      });
      if (keyword && params.get("q") !== null) keyword.value = params.get("q");
    }

    function remember(want, q) {
      if (!window.history || !history.replaceState) return;
      var params;
      try { params = new URLSearchParams(location.search); } catch (e) { return; }
      controls.forEach(function (c) {
        var name = c.getAttribute("data-kb-filter"), v = want[name];
        if (c.type === "checkbox") { if (v) params.set(name, "1"); else params.delete(name); }
        else if (v) params.set(name, v); else params.delete(name);
      });
      if (keyword) { if (q.trim()) params.set("q", q); else params.delete("q"); }
      var qs = params.toString();
      var url = location.pathname + (qs ? "?" + qs : "") + location.hash;
      if (url !== location.pathname + location.search + location.hash) {
        try { history.replaceState(history.state, "", url); } catch (e) { /* file:// in some browsers */ }
      }
    }

    function apply(save) {
      var want = {};
      controls.forEach(function (c) { want[c.getAttribute("data-kb-filter")] = c.type === "checkbox" ? c.checked : c.value; });
      var q = keyword ? keyword.value : "";
      var terms = q.split(/\s+/).map(norm).filter(Boolean);
      var deadline = want.deadline ? norm(want.deadline) : "";
      function keep(row, text) {
        var d = row.dataset;
        if (want.subject && (d.subject || "").split("|").indexOf(want.subject) < 0) return false;
        if (deadline && norm(d.deadline) !== deadline) return false;
        if (want.status && d.status !== want.status) return false;
        if (want.unit) {
          if (want.lead ? d.lead !== want.unit : (d.unit || "").split("|").indexOf(want.unit) < 0) return false;
        }
        for (var t = 0; t < terms.length; t++) if (text.indexOf(terms[t]) < 0) return false;
        return true;
      }
      if (save) remember(want, q);
      if (split) {
        var mine = ++ticket;
        if (!(terms.length || want.subject || deadline || want.status || want.unit)) {
          var n = place(rows, texts, keep);
          pagers.forEach(function (p) { p.hidden = false; });
          if (count) count.textContent = "本页 " + n + " " + noun + "，共 " + total + " " + noun;
          return;
        }
        var showWhole = function (all) {
          if (mine !== ticket) return;
          var n = place(all.rows, all.texts, keep);
          pagers.forEach(function (p) { p.hidden = true; });
          if (count) count.textContent = "显示 " + n + " / " + total + " " + noun + "（全部 " + parts.length + " 页）";
        };
        if (loaded) { showWhole(loaded); return; }  // at once: no flash of the loading note as the reader types
        if (count) count.textContent = "正在载入其他分页…";
        loadWhole().then(showWhole, function () {
          if (mine !== ticket) return;
          var n = place(rows, texts, keep);
          pagers.forEach(function (p) { p.hidden = false; });
          if (count) count.textContent = "显示本页 " + n + " / " + rows.length + " " + noun + "（未能载入其他页，只筛选了本页）";
        });
        return;
      }
      var shown = {}, n = 0;
      rows.forEach(function (row, i) {
        var ok = keep(row, texts[i]);
        row.hidden = !ok;
        if (ok && !shown[ids[i]]) { shown[ids[i]] = true; n++; }
      });
      groups.forEach(function (g) { g.hidden = !g.querySelector("tbody tr:not([hidden])"); });
      if (count) count.textContent = "显示 " + n + " / " + total + " " + noun;
    }

    controls.forEach(function (c) { c.addEventListener("change", function () { apply(true); }); });
    if (keyword) {
      // while an IME is composing, the box holds pinyin: filter once the text is committed
      keyword.addEventListener("input", function (e) { if (!e.isComposing) apply(true); });
      keyword.addEventListener("compositionend", function () { apply(true); });
      keyword.addEventListener("search", function () { apply(true); });
    }
    restore();
    apply(false);
  }

  // Counted as Word's 字数 counts Chinese text: every CJK character and full-width
  // punctuation mark is one, every run of Latin letters or digits is one; spaces and
  // half-width punctuation are not counted.
  function wordCount(text) {
    var cjk = text.match(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026]/g) || [];
    var latin = text.replace(/[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026]/g, " ")
      .match(/[A-Za-z0-9\u00c0-\u024f]+/g) || [];
    return cjk.length + latin.length;
  }
  window.kbWordCount = wordCount;

  function setupCounter(box) {
    if (box.dataset.kbReady) return;
    box.dataset.kbReady = "1";
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    var input = box.querySelector("textarea");
    var out = box.querySelector("output");
    function update() {
      var n = wordCount(input.value);
      out.textContent = n + " / " + limit + " 字" + (n > limit ? "，超出 " + (n - limit) + " 字" : "");
      box.classList.toggle("kb-over", n > limit);
    }
    input.addEventListener("input", update);
    update();
  }

  // A table wider than the screen scrolls sideways in the theme's wrapper, and a long navigation scrolls in
  // its sidebar; a keyboard user reaches such a wrapper to scroll it (axe: scrollable-region-focusable).
  // Checked whenever a wrapper's size changes (the theme sizes its sidebars after loading).
  var SCROLLERS = { "md-typeset__scrollwrap": "表格（可左右滚动）", "md-sidebar__scrollwrap": "侧栏（可滚动）" };
  function markScroller(wrap) {
    var label = SCROLLERS[wrap.classList.contains("md-typeset__scrollwrap") ? "md-typeset__scrollwrap"
                                                                             : "md-sidebar__scrollwrap"];
    var scrolls = wrap.scrollWidth > wrap.clientWidth + 1 || wrap.scrollHeight > wrap.clientHeight + 1;
    if (scrolls && !wrap.hasAttribute("tabindex")) {
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", label);
      wrap.dataset.kbScroller = "1";
    } else if (!scrolls && wrap.dataset.kbScroller) {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
      delete wrap.dataset.kbScroller;
    }
  }
  var watcher = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) { markScroller(e.target); });
  }) : null;
  function focusableScrollers() {
    document.querySelectorAll(".md-typeset__scrollwrap, .md-sidebar__scrollwrap").forEach(function (wrap) {
      markScroller(wrap);
      if (watcher) watcher.observe(wrap);
    });
  }
  window.addEventListener("resize", focusableScrollers);

  function init() {
    document.querySelectorAll("[data-kb-table]").forEach(setupTable);
    document.querySelectorAll(".kb-wordcount").forEach(setupCounter);
    focusableScrollers();
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else if (document.readyState !== "loading") init();
  else document.addEventListener("DOMContentLoaded", init);
})();

/* Print and restored characters (overrides/main.html, assets/kb.css; tests/test_print_marks.py).
 * The print-only head gets the page's address and today's date, on load and again just before
 * printing (a list page's filters change its address). The first restored character of a page
 * gets a small link to the about page's explanation (a copy of main.html's <template>). */
(function () {
  "use strict";

  function cnDate(d) {
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }

  function fillPrintHead() {
    var address = location.href.split("#")[0];
    try { address = decodeURI(address); } catch (e) { /* keep it encoded */ }
    document.querySelectorAll(".kb-print-head").forEach(function (head) {
      var url = head.querySelector(".kb-print-url"), date = head.querySelector(".kb-print-date");
      var where = head.querySelector(".kb-print-head__where");
      if (url) url.textContent = address;
      if (date) date.textContent = cnDate(new Date());
      if (where) where.hidden = false;
    });
  }

  function linkFirstRestored() {
    var tpl = document.querySelector("template.kb-restored-help");
    if (!tpl || document.getElementById("补字") || document.querySelector("article sup.kb-restored-help")) return;
    var first = document.querySelector("article .kb-restored");
    if (!first) return;
    var at = first.closest("a, abbr, button, label") || first;  // never a link inside a link
    at.parentNode.insertBefore(tpl.content.cloneNode(true), at.nextSibling);
  }

  function init() {
    fillPrintHead();
    linkFirstRestored();
  }
  window.addEventListener("beforeprint", fillPrintHead);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    var onChange = function (e) { if (e.matches) fillPrintHead(); };
    if (print.addEventListener) print.addEventListener("change", onChange);
    else if (print.addListener) print.addListener(onChange);
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else if (document.readyState !== "loading") init();
  else document.addEventListener("DOMContentLoaded", init);
})();
