"""The official SKM report as a printable PDF (fpdf2): letterhead cover, contents, chapters, signature.

Lays out the blocks of `skm_content` on A4 with 20 mm margins; nothing is drawn outside them (the tests
render every page and check).  Fonts are the DejaVu files matplotlib ships, so Indonesian text and signs
like "χ²" and "–" print on any machine.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection
from matplotlib import font_manager
from PIL import Image

from . import skm_content as content
from .charts import MUTU_COLOURS
from .numbers import number
from .report import Report

MARGIN = 20  # mm, every side
FONT = "DejaVu"


class _Pdf(FPDF):
    """A4 with the office name in the running header and "Halaman x dari y" in the footer (not on the cover)."""

    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 2)
        regular = font_manager.findfont("DejaVu Sans")
        bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
        self.add_font(FONT, "", regular)
        self.add_font(FONT, "B", bold)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(MARGIN - 10)
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 4, f"Laporan SKM · {self.report.identity.name} · {self.report.period_label}", align="R")
        self.set_text_color(0)
        self.set_y(MARGIN)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-(MARGIN - 6))
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 4, f"Halaman {self.page_no()} dari {{nb}}", align="C")
        self.set_text_color(0)


def render_pdf(report: Report, path: str | Path, *, compress: bool = True) -> Path:
    """Write the SKM report of `report` to `path` as PDF."""
    doc = content.build_document(report)
    pdf = _Pdf(report)
    pdf.set_compression(compress)
    pdf.set_title(f"{doc.title} {report.identity.name} {report.period_label}")
    pdf.set_author(report.identity.name)
    pdf.set_creator("NGOPAS")
    _cover(pdf, report, doc)
    pdf.add_page()
    pdf.insert_toc_placeholder(_toc, pages=1)
    for block in doc.blocks:
        _block(pdf, report, block)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


def letterhead(pdf: FPDF, report: Report) -> None:
    """Logo, office name, address and contacts, then a double rule: the kop surat."""
    office = report.identity
    top = pdf.get_y()
    logo = office.logo_file()
    text_x = MARGIN
    if logo is not None:
        pdf.image(str(logo), x=MARGIN, y=top, h=22)
        text_x = MARGIN + 26
    pdf.set_xy(text_x, top)
    width = pdf.w - MARGIN - text_x
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width, 6, office.name.upper(), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for line in (office.address, office.contacts):
        if line:
            pdf.multi_cell(width, 4.5, line, align="C", new_x="LEFT", new_y="NEXT")
    y = max(pdf.get_y(), top + (23 if logo else 0)) + 2
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, y, pdf.w - MARGIN, y)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, y + 1.2, pdf.w - MARGIN, y + 1.2)
    pdf.set_xy(MARGIN, y + 4)


def _cover(pdf: FPDF, report: Report, doc: content.Document) -> None:
    pdf.add_page()
    letterhead(pdf, report)
    r = report.ikm
    pdf.ln(28)
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 13)
    lines = [report.identity.name, report.subject, f"Periode {doc.period}" if doc.period else ""]
    pdf.multi_cell(0, 7, "\n".join(line for line in lines if line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(16)
    colour = MUTU_COLOURS[r.grade.mutu]
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    box_w = 90
    x = (pdf.w - box_w) / 2
    y = pdf.get_y()
    pdf.set_draw_color(*rgb)
    pdf.set_line_width(1)
    pdf.rect(x, y, box_w, 44)
    pdf.set_xy(x, y + 4)
    pdf.set_font(FONT, "", 11)
    pdf.cell(box_w, 6, "Indeks Kepuasan Masyarakat", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*rgb)
    pdf.set_font(FONT, "B", 28)
    pdf.cell(box_w, 14, number(r.ikm_rounded), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(box_w, 7, f"Mutu {r.grade.mutu} · {r.grade.kinerja}", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT, "", 10)
    pdf.cell(box_w, 6, f"{r.respondents} responden", align="C")
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    pdf.set_y(pdf.h - MARGIN - 14)
    pdf.set_font(FONT, "B", 13)
    year = report.period_end.year if report.period_end else report.generated_at.year
    pdf.cell(0, 7, f"TAHUN {year}", align="C", new_x="LMARGIN", new_y="NEXT")


def _toc(pdf: FPDF, outline: list[OutlineSection]) -> None:
    pdf.set_x(MARGIN)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 10, "DAFTAR ISI", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for section in outline:
        pdf.set_font(FONT, "B" if section.level == 0 else "", 10)
        indent = 0 if section.level == 0 else 6
        pdf.set_x(MARGIN + indent)
        name = section.name
        page = str(section.page_number)
        page_w = pdf.get_string_width(page) + 2
        width = pdf.epw - indent - page_w
        room = width - pdf.get_string_width(name + " ") - 1
        dots = "." * max(0, int(room / pdf.get_string_width(".")))
        pdf.cell(width, 5.6, f"{name} {dots}")
        pdf.cell(page_w, 5.6, page, align="R", new_x="LMARGIN", new_y="NEXT")


def _block(pdf: FPDF, report: Report, block: content.Block) -> None:
    if isinstance(block, content.Heading):
        if block.level == 1:
            pdf.add_page()
            pdf.start_section(block.text, 0)
            pdf.set_font(FONT, "B", 14)
            pdf.multi_cell(0, 8, block.text.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        else:
            if pdf.get_y() > pdf.h - MARGIN - 30:  # a heading never stands alone at the foot of a page
                pdf.add_page()
            pdf.start_section(block.text, 1)
            pdf.ln(2)
            pdf.set_font(FONT, "B", 11)
            pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    elif isinstance(block, content.Paragraph):
        pdf.set_font(FONT, "B" if block.bold else "", 10)
        pdf.multi_cell(0, 5.2, block.text, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif isinstance(block, content.Bullets):
        pdf.set_font(FONT, "", 10)
        for i, item in enumerate(block.items, start=1):
            mark = f"{i}." if block.numbered else "•"
            pdf.set_x(MARGIN + 2)
            pdf.cell(6, 5.2, mark)
            pdf.multi_cell(pdf.epw - 8, 5.2, item, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif isinstance(block, content.Table):
        _table(pdf, block)
    elif isinstance(block, content.Figure):
        _figure(pdf, block)
    elif isinstance(block, content.Signature):
        signature(pdf, report)


def _table(pdf: FPDF, block: content.Table) -> None:
    # A table that fits on one page starts on a new page rather than splitting (about 6 mm a row); a longer
    # one starts where it is and repeats its header row on the next page.
    bottom = pdf.h - MARGIN - 2
    height = 12 + 6 * (len(block.rows) + 1)
    if pdf.get_y() + height > bottom and (height < bottom - MARGIN or pdf.get_y() > bottom - 35):
        pdf.add_page()
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(0, 5, block.caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    align = tuple("RIGHT" if i in block.numeric else "LEFT" for i in range(len(block.header)))
    with pdf.table(
        col_widths=block.widths,
        text_align=align,
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 232, 242)),
        padding=1,
        width=pdf.epw,
    ) as table:
        table.row(list(block.header))
        for row in block.rows:
            table.row(row)
    pdf.ln(4)


def _figure(pdf: FPDF, block: content.Figure) -> None:
    with Image.open(BytesIO(block.png)) as image:
        ratio = image.height / image.width
    width = pdf.epw * block.width
    height = width * ratio
    if pdf.get_y() + height + 8 > pdf.h - MARGIN - 2:
        pdf.add_page()
    pdf.image(BytesIO(block.png), x=MARGIN + (pdf.epw - width) / 2, y=pdf.get_y(), w=width)
    pdf.set_y(pdf.get_y() + height + 1)
    pdf.set_font(FONT, "", 8.5)
    pdf.multi_cell(0, 4.5, block.caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def signature(pdf: FPDF, report: Report) -> None:
    """Place and date, the head of office's title, room to sign, name and NIP, on the right half."""
    lines = content.signature_lines(report)
    if pdf.get_y() + 5.2 * len(lines) + 6 > pdf.h - MARGIN - 2:
        pdf.add_page()
    pdf.ln(6)
    x = pdf.w / 2 + 5
    width = pdf.w - MARGIN - x
    for i, line in enumerate(lines):
        pdf.set_x(x)
        pdf.set_font(FONT, "B" if i == len(lines) - 2 else "", 10)
        pdf.multi_cell(width, 5.2, line, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_x(MARGIN)
    pdf.ln(2)
