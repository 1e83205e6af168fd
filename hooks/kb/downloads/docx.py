"""Word (.docx) builders: the blank forms described in data/forms.yml, and cases in the case template.

Fonts are set for Latin and East Asian text alike (w:eastAsia), with the theme
font attributes removed, or Word would show a fallback for the Chinese text.
The language is Simplified Chinese throughout (w:lang zh-CN in the document
defaults and the styles, themeFontLang in the settings), so that Word and
LibreOffice pick Chinese glyphs, not Japanese ones, when a font is missing.
Headings use Word's built-in heading styles so the navigation pane works.
Every table is as wide as the text and centred, so boxes and tables line up.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Protocol

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips

from ..corpus import Corpus, Entry
from ..models import Case, Form, Style
from . import register
from .common import FIXED_TIME, SIZES_PT, reproducible_zip

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.oxml.text.font import CT_RPr
    from docx.styles.style import ParagraphStyle
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    class _HasRPr(Protocol):
        """An oxml element with run properties (a style's or a run's)."""

        def get_or_add_rPr(self) -> CT_RPr: ...

    Styles = dict[str, ParagraphStyle]  # our style name → the Word style

# Our style names → the Word style that carries them. Headings are Word's own, for the navigation pane.
WORD_STYLE = {"正文": "Normal", "一级标题": "Heading 1", "二级标题": "Heading 2", "三级标题": "Heading 3"}
ALIGN = {"居中": WD_ALIGN_PARAGRAPH.CENTER, "左对齐": WD_ALIGN_PARAGRAPH.LEFT, "两端对齐": WD_ALIGN_PARAGRAPH.JUSTIFY}
# 公文 page margins (GB/T 9704): top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
MARGINS_MM = (37, 35, 28, 26)
LANG = "zh-CN"  # the text's language, for Latin and East Asian text alike
# The template's copy of its styles for Word 2010 (stylesWithEffects.xml), still in en-US: dropped, as Word
# needs none (files saved by Word 2007 have none) and it would contradict styles.xml.
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def set_fonts(rpr_owner: _HasRPr, name: str) -> None:
    """Set one font for ascii, hAnsi, eastAsia and cs, dropping theme fonts that would override it."""
    _set_rfonts(rpr_owner.get_or_add_rPr(), name)


def _set_rfonts(rpr: CT_RPr, name: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def set_lang(rpr: CT_RPr) -> None:
    """Declare the text Simplified Chinese: w:val (Latin), w:eastAsia (CJK); complex scripts stay Arabic."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.attrib.clear()
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)
    lang.set(qn("w:bidi"), "ar-SA")


def _set_document_language(doc: DocxDocument, body_font: str | None) -> None:
    """The defaults every style inherits (docDefaults) in Chinese, with the body font; the theme fonts in
    their Chinese variant (themeFontLang); the template's stale stylesWithEffects copy dropped."""
    rpr: CT_RPr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    if body_font:
        _set_rfonts(rpr, body_font)
    set_lang(rpr)
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    theme_lang.set(qn("w:val"), LANG)
    theme_lang.set(qn("w:eastAsia"), LANG)
    for r_id, rel in sorted(doc.part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS:
            del doc.part.rels[r_id]


def _first_line_indent(word_style: ParagraphStyle, chars: int, size_pt: float) -> None:
    """A first-line indent in characters (w:firstLineChars, in hundredths, which Word uses) and the same in
    twips of the style's font size (w:firstLine, for readers that ignore character units)."""
    ind = word_style.element.get_or_add_pPr().get_or_add_ind()
    for attr in ("w:hanging", "w:hangingChars"):
        ind.attrib.pop(qn(attr), None)
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(round(chars * size_pt * 20)))


def _apply_style(doc: DocxDocument, style: Style) -> ParagraphStyle:
    word_style: ParagraphStyle
    word_name = WORD_STYLE.get(style.name)
    if word_name is None:
        existing = [s.name for s in doc.styles]
        word_style = (doc.styles[style.name] if style.name in existing
                      else doc.styles.add_style(style.name, WD_STYLE_TYPE.PARAGRAPH))
        word_style.base_style = doc.styles["Normal"]
        word_style.quick_style = True
    else:
        word_style = doc.styles[word_name]
    font = word_style.font
    font.size = Pt(SIZES_PT[style.size])
    font.bold = style.bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(word_style.element, style.font)
    set_lang(word_style.element.get_or_add_rPr())
    pf = word_style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if style.align:
        pf.alignment = ALIGN[style.align]
    if style.line_spacing_pt:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(style.line_spacing_pt)
    if style.name == "三级标题":
        # A run-in heading: its paragraph carries the body text, so it must not drag the next one along.
        pf.keep_with_next = False
    return word_style


def new_document(form: Form, title: str, comments: str) -> tuple[DocxDocument, Styles]:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    if form.page.orientation == "landscape":
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (Mm(m) for m in MARGINS_MM)
    # Normal first: the other styles are based on it.
    ordered = sorted(form.styles, key=lambda s: s.name != "正文")
    styles = {s.name: _apply_style(doc, s) for s in ordered}
    body = next((s for s in form.styles if s.name == "正文"), None)
    _set_document_language(doc, body.font if body else None)
    if form.case_template:
        # 公文 paragraphs (body and headings, which are based on Normal) start two characters in;
        # centred lines (title, unit) must not inherit it, or they would sit off centre.
        for s in ordered:
            if s.name == "正文" or s.align == "居中":
                _first_line_indent(styles[s.name], 2 if s.name == "正文" else 0, SIZES_PT[s.size])
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "评价改革知识库", "评价改革知识库"
    props.comments, props.language = comments, "zh-CN"
    props.created = props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    return doc, styles


def _save(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return reproducible_zip(out.getvalue())


def _style(styles: Styles, *names: str) -> ParagraphStyle | None:
    for name in names:
        if name in styles:
            return styles[name]
    return None


def _paragraph(doc: DocxDocument, styles: Styles, style_name: str, text: str = "", *,
               align: WD_ALIGN_PARAGRAPH | None = None) -> Paragraph:
    p = doc.add_paragraph(style=_style(styles, style_name, "正文"))
    if text:
        p.add_run(text)
    if align is not None:
        p.alignment = align
    return p


def _cover_line(p: Paragraph) -> None:
    """Cover fields sit lower on the page, evenly spaced, indented like a printed 申报书."""
    fmt = p.paragraph_format
    fmt.left_indent = Mm(25)
    fmt.space_before = Pt(18)
    prev = p._p.getprevious()
    if prev is not None and prev.pPr is not None and prev.pPr.pStyle is not None:
        fmt.space_before = Pt(72)  # the first field, right after the titles (styled paragraphs)


def _cell_text(cell: _Cell, text: str, style: ParagraphStyle | None, *, align: WD_ALIGN_PARAGRAPH | None = None,
               bold: bool = False) -> Paragraph:
    p: Paragraph = cell.paragraphs[0]
    p.style = style
    if text:
        run = p.add_run(text)
        run.bold = bold or None
    if align is not None:
        p.alignment = align
    return p


def text_width(doc: DocxDocument) -> int:
    """The width between the margins, in twips."""
    section = doc.sections[-1]
    assert section.page_width is not None and section.left_margin is not None and section.right_margin is not None
    return int(Emu(section.page_width - section.left_margin - section.right_margin).twips)


def _new_table(doc: DocxDocument, rows: int, cols: int) -> Table:
    """A bordered table exactly as wide as the text and centred, columns of equal width (the first ones a
    twip wider when the width does not divide): every table and box of a form has the same two edges,
    in Word (whose left-aligned tables stick out by the cell margin in older layouts) and LibreOffice."""
    table: Table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # fixed layout: the widths below, whatever is typed in
    total = text_width(doc)
    widths = [total // cols + (1 if i < total % cols else 0) for i in range(cols)]
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(total))
    for column, width in zip(table.columns, widths):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Twips(width)
    return table


def _grid_table(doc: DocxDocument, rows: list[list[str]], style: ParagraphStyle | None) -> Table:
    width = max(len(r) for r in rows)
    table = _new_table(doc, len(rows), width)
    for r, row in enumerate(rows):
        cells = table.rows[r].cells
        if len(row) < width:  # the last cell of a short row spans the rest (python-docx adds up the widths)
            cells[len(row) - 1].merge(cells[width - 1])
        for c, text in enumerate(row):
            _cell_text(table.rows[r].cells[c], text, style, align=WD_ALIGN_PARAGRAPH.CENTER if c == 0 else None)
        table.rows[r].height = Mm(12)
        table.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    return table


def _box(doc: DocxDocument, hint: str, style: ParagraphStyle | None, height_mm: int) -> Table:
    """A bordered box to write in, with the form's own instruction at the top."""
    table = _new_table(doc, 1, 1)
    _cell_text(table.rows[0].cells[0], hint, style)
    table.rows[0].height = Mm(height_mm)
    table.rows[0].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    return table


@register("form", "docx")
def build_form_docx(corpus: Corpus, entry: Entry) -> bytes:
    form: Form = entry.record
    comments = form.purpose + (f" 字数控制在{form.word_limit}字以内。" if form.word_limit else "")
    doc, styles = new_document(form, form.title, comments)
    table_style = _style(styles, "表格", "正文")
    cover_done = False
    for block in form.blocks:
        if block.type == "title":
            p = _paragraph(doc, styles, "标题", block.text, align=WD_ALIGN_PARAGRAPH.CENTER)
            first_title = not any(b.type == "title" for b in form.blocks[:form.blocks.index(block)])
            p.paragraph_format.space_before = Pt(96 if first_title else 12)
        elif block.type == "field":
            p = _paragraph(doc, styles, "正文", f"{block.label}：")
            p.add_run("\u3000" * 14).underline = True
            _cover_line(p)
        elif block.type == "choice":
            p = _paragraph(doc, styles, "正文", f"{block.label}：" + "\u3000".join(f"☐{o}" for o in block.options))
            _cover_line(p)
        elif block.type == "heading":
            if not cover_done and any(b.type in ("field", "choice") for b in form.blocks):
                doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)  # the cover is a page of its own
                cover_done = True
            _paragraph(doc, styles, "一级标题", block.text)
        elif block.type == "table":
            _grid_table(doc, block.rows, table_style)
        elif block.type == "narrative":
            _paragraph(doc, styles, "一级标题", block.text)
            _box(doc, block.hint, table_style, 60 if (block.word_limit or 0) <= 500 else 120)
        elif block.type == "opinions":
            table = _new_table(doc, len(block.items), 2)
            for row, item in zip(table.rows, block.items):
                _cell_text(row.cells[0], item.label, table_style, align=WD_ALIGN_PARAGRAPH.CENTER)
                _cell_text(row.cells[1], item.hint, table_style)
                for text in ("", item.sign, item.date):
                    p = row.cells[1].add_paragraph(text, style=table_style)
                    if text:
                        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                row.height = Mm(50)
                row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        elif block.type == "paragraph":
            p = _paragraph(doc, styles, block.style, block.text)
            if block.hint:
                p.add_run(block.hint)
            if block.run_in:
                p.add_run(block.run_in).bold = False
    return _save(doc)


def case_template(corpus: Corpus) -> Form | None:
    form: Form | None = next((f.record for f in corpus.of_kind("form") if f.record.case_template), None)
    return form


@register("case", "docx")
def build_case_docx(corpus: Corpus, entry: Entry) -> bytes:
    """A case from data/, laid out in the case template's styles (title, unit, body, headings)."""
    form = case_template(corpus)
    assert form is not None, "validation makes sure a case template exists when there are cases"
    case: Case = entry.record
    doc, styles = new_document(form, case.title, f"{case.unit}。按《{form.title}》格式排版。")
    _paragraph(doc, styles, "标题", case.title)
    _paragraph(doc, styles, "单位", case.unit)
    _paragraph(doc, styles, "正文", case.intro)
    for section in case.sections:
        _paragraph(doc, styles, "一级标题", section.heading)
        for m in section.measures:
            p = _paragraph(doc, styles, "三级标题", f"{m.label}{m.title}")
            p.add_run(m.text).bold = False
    return _save(doc)
