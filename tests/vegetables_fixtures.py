"""A small world for the vegetables-to-Hong-Kong tests, built through the real services: a
Shenzhen packing enterprise with its people, the Wenjindu land port (Shenzhen branch) with its
electronic gate, the Cheung Sha Wan market in Hong Kong, a registered planting base with a plot,
a harvest lot of choy sum and eight RFID crates.

``gate_read`` sends what the gate's devices send: an EPCIS document through the real capture
service (``services.capture_document``), which runs the flow's capture listener.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import User
from openciq.accounts.services import system_actor
from openciq.masterdata import models as md
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, LocationKind
from openciq.trace.models import CaptureJob, Location
from openciq.trace.vegetables import epcis, services
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Plot, Shipment
from tests import factories as f
from tests import personas

PREFIX, ASSET = "69234567", "0001"
GATE_URI = "https://id.openciq.org/gate/WENJINDU-VEG-1"
MARKET_URI = "https://id.openciq.org/market/HK-CSW"
SEAL = "ZJ01-00012345"


def grai(serial: int) -> str:
    return f"urn:epc:id:grai:{PREFIX}.{ASSET}.{serial}"


@dataclass
class VegWorld:
    enterprise: md.Enterprise
    other_enterprise: md.Enterprise
    port: md.Port
    product: md.Product
    gate: Location
    market: Location
    base: PlantingBase
    plot: Plot
    lot: HarvestLot
    crates: list[Crate]
    inspector: User  # Shenzhen branch: the port's and the enterprise's office
    packer: User  # the packing enterprise's user
    admin: User
    others: dict[str, User] = field(default_factory=dict)
    _plates: int = 0

    def lot_kwargs(self, **overrides: Any) -> dict[str, Any]:
        values: dict[str, Any] = {
            "plot_id": self.plot.pk,
            "product_id": self.product.pk,
            "harvest_date": timezone.localdate(),
            "quantity_kg": Decimal("600"),
            "pesticide": "高效氯氰菊酯 beta-cypermethrin",
            "last_pesticide_date": timezone.localdate() - dt.timedelta(days=10),
            "pre_harvest_interval_days": 7,
        }
        return {**values, **overrides}

    def new_shipment(self, *, declaration: str = "440300125000001", plate: str | None = None) -> Shipment:
        self._plates += 1
        return services.shipment_create(
            actor=self.packer,
            enterprise_id=self.enterprise.pk,
            port_id=self.port.pk,
            declaration_number=declaration,
            truck_plate=plate or f"粤Z{1230 + self._plates}港",
        )

    def sealed_shipment(
        self, crates: Sequence[Crate] | None = None, *, declaration: str = "440300125000001", seal: str = SEAL
    ) -> Shipment:
        """A shipment packed (20 kg a crate), loaded and sealed: waiting for the gate."""
        shipment = self.new_shipment(declaration=declaration)
        for crate in crates if crates is not None else self.crates[:4]:
            services.crate_pack(
                actor=self.packer,
                shipment_id=shipment.pk,
                crate=crate.grai,
                lot_id=self.lot.pk,
                quantity_kg="20",
            )
        services.shipment_load(actor=self.packer, shipment_id=shipment.pk)
        return services.shipment_seal(actor=self.packer, shipment_id=shipment.pk, seal_id=seal)

    def gate_read(
        self,
        shipment: Shipment,
        crates: Sequence[Crate] = (),
        *,
        seal: str | None = SEAL,
        seal_status: str | None = "intact",
        extra: Sequence[str] = (),
        gate: str = GATE_URI,
        when: dt.datetime | None = None,
    ) -> CaptureJob:
        """The gate's passage read, captured as an EPCIS document by the gate's device account."""
        event: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventTime": (when or timezone.now()).astimezone(epcis.LOCAL).isoformat(),
            "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE",
            "epcList": [
                shipment.truck_epc,
                *([epcis.seal_uri(seal)] if seal else []),
                *(crate.grai for crate in crates),
                *extra,
            ],
            "bizStep": "arriving",
            "readPoint": {"id": gate},
        }
        if seal_status is not None:
            event["ociq:sealStatus"] = seal_status
        document = {
            "@context": [
                "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                {"ociq": epcis.NS},
            ],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": timezone.now().isoformat(),
            "epcisBody": {"eventList": [event]},
        }
        return trace_services.capture_document(
            actor=self.others["gate_device"],
            data=json.dumps(document).encode(),
            media_type="application/ld+json",
            source=CaptureSource.API,
        )


def _place(uri: str, name: str, kind: str, lat: str, lon: str) -> Location:
    return trace_services.location_save(
        actor=system_actor(), uri=uri, name=name, kind=kind, latitude=Decimal(lat), longitude=Decimal(lon)
    )


def veg_world() -> VegWorld:
    personas.org_tree()
    sz = f.unit("SZ")
    enterprise = f.EnterpriseFactory(
        org_unit=sz,
        kind="packing_house",
        name_zh="深圳绿源蔬菜有限公司",
        name_en="Shenzhen Lvyuan Vegetables Co., Ltd.",
    )
    other = f.EnterpriseFactory(org_unit=f.unit("GZ"), kind="packing_house", name_zh="广州南菜有限公司")
    packer = personas.persona("veg_packer", "enterprise_user", None)
    f.MembershipFactory(user=packer, enterprise=enterprise)
    inspector = personas.inspector_sz()
    admin = personas.system_admin()
    port = f.PortFactory(code="CNWJD", name_zh="文锦渡口岸", name_en="Wenjindu", kind="land", org_unit=sz)
    product = md.Product.objects.filter(hs_code="070490").first() or f.ProductFactory(
        hs_code="070490", name_zh="菜心", name_en="Choy sum", risk_category="medium"
    )
    gate = _place(GATE_URI, "文锦渡口岸 蔬菜电子闸口 1号", LocationKind.GATE, "22.538000", "114.116000")
    market = _place(MARKET_URI, "长沙湾蔬菜批发市场", LocationKind.MARKET, "22.336000", "114.152000")
    base = services.base_register(
        actor=inspector,
        registration_number="4403GC0001",
        name_zh="惠州博罗供港蔬菜种植基地",
        name_en="Boluo vegetable base",
        enterprise_id=enterprise.pk,
        area_ha=Decimal("40"),
        registered_on=dt.date(2024, 3, 1),
        latitude="23.172000",
        longitude="114.289000",
    )
    plot = services.plot_add(actor=inspector, base_id=base.pk, code="A1", crop="菜心", area_ha="8")
    world = VegWorld(
        enterprise=enterprise,
        other_enterprise=other,
        port=port,
        product=product,
        gate=gate,
        market=market,
        base=base,
        plot=plot,
        lot=None,  # type: ignore[arg-type]
        crates=[],
        inspector=inspector,
        packer=packer,
        admin=admin,
    )
    world.others["gate_device"] = personas.persona("gate_device", "branch_inspector", "SZ")
    world.lot = services.lot_harvest(actor=packer, **world.lot_kwargs())
    world.crates = services.crate_register(
        actor=packer, enterprise_id=enterprise.pk, grais=[grai(1001 + n) for n in range(8)]
    )
    return world
