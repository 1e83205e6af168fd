/* 评价改革知识库: page behaviour. Sorting is done by the vendored tablesort;
 * this file only wires it up, filters table rows by data attributes, and counts
 * words in the form pages. Runs on every page load, including Material's instant loads. */
(function () {
  "use strict";

  function setupTable(box) {
    var table = document.getElementById(box.getAttribute("data-kb-table"));
    if (!table || table.dataset.kbReady) return;
    table.dataset.kbReady = "1";
    if (window.Tablesort) new window.Tablesort(table);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var controls = box.querySelectorAll("[data-kb-filter]");
    var count = box.querySelector(".kb-count");
    function apply() {
      var want = {};
      controls.forEach(function (c) { want[c.getAttribute("data-kb-filter")] = c.type === "checkbox" ? c.checked : c.value; });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        if (want.subject && row.dataset.subject.split("|").indexOf(want.subject) < 0) ok = false;
        if (want.deadline && row.dataset.deadline !== want.deadline) ok = false;
        if (want.unit) {
          if (want.lead) ok = ok && row.dataset.lead === want.unit;
          else ok = ok && row.dataset.unit.split("|").indexOf(want.unit) >= 0;
        }
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 项";
    }
    controls.forEach(function (c) { c.addEventListener("change", apply); });
    apply();
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

  function init() {
    document.querySelectorAll("[data-kb-table]").forEach(setupTable);
    document.querySelectorAll(".kb-wordcount").forEach(setupCounter);
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
  else if (document.readyState !== "loading") init();
  else document.addEventListener("DOMContentLoaded", init);
})();
