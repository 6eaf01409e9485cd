"""A small food laboratory for service tests: people, a pesticide method on a GC-MS/MS with a
valid calibration, two analysis services with Hong Kong limits, a blank and a control with its
chart, an import mapping; and shortcuts that go through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from openciq.accounts.models import OrgUnit, User
from openciq.core import audit
from openciq.declarations import services as declaration_services
from openciq.declarations.models import InspectionOrder, SampleRequest
from openciq.lims import reports, services, worksheets
from openciq.lims.models import (
    AnalysisService,
    ControlChart,
    ImportMapping,
    Instrument,
    InstrumentCalibration,
    Method,
    ReferenceMaterial,
    Sample,
    Specification,
    Worksheet,
)
from openciq.masterdata.models import Country
from tests import personas
from tests.declaration_fixtures import World, world
from tests.factories import CountryFactory


@dataclass
class LabWorld:
    lab: OrgUnit
    other_lab: OrgUnit
    receptionist: User
    analyst: User
    analyst2: User
    head: User
    outsider_head: User
    method: Method
    cpf: AnalysisService
    pb: AnalysisService
    other_service: AnalysisService
    instrument: Instrument
    blank: ReferenceMaterial
    control: ReferenceMaterial
    mapping: ImportMapping
    hong_kong: Country
    _declarations: World | None = None

    @property
    def declarations(self) -> World:
        """The declarations' test world (an exporter, a port, an inspector), made when needed."""
        if self._declarations is None:
            self._declarations = world()
        return self._declarations

    def register(self, *codes: str, hs_code: str = "0709999000", destination: str = "HK") -> Sample:
        """A sample registered by hand for the given analysis service codes."""
        ids = list(
            AnalysisService.objects.filter(code__in=codes, laboratory=self.lab).values_list("pk", flat=True)
        )
        return services.sample_register(
            actor=self.receptionist,
            data=services.SampleInput(
                laboratory_id=self.lab.pk,
                description="菜心 Choy sum 2 kg",
                client_name="广州绿源蔬菜出口有限公司",
                service_ids=ids,
                hs_code=hs_code,
                destination_id=Country.objects.get(code=destination).pk,
            ),
        )

    def worksheet(self, *samples: Sample, duplicate: bool = False) -> Worksheet:
        """A run of the samples' waiting analyses with a blank and a control (and a duplicate of
        the first analysis), for the analyst."""
        ids = [
            a.pk
            for s in samples
            for a in s.analyses.filter(kind="routine", status="unassigned").order_by("service__code")
        ]
        return worksheets.worksheet_create(
            actor=self.head,
            method_id=self.method.pk,
            instrument_id=self.instrument.pk,
            analyst_id=self.analyst.pk,
            analysis_ids=ids,
            blank_ids=[self.blank.pk],
            control_ids=[self.control.pk],
            duplicate_ids=ids[:1] if duplicate else [],
        )

    def answer(self, request: SampleRequest, results: dict[str, str]) -> Sample:
        """The laboratory's whole work on a declaration's request, through the services:
        receipt of the named analyses, a controlled run, results, a second person's
        verification, publication (which reports back to the declaration)."""
        sample = Sample.objects.get(sample_request=request, retest_of__isnull=True)
        codes = list(results)
        ids = list(
            AnalysisService.objects.filter(code__in=codes, laboratory=self.lab).values_list("pk", flat=True)
        )
        services.sample_receive(actor=self.receptionist, sample_id=sample.pk, service_ids=ids)
        worksheet = self.worksheet(sample)
        for analysis in worksheet.analyses.select_related("service"):
            result = {"routine": results.get(analysis.service.code, ""), "blank": "ND"}.get(
                analysis.kind, "0.100"
            )
            services.analysis_submit(actor=self.analyst, analysis_id=analysis.pk, result=result)
        for analysis in sample.analyses.filter(kind="routine", status="to_be_verified"):
            services.analysis_verify(actor=self.analyst2, analysis_id=analysis.pk)
        reports.sample_publish(actor=self.head, sample_id=sample.pk)
        sample.refresh_from_db()
        return sample

    def sample_request(self, *, tests: str) -> SampleRequest:
        """An inspector's request to this laboratory from a declaration drawn for sampling."""
        w = self.declarations
        declaration = w.draft()
        declaration_services.declaration_submit(actor=w.enterprise_user, declaration_id=declaration.pk)
        draw, declaration_services.draw_random = declaration_services.draw_random, lambda: 0.0
        try:
            declaration_services.declaration_accept(actor=w.inspector, declaration_id=declaration.pk)
        finally:
            declaration_services.draw_random = draw
        order = InspectionOrder.objects.get(declaration=declaration)
        declaration_services.order_start(actor=w.inspector, order_id=order.pk)
        return declaration_services.sample_request_create(
            actor=w.inspector,
            order_id=order.pk,
            laboratory_id=self.lab.pk,
            sample_description="菜心 2 kg",
            tests=tests,
        )


def lab_world() -> LabWorld:
    head = personas.lab_head()
    food, chem = OrgUnit.objects.get(code="LAB-FOOD"), OrgUnit.objects.get(code="LAB-CHEM")
    today = timezone.localdate()
    with audit.scope(), transaction.atomic():
        method = Method.objects.create(
            code="M-PEST", name_zh="农药残留 GC-MS/MS", standard="GB 23200.113-2018", laboratory=food
        )
        common = {"laboratory": food, "method": method, "unit": "mg/kg", "uncertainty_percent": Decimal(20)}
        cpf = AnalysisService.objects.create(
            code="CPF",
            name_zh="毒死蜱",
            name_en="Chlorpyrifos",
            lod=Decimal("0.003"),
            loq=Decimal("0.01"),
            duplicate_variation=Decimal(15),
            turnaround_days=5,
            **common,
        )
        pb = AnalysisService.objects.create(
            code="PB",
            name_zh="铅",
            name_en="Lead",
            lod=Decimal("0.003"),
            loq=Decimal("0.01"),
            turnaround_days=7,
            **common,
        )
        hk = Country.objects.filter(code="HK").first() or CountryFactory(
            code="HK", alpha3="HKG", numeric="344", name_zh="中国香港", name_en="Hong Kong"
        )
        Specification.objects.create(
            service=cpf, hs_prefix="07", destination=hk, high=Decimal("0.05"), source="HK Cap. 132CM"
        )
        Specification.objects.create(
            service=pb, hs_prefix="", destination=None, high=Decimal("0.3"), source="GB 2762-2022"
        )
        chem_method = Method.objects.create(
            code="M-ICP", name_zh="重金属 ICP-MS", standard="GB 5009.268-2016", laboratory=chem
        )
        other = AnalysisService.objects.create(
            code="CD", name_zh="镉", laboratory=chem, method=chem_method, unit="mg/kg", loq=Decimal("0.005")
        )
        instrument = Instrument.objects.create(
            code="GCMS-01",
            name_zh="气质联用仪 1",
            kind="GC-MS/MS",
            laboratory=food,
            range_low=Decimal(0),
            range_high=Decimal(10),
            range_unit="mg/kg",
        )
        instrument.methods.add(method)
        InstrumentCalibration.objects.create(
            instrument=instrument,
            certificate_number="JJG-2026-001",
            calibrated_by="广东省计量院",
            calibrated_on=today - dt.timedelta(days=30),
            valid_until=today + dt.timedelta(days=335),
        )
        blank = ReferenceMaterial.objects.create(
            code="RM-CPF-BLANK", name_zh="空白", laboratory=food, service=cpf, is_blank=True
        )
        control = ReferenceMaterial.objects.create(
            code="RM-CPF-L1",
            name_zh="毒死蜱质控 0.1",
            laboratory=food,
            service=cpf,
            certified_value=Decimal("0.100"),
            expires_on=today + dt.timedelta(days=200),
        )
        ControlChart.objects.create(
            service=cpf,
            reference_material=control,
            mean=Decimal("0.100"),
            sd=Decimal("0.010"),
            established_on=today - dt.timedelta(days=60),
        )
        mapping = ImportMapping.objects.create(
            code="CSV",
            name_zh="通用 CSV",
            sample_column="Sample",
            keyword_column="Analyte",
            result_column="Result",
            unit_column="Unit",
        )
        audit.record(actor=head, action="tests.lab_world_created")
    return LabWorld(
        lab=food,
        other_lab=chem,
        receptionist=personas.lab_receptionist(),
        analyst=personas.lab_analyst(),
        analyst2=personas.lab_analyst_2(),
        head=head,
        outsider_head=personas.persona("lab_head_chem", "lab_supervisor", "LAB-CHEM"),
        method=method,
        cpf=cpf,
        pb=pb,
        other_service=other,
        instrument=instrument,
        blank=blank,
        control=control,
        mapping=mapping,
        hong_kong=hk,
    )
