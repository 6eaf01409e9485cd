"""The certificate of analysis (检验报告): a sample's results as one A4 PDF, Chinese and English
together, with what ISO/IEC 17025:2017 §7.8.2 asks a test report to state.

:func:`render` is called by publication (``reports.sample_publish``). It reads the sample, the
analyses it is given and the people on them, nothing else; the same input gives the same bytes
(the PDF's creation date is the publication time). Chinese is drawn with the Noto Sans SC fonts
shipped in ``openciq/core/fonts/``. The small font and QR helpers of the export certificate
(``declarations.pdf``) are not imported: a subsystem reaches another only through its services
and selectors, so the few lines are written again here.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno
from django.utils import timezone
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, VAlign, WrapMode, XPos, YPos
from fpdf.table import Table
from fpdf.util import Padding

from openciq.lims.choices import DecisionRule, Outcome, ResultType

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from openciq.accounts.models import OrgUnit
    from openciq.lims.models import Analysis, Report, Sample

FONT = "NotoSansSC"
FONT_DIR = Path(str(resources.files("openciq.core").joinpath("fonts")))

INK = (25, 28, 33)
ACCENT = (18, 52, 98)
MUTED = (92, 100, 112)
LABEL_FILL = (234, 239, 246)
OUTCOME_COLOURS: dict[str, tuple[int, int, int]] = {
    Outcome.CONFORM: (22, 112, 60),
    Outcome.NOT_CONFORM: (190, 30, 30),
    Outcome.INCONCLUSIVE: (170, 100, 0),
}

MARGIN = 15.0
QR_SIZE = 30.0
PADDING = (1.1, 1.0)  # table cells: vertical, horizontal (mm)
HEADINGS = FontFace(emphasis="BOLD", size_pt=6.5, color=ACCENT, fill_color=LABEL_FILL)
NONE = "—"

OUTCOMES: dict[str, tuple[str, str]] = {
    Outcome.CONFORM: ("合格", "Conform"),
    Outcome.NOT_CONFORM: ("不合格", "Not conform"),
    Outcome.INCONCLUSIVE: ("无法判定", "Inconclusive"),
}
CONCLUSIONS: dict[str, tuple[str, str]] = {
    Outcome.CONFORM: ("所检项目均符合限量要求。", "All results conform to the limits."),
    Outcome.NOT_CONFORM: ("有检验结果不符合限量要求。", "At least one result does not conform to its limit."),
    Outcome.INCONCLUSIVE: (
        "有检验结果处于限量的测量不确定度范围内，无法判定是否符合。",
        "At least one result is within the measurement uncertainty of its limit: conformity cannot be stated.",
    ),
}
RULES: dict[str, tuple[str, str]] = {  # short forms for the table; the notes explain them
    DecisionRule.SIMPLE: ("简单接受", "Simple"),
    DecisionRule.GUARDED: ("防护接受", "Guarded"),
}
QUALITATIVE = {"detected": ("检出", "Detected"), "not_detected": ("未检出", "Not detected")}

RESULT_COLUMNS = (
    ("序号\nNo.", 7.0, Align.C),
    ("检验项目\nTest", 30.0, Align.L),
    ("检验方法\nMethod", 28.0, Align.L),
    ("结果\nResult", 16.0, Align.R),
    ("单位\nUnit", 13.0, Align.C),
    ("扩展不确定度\nU (k=2)", 16.0, Align.R),
    ("检出限/定量限\nLOD / LOQ", 18.0, Align.C),
    ("限量\nLimit", 15.0, Align.C),
    ("判定规则\nDecision rule", 17.0, Align.C),
    ("单项判定\nConformity", 20.0, Align.C),
)
TRACE_COLUMNS = (
    ("序号\nNo.", 7.0),
    ("样品编号\nSample No.", 25.0),
    ("检验项目\nTest", 34.0),
    ("仪器\nInstrument", 26.0),
    ("结果录入\nEntered by", 38.0),
    ("结果核验\nVerified by", 50.0),
)

RELATE_ONLY = ("检验结果仅对所检样品负责。", "The results relate only to the items tested.")  # in bold
NOTES = (
    (
        "* 该项目在 CNAS 认可范围内。",
        "* accredited (CNAS): the test is within the laboratory's scope of accreditation.",
    ),
    (
        "U：扩展不确定度，包含因子 k = 2，约 95% 置信水平。",
        "U: expanded uncertainty with coverage factor k = 2 (a level of confidence of about 95 %).",
    ),
    (
        "“< 数值”：结果低于该定量限（LOQ）。",
        "“< value”: the result is below that limit of quantification (LOQ).",
    ),
    (
        "判定规则（ILAC-G8:09/2019）：简单接受——仅以测得值与限量比较；防护接受——测得值±U的区间"
        "全部在限量内判合格，全部在限量外判不合格，否则为无法判定（结果处于限量的不确定度范围内）。",
        "Decision rules (ILAC-G8:09/2019): Simple acceptance (w = 0) compares the measured value alone with "
        "the limit; Guarded acceptance (w = U) states conform only when value ± U lies wholly within the limit, not "
        "conform when it lies wholly outside, and inconclusive otherwise (the result is within the "
        "uncertainty of the limit).",
    ),
    RELATE_ONLY,
    (
        "未经本实验室书面批准，不得部分复制本报告。",
        "This report shall not be reproduced except in full without the written approval of the laboratory.",
    ),
)


@dataclass(frozen=True)
class ResultRow:
    """One analysis as the report prints it (display text only)."""

    test: str
    method: str
    result: str
    unit: str
    uncertainty: str
    lod_loq: str
    limit: str
    rule: str
    outcome: str
    sample_number: str
    instrument: str
    entered: str
    verified: str

    def cells(self, index: int) -> list[str]:
        rule = "\n".join(RULES.get(self.rule, (self.rule or NONE,)))
        outcome = "\n".join(OUTCOMES.get(self.outcome, (self.outcome or NONE,)))
        return [
            str(index),
            self.test,
            self.method,
            self.result,
            self.unit,
            self.uncertainty,
            self.lod_loq,
            self.limit,
            rule,
            outcome,
        ]

    def trace_cells(self, index: int) -> list[str]:
        name = self.test.split("\n")[0]
        return [str(index), self.sample_number, name, self.instrument, self.entered, self.verified]


def render(
    sample: Sample,
    analyses: Sequence[Analysis],
    *,
    number: str,
    published_by: AbstractBaseUser,
    published_at: dt.datetime,
    replaces: Report | None = None,
) -> bytes:
    """The certificate of analysis of ``sample`` stating ``analyses``, as PDF bytes."""
    if timezone.is_naive(published_at):
        raise ValueError("published_at must be timezone-aware")
    rows = [result_row(analysis) for analysis in analyses]
    pdf = _CoaPDF(sample, number=number, published_at=published_at)
    pdf.add_page()
    pdf.title_block(replaces.number if replaces else None)
    pdf.sample_table(analyses)
    pdf.results_table(rows)
    pdf.traceability_table(rows)
    pdf.conclusion()
    pdf.notes()
    pdf.authorisation(str(published_by))
    return bytes(pdf.output())


# --- display values ---------------------------------------------------------------------------


def plain(value: Decimal | None) -> str:
    """A limit as written in its regulation: no padding zeros, no exponent."""
    if value is None:
        return NONE
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def measured(value: Decimal | None, places: int) -> str:
    return NONE if value is None else f"{value:.{places}f}"


def local_date(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else NONE


def local_time(moment: dt.datetime) -> str:
    shown = timezone.localtime(moment)
    offset = shown.isoformat()[-6:]
    return f"{shown:%Y-%m-%d %H:%M} (UTC{offset})"


def bilingual(zh: str, en: str) -> str:
    return f"{zh}\n{en}" if en and en != zh else zh


def result_text(analysis: Analysis) -> str:
    service = analysis.service
    if service.result_type == ResultType.QUALITATIVE:
        zh, en = QUALITATIVE.get(analysis.result, (analysis.result, ""))
        return bilingual(zh, en)
    if analysis.censored:
        return f"< {plain(analysis.value)}"
    return measured(analysis.value, service.precision)


def limit_text(analysis: Analysis) -> str:
    low, high = analysis.spec_low, analysis.spec_high
    if low is not None and high is not None:
        return f"{plain(low)}–{plain(high)}"
    if high is not None:
        return f"≤ {plain(high)}"
    if low is not None:
        return f"≥ {plain(low)}"
    if analysis.service.result_type == ResultType.QUALITATIVE and analysis.specification_id:
        return "不得检出\nNot detected"
    return NONE


def uncertainty_text(analysis: Analysis) -> str:
    if analysis.uncertainty is None or analysis.censored:
        return NONE
    return f"± {measured(analysis.uncertainty, analysis.service.precision)}"


def is_accredited(analysis: Analysis) -> bool:
    """Only a test accredited by an accredited method is marked: claiming accreditation that a
    laboratory does not hold is the worse error."""
    return analysis.service.accredited and analysis.service.method.accredited


def test_text(analysis: Analysis) -> str:
    service = analysis.service
    mark = " *" if is_accredited(analysis) else ""
    return bilingual(f"{service.name_zh}{mark}", f"{service.name_en}{mark}" if service.name_en else "")


def entered_text(analysis: Analysis) -> str:
    if analysis.submitted_by is None:
        return NONE
    return f"{analysis.submitted_by} {local_date(analysis.submitted_at)}"


def verified_text(analysis: Analysis) -> str:
    done = [f"{v.verifier} {local_date(v.at)}" for v in analysis.verifications.all()]
    return "\n".join(done) or NONE


def result_row(analysis: Analysis) -> ResultRow:
    service, method = analysis.service, analysis.service.method
    lod_loq = (
        NONE
        if service.lod is None and service.loq is None
        else f"{plain(service.lod)} / {plain(service.loq)}"
    )
    return ResultRow(
        test=test_text(analysis),
        method=f"{method.standard}\n({method.code})",
        result=result_text(analysis),
        unit=analysis.unit or service.unit or NONE,
        uncertainty=uncertainty_text(analysis),
        lod_loq=lod_loq,
        limit=limit_text(analysis),
        rule=analysis.decision_rule,
        outcome=analysis.outcome,
        sample_number=analysis.sample.number if analysis.sample else NONE,
        instrument=analysis.instrument.code if analysis.instrument else NONE,
        entered=entered_text(analysis),
        verified=verified_text(analysis),
    )


def bureau_of(laboratory: OrgUnit) -> OrgUnit | None:
    node = laboratory.parent
    while node is not None and node.kind != "bureau":
        node = node.parent
    return node


def declaration_number(sample: Sample) -> str:
    if not sample.sample_request_id or sample.sample_request is None:
        return NONE
    return str(sample.sample_request.declaration.number)


def testing_dates(analyses: Sequence[Analysis]) -> str:
    days = sorted({local_date(a.submitted_at) for a in analyses if a.submitted_at})
    if not days:
        return NONE
    return days[0] if days[0] == days[-1] else f"{days[0]} – {days[-1]}"


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", boost_error=False, micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


# --- the document -----------------------------------------------------------------------------


class _CoaPDF(FPDF):
    def __init__(self, sample: Sample, *, number: str, published_at: dt.datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.sample = sample
        self.number = number
        self.published_at = published_at
        self.laboratory = sample.laboratory
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.add_font(FONT, "", str(FONT_DIR / "NotoSansSC-Regular.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "NotoSansSC-Bold.ttf"))
        self.set_fallback_fonts([FONT], exact_match=False)
        self.alias_nb_pages("{nb}")
        self.set_creation_date(published_at)
        self.set_lang("zh-CN")
        self.set_title(f"检验报告 Certificate of Analysis {number}")
        self.set_author(f"{self.laboratory.name_zh} {self.laboratory.name_en}".strip())
        self.set_subject(f"{sample.number} {number}")
        self.set_creator("OpenCIQ")

    # --- helpers -------------------------------------------------------------------------------

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def rule(self, y: float, width: float) -> None:
        with self.local_context(draw_color=ACCENT, line_width=width):
            self.line(self.l_margin, y, self.w - self.r_margin, y)

    def line_text(self, text: str, height: float, align: Align = Align.L) -> None:
        self.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    @contextmanager
    def grid(self, widths: Sequence[float], **options: Any) -> Iterator[Table]:
        """A table in the report's style; ``options`` as for ``FPDF.table``."""
        with self.table(col_widths=widths, v_align=VAlign.M, padding=PADDING, **options) as table:
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.2)
            yield table

    def section(self, zh: str, en: str, keep: float = 30) -> None:
        if self.will_page_break(keep):
            self.add_page()
        self.set_y(self.get_y() + 3)
        self.font(10, bold=True, color=ACCENT)
        self.cell(self.get_string_width(zh) + 2, 6, zh)
        self.font(8.5, color=ACCENT)
        self.cell(0, 6, en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(self.get_y() + 0.5)

    # --- page furniture ------------------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            return
        lab = self.laboratory
        self.font(8, bold=True, color=ACCENT)
        self.cell(120, 5, f"{lab.name_zh}  检验报告 Certificate of Analysis")
        self.cell(
            0, 5, f"报告编号 Report No. {self.number}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.rule(self.get_y() + 1, 0.3)
        self.set_y(self.get_y() + 4)

    def footer(self) -> None:
        self.set_y(-15)
        self.rule(self.get_y(), 0.2)
        self.set_y(self.get_y() + 1.5)
        self.font(7, color=MUTED)
        third = self.epw / 3
        self.cell(third, 4, f"报告编号 Report No. {self.number}")
        page = self.page_no()
        self.cell(third, 4, f"第 {page} 页，共 {{nb}} 页 / Page {page} of {{nb}}", align=Align.C)
        self.cell(third, 4, f"样品编号 Sample No. {self.sample.number}", align=Align.R)

    # --- first page ----------------------------------------------------------------------------

    def title_block(self, replaced: str | None) -> None:
        lab, bureau = self.laboratory, bureau_of(self.laboratory)
        if bureau is not None:
            self.font(8.5, color=MUTED)
            self.line_text(f"{bureau.name_zh}  {bureau.name_en}".strip(), 4.5, Align.C)
        self.font(15, bold=True, color=ACCENT)
        self.line_text(lab.name_zh, 7.5, Align.C)
        if lab.name_en:
            self.font(9, color=ACCENT)
            self.line_text(lab.name_en, 4.5, Align.C)
        y = self.get_y() + 2
        self.rule(y, 0.7)
        self.rule(y + 1.1, 0.2)
        self.set_y(y + 5)
        self.font(20, bold=True)
        self.line_text("检验报告", 10, Align.C)
        self.font(11, bold=True, color=ACCENT)
        with self.local_context(char_spacing=1.2):
            self.line_text("CERTIFICATE OF ANALYSIS", 6, Align.C)
        self.set_y(self.get_y() + 4)
        self.number_block()
        if replaced:
            self.replacement_notice(replaced)

    def number_block(self) -> None:
        top, left = self.get_y(), self.l_margin
        height = QR_SIZE + 4
        with self.local_context(draw_color=ACCENT, line_width=0.5):
            self.rect(left, top, self.epw, height)
        self.set_xy(left + 3, top + 2.5)
        self.font(7.5, bold=True, color=MUTED)
        self.cell(80, 4, "报告编号  Report No.")
        self.set_xy(left + 3, top + 6.5)
        self.font(16, bold=True)
        self.cell(100, 8, self.number)
        outcome = self.sample.outcome
        zh, en = OUTCOMES.get(outcome, ("未判定", "No statement"))
        rows = [
            ("签发日期 Date of issue", local_time(self.published_at), INK),
            ("检验结论 Conclusion", f"{zh} {en}", OUTCOME_COLOURS.get(outcome, INK)),
        ]
        for index, (label, value, colour) in enumerate(rows):
            self.set_xy(left + 3, top + 17 + index * 6)
            self.font(7.5, bold=True, color=MUTED)
            self.cell(42, 6, label)
            self.font(10 if index else 9, bold=bool(index), color=colour)
            self.cell(90, 6, value)
        self.qr(left + self.epw - QR_SIZE - 2, top + 1)
        self.set_xy(left, top + height + 3)

    def qr(self, x: float, y: float) -> None:
        self.image(io.BytesIO(qr_png(f"OpenCIQ report {self.number}")), x=x, y=y, w=QR_SIZE - 3)
        self.set_xy(x - 6, y + QR_SIZE - 3)
        self.font(6, color=MUTED)
        self.cell(QR_SIZE + 9, 3, f"OpenCIQ report {self.number}", align=Align.C)

    def replacement_notice(self, replaced: str) -> None:
        text = (
            f"本报告替代第 {replaced} 号报告，原报告自本报告签发之日起作废。\n"
            f"This report replaces report {replaced}, which is void from the date of issue of this one."
        )
        with self.local_context(fill_color=(253, 243, 221), draw_color=(201, 146, 38), line_width=0.3):
            self.font(8.5, bold=True)
            self.multi_cell(
                0, 4.6, text, border=1, fill=True, padding=Padding(1.5, 2, 1.5, 2), new_x=XPos.LMARGIN
            )
        self.set_y(self.get_y() + 1)

    # --- tables --------------------------------------------------------------------------------

    def sample_table(self, analyses: Sequence[Analysis]) -> None:
        sample = self.sample
        destination = sample.destination
        received = sample.received_at
        pairs: list[list[tuple[str, str]]] = [
            [("委托方\nClient", sample.client_display or NONE)],
            [
                ("报关单号\nDeclaration No.", declaration_number(sample)),
                ("样品编号\nSample No.", sample.number),
            ],
            [("样品名称\nSample", sample.description)],
            [
                ("HS 编码\nHS code", sample.hs_code or NONE),
                (
                    "目的地\nDestination",
                    f"{destination.name_zh} {destination.name_en}" if destination else NONE,
                ),
            ],
            [
                ("采样日期\nDate sampled", str(sample.date_sampled or NONE)),
                ("收样日期\nDate received", local_date(received)),
            ],
            [
                ("样品数量\nQuantity", sample.quantity or NONE),
                ("检验日期\nDate(s) of testing", testing_dates(analyses)),
            ],
            [("样品状态\nCondition on receipt", sample.condition or NONE)],
        ]
        self.section("样品信息", "Sample information")
        self.key_value_table(pairs)

    def key_value_table(self, pairs: list[list[tuple[str, str]]]) -> None:
        label = FontFace(emphasis="BOLD", size_pt=7.5, color=MUTED, fill_color=LABEL_FILL)
        self.font(9)
        with self.grid(
            (30, 60, 30, 60), first_row_as_headings=False, text_align=Align.L, line_height=4.4
        ) as table:
            for items in pairs:
                row = table.row()
                for caption, value in items:
                    row.cell(caption, style=label)
                    row.cell(value, colspan=3 if len(items) == 1 else 1)

    def results_table(self, rows: Sequence[ResultRow]) -> None:
        self.section("检验结果", "Results", keep=40)
        self.font(7.5)
        with self.grid(
            [width for _, width, _ in RESULT_COLUMNS],
            text_align=[align for _, _, align in RESULT_COLUMNS],
            line_height=3.6,
            headings_style=HEADINGS,
            cell_fill_mode=TableCellFillMode.EVEN_ROWS,
            cell_fill_color=(248, 249, 252),
        ) as table:
            table.row([caption for caption, _, _ in RESULT_COLUMNS])
            for index, result in enumerate(rows, start=1):
                row = table.row()
                *values, outcome = result.cells(index)
                for value in values:
                    row.cell(value)
                colour = OUTCOME_COLOURS.get(result.outcome, INK)
                row.cell(outcome, style=FontFace(emphasis="BOLD", color=colour))
        if not rows:
            self.font(8.5, color=MUTED)
            self.line_text("无检验结果。 No results.", 5)

    def traceability_table(self, rows: Sequence[ResultRow]) -> None:
        if not rows:
            return
        self.section("结果录入与核验", "Entry and verification of results", keep=30)
        self.font(7.5)
        widths = [width for _, width in TRACE_COLUMNS]
        with self.grid(widths, text_align=Align.L, line_height=3.6, headings_style=HEADINGS) as table:
            table.row([caption for caption, _ in TRACE_COLUMNS])
            for index, result in enumerate(rows, start=1):
                table.row(result.trace_cells(index))

    # --- closing -------------------------------------------------------------------------------

    def conclusion(self) -> None:
        self.section("检验结论", "Conclusion", keep=28)
        outcome = self.sample.outcome
        if outcome in OUTCOMES:
            zh, en = OUTCOMES[outcome]
            say_zh, say_en = CONCLUSIONS[outcome]
            colour = OUTCOME_COLOURS[outcome]
        else:
            zh, en, colour = "未作符合性判定", "No statement of conformity", INK
            say_zh, say_en = "所检项目无适用限量。", "No limit applies to the tests."
        self.font(12, bold=True, color=colour)
        self.line_text(f"{zh}  {en}", 6.5)
        self.font(8.5)
        self.line_text(say_zh, 4.5)
        self.line_text(say_en, 4.5)

    def notes(self) -> None:
        self.section("说明", "Notes", keep=40)
        for index, (zh, en) in enumerate(NOTES, start=1):
            self.font(7.5)
            self.cell(5, 3.8, f"{index}.")
            bold = (zh, en) == RELATE_ONLY
            self.font(7.5, bold=bold)
            # Chinese breaks between any two characters; fpdf2 would break only at spaces.
            self.multi_cell(
                0, 3.8, zh, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=WrapMode.CHAR
            )
            self.set_x(self.l_margin + 5)
            self.font(7.5, bold=bold, color=MUTED if not bold else INK)
            self.multi_cell(0, 3.8, en, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(self.get_y() + 0.8)

    def authorisation(self, authoriser: str) -> None:
        if self.will_page_break(34):
            self.add_page()
        self.set_y(self.get_y() + 4)
        top = self.get_y()
        with self.local_context(draw_color=ACCENT, line_width=0.4):
            self.rect(self.l_margin, top, self.epw, 22)
        rows = [
            ("批准人 Authorised by", authoriser),
            ("批准日期 Date of authorisation", local_time(self.published_at)),
            ("签发实验室 Issued by", f"{self.laboratory.name_zh} {self.laboratory.name_en}".strip()),
        ]
        for index, (label, value) in enumerate(rows):
            self.set_xy(self.l_margin + 3, top + 2.5 + index * 5.8)
            self.font(7.5, bold=True, color=MUTED)
            self.cell(52, 5.8, label)
            self.font(9, bold=index == 0)
            self.cell(0, 5.8, value)
        self.set_y(top + 26)
        self.font(7.5, color=MUTED)
        self.line_text("—— 报告结束 End of report ——", 4, Align.C)
