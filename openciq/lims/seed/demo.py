"""About forty samples through the real services, so that every worklist holds something."""

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import OrgUnit, User
from openciq.lims.models import (
    Analysis,
    AnalysisService,
    ControlChart,
    ImportMapping,
    Instrument,
    ReferenceMaterial,
    Sample,
    Worksheet,
)
from openciq.lims.seed.people import ensure_staff
from openciq.lims.seed.reference import IMPORT_MAPPING
from openciq.masterdata.models import Country, Enterprise, Product


@contextmanager
def clock(days_ago: float) -> Iterator[None]:
    """Run the services as if it were ``days_ago`` days earlier (``timezone.now`` and everything
    derived from it: state times, due dates, custody, calibration checks). Audit events keep the
    real time. For the demo's history only: the seeder runs alone in its process."""
    real = timezone.now
    offset = dt.timedelta(days=days_ago)
    timezone.now = lambda: real() - offset  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real  # type: ignore[assignment]


VEGETABLE_TESTS = ("FD-CHLORPYRIFOS", "FD-CYPERMETHRIN", "FD-PROCYMIDONE", "FD-DIFENOCONAZOLE")
MEAT_TESTS = ("FD-CLENBUTEROL", "FD-RACTOPAMINE", "FD-SALMONELLA")
# Results entered for routine analyses unless a sample says otherwise (all conform).
DEMO_RESULTS = {
    "FD-CHLORPYRIFOS": "<0.01", "FD-CYPERMETHRIN": "0.05", "FD-PROCYMIDONE": "0.21",
    "FD-DIFENOCONAZOLE": "0.08", "FD-PB": "0.052", "FD-CLENBUTEROL": "<0.5", "FD-RACTOPAMINE": "<0.5",
    "FD-SALMONELLA": "not detected",
}  # fmt: skip


class Demo:
    """The demo's laboratory work, step by step through the services, as LAB-FOOD's people."""

    def __init__(self, rng: Any, actor: Any) -> None:
        from openciq.lims import services

        self.rng, self.system, self.services = rng, actor, services
        staff = ensure_staff(bureau=False)
        self.food = OrgUnit.objects.get(code="LAB-FOOD")
        crew = staff[self.food.pk]
        self.reception, self.head = crew.reception, crew.head
        self.analyst, self.analyst2 = crew.analysts[:2]
        self.svc = {s.code: s for s in AnalysisService.objects.select_related("method")}
        self.materials = {m.code: m for m in ReferenceMaterial.objects.all()}
        self.charts = {(c.service_id, c.reference_material_id): c for c in ControlChart.objects.all()}
        self.instruments = {i.code: i for i in Instrument.objects.all()}
        self.planned: dict[tuple[int, str], str] = {}
        products = list(Product.objects.filter(is_active=True).order_by("hs_code"))
        self.vegetables = [
            p for p in products if p.hs_code[:4] in ("0702", "0704", "0705", "0709")
        ] or products
        self.meat = [p for p in products if p.hs_code[:4] in ("0203", "0207", "1602")] or products
        self.clients = list(
            Enterprise.objects.filter(
                is_active=True, kind__in=("exporter", "farm", "packing_house")
            ).order_by("uscc")[:40]
        )
        self.countries = dict(
            Country.objects.filter(code__in=("HK", "MO", "DE", "JP")).values_list("code", "id")
        )

    # -- the steps ---------------------------------------------------------------------------

    def register(
        self, kind: str, *, dest: str | None = "HK", actor: Any = None, lab: OrgUnit | None = None,
        tests: Sequence[str] = (), description: str = "", hs: str = "",
    ) -> Sample:  # fmt: skip
        product = self.rng.choice(self.vegetables if kind == "veg" else self.meat) if kind else None
        codes = tests or ((*VEGETABLE_TESTS, "FD-PB") if kind == "veg" else MEAT_TESTS)
        client = self.rng.choice(self.clients) if self.clients else None
        data = self.services.SampleInput(
            laboratory_id=(lab or self.food).pk,
            description=description or f"{product.name_zh}（出口检验抽样）",
            service_ids=[self.svc[c].pk for c in codes],
            client_id=client.pk if client else None,
            client_name="" if client else "广州市民样品送检",
            product_id=product.pk if product else None,
            hs_code=product.hs_code if product else hs,
            destination_id=self.countries.get(dest) if dest else None,
            tests_requested="、".join(self.svc[c].name_zh for c in codes),
            quantity="2 kg" if kind else "1 件",
            date_sampled=timezone.localdate(),
        )
        return self.services.sample_register(actor=actor or self.reception, data=data)

    def receive(self, sample: Sample, actor: Any = None) -> Sample:
        cold = sample.laboratory_id == self.food.pk
        return self.services.sample_receive(
            actor=actor or self.reception,
            sample_id=sample.pk,
            storage_location="冷藏室 C2-03" if cold else "样品室 A-12",
            condition="冷藏，包装完好 / Chilled, packaging intact" if cold else "完好 / Intact",
        )

    def batch(self, n: int, kind: str, *, dest: str | None = "HK", **kwargs: Any) -> list[Sample]:
        samples = [self.register(kind, dest=dest, **kwargs) for _ in range(n)]
        return [self.receive(s) for s in samples]

    def worksheet(self, method: str, instrument: str, analyst: User, samples: Sequence[Sample]) -> Worksheet:
        from openciq.lims.worksheets import worksheet_create

        analyses = list(
            Analysis.objects.filter(sample__in=samples, service__method__code=method, status="unassigned")
            .select_related("service")
            .order_by("sample_id", "service__code")
        )
        numeric = [a for a in analyses if a.service.result_type == "numeric"]
        blank, control = self.materials.get(f"{method}-BLK"), self.materials.get(f"{method}-QC")
        return worksheet_create(
            actor=self.head,
            method_id=self.svc[analyses[0].service.code].method_id,
            instrument_id=self.instruments[instrument].pk,
            analyst_id=analyst.pk,
            analysis_ids=[a.pk for a in analyses],
            blank_ids=[blank.pk] if blank else [],
            control_ids=[control.pk] if control else [],
            duplicate_ids=[numeric[0].pk] if numeric else [],
        )

    def result(self, analysis: Analysis, *, off_by_sd: float = 0) -> str:
        """What the analyst enters: the plan for a routine analysis, "<LOQ" for a blank, the
        chart's mean (shifted by ``off_by_sd`` standard deviations) for a control."""
        service = analysis.service
        if analysis.kind == "routine":
            return self.planned.get(
                (analysis.sample_id, service.code), DEMO_RESULTS.get(service.code, "<0.01")
            )
        if analysis.kind == "duplicate":
            original = analysis.duplicate_of
            return self.result(original) if original else ""
        if service.result_type == "qualitative":
            return "not detected" if analysis.kind == "blank" else "detected"
        if analysis.kind == "blank":
            return f"<{service.loq.normalize():f}" if service.loq is not None else "0"
        chart = self.charts[(service.pk, analysis.reference_material_id)]
        return f"{(chart.mean + chart.sd * Decimal(str(off_by_sd))).normalize():f}"

    def enter(self, worksheet: Worksheet, analyst: User, *, off_by_sd: float = 0) -> None:
        rows = worksheet.analyses.select_related("service", "duplicate_of__service").order_by("kind", "id")
        for analysis in sorted(rows, key=lambda a: a.kind != "routine"):
            self.services.analysis_submit(
                actor=analyst, analysis_id=analysis.pk, result=self.result(analysis, off_by_sd=off_by_sd)
            )

    def import_file(self, worksheet: Worksheet, analyst: User) -> None:
        """The worksheet's results as the instrument exports them, read through the generic CSV
        mapping (routine rows by sample number, blank and control by material, duplicates as
        DUP-<sample>)."""
        from openciq.lims.worksheets import file_label, results_import

        lines = ["Sample,Analyte,Result,Unit"]
        for a in worksheet.analyses.select_related(
            "sample", "service", "reference_material", "duplicate_of__sample"
        ):
            lines.append(f"{file_label(a)},{a.service.code},{self.result(a)},{a.service.unit}")
        mapping = ImportMapping.objects.get(code=IMPORT_MAPPING[0])
        results_import(
            actor=analyst, worksheet_id=worksheet.pk, mapping_id=mapping.pk,
            data=("\n".join(lines) + "\n").encode(), filename=f"{worksheet.instrument.code}_{worksheet.number}.csv",
        )  # fmt: skip

    def verify(self, worksheet: Worksheet) -> None:
        for analysis in worksheet.analyses.filter(kind="routine", status="to_be_verified").order_by("id"):
            people = [u for u in (self.analyst2, self.head, self.analyst) if u.pk != analysis.submitted_by_id]
            for verifier in people[: analysis.verifications_required]:
                self.services.analysis_verify(actor=verifier, analysis_id=analysis.pk)

    def run(self) -> int:
        """The demo's samples, oldest first. Returns how many were registered."""
        from openciq.lims.reports import sample_publish

        a1, a2 = self.analyst, self.analyst2
        with clock(14):
            veg = self.batch(5, "veg", dest=None)
            meat = self.batch(3, "meat")
        self.planned[(veg[0].pk, "FD-CHLORPYRIFOS")] = "0.080"  # above GB 2763's 0.02: not conform
        with clock(14):  # bound for Hong Kong, just under its limit of 0.7 within U: inconclusive
            veg.append(self.receive(self.register("veg", dest="HK")))
            self.planned[(veg[-1].pk, "FD-CYPERMETHRIN")] = "0.68"
        with clock(13):
            sheets = [
                (self.worksheet("FD-PEST", "FD-GCMS-01", a1, veg), a1, "import"),
                (self.worksheet("FD-PB", "FD-AAS-01", a2, veg), a2, "enter"),
                (self.worksheet("FD-BAGON", "FD-LCMS-01", a1, meat), a1, "enter"),
                (self.worksheet("FD-SALM", "FD-VITEK-01", a2, meat), a2, "enter"),
            ]
        with clock(12):
            for sheet, analyst, how in sheets:
                self.import_file(sheet, analyst) if how == "import" else self.enter(sheet, analyst)
        with clock(11):
            for sheet, _analyst, _how in sheets:
                self.verify(sheet)
        with clock(10):
            for sample in veg[:5] + meat:
                sample_publish(actor=self.head, sample_id=sample.pk)
        with clock(8):
            self.services.sample_invalidate(
                actor=self.head, sample_id=veg[2].pk,
                reason="客户申诉，复核发现样品标签与送检单不符 / Client appeal: the label did not match the request form",
            )  # fmt: skip
        with clock(16):  # received long ago and still waiting: overdue
            overdue = self.batch(2, "veg", dest="MO")
        with clock(7):
            to_publish = self.batch(3, "veg", tests=VEGETABLE_TESTS)
        with clock(6):
            w5 = self.worksheet("FD-PEST", "FD-GCMS-01", a2, to_publish)
        with clock(5):
            self.enter(w5, a2)
        with clock(4):
            self.verify(w5)
            to_verify = self.batch(4, "veg", tests=VEGETABLE_TESTS)
        with clock(3):
            w6 = self.worksheet("FD-PEST", "FD-GCMS-01", a1, to_verify)
            failing = self.batch(3, "veg", tests=VEGETABLE_TESTS, dest="DE")
        with clock(2):
            self.enter(w6, a1)
            w7 = self.worksheet("FD-PEST", "FD-GCMS-02", a2, failing)
            in_analysis = self.batch(4, "veg")
        with clock(1):
            self.enter(w7, a2, off_by_sd=4.5)  # the control is beyond 3 SD: QC fails, GC-MS/MS 02 is blocked
            self.worksheet("FD-PEST", "FD-GCMS-01", a1, in_analysis)
            self.worksheet("FD-PB", "FD-AAS-01", a2, in_analysis)
            waiting = self.batch(2, "veg") + self.batch(2, "meat")
            rejected = self.batch(1, "meat")[0]
            self.services.sample_reject(
                actor=self.reception, sample_id=rejected.pk,
                reason="样品袋破损，冷链中断 / Bag torn, cold chain broken",
            )  # fmt: skip
        cancelled = self.register("veg")
        self.services.sample_cancel(
            actor=self.reception, sample_id=cancelled.pk, reason="重复登记 / Registered twice"
        )
        registered = [self.register(kind) for kind in ("veg", "meat", "veg")]
        made = len(veg) + len(meat) + len(overdue) + len(to_publish) + len(to_verify) + len(failing)
        made += len(in_analysis) + len(waiting) + 2 + len(registered)
        return made + self.from_declarations() + self.other_laboratories()

    def from_declarations(self) -> int:
        """Samples the inspector asks for under the demo's sampling orders (declarations seed):
        the first food sample goes all the way to a report, whose outcome reaches the order."""
        from openciq.declarations import selectors as inspection
        from openciq.declarations import services as declarations
        from openciq.lims.reports import sample_publish

        inspector = User.objects.filter(username="inspector").first()
        if inspector is None:
            return 0
        orders = [o for o in inspection.worklist(actor=inspector) if o.kind == "sampling"][:2]
        made = 0
        for n, order in enumerate(orders):
            if order.status == "open":
                declarations.order_start(actor=inspector, order_id=order.pk)
            request = declarations.sample_request_create(
                actor=inspector, order_id=order.pk, laboratory_id=self.food.pk,
                sample_description=f"{order.declaration.number} 抽样 / sample",
                tests="农药残留（毒死蜱、氯氰菊酯、腐霉利）、铅；菌落总数、沙门氏菌",
            )  # fmt: skip
            made += 1
            sample = Sample.objects.get(sample_request=request)
            if n > 0 or not sample.analyses.exists():
                continue
            self.receive(sample)
            sheets = []
            for method, instrument, analyst in (
                ("FD-PEST", "FD-GCMS-01", self.analyst), ("FD-PB", "FD-AAS-01", self.analyst),
                ("FD-APC", "FD-INC-01", self.analyst2), ("FD-SALM", "FD-VITEK-01", self.analyst2),
            ):  # fmt: skip
                if sample.analyses.filter(service__method__code=method).exists():
                    sheets.append((self.worksheet(method, instrument, analyst, [sample]), analyst))
            self.planned[(sample.pk, "FD-APC")] = "2300"
            for sheet, analyst in sheets:
                self.enter(sheet, analyst)
            for sheet, _analyst in sheets:
                self.verify(sheet)
            sample_publish(actor=self.head, sample_id=sample.pk)
        return made

    def other_laboratories(self) -> int:
        """A few samples in other laboratories, registered (and some received) by the system
        actor as an outside request would be, so their lists are not empty."""
        labs = {u.code: u for u in OrgUnit.objects.filter(code__in=("LAB-TEX", "LAB-PLANT", "LAB-ANIMAL"))}
        plan = [
            ("LAB-TEX", "棉制针织T恤衫（出口检验）", "610910", ("TX-FORMALDEHYDE", "TX-PH"), True),
            ("LAB-TEX", "合成纤维染色布", "540752", ("TX-FORMALDEHYDE", "TX-AZO-BZD", "TX-AZO-4ABP"), False),
            ("LAB-PLANT", "鲜荔枝（出口）", "081090", ("PL-BDOR", "PL-ZCUC"), False),
            ("LAB-ANIMAL", "出口活猪血清", "010391", ("AN-ASF-P72", "AN-CSF-PCR"), True),
        ]
        made = 0
        for code, description, hs, tests, received in plan:
            if code not in labs or not all(t in self.svc for t in tests):
                continue
            sample = self.register(
                "", dest="HK", actor=self.system, lab=labs[code], tests=tests, description=description, hs=hs
            )
            if received:
                self.receive(sample, actor=self.system)
            made += 1
        return made


def seed_demo(*, rng: Any, actor: Any) -> int:
    """About forty samples in every state, once (none are made when the demo's receptionist has
    registered samples already). Returns how many were made."""
    if Sample.objects.filter(registered_by__username="lab_reception").exists():
        return 0
    return Demo(rng, actor).run()
