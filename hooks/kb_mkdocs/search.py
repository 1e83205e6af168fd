"""Material's search index, extended with the corpus's records (kb.search.index_documents).

Material for MkDocs 9.8.1 writes site/search/search_index.json in its search plugin's
on_post_build (material/plugins/search/plugin.py). This module rewrites that file after it:
our record documents (segmented with the domain dictionary), one damped title entry per
other generated page (home, hubs, lists), and Material's own entries, which are only the
hand-written pages' (generated pages are marked `search: exclude`).

Order against the offline plugin: material/plugins/offline/plugin.py (9.8.1, lines 51-70)
copies search_index.json into search_index.js in an on_post_build with
@event_priority(-100), i.e. after every default-priority on_post_build, ours included; so the
offline edition inlines the rewritten index. tests/test_browser.py searches the offline
edition from file:// for a record, which fails if that order ever changes.
"""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb import routes
from kb.corpus import Corpus
from kb.search import AGGREGATE_BOOST, FIELDS, SEPARATOR, index_documents, record_kinds, resegment_html, segment_text


def write_site_index(corpus: Corpus, dir_urls: bool, inbox: Callable[[], dict[str, Any]]) -> bool:
    """The site's search index: the records are segmented first (in the build, this runs in a
    forked process while the pages are built); then, once the build has written Material's index,
    `inbox()` gives its path and the page titles, and the records are merged into it."""
    records = index_documents(corpus, dir_urls)
    request = inbox()
    path = Path(request["path"])
    if not path.exists():  # the search plugin is off
        return False
    index = json.loads(path.read_text(encoding="utf-8"))
    merged = merge_into_material_index(index, corpus, records, dir_urls, request["page_titles"])
    path.write_text(json.dumps(merged, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
                    encoding="utf-8")
    return True


def merge_into_material_index(index: dict[str, Any], corpus: Corpus, records: list[dict[str, Any]],
                              dir_urls: bool = True, page_titles: dict[str, str] | None = None) -> dict[str, Any]:
    """Our record documents (index_documents), one damped title entry per other generated page (home, hubs, lists),
    and Material's own entries, which are only the hand-written pages' (generated pages are excluded)."""
    record_pages = {routes.url(e, dir_urls).split("#")[0] for k in record_kinds() for e in corpus.of_kind(k)}
    about = routes.site_url(routes.ABOUT, dir_urls)
    kept = []
    for doc in index["docs"]:
        page, _, anchor = doc["location"].partition("#")
        if anchor and page != about:
            continue  # one entry per page is enough, except the how-to page's sections
        kept.append({**doc, "title": resegment_html(doc["title"]), "text": resegment_html(doc["text"])})
    config = {**index["config"], "separator": SEPARATOR,
              "fields": {name: {"boost": boost} for name, boost in FIELDS.items()}}
    aggregates = []
    for src, title in sorted((page_titles or {}).items()):
        url = routes.site_url(src, dir_urls)
        if url.split("#")[0] in record_pages:
            continue
        aggregates.append({"location": url, "title": html.escape(segment_text(title), quote=False), "text": "",
                           "boost": AGGREGATE_BOOST})
    return {"config": config, "docs": records + aggregates + kept}
