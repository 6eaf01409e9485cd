"""Writes on samples and analyses: registration, receipt, partitions, custody, result entry,
verification, retraction, rejection and invalidation.

Every service is one transaction with its own audit event and locks the row it moves; the
transition tables live on the models. A sample's analysis states (registered → received → in
analysis → to be verified → verified) follow from its analyses and partitions (``roll_up``),
as in SENAITE. Worksheets and quality control are in ``worksheets.py``; publication in
``reports.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.accounts.models import OrgUnit, org_scope_q
from openciq.accounts.services import is_system_actor
from openciq.core import audit
from openciq.core.errors import NotFoundError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from openciq.core.numbering import next_value
from openciq.core.permissions import require_permission
from openciq.core.workdays import add_working_days, working_days_between
from openciq.lims import decision, units
from openciq.lims.choices import (
    DEAD_ANALYSIS_STATES,
    AnalysisKind,
    AnalysisStatus,
    CustodyKind,
    Outcome,
    Priority,
    QcStatus,
    ResultType,
    SampleStatus,
)
from openciq.lims.instruments import instrument_problems
from openciq.lims.models import (
    Analysis,
    AnalysisService,
    CustodyEvent,
    Instrument,
    Sample,
    Specification,
    Verification,
)
from openciq.masterdata.models import Country, Enterprise, Product
from openciq.masterdata.selectors import calendar_exceptions

M = TypeVar("M", bound=Model)

VERB_LABELS = {
    "receive": gettext_lazy("receipt"),
    "partition": gettext_lazy("partitioning"),
    "start": gettext_lazy("analysis"),
    "submit": gettext_lazy("result entry"),
    "verify": gettext_lazy("verification"),
    "retract": gettext_lazy("retraction"),
    "publish": gettext_lazy("publication"),
    "reject": gettext_lazy("rejection"),
    "cancel": gettext_lazy("cancellation"),
    "invalidate": gettext_lazy("invalidation"),
    "assign": gettext_lazy("assignment"),
    "unassign": gettext_lazy("unassignment"),
    "add": gettext_lazy("adding analyses"),
}
# Rank of the analysis states a sample's state follows from.
_PROGRESS = {"unassigned": 0, "assigned": 1, "to_be_verified": 2, "verified": 3, "published": 4}
_SAMPLE_PROGRESS = {"received": 0, "in_analysis": 1, "to_be_verified": 2, "verified": 3, "published": 4}
_WORST = {Outcome.CONFORM: 0, Outcome.INCONCLUSIVE: 1, Outcome.NOT_CONFORM: 2}


# --- Shared helpers --------------------------------------------------------------------------


def require(actor: Any, perm: str) -> None:
    """The permission, or the system actor (jobs, instrument imports), which acts for the bureau."""
    require_permission(actor, perm, exempt=is_system_actor)


def lock(model: type[M], actor: Any, pk: int) -> M:
    """The row, locked for this transaction; 404 when it is outside the actor's scope."""
    manager: Any = model._default_manager
    if not is_system_actor(actor) and not manager.in_scope(actor).filter(pk=pk).exists():
        raise NotFoundError(_("Not found."))
    obj: M | None = manager.select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(_("Not found."))
    return obj


def check(obj: Any, verb: str) -> None:
    """Refuse ``verb`` unless the object's state allows it (``transitions`` on the model)."""
    allowed_from, _to = type(obj).transitions[verb]
    if obj.status not in allowed_from:
        raise TransitionNotAllowed(
            _("%(object)s is %(state)s; %(action)s is not possible in that state.")
            % {"object": str(obj), "state": obj.get_status_display(), "action": VERB_LABELS[verb]},
            fields={"status": [obj.status]},
        )


def today() -> dt.date:
    return timezone.localdate()


def due_date(start: dt.date, working_days: int) -> dt.date:
    """``working_days`` working days after ``start`` by the bureau's calendar."""
    horizon = start + dt.timedelta(days=working_days * 2 + 30)
    return add_working_days(start, working_days, calendar_exceptions(start, horizon))


def working_days_taken(start: dt.date, end: dt.date) -> int:
    return working_days_between(start, end, calendar_exceptions(start, end))


def _custody(sample: Sample, kind: str, holder: Any, location: str = "", note: str = "") -> None:
    CustodyEvent.objects.create(
        sample=sample, kind=kind, holder=holder, location=location, note=note[:300], at=timezone.now()
    )


def _services(
    laboratory: OrgUnit, service_ids: Iterable[int], errors: dict[str, list[str]]
) -> list[AnalysisService]:
    ids = list(dict.fromkeys(int(i) for i in service_ids))
    found = {
        s.pk: s
        for s in AnalysisService.objects.select_related("method").filter(
            pk__in=ids, laboratory=laboratory, is_active=True
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        errors["services"] = [
            _("Analysis services %(ids)s are not offered by %(lab)s.")
            % {"ids": ", ".join(map(str, missing)), "lab": laboratory.name}
        ]
    return [found[i] for i in ids if i in found]


def _new_analyses(
    sample: Sample, services: Sequence[AnalysisService], *, due: dt.date | None = None
) -> list[Analysis]:
    present = set(
        sample.analyses.exclude(status__in=DEAD_ANALYSIS_STATES).values_list("service_id", flat=True)
    )
    rows = [
        Analysis(
            kind=AnalysisKind.ROUTINE,
            sample=sample,
            laboratory_id=sample.laboratory_id,
            service=service,
            status=AnalysisStatus.UNASSIGNED,
            verifications_required=service.verifications_required,
            due_date=due,
        )
        for service in services
        if service.pk not in present
    ]
    for row in rows:
        row.save()
    return rows


def _set_due_dates(sample: Sample, start: dt.date) -> None:
    """Due dates from the day of receipt: each analysis its service's turnaround (halved for
    urgent samples), the sample the latest of them."""
    latest: dt.date | None = None
    for analysis in sample.analyses.select_related("service").exclude(status__in=DEAD_ANALYSIS_STATES):
        days = analysis.service.turnaround_days
        if sample.priority == Priority.URGENT:
            days = max(1, (days + 1) // 2)
        analysis.due_date = due_date(start, days)
        analysis.save(update_fields=["due_date", "updated_at"])
        latest = max(latest, analysis.due_date) if latest else analysis.due_date
    sample.due_date = latest


# --- Registration --------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleInput:
    """What is known of a sample when it is registered."""

    laboratory_id: int
    description: str
    service_ids: Sequence[int] = ()
    client_id: int | None = None
    client_name: str = ""
    product_id: int | None = None
    hs_code: str = ""
    destination_id: int | None = None
    tests_requested: str = ""
    priority: str = Priority.NORMAL
    quantity: str = ""
    date_sampled: dt.date | None = None


def _register(
    actor: Any, data: SampleInput, *, sample_request: Any = None, check_scope: bool = True
) -> Sample:
    errors: dict[str, list[str]] = {}
    labs = OrgUnit.objects.filter(kind="laboratory", is_active=True)
    if check_scope and not is_system_actor(actor):
        labs = labs.filter(org_scope_q(actor, "path"))
    laboratory = labs.filter(pk=data.laboratory_id).first()
    if laboratory is None:
        raise ValidationFailed(
            _("The sample was not registered."),
            fields={"laboratory": [_("Choose one of your laboratories.")]},
        )
    if not data.description.strip():
        errors["description"] = [_("This field is required.")]
    if data.client_id is None and not data.client_name.strip() and sample_request is None:
        errors["client_name"] = [_("Name the client or choose an enterprise.")]
    if data.client_id is not None and not Enterprise.objects.filter(pk=data.client_id).exists():
        errors["client"] = [_("Unknown enterprise.")]
    if data.product_id is not None and not Product.objects.filter(pk=data.product_id).exists():
        errors["product"] = [_("Unknown product.")]
    if data.destination_id is not None and not Country.objects.filter(pk=data.destination_id).exists():
        errors["destination"] = [_("Unknown country.")]
    if data.priority not in Priority.values:
        errors["priority"] = [_("Choose normal or urgent.")]
    services = _services(laboratory, data.service_ids, errors)
    if errors:
        raise ValidationFailed(_("The sample was not registered."), fields=errors)
    year = timezone.localdate().year
    sample = Sample.objects.create(
        number=f"S{year}{next_value(f'lims-sample:{year}'):06d}",
        laboratory=laboratory,
        sample_request=sample_request,
        client_id=data.client_id,
        client_name=data.client_name.strip(),
        description=data.description.strip(),
        product_id=data.product_id,
        hs_code=data.hs_code.strip(),
        destination_id=data.destination_id,
        tests_requested=data.tests_requested.strip(),
        priority=data.priority,
        quantity=data.quantity.strip(),
        date_sampled=data.date_sampled,
        status=SampleStatus.REGISTERED,
        status_changed_at=timezone.now(),
        registered_by=actor,
    )
    _new_analyses(sample, services)
    _custody(sample, CustodyKind.REGISTERED, actor)
    audit.record(
        actor=actor,
        action="lims.sample_registered",
        obj=sample,
        changes={
            **audit.diff(None, audit.snapshot(sample)),
            "analyses": [None, [s.code for s in services]],
        },
    )
    return sample


@audit.audited
def sample_register(*, actor: Any, data: SampleInput) -> Sample:
    """A sample brought to the laboratory by hand (not from a declaration). → registered.
    Permission ``lims.add_sample``. Audit ``lims.sample_registered``."""
    require(actor, "lims.add_sample")
    return _register(actor, data)


def _match_services(laboratory: OrgUnit, tests: str) -> list[int]:
    """Analysis services of the laboratory named in a free-text request (code or name)."""
    text = tests.casefold()

    def named(word: str) -> bool:  # a whole word: "PB" is not in "PBO", "lead" not in "leader"
        return bool(word) and re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", text) is not None

    return [
        pk
        for pk, code, name_zh, name_en in AnalysisService.objects.filter(
            laboratory=laboratory, is_active=True
        ).values_list("pk", "code", "name_zh", "name_en")
        # Chinese is written without spaces: a Chinese name matches anywhere in the text.
        if named(code) or (name_zh and name_zh in tests) or named(name_en)
    ]


class LaboratoryHandler:
    """The laboratory side of ``declarations.sampling``: a sample request becomes a registered
    sample, its tests matched to the laboratory's analysis services where the text names them."""

    def submit(self, *, actor: Any, request: Any) -> str:
        declaration = request.declaration
        line = request.line or declaration.lines.order_by("line_no").first()
        sample = _register(
            actor,
            SampleInput(
                laboratory_id=request.laboratory_id,
                description=request.sample_description,
                service_ids=_match_services(request.laboratory, request.tests),
                client_id=declaration.enterprise_id,
                product_id=line.product_id if line else None,
                hs_code=line.hs_code if line else "",
                destination_id=declaration.destination_id,
                tests_requested=request.tests,
            ),
            sample_request=request,
            check_scope=False,
        )
        return sample.number

    def cancel(self, *, actor: Any, request: Any) -> None:
        reason = _("The declaration was cancelled.")
        for sample in Sample.objects.filter(sample_request=request, parent__isnull=True):
            if sample.status == SampleStatus.REGISTERED:
                _end(actor, sample, "cancel", SampleStatus.CANCELLED, reason, tell_requester=False)
            elif sample.status in Sample.transitions["reject"][0]:
                _end(actor, sample, "reject", SampleStatus.REJECTED, reason, tell_requester=False)


# --- Receipt, partitions, custody ------------------------------------------------------------


@audit.audited
def sample_receive(
    *,
    actor: Any,
    sample_id: int,
    service_ids: Sequence[int] = (),
    storage_location: str = "",
    condition: str = "",
) -> Sample:
    """registered → received: the laboratory has the sample. Adds the analyses chosen at the
    counter, sets due dates in working days and tells the declaration. Permission
    ``lims.receive_sample``. Audit ``lims.sample_received``."""
    require(actor, "lims.receive_sample")
    sample = lock(Sample, actor, sample_id)
    check(sample, "receive")
    errors: dict[str, list[str]] = {}
    services = _services(sample.laboratory, service_ids, errors)
    if not errors and not services and not sample.analyses.exclude(status__in=DEAD_ANALYSIS_STATES).exists():
        errors["services"] = [_("Choose at least one analysis.")]
    if errors:
        raise ValidationFailed(_("The sample was not received."), fields=errors)
    before = audit.snapshot(sample)
    added = _new_analyses(sample, services)
    now = timezone.now()
    sample.status, sample.status_changed_at, sample.received_at = SampleStatus.RECEIVED, now, now
    sample.storage_location = storage_location.strip()[:100]
    sample.condition = condition.strip()[:200]
    _set_due_dates(sample, timezone.localdate(now))
    sample.save()
    _custody(sample, CustodyKind.RECEIVED, actor, sample.storage_location, sample.condition)
    changes = audit.diff(before, audit.snapshot(sample))
    if added:
        changes["analyses"] = [None, [a.service.code for a in added]]
    audit.record(actor=actor, action="lims.sample_received", obj=sample, changes=changes)
    if sample.sample_request_id:
        from openciq.declarations.services import sample_request_receive

        sample_request_receive(
            actor=actor, sample_request_id=sample.sample_request_id, external_ref=sample.number
        )
    return sample


@dataclass(frozen=True)
class PartitionInput:
    laboratory_id: int
    service_ids: Sequence[int]
    description: str = ""


@audit.audited
def sample_partition(*, actor: Any, sample_id: int, parts: Sequence[PartitionInput]) -> list[Sample]:
    """Split a received sample: each part goes to a laboratory (this one or another) with its
    own analyses; the parent's state and report follow its partitions. Permission
    ``lims.partition_sample``. Audit ``lims.sample_partitioned`` (and one
    ``lims.sample_registered`` per part)."""
    require(actor, "lims.partition_sample")
    sample = lock(Sample, actor, sample_id)
    check(sample, "partition")
    if sample.parent_id:
        raise ValidationFailed(
            _("A partition cannot be partitioned again."),
            fields={"parts": [_("Partition the parent sample.")]},
        )
    if not parts:
        raise ValidationFailed(
            _("The sample was not partitioned."), fields={"parts": [_("Add at least one part.")]}
        )
    errors: dict[str, list[str]] = {}
    planned: list[tuple[OrgUnit, list[AnalysisService], str]] = []
    for index, wanted in enumerate(parts):
        laboratory = OrgUnit.objects.filter(
            pk=wanted.laboratory_id, kind="laboratory", is_active=True
        ).first()
        part_errors: dict[str, list[str]] = {}
        if laboratory is None:
            part_errors["laboratory"] = [_("Choose one of the bureau's laboratories.")]
        else:
            services = _services(laboratory, wanted.service_ids, part_errors)
            if not services and not part_errors:
                part_errors["services"] = [_("Choose at least one analysis.")]
            if not part_errors:
                planned.append((laboratory, services, wanted.description.strip()))
        for field, messages in part_errors.items():
            errors[f"parts[{index}].{field}"] = messages
    if errors:
        raise ValidationFailed(_("The sample was not partitioned."), fields=errors)
    existing = sample.partitions.count()
    now = timezone.now()
    created: list[Sample] = []
    for offset, (laboratory, services, description) in enumerate(planned, start=1):
        part = Sample.objects.create(
            number=f"{sample.number}-P{existing + offset}",
            laboratory=laboratory,
            parent=sample,
            sample_request=None,
            client_id=sample.client_id,
            client_name=sample.client_name,
            description=description or sample.description,
            product_id=sample.product_id,
            hs_code=sample.hs_code,
            destination_id=sample.destination_id,
            tests_requested=sample.tests_requested,
            priority=sample.priority,
            date_sampled=sample.date_sampled,
            status=SampleStatus.RECEIVED,
            status_changed_at=now,
            received_at=now,
            registered_by=actor,
        )
        _new_analyses(part, services)
        _set_due_dates(part, timezone.localdate(now))
        part.save()
        _custody(part, CustodyKind.PARTITIONED, actor, note=sample.number)
        audit.record(
            actor=actor,
            action="lims.sample_registered",
            obj=part,
            changes=audit.diff(None, audit.snapshot(part)),
        )
        created.append(part)
    before = audit.snapshot(sample)
    sample.due_date = max([d for d in [sample.due_date, *(p.due_date for p in created)] if d], default=None)
    sample.save()
    _custody(sample, CustodyKind.PARTITIONED, actor, note=", ".join(p.number for p in created))
    changes = audit.diff(before, audit.snapshot(sample))
    changes["partitions"] = [None, [p.number for p in created]]
    audit.record(actor=actor, action="lims.sample_partitioned", obj=sample, changes=changes)
    return created


CUSTODY_KINDS = {CustodyKind.TRANSFERRED, CustodyKind.STORED, CustodyKind.RETURNED, CustodyKind.DISPOSED}
DISPOSABLE = {SampleStatus.PUBLISHED, SampleStatus.REJECTED, SampleStatus.CANCELLED, SampleStatus.INVALID}


@audit.audited
def custody_record(
    *, actor: Any, sample_id: int, kind: str, location: str = "", note: str = "", holder_id: int | None = None
) -> CustodyEvent:
    """A link in the chain of custody: handed over (to ``holder_id``), stored, returned to the
    client or disposed of (only once the sample's work is over). Permission
    ``lims.custody_sample``. Audit ``lims.custody_recorded``."""
    require(actor, "lims.custody_sample")
    sample = lock(Sample, actor, sample_id)
    from openciq.accounts.models import User

    errors: dict[str, list[str]] = {}
    if kind not in CUSTODY_KINDS:
        errors["kind"] = [_("Choose handed over, stored, returned or disposed.")]
    holder = actor
    if holder_id is not None:
        holder = User.objects.filter(pk=holder_id, is_active=True).first()
        if holder is None:
            errors["holder"] = [_("Unknown user.")]
    if kind == CustodyKind.TRANSFERRED and holder_id is None:
        errors["holder"] = [_("Name who receives the sample.")]
    if kind == CustodyKind.STORED and not location.strip():
        errors["location"] = [_("Say where the sample is stored.")]
    if kind in (CustodyKind.DISPOSED, CustodyKind.RETURNED) and sample.status not in DISPOSABLE:
        errors["kind"] = [
            _("The sample is still being worked on (%(state)s).") % {"state": sample.get_status_display()}
        ]
    if sample.disposed_at is not None:
        errors["kind"] = [
            _("The sample was disposed of on %(day)s.") % {"day": f"{sample.disposed_at:%Y-%m-%d}"}
        ]
    if errors:
        raise ValidationFailed(_("The custody entry was not recorded."), fields=errors)
    before = audit.snapshot(sample)
    if kind == CustodyKind.STORED:
        sample.storage_location = location.strip()[:100]
    if kind in (CustodyKind.DISPOSED, CustodyKind.RETURNED):
        sample.disposed_at = timezone.now()
    sample.save()
    event = CustodyEvent.objects.create(
        sample=sample,
        kind=kind,
        holder=holder,
        location=location.strip()[:100],
        note=note.strip()[:300],
        at=timezone.now(),
    )
    changes = audit.diff(before, audit.snapshot(sample))
    changes["custody"] = [
        None,
        {"kind": kind, "holder": str(holder), "location": event.location, "note": event.note},
    ]
    audit.record(actor=actor, action="lims.custody_recorded", obj=sample, changes=changes)
    return event


# --- Ending a sample ---------------------------------------------------------------------------


def _end(actor: Any, sample: Sample, verb: str, to: str, reason: str, *, tell_requester: bool = True) -> None:
    check(sample, verb)
    before = audit.snapshot(sample)
    dead = AnalysisStatus.CANCELLED if verb == "cancel" else AnalysisStatus.REJECTED
    live = list(sample.analyses.exclude(status__in=[*DEAD_ANALYSIS_STATES, "verified", "published"]))
    for analysis in live:
        analysis.status, analysis.reason = dead, reason
        analysis.save(update_fields=["status", "reason", "updated_at"])
    sample.status, sample.status_changed_at, sample.reason = to, timezone.now(), reason
    sample.save()
    changes = audit.diff(before, audit.snapshot(sample))
    changes["analyses"] = [None, [a.pk for a in live]]
    audit.record(
        actor=actor,
        action=f"lims.sample_{'cancelled' if verb == 'cancel' else 'rejected'}",
        obj=sample,
        changes=changes,
    )
    for part in sample.partitions.filter(status__in=Sample.transitions["reject"][0]):
        _end(actor, part, "reject", SampleStatus.REJECTED, reason, tell_requester=False)
    if tell_requester and sample.sample_request_id and verb == "reject" and not sample.parent_id:
        from openciq.lims.reports import report_back

        report_back(
            actor,
            sample,
            Outcome.INCONCLUSIVE,
            _("Rejected by the laboratory, no result: %(reason)s") % {"reason": reason},
        )


def _need_reason(reason: str, message: str) -> str:
    if not reason.strip():
        raise ValidationFailed(message, fields={"reason": [_("Give the reason.")]})
    return reason.strip()


@audit.audited
def sample_reject(*, actor: Any, sample_id: int, reason: str) -> Sample:
    """registered / received / in analysis → rejected (unfit for testing: damaged, too little,
    wrong container). Its open analyses are rejected; the requester is told there is no result.
    Permission ``lims.reject_sample``. Audit ``lims.sample_rejected``."""
    require(actor, "lims.reject_sample")
    sample = lock(Sample, actor, sample_id)
    _end(
        actor,
        sample,
        "reject",
        SampleStatus.REJECTED,
        _need_reason(reason, _("The sample was not rejected.")),
    )
    return sample


@audit.audited
def sample_cancel(*, actor: Any, sample_id: int, reason: str) -> Sample:
    """registered → cancelled (registered by mistake, never arrived). Permission
    ``lims.reject_sample``. Audit ``lims.sample_cancelled``."""
    require(actor, "lims.reject_sample")
    sample = lock(Sample, actor, sample_id)
    _end(
        actor,
        sample,
        "cancel",
        SampleStatus.CANCELLED,
        _need_reason(reason, _("The sample was not cancelled.")),
    )
    return sample


@audit.audited
def sample_invalidate(*, actor: Any, sample_id: int, reason: str) -> Sample:
    """verified / published → invalid, and a retest sample with the same analyses is received
    in its place; the invalidated results stay visible and a published report is withdrawn
    (the retest's report will name it as the one it replaces). Returns the retest. Permission
    ``lims.invalidate_sample``. Audit ``lims.sample_invalidated`` and ``lims.sample_registered``."""
    require(actor, "lims.invalidate_sample")
    sample = lock(Sample, actor, sample_id)
    reason = _need_reason(reason, _("The sample was not invalidated."))
    check(sample, "invalidate")
    if sample.parent_id:
        raise ValidationFailed(
            _("Invalidate the parent sample %(number)s.")
            % {"number": sample.parent.number if sample.parent else ""},
            fields={"sample": [_("A partition is invalidated with its parent.")]},
        )
    before = audit.snapshot(sample)
    sample.status, sample.status_changed_at, sample.reason = SampleStatus.INVALID, timezone.now(), reason
    sample.save()
    sample.reports.filter(withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    audit.record(
        actor=actor,
        action="lims.sample_invalidated",
        obj=sample,
        changes=audit.diff(before, audit.snapshot(sample)),
    )
    retest = _retest(actor, sample, parent=None)
    for part in sample.partitions.filter(status__in=[SampleStatus.VERIFIED, SampleStatus.PUBLISHED]):
        part_before = audit.snapshot(part)
        part.status, part.status_changed_at, part.reason = SampleStatus.INVALID, timezone.now(), reason
        part.save()
        audit.record(
            actor=actor,
            action="lims.sample_invalidated",
            obj=part,
            changes=audit.diff(part_before, audit.snapshot(part)),
        )
        _retest(actor, part, parent=retest)
    return retest


def _retest(actor: Any, original: Sample, *, parent: Sample | None) -> Sample:
    count = Sample.objects.filter(retest_of=original).count() + 1
    now = timezone.now()
    retest = Sample.objects.create(
        number=f"{original.number}-R{count}"[:24],
        laboratory_id=original.laboratory_id,
        parent=parent,
        retest_of=original,
        sample_request_id=original.sample_request_id,
        client_id=original.client_id,
        client_name=original.client_name,
        description=original.description,
        product_id=original.product_id,
        hs_code=original.hs_code,
        destination_id=original.destination_id,
        tests_requested=original.tests_requested,
        priority=original.priority,
        quantity=original.quantity,
        date_sampled=original.date_sampled,
        storage_location=original.storage_location,
        status=SampleStatus.RECEIVED,
        status_changed_at=now,
        received_at=now,
        registered_by=actor,
    )
    for analysis in original.analyses.filter(kind=AnalysisKind.ROUTINE).exclude(
        status__in=DEAD_ANALYSIS_STATES
    ):
        Analysis.objects.create(
            kind=AnalysisKind.ROUTINE,
            sample=retest,
            laboratory_id=retest.laboratory_id,
            service_id=analysis.service_id,
            retest_of=analysis,
            status=AnalysisStatus.UNASSIGNED,
            verifications_required=analysis.verifications_required,
        )
    _set_due_dates(retest, timezone.localdate(now))
    retest.save()
    _custody(
        retest,
        CustodyKind.RECEIVED,
        actor,
        retest.storage_location,
        _("Retest of %(number)s") % {"number": original.number},
    )
    audit.record(
        actor=actor,
        action="lims.sample_registered",
        obj=retest,
        changes=audit.diff(None, audit.snapshot(retest)),
    )
    return retest


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedResult:
    text: str
    value: Decimal | None
    censored: bool
    unit: str


def parse_result(
    service: AnalysisService, text: str, unit: str, instrument: Instrument | None
) -> tuple[ParsedResult | None, dict[str, list[str]]]:
    """Read a result as typed or imported: a number, "<limit" (below that limit), "ND" or a
    qualitative word, in a unit convertible to the service's; converted to the service's unit
    and checked against the instrument's measuring range."""
    raw = text.strip()
    if not raw:
        return None, {"result": [_("Enter a result.")]}
    if service.result_type == ResultType.QUALITATIVE:
        word = {
            "nd": "not_detected",
            "not detected": "not_detected",
            "未检出": "not_detected",
            "detected": "detected",
            "检出": "detected",
        }.get(raw.casefold(), raw.casefold())
        if word not in ("not_detected", "detected"):
            return None, {"result": [_("Enter detected or not detected.")]}
        return ParsedResult(word, None, False, ""), {}
    unit = unit.strip() or service.unit
    if not units.is_known(unit):
        return None, {"unit": [_("Unknown unit %(unit)s.") % {"unit": unit}]}
    censored = raw.upper() == "ND" or raw.startswith("<")
    number = raw.lstrip("<").strip() if raw.upper() != "ND" else ""
    try:
        value = Decimal(number) if number else (service.lod if service.lod is not None else None)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, {"result": [_("%(text)s is not a number.") % {"text": raw}]}
    if value < 0 and censored:
        return None, {"result": [_("A limit cannot be negative.")]}
    try:
        in_service_unit = units.convert(value, unit, service.unit) if service.unit else value
    except units.IncompatibleUnits:
        return None, {
            "unit": [
                _("%(unit)s cannot be converted to %(expected)s.") % {"unit": unit, "expected": service.unit}
            ]
        }
    if (
        instrument is not None
        and not censored
        and (instrument.range_low is not None or instrument.range_high is not None)
    ):
        try:
            in_range_unit = (
                units.convert(value, unit, instrument.range_unit)
                if instrument.range_unit
                else in_service_unit
            )
        except (units.IncompatibleUnits, units.UnknownUnit):
            in_range_unit = in_service_unit
        low, high = instrument.range_low, instrument.range_high
        if (low is not None and in_range_unit < low) or (high is not None and in_range_unit > high):
            return None, {
                "result": [
                    _(
                        "%(value)s %(unit)s is outside the measuring range of %(instrument)s (%(low)s–%(high)s %(range_unit)s)."
                    )
                    % {
                        "value": raw,
                        "unit": unit,
                        "instrument": instrument.code,
                        "low": _fmt(low),
                        "high": _fmt(high),
                        "range_unit": instrument.range_unit or service.unit,
                    }
                ]
            }
    if not censored and service.loq is not None and in_service_unit < service.loq:
        censored, in_service_unit = True, service.loq  # reported as "< LOQ"
    return ParsedResult(raw, in_service_unit, censored, service.unit), {}


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def specification_for(
    service: AnalysisService, hs_code: str, destination_id: int | None
) -> Specification | None:
    """The most specific active limit: the destination's over any destination, then the
    longest matching HS prefix."""
    candidates = [
        spec
        for spec in Specification.objects.filter(service=service, is_active=True).filter(
            Q(destination_id=destination_id) | Q(destination__isnull=True)
        )
        if hs_code.startswith(spec.hs_prefix)
    ]
    candidates.sort(key=lambda s: (s.destination_id is not None, len(s.hs_prefix)), reverse=True)
    return candidates[0] if candidates else None


def apply_result(
    analysis: Analysis, parsed: ParsedResult, actor: Any, spec_cache: dict[Any, Any] | None = None
) -> None:
    """Store a parsed result on the analysis (not yet saved) with its uncertainty and, for a
    routine analysis, the statement of conformity against the specification."""
    service = analysis.service
    analysis.result, analysis.value, analysis.censored, analysis.unit = (
        parsed.text,
        parsed.value,
        parsed.censored,
        parsed.unit,
    )
    analysis.submitted_by, analysis.submitted_at = actor, timezone.now()
    analysis.status = AnalysisStatus.TO_BE_VERIFIED
    analysis.instrument_id = analysis.instrument_id or (
        analysis.worksheet.instrument_id if analysis.worksheet_id and analysis.worksheet else None
    )
    analysis.uncertainty = None
    if parsed.value is not None and not parsed.censored:
        analysis.uncertainty = decision.expanded_uncertainty(
            parsed.value, relative_percent=service.uncertainty_percent, floor=service.uncertainty_floor
        )
    if analysis.kind != AnalysisKind.ROUTINE or analysis.sample is None:
        return
    sample = analysis.sample
    key = (service.pk, sample.hs_code, sample.destination_id)
    if spec_cache is not None and key in spec_cache:
        spec = spec_cache[key]
    else:
        spec = specification_for(service, sample.hs_code, sample.destination_id)
        if spec_cache is not None:
            spec_cache[key] = spec
    analysis.specification = spec
    if spec is None:
        analysis.spec_low = analysis.spec_high = None
        analysis.decision_rule, analysis.outcome = "", ""
        if service.result_type == ResultType.QUALITATIVE:
            analysis.outcome = Outcome.NOT_CONFORM if parsed.text == "detected" else Outcome.CONFORM
        return
    analysis.spec_low, analysis.spec_high, analysis.decision_rule = spec.low, spec.high, spec.decision_rule
    if parsed.value is None:  # qualitative against a "not detected" requirement
        analysis.outcome = Outcome.NOT_CONFORM if parsed.text == "detected" else Outcome.CONFORM
        return
    analysis.outcome = str(
        decision.evaluate(
            parsed.value,
            low=spec.low,
            high=spec.high,
            uncertainty=analysis.uncertainty or Decimal(0),
            rule=spec.decision_rule,
            censored=parsed.censored,
        )
    )


def _check_submitter(actor: Any, analysis: Analysis) -> None:
    """Only the worksheet's analyst enters its results, or someone who plans worksheets."""
    if (
        analysis.worksheet_id
        and analysis.analyst_id not in (None, actor.pk)
        and not is_system_actor(actor)
        and not actor.has_perm("lims.manage_worksheet")
    ):
        raise PermissionDeniedError(
            _("This analysis is assigned to %(analyst)s.") % {"analyst": str(analysis.analyst)}
        )


@audit.audited
def analysis_submit(
    *, actor: Any, analysis_id: int, result: str, unit: str = "", instrument_id: int | None = None
) -> Analysis:
    """unassigned / assigned → to be verified: a result entered by hand, on a valid instrument,
    in a unit convertible to the service's, inside the instrument's range; evaluated against the
    specification, and for QC analyses against the worksheet's QC rules. Permission
    ``lims.submit_analysis``. Audit ``lims.result_submitted``."""
    from openciq.lims.worksheets import after_results

    require(actor, "lims.submit_analysis")
    analysis = lock(Analysis, actor, analysis_id)
    check(analysis, "submit")
    _check_submitter(actor, analysis)
    if analysis.sample_id and analysis.sample and analysis.sample.status not in ("received", "in_analysis"):
        raise TransitionNotAllowed(
            _("Sample %(number)s is %(state)s.")
            % {"number": analysis.sample.number, "state": analysis.sample.get_status_display()},
            fields={"sample": [analysis.sample.status]},
        )
    instrument = analysis.worksheet.instrument if analysis.worksheet_id and analysis.worksheet else None
    if instrument is None and instrument_id is not None:
        instrument = Instrument.objects.filter(
            pk=instrument_id, laboratory_id=analysis.laboratory_id, methods=analysis.service.method_id
        ).first()
        if instrument is None:
            raise ValidationFailed(
                _("The result was not saved."),
                fields={
                    "instrument": [_("Choose an instrument of the laboratory qualified for the method.")]
                },
            )
    if instrument is not None:
        problems = instrument_problems(instrument, today())
        if problems:
            raise ValidationFailed(_("The result was not saved."), fields={"instrument": problems})
    parsed, errors = parse_result(analysis.service, result, unit, instrument)
    if errors or parsed is None:
        raise ValidationFailed(_("The result was not saved."), fields=errors)
    before = audit.snapshot(analysis)
    analysis.instrument = instrument
    apply_result(analysis, parsed, actor)
    analysis.save()
    audit.record(
        actor=actor,
        action="lims.result_submitted",
        obj=analysis,
        changes=audit.diff(before, audit.snapshot(analysis)),
    )
    after_results(actor, [analysis])
    return analysis


@audit.audited
def analysis_verify(*, actor: Any, analysis_id: int) -> Analysis:
    """One verification of a result; the last one required makes it verified (immutable from
    then on). Refused to the person who entered it (unless the method allows it), to anyone who
    verified it already, and while the worksheet's quality control is failed or incomplete.
    Permission ``lims.verify_analysis``. Audit ``lims.result_verified``."""
    require(actor, "lims.verify_analysis")
    analysis = lock(Analysis, actor, analysis_id)
    check(analysis, "verify")
    worksheet = analysis.worksheet
    if worksheet is not None and worksheet.qc_status == QcStatus.FAILED:
        raise TransitionNotAllowed(
            _("Quality control failed on worksheet %(number)s: its results cannot be released.")
            % {"number": worksheet.number},
            fields={"worksheet": [worksheet.qc_summary or QcStatus.FAILED]},
        )
    if (
        worksheet is not None
        and worksheet.qc_status == QcStatus.PENDING
        and worksheet.analyses.exclude(kind=AnalysisKind.ROUTINE).exists()
    ):
        raise TransitionNotAllowed(
            _("The quality-control results of worksheet %(number)s are not all in.")
            % {"number": worksheet.number},
            fields={"worksheet": [QcStatus.PENDING]},
        )
    method = analysis.service.method
    if analysis.submitted_by_id == actor.pk and not method.self_verification:
        raise ValidationFailed(
            _("You entered this result; another person must verify it."),
            fields={
                "verifier": [
                    _("Self-verification is not allowed for method %(method)s.") % {"method": method.code}
                ]
            },
        )
    if analysis.verifications.filter(verifier=actor).exists():
        raise ValidationFailed(
            _("You have verified this result already."),
            fields={"verifier": [_("Each verification must be by a different person.")]},
        )
    before = audit.snapshot(analysis)
    Verification.objects.create(analysis=analysis, verifier=actor, at=timezone.now())
    done = analysis.verifications.count()
    if done >= analysis.verifications_required:
        analysis.status, analysis.verified_at = AnalysisStatus.VERIFIED, timezone.now()
        if analysis.sample is not None and analysis.sample.received_at is not None:
            analysis.turnaround_days = working_days_taken(
                timezone.localdate(analysis.sample.received_at), today()
            )
        analysis.save()
    changes = audit.diff(before, audit.snapshot(analysis))
    changes["verifications"] = [done - 1, done]
    audit.record(actor=actor, action="lims.result_verified", obj=analysis, changes=changes)
    if analysis.status == AnalysisStatus.VERIFIED:
        from openciq.lims.worksheets import after_verification

        after_verification(actor, analysis)
    return analysis


@audit.audited
def analysis_retract(*, actor: Any, analysis_id: int, reason: str) -> Analysis:
    """to be verified / verified → retracted, with a retest of the same analysis in its place
    (a correction never overwrites a result). A published result is corrected by invalidating
    the sample. Returns the retest. Permission ``lims.retract_analysis``. Audit
    ``lims.result_retracted``."""
    require(actor, "lims.retract_analysis")
    analysis = lock(Analysis, actor, analysis_id)
    reason = _need_reason(reason, _("The result was not retracted."))
    if analysis.status == AnalysisStatus.PUBLISHED:
        raise TransitionNotAllowed(
            _("This result is published; invalidate the sample to correct it."),
            fields={"status": [analysis.status]},
        )
    check(analysis, "retract")
    retest = retract(actor, analysis, reason)
    roll_up(actor, [analysis.sample_id] if analysis.sample_id else [])
    return retest


def retract(actor: Any, analysis: Analysis, reason: str) -> Analysis:
    """The retraction itself (also used by worksheet retraction): the original keeps its
    result, a new unassigned analysis takes its place."""
    before = audit.snapshot(analysis)
    analysis.status, analysis.reason = AnalysisStatus.RETRACTED, reason
    analysis.save()
    retest = Analysis.objects.create(
        kind=analysis.kind,
        sample_id=analysis.sample_id,
        laboratory_id=analysis.laboratory_id,
        service_id=analysis.service_id,
        retest_of=analysis,
        reference_material_id=analysis.reference_material_id,
        status=AnalysisStatus.UNASSIGNED,
        due_date=analysis.due_date,
        verifications_required=analysis.verifications_required,
    )
    changes = audit.diff(before, audit.snapshot(analysis))
    changes["retest"] = [None, retest.pk]
    audit.record(actor=actor, action="lims.result_retracted", obj=analysis, changes=changes)
    return retest


@audit.audited
def analysis_reject(*, actor: Any, analysis_id: int, reason: str) -> Analysis:
    """unassigned / assigned / to be verified → rejected: the analysis will not be done (not
    applicable to this sample). Permission ``lims.retract_analysis``. Audit ``lims.analysis_rejected``."""
    require(actor, "lims.retract_analysis")
    analysis = lock(Analysis, actor, analysis_id)
    reason = _need_reason(reason, _("The analysis was not rejected."))
    check(analysis, "reject")
    before = audit.snapshot(analysis)
    analysis.status, analysis.reason = AnalysisStatus.REJECTED, reason
    analysis.save()
    audit.record(
        actor=actor,
        action="lims.analysis_rejected",
        obj=analysis,
        changes=audit.diff(before, audit.snapshot(analysis)),
    )
    roll_up(actor, [analysis.sample_id] if analysis.sample_id else [])
    return analysis


# --- The sample follows its analyses ------------------------------------------------------------


def _target_state(ranks: list[int]) -> str | None:
    if not ranks:
        return None
    low = min(ranks)
    if low >= 3:
        return SampleStatus.VERIFIED
    if low >= 2:
        return SampleStatus.TO_BE_VERIFIED
    if max(ranks) >= 1:
        return SampleStatus.IN_ANALYSIS
    return SampleStatus.RECEIVED


def roll_up(
    actor: Any, sample_ids: Iterable[int | None], *, batch_changes: list[dict[str, Any]] | None = None
) -> None:
    """Move samples to the state their live analyses and partitions say (received, in analysis,
    to be verified, verified), with the worst outcome once verified; then their parents.
    ``batch_changes`` collects the moves instead of one audit event each (bulk imports)."""
    ids = {i for i in sample_ids if i}
    while ids:
        parents: set[int] = set()
        samples = Sample.objects.select_for_update().filter(pk__in=ids, status__in=list(_SAMPLE_PROGRESS)[:4])
        analyses: dict[int, list[tuple[str, str]]] = {}
        for sample_id, status, outcome in (
            Analysis.objects.filter(sample_id__in=ids, kind=AnalysisKind.ROUTINE)
            .exclude(status__in=DEAD_ANALYSIS_STATES)
            .values_list("sample_id", "status", "outcome")
        ):
            analyses.setdefault(sample_id, []).append((status, outcome))
        partitions: dict[int, list[tuple[str, str]]] = {}
        for parent_id, status, outcome in (
            Sample.objects.filter(parent_id__in=ids)
            .exclude(status__in=[SampleStatus.REJECTED, SampleStatus.CANCELLED, SampleStatus.INVALID])
            .values_list("parent_id", "status", "outcome")
        ):
            partitions.setdefault(parent_id, []).append((status, outcome))
        for sample in samples:
            items = analyses.get(sample.pk, [])
            parts = partitions.get(sample.pk, [])
            ranks = [_PROGRESS[s] for s, _o in items] + [_SAMPLE_PROGRESS.get(s, 0) for s, _o in parts]
            target = _target_state(ranks)
            if target is None or target == sample.status:
                continue
            before = audit.snapshot(sample)
            sample.status, sample.status_changed_at = target, timezone.now()
            if target == SampleStatus.VERIFIED:
                outcomes = [o for _s, o in items + parts if o]
                sample.outcome = max(outcomes, key=lambda o: _WORST.get(Outcome(o), 0)) if outcomes else ""
                sample.verified_at = timezone.now()
            else:
                sample.outcome, sample.verified_at = "", None
            sample.save()
            changes = audit.diff(before, audit.snapshot(sample))
            if batch_changes is not None:
                batch_changes.append({"sample": sample.number, **changes})
            else:
                audit.record(actor=actor, action="lims.sample_progressed", obj=sample, changes=changes)
            if sample.parent_id:
                parents.add(sample.parent_id)
        ids = parents
