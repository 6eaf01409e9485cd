"""The laboratory's services: every transition and guard, the QC gate, four eyes, immutability,
invalidation with retest, partitions, custody, the CSV import and the flow back to the
declaration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.models import AuditEvent
from openciq.lims import reports, services, worksheets
from openciq.lims.choices import AnalysisStatus, SampleStatus
from openciq.lims.models import Analysis, CustodyEvent, Instrument, Method, Sample, Worksheet
from tests import personas
from tests.lims_fixtures import LabWorld, lab_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def english() -> Any:
    """Messages in English for the tests that read them."""
    with translation.override("en"):
        yield


@pytest.fixture
def lw() -> LabWorld:
    return lab_world()


def received(lw: LabWorld, *service_codes: str) -> Sample:
    """Choy sum for Hong Kong, received with the analyses of these service codes."""
    sample = lw.register(*service_codes)
    return services.sample_receive(actor=lw.receptionist, sample_id=sample.pk, storage_location="冷库 A-3")


def run(
    lw: LabWorld,
    sample: Sample,
    results: dict[str, str] | None = None,
    *,
    blank: str = "ND",
    control: str = "0.100",
) -> Worksheet:
    """A worksheet with the sample's analyses, a blank and a control: the routine results (if
    given) typed in, then the QC results."""
    worksheet = lw.worksheet([sample])
    if results:
        enter(lw, sample, results)
    for analysis in worksheet.analyses.exclude(kind="routine"):
        services.analysis_submit(
            actor=lw.analyst, analysis_id=analysis.pk, result=blank if analysis.kind == "blank" else control
        )
    return worksheet


def routine(sample: Sample) -> list[Analysis]:
    return list(sample.analyses.filter(kind="routine").exclude(status="retracted").order_by("service__code"))


def enter(lw: LabWorld, sample: Sample, results: dict[str, str]) -> None:
    for analysis in routine(sample):
        services.analysis_submit(
            actor=lw.analyst, analysis_id=analysis.pk, result=results[analysis.service.code]
        )


# --- Registration and receipt ------------------------------------------------------------------


def test_register_by_hand_needs_a_client_and_names_the_field(lw: LabWorld) -> None:
    before = Sample.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.sample_register(
            actor=lw.receptionist,
            data=services.SampleInput(
                laboratory_id=lw.laboratory.pk, description="菜心", service_ids=[lw.chlorpyrifos.pk]
            ),
        )
    assert set(caught.value.fields) == {"client_name"}
    assert Sample.objects.count() == before


def test_register_refuses_another_laboratorys_service(lw: LabWorld) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.sample_register(
            actor=lw.receptionist,
            data=services.SampleInput(
                laboratory_id=lw.laboratory.pk,
                description="菜心",
                client_name="客户",
                service_ids=[lw.other_service.pk],
            ),
        )
    assert "services" in caught.value.fields


def test_register_refuses_a_laboratory_outside_the_actors_unit(lw: LabWorld) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.sample_register(
            actor=lw.receptionist,
            data=services.SampleInput(
                laboratory_id=lw.other_laboratory.pk, description="x", client_name="客户"
            ),
        )
    assert "laboratory" in caught.value.fields


def test_receipt_sets_working_day_due_dates_and_custody(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS", "CYPERMETHRIN")
    assert sample.status == "received"
    start = timezone.localdate(sample.received_at)
    dues = {a.service.code: a.due_date for a in routine(sample)}
    assert dues["CHLORPYRIFOS"] == services.due_date(start, lw.chlorpyrifos.turnaround_days)
    assert dues["CYPERMETHRIN"] == services.due_date(start, lw.cypermethrin.turnaround_days)
    assert sample.due_date == max(dues.values())
    assert list(sample.custody.values_list("kind", "location")) == [
        ("registered", ""),
        ("received", "冷库 A-3"),
    ]


def test_due_dates_skip_the_calendars_holidays(lw: LabWorld) -> None:
    from openciq.core import audit
    from openciq.masterdata.models import CalendarDay

    monday = dt.date(2026, 9, 28)
    with audit.scope():
        day = CalendarDay.objects.create(date=dt.date(2026, 9, 29), name="节前", is_working_day=False)
        audit.record(actor=lw.head, action="masterdata.calendarday_created", obj=day)
    assert services.due_date(monday, 2) == dt.date(2026, 10, 1)  # Tue off: Wed, Thu


def test_receipt_without_any_analysis_is_refused(lw: LabWorld) -> None:
    sample = lw.register()
    with pytest.raises(ValidationFailed) as caught:
        services.sample_receive(actor=lw.receptionist, sample_id=sample.pk)
    assert "services" in caught.value.fields
    assert Sample.objects.get(pk=sample.pk).status == "registered"


def test_analyst_may_not_receive(lw: LabWorld) -> None:
    sample = lw.register("CHLORPYRIFOS")
    with pytest.raises(PermissionDeniedError):
        services.sample_receive(actor=lw.analyst, sample_id=sample.pk)


def test_other_laboratory_gets_not_found(lw: LabWorld) -> None:
    sample = lw.register("CHLORPYRIFOS")
    with pytest.raises(NotFoundError):
        services.sample_cancel(actor=lw.outsider_head, sample_id=sample.pk, reason="x")


def disallowed(model: Any, verbs: list[str], states: list[str]) -> list[tuple[str, str]]:
    """The (state, verb) pairs the model's transition table refuses."""
    return [(state, verb) for verb in verbs for state in states if state not in model.transitions[verb][0]]


@pytest.mark.parametrize(
    ("state", "verb"),
    disallowed(
        Sample,
        ["receive", "partition", "reject", "cancel", "invalidate", "publish"],
        list(SampleStatus.values),
    ),
)
def test_sample_transition_table(lw: LabWorld, state: str, verb: str) -> None:
    """Every (state, verb) pair the table disallows is refused with 409 naming the state."""
    sample = lw.register("CHLORPYRIFOS")
    Sample.objects.filter(pk=sample.pk).update(status=state)
    calls = {
        "receive": lambda: services.sample_receive(actor=lw.head, sample_id=sample.pk),
        "partition": lambda: services.sample_partition(
            actor=lw.head,
            sample_id=sample.pk,
            parts=[services.PartitionInput(lw.other_laboratory.pk, [lw.other_service.pk])],
        ),
        "reject": lambda: services.sample_reject(actor=lw.head, sample_id=sample.pk, reason="破损"),
        "cancel": lambda: services.sample_cancel(actor=lw.head, sample_id=sample.pk, reason="重复登记"),
        "invalidate": lambda: services.sample_invalidate(actor=lw.head, sample_id=sample.pk, reason="错误"),
        "publish": lambda: reports.sample_publish(actor=lw.head, sample_id=sample.pk),
    }
    with pytest.raises(TransitionNotAllowed) as caught:
        calls[verb]()
    assert caught.value.fields == {"status": [state]}
    assert Sample.objects.get(pk=sample.pk).status == state


@pytest.mark.parametrize(
    ("state", "verb"),
    disallowed(Analysis, ["submit", "verify", "retract", "reject"], list(AnalysisStatus.values)),
)
def test_analysis_transition_table(lw: LabWorld, state: str, verb: str) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    analysis = routine(sample)[0]
    Analysis.objects.filter(pk=analysis.pk).update(status=state)
    calls = {
        "submit": lambda: services.analysis_submit(actor=lw.head, analysis_id=analysis.pk, result="0.01"),
        "verify": lambda: services.analysis_verify(actor=lw.head, analysis_id=analysis.pk),
        "retract": lambda: services.analysis_retract(actor=lw.head, analysis_id=analysis.pk, reason="x"),
        "reject": lambda: services.analysis_reject(actor=lw.head, analysis_id=analysis.pk, reason="x"),
    }
    with pytest.raises(TransitionNotAllowed):
        calls[verb]()
    assert Analysis.objects.get(pk=analysis.pk).status == state


# --- Results -------------------------------------------------------------------------------------


def test_result_in_another_unit_is_converted_and_judged_with_uncertainty(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    run(lw, sample)
    analysis = routine(sample)[0]
    services.analysis_submit(actor=lw.analyst, analysis_id=analysis.pk, result="48", unit="ug/kg")
    analysis.refresh_from_db()
    # 0.048 mg/kg against the Hong Kong limit 0.05 with U = 20 %: 0.048 ± 0.0096 straddles it.
    assert (analysis.value, analysis.unit, analysis.uncertainty) == (
        Decimal("0.048"),
        "mg/kg",
        Decimal("0.0096"),
    )
    assert (analysis.spec_high, analysis.decision_rule, analysis.outcome) == (
        Decimal("0.05"),
        "guarded",
        "inconclusive",
    )
    assert analysis.status == "to_be_verified"


@pytest.mark.parametrize(
    ("result", "unit", "field"),
    [
        ("0.02", "mg/L", "unit"),
        ("0.02", "furlong", "unit"),
        ("abc", "", "result"),
        ("", "", "result"),
        ("50", "", "result"),
    ],
)
def test_bad_results_name_the_field_and_change_nothing(
    lw: LabWorld, result: str, unit: str, field: str
) -> None:
    """A wrong unit, an unknown unit, not a number, nothing, outside the instrument's range (0 to 10)."""
    sample = received(lw, "CHLORPYRIFOS")
    run(lw, sample)
    analysis = routine(sample)[0]
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        services.analysis_submit(actor=lw.analyst, analysis_id=analysis.pk, result=result, unit=unit)
    assert field in caught.value.fields
    analysis.refresh_from_db()
    assert (analysis.status, analysis.result, analysis.value) == ("assigned", "", None)
    assert AuditEvent.objects.count() == events


def test_uncalibrated_instrument_refuses_results(lw: LabWorld, english: Any) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = run(lw, sample)
    lw.instrument.calibrations.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed) as caught:
        services.analysis_submit(actor=lw.analyst, analysis_id=routine(sample)[0].pk, result="0.01")
    assert "calibration" in " ".join(caught.value.fields["instrument"])
    assert worksheet.analyses.filter(kind="routine", status="assigned").count() == 1


def test_below_loq_is_reported_as_censored_and_conforms(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    run(lw, sample)
    analysis = routine(sample)[0]
    services.analysis_submit(actor=lw.analyst, analysis_id=analysis.pk, result="0.004")
    analysis.refresh_from_db()
    assert (analysis.censored, analysis.value, analysis.outcome) == (True, lw.chlorpyrifos.loq, "conform")


def test_worksheet_needs_a_control_and_a_qualified_valid_instrument(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    ids = [a.pk for a in routine(sample)]
    with pytest.raises(ValidationFailed) as caught:
        worksheets.worksheet_create(
            actor=lw.head,
            method_id=lw.method.pk,
            instrument_id=lw.instrument.pk,
            analyst_id=lw.analyst.pk,
            analysis_ids=ids,
        )
    assert "controls" in caught.value.fields
    Instrument.objects.filter(pk=lw.instrument.pk).update(out_of_service=True)
    with pytest.raises(ValidationFailed) as caught:
        worksheets.worksheet_create(
            actor=lw.head,
            method_id=lw.method.pk,
            instrument_id=lw.instrument.pk,
            analyst_id=lw.analyst.pk,
            analysis_ids=ids,
            control_ids=[lw.control.pk],
        )
    assert "instrument" in caught.value.fields
    assert not Worksheet.objects.exists()


# --- Quality control ---------------------------------------------------------------------------


def test_qc_pass_lets_a_second_person_verify_and_the_sample_follows(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = run(lw, sample, {"CHLORPYRIFOS": "0.020"})
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.qc_status) == ("to_be_verified", "passed")
    sample.refresh_from_db()
    assert sample.status == "to_be_verified"
    analysis = routine(sample)[0]
    with pytest.raises(ValidationFailed) as caught:
        services.analysis_verify(actor=lw.analyst, analysis_id=analysis.pk)
    assert "verifier" in caught.value.fields
    services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    sample.refresh_from_db()
    worksheet.refresh_from_db()
    assert (sample.status, sample.outcome, worksheet.status) == ("verified", "conform", "verified")
    analysis.refresh_from_db()
    assert analysis.turnaround_days == 0
    assert list(analysis.verifications.values_list("verifier__username", flat=True)) == [
        lw.analyst_2.username
    ]


def test_control_beyond_3sd_fails_qc_blocks_release_and_the_instrument(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = run(lw, sample, {"CHLORPYRIFOS": "0.020"}, control="0.140")  # chart 0.100 ± 0.005: +8 SD
    worksheet.refresh_from_db()
    assert worksheet.qc_status == "failed"
    assert "1_3s" in worksheet.analyses.get(kind="control").qc_flags
    with pytest.raises(TransitionNotAllowed) as caught:
        services.analysis_verify(actor=lw.analyst_2, analysis_id=routine(sample)[0].pk)
    assert "worksheet" in caught.value.fields
    assert Instrument.objects.get(pk=lw.instrument.pk).qc_blocked_at is not None
    # Nothing more can be measured on it until the head releases it after corrective action.
    other = received(lw, "CHLORPYRIFOS")
    with pytest.raises(ValidationFailed):
        lw.worksheet([other])
    with pytest.raises(ValidationFailed) as caught:
        worksheets.instrument_release(actor=lw.head, instrument_id=lw.instrument.pk, note=" ")
    assert "note" in caught.value.fields
    worksheets.instrument_release(actor=lw.head, instrument_id=lw.instrument.pk, note="重新校准 recalibrated")
    # The failed run is retracted: its result gets a retest that goes on a new run.
    worksheets.worksheet_retract(
        actor=lw.head, worksheet_id=worksheet.pk, reason="质控失控 QC out of control"
    )
    original = Analysis.objects.get(sample=sample, kind="routine", status="retracted")
    retest = Analysis.objects.get(retest_of=original)
    assert (original.result, retest.status) == ("0.020", "unassigned")
    assert Sample.objects.get(pk=sample.pk).status in ("received", "in_analysis")


def test_blank_above_loq_fails_qc(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = run(lw, sample, {"CHLORPYRIFOS": "0.020"}, blank="0.03")
    worksheet.refresh_from_db()
    assert worksheet.qc_status == "failed"
    assert worksheet.analyses.get(kind="blank").qc_flags == ["blank_above_limit"]


def test_duplicates_differing_too_much_fail_qc(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = lw.worksheet([sample], duplicate=True)
    for qc in worksheet.analyses.exclude(kind="routine").exclude(kind="duplicate"):
        services.analysis_submit(
            actor=lw.analyst, analysis_id=qc.pk, result="ND" if qc.kind == "blank" else "0.100"
        )
    enter(lw, sample, {"CHLORPYRIFOS": "0.200"})
    duplicate = worksheet.analyses.get(kind="duplicate")
    services.analysis_submit(
        actor=lw.analyst, analysis_id=duplicate.pk, result="0.300"
    )  # 40 % apart, 15 % allowed
    worksheet.refresh_from_db()
    assert worksheet.qc_status == "failed"
    assert Analysis.objects.get(pk=duplicate.pk).qc_flags == ["duplicate_variation"]


def test_two_controls_beyond_2sd_in_a_row_fail_on_the_second_run(lw: LabWorld) -> None:
    first = received(lw, "CHLORPYRIFOS")
    run(lw, first, {"CHLORPYRIFOS": "0.01"}, control="0.1125")  # +2.5 SD: a 1-2s warning only
    assert first.analyses.get(kind="routine").worksheet.qc_status == "passed"
    second = received(lw, "CHLORPYRIFOS")
    worksheet = run(lw, second, {"CHLORPYRIFOS": "0.01"}, control="0.112")
    worksheet.refresh_from_db()
    assert worksheet.qc_status == "failed"
    assert "2_2s" in worksheet.analyses.get(kind="control").qc_flags


# --- Verification ------------------------------------------------------------------------------


def test_two_verifications_by_different_people_when_the_method_asks(lw: LabWorld) -> None:
    Method.objects.filter(pk=lw.method.pk).update(required_verifications=2)
    sample = received(lw, "CHLORPYRIFOS")
    run(lw, sample, {"CHLORPYRIFOS": "0.020"})
    analysis = routine(sample)[0]
    services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    assert Analysis.objects.get(pk=analysis.pk).status == "to_be_verified"
    with pytest.raises(ValidationFailed) as caught:
        services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    assert "verifier" in caught.value.fields
    services.analysis_verify(actor=lw.head, analysis_id=analysis.pk)
    assert Analysis.objects.get(pk=analysis.pk).status == "verified"


def test_verified_result_cannot_be_changed_only_retracted_with_a_retest(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    run(lw, sample, {"CHLORPYRIFOS": "0.020"})
    analysis = routine(sample)[0]
    services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    with pytest.raises(TransitionNotAllowed):
        services.analysis_submit(actor=lw.analyst, analysis_id=analysis.pk, result="0.030")
    assert Analysis.objects.get(pk=analysis.pk).result == "0.020"
    with pytest.raises(ValidationFailed) as caught:
        services.analysis_retract(actor=lw.head, analysis_id=analysis.pk, reason="")
    assert "reason" in caught.value.fields
    retest = services.analysis_retract(actor=lw.head, analysis_id=analysis.pk, reason="计算错误")
    analysis.refresh_from_db()
    assert (analysis.status, analysis.result, retest.retest_of_id, retest.status) == (
        "retracted",
        "0.020",
        analysis.pk,
        "unassigned",
    )
    assert Sample.objects.get(pk=sample.pk).status == "received"  # its only analysis waits again
    actions = list(
        AuditEvent.objects.filter(object_id=str(analysis.pk), action__startswith="lims.result_").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["lims.result_retracted", "lims.result_submitted", "lims.result_verified"]


# --- Publication, invalidation, the declaration ---------------------------------------------------


def verified(lw: LabWorld, results: dict[str, str], **kwargs: Any) -> Sample:
    sample = received(lw, *results, **kwargs)
    run(lw, sample, results)
    for analysis in routine(sample):
        services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    sample.refresh_from_db()
    assert sample.status == "verified"
    return sample


def test_publish_renders_the_report_and_the_worst_outcome(lw: LabWorld) -> None:
    sample = verified(lw, {"CHLORPYRIFOS": "0.300", "CYPERMETHRIN": "0.05"})
    report = reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    sample.refresh_from_db()
    assert (sample.status, sample.outcome, report.outcome) == ("published", "not_conform", "not_conform")
    data = report.pdf.read()
    assert data.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert set(Analysis.objects.filter(sample=sample, kind="routine").values_list("status", flat=True)) == {
        "published"
    }


def test_only_the_head_publishes(lw: LabWorld) -> None:
    sample = verified(lw, {"CHLORPYRIFOS": "0.020"})
    with pytest.raises(PermissionDeniedError):
        reports.sample_publish(actor=lw.analyst_2, sample_id=sample.pk)


def test_invalidation_keeps_the_original_and_the_retests_report_replaces_it(lw: LabWorld) -> None:
    sample = verified(lw, {"CHLORPYRIFOS": "0.020"})
    first = reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    retest = services.sample_invalidate(actor=lw.head, sample_id=sample.pk, reason="样品标识错误 mislabelled")
    sample.refresh_from_db()
    first.refresh_from_db()
    assert (sample.status, retest.retest_of_id, retest.status, retest.number) == (
        "invalid",
        sample.pk,
        "received",
        f"{sample.number}-R1",
    )
    assert first.withdrawn_at is not None
    assert Analysis.objects.get(sample=sample, kind="routine").result == "0.020"  # still visible
    run(lw, retest, {"CHLORPYRIFOS": "0.030"})
    services.analysis_verify(actor=lw.analyst_2, analysis_id=routine(retest)[0].pk)
    second = reports.sample_publish(actor=lw.head, sample_id=retest.pk)
    assert second.replaces_id == first.pk


def test_partitions_go_to_other_laboratories_and_the_parent_waits_for_them(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    (part,) = services.sample_partition(
        actor=lw.head,
        sample_id=sample.pk,
        parts=[services.PartitionInput(lw.other_laboratory.pk, [lw.other_service.pk], "重金属")],
    )
    assert (part.number, part.parent_id, part.laboratory_id, part.status) == (
        f"{sample.number}-P1",
        sample.pk,
        lw.other_laboratory.pk,
        "received",
    )
    run(lw, sample, {"CHLORPYRIFOS": "0.020"})
    services.analysis_verify(actor=lw.analyst_2, analysis_id=routine(sample)[0].pk)
    sample.refresh_from_db()
    assert sample.status == "in_analysis"  # the partition is not done
    with pytest.raises(ValidationFailed) as caught:
        services.sample_partition(
            actor=lw.head, sample_id=sample.pk, parts=[services.PartitionInput(lw.other_laboratory.pk, [])]
        )
    assert "parts[0].services" in caught.value.fields


def test_custody_disposal_only_after_the_work(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    with pytest.raises(ValidationFailed) as caught:
        services.custody_record(actor=lw.receptionist, sample_id=sample.pk, kind="disposed")
    assert "kind" in caught.value.fields
    services.custody_record(
        actor=lw.receptionist, sample_id=sample.pk, kind="transferred", holder_id=lw.analyst.pk, note="交检测"
    )
    services.custody_record(actor=lw.analyst, sample_id=sample.pk, kind="stored", location="冷库 B-1")
    assert Sample.objects.get(pk=sample.pk).storage_location == "冷库 B-1"
    assert list(CustodyEvent.objects.filter(sample=sample).values_list("kind", flat=True)) == [
        "registered",
        "received",
        "transferred",
        "stored",
    ]


def test_declaration_sample_request_flows_through_the_laboratory_and_back(lw: LabWorld) -> None:
    request = lw.sample_request(tests="毒死蜱; 氯氰菊酯")
    sample = Sample.objects.get(sample_request=request)
    assert sample.status == "registered"
    assert request.external_ref == sample.number
    assert sorted(a.service.code for a in sample.analyses.all()) == ["CHLORPYRIFOS", "CYPERMETHRIN"]
    services.sample_receive(actor=lw.receptionist, sample_id=sample.pk)
    request.refresh_from_db()
    assert request.status == "received"
    run(lw, sample, {"CHLORPYRIFOS": "0.300", "CYPERMETHRIN": "0.05"})
    for analysis in routine(sample):
        services.analysis_verify(actor=lw.analyst_2, analysis_id=analysis.pk)
    report = reports.sample_publish(actor=lw.head, sample_id=sample.pk)
    request.refresh_from_db()
    assert (request.status, request.result, request.external_ref) == (
        "reported",
        "not_conform",
        sample.number,
    )
    assert "0.300" in request.result_summary
    assert report.number in request.result_summary


def test_inspector_downloads_the_report_of_their_request_and_nobody_else_does(
    lw: LabWorld, client: Any
) -> None:
    request = lw.sample_request(tests="氯氰菊酯")
    lw.answer(request, {"CYPERMETHRIN": "0.05"})
    url = f"/lims/sample-requests/{request.pk}/report/"
    client.force_login(lw.declarations.inspector)
    answer = client.get(url)
    assert (answer.status_code, answer["Content-Type"]) == (200, "application/pdf")
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    client.force_login(personas.inspector_sz())  # another branch: not their declaration
    assert client.get(url).status_code == 404


def test_rejected_sample_tells_the_declaration_there_is_no_result(lw: LabWorld) -> None:
    request = lw.sample_request(tests="毒死蜱")
    sample = Sample.objects.get(sample_request=request)
    services.sample_reject(actor=lw.receptionist, sample_id=sample.pk, reason="包装破损 leaking")
    request.refresh_from_db()
    assert (request.status, request.result) == ("reported", "inconclusive")
    assert "leaking" in request.result_summary


# --- Instrument files ---------------------------------------------------------------------------


def csv_for(worksheet: Worksheet, results: dict[str, str]) -> bytes:
    lines = ["Sample ID,Analyte,Result,Unit"]
    for analysis in worksheet.analyses.select_related(
        "sample", "service", "reference_material", "duplicate_of__sample"
    ):
        label = worksheets.file_label(analysis)
        lines.append(f"{label},{analysis.service.code},{results.get(analysis.kind, '0.02')},mg/kg")
    return ("\n".join(lines) + "\n").encode()


def test_import_enters_every_result_in_one_audit_event(lw: LabWorld) -> None:
    samples = [received(lw, "CHLORPYRIFOS") for _ in range(3)]
    worksheet = lw.worksheet(samples)
    events = AuditEvent.objects.count()
    done = worksheets.results_import(
        actor=lw.analyst,
        worksheet_id=worksheet.pk,
        mapping_id=lw.mapping.pk,
        data=csv_for(worksheet, {"blank": "ND", "control": "0.101"}),
        filename="run.csv",
    )
    assert len(done) == 5
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.order_by("-id").first().action == "lims.results_imported"
    worksheet.refresh_from_db()
    assert (worksheet.status, worksheet.qc_status) == ("to_be_verified", "passed")
    assert set(Sample.objects.filter(pk__in=[s.pk for s in samples]).values_list("status", flat=True)) == {
        "to_be_verified"
    }


def test_import_with_one_bad_row_stores_nothing_and_names_line_and_column(lw: LabWorld, english: Any) -> None:
    samples = [received(lw, "CHLORPYRIFOS") for _ in range(2)]
    worksheet = lw.worksheet(samples)
    lines = csv_for(worksheet, {"blank": "ND", "control": "0.101"}).decode().splitlines()
    bad = next(n for n, line in enumerate(lines, start=1) if line.startswith(samples[1].number))
    lines[bad - 1] = lines[bad - 1].replace("mg/kg", "mg/L")
    data = ("\n".join(lines) + "\n").encode()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        worksheets.results_import(
            actor=lw.analyst, worksheet_id=worksheet.pk, mapping_id=lw.mapping.pk, data=data
        )
    (message,) = caught.value.fields["file"]
    assert message == f"Line {bad}, column Unit: mg/L cannot be converted to mg/kg."
    assert set(worksheet.analyses.values_list("status", flat=True)) == {"assigned"}
    assert AuditEvent.objects.count() == events


def test_import_refuses_rows_not_on_the_worksheet(lw: LabWorld, english: Any) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = lw.worksheet([sample])
    data = csv_for(worksheet, {"blank": "ND", "control": "0.101"}) + b"S1999000001,CHLORPYRIFOS,0.01,mg/kg\n"
    with pytest.raises(ValidationFailed) as caught:
        worksheets.results_import(
            actor=lw.analyst, worksheet_id=worksheet.pk, mapping_id=lw.mapping.pk, data=data
        )
    assert "S1999000001" in caught.value.fields["file"][0]
    assert "column Sample ID" in caught.value.fields["file"][0]


def test_other_analyst_may_not_import_into_my_worksheet(lw: LabWorld) -> None:
    sample = received(lw, "CHLORPYRIFOS")
    worksheet = lw.worksheet([sample])
    with pytest.raises(PermissionDeniedError):
        worksheets.results_import(
            actor=lw.analyst_2, worksheet_id=worksheet.pk, mapping_id=lw.mapping.pk, data=b""
        )
    assert set(worksheet.analyses.values_list("status", flat=True)) == {"assigned"}


def test_request_text_matches_whole_codes_and_names_only(lw: LabWorld) -> None:
    """The text names 毒死蜱 in Chinese and Cypermethrin in English; a longer word that merely
    starts with a service's code does not name it."""
    assert services._match_services(lw.laboratory, "毒死蜱") == [lw.chlorpyrifos.pk]
    assert services._match_services(lw.laboratory, "cypermethrin, lead") == [lw.cypermethrin.pk]
    assert services._match_services(lw.laboratory, "CHLORPYRIFOSMETHYL residues") == []
