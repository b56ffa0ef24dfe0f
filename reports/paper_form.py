"""The survey on paper: a printable questionnaire (PDF) and the workbook staff type the forms into (XLSX).

Both are laid out from one `PaperForm`, so what a respondent ticks is exactly what staff find in the
dropdowns, and the typed workbook is read back by the same reader as any other file (`reports.responses_input`):
row 1 holds the column keys it knows (unsur keys, profile keys, `tanggal`, `saran`, `perbaikan_<key>`),
answers are the printed labels.  All wording comes from the caller (the survey definition and the bot's
translations); this module only lays it out.  fpdf2 and openpyxl: imported only when a form is made.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

# Large type for older respondents: 14 pt questions, 13 pt answers, 6 mm tick boxes.
MARGIN = 15.0
QUESTION_PT = 14
ANSWER_PT = 13
LINE = 7.0  # mm per line of 13–14 pt text
BOX = 6.0
WRITING_LINE = 10.0  # mm between the lines of a written answer
SARAN_LINES = 5
QR_SIZE = 42.0

TEMPLATE_ROWS = 500  # rows with dropdowns and the automatic sesi/bidang/tanggal (a session's paper forms)
AUTO_COLUMNS = ("sesi", "bidang", "tanggal")  # given in row 2, copied down beside the typed rows
FOLLOWUP_PREFIX = "perbaikan_"  # the reader's column for "what should we improve" after a low answer


@dataclass(frozen=True)
class PaperQuestion:
    key: str  # the column its answer is typed into
    text: str
    options: tuple[str, ...] = ()  # answer labels, in the chat's order; none: a written answer
    followup: str | None = None  # a written line asked after a low answer (column perbaikan_<key>)
    heading: str | None = None  # starts a new part of the form


@dataclass(frozen=True)
class PaperForm:
    office: str
    title: str  # the survey's title
    session_id: int
    session_title: str
    section: str  # bidang
    day: date  # the session's local date: tanggal in the typing template
    details: tuple[str, ...]  # the date line ("Rabu, 23 Maret 2022 pukul 09.00 WIB"), place, bidang
    instructions: str
    phone_hint: str  # beside the QR code: answer in Telegram instead
    link: str  # the survey's deep link, printed under its QR code
    qr_png: bytes | None
    questions: tuple[PaperQuestion, ...]
    thanks: str
    footer: str  # on every page, before "page/pages": which session a loose sheet belongs to
    # the typing template's "Petunjuk" sheet
    template_title: str
    template_steps: tuple[str, ...]
    template_headers: tuple[str, str, str]  # column, question, answers
    template_auto: str  # how the sesi/bidang/tanggal columns are filled
    template_pick_error: str
    template_date_error: str
    # The session's check-in QR code ("✋ Saya hadir"): whoever has a phone counts themselves as present.
    attend_hint: str = ""
    attend_link: str = ""
    attend_qr_png: bytes | None = None


class _Form(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 9)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def _fonts(pdf: FPDF) -> None:
    """DejaVu Sans, as matplotlib ships it (every Indonesian character, the ✓ and the en dash), found without
    importing matplotlib: its font manager alone takes longer to load than the whole form takes to lay out."""
    spec = find_spec("matplotlib")
    assert spec is not None and spec.origin is not None  # a dependency of the project
    fonts = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    pdf.add_font("DejaVu", "", fonts / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", fonts / "DejaVuSans-Bold.ttf")


def _lines(pdf: FPDF, width: float, text: str) -> int:
    return len(pdf.multi_cell(width, LINE, text, dry_run=True, output="LINES", align="L"))


def _columns(pdf: FPDF, options: Sequence[str], width: float) -> int:
    """As many columns (4, 3 or 2) as keep every label on one line, preferring even rows (4 answers in
    one row or two, never three and an orphan); 1 when even two do not fit."""
    widest = max(pdf.get_string_width(label) for label in options) + BOX + 8 + 2 * pdf.c_margin
    fitting = [count for count in (4, 3, 2) if count <= len(options) and widest <= width / count]
    even = [count for count in fitting if len(options) % count == 0]
    return (even or fitting or [1])[0]


def _space_left(pdf: FPDF) -> float:
    return pdf.h - pdf.b_margin - pdf.get_y()


def _question(pdf: FPDF, number: int, q: PaperQuestion) -> None:
    """One question kept on one page: its text, a tick box per label, the written lines it asks for."""
    width = pdf.w - 2 * MARGIN
    pdf.set_font("DejaVu", "B", QUESTION_PT)
    text = f"{number}. {q.text}"
    height = _lines(pdf, width, text) * LINE + 3
    pdf.set_font("DejaVu", "", ANSWER_PT)
    cols = _columns(pdf, q.options, width) if q.options else 1
    col_width = width / cols
    rows = [q.options[i : i + cols] for i in range(0, len(q.options), cols)]
    row_heights = [max(_lines(pdf, col_width - BOX - 4, label) for label in row) * LINE + 2.5 for row in rows]
    height += sum(row_heights)
    if q.followup:
        height += _lines(pdf, width, q.followup) * LINE + WRITING_LINE + 2
    if not q.options:
        height += SARAN_LINES * WRITING_LINE
    if q.heading:
        height += 12
    if height > _space_left(pdf):
        pdf.add_page()
    if q.heading:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", QUESTION_PT + 1)
        pdf.set_fill_color(230)
        pdf.cell(0, 9, q.heading, fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font("DejaVu", "B", QUESTION_PT)
    pdf.multi_cell(width, LINE, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", ANSWER_PT)
    for row, row_height in zip(rows, row_heights, strict=True):
        top = pdf.get_y()
        for index, label in enumerate(row):
            left = MARGIN + index * col_width
            pdf.set_line_width(0.5)
            pdf.rect(left + 1, top + 0.5, BOX, BOX)
            pdf.set_xy(left + BOX + 3, top)
            pdf.multi_cell(col_width - BOX - 4, LINE, label, align="L")
        pdf.set_xy(MARGIN, top + row_height)
    pdf.set_line_width(0.2)
    if q.followup:
        pdf.set_font("DejaVu", "", ANSWER_PT - 1)
        pdf.multi_cell(width, LINE, q.followup, new_x="LMARGIN", new_y="NEXT", align="L")
        _writing_lines(pdf, 1)
    if not q.options:
        _writing_lines(pdf, SARAN_LINES)
    pdf.ln(3)


def _writing_lines(pdf: FPDF, count: int) -> None:
    pdf.set_draw_color(120)
    for _ in range(count):
        pdf.set_y(pdf.get_y() + WRITING_LINE)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.set_draw_color(0)
    pdf.ln(2)


def _header(pdf: FPDF, form: PaperForm) -> None:
    """Office, survey and session on the left; the QR code to answer in Telegram on the right."""
    text_width = pdf.w - 2 * MARGIN - (QR_SIZE + 6 if form.qr_png else 0)
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(text_width, 6, form.office, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(text_width, 9, form.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(text_width, 8, form.session_title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font("DejaVu", "", ANSWER_PT)
    for line in form.details:
        pdf.multi_cell(text_width, LINE, line, new_x="LMARGIN", new_y="NEXT", align="L")
    if form.qr_png:
        pdf.image(io.BytesIO(form.qr_png), x=pdf.w - MARGIN - QR_SIZE, y=top, w=QR_SIZE, h=QR_SIZE)
        pdf.ln(1)
        pdf.set_font("DejaVu", "B", ANSWER_PT - 1)
        pdf.multi_cell(text_width, 6, form.phone_hint, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(text_width, 5, form.link, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE if form.qr_png else 0) + 3)
    pdf.set_font("DejaVu", "", ANSWER_PT)
    pdf.set_line_width(0.4)
    pdf.multi_cell(0, LINE, form.instructions, border=1, padding=2, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_line_width(0.2)
    pdf.ln(3)
    if form.attend_qr_png:
        _attend_block(pdf, form)


def _attend_block(pdf: FPDF, form: PaperForm) -> None:
    """The check-in QR code beside its hint, under the instructions."""
    size = QR_SIZE * 0.7
    top = pdf.get_y()
    pdf.image(io.BytesIO(form.attend_qr_png or b""), x=MARGIN, y=top, w=size, h=size)
    pdf.set_xy(MARGIN + size + 4, top + 2)
    pdf.set_font("DejaVu", "B", ANSWER_PT - 1)
    pdf.multi_cell(0, 6, form.attend_hint, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_x(MARGIN + size + 4)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5, form.attend_link, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_y(max(pdf.get_y(), top + size) + 3)
    pdf.set_font("DejaVu", "", ANSWER_PT)


def render_paper_form(form: PaperForm, path: str | Path) -> Path:
    """The questionnaire on A4: header with the QR code, then every question with a tick box per label."""
    pdf = _Form(format="A4")
    pdf.footer_text = form.footer
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    _fonts(pdf)
    pdf.set_title(f"{form.title} – {form.session_title}")
    pdf.add_page()
    _header(pdf, form)
    for number, question in enumerate(form.questions, start=1):
        _question(pdf, number, question)
    pdf.set_font("DejaVu", "B", ANSWER_PT)
    pdf.multi_cell(0, LINE, form.thanks, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return Path(path)


# --- the typing template -----------------------------------------------------------------------------


def template_columns(form: PaperForm) -> list[tuple[str, PaperQuestion | None]]:
    """The columns of the typing template, in the order of the paper: the automatic ones, then each answer
    (with its "what should we improve" column right after it)."""
    columns: list[tuple[str, PaperQuestion | None]] = [(key, None) for key in AUTO_COLUMNS]
    for q in form.questions:
        columns.append((q.key, q))
        if q.followup:
            columns.append((FOLLOWUP_PREFIX + q.key, q))
    return columns


def _put(sheet: Any, row: int, column: int, value: object) -> Any:
    """Write a cell; text stays text even when it starts with "=" (a label or a section is never a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def render_entry_template(form: PaperForm, path: str | Path) -> Path:
    """A workbook to type the paper forms into: one row per form, a dropdown of the printed labels on every
    answer, and a "Petunjuk" sheet with the steps, each column's question and its answers (the dropdown
    lists).  Row 2 already holds sesi, bidang and the session's date, to copy down beside the typed rows.

    Nothing else is written below the header, no formula and no cell style: an export of the sheet (CSV
    from Excel or LibreOffice) then holds exactly the rows staff typed, never hundreds of empty ones that a
    reader could take for respondents.  Column styles (date format, wrapping) apply to what is typed."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Isian"
    guide = book.create_sheet("Petunjuk")
    columns = template_columns(form)
    last_row = TEMPLATE_ROWS + 1

    guide["A1"] = form.template_title
    guide["A1"].font = Font(bold=True, size=14)
    for row, step in enumerate(form.template_steps, start=2):
        _put(guide, row, 1, step)
    header_row = len(form.template_steps) + 3
    for col, title in enumerate(form.template_headers, start=1):
        _put(guide, header_row, col, title).font = Font(bold=True)
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["B"].width = 70

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    guide_row = header_row
    first_row = {"sesi": form.session_id, "bidang": form.section, "tanggal": form.day}
    for index, (key, q) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = _put(sheet, 1, index, key)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cells = f"{letter}2:{letter}{last_row}"
        width = len(key) + 2
        guide_row += 1
        _put(guide, guide_row, 1, key)
        if q is None:
            _put(guide, guide_row, 2, form.template_auto)
            _put(guide, guide_row, 3, first_row[key])
            value = _put(sheet, 2, index, first_row[key])
            if key == "tanggal":
                value.number_format = sheet.column_dimensions[letter].number_format = "DD/MM/YYYY"
                guide.cell(row=guide_row, column=3).number_format = "DD/MM/YYYY"
                check = DataValidation(type="date", operator="greaterThan", formula1="DATE(2000,1,1)")
                check.error = form.template_date_error
                width = 12
            else:
                source = f"{quote_sheetname(guide.title)}!$C${guide_row}"
                check = DataValidation(type="list", formula1=source, allow_blank=True)
                check.error = form.template_pick_error
                width = max(width, len(str(first_row[key])) + 4)
            check.showErrorMessage = True
            check.prompt = form.template_auto[:255]
            check.showInputMessage = True
            check.add(cells)
            sheet.add_data_validation(check)
            sheet.column_dimensions[letter].width = width
            continue
        if key.startswith(FOLLOWUP_PREFIX):
            _put(guide, guide_row, 2, q.followup)
            sheet.column_dimensions[letter].width = 30
            continue
        _put(guide, guide_row, 2, q.text)
        guide.cell(row=guide_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        if q.options:
            for offset, label in enumerate(q.options):
                _put(guide, guide_row, 3 + offset, label)
            start, end = get_column_letter(3), get_column_letter(2 + len(q.options))
            pick = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(guide.title)}!${start}${guide_row}:${end}${guide_row}",
                allow_blank=True,
            )
            pick.error = form.template_pick_error
            pick.showErrorMessage = True
            pick.prompt = q.text[:255]
            pick.showInputMessage = True
            pick.add(cells)
            sheet.add_data_validation(pick)
            width = max(width, *(len(label) + 4 for label in q.options))
        else:
            width = 50
            sheet.column_dimensions[letter].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = width
    for col in range(3, 3 + max((len(q.options) for _, q in columns if q), default=0)):
        guide.column_dimensions[get_column_letter(col)].width = 24
    guide.protection.sheet = True  # the dropdown lists live here: edited by mistake, they would change
    sheet.freeze_panes = "A2"
    # Built in memory and written in one go: openpyxl saving straight to a full disk leaves a half-closed
    # zip whose clean-up prints a traceback after the polite sentence.
    packed = io.BytesIO()
    book.save(packed)
    Path(path).write_bytes(packed.getvalue())
    return Path(path)
