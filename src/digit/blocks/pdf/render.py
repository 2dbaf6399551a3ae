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
            pdf.cell(w=width * 0.4, h=8, text=line.label, border=1)
            pdf.cell(w=width * 0.6, h=8, text=line.value, border=1, new_x="LMARGIN", new_y="NEXT")
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
            pdf.ln(6)
            image = qrcode.make(page.qr_url, box_size=4, border=2).get_image()
            top = pdf.get_y()
            pdf.image(image, x=pdf.w - pdf.r_margin - 35, y=top, w=35, h=35)
            pdf.set_font("noto", size=9)
            pdf.multi_cell(w=width - 40, h=5, text=f"{page.qr_caption}\n{page.qr_url}", wrapmode=WrapMode.CHAR)
    return bytes(pdf.output())
