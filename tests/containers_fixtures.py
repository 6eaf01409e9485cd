"""A small cross-border container world for the container e-seal tests.

``container_world()`` gives two offices' land ports (Guangzhou, where containers are sealed, and
Shenzhen, the boundary office that clears them), the places on the road (a container yard in
Guangzhou, a checkpoint on the route, the Huanggang border gate with a lane inside it, and a
depot off the route), e-locks in the Guangzhou office's register, and the people: the Guangzhou
inspector who seals, the Shenzhen inspector who works the worklist and clears, a bureau leader,
a user with no role and a gateway account that posts reads over the EPCIS API.

Reads from the road go through the real capture pipeline (``capture_reads``: an EPCIS 2.0 JSON
document through ``trace.services.capture_document``), as a gateway's would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.masterdata.models import Port
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.containers import services
from openciq.trace.containers.models import Seal, Trip
from openciq.trace.models import CaptureJob, Location
from tests import personas

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
OCIQ = "https://openciq.org/epcis/"
DECLARATION = "530120260000012345"
CONTAINERS = ["CSQU3054383", "MSKU9070323", "TGHU1234567", "OOLU7628418"]
_serial = itertools.count(1)


def _port(code: str, unit: str, zh: str, en: str) -> Port:
    found = Port.objects.filter(code=code).first()
    if found is not None:
        return found
    with audit.scope(), transaction.atomic():
        port = Port.objects.create(
            code=code, kind="land", org_unit=OrgUnit.objects.get(code=unit), name_zh=zh, name_en=en
        )
        audit.record(actor=system_actor(), action="tests.fixture_created", obj=port)
    return port


def _place(
    kind: str,
    code: str,
    name: str,
    parent: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> Location:
    return trace_services.location_save(
        actor=system_actor(),
        uri=identifiers.place(kind, code),
        name=name,
        kind=kind,
        parent_uri=identifiers.place("gate", parent) if parent else None,
        latitude=lat,
        longitude=lon,
    )


def _user(username: str, role: str | None, unit: str | None) -> User:
    found = User.objects.filter(username=username).first()
    return found if found is not None else personas.persona(username, role, unit)


@dataclass
class ContainerWorld:
    origin: Port
    destination: Port
    other_port: Port  # of a third office (Foshan), out of both inspectors' areas
    yard: Location
    checkpoint: Location
    gate: Location
    lane: Location  # inside the gate
    depot: Location  # off the route
    sealer: User  # Guangzhou inspector
    inspector: User  # Shenzhen inspector (destination office)
    leader: User
    nobody: User
    gateway: User  # the account a seal gateway posts reads with
    seals: list[Seal]

    def seal(
        self, containers: int = 0, *, seal: int = 0, declaration: str = DECLARATION, **extra: Any
    ) -> Trip:
        """A container sealed at the yard for the Huanggang gate (by the Guangzhou inspector)."""
        data = services.TripInput(
            declaration_number=declaration,
            container_number=CONTAINERS[containers],
            seal_id=self.seals[seal].seal_id,
            plate="粤Z·A1234港",
            origin_port_id=self.origin.pk,
            destination_port_id=self.destination.pk,
            sealing_location_id=self.yard.pk,
            arrival_location_id=self.gate.pk,
            checkpoint_ids=[self.checkpoint.pk],
            **extra,
        )
        return services.trip_seal(actor=self.sealer, data=data)


def container_world() -> ContainerWorld:
    personas.org_tree()
    sealer = _user("inspector_gz", "branch_inspector", "GZ")
    world = ContainerWorld(
        origin=_port("CNGZL1", "GZ", "广州陆路口岸", "Guangzhou land port"),
        destination=_port("CNSZL1", "SZ", "皇岗口岸", "Huanggang port"),
        other_port=_port("CNFSL1", "FS", "佛山陆路口岸", "Foshan land port"),
        yard=_place("yard", "GZ-HP-01", "黄埔集装箱堆场", lat=23.09, lon=113.43),
        checkpoint=_place("checkpoint", "DG-CP-07", "东莞卡口 7", lat=22.95, lon=113.88),
        gate=_place("gate", "HUANGGANG", "皇岗口岸货检通道", lat=22.524, lon=114.073),
        lane=_place("gate", "HUANGGANG-L3", "皇岗 3 号车道", parent="HUANGGANG"),
        depot=_place("yard", "ZS-DEPOT", "中山某堆场", lat=22.52, lon=113.39),
        sealer=sealer,
        inspector=_user("inspector_sz", "branch_inspector", "SZ"),
        leader=_user("bureau_leader", "bureau_leader", "GD"),
        nobody=_user("nobody", None, "GZ"),
        gateway=_user("seal_gateway", "branch_inspector", "SZ"),
        seals=[],
    )
    for n in range(1, 4):
        seal_id = f"ZJ01-{n:08d}"
        seal = Seal.objects.filter(seal_id=seal_id).first() or services.seal_register(
            actor=sealer, seal_id=seal_id, model="SELS e-lock"
        )
        world.seals.append(seal)
    return world


# --- Reads from the road -------------------------------------------------------------------------


def read(
    place: Location | None,
    *identifiers_: str,
    when: dt.datetime | None = None,
    disposition: str | None = None,
    biz_step: str | None = None,
    seal_status: str | None = None,
    battery: Any = None,
    action: str = "OBSERVE",
) -> dict[str, Any]:
    """One gateway/checkpoint ObjectEvent in the JSON binding (extension fields with ``ociq``)."""
    moment = (when or timezone.now()) + dt.timedelta(milliseconds=next(_serial))
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": moment.isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "action": action,
        "epcList": list(identifiers_),
    }
    if biz_step:
        event["bizStep"] = biz_step
    if disposition:
        event["disposition"] = disposition
    if place is not None:
        event["readPoint"] = {"id": place.uri}
    if seal_status is not None:
        event["ociq:sealStatus"] = seal_status
    if battery is not None:
        event["ociq:battery"] = battery
    return event


def document(events: Sequence[dict[str, Any]], prefix: str = "ociq") -> bytes:
    """An EPCISDocument holding ``events``, declaring the OpenCIQ namespace as ``prefix``."""
    renamed = [
        {(k.replace("ociq:", f"{prefix}:", 1) if k.startswith("ociq:") else k): v for k, v in e.items()}
        for e in events
    ]
    return json.dumps(
        {
            "@context": [EPCIS_CONTEXT, {prefix: OCIQ}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": timezone.now().isoformat(),
            "epcisBody": {"eventList": renamed},
        },
        ensure_ascii=False,
    ).encode()


def capture_reads(
    world: ContainerWorld, events: Iterable[dict[str, Any]], prefix: str = "ociq"
) -> CaptureJob:
    """Reads posted by the gateway through the real capture service (as ``POST /capture``)."""
    job = trace_services.capture_document(
        actor=world.gateway, data=document(list(events), prefix), media_type="application/json"
    )
    assert job.status == "succeeded", job.errors
    return job


def refresh(trip: Trip) -> Trip:
    return Trip.objects.select_related("container", "seal").get(pk=trip.pk)
