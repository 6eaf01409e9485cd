"""The registers: planting bases and their plots, harvest lots, RFID crates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import ean

from openciq.accounts.models import OrgUnit
from openciq.core import audit, numbering
from openciq.core.errors import (
    NotFoundError,
)
from openciq.masterdata.models import Enterprise, Product
from openciq.trace import epc
from openciq.trace.choices import LocationKind
from openciq.trace.vegetables import epcis
from openciq.trace.vegetables.choices import ShipmentStatus
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Plot, ShipmentCrate
from openciq.trace.vegetables.services._common import (
    coordinates,
    decimal_value,
    emit,
    lock,
    packhouse,
    place,
    refuse,
    require,
    scoped,
)

MAX_CRATES_PER_REGISTRATION = 5000
_COMMISSIONING_CHUNK = 1000  # crates per commissioning event of a registration

# --- Planting bases and plots ----------------------------------------------------------------


@audit.audited
def base_register(
    *,
    actor: Any,
    registration_number: str,
    name_zh: str,
    enterprise_id: int,
    area_ha: Decimal | str,
    registered_on: dt.date,
    name_en: str = "",
    org_unit_id: int | None = None,
    address: str = "",
    gs1_company_prefix: str = "",
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
) -> PlantingBase:
    """Register a planting base for Hong Kong supply (permission ``vegetables.add_plantingbase``)
    with its place in the trace (kind farm). Audit ``vegetables.base_registered``."""
    require(actor, "vegetables.add_plantingbase")
    fields: dict[str, list[str]] = {}
    number = (registration_number or "").strip()
    if not number:
        fields["registration_number"] = [_("This field is required.")]
    elif PlantingBase.objects.filter(registration_number=number).exists():
        fields["registration_number"] = [_("A planting base with this registration number exists already.")]
    if not (name_zh or "").strip():
        fields["name_zh"] = [_("This field is required.")]
    enterprise = scoped(Enterprise.objects.all(), actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        fields["enterprise"] = [_("No such enterprise in your area.")]
    unit = OrgUnit.objects.filter(pk=org_unit_id).first() if org_unit_id else None
    if org_unit_id and unit is None:
        fields["org_unit"] = [_("No such office.")]
    area = decimal_value(area_ha, "area_ha", fields)
    prefix = (gs1_company_prefix or "").strip()
    if prefix and not re.fullmatch(r"\d{6,12}", prefix):
        fields["gs1_company_prefix"] = [_("A GS1 company prefix is 6 to 12 digits.")]
    if registered_on > timezone.localdate():
        fields["registered_on"] = [_("This date is in the future.")]
    position = coordinates(latitude, longitude, fields)
    refuse(fields, _("The planting base was not registered."))
    assert enterprise is not None
    location = place(epcis.base_uri(number), name_zh.strip(), LocationKind.FARM, position=position)
    base = PlantingBase.objects.create(
        registration_number=number,
        name_zh=name_zh.strip(),
        name_en=(name_en or "").strip(),
        enterprise=enterprise,
        org_unit=unit or enterprise.org_unit,
        area_ha=area,
        address=(address or "").strip(),
        gs1_company_prefix=prefix,
        location=location,
        registered_on=registered_on,
    )
    audit.record(
        actor=actor,
        action="vegetables.base_registered",
        obj=base,
        changes=audit.diff(None, audit.snapshot(base)),
    )
    return base


@audit.audited
def plot_add(
    *,
    actor: Any,
    base_id: int,
    code: str,
    crop: str,
    area_ha: Decimal | str,
    latitude: Decimal | str | None = None,
    longitude: Decimal | str | None = None,
) -> Plot:
    """Add a plot to a planting base (permission ``vegetables.add_plot``); its place lies inside
    the base's. The plots together may not be larger than the base. Audit
    ``vegetables.plot_added``."""
    require(actor, "vegetables.add_plot")
    base = lock(PlantingBase, actor, base_id)
    fields: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9\-]{0,19}", code):
        fields["code"] = [_("A plot code is 1 to 20 letters, digits or '-'.")]
    elif base.plots.filter(code=code).exists():
        fields["code"] = [_("This base has a plot with this code already.")]
    if not (crop or "").strip():
        fields["crop"] = [_("This field is required.")]
    area = decimal_value(area_ha, "area_ha", fields)
    used = base.plots.aggregate(total=Sum("area_ha"))["total"] or Decimal(0)
    if "area_ha" not in fields and used + area > base.area_ha:
        fields["area_ha"] = [
            _("The base has %(left)s ha left for plots (%(area)s ha in all).")
            % {"left": base.area_ha - used, "area": base.area_ha}
        ]
    position = coordinates(latitude, longitude, fields)
    refuse(fields, _("The plot was not added."))
    location = place(
        epcis.plot_uri(base.registration_number, code),
        f"{base.name_zh} {code}",
        LocationKind.PLOT,
        parent=base.location.uri,
        position=position,
    )
    plot = Plot.objects.create(base=base, code=code, crop=crop.strip(), area_ha=area, location=location)
    audit.record(
        actor=actor, action="vegetables.plot_added", obj=plot, changes=audit.diff(None, audit.snapshot(plot))
    )
    return plot


# --- Harvest lots -----------------------------------------------------------------------------


def _gtin(raw: str, base: PlantingBase, fields: dict[str, list[str]]) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    if not (text.isdigit() and len(text) in (8, 12, 13, 14)):
        fields["gtin"] = [_("A GTIN is 8, 12, 13 or 14 digits.")]
        return ""
    try:
        ean.validate(text)
    except ValueError:
        fields["gtin"] = [_("The check digit is wrong.")]
        return ""
    gtin = text.zfill(14)
    prefix = base.gs1_company_prefix
    if prefix and not gtin[1:].startswith(prefix):
        fields["gtin"] = [
            _("This GTIN is not under the base's GS1 company prefix %(prefix)s.") % {"prefix": prefix}
        ]
    return gtin


def _pre_harvest_interval(
    harvest: dt.date,
    applied: dt.date | None,
    interval: int | None,
    pesticide: str,
    fields: dict[str, list[str]],
) -> None:
    """Refuse a lot harvested inside the pre-harvest interval (安全间隔期) of the last
    pesticide applied, naming the harvest date."""
    if applied is None:
        return
    if applied > harvest:
        fields["last_pesticide_date"] = [_("The last application cannot be after the harvest.")]
        return
    if interval is None:
        fields["pre_harvest_interval_days"] = [_("Give the pesticide's pre-harvest interval.")]
        return
    waited = (harvest - applied).days
    if waited < interval:
        values = {
            "waited": waited,
            "pesticide": pesticide,
            "applied": applied.isoformat(),
            "interval": interval,
            "earliest": (applied + dt.timedelta(days=interval)).isoformat(),
        }
        if pesticide:
            message = _(
                "Harvested %(waited)d days after the last application of %(pesticide)s on %(applied)s: "
                "the pre-harvest interval is %(interval)d days, so the earliest harvest is %(earliest)s."
            )
        else:
            message = _(
                "Harvested %(waited)d days after the last pesticide application on %(applied)s: "
                "the pre-harvest interval is %(interval)d days, so the earliest harvest is %(earliest)s."
            )
        fields["harvest_date"] = [message % values]


@audit.audited
def lot_harvest(
    *,
    actor: Any,
    plot_id: int,
    product_id: int,
    harvest_date: dt.date,
    quantity_kg: Decimal | str,
    pesticide: str = "",
    last_pesticide_date: dt.date | None = None,
    pre_harvest_interval_days: int | None = None,
    gtin: str = "",
) -> HarvestLot:
    """Record a harvest lot of a plot (permission ``vegetables.add_harvestlot``) and commission
    it in EPCIS (ObjectEvent ADD with the harvest facts as ILMD). Refuses a lot harvested inside
    the last pesticide's pre-harvest interval. Audit ``vegetables.lot_harvested``."""
    require(actor, "vegetables.add_harvestlot")
    plot = (
        scoped(Plot.objects.all(), actor)
        .select_related("base", "location", "base__location")
        .filter(pk=plot_id)
        .first()
    )
    if plot is None:
        raise NotFoundError(_("Not found."))
    base = plot.base
    fields: dict[str, list[str]] = {}
    if not base.is_active:
        fields["plot"] = [_("The planting base's registration is not active.")]
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        fields["product"] = [_("No such product.")]
    if harvest_date > timezone.localdate():
        fields["harvest_date"] = [_("This date is in the future.")]
    kg = decimal_value(quantity_kg, "quantity_kg", fields)
    if pre_harvest_interval_days is not None and pre_harvest_interval_days < 0:
        fields["pre_harvest_interval_days"] = [_("Enter a number of days, zero or more.")]
    else:
        _pre_harvest_interval(harvest_date, last_pesticide_date, pre_harvest_interval_days, pesticide, fields)
    gtin = _gtin(gtin, base, fields)
    refuse(fields, _("The harvest lot was not recorded."))
    assert product is not None
    year = timezone.localdate().year
    number = f"VL{year}{numbering.next_value(f'vegetables.lot.{year}'):06d}"
    lot = HarvestLot(
        number=number,
        base=base,
        plot=plot,
        product=product,
        harvest_date=harvest_date,
        quantity_kg=kg,
        pesticide=(pesticide or "").strip(),
        last_pesticide_date=last_pesticide_date,
        pre_harvest_interval_days=pre_harvest_interval_days,
        gtin=gtin,
        epc_class=epcis.lot_class(number, gtin),
    )
    ilmd: dict[str, Any] = {
        "plantingBase": base.registration_number,
        "plot": plot.code,
        "product": product.hs_code,
        "harvestDate": harvest_date.isoformat(),
    }
    if last_pesticide_date is not None:
        ilmd.update(
            pesticide=lot.pesticide,
            lastPesticideDate=last_pesticide_date.isoformat(),
            preHarvestIntervalDays=pre_harvest_interval_days,
        )
    event = epcis.commissioning(
        lot=lot.epc_class,
        number=number,
        kg=kg,
        when=timezone.now(),
        plot=plot.location.uri,
        base=base.location.uri,
        ilmd=ilmd,
    )
    (lot.commissioning_event_id,) = emit(actor, [event])
    lot.save()
    audit.record(
        actor=actor, action="vegetables.lot_harvested", obj=lot, changes=audit.diff(None, audit.snapshot(lot))
    )
    return lot


def lot_packed_kg(lot: HarvestLot) -> Decimal:
    """What of a lot is in crates on shipments that were not cancelled."""
    total = (
        ShipmentCrate.objects.filter(lot=lot)
        .exclude(shipment__status=ShipmentStatus.CANCELLED)
        .aggregate(total=Sum("quantity_kg"))["total"]
    )
    return total or Decimal(0)


# --- Crates -----------------------------------------------------------------------------------


def grai_range(*, company_prefix: str, asset_type: str, first_serial: int, count: int) -> list[str]:
    """GRAI URNs of ``count`` crates numbered from ``first_serial`` (the tags of one delivery)."""
    return [f"urn:epc:id:grai:{company_prefix}.{asset_type}.{first_serial + n}" for n in range(count)]


def _crate_identifiers(grais: Sequence[str], fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(as registered, canonical) for each GRAI; problems listed by line."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    problems: list[str] = []
    for line, raw in enumerate(grais, start=1):
        text = (raw or "").strip()
        try:
            canonical = epc.normalise(text)
            kind = epc.kind(text)
        except epc.InvalidEpc as exc:
            problems.append(_("Line %(line)d: %(problem)s") % {"line": line, "problem": exc.message})
            continue
        if kind != "grai" or len(canonical) <= len("https://id.gs1.org/8003/") + 14:
            problems.append(
                _("Line %(line)d: %(value)s is not a serialised GRAI.") % {"line": line, "value": text}
            )
        elif canonical in seen:
            problems.append(_("Line %(line)d: %(value)s is listed twice.") % {"line": line, "value": text})
        else:
            seen.add(canonical)
            found.append((text, canonical))
    taken = list(Crate.objects.filter(epc__in=seen).values_list("grai", flat=True)[:10])
    if taken:
        problems.append(_("Already registered: %(crates)s") % {"crates": ", ".join(taken)})
    if problems:
        fields["grais"] = problems[:20]
    return found


@audit.audited
def crate_register(*, actor: Any, enterprise_id: int, grais: Sequence[str]) -> list[Crate]:
    """Register an enterprise's RFID crates by their GRAIs, in bulk (permission
    ``vegetables.add_crate``), and commission their tags in EPCIS (one ObjectEvent ADD per
    thousand crates). One audit record ``vegetables.crates_registered`` for the batch."""
    require(actor, "vegetables.add_crate")
    fields: dict[str, list[str]] = {}
    enterprise = scoped(Enterprise.objects.all(), actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        fields["enterprise"] = [_("No such enterprise in your area.")]
    if not grais:
        fields["grais"] = [_("List at least one crate.")]
    elif len(grais) > MAX_CRATES_PER_REGISTRATION:
        fields["grais"] = [_("At most %(n)d crates at a time.") % {"n": MAX_CRATES_PER_REGISTRATION}]
    found = _crate_identifiers(grais, fields) if not fields else []
    refuse(fields, _("The crates were not registered."))
    assert enterprise is not None
    crates = Crate.objects.bulk_create(
        [Crate(grai=grai, epc=canonical, enterprise=enterprise) for grai, canonical in found], batch_size=500
    )
    home = packhouse(enterprise)
    now = timezone.now()
    emit(
        actor,
        [
            epcis.crates_commissioned(
                crates=[canonical for _grai, canonical in found[start : start + _COMMISSIONING_CHUNK]],
                when=now,
                place=home.uri,
                owner=enterprise.uscc,
            )
            for start in range(0, len(found), _COMMISSIONING_CHUNK)
        ],
    )
    audit.record(
        actor=actor,
        action="vegetables.crates_registered",
        obj=enterprise,
        changes={"count": len(crates), "first": found[0][0], "last": found[-1][0]},
    )
    return crates


# --- Shipments: packing, loading, sealing ------------------------------------------------------
