"""The theme's icons drawn by one stylesheet, not inline on every page (issue 17: ≤ 12 KB a record page).

Material includes each icon of the header, the search box, the nav's logo and the back-to-top button as
an inline <svg> (.icons/<name>.svg): eight of them, 1.6 KB of every page. The templates in overrides/
call `kb_icon(name)` instead, which prints an empty <svg> with the icon's viewBox (so the theme's CSS
sizes and places it as before) and a class; `stylesheet()` makes the rules that paint each icon used
as a mask over the text colour, the icon file's own SVG as a data: URL, as Material's CSS draws the
nav's icons (its CSP already allows `img-src data:`). The icons come from the same files, so a change
of icon in mkdocs.yml or of Material's icons shows up here too.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import jinja2
from markupsafe import Markup

STYLESHEET = "assets/kb-icons.css"   # named in mkdocs.yml extra_css, written by on_post_build
_VIEWBOX = re.compile(r'\bviewBox="([0-9. -]+)"')
_NAME = re.compile(r"[a-z0-9-]+/[a-z0-9-]+")
# A painted icon: the element's box (sized by the theme's CSS for its <svg>) filled with the text colour
# through the icon's shape. In forced-colours mode (Windows' high contrast) the browser would force that
# background to the page's own colour, so the icon would vanish: there it is painted in the text's system colour.
_BASE = (".kb-i{background-color:currentcolor;-webkit-mask-position:center;mask-position:center;"
         "-webkit-mask-repeat:no-repeat;mask-repeat:no-repeat;-webkit-mask-size:contain;mask-size:contain}\n"
         "@media (forced-colors:active){.kb-i{forced-color-adjust:none;background-color:CanvasText}"
         ".md-logo .kb-i{background-color:LinkText}}")


class Icons:
    """One per build (on_env): the icons the templates printed, by name."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.used: dict[str, str] = {}   # icon name → its SVG

    def __call__(self, name: str) -> Markup:
        if not _NAME.fullmatch(name):
            raise ValueError(f"kb_icon: {name!r} is not an icon name like material/menu")
        svg = self.used.get(name)
        if svg is None:
            source, _, _ = self.env.loader.get_source(self.env, f".icons/{name}.svg")  # type: ignore[union-attr]
            svg = self.used[name] = source.strip()
        box = _VIEWBOX.search(svg)
        if box is None:
            raise ValueError(f"kb_icon: .icons/{name}.svg has no viewBox")
        return Markup(f'<svg viewBox="{box.group(1)}" class="kb-i kb-i--{css_name(name)}"></svg>')

    def stylesheet(self) -> str:
        rules = [_BASE]
        for name in sorted(self.used):
            url = "data:image/svg+xml;charset=utf-8," + quote(self.used[name], safe=" /:=.,-")
            rules.append(f'.kb-i--{css_name(name)}{{-webkit-mask-image:url("{url}");mask-image:url("{url}")}}')
        return "\n".join(rules) + "\n"


def css_name(name: str) -> str:
    return name.replace("/", "-")
