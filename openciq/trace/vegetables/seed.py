"""Vegetables to Hong Kong at demo scale, through the real services (every step with its EPCIS
events; the gate's reads captured as a device sends them, so the listener decides), reproducible
from the seed number and idempotent (a second run adds nothing).

Three registered planting bases (Boluo in Huizhou, Zengcheng in Guangzhou, Guangming in Shenzhen)
with three plots each and a dozen harvest lots of choy sum, kai-lan, lettuce and broccoli; 200
RFID crates (120 of the Shenzhen packing house, 80 of the Guangzhou enterprise the demo
enterprise user acts for); the Wenjindu land port's vegetable gate and the Cheung Sha Wan market
in Hong Kong. Then a truck trip in every state: received in Hong Kong (one with a crate not read
on arrival), released electronically and in transit, released by the inspector after a hold,
turned back, held at the gate with a crate missing (open alert), held with a seal reported
opened (taken by the inspector), at the gate waiting for the crates' read, sealed, packing,
cancelled. The history is spread over the last days by running the services on a clock set back
(audit events keep the real time).

The demo's people for this flow (demo passwords, as ``ops.demo``): ``inspector_wjd``, an inspector
of the Wenjindu branch, whose worklist holds the held trucks, and ``packer_sz``, who acts for the
Shenzhen packing house. The Wenjindu land port (``CNWJD``, under the Wenjindu branch), through
which vegetables have gone to Hong Kong for decades, is added to the ports when missing.

At ``--scale bureau`` five years of trips (300 planting bases, 8,000 crates, 800 trucks, 36,500
trips, about 1.85 million events) are added besides, through the repository's bulk path:
``bulkseed.py``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import user_create
from openciq.core import audit
from openciq.masterdata.models import Enterprise, EnterpriseMembership, Port, Product
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, LocationKind
from openciq.trace.vegetables import epcis, services
from openciq.trace.vegetables.models import Crate, HarvestLot, PlantingBase, Shipment

BASES = (
    # registration, branch, name zh, name en, lat, lon, plots (code, crop, ha)
    ("4413GC0101", "HZ", "惠州博罗供港蔬菜种植基地", "Boluo HK vegetable base", "23.172", "114.289",
     (("A1", "菜心", "12"), ("A2", "芥蓝", "10"), ("B1", "生菜", "8"))),
    ("4401GC0102", "GZ", "广州增城供港蔬菜种植基地", "Zengcheng HK vegetable base", "23.290", "113.810",
     (("A1", "菜心", "15"), ("A2", "西兰花", "9"), ("B1", "芥蓝", "6"))),
    ("4403GC0103", "SZ", "深圳光明供港蔬菜种植基地", "Guangming HK vegetable base", "22.772", "113.935",
     (("A1", "菜心", "7"), ("A2", "生菜", "5"), ("B1", "西兰花", "4"))),
)  # fmt: skip
PACKHOUSES = (("SZ", "22.720500", "113.948000"), ("GZ", "23.301000", "113.835000"))
CROPS = {"菜心": "070490", "芥蓝": "070490", "生菜": "070511", "西兰花": "070410"}
PESTICIDES = (("高效氯氰菊酯", 7), ("吡虫啉", 7), ("阿维菌素", 5), ("苯醚甲环唑", 10))
GATE = (
    "https://id.openciq.org/gate/WENJINDU-VEG-1",
    "文锦渡口岸 供港蔬菜电子闸口",
    "22.538500",
    "114.116600",
)
PORT_PLACE = ("https://id.openciq.org/port/WENJINDU", "文锦渡口岸", "22.539500", "114.117500")
MARKET = ("https://id.openciq.org/market/HK-CSW", "香港长沙湾蔬菜批发市场", "22.336500", "114.151800")
CRATES = (("SZ", "69234567", "0001", 100001, 120), ("GZ", "69512345", "0001", 200001, 80))
TRUCKS = tuple(
    f"粤Z{n}港"
    for n in (1068, 2231, 3075, 4412, 5590, 6127, 7306, 8853, 9021, 1179, 2468, 3690, 4537, 5864, 6795, 7140)
)
PEOPLE = {
    "inspector_wjd": (Role.BRANCH_INSPECTOR, "WJ", "文锦渡局口岸检验员"),
    "packer_sz": (Role.ENTERPRISE_USER, None, "供港蔬菜包装厂"),
}


@contextmanager
def clock(days_ago: float) -> Iterator[None]:
    """Run the services as if it were ``days_ago`` days earlier. Audit events keep the real time.
    For the demo's history only: the seeder runs alone in its process."""
    real = timezone.now
    offset = dt.timedelta(days=days_ago)
    timezone.now = lambda: real() - offset
    try:
        yield
    finally:
        timezone.now = real


def seed(*, scale: str, rng: random.Random, actor: Any, stdout: Any = None) -> None:
    """The seeder registered for ``openciq seed`` (after accounts and master data)."""
    if not OrgUnit.objects.filter(code="SZ").exists():
        return  # ``--only vegetables`` on an empty database does nothing
    if not PlantingBase.objects.filter(registration_number=BASES[0][0]).exists():
        demo = _Demo(rng=rng, actor=actor)
        if not demo.ready():
            return
        demo.registers()
        demo.trips()
        if stdout is not None:
            stdout.write(
                f"vegetables: {PlantingBase.objects.count()} bases, {HarvestLot.objects.count()} lots, "
                f"{Crate.objects.count()} crates, {Shipment.objects.count()} shipments"
            )
    if scale == "bureau":  # five years of trips besides, streamed: ``bulkseed.py``
        from openciq.trace.vegetables import bulkseed

        bulkseed.seed_bureau(rng=rng, actor=actor, progress=lambda text: print(text, flush=True))


class _Demo:
    def __init__(self, *, rng: random.Random, actor: Any) -> None:
        self.rng, self.system = rng, actor
        self.enterprises: dict[str, Enterprise] = {}
        self.lots: dict[str, list[HarvestLot]] = {}
        self.crates: dict[str, list[Crate]] = {}
        self.free: dict[str, list[Crate]] = {}

    # --- What the demo stands on -------------------------------------------------------------

    def ready(self) -> bool:
        for unit in ("HZ", "GZ", "SZ"):
            enterprise = self._enterprise(unit)
            if enterprise is None:
                return False
            self.enterprises[unit] = enterprise
        port = _wenjindu(self.system)
        if port is None or not Product.objects.filter(hs_code__in=set(CROPS.values())).exists():
            return False
        self.port: Port = port
        self.inspector = self._person("inspector_wjd")
        self.packer = self._person("packer_sz")
        _membership(self.system, self.packer, self.enterprises["SZ"])
        self.gate = self._place(
            *GATE, LocationKind.GATE, parent=self._place(*PORT_PLACE, LocationKind.PORT).uri
        )
        self.market = self._place(*MARKET, LocationKind.MARKET)
        return True

    def _enterprise(self, unit: str) -> Enterprise | None:
        rows = Enterprise.objects.filter(org_unit__code=unit, is_active=True).order_by("uscc")
        if unit == "GZ":  # the one the demo enterprise user acts for (``ops.demo``)
            return Enterprise.objects.filter(org_unit__code="GZ").order_by("uscc").first()
        trade = Q(name_zh__contains="蔬菜") | Q(name_zh__contains="农产品") | Q(name_zh__contains="食品")
        return (
            rows.filter(kind="packing_house").filter(trade).first()
            or rows.filter(trade).first()
            or rows.filter(kind__in=("packing_house", "farm")).first()
            or rows.first()
        )

    def _person(self, username: str) -> User:
        from openciq.ops.demo import demo_password

        user: User | None = User.objects.filter(username=username).first()
        if user is not None:
            return user
        role, unit, display = PEOPLE[username]
        return user_create(
            actor=self.system,
            username=username,
            password=demo_password(username),
            display_name=display,
            org_unit=OrgUnit.objects.get(code=unit) if unit else None,
            roles=[role],
        )

    def _place(self, uri: str, name: str, lat: str, lon: str, kind: str, parent: str | None = None) -> Any:
        return trace_services.location_save(
            actor=self.system,
            uri=uri,
            name=name,
            kind=kind,
            parent_uri=parent,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
        )

    # --- Registers ------------------------------------------------------------------------------

    def registers(self) -> None:
        products = {p.hs_code: p for p in Product.objects.filter(hs_code__in=set(CROPS.values()))}
        with clock(420):
            for number, unit, zh, en, lat, lon, _plots in BASES:
                services.base_register(
                    actor=self.system,
                    registration_number=number,
                    name_zh=zh,
                    name_en=en,
                    enterprise_id=self.enterprises[unit].pk,
                    org_unit_id=OrgUnit.objects.get(code=unit).pk,
                    area_ha=Decimal(40),
                    registered_on=timezone.localdate(),
                    address=f"{zh[:4]}",
                    latitude=lat,
                    longitude=lon,
                )
        for number, unit, _zh, _en, lat, lon, plots in BASES:
            base = PlantingBase.objects.get(registration_number=number)
            for n, (code, crop, area) in enumerate(plots):
                with clock(400):
                    plot = services.plot_add(
                        actor=self.system,
                        base_id=base.pk,
                        code=code,
                        crop=crop,
                        area_ha=area,
                        latitude=Decimal(lat) + Decimal("0.004") * (n + 1),
                        longitude=Decimal(lon) - Decimal("0.003") * (n + 1),
                    )
                for days in (9, 4, 1)[: 2 if n else 3]:
                    self._lot(unit, plot.pk, products[CROPS[crop]].pk, days)
        for unit, prefix, asset, first, count in CRATES:
            with clock(300):
                crates = services.crate_register(
                    actor=self.system,
                    enterprise_id=self.enterprises[unit].pk,
                    grais=services.grai_range(
                        company_prefix=prefix, asset_type=asset, first_serial=first, count=count
                    ),
                )
            self.crates[unit] = crates
            self.free[unit] = list(crates)
        for unit, lat, lon in PACKHOUSES:
            home = services.packhouse(self.enterprises[unit])
            trace_services.location_save(
                actor=self.system,
                uri=home.uri,
                name=home.name,
                kind=LocationKind.PACKHOUSE,
                latitude=Decimal(lat),
                longitude=Decimal(lon),
            )

    def _lot(self, unit: str, plot_id: int, product_id: int, days_ago: int) -> None:
        pesticide, interval = self.rng.choice(PESTICIDES)
        with clock(days_ago):
            today = timezone.localdate()
            lot = services.lot_harvest(
                actor=self.system,
                plot_id=plot_id,
                product_id=product_id,
                harvest_date=today,
                quantity_kg=Decimal(self.rng.randrange(800, 2000, 50)),
                pesticide=pesticide,
                last_pesticide_date=today - dt.timedelta(days=interval + self.rng.randint(1, 6)),
                pre_harvest_interval_days=interval,
            )
        self.lots.setdefault(unit, []).append(lot)

    # --- Trips ------------------------------------------------------------------------------------

    def trips(self) -> None:
        """One trip in every state, the closed ones first (they free their crates)."""
        received = self._sealed("SZ", 3.2, "440300125000101")
        self._read(received, 3.1)
        self._receive(received, 2.8)
        short = self._sealed("SZ", 2.6, "440300125000102")
        self._read(short, 2.5)
        self._receive(short, 2.2, leave_out=1)
        rejected = self._sealed("SZ", 2.0, "440300125000103")
        self._read(rejected, 1.9, missing=3)
        with clock(1.8):
            services.shipment_reject(
                actor=self.inspector,
                shipment_id=rejected.pk,
                reason="3筐未随车，货证不符，退回包装厂 Three crates not on the truck: turned back",
            )
        self._release_crates(rejected)
        cancelled = self._shipment("SZ", 1.5, "440300125000104", crates=6, load=True)
        with clock(1.4):
            services.shipment_cancel(
                actor=self.packer, shipment_id=cancelled.pk, reason="车辆故障 Truck broke down"
            )
        self._release_crates(cancelled)
        inspected = self._sealed("SZ", 1.2, "440300125000105")
        self._read(inspected, 1.1, missing=1)
        with clock(1.0):
            services.shipment_acknowledge(actor=self.inspector, shipment_id=inspected.pk)
            services.shipment_release_after_inspection(
                actor=self.inspector,
                shipment_id=inspected.pk,
                note="开箱查验：漏读一筐（标签受潮），实货与申报相符 One tag unreadable (wet), goods as declared",
            )
        in_transit = self._sealed("SZ", 0.3, "440300125000106")
        self._read(in_transit, 0.25)
        held = self._sealed("SZ", 0.2, "440300125000107")
        self._read(held, 0.1, missing=2)
        opened = self._sealed("SZ", 0.15, "440300125000108")
        self._read(opened, 0.08, seal_status="opened")
        with clock(0.05):
            services.shipment_acknowledge(actor=self.inspector, shipment_id=opened.pk)
        waiting = self._sealed("SZ", 0.06, "440300125000109")
        self._read(waiting, 0.04, vehicle_only=True)
        self._sealed("SZ", 0.03, "440300125000110")
        self._shipment("SZ", 0.02, "440300125000111", crates=5, load=False)
        gz = self._sealed("GZ", 1.6, "440100125000201")
        self._read(gz, 1.5)
        self._receive(gz, 1.3)
        self._sealed("GZ", 0.1, "440100125000202")

    def _shipment(self, unit: str, days_ago: float, declaration: str, *, crates: int, load: bool) -> Shipment:
        actor = self.packer if unit == "SZ" else self.system
        with clock(days_ago):
            shipment = services.shipment_create(
                actor=actor,
                enterprise_id=self.enterprises[unit].pk,
                port_id=self.port.pk,
                declaration_number=declaration,
                truck_plate=TRUCKS[Shipment.objects.count() % len(TRUCKS)],
            )
            today = timezone.localdate()
            fresh = [
                lot for lot in self.lots[unit] if today - dt.timedelta(days=6) <= lot.harvest_date <= today
            ]
            lots = fresh or [lot for lot in self.lots[unit] if lot.harvest_date <= today]
            for n in range(crates):
                crate = self.free[unit].pop(0)
                lot = lots[n % len(lots)]
                services.crate_pack(
                    actor=actor,
                    shipment_id=shipment.pk,
                    crate=crate.grai,
                    lot_id=lot.pk,
                    quantity_kg=Decimal(self.rng.choice((15, 18, 20))),
                )
            if load:
                services.shipment_load(actor=actor, shipment_id=shipment.pk)
        return shipment

    def _sealed(self, unit: str, days_ago: float, declaration: str) -> Shipment:
        shipment = self._shipment(unit, days_ago, declaration, crates=self.rng.randint(10, 14), load=True)
        seal = f"ZJ01-{self.rng.randrange(10**7, 10**8)}"
        with clock(days_ago - 0.01):
            return services.shipment_seal(actor=self.inspector, shipment_id=shipment.pk, seal_id=seal)

    def _read(
        self,
        shipment: Shipment,
        days_ago: float,
        *,
        missing: int = 0,
        seal_status: str = "intact",
        vehicle_only: bool = False,
    ) -> None:
        """The gate's devices report a passage (over MQTT, as the system actor)."""
        shipment.refresh_from_db()
        crates = [line.crate.epc for line in shipment.crates.select_related("crate").order_by("id")]
        read = (
            [shipment.truck_epc]
            if vehicle_only
            else [shipment.truck_epc, shipment.seal_epc, *crates[missing:]]
        )
        with clock(days_ago):
            event: dict[str, Any] = {
                "@context": [dict(epcis.NAMESPACES)],
                "type": "ObjectEvent",
                "eventTime": epcis.local_time(timezone.now()),
                "eventTimeZoneOffset": epcis.OFFSET,
                "action": "OBSERVE",
                "epcList": read,
                "bizStep": "arriving",
                "readPoint": {"id": self.gate.uri},
            }
            if not vehicle_only:
                event["ociq:sealStatus"] = seal_status
            trace_services.capture_events(
                actor=self.system, events=[event], namespaces=epcis.NAMESPACES, source=CaptureSource.MQTT
            )

    def _receive(self, shipment: Shipment, days_ago: float, *, leave_out: int = 0) -> None:
        read: Sequence[str] | None = None
        if leave_out:
            read = [line.crate.grai for line in shipment.crates.select_related("crate").order_by("id")][
                leave_out:
            ]
        with clock(days_ago):
            services.shipment_receive_hk(
                actor=self.inspector,
                shipment_id=shipment.pk,
                market_id=self.market.pk,
                crates_read=read,
                note="香港食环署回传：已抵长沙湾市场 Arrival reported by Hong Kong",
            )
        self._release_crates(shipment)

    def _release_crates(self, shipment: Shipment) -> None:
        """A closed trip's crates go back to the end of the queue, to be packed again."""
        unit = "SZ" if shipment.enterprise_id == self.enterprises["SZ"].pk else "GZ"
        self.free[unit].extend(line.crate for line in shipment.crates.select_related("crate").order_by("id"))


@audit.audited
def _wenjindu(actor: Any) -> Port | None:
    """The Wenjindu land port, where the demo's trucks leave for Hong Kong."""
    found: Port | None = Port.objects.filter(code="CNWJD").first()
    unit = OrgUnit.objects.filter(code="WJ").first()
    if found is not None or unit is None:
        return found
    port = Port.objects.create(
        code="CNWJD", kind="land", org_unit=unit, name_zh="文锦渡口岸", name_en="Wenjindu"
    )
    audit.record_change(actor=actor, action="masterdata.port_created", obj=port, before=None)
    return port


@audit.audited
def _membership(actor: Any, user: User, enterprise: Enterprise) -> None:
    """The demo packer acts for the Shenzhen packing house (as ``ops.demo`` does for its user)."""
    if EnterpriseMembership.objects.filter(user=user, enterprise=enterprise).exists():
        return
    membership = EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
    audit.record_change(
        actor=actor, action="masterdata.enterprisemembership_created", obj=membership, before=None
    )
