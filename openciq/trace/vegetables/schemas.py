"""API schemas of the vegetables flow (no ``from __future__ import annotations``: ninja reads the
annotations at run time). ``<Model>In`` for a create, ``<Model>Row`` for list rows, ``<Model>Out``
for one object with what belongs to it, ``<Model>Page`` for a page of rows. Names are unique
across the whole API document (hence ``Vegetable…`` where another flow could use the word)."""

import datetime as dt
import decimal
from typing import Any

from ninja import Schema
from pydantic import Field, model_validator

from openciq.accounts.schemas import OrgUnitBrief, UserBrief
from openciq.core.api import InSchema
from openciq.masterdata.schemas import EnterpriseBrief
from openciq.trace.vegetables.choices import SealFinding, ShipmentStatus


class VegetableLocationBrief(Schema):
    id: int
    uri: str
    name: str
    latitude: decimal.Decimal | None
    longitude: decimal.Decimal | None


class PortBriefOut(Schema):
    id: int
    code: str
    name: str


class ProductBriefOut(Schema):
    id: int
    hs_code: str
    name: str


# --- Planting bases and plots ---


class PlantingBaseIn(InSchema):
    registration_number: str = Field(max_length=40)
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=200)
    enterprise: int
    org_unit: int | None = Field(None, description="Supervising office; default: the enterprise's")
    area_ha: decimal.Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    registered_on: dt.date
    address: str = Field("", max_length=300)
    gs1_company_prefix: str = Field("", max_length=12)
    latitude: decimal.Decimal | None = None
    longitude: decimal.Decimal | None = None


class PlantingBaseRow(Schema):
    id: int
    registration_number: str
    name: str
    enterprise: EnterpriseBrief
    org_unit: OrgUnitBrief
    area_ha: decimal.Decimal
    is_active: bool


class PlantingBasePage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[PlantingBaseRow]


class PlotIn(InSchema):
    code: str = Field(max_length=20)
    crop: str = Field(max_length=100)
    area_ha: decimal.Decimal = Field(gt=0, max_digits=9, decimal_places=2)
    latitude: decimal.Decimal | None = None
    longitude: decimal.Decimal | None = None


class PlotOut(Schema):
    id: int
    code: str
    crop: str
    area_ha: decimal.Decimal
    location: VegetableLocationBrief


class PlantingBaseOut(PlantingBaseRow):
    name_zh: str
    name_en: str
    address: str
    gs1_company_prefix: str
    registered_on: dt.date
    location: VegetableLocationBrief
    plots: list[PlotOut]

    @staticmethod
    def resolve_plots(obj: Any) -> list[Any]:
        return list(obj.plots.select_related("location").order_by("code"))


# --- Harvest lots ---


class HarvestLotIn(InSchema):
    plot: int
    product: int
    harvest_date: dt.date
    quantity_kg: decimal.Decimal = Field(gt=0, max_digits=10, decimal_places=1)
    pesticide: str = Field("", max_length=100)
    last_pesticide_date: dt.date | None = None
    pre_harvest_interval_days: int | None = Field(None, ge=0, le=365)
    gtin: str = Field("", max_length=14)


class HarvestLotRow(Schema):
    id: int
    number: str
    epc_class: str = Field(description="The lot's EPCIS class identifier (LGTIN or the bureau's lot URI)")
    base: str = Field(description="Registration number of the planting base")
    plot: str = Field(description="Plot code")
    product: ProductBriefOut
    harvest_date: dt.date
    quantity_kg: decimal.Decimal
    packed_kg: decimal.Decimal = Field(description="Packed in crates of shipments not cancelled")

    @staticmethod
    def resolve_base(obj: Any) -> str:
        return str(obj.base.registration_number)

    @staticmethod
    def resolve_plot(obj: Any) -> str:
        return str(obj.plot.code)

    @staticmethod
    def resolve_packed_kg(obj: Any) -> decimal.Decimal:
        return getattr(obj, "packed_kg", None) or decimal.Decimal(0)


class HarvestLotOut(HarvestLotRow):
    pesticide: str
    last_pesticide_date: dt.date | None
    pre_harvest_interval_days: int | None
    gtin: str
    commissioning_event_id: str


class HarvestLotPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[HarvestLotRow]


# --- Crates ---


class CratesIn(InSchema):
    """Crates by their GRAIs, or by a range of serial numbers (one or the other)."""

    enterprise: int
    grais: list[str] = Field(default_factory=list, max_length=5000)
    company_prefix: str = Field("", pattern=r"^(\d{6,12})?$")
    asset_type: str = Field("", pattern=r"^\d{0,6}$")
    first_serial: int | None = Field(None, ge=0)
    count: int | None = Field(None, ge=1, le=5000)

    @model_validator(mode="after")
    def one_way(self) -> "CratesIn":
        ranged = bool(self.company_prefix) and self.first_serial is not None and self.count is not None
        if bool(self.grais) == ranged:
            raise ValueError("give grais, or company_prefix, first_serial and count")
        return self


class CrateOut(Schema):
    id: int
    grai: str
    epc: str
    enterprise: EnterpriseBrief
    is_active: bool


class CratesRegistered(Schema):
    count: int
    first: str
    last: str


class CratePage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[CrateOut]


# --- Shipments ---


class VegetableShipmentIn(InSchema):
    enterprise: int
    port: int
    declaration_number: str = Field(max_length=40)
    truck_plate: str = Field(max_length=20)


class PackIn(InSchema):
    crate: str = Field(max_length=255, description="The crate's GRAI (EPC URN or GS1 Digital Link)")
    lot: int
    quantity_kg: decimal.Decimal = Field(gt=0, max_digits=8, decimal_places=1)


class CrateRefIn(InSchema):
    crate: str = Field(max_length=255)


class SealIn(InSchema):
    seal_id: str = Field(max_length=40, description="Manufacturer ID and serial, e.g. ZJ01-00012345")


class InspectionNoteIn(InSchema):
    note: str = Field(min_length=1)


class ShipmentReasonIn(InSchema):
    reason: str = Field(min_length=1)


class ReceiptIn(InSchema):
    market: int = Field(description="A trace location of kind market")
    crates_read: list[str] | None = Field(None, description="GRAIs read on arrival, if they were read")
    note: str = ""


class DeclaredCrateOut(Schema):
    grai: str
    epc: str
    lot: str
    lot_class: str
    quantity_kg: decimal.Decimal
    loaded: bool
    read_at_gate: bool | None
    received: bool | None

    @staticmethod
    def resolve_grai(obj: Any) -> str:
        return str(obj.crate.grai)

    @staticmethod
    def resolve_epc(obj: Any) -> str:
        return str(obj.crate.epc)

    @staticmethod
    def resolve_lot(obj: Any) -> str:
        return str(obj.lot.number)

    @staticmethod
    def resolve_lot_class(obj: Any) -> str:
        return str(obj.lot.epc_class)

    @staticmethod
    def resolve_loaded(obj: Any) -> bool:
        return obj.loaded_at is not None


class GateComparisonOut(Schema):
    match: bool
    crates_declared: int
    crates_read: int
    missing: list[str]
    extra: list[str]
    lots_declared: list[str]
    lots_missing: list[str]
    seal: SealFinding
    seal_reported: str
    seals_read: list[str]


class VegetableShipmentRow(Schema):
    id: int
    number: str
    status: ShipmentStatus
    status_changed_at: dt.datetime
    enterprise: EnterpriseBrief
    port: PortBriefOut
    declaration_number: str
    truck_plate: str
    truck_epc: str
    seal_id: str


class VegetableShipmentOut(VegetableShipmentRow):
    seal_epc: str
    org_unit: OrgUnitBrief
    packhouse: VegetableLocationBrief
    loaded_at: dt.datetime | None
    sealed_at: dt.datetime | None
    gate: VegetableLocationBrief | None
    gate_arrived_at: dt.datetime | None
    gate_result: GateComparisonOut | None
    gate_event_id: str
    held_at: dt.datetime | None
    held_reason: str
    released_at: dt.datetime | None
    decided_by: UserBrief | None
    decision_note: str
    received_at: dt.datetime | None
    receipt_location: VegetableLocationBrief | None
    receipt_note: str
    crates: list[DeclaredCrateOut]

    @staticmethod
    def resolve_gate_result(obj: Any) -> dict[str, Any] | None:
        return obj.gate_result or None

    @staticmethod
    def resolve_crates(obj: Any) -> list[Any]:
        return list(obj.crates.select_related("crate", "lot").order_by("crate__grai", "id"))


class VegetableShipmentPage(Schema):
    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[VegetableShipmentRow]


class VegetableAlertOut(Schema):
    id: int
    key: str
    kind: str
    severity: str
    status: str
    title: str
    subject: str
    declaration_number: str
    blocking: bool
    raised_at: dt.datetime
    handled_by: UserBrief | None
    resolution: str
    details: dict[str, Any]


class VegetableWorklistOut(Schema):
    held: list[VegetableShipmentRow]
    alerts: list[VegetableAlertOut]
