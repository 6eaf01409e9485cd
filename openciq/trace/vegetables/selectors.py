"""Reads of the vegetables flow, scoped to the acting user (``restrict``: permission, then area;
what is out of scope is absent, so pages and the API answer 404), ordered, with their joins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from openciq.masterdata.models import Enterprise, Port, Product
from openciq.trace.choices import AlertStatus, LocationKind
from openciq.trace.models import Location, SupervisionAlert
from openciq.trace.vegetables.choices import OPEN_SHIPMENT_STATES, ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Plot, Shipment, ShipmentCrate

WORKLIST_STATES = (ShipmentStatus.HELD, ShipmentStatus.AT_GATE)


def bases(*, actor: Any) -> QuerySet[PlantingBase]:
    rows: QuerySet[PlantingBase] = (
        PlantingBase.objects.restrict(actor, "view")
        .select_related("enterprise", "org_unit", "location")
        .annotate(plot_count=Count("plots", distinct=True))
        .order_by("registration_number")
    )
    return rows


def base_get(*, actor: Any, pk: Any) -> PlantingBase | None:
    try:
        return (
            PlantingBase.objects.restrict(actor, "view")
            .select_related("enterprise", "org_unit", "location")
            .filter(pk=pk)
            .first()
        )
    except (ValueError, TypeError):
        return None


def base_plots(*, base: PlantingBase) -> QuerySet[Plot]:
    return base.plots.select_related("location").order_by("code")


def plots(*, actor: Any) -> QuerySet[Plot]:
    return (
        Plot.objects.restrict(actor, "view")
        .select_related("base", "location")
        .order_by("base__registration_number", "code")
    )


def lots(*, actor: Any) -> QuerySet[HarvestLot]:
    rows: QuerySet[HarvestLot] = (
        HarvestLot.objects.restrict(actor, "view")
        .select_related("base", "plot", "product")
        .annotate(
            packed_kg=Sum(
                "packings__quantity_kg", filter=~Q(packings__shipment__status=ShipmentStatus.CANCELLED)
            )
        )
        .order_by("-harvest_date", "-id")
    )
    return rows


def lot_get(*, actor: Any, pk: Any) -> HarvestLot | None:
    try:
        return lots(actor=actor).filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


def lot_packings(*, lot: HarvestLot) -> QuerySet[ShipmentCrate]:
    """The crates a lot went into and the trucks that carried them, newest first."""
    return lot.packings.select_related("crate", "shipment").order_by("-packed_at", "-id")


def crates(*, actor: Any) -> QuerySet[Crate]:
    return Crate.objects.restrict(actor, "view").select_related("enterprise").order_by("grai", "id")


def crate_trips(*, crate_ids: list[int]) -> dict[int, ShipmentCrate]:
    """Per crate, the open shipment it is on (for the crate list's "on trip" column)."""
    lines = (
        ShipmentCrate.objects.filter(crate_id__in=crate_ids, shipment__status__in=OPEN_SHIPMENT_STATES)
        .select_related("shipment", "lot")
        .order_by("crate_id", "-id")
    )
    found: dict[int, ShipmentCrate] = {}
    for line in lines:
        found.setdefault(line.crate_id, line)
    return found


def shipments(*, actor: Any) -> QuerySet[Shipment]:
    rows: QuerySet[Shipment] = (
        Shipment.objects.restrict(actor, "view")
        .select_related("enterprise", "port", "gate")
        .annotate(crate_count=Count("crates"))
        .order_by("-id")
    )
    return rows


def shipment_get(*, actor: Any, pk: Any) -> Shipment | None:
    try:
        return (
            Shipment.objects.restrict(actor, "view")
            .select_related(
                "enterprise", "port", "packhouse", "gate", "decided_by", "receipt_location", "org_unit"
            )
            .filter(pk=pk)
            .first()
        )
    except (ValueError, TypeError):
        return None


def shipment_lines(*, shipment: Shipment) -> list[ShipmentCrate]:
    return list(shipment.crates.select_related("crate", "lot", "lot__product").order_by("crate__grai", "id"))


def shipment_summary(*, lines: list[ShipmentCrate]) -> dict[str, Any]:
    """Declared totals: crates, kg and kg per lot."""
    per_lot: dict[str, Decimal] = {}
    for line in lines:
        per_lot[line.lot.number] = per_lot.get(line.lot.number, Decimal(0)) + line.quantity_kg
    return {
        "crates": len(lines),
        "kg": sum((line.quantity_kg for line in lines), Decimal(0)),
        "lots": sorted(per_lot.items()),
        "loaded": sum(1 for line in lines if line.loaded_at is not None),
    }


def _labelled(alerts: list[SupervisionAlert]) -> list[SupervisionAlert]:
    """Alerts with ``status_label`` (the alert's status field has no choices to display)."""
    labels = dict(AlertStatus.choices)
    for alert in alerts:
        alert.status_label = labels.get(alert.status, alert.status)  # type: ignore[attr-defined]
    return alerts


def shipment_alerts(*, actor: Any, shipment: Shipment) -> list[SupervisionAlert]:
    """The supervision alerts of a shipment the actor may see."""
    return _labelled(
        list(
            SupervisionAlert.objects.restrict(actor, "view")
            .filter(key__startswith=f"vegetables:{shipment.number}:")
            .select_related("handled_by")
            .order_by("raised_at", "id")
        )
    )


def worklist(*, actor: Any) -> dict[str, Any]:
    """The port inspector's vegetables worklist: trucks held (or waiting) at the gate, oldest
    first, and the flow's open alerts."""
    held = list(
        Shipment.objects.restrict(actor, "view")
        .filter(status__in=WORKLIST_STATES)
        .select_related("enterprise", "port", "gate")
        .annotate(crate_count=Count("crates"))
        .order_by("status_changed_at", "id")[:200]
    )
    alerts = list(
        SupervisionAlert.objects.restrict(actor, "view")
        .filter(key__startswith="vegetables:")
        .exclude(status=AlertStatus.RESOLVED)
        .select_related("handled_by")
        .order_by("raised_at", "id")[:200]
    )
    return {"held": held, "alerts": _labelled(alerts)}


# --- Choices offered on forms ------------------------------------------------------------------


def enterprises(*, actor: Any) -> QuerySet[Enterprise]:
    return Enterprise.objects.in_scope(actor).filter(is_active=True).order_by("uscc")


def ports() -> QuerySet[Port]:
    return Port.objects.filter(is_active=True).order_by("code")


def products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("hs_code")


def markets() -> QuerySet[Location]:
    return Location.objects.filter(kind=LocationKind.MARKET).order_by("name", "id")


def open_lots(*, actor: Any, enterprise_id: int) -> list[HarvestLot]:
    """Lots with produce left to pack, of bases the actor sees, the shipment's enterprise's first."""
    rows = [
        lot for lot in lots(actor=actor)[:500] if (getattr(lot, "packed_kg", None) or 0) < lot.quantity_kg
    ]
    return sorted(
        rows,
        key=lambda lot: (lot.base.enterprise_id != enterprise_id, -lot.harvest_date.toordinal(), -lot.pk),
    )
