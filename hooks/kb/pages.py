"""Corpus → pages: every page as (docs-relative path, template, context, front matter).

Pure functions of the corpus; rendering is in render.py, the MkDocs adapter in
hooks/kb_hooks.py, and `python -m kb render DIR` writes the same pages as files.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .corpus import KIND_LABELS, SUBJECT_SLUGS, Corpus, Entry
from .models import SUBJECTS

HUB_KINDS = ("project", "task", "negative", "measure")
HUB_KIND_TITLES = {"project": "试点项目", "task": "重点任务", "negative": "负面清单", "measure": "案例举措"}
NEGATIVE_KINDS = {"严格禁止": "ban", "克服纠偏": "fix", "控制限制": "limit"}  # kind → anchor on the list page
HTML_KINDS = ("task", "project", "negative", "unit")
TERM_USES_SHOWN = 30  # a term page lists this many records that use it, then says how many more


@dataclass
class Page:
    path: str                 # docs-relative source path, e.g. tasks/taoyuan-2022/44.md
    template: str             # file under overrides/pages/
    title: str
    context: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    hide_toc: bool = False
    toc: bool = True          # list the page's headings in the sidebar (a record page is short: only its title)


def src_of(url: str) -> str:
    """Site URL (directory style) → docs source path: 'tasks/x/44/' → 'tasks/x/44.md', 'tasks/x/' hub → index."""
    path, _, anchor = url.partition("#")
    path = path.rstrip("/")
    src = f"{path}.md" if path else "index.md"
    return src + (f"#{anchor}" if anchor else "")


def site_url(src: str, dir_urls: bool = True) -> str:
    """Docs path → the page's site URL, as MkDocs makes it ('a/b.md' → 'a/b/' or 'a/b.html')."""
    path, _, anchor = src.partition("#")
    stem = path[:-3]
    if dir_urls:
        url = "" if stem == "index" else (stem[: -len("index")] if stem.endswith("/index") else stem + "/")
    else:
        url = stem + ".html"
    return url + (f"#{anchor}" if anchor else "")


LIST_URLS = {"document": "documents/", "unit": "units/", "negative": "negative/", "case": "cases/",
             "form": "downloads/", "term": "glossary/"}


def list_src(kind: str, list_id: str | None = None) -> str:
    if kind in ("task", "project"):
        return f"{kind}s/{list_id}/index.md"
    return f"{LIST_URLS[kind].rstrip('/')}/index.md"


def all_pages(corpus: Corpus, sizes: dict[str, int] | None = None) -> list[Page]:
    """Every page; `sizes` (download path → bytes) lets form pages show file sizes."""
    sizes = sizes or {}
    pages = [home_page(corpus)]
    pages += [hub_page(corpus, s) for s in SUBJECTS]
    pages += [Page("documents/index.md", "documents.md", "政策文件", {"documents": corpus.of_kind("document")})]
    for doc in corpus.of_kind("document"):
        pages.append(document_page(corpus, doc))
        lines = [ln.strip() for ln in corpus.sources.get(doc.id, "").splitlines() if ln.strip()]
        pages.append(Page(f"documents/{doc.id}/original.md", "original.html", f"原文：{doc.record.short_title}",
                          {"doc": doc, "original_lines": lines}))
    for doc in corpus.of_kind("document"):
        tasks = [e for e in corpus.items_of_list(doc.id) if e.kind == "task"]
        projects = [e for e in corpus.items_of_list(doc.id) if e.kind == "project"]
        if tasks:
            pages.append(task_list_page(corpus, doc, tasks))
        if projects:
            pages.append(Page(f"projects/{doc.id}/index.md", "project_list.html", doc.record.attachments and
                              _attachment_title(doc, doc.id) or doc.record.short_title,
                              {"doc": doc, "projects": projects}))
    pages.append(Page("tasks/index.md", "task_lists.md", "重点任务清单",
                      {"lists": _lists_of(corpus, "task")}))
    pages.append(Page("projects/index.md", "project_lists.md", "试点项目库", {"lists": _lists_of(corpus, "project")}))
    for kind in ("project", "task", "negative", "unit", "term", "form"):
        for entry in corpus.of_kind(kind):
            pages.append(record_page(corpus, entry, sizes))
    for case in corpus.of_kind("case"):
        pages.append(case_page(corpus, case, sizes))
    pages.append(Page("cases/index.md", "cases.md", "典型案例",
                      {"cases": corpus.of_kind("case"), "calls": [d for d in corpus.of_kind("document")
                                                                    if d.record.topics]}))
    pages.append(Page("units/index.md", "units.html", "责任单位", {"units": [
        (u, *corpus.tasks_of_unit(u.id)) for u in corpus.of_kind("unit")]}))
    pages.append(negative_list_page(corpus))
    pages.append(Page("glossary/index.md", "glossary.md", "术语表", {"terms": sorted(
        corpus.of_kind("term"), key=lambda e: e.title)}))
    offline = sizes.get("downloads/kb-offline.zip")
    pages.append(Page("downloads/index.md", "downloads.md", "表格下载", {
        "forms": corpus.of_kind("form"), "offline_size": f"{offline / 1024 / 1024:.1f} MB" if offline else ""}))
    tagged: dict[str, list[Page]] = {}
    for page in pages:
        for tag in page.tags:
            tagged.setdefault(tag, []).append(page)
    pages.append(Page("tags.md", "tags.html", "标签",  # in the order of data/tags.yml
                      {"groups": [(t.name, tagged[t.name]) for t in corpus.tags if t.name in tagged]}))
    return pages


def _attachment_title(doc: Entry, list_id: str) -> str:
    att = next((a for a in doc.record.attachments if a.projects == list_id), None)
    return att.title if att else doc.record.short_title


def _lists_of(corpus: Corpus, kind: str) -> list[tuple[Entry, list[Entry]]]:
    out = []
    for doc in corpus.of_kind("document"):
        items = [e for e in corpus.items_of_list(doc.id) if e.kind == kind]
        if items:
            out.append((doc, items))
    return out


def home_page(corpus: Corpus) -> Page:
    counts = corpus.counts()
    deadlines = []
    for doc in corpus.of_kind("document"):
        for req in doc.record.requirements:
            if req.kind == "截止时间" and req.date:
                deadlines.append((req.date, doc, req))
    deadlines.sort(key=lambda d: (d[0], d[1].id), reverse=True)
    hubs = [(s, SUBJECT_SLUGS[s], {k: len(v) for k, v in corpus.of_subject(s).items()}) for s in SUBJECTS]
    return Page("index.md", "home.md", "评价改革知识库", {
        "counts": counts, "labels": KIND_LABELS, "deadlines": deadlines, "hubs": hubs,
        "forms": corpus.of_kind("form"), "task_lists": _lists_of(corpus, "task"),
        "project_lists": _lists_of(corpus, "project")}, hide_toc=True)


def hub_page(corpus: Corpus, subject: str) -> Page:
    grouped = corpus.of_subject(subject)
    groups = [(HUB_KIND_TITLES[k], k, grouped.get(k, [])) for k in HUB_KINDS]
    topics = [(d, t) for d in corpus.of_kind("document") for t in d.record.topics if subject in t.subjects]
    return Page(f"subjects/{SUBJECT_SLUGS[subject]}.md", "hub.html", f"{subject}评价" if subject != "综合" else "综合",
                {"subject": subject, "groups": groups, "topics": topics})


def document_page(corpus: Corpus, doc: Entry) -> Page:
    items = corpus.items_of_list(doc.id)
    negatives = [e for e in corpus.of_kind("negative") if e.record.source.document == doc.id]
    cases = [e for e in corpus.of_kind("case") if e.record.document == doc.id]
    forms = {e.id: e for e in corpus.of_kind("form")}
    return Page(f"documents/{doc.id}.md", "document.html", doc.record.short_title, {
        "doc": doc, "d": doc.record, "items": items, "negatives": negatives, "cases": cases, "forms": forms,
        "task_list": any(e.kind == "task" for e in items), "project_list": any(e.kind == "project" for e in items)})


def task_list_page(corpus: Corpus, doc: Entry, tasks: list[Entry]) -> Page:
    rows = [(t, corpus.units_of_task(t.id)) for t in tasks]
    units = []
    for _, us in rows:
        for u in us:
            if u not in units:
                units.append(u)
    deadlines = sorted({t.record.deadline for t in tasks})
    return Page(f"tasks/{doc.id}/index.md", "task_list.html", doc.record.title, {
        "doc": doc, "d": doc.record, "rows": rows, "units": units, "deadlines": deadlines,
        "subjects": [s for s in SUBJECTS if any(s in t.subjects for t in tasks)]}, hide_toc=True)


def negative_list_page(corpus: Corpus) -> Page:
    negatives = corpus.of_kind("negative")
    groups = []
    for kind in NEGATIVE_KINDS:
        of_kind = [e for e in negatives if e.record.kind == kind]
        by_subject = [(s, [e for e in of_kind if s in e.subjects]) for s in SUBJECTS]
        groups.append((kind, NEGATIVE_KINDS[kind], len(of_kind), [(s, es) for s, es in by_subject if es]))
    docs = {d.id: d for d in corpus.of_kind("document")}
    return Page("negative/index.md", "negative_list.html", "负面清单",
                {"groups": groups, "total": len(negatives), "docs": docs})


def record_page(corpus: Corpus, entry: Entry, sizes: dict[str, int] | None = None) -> Page:
    ctx = {"e": entry, "r": entry.record, "links_from": corpus.links_from(entry.id),
           "links_to": corpus.links_to(entry.id), "tags": corpus.tags_of(entry.id) if entry.kind in (
               "project", "task", "negative") else []}
    if entry.list:
        ctx["doc"] = corpus[entry.list]
    if entry.kind == "task":
        doc = corpus[entry.list].record
        ctx["section"] = next(s for s in doc.sections if s.number == entry.record.section)
        ctx["units"] = corpus.units_of_task(entry.id)
        related_ids = {e.id for e in corpus.related(entry.id)}
        # The prohibitions that bind this task: its own list's and the national plan's, same subject.
        scope = [entry.list] + [d.id for d in corpus.of_kind("document") if d.record.kind == "总体方案"]
        ctx["same_subject_negatives"] = [n for n in corpus.negatives_of_subjects(entry.subjects, scope)
                                         if n.id not in related_ids]
        ctx["neighbours"] = _neighbours(corpus.items_of_list(entry.list), entry)
    elif entry.kind == "project":
        ctx["neighbours"] = _neighbours(corpus.items_of_list(entry.list), entry)
        ctx["list_title"] = _attachment_title(corpus[entry.list], entry.list)
    elif entry.kind == "negative":
        src = entry.record.source
        ctx["doc"] = corpus[src.document]
        ctx["source_task"] = corpus.entries.get(f"{src.document}/{src.task}") if src.task else None
    elif entry.kind == "unit":
        ctx["lead"], ctx["support"] = corpus.tasks_of_unit(entry.id)
    elif entry.kind == "term":
        ctx["docs"] = [corpus[d] for d in entry.record.sources]
        names = [entry.record.term, *entry.record.aliases]
        uses = [e for e in corpus.entries.values() if e.kind in ("project", "task", "negative", "measure")
                and any(n in e.text for n in names)]
        ctx["uses"], ctx["uses_total"] = uses[:TERM_USES_SHOWN], len(uses)
    elif entry.kind == "form":
        ctx.update(form_context(corpus, entry, sizes or {}))
    title = entry.title if entry.kind not in ("negative",) else f"负面清单：{entry.title}"
    path = src_of(entry.url)
    # Records are indexed from the corpus by kb.search, not from their HTML.
    # The kinds with thousands of records at province scale have HTML templates (see render.render_body).
    ext = "html" if entry.kind in HTML_KINDS else "md"
    return Page(path, f"{entry.kind}.{ext}", title, ctx, tags=ctx["tags"], toc=ext != "html")


def form_context(corpus: Corpus, form: Entry, sizes: dict[str, int]) -> dict:
    rec = form.record
    doc = corpus[rec.document]
    reqs = [r for r in doc.record.requirements if r.kind in ("截止时间", "报送方式", "报送材料", "申报数量", "字数")]
    options = {"pilot_types": [p.name for p in doc.record.pilot_types], "case_types": doc.record.case_types,
               "projects": [f"{e.number}. {e.text}" for e in corpus.of_kind("project")
                            if any(a.projects == e.list for a in doc.record.attachments)]}
    return {"doc": doc, "requirements": reqs, "options": options, "quotas": doc.record.quotas,
            "word_limits": doc.record.word_limits, "downloads": form_downloads(form, sizes)}


def form_downloads(entry: Entry, sizes: dict[str, int]) -> list[dict]:
    """The files built for a form or case: [{'format', 'url', 'name', 'size_text'}]."""
    from .downloads import downloads_of
    out = []
    for item in downloads_of(entry):
        size = sizes.get(item["url"])
        out.append({**item, "size_text": f"{size / 1024:.1f} KB" if size else ""})
    return out


def case_page(corpus: Corpus, case: Entry, sizes: dict[str, int] | None = None) -> Page:
    sections = []
    for s in case.record.sections:
        measures = []
        for m in s.measures:
            mid = f"{case.id}/{s.number}-{m.number}"
            measures.append((corpus[mid], corpus.links_from(mid), corpus.links_to(mid)))
        sections.append((s, measures))
    return Page(src_of(case.url), "case.md", case.record.title, {
        "e": case, "r": case.record, "doc": corpus[case.record.document], "sections": sections,
        "downloads": form_downloads(case, sizes or {})}, tags=corpus.tags_of(case.id))


def _neighbours(items: list[Entry], entry: Entry) -> tuple[Entry | None, Entry | None]:
    same = [e for e in items if e.kind == entry.kind]
    i = same.index(entry)
    return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)
