"""The value review as a PDF: the same document as the printable page, laid out by fpdf2
(pure Python) with DejaVu Sans shipped beside this module, so accents, the euro sign and
any Latin text print on a machine that has nothing but Python."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from vinculo.exchange.review import ReviewDocument, Table

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
INK = (31, 41, 55)
MUTED = (107, 114, 128)
RULE = (209, 213, 219)


class _ReviewPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="R")


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FAMILY, size=8.5)
    pdf.set_text_color(*INK)
    widths = _widths(table)
    aligns = tuple("RIGHT" if i in table.numeric else "LEFT" for i in range(len(table.headers)))
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=4.6,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", color=INK),
        first_row_as_headings=True,
    ) as rows:
        header = rows.row()
        for title in table.headers:
            header.cell(title)
        for values in table.rows:
            row = rows.row()
            for value in values:
                row.cell(value or "—")
    pdf.ln(2)


def _widths(table: Table) -> tuple[int, ...]:
    """Dates, amounts and labels narrow; free text (the longest column) takes the rest."""
    lengths = [
        max([len(table.headers[i])] + [len(r[i]) for r in table.rows[:200]])
        for i in range(len(table.headers))
    ]
    return tuple(min(max(length, 8), 60) for length in lengths)


def review_pdf(document: ReviewDocument) -> bytes:
    pdf = _ReviewPDF(format="A4")
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(document.title)
    pdf.set_creator("Vínculo")
    pdf.footer_text = document.generated
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "B", 17)
    pdf.multi_cell(0, 8, document.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=10)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 6, document.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for section in document.sections:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "B", 12.5)
        pdf.multi_cell(0, 7, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, size=9.5)
        if section.table is None and not section.lines and not section.after:
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(0, 5, section.empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(3)
            continue
        for line in section.lines:
            pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        if section.table is not None:
            _table(pdf, section.table)
        pdf.set_font(FAMILY, size=9.5)
        for line in section.after:
            pdf.multi_cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if section.extra is not None:
            pdf.ln(1)
            _table(pdf, section.extra)
        pdf.ln(3)
    return bytes(pdf.output())
