"""The certificate of analysis and the sample labels, read back with poppler-utils (pdftotext,
pdftoppm) and, for the QR codes, zbar (zbarimg)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.lims import coa, labels
from openciq.lims.models import Analysis, AnalysisService, Method, Report, Sample, Verification
from openciq.lims.reports import report_analyses
from tests.factories import CountryFactory, UserFactory
from tests.personas import org_tree

PUBLISHED = dt.datetime(2026, 3, 5, 6, 30, tzinfo=dt.UTC)  # 14:30 in Asia/Shanghai
NUMBER = "R2026000123"
REPLACED = "R2026000007"
MM = 72 / 25.4  # PDF points per millimetre

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")


@dataclass
class World:
    sample: Sample
    old_report: Report
    authoriser: Any


def _service(lab: OrgUnit, code: str, zh: str, en: str, *, accredited: bool) -> AnalysisService:
    method = Method.objects.create(
        code=f"M-{code}",
        name_zh=f"{zh}测定",
        laboratory=lab,
        standard=f"GB 5009.{len(code)}-2016",
        accredited=True,
    )
    return AnalysisService.objects.create(
        code=code, name_zh=zh, name_en=en, laboratory=lab, method=method, unit="mg/kg",
        lod=Decimal("0.003"), loq=Decimal("0.01"), accredited=accredited,
    )  # fmt: skip


def _analysis(sample: Sample, service: AnalysisService, people: tuple[Any, Any], **result: Any) -> Analysis:
    analyst, verifier = people
    analysis = Analysis.objects.create(
        sample=sample, laboratory=sample.laboratory, service=service, status="verified", unit="mg/kg",
        submitted_by=analyst, submitted_at=PUBLISHED - dt.timedelta(days=1), decision_rule="guarded", **result,
    )  # fmt: skip
    Verification.objects.create(analysis=analysis, verifier=verifier, at=PUBLISHED - dt.timedelta(hours=3))
    return analysis


def _sample(lab: OrgUnit, number: str, registrar: Any, **extra: Any) -> Sample:
    return Sample.objects.create(
        number=number, laboratory=lab, client_name="广州市绿源蔬菜进出口有限公司", description="新鲜菜心 Fresh choy sum",
        hs_code="0709999000", date_sampled=dt.date(2026, 3, 1), condition="冷藏完好 Chilled, intact",
        received_at=PUBLISHED - dt.timedelta(days=3), registered_by=registrar, **{"status": "verified", **extra},
    )  # fmt: skip


def build_world(extra_analyses: int = 0) -> World:
    org_tree()
    lab = OrgUnit.objects.get(code="LAB-FOOD")
    analyst = UserFactory(display_name="张分析")
    verifier = UserFactory(display_name="李核验")
    authoriser = UserFactory(display_name="王批准")
    destination = CountryFactory(name_zh="中国香港", name_en="Hong Kong, China")
    with audit.scope(), transaction.atomic():
        old = _sample(lab, "S2026000041", analyst, destination=destination, status="invalid")
        old_report = Report.objects.create(
            number=REPLACED, sample=old, outcome="conform", pdf="lims/reports/old.pdf", sha256="0" * 64,
            published_by=authoriser, published_at=PUBLISHED - dt.timedelta(days=10),
        )  # fmt: skip
        sample = _sample(
            lab, "S2026000042", analyst, destination=destination, retest_of=old, outcome="not_conform"
        )
        people = (analyst, verifier)
        lead = _service(lab, "PB", "铅", "Lead", accredited=True)
        cpf = _service(lab, "CPF", "毒死蜱", "Chlorpyrifos", accredited=False)
        cd = _service(lab, "CD", "镉", "Cadmium", accredited=False)
        _analysis(sample, lead, people, value=Decimal("0.052"), uncertainty=Decimal("0.008"),
                  spec_high=Decimal("0.3"), outcome="conform")  # fmt: skip
        _analysis(sample, cpf, people, value=Decimal("0.35"), uncertainty=Decimal("0.07"),
                  spec_high=Decimal("0.05"), outcome="not_conform")  # fmt: skip
        _analysis(sample, cd, people, value=Decimal("0.01"), censored=True, spec_high=Decimal("0.05"),
                  outcome="conform")  # fmt: skip
        for n in range(extra_analyses):
            extra = _service(lab, f"X{n:02d}", f"农药{n:02d}", f"Pesticide {n:02d}", accredited=n % 2 == 0)
            _analysis(sample, extra, people, value=Decimal(n) / 100, uncertainty=Decimal("0.002"),
                      spec_high=Decimal("1"), outcome="conform")  # fmt: skip
        audit.record(actor=system_actor(), action="tests.lims_coa_world", obj=sample)
    return World(sample=sample, old_report=old_report, authoriser=authoriser)


def render(world: World) -> bytes:
    sample = Sample.objects.select_related("laboratory", "destination").get(pk=world.sample.pk)
    return coa.render(
        sample,
        report_analyses(sample),
        number=NUMBER,
        published_by=world.authoriser,
        published_at=PUBLISHED,
        replaces=world.old_report,
    )


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, as pdftotext reads it."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, timeout=60).stdout
    return [page for page in text.decode().split("\f") if page.strip()]


def decode_qr(pdf: bytes, tmp_path: Path, resolution: int) -> str:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("QR decoding needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(resolution), "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    (page,) = tmp_path.glob("page-*.png")
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, timeout=60, check=True
    )
    return result.stdout.decode().strip()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


# --- certificate of analysis -----------------------------------------------------------------


@pytest.mark.django_db
def test_report_is_a_pdf(world: World) -> None:
    pdf = render(world)

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


@needs_poppler
@pytest.mark.django_db
def test_report_states_sample_results_conformity_and_replacement(world: World, tmp_path: Path) -> None:
    pages = pdf_pages(render(world), tmp_path)
    text = " ".join("\n".join(pages).split())  # a table cell's lines read as one

    for expected in (
        NUMBER,
        "S2026000042",
        "食品实验室",
        "Food laboratory",
        "广东出入境检验检疫局",
        "检验报告",
        "CERTIFICATE OF ANALYSIS",
        "广州市绿源蔬菜进出口有限公司",
        "新鲜菜心 Fresh choy sum",
        "0709999000",
        "中国香港 Hong Kong, China",
        "2026-03-01",  # sampled
        "2026-03-02",  # received
        "冷藏完好 Chilled, intact",
        "0.052",
        "± 0.008",
        "0.350",
        "± 0.070",
        "< 0.01",
        "mg/kg",
        "0.003 / 0.01",
        "≤ 0.05",
        "防护接受",
        "Guarded acceptance",
        "不合格",
        "Not conform",
        "Lead *",
        "* accredited (CNAS)",
        "张分析",
        "李核验",
        "王批准",
        "2026-03-05 14:30 (UTC+08:00)",
        f"This report replaces report {REPLACED}",
        "检验结果仅对所检样品负责。",
        "The results relate only to the items tested.",
    ):
        assert expected in text, expected
    assert re.search(r"铅 ?\*", text)
    assert "Chlorpyrifos *" not in text  # not accredited
    assert "\ufffd" not in text
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert NUMBER in page


@needs_poppler
@pytest.mark.django_db
def test_sixty_results_continue_on_following_pages_with_the_heading(tmp_path: Path) -> None:
    world = build_world(extra_analyses=57)

    pages = pdf_pages(render(world), tmp_path)

    assert len(pages) >= 3
    with_results = [page for page in pages if "Pesticide" in page]
    assert len(with_results) >= 2
    assert all("Conformity" in page and "单项判定" in page for page in with_results)
    assert all(f"Pesticide {n:02d}" in "\n".join(pages) for n in range(57))
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "End of report" in pages[-1]


@pytest.mark.django_db
def test_same_input_gives_same_bytes(world: World) -> None:
    assert render(world) == render(world)


@pytest.mark.django_db
def test_naive_publication_time_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        coa.render(world.sample, [], number=NUMBER, published_by=world.authoriser,
                   published_at=dt.datetime(2026, 3, 5, 14, 30))  # fmt: skip


@pytest.mark.django_db
def test_report_qr_code_decodes_to_the_report_number(world: World, tmp_path: Path) -> None:
    assert decode_qr(render(world), tmp_path, 150) == f"OpenCIQ report {NUMBER}"


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_label_is_60_by_40_mm(world: World) -> None:
    pdf = labels.sample_label(world.sample)

    assert pdf.startswith(b"%PDF-")
    (box,) = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert (round(float(box[0]) / MM, 1), round(float(box[1]) / MM, 1)) == (60.0, 40.0)


@pytest.mark.django_db
def test_label_qr_code_decodes_to_the_sample_number(world: World, tmp_path: Path) -> None:
    assert decode_qr(labels.sample_label(world.sample), tmp_path, 300) == "S2026000042"


@needs_poppler
@pytest.mark.django_db
def test_batch_prints_one_label_a_page_with_number_lab_date_and_description(
    world: World, tmp_path: Path
) -> None:
    old = world.old_report.sample

    pages = pdf_pages(labels.sample_labels([world.sample, old]), tmp_path)

    assert len(pages) == 2
    assert "S2026000042" in pages[0] and "S2026000041" in pages[1]
    assert all("LAB-FOOD" in page and "2026-03-02" in page and "新鲜菜心" in page for page in pages)


@pytest.mark.django_db
def test_long_description_is_cut_to_two_lines_with_an_ellipsis(world: World) -> None:
    pdf = labels._label_pdf(PUBLISHED)
    pdf.set_font(coa.FONT, "", 7)

    lines = labels.fit_lines(pdf, "冷冻去骨牛肉 Frozen boneless beef " * 10, 56.0, 2)

    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert all(pdf.get_string_width(line) <= 56.0 for line in lines)


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        labels.sample_labels([])
