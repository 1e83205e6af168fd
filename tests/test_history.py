"""最近更新 and 更新记录 (issue 15, item 8) from a real git history: kb.history on repositories made here
from the minimal data set (commits with fixed dates), built sites from them, and the builds without a usable
history (outside git, without git, a shallow clone), which still work and say nothing of dates."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bad_inputs import MINIMAL
from conftest import build_site
from kb.assemble import load_corpus
from kb.history import History, Pending

IMPORT = ("2024-03-01T10:00:00+08:00", "Import the test data\n\n更新说明：导入测试数据")
# 20:30 on 2 April in UTC-8 is 12:30 on 3 April in China: the date a reader sees is China's.
EDIT = ("2024-04-02T20:30:00-08:00", "Negative n-1: reword\n\nWhy: a test.\n更新说明：改写负面清单条目 n-1")
NO_NOTE = ("2024-05-06T09:00:00+08:00", "Task 2: new deadline")


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "测试", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "测试", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True,
                          check=True).stdout


def commit(repo: Path, when_message: tuple[str, str]) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", when_message[1], when=when_message[0])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Path:
    """The minimal data in a repository: imported, then n-1 reworded, then task 2's deadline changed."""
    repo = tmp_path / "repo"
    shutil.copytree(MINIMAL, repo / "data")
    (repo / "data" / "schema").mkdir()
    (repo / "data" / "schema" / "x.json").write_text("{}\n")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, IMPORT)
    edit(repo / "data" / "negative.yml", "text: 严禁测试。", "text: 严禁以测试代替评价。")
    commit(repo, EDIT)
    edit(repo / "data" / "tasks" / "list-a.yml", "deadline: 2022年底前", "deadline: 2023年底前")
    commit(repo, NO_NOTE)
    # a change of the generated schema only is not a change of the content
    (repo / "data" / "schema" / "x.json").write_text('{"a": 1}\n')
    commit(repo, ("2024-06-01T09:00:00+08:00", "Schema only"))
    return repo


def history_of(data: Path, root: Path | None = None) -> History:
    corpus = load_corpus(data, root or data.parent)
    return Pending(data).result(corpus, root or data.parent)


def test_each_record_dates_from_the_last_commit_that_wrote_its_lines(repo):
    h = history_of(repo / "data")
    assert h.why_none is None
    assert h.last["n-1"].date == "2024-04-03"  # China's date of a commit made in UTC-8
    assert h.last["n-1"].note == "改写负面清单条目 n-1"
    assert h.last["list-a/2"].date == "2024-05-06" and h.last["list-a/2"].note is None
    for untouched in ("list-a/1", "lib-a/1", "u-jyj", "ceshi", "list-a"):
        assert h.last[untouched].date == "2024-03-01", untouched
    assert h.last_original["list-a"].date == "2024-03-01"


def test_the_change_log_lists_every_content_commit_newest_first(repo):
    h = history_of(repo / "data")
    assert [(c.date, c.note) for c in h.changes] == [
        ("2024-05-06", None), ("2024-04-03", "改写负面清单条目 n-1"), ("2024-03-01", "导入测试数据")]
    newest, reworded, imported = h.changes
    assert newest.records == ("list-a/2",) and reworded.records == ("n-1",)
    # the import still stands in every record but n-1 and task 2's deadline line; task 2's other lines too
    assert "list-a/2" in imported.records and "n-1" in imported.records  # (n-1's other lines)
    assert imported.documents == ("list-a", "lib-a")
    assert newest.key == git(repo, "rev-parse", "HEAD~1").strip()  # the schema-only commit is not listed


def test_comments_and_blank_lines_are_not_a_record_change(repo):
    edit(repo / "data" / "negative.yml", "    sources: [{document: list-a, task: 1}]\n",
         "    sources: [{document: list-a, task: 1}]\n\n  # a comment after n-1\n")
    commit(repo, ("2024-07-01T09:00:00+08:00", "A comment"))
    assert history_of(repo / "data").last["n-1"].date == "2024-04-03"


def test_lines_not_committed_yet_are_a_change_without_a_date(repo):
    edit(repo / "data" / "units" / "a.yml", "name: 县财政局", "name: 县财政局\n    aliases: [财政局]")
    h = history_of(repo / "data")
    assert h.changes[0].key == "uncommitted" and h.changes[0].date is None
    assert h.last["u-czj"].key == "uncommitted"
    assert h.last["u-jyj"].date == "2024-03-01"


def test_make_serve_blames_again_only_what_changed(repo):
    """A reload under `make serve` (kb.history.BlameCache) blames a file again only when it or the checked-out
    commit changed, and gives the history a fresh read gives."""
    data = repo / "data"

    def reload(cache: dict) -> History:
        return Pending(data, None, cache).result(load_corpus(data, repo), repo)

    cache: dict = {}
    assert reload(cache).to_json() == history_of(data).to_json()
    kept = dict(cache)
    assert "data/units/a.yml" in kept and "data/negative.yml" in kept
    time_before = (data / "units" / "a.yml").stat().st_mtime_ns
    edit(data / "units" / "a.yml", "name: 县财政局", "name: 县财政局\n    aliases: [财政局]")
    os.utime(data / "units" / "a.yml", ns=(time_before + 10**9, time_before + 10**9))  # (a coarse clock)
    h = reload(cache)
    assert h.to_json() == history_of(data).to_json()
    assert h.last["u-czj"].key == "uncommitted" and h.last["u-jyj"].date == "2024-03-01"
    assert cache["data/units/a.yml"] is not kept["data/units/a.yml"]  # blamed again
    assert all(cache[f] is kept[f] for f in kept if f != "data/units/a.yml")  # the others: the same blame
    commit(repo, ("2024-08-01T09:00:00+08:00", "Unit alias\n\n更新说明：增加单位简称"))
    h = reload(cache)
    assert h.last["u-czj"].date == "2024-08-01" and h.changes[0].note == "增加单位简称"
    assert h.to_json() == history_of(data).to_json()
    assert all(cache[f] is not kept[f] for f in kept)  # a new commit: every file blamed again


def test_a_file_git_does_not_track_is_all_uncommitted_without_asking_git(repo, monkeypatch):
    import kb.history
    from kb.history import UNCOMMITTED, blame
    (repo / "data" / "sources" / "new.txt").write_text("第一行\n第二行\n", encoding="utf-8")
    asked = blame(repo, "data/sources/new.txt")  # git blame of a file it does not track
    assert asked == ([UNCOMMITTED] * 2, [True, True], {})
    blamed: list[str] = []
    real = kb.history._git
    monkeypatch.setattr(kb.history, "_git", lambda top, *args, **kw: (blamed.append(args[-1]) if args[0] == "blame"
                                                                      else None) or real(top, *args, **kw))
    pending = Pending(repo / "data")
    assert pending.blames[(repo / "data" / "sources" / "new.txt").resolve()].result() == asked
    pending.cancel()
    assert "data/sources/new.txt" not in blamed and "data/negative.yml" in blamed


def test_a_commit_gives_the_same_history_wherever_it_is_built(repo, tmp_path):
    clone = tmp_path / "elsewhere" / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert history_of(repo / "data").to_json() == history_of(clone / "data").to_json()


def test_no_history_outside_git_without_git_or_in_a_shallow_clone(repo, tmp_path, monkeypatch):
    copy = tmp_path / "copy" / "data"
    shutil.copytree(repo / "data", copy)
    assert history_of(copy).why_none == "not in a git work tree"
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))
    assert history_of(shallow / "data").why_none.startswith("a shallow clone")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert history_of(repo / "data").why_none == "git is not installed"


# --- built sites --------------------------------------------------------------------------------

def page(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def built(data: Path, dest: Path, **env: str) -> Path:
    result = build_site(dest, KB_DATA=str(data), KB_HISTORY="", **env)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return dest


@pytest.fixture
def repo_site(repo, tmp_path) -> Path:
    return built(repo / "data", tmp_path / "site")


def test_record_pages_say_when_they_last_changed(repo_site):
    line = page(repo_site, "negative/n-1").select_one("article .kb-updated")
    assert line.get_text(" ", strip=True) == "最近更新：2024年4月3日 更新记录"
    link = line.find("a")["href"]
    assert link.startswith("../../changes/#c-")
    assert page(repo_site, "tasks/list-a/2").select_one(".kb-updated").get_text().startswith("最近更新：2024年5月6日")
    assert "2024年3月1日" in page(repo_site, "units/u-jyj").select_one(".kb-updated").get_text()
    assert "2024年3月1日" in page(repo_site, "documents/list-a/original").select_one(".kb-updated").get_text()
    # every record page says it
    for kind in ("documents/list-a", "projects/lib-a/1", "tasks/list-a/1", "glossary/ceshi"):
        assert page(repo_site, kind).select_one("article .kb-updated"), kind


def test_the_change_log_page_lists_changes_by_date_with_links(repo_site):
    soup = page(repo_site, "changes")
    article = soup.select_one("article")
    assert [h.get_text() for h in article.find_all("h2")] == ["2024年5月6日", "2024年4月3日", "2024年3月1日"]
    items = article.select("ul.kb-changes > li")
    assert [li.find("p").get_text() for li in items] == ["涉及重点任务 1 条", "改写负面清单条目 n-1", "导入测试数据"]
    assert [a.get_text() for a in items[1].select(".kb-changed a")] == ["严禁以测试代替评价"]
    assert items[1].select_one(".kb-changed a")["href"] == "../negative/n-1/"
    # each record page's link leads to its change
    anchor = page(repo_site, "negative/n-1").select_one(".kb-updated a")["href"].split("#")[1]
    assert article.find(id=anchor) is items[1]
    # the change log is in the navigation under 关于
    assert any(a.get_text(strip=True) == "更新记录" for a in soup.select("nav.md-nav a"))


def test_a_build_outside_git_works_and_says_nothing_of_dates(repo, tmp_path):
    copy = tmp_path / "copy" / "data"
    shutil.copytree(repo / "data", copy)
    site = built(copy, tmp_path / "site")
    assert not list(site.rglob("*.html")) or all(
        'class="kb-updated"' not in p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    text = page(site, "changes").select_one("article").get_text()
    assert "没有可用的修改历史" in text


def test_a_build_without_git_and_a_shallow_build_work(repo, tmp_path):
    venv_bin = Path(os.sys.executable).parent
    site = built(repo / "data", tmp_path / "nogit", PATH=str(venv_bin))
    assert "没有可用的修改历史" in page(site, "changes").get_text()
    assert page(site, "negative/n-1").select_one(".kb-updated") is None
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))
    site = built(shallow / "data", tmp_path / "shallow-site")
    assert "没有可用的修改历史" in page(site, "changes").get_text()
    assert page(site, "negative/n-1").select_one(".kb-updated") is None


def test_the_reviewed_build_takes_its_dates_from_the_fixed_history(site):
    """tests/expected/site.sha256 is of a build with tests/fixtures/history.json: its bytes do not move with
    each commit, and it shows the dates as a history would."""
    assert page(site, "negative/ty-10").select_one(".kb-updated").get_text().startswith("最近更新：2024年5月2日")
    assert page(site, "tasks/taoyuan-2022/1").select_one(".kb-updated") is None  # not in the fixture
    assert "示例修改二" in page(site, "changes").get_text()


# --- what a person sees (the reviewed build's fixed history), in Chromium ---------------------------

@pytest.mark.parametrize("width", [1366, 390])
def test_dates_and_the_change_log_as_seen(chromium, base, width):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(base + "negative/ty-10/")
        line = page.locator("article .kb-updated")
        line.scroll_into_view_if_needed()
        assert line.is_visible() and line.inner_text().startswith("最近更新：2024年5月2日")
        line.locator("a").click()
        page.wait_for_url("**/changes/#c-0000000000")
        target = page.locator(":target")
        assert "示例修改二" in target.inner_text()
        box = target.bounding_box()
        assert 0 <= box["y"] < 900  # the change is scrolled into view
        assert page.locator("article h2").all_inner_texts() == ["2024年5月2日", "2024年4月1日"]
        links = page.locator(":target .kb-changed a")
        assert links.all_inner_texts()[:2] == ["任务10　严肃宣传纪律", "严禁公布、宣传、炒作中高考“状元”和升学率"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        page.close()
