"""The electronic certificate as a bilingual A4 PDF, with a QR code that leads to its verification.

:func:`render_certificate_pdf` draws what a :class:`CertificateView` holds; it reads nothing else
(no database, no settings, no network), and the same view gives the same bytes. Chinese is drawn
with the Noto Sans SC fonts shipped in ``openciq/core/fonts/``; text is wrapped here, between any
two Chinese characters and at spaces between Latin words, because fpdf2 breaks lines at spaces
only.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, VAlign, XPos, YPos
from fpdf.util import Padding

FONT_FAMILY = "NotoSansSC"
FONT_DIR = Path(str(resources.files("openciq.core").joinpath("fonts")))
SHOWN_ZONE = ZoneInfo("Asia/Shanghai")

INK = (25, 28, 33)
ACCENT = (18, 52, 98)
MUTED = (92, 100, 112)
LABEL_FILL = (234, 239, 246)
STAMP = (196, 40, 40)

MARGIN = 15.0
QR_SIZE = 32.0
TABLE_PADDING = (1.3, 1.6)  # vertical, horizontal (mm)

# status code -> (Chinese, English); any status but "issued" is also stamped across every page.
STATUS_LABELS = {
    "issued": ("有效", "Valid"),
    "draft": ("草稿", "Draft"),
    "expired": ("已过期", "Expired"),
    "replaced": ("已被替换", "Replaced"),
    "revoked": ("已撤销", "Revoked"),
    "cancelled": ("已作废", "Cancelled"),
}


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""


@dataclass(frozen=True)
class ContainerSeal:
    """A freight container (ISO 6346 number) and the seal put on it, if any."""

    number: str
    seal: str = ""


@dataclass(frozen=True)
class CertificateLine:
    """One consignment line as the certificate describes it."""

    description: str
    hs_code: str
    quantity: Decimal
    unit: str
    net_weight_kg: Decimal
    origin: str = ""  # place of origin and/or registered premises (farm, packing house)
    lot: str = ""


@dataclass(frozen=True)
class CertificateView:
    """Everything the certificate PDF shows, already in display form (labels, not codes), except
    ``status``, a code from :data:`STATUS_LABELS`. ``issued_at`` must be timezone-aware; it is shown
    in Asia/Shanghai time."""

    number: str
    kind_zh: str
    kind_en: str
    status: str
    issued_at: dt.datetime
    issuer_zh: str
    issuer_en: str
    consignor: Party
    consignee: Party
    destination_country: str
    port_of_exit: str
    transport_mode: str
    transport_means: str
    signatory_name: str
    signatory_place: str
    key_id: str
    lines: Sequence[CertificateLine] = ()
    containers: Sequence[ContainerSeal] = ()
    additional_declarations: Sequence[str] = ()
    valid_until: dt.date | None = None
    replaces_number: str | None = None
    # The kind's certifying statement (for a phytosanitary certificate, IPPC's model wording).
    statement_zh: str = ""
    statement_en: str = ""


def qr_png(url: str) -> bytes:
    """The verification QR code as a PNG: error correction level M, 4-module quiet zone."""
    buffer = io.BytesIO()
    segno.make(url, error="m", boost_error=False, micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def render_certificate_pdf(view: CertificateView, *, verify_url: str) -> bytes:
    if view.issued_at.tzinfo is None or view.issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    pdf = _CertificatePDF(view)
    pdf.add_page()
    pdf.parties()
    pdf.goods()
    pdf.certification()
    pdf.declarations()
    pdf.signature(verify_url)
    return bytes(pdf.output())


def _format_decimal(value: Decimal) -> str:
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _shown(moment: dt.datetime) -> str:
    return moment.astimezone(SHOWN_ZONE).strftime("%Y-%m-%d %H:%M (UTC+8)")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


# Characters that must not begin a line (they stay with what comes before them).
_NO_LINE_START = set("，。、；：？！）》」』】〕”’%‰℃,.;:?!)]}")


def _units(text: str) -> list[str]:
    """Split text into the pieces a line may break between: single Chinese characters, Latin
    words (with their trailing space, or up to a hyphen or slash), and closing punctuation joined
    to what precedes it."""
    units: list[str] = []
    for char in text:
        if units and (char == " " or char in _NO_LINE_START):
            units[-1] += char
        elif not units or _is_cjk(char) or _is_cjk(units[-1][-1]) or units[-1][-1] in " -/":
            units.append(char)
        else:
            units[-1] += char
    return units


class _CertificatePDF(FPDF):
    def __init__(self, view: CertificateView) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.view = view
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.add_font(FONT_FAMILY, "", str(FONT_DIR / "NotoSansSC-Regular.ttf"))
        self.add_font(FONT_FAMILY, "B", str(FONT_DIR / "NotoSansSC-Bold.ttf"))
        # Bold keeps GB 2312 only; a rarer character in bold text prints in Regular, not as a box.
        self.set_fallback_fonts([FONT_FAMILY], exact_match=False)
        self.alias_nb_pages("{nb}")
        self.set_creation_date(view.issued_at)
        self.set_lang("zh-CN")
        self.set_title(f"{view.kind_zh} {view.kind_en} {view.number}")
        self.set_author(f"{view.issuer_zh} {view.issuer_en}")
        self.set_subject(view.number)
        self.set_creator("OpenCIQ")
        self.set_text_color(*INK)

    # --- text helpers --------------------------------------------------------------------------

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def wrap(self, text: str, width: float) -> str:
        """``text`` with line breaks so that each line fits ``width`` in the current font."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for unit in _units(paragraph):
                if line and self.get_string_width((line + unit).rstrip()) > width:
                    lines.append(line.rstrip())
                    line = unit.lstrip()
                else:
                    line += unit
                while len(line) > 1 and self.get_string_width(line.rstrip()) > width:
                    cut = len(line) - 1
                    while cut > 1 and self.get_string_width(line[:cut]) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
            lines.append(line.rstrip())
        return "\n".join(lines)

    def wrapped(self, text: str, width: float, size: float, *, bold: bool = False) -> str:
        with self.local_context():
            self.font(size, bold=bold)
            return self.wrap(text, width - 2 * TABLE_PADDING[1] - 0.4)

    def fit(self, text: str, cell_width: float) -> str:
        """``text`` wrapped for a cell of ``cell_width`` with the usual side margins."""
        return self.wrap(text, cell_width - 2 * self.c_margin - 0.3)

    def para(self, text: str, line_height: float) -> None:
        """A left-aligned paragraph from the current position to the right margin."""
        width = self.w - self.r_margin - self.get_x()
        self.multi_cell(width, line_height, self.fit(text, width), align=Align.L, new_x=XPos.LMARGIN)

    # --- page furniture ------------------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            self.first_page_header()
            return
        view = self.view
        self.font(8, bold=True, color=ACCENT)
        self.cell(120, 5, f"{view.kind_zh}  {view.kind_en}")
        self.cell(0, 5, f"证书编号 No. {view.number}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule(self.get_y() + 1, 0.3)
        self.set_y(self.get_y() + 4)

    def footer(self) -> None:
        view = self.view
        self.set_y(-15)
        self.rule(self.get_y(), 0.2)
        self.set_y(self.get_y() + 1.5)
        self.font(7, color=MUTED)
        third = self.epw / 3
        self.cell(third, 4, f"证书编号 Certificate No. {view.number}")
        self.cell(third, 4, f"第 {self.page_no()} 页 / Page {self.page_no()} of {{nb}}", align=Align.C)
        self.cell(third, 4, f"签名密钥 Signing key {view.key_id}", align=Align.R)
        self.stamp()  # last, so that table fills do not hide it

    def rule(self, y: float, width: float) -> None:
        with self.local_context():
            self.set_draw_color(*ACCENT)
            self.set_line_width(width)
            self.line(self.l_margin, y, self.w - self.r_margin, y)

    def stamp(self) -> None:
        """Across every page of a certificate that is not in force, say so in large red type."""
        if self.view.status == "issued":
            return
        zh, en = STATUS_LABELS.get(self.view.status, (self.view.status, self.view.status))
        with (
            self.local_context(fill_opacity=0.16, text_color=STAMP),
            self.rotation(35, self.w / 2, self.h / 2),
        ):
            self.font(64, bold=True, color=STAMP)
            self.set_xy(0, self.h / 2 - 26)
            self.cell(self.w, 26, zh, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.font(40, bold=True, color=STAMP)
            self.cell(self.w, 18, en.upper(), align=Align.C)

    def first_page_header(self) -> None:
        view = self.view
        self.font(15, bold=True, color=ACCENT)
        self.multi_cell(0, 7.5, self.wrap(view.issuer_zh, self.epw), align=Align.C, new_x=XPos.LMARGIN)
        self.font(8.5, color=ACCENT)
        self.multi_cell(0, 4.2, self.wrap(view.issuer_en, self.epw), align=Align.C, new_x=XPos.LMARGIN)
        y = self.get_y() + 2
        self.rule(y, 0.7)
        self.rule(y + 1.1, 0.2)
        self.set_y(y + 5)
        self.font(21, bold=True)
        self.cell(0, 10, view.kind_zh, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font(11, bold=True, color=ACCENT)
        with self.local_context(char_spacing=1.2):
            self.cell(0, 6, view.kind_en.upper(), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(self.get_y() + 4)
        self.number_box()

    def number_box(self) -> None:
        view = self.view
        top = self.get_y()
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.5)
        self.rect(self.l_margin, top, 78, 14)
        self.set_xy(self.l_margin + 2.5, top + 1.4)
        self.font(7.5, bold=True, color=MUTED)
        self.cell(70, 4, "证书编号  Certificate No.")
        self.set_xy(self.l_margin + 2.5, top + 5.6)
        self.font(14, bold=True)
        self.cell(73, 7, view.number)
        zh, en = STATUS_LABELS.get(view.status, (view.status, view.status))
        rows = [
            ("签发日期 Date of issue", _shown(view.issued_at)),
            ("有效期至 Valid until", view.valid_until.isoformat() if view.valid_until else "—"),
            ("状态 Status", f"{zh} {en}"),
        ]
        for index, (label, value) in enumerate(rows):
            self.set_xy(self.l_margin + 84, top + 0.4 + index * 4.6)
            self.font(7.5, bold=True, color=MUTED)
            self.cell(38, 4.6, label)
            bold = index == 2 and view.status != "issued"
            self.font(8.5, bold=bold, color=STAMP if bold else INK)
            self.cell(0, 4.6, value)
        self.set_xy(self.l_margin, top + 17)
        if view.replaces_number:
            self.replacement_notice(view.replaces_number)

    def replacement_notice(self, replaced: str) -> None:
        self.set_fill_color(253, 243, 221)
        self.set_draw_color(201, 146, 38)
        self.set_line_width(0.3)
        self.font(8.5, bold=True)
        text = (
            f"本证书替代第 {replaced} 号证书，原证书自本证书签发之日起作废。\n"
            f"This certificate replaces certificate No. {replaced}, which is void from the date of issue of this one."
        )
        self.multi_cell(
            0,
            4.6,
            self.wrap(text, self.epw - 4.3),
            border=1,
            fill=True,
            padding=Padding(1.5, 2, 1.5, 2),
            new_x=XPos.LMARGIN,
        )
        self.set_y(self.get_y() + 3)

    def section(self, zh: str, en: str) -> None:
        if self.will_page_break(16):
            self.add_page()
        self.font(10, bold=True, color=ACCENT)
        self.cell(self.get_string_width(zh) + 2, 6, zh)
        self.font(8.5, color=ACCENT)
        self.cell(0, 6, en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(self.get_y() + 0.5)

    # --- body ----------------------------------------------------------------------------------

    def parties(self) -> None:
        view = self.view
        label = FontFace(emphasis="BOLD", size_pt=7.5, color=MUTED, fill_color=LABEL_FILL)
        widths = (30.0, 60.0, 30.0, 60.0)
        wide = sum(widths[1:])

        def party(p: Party) -> str:
            name = self.wrapped(p.name, wide, 9.5)
            return f"{name}\n{self.wrapped(p.address, wide, 9.5)}" if p.address else name

        containers = "；".join(f"{c.number}" + (f" / {c.seal}" if c.seal else "") for c in view.containers)
        self.font(9.5)
        with self.table(
            col_widths=widths,
            first_row_as_headings=False,
            text_align=Align.L,
            v_align=VAlign.M,
            line_height=4.6,
            padding=TABLE_PADDING,
            borders_layout="ALL",
        ) as table:
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.25)
            rows: list[list[tuple[str, str | None]]] = [
                [("发货人\nConsignor", party(view.consignor))],
                [("收货人\nConsignee", party(view.consignee))],
                [
                    ("输往国家或地区\nCountry of destination", view.destination_country),
                    ("离境口岸\nPort of exit", view.port_of_exit),
                ],
                [
                    ("运输方式\nMode of transport", view.transport_mode),
                    ("运输工具\nMeans of conveyance", view.transport_means),
                ],
                [("集装箱号 / 封识号\nContainers / seals", self.wrapped(containers or "—", wide, 9.5))],
            ]
            for pairs in rows:
                row = table.row()
                for caption, value in pairs:
                    row.cell(caption, style=label)
                    text = value if len(pairs) == 1 else self.wrapped(value or "—", widths[1], 9.5)
                    row.cell(text or "—", colspan=3 if len(pairs) == 1 else 1)
        self.set_y(self.get_y() + 4)

    def goods(self) -> None:
        view = self.view
        self.section("货物", "Description of the consignment")
        widths = (10.0, 40.0, 20.0, 21.0, 21.0, 40.0, 28.0)
        headings = [
            "序号\nNo.",
            "货物描述\nDescription",
            "HS 编码\nHS code",
            "数量\nQuantity",
            "净重（千克）\nNet weight (kg)",
            "产地 / 基地\nOrigin / premises",
            "批号\nLot No.",
        ]
        heading_style = FontFace(emphasis="BOLD", size_pt=7.5, color=ACCENT, fill_color=LABEL_FILL)
        self.font(8.5)
        with self.table(
            col_widths=widths,
            text_align=(Align.C, Align.L, Align.C, Align.R, Align.R, Align.L, Align.C),
            v_align=VAlign.M,
            line_height=4.2,
            padding=TABLE_PADDING,
            headings_style=heading_style,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            cell_fill_color=(248, 249, 252),
            repeat_headings=1,
        ) as table:
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.2)
            table.row([self.wrapped(h, w, 7.5, bold=True) for h, w in zip(headings, widths, strict=True)])
            for index, line in enumerate(view.lines, start=1):
                values = [
                    str(index),
                    line.description,
                    line.hs_code,
                    f"{_format_decimal(line.quantity)} {line.unit}",
                    _format_decimal(line.net_weight_kg),
                    line.origin or "—",
                    line.lot or "—",
                ]
                table.row([self.wrapped(v, w, 8.5) for v, w in zip(values, widths, strict=True)])
            total = sum((line.net_weight_kg for line in view.lines), Decimal(0))
            row = table.row(style=FontFace(emphasis="BOLD", fill_color=LABEL_FILL))
            row.cell(f"合计 Total: {len(view.lines)} 项 lines", colspan=4, align=Align.R)
            row.cell(_format_decimal(total), align=Align.R)
            row.cell("", colspan=2)
        self.set_y(self.get_y() + 4)

    def certification(self) -> None:
        view = self.view
        if not (view.statement_zh or view.statement_en):
            return
        self.section("证明", "Certification")
        self.font(9)
        for text in (view.statement_zh, view.statement_en):
            if text:
                self.para(text, 4.8)
                self.set_y(self.get_y() + 1.2)
        self.set_y(self.get_y() + 2.5)

    def declarations(self) -> None:
        view = self.view
        self.section("附加声明", "Additional declaration")
        self.font(9)
        if not view.additional_declarations:
            self.para("无。 None.", 4.8)
        for index, text in enumerate(view.additional_declarations, start=1):
            prefix = f"{index}."
            self.cell(5, 4.8, prefix)
            self.para(text, 4.8)
        self.set_y(self.get_y() + 4)

    def signature(self, verify_url: str) -> None:
        """The officer's block and the QR code, kept together on one page with the closing note."""
        view = self.view
        label_w, value_w, qr_w = 46.0, 72.0, 56.0
        rows = [
            ("签证地点 Place of issue", view.signatory_place),
            ("签证日期 Date of issue", _shown(view.issued_at)),
            ("授权签字人 Authorized officer", view.signatory_name),
            ("签名 Signature", f"电子签名 Electronic signature (Ed25519)\n密钥 Key ID {view.key_id}"),
        ]
        self.font(8.5)
        values = [self.fit(value, value_w) for _, value in rows]
        left = sum(4.6 * (value.count("\n") + 1) + 1.4 for value in values)
        self.font(6.5)
        url = self.fit(verify_url, qr_w)
        right = QR_SIZE + 3.8 + 3.2 * (url.count("\n") + 1)
        height = max(left, right) + 5
        if self.will_page_break(height + 22):
            self.add_page()
        top = self.get_y()
        with self.local_context(draw_color=ACCENT, line_width=0.4):
            self.rect(self.l_margin, top, self.epw, height)
        y = top + 3
        for (label, _), value in zip(rows, values, strict=True):
            self.set_xy(self.l_margin + 2, y)
            self.font(7.5, bold=True, color=MUTED)
            self.cell(label_w, 4.6, label)
            self.font(8.5)
            self.multi_cell(value_w, 4.6, value, align=Align.L)
            y = self.get_y() + 1.4
        qr_left = self.w - self.r_margin - 2 - qr_w
        self.image(io.BytesIO(qr_png(verify_url)), x=qr_left + (qr_w - QR_SIZE) / 2, y=top + 2, w=QR_SIZE)
        self.set_xy(qr_left, top + 2 + QR_SIZE)
        self.font(7, bold=True, color=ACCENT)
        self.cell(qr_w, 3.8, "扫码核验 Scan to verify", align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font(6.5, color=MUTED)
        self.multi_cell(qr_w, 3.2, url, align=Align.C)
        self.set_xy(self.l_margin, top + height + 3)
        self.font(7.5, color=MUTED)
        self.para(
            "本证书为电子证书，由签发机构以电子签名签发。可扫描二维码或访问上述网址核验其真实性及现行状态；"
            "持有签名文件者亦可使用签发机构公布的公钥离线核验。\n"
            "This is an electronic certificate, signed electronically by the issuing authority. Scan the QR "
            "code or visit the address above to check that it is genuine and still in force; holders of the "
            "signed file can verify it offline with the authority's published public keys.",
            3.8,
        )
