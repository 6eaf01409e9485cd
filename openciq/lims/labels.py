"""Sample labels for a thermal printer: 60 mm by 40 mm, one label a page.

Each label carries a QR code of the sample number (what the bench scanners read), the number in
large type, the laboratory's code, the date the sample was received (or registered, before
receipt) and as much of the description as fits on two lines.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import segno
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from openciq.lims.coa import FONT, FONT_DIR

if TYPE_CHECKING:
    from openciq.lims.models import Sample

WIDTH, HEIGHT = 60.0, 40.0
EDGE = 2.0  # unprinted border (mm)
QR_SIDE = 24.0
TEXT_LEFT = EDGE + QR_SIDE + 1.5
DESCRIPTION_TOP = 28.5
DESCRIPTION_LINES = 2
ELLIPSIS = "…"


def sample_label(sample: Sample) -> bytes:
    """One label for ``sample`` as a one-page PDF."""
    return sample_labels([sample])


def sample_labels(samples: Sequence[Sample]) -> bytes:
    """Labels for a batch of samples (one a page), in the order given, to print at reception."""
    if not samples:
        raise ValueError("no samples to label")
    pdf = _label_pdf(max(_label_moment(sample) for sample in samples))
    for sample in samples:
        pdf.add_page()
        _draw(pdf, sample)
    return bytes(pdf.output())


def _label_moment(sample: Sample) -> dt.datetime:
    return sample.received_at or sample.created_at


def _label_pdf(created: dt.datetime) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(WIDTH, HEIGHT))
    pdf.set_margins(EDGE, EDGE, EDGE)
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(FONT_DIR / "NotoSansSC-Regular.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "NotoSansSC-Bold.ttf"))
    pdf.set_fallback_fonts([FONT], exact_match=False)
    pdf.set_creation_date(created)
    pdf.set_creator("OpenCIQ")
    pdf.set_title("样品标签 Sample labels")
    return pdf


def _qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", boost_error=False, micro=False).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def _draw(pdf: FPDF, sample: Sample) -> None:
    pdf.image(io.BytesIO(_qr_png(sample.number)), x=EDGE, y=EDGE, w=QR_SIDE, h=QR_SIDE)
    width = WIDTH - EDGE - TEXT_LEFT
    pdf.set_xy(TEXT_LEFT, EDGE + 1)
    pdf.set_font(FONT, "B", 7)
    pdf.cell(width, 3.5, sample.laboratory.code, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", _fitting_size(pdf, sample.number, width, largest=12.0))
    pdf.cell(width, 7, sample.number, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 6.5)
    for line in _date_lines(sample):
        pdf.cell(width, 3.3, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    if sample.priority == "urgent":
        pdf.set_font(FONT, "B", 7)
        pdf.cell(width, 3.6, "加急 URGENT", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _description(pdf, sample.description)


def _date_lines(sample: Sample) -> list[str]:
    if sample.received_at:
        return ["收样 Received", timezone.localdate(sample.received_at).isoformat()]
    return ["登记 Registered", timezone.localdate(sample.created_at).isoformat()]


def _fitting_size(pdf: FPDF, text: str, width: float, *, largest: float) -> float:
    """The largest font size (down to 6 pt) at which ``text`` fits ``width`` in the current font."""
    size = largest
    while size > 6.0:
        pdf.set_font_size(size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    return size


def _description(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "", 7)
    width = WIDTH - 2 * EDGE
    pdf.set_xy(EDGE, DESCRIPTION_TOP)
    for line in fit_lines(pdf, text, width, DESCRIPTION_LINES):
        pdf.cell(width, 3.6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=Align.L)


def fit_lines(pdf: FPDF, text: str, width: float, count: int) -> list[str]:
    """``text`` broken into at most ``count`` lines of ``width`` (between any two characters, as
    a label has no room for word wrapping), the last ending in "…" when text is left over."""
    lines: list[str] = []
    rest = " ".join(text.split())
    while rest and len(lines) < count:
        cut = len(rest)
        while cut > 1 and pdf.get_string_width(rest[:cut]) > width:
            cut -= 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and lines:
        last = lines[-1]
        while last and pdf.get_string_width(last + ELLIPSIS) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ELLIPSIS
    return lines
