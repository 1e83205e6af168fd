/* 评价改革知识库: Material for MkDocs 9.8.1's inline theme scripts, as a file.
 * Material prints small inline <script>s into every page; the site's Content-Security-Policy
 * (deploy/kb-security-headers.conf) has no 'unsafe-inline' for scripts, so the overrides in
 * overrides/partials/javascripts/ load this file instead and it does the same work. What differs
 * between pages comes in data- attributes of the <script> element that loads it.
 * Re-check against Material's partials/javascripts/*.html when Material is upgraded
 * (tests/test_publish.py fails when a page carries an inline script again). */
(function (script) {
  "use strict";

  if (script.hasAttribute("data-md-scope")) {
    // partials/javascripts/base.html (in <head>): the storage helpers Material's bundle expects
    // as globals. Keys are prefixed with the site's path, so two sites on one host stay apart.
    window.__md_scope = new URL(script.getAttribute("data-md-scope"), location);
    window.__md_hash = function (text) {
      return Array.from(text).reduce(function (h, c) { return (h << 5) - h + c.charCodeAt(0); }, 0);
    };
    window.__md_get = function (key, storage, scope) {
      storage = storage || localStorage;
      scope = scope || window.__md_scope;
      return JSON.parse(storage.getItem(scope.pathname + "." + key));
    };
    window.__md_set = function (key, value, storage, scope) {
      storage = storage || localStorage;
      scope = scope || window.__md_scope;
      try { storage.setItem(scope.pathname + "." + key, JSON.stringify(value)); } catch (e) { /* full or denied */ }
    };
    return;
  }

  // partials/javascripts/content.html (after the article): with content.tabs.link, select the
  // content tabs the reader chose before; then select the tab that the URL's #fragment names.
  if (script.hasAttribute("data-md-tabs-link")) {
    var tabs = window.__md_get("__tabs");
    if (Array.isArray(tabs)) {
      sets: for (var set of document.querySelectorAll(".tabbed-set")) {
        var labels = set.querySelector(".tabbed-labels");
        for (var tab of tabs) {
          for (var label of labels.getElementsByTagName("label")) {
            if (label.innerText.trim() === tab) {
              document.getElementById(label.htmlFor).checked = true;
              continue sets;
            }
          }
        }
      }
    }
  }
  var target = document.getElementById(location.hash.slice(1));
  if (target && target.name) target.checked = target.name.startsWith("__tabbed_");
})(document.currentScript);
