"""Truck trips: packing, loading, sealing, the inspector's decisions after a hold, the Hong Kong
receipt, cancelling. (The gate's automatic decision is ``gate.py``.)"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.core import audit, numbering
from openciq.core.errors import (
    TransitionNotAllowed,
)
from openciq.masterdata.models import Enterprise, Port
from openciq.trace import epc
from openciq.trace import services as trace
from openciq.trace.animal_ids import InvalidIdentifier
from openciq.trace.choices import AlertStatus, LocationKind
from openciq.trace.models import Location, SupervisionAlert
from openciq.trace.vegetables import epcis
from openciq.trace.vegetables.choices import OPEN_SHIPMENT_STATES, ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, Shipment, ShipmentCrate
from openciq.trace.vegetables.services._common import (
    decimal_value,
    emit,
    lock,
    move,
    packhouse,
    refuse,
    require,
    scoped,
)
from openciq.trace.vegetables.services.registers import lot_packed_kg


def _open_shipment_with(**lookup: Any) -> Shipment | None:
    return Shipment.objects.filter(status__in=OPEN_SHIPMENT_STATES, **lookup).order_by("-id").first()


@audit.audited
def shipment_create(
    *, actor: Any, enterprise_id: int, port_id: int, declaration_number: str, truck_plate: str
) -> Shipment:
    """Open a truck trip under a declaration (permission ``vegetables.add_shipment``). A truck
    on another open trip is refused. Audit ``vegetables.shipment_created``."""
    require(actor, "vegetables.add_shipment")
    fields: dict[str, list[str]] = {}
    enterprise = scoped(Enterprise.objects.all(), actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        fields["enterprise"] = [_("No such enterprise in your area.")]
    port = Port.objects.filter(pk=port_id, is_active=True).first()
    if port is None:
        fields["port"] = [_("No such port.")]
    declaration = (declaration_number or "").strip()
    if not declaration:
        fields["declaration_number"] = [_("This field is required.")]
    elif len(declaration) > 40:
        fields["declaration_number"] = [_("At most 40 characters.")]
    truck = ""
    try:
        truck = epcis.truck_uri(truck_plate)
    except InvalidIdentifier:
        fields["truck_plate"] = [_("Give the truck's plate number.")]
    if truck and (other := _open_shipment_with(truck_epc=truck)) is not None:
        fields["truck_plate"] = [
            _("This truck is on shipment %(number)s (%(status)s).")
            % {"number": other.number, "status": other.get_status_display()}
        ]
    refuse(fields, _("The shipment was not created."))
    assert enterprise is not None and port is not None
    year = timezone.localdate().year
    shipment = Shipment.objects.create(
        number=f"VS{year}{numbering.next_value(f'vegetables.shipment.{year}'):06d}",
        enterprise=enterprise,
        org_unit=enterprise.org_unit,
        port=port,
        packhouse=packhouse(enterprise),
        declaration_number=declaration,
        truck_plate=re.sub(r"\s+", "", truck_plate.strip().upper()),
        truck_epc=truck,
        status=ShipmentStatus.PACKING,
        status_changed_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="vegetables.shipment_created",
        obj=shipment,
        changes=audit.diff(None, audit.snapshot(shipment)),
    )
    return shipment


def _packing(actor: Any, shipment_id: int) -> Shipment:
    require(actor, "vegetables.pack_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    if shipment.status != ShipmentStatus.PACKING:
        raise TransitionNotAllowed(
            _("Shipment %(number)s is %(status)s: its crates can no longer change.")
            % {"number": shipment.number, "status": shipment.get_status_display()},
            fields={"status": [str(shipment.get_status_display())]},
        )
    return shipment


def _crate(identifier: str, shipment: Shipment, fields: dict[str, list[str]]) -> Crate | None:
    try:
        canonical = epc.normalise((identifier or "").strip())
    except epc.InvalidEpc as exc:
        fields["crate"] = [exc.message]
        return None
    crate: Crate | None = Crate.objects.select_for_update(of=("self",)).filter(epc=canonical).first()
    if crate is None:
        fields["crate"] = [_("No crate is registered under %(id)s.") % {"id": identifier}]
    elif crate.enterprise_id != shipment.enterprise_id:
        fields["crate"] = [_("This crate belongs to another enterprise.")]
    elif not crate.is_active:
        fields["crate"] = [_("This crate is out of service.")]
    else:
        return crate
    return None


@audit.audited
def crate_pack(
    *, actor: Any, shipment_id: int, crate: str, lot_id: int, quantity_kg: Decimal | str
) -> ShipmentCrate:
    """Pack a crate with produce of a lot for a shipment still packing (permission
    ``vegetables.pack_shipment``): AggregationEvent ADD (crate ← lot, kg). A crate on another
    open shipment, or more than what is left of the lot, is refused. Audit
    ``vegetables.crate_packed``."""
    shipment = _packing(actor, shipment_id)
    fields: dict[str, list[str]] = {}
    found = _crate(crate, shipment, fields)
    if found is not None:
        other = (
            ShipmentCrate.objects.filter(crate=found, shipment__status__in=OPEN_SHIPMENT_STATES)
            .select_related("shipment")
            .first()
        )
        if other is not None and other.shipment_id == shipment.pk:
            fields["crate"] = [_("This crate is packed on this shipment already.")]
        elif other is not None:
            fields["crate"] = [
                _("This crate is on shipment %(number)s (%(status)s) until it is emptied in Hong Kong.")
                % {"number": other.shipment.number, "status": other.shipment.get_status_display()}
            ]
    lot = scoped(HarvestLot.objects.all(), actor).select_for_update(of=("self",)).filter(pk=lot_id).first()
    if lot is None:
        fields["lot"] = [_("No such lot.")]
    kg = decimal_value(quantity_kg, "quantity_kg", fields)
    if lot is not None and "quantity_kg" not in fields:
        left = lot.quantity_kg - lot_packed_kg(lot)
        if kg > left:
            fields["quantity_kg"] = [
                _("Only %(left)s kg of lot %(lot)s is left to pack.") % {"left": left, "lot": lot.number}
            ]
    refuse(fields, _("The crate was not packed."))
    assert found is not None and lot is not None
    now = timezone.now()
    (event_id,) = emit(
        actor,
        [
            epcis.packing(
                crate=found.epc,
                lot=lot.epc_class,
                kg=kg,
                when=now,
                packhouse=shipment.packhouse.uri,
                shipment=shipment.number,
            )
        ],
    )
    line = ShipmentCrate.objects.create(
        shipment=shipment, crate=found, lot=lot, quantity_kg=kg, packed_at=now, packing_event_id=event_id
    )
    audit.record(
        actor=actor,
        action="vegetables.crate_packed",
        obj=shipment,
        changes={"crate": found.grai, "lot": lot.number, "quantity_kg": kg},
    )
    return line


@audit.audited
def crate_unpack(*, actor: Any, shipment_id: int, crate: str) -> None:
    """Take a crate off a shipment still packing (permission ``vegetables.pack_shipment``):
    unloaded from the truck if it was loaded, then emptied. Audit ``vegetables.crate_unpacked``."""
    shipment = _packing(actor, shipment_id)
    fields: dict[str, list[str]] = {}
    found = _crate(crate, shipment, fields)
    line = shipment.crates.select_related("lot").filter(crate=found).first() if found is not None else None
    if found is not None and line is None:
        fields["crate"] = [_("This crate is not on this shipment.")]
    refuse(fields, _("The crate was not taken off."))
    assert found is not None and line is not None
    now, place = timezone.now(), shipment.packhouse.uri
    events = []
    if line.loaded_at is not None:
        events.append(
            epcis.unloading(
                truck=shipment.truck_epc,
                crates=[found.epc],
                when=now,
                place=place,
                shipment=shipment.number,
                declaration=shipment.declaration_number,
                disposition="",
            )
        )
    events.append(
        epcis.unpacking(
            crate=found.epc,
            lot=line.lot.epc_class,
            kg=line.quantity_kg,
            when=now,
            place=place,
            shipment=shipment.number,
        )
    )
    emit(actor, events)
    line.delete()
    audit.record(
        actor=actor,
        action="vegetables.crate_unpacked",
        obj=shipment,
        changes={"crate": found.grai, "lot": line.lot.number},
    )


@audit.audited
def shipment_load(*, actor: Any, shipment_id: int) -> Shipment:
    """Load the packed crates not yet on the truck (permission ``vegetables.pack_shipment``):
    AggregationEvent ADD (truck ← crates), ``loading`` → ``in_transit``, naming the declaration.
    Audit ``vegetables.shipment_loaded``."""
    shipment = _packing(actor, shipment_id)
    waiting = list(shipment.crates.select_related("crate").filter(loaded_at__isnull=True).order_by("id"))
    if not waiting:
        refuse({"crates": [_("No packed crate is waiting to be loaded.")]}, _("Nothing was loaded."))
    now = timezone.now()
    emit(
        actor,
        [
            epcis.loading(
                truck=shipment.truck_epc,
                crates=[line.crate.epc for line in waiting],
                when=now,
                packhouse=shipment.packhouse.uri,
                shipment=shipment.number,
                declaration=shipment.declaration_number,
            )
        ],
    )
    ShipmentCrate.objects.filter(pk__in=[line.pk for line in waiting]).update(loaded_at=now)
    before = audit.snapshot(shipment)
    shipment.loaded_at = now
    shipment.save(update_fields=["loaded_at", "updated_at"])
    audit.record(
        actor=actor,
        action="vegetables.shipment_loaded",
        obj=shipment,
        changes={**audit.diff(before, audit.snapshot(shipment)), "crates": len(waiting)},
    )
    return shipment


@audit.audited
def shipment_seal(*, actor: Any, shipment_id: int, seal_id: str) -> Shipment:
    """Seal the loaded truck with an e-seal (permission ``vegetables.seal_shipment``):
    AssociationEvent ADD (truck ↔ seal) and ObjectEvent ``staging_outbound`` →
    ``container_closed``. ``packing`` → ``sealed``; sealing twice is refused. Audit
    ``vegetables.shipment_sealed``."""
    require(actor, "vegetables.seal_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    if shipment.status != ShipmentStatus.PACKING:
        move(actor, shipment, "seal")  # raises TransitionNotAllowed, naming the state
    fields: dict[str, list[str]] = {}
    if not shipment.crates.exists():
        fields["crates"] = [_("Pack and load the crates before sealing.")]
    elif shipment.crates.filter(loaded_at__isnull=True).exists():
        fields["crates"] = [_("Some packed crates are not loaded yet.")]
    seal = ""
    try:
        seal = epcis.seal_uri(seal_id)
    except InvalidIdentifier as exc:
        fields["seal_id"] = [str(exc)]
    if seal and (other := _open_shipment_with(seal_epc=seal)) is not None:
        fields["seal_id"] = [_("This seal is on shipment %(number)s.") % {"number": other.number}]
    refuse(fields, _("The truck was not sealed."))
    now = timezone.now()
    emit(
        actor,
        epcis.seal_applied(
            truck=shipment.truck_epc,
            seal=seal,
            when=now,
            packhouse=shipment.packhouse.uri,
            shipment=shipment.number,
            declaration=shipment.declaration_number,
        ),
    )
    return move(actor, shipment, "seal", seal_id=seal_id.strip().upper(), seal_epc=seal, sealed_at=now)


def _closing_events(
    shipment: Shipment, *, place: str, when: dt.datetime, disposition: str
) -> list[dict[str, Any]]:
    """The end of a trip in EPCIS: the seal taken off, the crates unloaded from the truck and
    emptied. At the Hong Kong market for a receipt; at the packing house for a trip turned back
    (``returned``) or cancelled."""
    lines = list(shipment.crates.select_related("crate", "lot").order_by("id"))
    loaded = [line.crate.epc for line in lines if line.loaded_at is not None]
    events: list[dict[str, Any]] = []
    if shipment.seal_epc:
        events.append(
            epcis.seal_removed(
                truck=shipment.truck_epc,
                seal=shipment.seal_epc,
                when=when,
                place=place,
                shipment=shipment.number,
            )
        )
    if loaded:
        events.append(
            epcis.unloading(
                truck=shipment.truck_epc,
                crates=loaded,
                when=when,
                place=place,
                shipment=shipment.number,
                declaration=shipment.declaration_number,
                disposition=disposition,
            )
        )
    events += [
        epcis.unpacking(
            crate=line.crate.epc,
            lot=line.lot.epc_class,
            kg=line.quantity_kg,
            when=when,
            place=place,
            shipment=shipment.number,
            disposition=disposition,
        )
        for line in lines
    ]
    return events


@audit.audited
def shipment_cancel(*, actor: Any, shipment_id: int, reason: str) -> Shipment:
    """Cancel a trip that has not reached the gate (permission ``vegetables.cancel_shipment``):
    the seal is taken off and the crates unloaded and emptied at the packing house, free for
    another trip. Audit ``vegetables.shipment_cancelled``."""
    require(actor, "vegetables.cancel_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    reason = (reason or "").strip()
    if shipment.status not in Shipment.transitions["cancel"][0]:
        move(actor, shipment, "cancel")
    refuse(
        {} if reason else {"reason": [_("Say why the shipment is cancelled.")]},
        _("The shipment was not cancelled."),
    )
    emit(actor, _closing_events(shipment, place=shipment.packhouse.uri, when=timezone.now(), disposition=""))
    return move(actor, shipment, "cancel", decided_by=actor, decision_note=reason)


# --- After the gate: the inspector's decisions and the Hong Kong receipt ----------------------


def shipment_alerts(shipment: Shipment) -> list[SupervisionAlert]:
    """The supervision alerts the gate raised for a shipment (``key`` ``vegetables:<number>:…``)."""
    return list(
        SupervisionAlert.objects.filter(key__startswith=f"vegetables:{shipment.number}:").order_by(
            "raised_at", "id"
        )
    )


def _held(actor: Any, shipment_id: int, text: str, name: str) -> tuple[Shipment, str]:
    require(actor, "vegetables.inspect_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    if shipment.status != ShipmentStatus.HELD:
        move(actor, shipment, "release_after_inspection")  # raises TransitionNotAllowed
    text = (text or "").strip()
    if not text:
        refuse({name: [_("Say what the inspection found.")]}, _("Nothing was decided."))
    return shipment, text


def _resolve_alerts(actor: Any, shipment: Shipment, resolution: str) -> None:
    for alert in shipment_alerts(shipment):
        if alert.status != AlertStatus.RESOLVED:
            trace.alert_resolve(actor=actor, alert_id=alert.pk, resolution=resolution)


@audit.audited
def shipment_acknowledge(*, actor: Any, shipment_id: int) -> list[SupervisionAlert]:
    """An inspector takes a held truck: its open alerts are marked as being handled by them
    (``trace.alert_acknowledge``, which audits each)."""
    require(actor, "vegetables.inspect_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    taken = []
    for alert in shipment_alerts(shipment):
        if alert.status == AlertStatus.OPEN:
            taken.append(trace.alert_acknowledge(actor=actor, alert_id=alert.pk))
    if not taken:
        refuse({"alerts": [_("No open alert to take.")]}, _("Nothing was taken."))
    return taken


def _gate_identifiers(shipment: Shipment) -> list[str]:
    crates = [line.crate.epc for line in shipment.crates.select_related("crate").order_by("id")]
    return [shipment.truck_epc, *([shipment.seal_epc] if shipment.seal_epc else []), *crates]


@audit.audited
def shipment_release_after_inspection(*, actor: Any, shipment_id: int, note: str) -> Shipment:
    """Release a held truck after inspection (permission ``vegetables.inspect_shipment``, and
    ``trace.handle_supervisionalert`` for its alerts, which are resolved with ``note``):
    ObjectEvents ``inspecting`` → ``conformant`` and ``departing`` → ``in_transit`` at the gate;
    ``held`` → ``released``, lifting the hold on the declaration. Audit
    ``vegetables.shipment_released_after_inspection``."""
    shipment, note = _held(actor, shipment_id, note, "note")
    now, gate = timezone.now(), shipment.gate.uri if shipment.gate else shipment.packhouse.uri
    emit(
        actor,
        [
            epcis.at_gate(
                identifiers_=_gate_identifiers(shipment),
                when=when,
                gate=gate,
                biz_step=step,
                disposition=disposition,
                shipment=shipment.number,
                declaration=shipment.declaration_number,
            )
            for when, step, disposition in (
                (now, "inspecting", "conformant"),
                (now + dt.timedelta(microseconds=1), "departing", "in_transit"),
            )
        ],
    )
    _resolve_alerts(actor, shipment, note)
    return move(
        actor, shipment, "release_after_inspection", released_at=now, decided_by=actor, decision_note=note
    )


@audit.audited
def shipment_reject(*, actor: Any, shipment_id: int, reason: str) -> Shipment:
    """Turn a held truck back (permission ``vegetables.inspect_shipment``; its alerts are
    resolved with ``reason``): ObjectEvent ``inspecting`` → ``non_conformant`` at the gate, then
    the trip is closed at the packing house (disposition ``returned``), freeing the crates.
    ``held`` → ``rejected``. Audit ``vegetables.shipment_rejected``."""
    shipment, reason = _held(actor, shipment_id, reason, "reason")
    now, gate = timezone.now(), shipment.gate.uri if shipment.gate else shipment.packhouse.uri
    events = [
        epcis.at_gate(
            identifiers_=_gate_identifiers(shipment),
            when=now,
            gate=gate,
            biz_step="inspecting",
            disposition="non_conformant",
            shipment=shipment.number,
            declaration=shipment.declaration_number,
        ),
        *_closing_events(
            shipment,
            place=shipment.packhouse.uri,
            when=now + dt.timedelta(microseconds=1),
            disposition="returned",
        ),
    ]
    emit(actor, events)
    _resolve_alerts(actor, shipment, reason)
    return move(actor, shipment, "reject", decided_by=actor, decision_note=reason)


@audit.audited
def shipment_receive_hk(
    *,
    actor: Any,
    shipment_id: int,
    market_id: int,
    crates_read: Sequence[str] | None = None,
    note: str = "",
) -> Shipment:
    """Record the receipt in Hong Kong (permission ``vegetables.receive_shipment``): ObjectEvent
    ``receiving`` → ``container_open`` at the market (the authorised unsealing), the seal taken
    off, the crates unloaded and emptied. With ``crates_read`` (the crates read on arrival),
    released crates not read raise a ``receipt_mismatch`` alert. ``released`` → ``received``.
    Audit ``vegetables.shipment_received``."""
    require(actor, "vegetables.receive_shipment")
    shipment = lock(Shipment, actor, shipment_id)
    if shipment.status != ShipmentStatus.RELEASED:
        move(actor, shipment, "receive")  # raises TransitionNotAllowed
    market = Location.objects.filter(pk=market_id, kind=LocationKind.MARKET).first()
    fields: dict[str, list[str]] = {}
    if market is None:
        fields["market"] = [_("No such market or receiver.")]
    read: set[str] | None = None
    if crates_read is not None:
        read = set()
        for raw in crates_read:
            try:
                read.add(epc.normalise(raw.strip()))
            except epc.InvalidEpc as exc:
                fields.setdefault("crates_read", []).append(exc.message)
    refuse(fields, _("The receipt was not recorded."))
    assert market is not None
    now = timezone.now()
    events = [
        epcis.receiving(
            truck=shipment.truck_epc,
            seal=shipment.seal_epc,
            when=now,
            place=market.uri,
            shipment=shipment.number,
            declaration=shipment.declaration_number,
        ),
        *_closing_events(shipment, place=market.uri, when=now + dt.timedelta(microseconds=1), disposition=""),
    ]
    emit(actor, events)
    missing: list[str] = []
    if read is not None:
        lines = list(shipment.crates.select_related("crate"))
        missing = [line.crate.grai for line in lines if line.crate.epc not in read]
        for line in lines:
            line.received = line.crate.epc in read
        ShipmentCrate.objects.bulk_update(lines, ["received"])
    if missing:
        _receipt_alert(actor, shipment, missing)
    return move(
        actor,
        shipment,
        "receive",
        received_at=now,
        receipt_location=market,
        receipt_note=(note or "").strip(),
    )


def _receipt_alert(actor: Any, shipment: Shipment, missing: Sequence[str]) -> None:
    from openciq.trace.choices import AlertKind, AlertSeverity

    trace.alert_raise(
        actor=actor,
        key=f"vegetables:{shipment.number}:receipt",
        kind=AlertKind.RECEIPT_MISMATCH,
        title=_("Shipment %(number)s: %(count)d crate(s) not read on receipt in Hong Kong")
        % {"number": shipment.number, "count": len(missing)},
        subject=shipment.truck_epc,
        severity=AlertSeverity.MEDIUM,
        declaration_number=shipment.declaration_number,
        blocking=False,
        details={
            "flow": "vegetables",
            "shipment": shipment.number,
            "shipment_id": shipment.pk,
            "missing": list(missing),
        },
        org_unit_id=shipment.port.org_unit_id,
    )
