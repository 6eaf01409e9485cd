"""Seeding the laboratories: the calendar, the reference data, the demo through the services
(every state, every worklist, a valid audit chain, nothing added by a second run) and the bulk
history at a reduced volume (its proportions, numbering, QC and verifications)."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter as Tally
from typing import Any

import pytest
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from openciq.accounts import seed as accounts_seed
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor
from openciq.core.audit import verify_chain
from openciq.core.models import AuditEvent, Counter
from openciq.core.workdays import add_working_days
from openciq.declarations import seed as declarations_seed
from openciq.declarations.models import SampleRequest
from openciq.lims import seed as lims_seed
from openciq.lims import selectors, services, units
from openciq.lims.choices import SampleStatus
from openciq.lims.instruments import instrument_problems
from openciq.lims.models import (
    Analysis,
    AnalysisService,
    Instrument,
    Method,
    Report,
    Sample,
    Verification,
    Worksheet,
)
from openciq.masterdata import seed as masterdata_seed
from openciq.masterdata.models import CalendarDay
from openciq.masterdata.selectors import calendar_exceptions
from openciq.ops.demo import demo_password

pytestmark = pytest.mark.django_db

SAMPLE_NUMBER = re.compile(r"^S(?P<year>\d{4})(?P<n>\d{6})$")
WORKSHEET_NUMBER = re.compile(r"^W(?P<year>\d{4})(?P<n>\d{5})$")


@pytest.fixture
def actor() -> User:
    """The demo's organisation and master data, as ``openciq seed --scale demo`` makes them."""
    system = system_actor()
    accounts_seed.seed(scale="demo", rng=random.Random("2011:accounts"), actor=system)
    masterdata_seed.seed(scale="demo", rng=random.Random("2011:masterdata"), actor=system)
    return system


def seed(actor: User, scale: str = "demo") -> None:
    lims_seed.seed(scale=scale, rng=random.Random("2011:lims"), actor=actor)


def people() -> dict[str, User]:
    return {
        u.username: u
        for u in User.objects.filter(username__in=["lab_reception", "analyst", "analyst2", "labhead"])
    }


# --- Calendar and reference data -----------------------------------------------------------------


def test_calendar_holds_the_published_holidays_and_make_up_days(actor: User) -> None:
    assert lims_seed.seed_calendar(actor=actor) > 100
    days = dict(CalendarDay.objects.values_list("date", "is_working_day"))
    assert days[dt.date(2024, 2, 4)] is True and days[dt.date(2024, 2, 12)] is False  # Spring Festival 2024
    assert days[dt.date(2025, 1, 26)] is True and days[dt.date(2025, 2, 4)] is False  # Spring Festival 2025
    assert days[dt.date(2025, 10, 8)] is False and days[dt.date(2025, 10, 11)] is True  # National Day 2025
    assert days[dt.date(2026, 2, 14)] is True and days[dt.date(2026, 2, 23)] is False  # Spring Festival 2026
    assert days[dt.date(2026, 5, 9)] is True and days[dt.date(2026, 9, 20)] is True  # make-up days 2026
    assert "estimated" in CalendarDay.objects.get(date=dt.date(2027, 2, 8)).name
    exceptions = calendar_exceptions(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    assert add_working_days(dt.date(2026, 9, 30), 1, exceptions) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 30), 2, exceptions) == dt.date(2026, 10, 9)
    assert add_working_days(dt.date(2026, 9, 30), 3, exceptions) == dt.date(2026, 10, 10)  # a Saturday worked
    assert lims_seed.seed_calendar(actor=actor) == 0
    assert AuditEvent.objects.filter(action="masterdata.calendar_seeded").count() == 1


def test_reference_data_gives_every_laboratory_methods_services_and_usable_instruments(actor: User) -> None:
    made = lims_seed.seed_reference(actor=actor)
    assert made["methods"] == 45 and made["services"] == 175
    for lab in OrgUnit.objects.filter(kind="laboratory"):
        assert 4 <= Method.objects.filter(laboratory=lab).count() <= 6
        assert 20 <= AnalysisService.objects.filter(laboratory=lab).count() <= 60
    numeric = AnalysisService.objects.filter(result_type="numeric")
    assert all(units.is_known(s.unit) for s in numeric)
    assert not numeric.filter(loq__isnull=False, lod__gt=F("loq")).exists()
    today = timezone.localdate()
    problems = {i.code: instrument_problems(i, today) for i in Instrument.objects.all()}
    assert [code for code, found in problems.items() if found] == ["FD-AAS-02", "FD-LCMS-02"]
    for method in Method.objects.prefetch_related("instruments"):
        assert any(not problems[i.code] for i in method.instruments.all()), method.code
    assert lims_seed.seed_reference(actor=actor) == {}
    assert AuditEvent.objects.filter(action="lims.reference_seeded").count() == 1


# --- Demo ----------------------------------------------------------------------------------------


@pytest.fixture
def demo(actor: User) -> User:
    declarations_seed.seed(scale="demo", rng=random.Random("2011:declarations"), actor=actor)
    seed(actor)
    return actor


def test_demo_seed_leaves_every_state_and_every_worklist_filled_and_the_chain_valid(demo: User) -> None:
    assert 38 <= Sample.objects.count() <= 46
    assert set(Sample.objects.values_list("status", flat=True)) == set(SampleStatus.values)
    users = people()
    assert set(users) == {"lab_reception", "analyst", "analyst2", "labhead"}
    assert all(u.check_password(demo_password(name)) for name, u in users.items())
    labhead, analyst, analyst2 = users["labhead"], users["analyst"], users["analyst2"]
    lists = {
        "reception": selectors.reception_worklist(actor=users["lab_reception"]),
        "queue": selectors.unassigned_analyses(actor=labhead),
        "mine (analyst)": selectors.analyst_worklist(actor=analyst),
        "mine (analyst2)": selectors.analyst_worklist(actor=analyst2),
        "to verify (labhead)": selectors.verifier_worklist(actor=labhead),
        "to verify (analyst2)": selectors.verifier_worklist(actor=analyst2),
        "overdue": selectors.overdue_samples(actor=labhead),
        "to publish": selectors.to_publish(actor=labhead),
        "failed worksheets": selectors.failed_worksheets(actor=labhead),
        "blocked instruments": selectors.blocked_instruments(actor=labhead),
    }
    assert {name: rows.exists() for name, rows in lists.items()} == dict.fromkeys(lists, True)
    assert set(Sample.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "conform",
        "not_conform",
        "inconclusive",
    }
    reports = Report.objects.select_related("sample")
    assert reports.count() >= 8 and all(r.pdf.name and len(r.sha256) == 64 for r in reports)
    retest = Sample.objects.get(retest_of__isnull=False)
    assert (retest.retest_of.status, retest.status) == ("invalid", "received")
    reported = SampleRequest.objects.filter(status="reported").get()
    assert reported.external_ref == Sample.objects.get(sample_request=reported).number
    assert verify_chain() == (AuditEvent.objects.count(), None)


def test_a_second_demo_run_adds_nothing(demo: User) -> None:
    before = (
        Sample.objects.count(),
        Analysis.objects.count(),
        Method.objects.count(),
        AuditEvent.objects.count(),
    )
    seed(demo)
    assert (
        Sample.objects.count(),
        Analysis.objects.count(),
        Method.objects.count(),
        AuditEvent.objects.count(),
    ) == before


# --- Bureau history, at a reduced volume ------------------------------------------------------------


@pytest.fixture
def history(actor: User, request: Any) -> dict[str, Any]:
    lims_seed.seed_calendar(actor=actor)
    lims_seed.seed_reference(actor=actor)
    count = getattr(request, "param", 1500)
    # A fixed "now" (a Wednesday, mid-afternoon in Guangzhou): which samples are still open
    # depends on the hour, and the test must not depend on when it runs.
    now = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return lims_seed.seed_history(
        count=count, months=14, rng=random.Random("2011:lims"), actor=actor, chunk_size=count // 3, now=now
    )


@pytest.mark.parametrize("history", [1500], indirect=True)
def test_history_has_the_bureaus_proportions(history: dict[str, Any]) -> None:
    samples = Sample.objects.all()
    assert history["samples"] == samples.count() >= 1500
    states = Tally(samples.values_list("status", flat=True))
    assert states["published"] / samples.count() > 0.85
    assert {"registered", "received", "in_analysis", "to_be_verified", "rejected", "cancelled"} <= set(states)
    outcomes = Tally(samples.filter(status__in=["verified", "published"]).values_list("outcome", flat=True))
    judged = sum(outcomes.values())
    assert 0.01 <= outcomes["not_conform"] / judged <= 0.08
    assert outcomes["inconclusive"] < outcomes["not_conform"]
    routine = Analysis.objects.filter(kind="routine")
    assert (
        7
        <= routine.filter(retest_of__isnull=True).count() / samples.filter(retest_of__isnull=True).count()
        <= 10
    )
    residues = routine.filter(service__method__code="FD-PEST").exclude(result="")
    assert residues.filter(censored=True).count() / residues.count() > 0.8
    assert set(residues.filter(censored=True).values_list("result", flat=True)) <= {"<0.01", "<0.002"}


@pytest.mark.parametrize("history", [1500], indirect=True)
def test_history_numbers_follow_the_services_and_counters_are_advanced(
    history: dict[str, Any], actor: User
) -> None:
    highest: dict[str, int] = {}
    for number in Sample.objects.filter(retest_of__isnull=True).values_list("number", flat=True):
        match = SAMPLE_NUMBER.match(number)
        assert match, number
        name = f"lims-sample:{match['year']}"
        highest[name] = max(highest.get(name, 0), int(match["n"]))
    for number in Worksheet.objects.values_list("number", flat=True):
        match = WORKSHEET_NUMBER.match(number)
        assert match, number
        name = f"lims-worksheet:{match['year']}"
        highest[name] = max(highest.get(name, 0), int(match["n"]))
    assert dict(Counter.objects.filter(name__in=highest).values_list("name", "value")) == highest
    assert all(s.number == f"{s.retest_of.number}-R1" for s in Sample.objects.filter(retest_of__isnull=False))
    food = OrgUnit.objects.get(code="LAB-FOOD")
    service = AnalysisService.objects.get(code="FD-PB")
    sample = services.sample_register(
        actor=people()["lab_reception"],
        data=services.SampleInput(
            laboratory_id=food.pk, description="菜心", service_ids=[service.pk], client_name="x"
        ),
    )
    year = timezone.localdate().year
    assert sample.number == f"S{year}{highest[f'lims-sample:{year}'] + 1:06d}"


@pytest.mark.parametrize("history", [1500], indirect=True)
def test_history_worksheets_carry_qc_and_verified_results_their_verifications(
    history: dict[str, Any],
) -> None:
    run = Worksheet.objects.exclude(status="open")
    assert not run.annotate(qc=Count("analyses", filter=~Q(analyses__kind="routine"))).filter(qc=0).exists()
    failed = Worksheet.objects.filter(qc_status="failed")
    assert failed.exists() and set(failed.values_list("status", flat=True)) == {"retracted"}
    retracted = Analysis.objects.filter(kind="routine", worksheet__in=failed)
    assert retracted.count() == Analysis.objects.filter(retest_of__in=retracted).count()
    verified = Analysis.objects.filter(kind="routine", status__in=["verified", "published"])
    needed = sum(verified.values_list("verifications_required", flat=True))
    assert Verification.objects.filter(analysis__in=verified).count() == needed
    assert not Verification.objects.filter(verifier_id=F("analysis__submitted_by_id")).exists()
    sizes = run.annotate(n=Count("analyses")).aggregate(biggest=Max("n"))
    assert sizes["biggest"] <= 46  # 40 routine at most, with a few retests or QC on top


@pytest.mark.parametrize("history", [1500], indirect=True)
def test_history_is_audited_per_chunk_and_a_second_run_adds_nothing(
    history: dict[str, Any], actor: User
) -> None:
    assert AuditEvent.objects.filter(action="lims.history_seeded").count() == history["chunks"] >= 3
    assert verify_chain() == (AuditEvent.objects.count(), None)
    count = Sample.objects.count()
    again = lims_seed.seed_history(count=1500, months=14, rng=random.Random("2011:lims"), actor=actor)
    assert again == {} and Sample.objects.count() == count
