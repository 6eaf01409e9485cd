"""A small laboratory for tests, shared by the API, page and browser tests.

``lab_world()`` gives the food laboratory (LAB-FOOD) its pesticide-residue method on a GC-MS/MS
with a calibration valid today, two analysis services with limits, a blank and a control with
its control chart, the instrument's CSV mapping, and the laboratory's people. Reference data is
made directly in an audit scope (like ``tests.factories``); samples and worksheets are made
through the services, as the people would (``received_sample``, ``worksheet``). The people are
the personas of ``tests.personas``, fetched if a test made them already.

The ``make_*`` builders make one more object of a kind with a fresh code (the CRUD tests use
them for objects in and out of a scoped user's area).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.declarations import services as declaration_services
from openciq.declarations.models import InspectionOrder, SampleRequest
from openciq.lims import reports, services, worksheets
from openciq.lims.models import (
    Analysis,
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
from tests import factories as f
from tests import personas
from tests.declaration_fixtures import World, world

M = TypeVar("M", bound=models.Model)
_seq = itertools.count(1)


def _create(model: type[M], **values: Any) -> M:
    with audit.scope(), transaction.atomic():
        obj: M = model._default_manager.create(**values)
        audit.record(actor=system_actor(), action="tests.fixture_created", obj=obj)
    # As read back: decimals carry the column's places, as in every later read (ETags compare).
    return model._default_manager.get(pk=obj.pk)


def _person(make: Callable[[], User]) -> User:
    """The persona whose username is the function's name, made once."""
    return User.objects.filter(username=make.__name__).first() or make()


def laboratory(code: str = "LAB-FOOD") -> OrgUnit:
    personas.org_tree()
    return OrgUnit.objects.get(code=code)


def today() -> dt.date:
    return timezone.localdate()


# --- Builders: one more object each, with a fresh code ----------------------------------------


def make_method(lab: OrgUnit | None = None, **values: Any) -> Method:
    n = next(_seq)
    return _create(
        Method,
        **{
            "code": f"M-{n:04d}",
            "name_zh": f"测试方法{n}",
            "laboratory": lab or laboratory(),
            "standard": f"GB/T {n}-2026",
            **values,
        },
    )


def make_service(lab: OrgUnit | None = None, method: Method | None = None, **values: Any) -> AnalysisService:
    n = next(_seq)
    lab = lab or (method.laboratory if method else laboratory())
    return _create(
        AnalysisService,
        **{
            "code": f"AN-{n:04d}",
            "name_zh": f"测试项目{n}",
            "laboratory": lab,
            "method": method or make_method(lab),
            "unit": "mg/kg",
            "lod": Decimal("0.005"),
            "loq": Decimal("0.01"),
            "uncertainty_percent": Decimal("20"),
            **values,
        },
    )


def make_specification(service: AnalysisService | None = None, **values: Any) -> Specification:
    return _create(
        Specification,
        **{
            "service": service or make_service(),
            "hs_prefix": f"{next(_seq) % 10000:04d}",
            "high": Decimal("0.05"),
            **values,
        },
    )


def make_instrument(lab: OrgUnit | None = None, methods: Iterable[Method] = (), **values: Any) -> Instrument:
    n = next(_seq)
    instrument = _create(
        Instrument,
        **{
            "code": f"INS-{n:04d}",
            "name_zh": f"测试仪器{n}",
            "laboratory": lab or laboratory(),
            "kind": "GC-MS/MS",
            **values,
        },
    )
    instrument.methods.add(*methods)
    return instrument


def make_calibration(instrument: Instrument | None = None, **values: Any) -> InstrumentCalibration:
    return _create(
        InstrumentCalibration,
        **{
            "instrument": instrument or make_instrument(),
            "certificate_number": f"JZ2026-{next(_seq):04d}",
            "calibrated_by": "广东省计量科学研究院",
            "calibrated_on": today() - dt.timedelta(days=30),
            "valid_until": today() + dt.timedelta(days=335),
            **values,
        },
    )


def make_reference_material(
    lab: OrgUnit | None = None, service: AnalysisService | None = None, **values: Any
) -> ReferenceMaterial:
    n = next(_seq)
    lab = lab or (service.laboratory if service else laboratory())
    return _create(
        ReferenceMaterial,
        **{
            "code": f"RM-{n:04d}",
            "name_zh": f"测试标准物质{n}",
            "laboratory": lab,
            "service": service or make_service(lab),
            **values,
        },
    )


def make_control_chart(material: ReferenceMaterial | None = None, **values: Any) -> ControlChart:
    material = material or make_reference_material(certified_value=Decimal("0.1"))
    return _create(
        ControlChart,
        **{
            "service": material.service,
            "reference_material": material,
            "mean": Decimal("0.100"),
            "sd": Decimal("0.005"),
            "established_on": today() - dt.timedelta(days=60),
            **values,
        },
    )


def make_import_mapping(**values: Any) -> ImportMapping:
    n = next(_seq)
    return _create(
        ImportMapping,
        **{
            "code": f"MAP-{n:04d}",
            "name_zh": f"测试导入格式{n}",
            "sample_column": "Sample ID",
            "keyword_column": "Analyte",
            "result_column": "Result",
            "unit_column": "Unit",
            **values,
        },
    )


# --- The laboratory ---------------------------------------------------------------------------


@dataclass
class LabWorld:
    laboratory: OrgUnit  # LAB-FOOD
    other_laboratory: OrgUnit  # LAB-CHEM
    hong_kong: Country
    method: Method  # pesticide residues by GC-MS/MS, one verification
    chlorpyrifos: AnalysisService  # mg/kg, LOQ 0.01; limit 0.05 for choy sum (HS 0704) to Hong Kong
    cypermethrin: AnalysisService  # mg/kg, LOQ 0.02; limit 0.5 for any goods and destination
    instrument: Instrument  # qualified for the method, range 0-10 mg/kg
    calibration: InstrumentCalibration  # valid today
    blank: ReferenceMaterial  # for chlorpyrifos
    control: ReferenceMaterial  # chlorpyrifos 0.100 mg/kg
    chart: ControlChart  # mean 0.100, SD 0.005
    mapping: ImportMapping  # "Sample ID", "Analyte", "Result", "Unit"
    receptionist: User
    analyst: User
    analyst_2: User
    head: User
    chem_analyst: User  # of LAB-CHEM

    @property
    def services(self) -> list[AnalysisService]:
        return [self.chlorpyrifos, self.cypermethrin]

    def sample_input(self, **overrides: Any) -> services.SampleInput:
        values: dict[str, Any] = {
            "laboratory_id": self.laboratory.pk,
            "description": "菜心 2 kg",
            "service_ids": [s.pk for s in self.services],
            "client_name": "广州绿源蔬菜出口有限公司",
            "hs_code": "070490",
            "destination_id": self.hong_kong.pk,
            **overrides,
        }
        return services.SampleInput(**values)

    def registered_sample(self, **overrides: Any) -> Sample:
        return services.sample_register(actor=self.receptionist, data=self.sample_input(**overrides))

    def received_sample(self, **overrides: Any) -> Sample:
        sample = self.registered_sample(**overrides)
        return services.sample_receive(
            actor=self.receptionist, sample_id=sample.pk, storage_location="冷藏柜 A-3"
        )

    def worksheet(
        self, samples: Sequence[Sample], *, blank: bool = True, control: bool = True, duplicate: bool = False
    ) -> Worksheet:
        """A worksheet of the samples' waiting analyses for the analyst, planned by the laboratory
        head (with a duplicate of the first analysis if asked)."""
        analyses = Analysis.objects.filter(
            sample__in=samples, service__method=self.method, status="unassigned"
        ).order_by("sample_id", "service__code")
        ids = [a.pk for a in analyses]
        return worksheets.worksheet_create(
            actor=self.head,
            method_id=self.method.pk,
            instrument_id=self.instrument.pk,
            analyst_id=self.analyst.pk,
            analysis_ids=ids,
            blank_ids=[self.blank.pk] if blank else [],
            control_ids=[self.control.pk] if control else [],
            duplicate_ids=ids[:1] if duplicate else [],
        )

    def register(self, *codes: str, **overrides: Any) -> Sample:
        """A sample registered by hand for the analysis services with these codes (none: no
        analyses yet)."""
        ids = [s.pk for s in self.services if s.code in codes]
        return self.registered_sample(service_ids=ids, **overrides)

    @cached_property
    def other_service(self) -> AnalysisService:
        """An analysis service of the other laboratory (cadmium by ICP-MS)."""
        return make_service(self.other_laboratory, code="CD", name_zh="镉", name_en="Cadmium")

    @cached_property
    def outsider_head(self) -> User:
        """The head of the other laboratory."""
        return personas.persona("lab_head_chem", "lab_supervisor", "LAB-CHEM")

    @cached_property
    def declarations(self) -> World:
        """The declarations' test world (an exporter, a port, an inspector), made when needed."""
        return world()

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
            laboratory_id=self.laboratory.pk,
            sample_description="菜心 2 kg",
            tests=tests,
        )

    def answer(self, request: SampleRequest, results: dict[str, str]) -> Sample:
        """The laboratory's whole work on a declaration's request, through the services:
        receipt of the named analyses, a controlled run, results, a second person's
        verification, publication (which reports back to the declaration)."""
        sample = Sample.objects.get(sample_request=request, retest_of__isnull=True)
        ids = [s.pk for s in self.services if s.code in results]
        services.sample_receive(actor=self.receptionist, sample_id=sample.pk, service_ids=ids)
        worksheet = self.worksheet([sample])
        for analysis in worksheet.analyses.select_related("service"):
            result = {"routine": results.get(analysis.service.code, ""), "blank": "ND"}.get(
                analysis.kind, "0.100"
            )
            services.analysis_submit(actor=self.analyst, analysis_id=analysis.pk, result=result)
        for analysis in sample.analyses.filter(kind="routine", status="to_be_verified"):
            services.analysis_verify(actor=self.analyst_2, analysis_id=analysis.pk)
        reports.sample_publish(actor=self.head, sample_id=sample.pk)
        sample.refresh_from_db()
        return sample

    def results_file(self, rows: Iterable[tuple[str, str, str, str]]) -> bytes:
        """An instrument export in the mapping's layout: (label, keyword, result, unit) rows."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["Sample ID", "Analyte", "Result", "Unit"])
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")


def lab_world() -> LabWorld:
    food = laboratory("LAB-FOOD")
    method = make_method(
        food,
        code="GB23200.113",
        name_zh="植物源性食品中农药残留量的测定 气相色谱-质谱联用法",
        name_en="Pesticide residues in foods of plant origin, GC-MS/MS",
        standard="GB 23200.113-2018",
        accredited=True,
    )
    common = {
        "method": method,
        "category": "农药残留",
        "turnaround_days": 5,
        "price": Decimal("300"),
        "accredited": True,
    }
    chlorpyrifos = make_service(food, code="CHLORPYRIFOS", name_zh="毒死蜱", name_en="Chlorpyrifos", **common)
    cypermethrin = make_service(
        food,
        code="CYPERMETHRIN",
        name_zh="氯氰菊酯",
        name_en="Cypermethrin",
        lod=Decimal("0.01"),
        loq=Decimal("0.02"),
        **common,
    )
    hong_kong = Country.objects.filter(code="HK").first() or f.CountryFactory(
        code="HK", alpha3="HKG", numeric="344", name_zh="中国香港", name_en="Hong Kong"
    )
    make_specification(
        chlorpyrifos, hs_prefix="0704", destination=hong_kong, high=Decimal("0.05"), source="GB 2763-2021"
    )
    make_specification(cypermethrin, hs_prefix="", high=Decimal("0.5"), source="GB 2763-2021")
    instrument = make_instrument(
        food,
        [method],
        code="GCMSMS-01",
        name_zh="气相色谱-三重四极杆质谱联用仪",
        name_en="GC-MS/MS",
        manufacturer="Agilent",
        model_name="8890/7000D",
        serial_number="SG2201A001",
        range_low=Decimal("0"),
        range_high=Decimal("10"),
        range_unit="mg/kg",
    )
    control = make_reference_material(
        food,
        chlorpyrifos,
        code="CRM-CPF",
        name_zh="毒死蜱质控样",
        lot="L2026-01",
        certified_value=Decimal("0.100"),
        certified_uncertainty=Decimal("0.008"),
        expires_on=today() + dt.timedelta(days=365),
    )
    return LabWorld(
        laboratory=food,
        other_laboratory=laboratory("LAB-CHEM"),
        hong_kong=hong_kong,
        method=method,
        chlorpyrifos=chlorpyrifos,
        cypermethrin=cypermethrin,
        instrument=instrument,
        calibration=make_calibration(instrument),
        blank=make_reference_material(
            food, chlorpyrifos, code="BLK-VEG", name_zh="空白蔬菜基质", is_blank=True
        ),
        control=control,
        chart=make_control_chart(control),
        mapping=make_import_mapping(code="MASSHUNTER", name_zh="安捷伦 MassHunter 定量结果导出"),
        receptionist=_person(personas.lab_receptionist),
        analyst=_person(personas.lab_analyst),
        analyst_2=_person(personas.lab_analyst_2),
        head=_person(personas.lab_head),
        chem_analyst=_person(personas.lab_analyst_chem),
    )
