"""Lays a template's sections out on A4 pages with fpdf2: Noto fonts, HarfBuzz shaping, a QR code.

Fonts come from `settings.pdf_font_dir` or, by default, the OFL Noto files the `manimgx-fonts`
package ships (Noto Sans, Noto Sans Devanagari, Noto Sans Gurmukhi); nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.enums import WrapMode

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
FONTS = {
    "noto": "NotoSans[wght].ttf",
    "noto-deva": "NotoSansDevanagari[wght].ttf",
    "noto-guru": "NotoSansGurmukhi[wght].ttf",
}


def font_dir(configured: str) -> Path:
    if configured:
        return Path(configured)
    import manimgx_fonts

    return Path(manimgx_fonts.__file__).resolve().parent


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Page:
    title: str
    subtitle: str
    lines: Sequence[Line]
    tables: Sequence[Table]
    qr_url: str | None
    qr_caption: str


def format_value(value: Any, kind: str | None) -> str:
    if value is None:
        return ""
    if kind == "date":
        try:
            return dt.datetime.fromtimestamp(int(value) / 1000, IST).strftime("%d/%m/%Y")
        except (TypeError, ValueError, OverflowError):
            return str(value)
    if kind == "money":
        try:
            return f"₹ {Decimal(str(value)):,.2f}"
        except InvalidOperation:
            return str(value)
    return str(value)


class _Document(FPDF):
    """fpdf2 2.8.9 wraps a cell that switched to a fallback font in q/Q but still believes its own
    font is set on the page, so the next cell is written with no font at all. Re-emit it per cell."""

    def cell(self, *args: Any, **kwargs: Any) -> Any:
        self.current_font_is_set_on_page = False
        return super().cell(*args, **kwargs)

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        self.current_font_is_set_on_page = False
        return super().multi_cell(*args, **kwargs)


def render(pages: Sequence[Page], *, fonts: Path) -> bytes:
    pdf = _Document(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    for name, filename in FONTS.items():
        pdf.add_font(name, "", fonts / filename)
    pdf.set_fallback_fonts(["noto-deva", "noto-guru"])
    pdf.set_text_shaping(True)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for page in pages:
        pdf.add_page()
        pdf.set_font("noto", size=16)
        pdf.cell(w=width, h=10, text=page.title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("noto", size=11)
        if page.subtitle:
            pdf.cell(w=width, h=7, text=page.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        for line in page.lines:
            _label_and_value(pdf, line, width)
        for table in page.tables:
            pdf.ln(4)
            if table.title:
                pdf.cell(w=width, h=8, text=table.title, new_x="LMARGIN", new_y="NEXT")
            column = width / max(len(table.headers), 1)
            for header in table.headers:
                pdf.cell(w=column, h=8, text=header, border=1)
            pdf.ln(8)
            for row in table.rows:
                for cell in row:
                    pdf.cell(w=column, h=8, text=cell, border=1)
                pdf.ln(8)
        if page.qr_url:
            _qr_block(pdf, page, width)
    return bytes(pdf.output())


LINE_HEIGHT = 8
QR_SIZE = 35


def _label_and_value(pdf: FPDF, line: Line, width: float) -> None:
    """One row of the label/value table; a long value wraps inside its cell and the row grows with it."""
    label_width, value_width = width * 0.4, width * 0.6
    wrapped = pdf.multi_cell(w=value_width, h=LINE_HEIGHT, text=line.value, dry_run=True, output="LINES")
    height = LINE_HEIGHT * max(len(wrapped) if isinstance(wrapped, list) else 1, 1)
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.multi_cell(w=label_width, h=height, text=line.label, border=1, new_x="RIGHT", new_y="TOP")
    pdf.set_xy(pdf.l_margin + label_width, top)
    pdf.multi_cell(w=value_width, h=LINE_HEIGHT, text=line.value, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, top + height)


def _qr_block(pdf: FPDF, page: Page, width: float) -> None:
    """The QR code on the left, its caption and link beside it in the space to its right: never on top of it."""
    assert page.qr_url is not None
    pdf.ln(6)
    if pdf.get_y() + QR_SIZE > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    image = qrcode.make(page.qr_url, box_size=4, border=2).get_image()
    pdf.image(image, x=pdf.l_margin, y=top, w=QR_SIZE, h=QR_SIZE)
    text_x = pdf.l_margin + QR_SIZE + 5
    pdf.set_xy(text_x, top + 2)
    pdf.set_font("noto", size=9)
    pdf.multi_cell(w=width - QR_SIZE - 5, h=5, text=page.qr_caption, new_x="LEFT", new_y="NEXT")
    pdf.set_x(text_x)
    pdf.multi_cell(w=width - QR_SIZE - 5, h=5, text=page.qr_url, wrapmode=WrapMode.CHAR, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + QR_SIZE))
