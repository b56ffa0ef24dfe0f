"""The official SKM report as a Word file (python-docx), for offices that edit before signing.

Same blocks as the PDF (`skm_content`), laid out with Word's own styles (Title, Heading 1/2, List Bullet,
Table Grid), so staff can restyle, renumber and add the table of contents field as they are used to.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from . import skm_content as content
from .charts import MUTU_COLOURS
from .numbers import number
from .report import Report

MARGIN_CM = 2.0


def render_docx(report: Report, path: str | Path) -> Path:
    """Write the SKM report of `report` to `path` as DOCX."""
    doc = content.build_document(report)
    word = Document()
    for section in word.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(MARGIN_CM))
    word.styles["Normal"].font.name = "Calibri"
    word.styles["Normal"].font.size = Pt(11)
    word.core_properties.title = f"{doc.title} {report.identity.name} {report.period_label}"
    word.core_properties.author = report.identity.name
    _cover(word, report, doc)
    _contents(word, doc)
    first_chapter = True
    for block in doc.blocks:
        if isinstance(block, content.Heading) and block.level == 1 and not first_chapter:
            word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if isinstance(block, content.Heading) and block.level == 1:
            first_chapter = False
        _block(word, report, block)
    _footer(word, report)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    packed = BytesIO()  # written in one go, as the XLSX is (a full disk never leaves a half zip)
    word.save(packed)
    out.write_bytes(packed.getvalue())
    return out


def _cover(word: WordDocument, report: Report, doc: content.Document) -> None:
    office = report.identity
    logo = office.logo_file()
    if logo is not None:
        word.add_picture(str(logo), height=Cm(2.4))
        word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _centred(word, office.name.upper(), bold=True, size=14)
    for line in (office.address, office.contacts):
        if line:
            _centred(word, line, size=9)
    _centred(word, "_" * 70, size=8)
    for _ in range(4):
        word.add_paragraph()
    _centred(word, doc.title, bold=True, size=22)
    for line in (office.name, report.subject, f"Periode {doc.period}" if doc.period else ""):
        if line:
            _centred(word, line, size=13)
    word.add_paragraph()
    r = report.ikm
    colour = RGBColor.from_string(MUTU_COLOURS[r.grade.mutu].lstrip("#"))
    _centred(word, "Indeks Kepuasan Masyarakat", size=12)
    _centred(word, number(r.ikm_rounded), bold=True, size=36, colour=colour)
    _centred(
        word,
        f"Mutu {r.grade.mutu} · {r.grade.kinerja} · {r.respondents} responden",
        bold=True,
        size=13,
        colour=colour,
    )
    for _ in range(5):
        word.add_paragraph()
    year = report.period_end.year if report.period_end else report.generated_at.year
    _centred(word, f"TAHUN {year}", bold=True, size=13)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(word: WordDocument, doc: content.Document) -> None:
    """A Word table-of-contents field over headings 1–2, showing the chapter list until Word updates it
    with page numbers (Word asks on opening; LibreOffice: Tools → Update)."""
    word.add_heading("Daftar Isi", level=1)
    entries = [b for b in doc.blocks if isinstance(b, content.Heading)]
    paragraphs = []
    for block in entries:
        paragraph = word.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0 if block.level == 1 else 0.8)
        paragraph.paragraph_format.space_after = Pt(0)
        paragraphs.append((paragraph, block))
    first, last = paragraphs[0][0], paragraphs[-1][0]
    _field_char(first.add_run(), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = 'TOC \\o "1-2" \\h \\z \\u'
    first.add_run()._r.append(instruction)
    _field_char(first.add_run(), "separate")
    for paragraph, block in paragraphs:
        paragraph.add_run(block.text).bold = block.level == 1
    _field_char(last.add_run(), "end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    word.settings.element.append(update)
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _field_char(run: Any, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._r.append(char)


def _block(word: WordDocument, report: Report, block: content.Block) -> None:
    if isinstance(block, content.Heading):
        word.add_heading(block.text, level=block.level)
    elif isinstance(block, content.Paragraph):
        paragraph = word.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.add_run(block.text).bold = block.bold
    elif isinstance(block, content.Bullets):
        style = "List Number" if block.numbered else "List Bullet"
        for item in block.items:
            word.add_paragraph(item, style=style)
    elif isinstance(block, content.Table):
        _table(word, block)
    elif isinstance(block, content.Figure):
        width = (21.0 - 2 * MARGIN_CM) * block.width
        word.add_picture(BytesIO(block.png), width=Cm(width))
        word.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption = word.add_paragraph(block.caption, style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif isinstance(block, content.Signature):
        signature(word, report)


def _table(word: WordDocument, block: content.Table) -> None:
    word.add_paragraph(block.caption, style="Caption")
    table = word.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(block.widths)
    text_width = 21.0 - 2 * MARGIN_CM
    widths = [Cm(text_width * w / total) for w in block.widths]
    for cell, text, width in zip(table.rows[0].cells, block.header, widths, strict=True):
        cell.width = width
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9.5)
    for row in block.rows:
        cells = table.add_row().cells
        for i, (cell, text, width) in enumerate(zip(cells, row, widths, strict=True)):
            cell.width = width
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.font.size = Pt(9.5)
            if i in block.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word.add_paragraph()


def signature(word: WordDocument, report: Report) -> None:
    """Place and date, title, room to sign, name (bold) and NIP, in a borderless right-hand column."""
    lines = content.signature_lines(report)
    table = word.add_table(rows=1, cols=2)
    cell = table.rows[0].cells[1]
    cell.text = ""
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(line)
        run.bold = i == len(lines) - 2
        if i == len(lines) - 2:
            run.underline = True


def _footer(word: WordDocument, report: Report) -> None:
    section = word.sections[0]
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.text = f"Laporan SKM · {report.identity.name} · {report.period_label}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.runs[0].font.size = Pt(8)


def _centred(
    word: WordDocument, text: str, *, bold: bool = False, size: float = 11, colour: RGBColor | None = None
) -> None:
    paragraph = word.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(2)
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
