"""The electronic border gate: the gate's reads compared with the declaration, automatically.

The gate's devices send their reads as EPCIS events through any capture path (the REST API, a
reader over HTTP or MQTT through ``openciq.trace.devices``): ObjectEvents at a read point of kind
``gate`` (or a lane inside one) naming the truck, its e-seal and the crates — one event per
passage from a gate controller, or one event per tag from device ingest — and, when the e-seal
reader reports it, the seal's state as the extension field ``ociq:sealStatus`` (``intact``,
``opened``, ``tampered``). The capture listener (:func:`on_events`) groups the reads a capture
brought by read point (a *passage*) and runs :func:`gate_compare` in the capture's transaction, as
the system actor, for the shipment whose truck the passage names (``sealed`` or ``at_gate``), or,
for a passage naming crates or a seal but no vehicle, for the truck already waiting at that gate:

* a passage naming the truck and nothing else (a plate or vehicle-tag reader at the gate's entry)
  puts the shipment ``at_gate`` and waits for the crates' read;
* a passage naming crates, a seal or a seal state decides, over everything read at the gate for
  this trip: every declared crate read and no other crate, so every declared lot present; the
  declared seal read, reported intact (when reported) and not opened since sealing (no event
  with disposition ``container_open`` naming it, from whatever source, since the sealing).
  A match releases the truck electronically (ObjectEvent ``departing`` → ``in_transit``); a
  mismatch holds it (ObjectEvent ``holding``) and raises blocking alerts on the port
  inspector's worklist (``gate_mismatch`` for crates, ``seal_mismatch`` for the seal) naming
  the declaration, which is thereby held too (``openciq.declarations.holds``).

A passage is what one capture brought: a gate whose crate reads arrive in several captures is
decided on the first that names crates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.trace import services as trace
from openciq.trace.capture import canonical_identifier
from openciq.trace.choices import AlertKind, AlertSeverity, EventType, LocationKind
from openciq.trace.models import Epc, Event, EventEpc, Location
from openciq.trace.vegetables import epcis
from openciq.trace.vegetables.choices import AWAITING_GATE_STATES, SealFinding, SealStatus, ShipmentStatus
from openciq.trace.vegetables.models import Crate, Shipment, ShipmentCrate, short_grai
from openciq.trace.vegetables.services import emit, move, require


@dataclass
class GateResult:
    """The gate comparison of one trip: declared against read."""

    crates_declared: int
    crates_read: int
    missing: list[str] = field(default_factory=list)  # declared crates not read (identifiers)
    extra: list[str] = field(default_factory=list)  # crates read, not declared
    lots_declared: list[str] = field(default_factory=list)
    lots_missing: list[str] = field(default_factory=list)  # declared lots none of whose crates was read
    seal: str = SealFinding.INTACT
    seal_reported: str = ""
    seals_read: list[str] = field(default_factory=list)

    @property
    def crates_match(self) -> bool:
        return not self.missing and not self.extra

    @property
    def match(self) -> bool:
        return self.crates_match and self.seal == SealFinding.INTACT

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "match": self.match}


def compare(
    *,
    declared: Mapping[str, str],
    read: Collection[str],
    seal: str,
    seal_reported: str = "",
    seal_opened: bool = False,
    known_crates: Collection[str] = (),
) -> GateResult:
    """Compare what a trip declared (crate identifier → lot number, the seal) with what the gate
    read. A read identifier is a crate when it is a GRAI or a registered crate."""
    crates_read = {uri for uri in read if epcis.is_grai(uri) or uri in known_crates}
    lots = sorted(set(declared.values()))
    lots_seen = {lot for crate, lot in declared.items() if crate in crates_read}
    seals_read = sorted(uri for uri in read if epcis.is_seal(uri))
    if seal_opened:
        finding = SealFinding.OPENED
    elif seal_reported and seal_reported != SealStatus.INTACT:
        finding = SealFinding.REPORTED
    elif seal not in read:
        finding = SealFinding.OTHER_SEAL if seals_read else SealFinding.NOT_READ
    else:
        finding = SealFinding.INTACT
    return GateResult(
        crates_declared=len(declared),
        crates_read=len(crates_read & set(declared)),
        missing=sorted(set(declared) - crates_read),
        extra=sorted(crates_read - set(declared)),
        lots_declared=lots,
        lots_missing=[lot for lot in lots if lot not in lots_seen],
        seal=str(finding),
        seal_reported=seal_reported,
        seals_read=seals_read,
    )


# --- The capture listener ---------------------------------------------------------------------


def read_identifiers(document: Mapping[str, Any]) -> set[str]:
    """The canonical identifiers of a gate read's ``epcList``."""
    return {canonical_identifier(str(uri)) for uri in document.get("epcList") or () if isinstance(uri, str)}


@dataclass
class Passage:
    """What one capture brought from one gate read point: one event per passage from a gate
    controller, or one event per tag from device ingest (``openciq.trace.devices``)."""

    read_point_id: int
    places: tuple[int, ...] = ()  # the read point and the places it lies in, innermost first
    events: list[Event] = field(default_factory=list)
    identifiers: set[str] = field(default_factory=set)
    seal_reports: list[str] = field(default_factory=list)

    def add(self, event: Event, document: Mapping[str, Any]) -> None:
        self.events.append(event)
        self.identifiers |= read_identifiers(document)
        report = str(epcis.extension(document, "sealStatus") or "").strip().lower()
        if report:
            self.seal_reports.append(report)

    @property
    def seal_report(self) -> str:
        """The worst seal state reported (``intact`` only when nothing else was)."""
        worse = [report for report in self.seal_reports if report != SealStatus.INTACT]
        return worse[-1] if worse else (SealStatus.INTACT if self.seal_reports else "")

    @property
    def last(self) -> Event:
        return max(self.events, key=lambda e: (e.event_time, e.pk))


def _passages(events: Sequence[Event]) -> list[Passage]:
    """Reads at gate read points, grouped by read point. Quick to say "not mine": ObjectEvents
    with a read point first, then one look-up of which read points are gates."""
    candidates = [
        e
        for e in events
        if e.type == EventType.OBJECT and e.read_point_id is not None and not e.is_error_declaration
    ]
    if not candidates:
        return []
    gates = dict(
        Location.objects.filter(
            pk__in={e.read_point_id for e in candidates}, kind=LocationKind.GATE
        ).values_list("pk", "path")
    )
    passages: dict[int, Passage] = {}
    for event in candidates:
        point = event.read_point_id
        if point is not None and point in gates:
            document = json.loads(event.document)
            if epcis.extension(document, "shipment") is None:  # the flow's own steps at the gate
                places = tuple(int(part) for part in reversed(gates[point].strip("/").split("/")) if part)
                passages.setdefault(point, Passage(point, places)).add(event, document)
    return list(passages.values())


def on_events(events: Sequence[Event]) -> None:
    """Capture listener: run the gate comparison for a passage at a border gate naming the truck
    of a shipment waiting for the gate, or bringing crates or a seal to a gate read point where a
    truck is already waiting (``at_gate``: its vehicle reader sent the truck first)."""
    passages = _passages(events)
    if not passages:
        return
    named = set().union(*(p.identifiers for p in passages))
    trucks = dict(
        Shipment.objects.filter(status__in=AWAITING_GATE_STATES, truck_epc__in=named).values_list(
            "truck_epc", "pk"
        )
    )
    waiting = dict(
        Shipment.objects.filter(
            status=ShipmentStatus.AT_GATE, gate_id__in={place for p in passages for place in p.places}
        )
        .order_by("gate_arrived_at", "id")
        .values_list("gate_id", "pk")
    )  # the latest arrival at each gate (or lane)
    actor = system_actor()
    for passage in sorted(passages, key=lambda p: (p.last.event_time, p.last.pk)):
        here = [trucks[uri] for uri in sorted(passage.identifiers & trucks.keys())]
        if not here and not any(epcis.is_vehicle(uri) for uri in passage.identifiers):
            # Crates or a seal without a truck: the truck waiting at this gate (or the gate
            # this lane belongs to), whose vehicle reader sent it first.
            here = [waiting[place] for place in passage.places if place in waiting][:1]
        for shipment_id in here:
            gate_compare(actor=actor, shipment_id=shipment_id, passage=passage)


# --- The comparison as a service --------------------------------------------------------------


def _seal_opened(shipment: Shipment, until: dt.datetime) -> bool:
    """Whether any event since the sealing reported the seal open (``container_open``)."""
    seal = Epc.objects.filter(uri=shipment.seal_epc).first()
    if seal is None or shipment.sealed_at is None:
        return False
    return EventEpc.objects.filter(
        epc=seal,
        event__disposition="container_open",
        event__event_time__gte=shipment.sealed_at,
        event__event_time__lte=until,
    ).exists()


def _label(uri: str, grais: Mapping[str, str]) -> str:
    return short_grai(grais.get(uri, uri))


SEAL_SENTENCES: dict[str, Any] = {
    SealFinding.NOT_READ: gettext_lazy("The gate did not read the declared seal."),
    SealFinding.OTHER_SEAL: gettext_lazy("The gate read a seal other than the declared one."),
    SealFinding.OPENED: gettext_lazy("The seal has been opened since the sealing."),
    SealFinding.REPORTED: gettext_lazy("The seal reader reports that the seal is not intact."),
}


def seal_sentence(finding: str) -> str:
    """The seal finding of a gate comparison as a whole sentence ("" when the seal is intact)."""
    if finding == SealFinding.INTACT:
        return ""
    return str(SEAL_SENTENCES.get(finding, gettext_lazy("The seal is not as declared.")))


def findings(result: Mapping[str, Any]) -> list[str]:
    """Why a truck was held, one whole sentence per finding, from its stored gate comparison
    (``Shipment.gate_result``), in the language of the moment (pages compose them again rather
    than show the text stored then)."""
    labels = result.get("labels", {})
    sentences = []
    missing, extra = result.get("missing", []), result.get("extra", [])
    if missing:
        sentences.append(
            _("The gate did not read %(count)d declared crate(s): %(crates)s.")
            % {"count": len(missing), "crates": ", ".join(_label(u, labels) for u in missing[:20])}
        )
    if extra:
        sentences.append(
            _("The gate read %(count)d undeclared crate(s): %(crates)s.")
            % {"count": len(extra), "crates": ", ".join(_label(u, labels) for u in extra[:20])}
        )
    if result.get("lots_missing"):
        sentences.append(
            _("The gate read no crate of the lot(s) %(lots)s.") % {"lots": ", ".join(result["lots_missing"])}
        )
    seal = seal_sentence(result.get("seal", SealFinding.INTACT))
    if seal:
        sentences.append(seal)
    return sentences


def describe(result: Mapping[str, Any]) -> str:
    """:func:`findings` as one text, the sentences joined with a space (the stored hold reason,
    the holding event's ``ociq:holdReason``, the shipment page and the worklist)."""
    return " ".join(findings(result))


def gate_compare(*, actor: Any, shipment_id: int, passage: Passage) -> Shipment | None:
    """Compare a passage at the gate with the shipment's declaration and decide (see the module
    docstring). The system actor (the capture listener) or an inspector
    (``vegetables.inspect_shipment``) may run it; a shipment no longer waiting for the gate is
    left as it is. Audits each transition (``vegetables.shipment_at_gate``, ``…_released``,
    ``…_held``)."""
    require(actor, "vegetables.inspect_shipment")
    return _gate_compare(actor=actor, shipment_id=shipment_id, passage=passage)


def _arrive(actor: Any, shipment: Shipment, passage: Passage, read: list[str]) -> None:
    arrival = {
        "gate_read": read,
        "gate_id": shipment.gate_id or passage.read_point_id,
        "gate_arrived_at": shipment.gate_arrived_at or min(e.event_time for e in passage.events),
    }
    if shipment.status == ShipmentStatus.SEALED:
        move(actor, shipment, "arrive", **arrival)
    else:
        for name, value in arrival.items():
            setattr(shipment, name, value)
        shipment.save(update_fields=[*arrival, "updated_at"])


@audit.audited
def _gate_compare(*, actor: Any, shipment_id: int, passage: Passage) -> Shipment | None:
    shipment: Shipment | None = (
        Shipment.objects.select_for_update(of=("self",)).filter(pk=shipment_id).first()
    )
    if shipment is None or shipment.status not in AWAITING_GATE_STATES:
        return shipment
    ids = passage.identifiers
    if shipment.truck_epc not in ids and shipment.status != ShipmentStatus.AT_GATE:
        return shipment
    read = sorted(set(shipment.gate_read) | ids)
    _arrive(actor, shipment, passage, read)
    lines = list(shipment.crates.select_related("crate", "lot"))
    known = set(Crate.objects.filter(epc__in=ids).values_list("epc", flat=True))
    reported = passage.seal_report
    if not (reported or any(epcis.is_grai(i) or epcis.is_seal(i) or i in known for i in ids)):
        return shipment  # the vehicle reader only: wait for the passage read
    last = passage.last
    result = compare(
        declared={line.crate.epc: line.lot.number for line in lines},
        read=read,
        seal=shipment.seal_epc,
        seal_reported=reported,
        seal_opened=_seal_opened(shipment, last.event_time),
        known_crates=known | {line.crate.epc for line in lines},
    )
    for line in lines:
        line.read_at_gate = line.crate.epc in read
    ShipmentCrate.objects.bulk_update(lines, ["read_at_gate"])
    labels = {line.crate.epc: line.crate.grai for line in lines}
    labels.update(Crate.objects.filter(epc__in=result.extra).values_list("epc", "grai"))
    common = {
        "gate_result": {
            **result.as_dict(),
            "labels": {u: labels[u] for u in [*result.missing, *result.extra] if u in labels},
        },
        "gate_event_id": last.public_id,
    }
    if result.match:
        return _release(actor, shipment, lines, common)
    return _hold(actor, shipment, lines, result, labels, last, common)


def _step(
    shipment: Shipment, lines: Iterable[ShipmentCrate], biz_step: str, disposition: str, **fields: Any
) -> dict[str, Any]:
    assert shipment.gate is not None
    return epcis.at_gate(
        identifiers_=[shipment.truck_epc, shipment.seal_epc, *(line.crate.epc for line in lines)],
        when=timezone.now(),
        gate=shipment.gate.uri,
        biz_step=biz_step,
        disposition=disposition,
        shipment=shipment.number,
        declaration=shipment.declaration_number,
        fields=fields,
    )


def _release(
    actor: Any, shipment: Shipment, lines: Sequence[ShipmentCrate], common: dict[str, Any]
) -> Shipment:
    note = _("Released electronically at the gate: %(count)d crate(s) and the seal as declared.") % {
        "count": len(lines)
    }
    # The state moves before the event is captured: the listener sees its own event as not waiting.
    move(
        actor, shipment, "release", released_at=timezone.now(), decided_by=actor, decision_note=note, **common
    )
    emit(actor, [_step(shipment, lines, "departing", "in_transit")])
    return shipment


def _hold(
    actor: Any,
    shipment: Shipment,
    lines: Sequence[ShipmentCrate],
    result: GateResult,
    labels: Mapping[str, str],
    event: Event,
    common: dict[str, Any],
) -> Shipment:
    reason = describe({**result.as_dict(), "labels": labels})
    move(
        actor,
        shipment,
        "hold",
        held_at=timezone.now(),
        held_reason=reason,
        decided_by=actor,
        decision_note=reason,
        **common,
    )
    disposition = (
        "mismatch_instance"
        if result.crates_match is False or result.seal in (SealFinding.NOT_READ, SealFinding.OTHER_SEAL)
        else "container_open"
    )
    emit(actor, [_step(shipment, lines, "holding", disposition, holdReason=reason)])
    details = {
        "flow": "vegetables",
        "shipment": shipment.number,
        "shipment_id": shipment.pk,
        "truck": shipment.truck_plate,
        "gate": shipment.gate.name if shipment.gate else "",
        **common["gate_result"],
    }
    base = {
        "actor": actor,
        "subject": shipment.truck_epc,
        "severity": AlertSeverity.HIGH,
        "declaration_number": shipment.declaration_number,
        "blocking": True,
        "details": details,
        "event": event,
        "org_unit_id": shipment.port.org_unit_id,
    }
    if not result.crates_match:
        trace.alert_raise(
            key=f"vegetables:{shipment.number}:crates",
            kind=AlertKind.GATE_MISMATCH,
            title=_(
                "Truck %(plate)s held at the gate (declaration %(declaration)s): %(missing)d crate(s) missing, %(extra)d undeclared"
            )
            % {
                "plate": shipment.truck_plate,
                "declaration": shipment.declaration_number,
                "missing": len(result.missing),
                "extra": len(result.extra),
            },
            **base,
        )
    if result.seal != SealFinding.INTACT:
        trace.alert_raise(
            key=f"vegetables:{shipment.number}:seal",
            kind=AlertKind.SEAL_MISMATCH,
            title=_("Truck %(plate)s is held at the gate (declaration %(declaration)s).")
            % {"plate": shipment.truck_plate, "declaration": shipment.declaration_number}
            + " "
            + seal_sentence(result.seal),
            **base,
        )
    return shipment
