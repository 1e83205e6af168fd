"""The theme's icons drawn by assets/kb-icons.css (hooks/kb_mkdocs/icons.py, issue 17): each page carries an
empty <svg class="kb-i …"> instead of the icon's paths, and looks as Material's inline icon did, in
Chromium, also in forced-colours mode."""
from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import unquote

import material
import pytest

ICONS = Path(material.__file__).parent / "templates" / ".icons"
_RULE = re.compile(r'\.kb-i--([a-z0-9-]+)\{-webkit-mask-image:url\("data:image/svg\+xml;charset=utf-8,([^"]+)"\)')


def icon_file(css_name: str) -> Path:
    folder, _, name = css_name.partition("-")   # material-arrow-left → material/arrow-left.svg
    return ICONS / folder / f"{name}.svg"


def test_the_stylesheet_draws_each_icon_from_the_theme_s_own_file(site):
    css = (site / "assets" / "kb-icons.css").read_text(encoding="utf-8")
    rules = dict(_RULE.findall(css))
    assert set(rules) == {"material-library", "material-menu", "material-magnify", "material-arrow-left",
                          "material-close", "material-arrow-up"}
    for name, url in rules.items():
        assert unquote(url) == icon_file(name).read_text(encoding="utf-8").strip(), name
    page = (site / "tasks" / "taoyuan-2022" / "44" / "index.html").read_text(encoding="utf-8")
    shells = re.findall(r"<svg[^>]*>(.*?)</svg>", page, re.S)
    assert len(shells) == 8 and set(shells) == {""}, "the frame's icons are empty shells"
    assert set(re.findall(r'class="kb-i kb-i--([a-z0-9-]+)"', page)) == set(rules)


def _pixels(browser, png: bytes) -> list[int]:
    """RGBA values of a PNG, decoded by Chromium."""
    page = browser.new_page()
    try:
        return page.evaluate("""async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
        }""", "data:image/png;base64," + base64.b64encode(png).decode())
    finally:
        page.close()


def _differing(a: list[int], b: list[int]) -> float:
    """The share of pixels that differ by more than a quarter of the range in some channel."""
    assert len(a) == len(b)
    n = len(a) // 4
    off = sum(1 for i in range(n) if max(abs(a[4 * i + k] - b[4 * i + k]) for k in range(3)) > 64)
    return off / n


@pytest.mark.parametrize("forced", [False, True], ids=["normal", "forced-colors"])
@pytest.mark.parametrize("width,search", [(1280, False), (1280, True), (400, False), (400, True)])
def test_each_icon_looks_as_the_theme_s_inline_icon(chromium, base, width, search, forced):
    """Each icon shown, screenshotted, then replaced by the theme's own inline <svg> from its icon file (as
    Material prints it) and screenshotted again: the two look the same. A box the stylesheet failed to
    mask (a filled square) or to paint (nothing) differs in most of its pixels."""
    context = chromium.new_context(viewport={"width": width, "height": 700},
                                   forced_colors="active" if forced else "none")
    page = context.new_page()
    try:
        page.goto(base + "tasks/taoyuan-2022/44/")
        if search:
            page.keyboard.press("/")
            page.wait_for_timeout(400)  # the search box's transition
        boxes = page.evaluate("""() => [...document.querySelectorAll('svg.kb-i')].map((e, i) => {
            const r = e.getBoundingClientRect();
            return r.width && r.height && getComputedStyle(e).visibility === 'visible'
                && e.checkVisibility({opacityProperty: true}) && r.top >= 2 && r.left >= 2
                && r.bottom <= innerHeight - 2 && r.right <= innerWidth - 2
                ? {i, name: e.classList[1].slice(6), x: r.x - 2, y: r.y - 2, width: r.width + 4, height: r.height + 4}
                : null }).filter(Boolean)""")
        assert boxes, "no icon is shown"
        ours = [page.screenshot(clip={k: box[k] for k in ("x", "y", "width", "height")}) for box in boxes]
        originals = {box["name"]: icon_file(box["name"]).read_text(encoding="utf-8") for box in boxes}
        page.evaluate("""(originals) => document.querySelectorAll('svg.kb-i').forEach(e => {
            const name = e.classList[1].slice(6);
            if (originals[name]) e.outerHTML = originals[name] })""", originals)
        theirs = [page.screenshot(clip={k: box[k] for k in ("x", "y", "width", "height")}) for box in boxes]
        seen = []
        for box, a, b in zip(boxes, ours, theirs):
            pa, pb = _pixels(chromium, a), _pixels(chromium, b)
            if len({tuple(pb[i:i + 3]) for i in range(0, len(pb), 4)}) > 1:  # else covered (the open search box)
                seen.append(box["name"])
            assert _differing(pa, pb) < 0.03, f"{box['name']} at {width} px (search open: {search}) looks different"
        assert seen, "no icon is seen"
    finally:
        context.close()
