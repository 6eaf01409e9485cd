"""A small traceability world for the page tests, built row by row (no capture pipeline): places
with and without coordinates, and the events of one vegetable shipment and of the truck's next
trip.

The shipment: two crates are tagged at the farm, packed onto a pallet at the packing house, the
pallet is loaded onto a truck, the truck passes the border gate, and the pallet is unloaded at
the market in Hong Kong. A day later the same truck passes the gate again with another load: a
crate's trace must hold the first gate read (while the crate rode in the truck) and not the
second.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from openciq.accounts.models import User
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.trace.capture import canonical_identifier
from openciq.trace.choices import ACTION_BY_NAME, EVENT_TYPE_BY_NAME, EpcRole
from openciq.trace.models import Epc, Event, EventEpc, Location
from tests import personas

CST = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2025, 5, 6, 6, 0, tzinfo=CST)
_serial = itertools.count(1)

CRATE_1 = canonical_identifier("urn:epc:id:grai:9521234.00001.1001")
CRATE_2 = canonical_identifier("urn:epc:id:grai:9521234.00001.1002")
CRATE_3 = canonical_identifier("urn:epc:id:grai:9521234.00001.1003")  # the second trip's load
PALLET = canonical_identifier("urn:epc:id:sscc:9521234.0000000001")
PALLET_2 = canonical_identifier("urn:epc:id:sscc:9521234.0000000002")
TRUCK = "https://id.openciq.org/vehicle/YUE-Z1234-GANG"
LOT = "urn:epc:class:lgtin:9521234.00002.LOT1"

# The JSON binding's list for each role of the identifier index.
_LIST_OF_ROLE = {
    EpcRole.EPC: "epcList",
    EpcRole.CHILD: "childEPCs",
    EpcRole.INPUT: "inputEPCList",
    EpcRole.OUTPUT: "outputEPCList",
}


def location(
    uri: str,
    name: str = "",
    *,
    kind: str = "other",
    parent: Location | None = None,
    latitude: str | None = None,
    longitude: str | None = None,
) -> Location:
    """A location with its path, written in an audit scope as a service would."""
    with audit.scope(), transaction.atomic():
        place = Location.objects.create(
            uri=uri,
            name=name,
            kind=kind,
            parent=parent,
            latitude=Decimal(latitude) if latitude else None,
            longitude=Decimal(longitude) if longitude else None,
        )
        place.path = f"{parent.path if parent else '/'}{place.pk}/"
        Location.objects.filter(pk=place.pk).update(path=place.path)
        audit.record(actor=system_actor(), action="tests.fixture_created", obj=place)
    return place


def event(
    type: str,
    when: dt.datetime,
    *,
    action: str | None = None,
    biz_step: str = "",
    disposition: str = "",
    read_point: Location | None = None,
    biz_location: Location | None = None,
    epcs: Mapping[int, Sequence[str]] | None = None,
    parent: str | None = None,
    quantities: Sequence[tuple[str, float, str]] = (),
    extra: Mapping[str, Any] | None = None,
    error_declaration: Mapping[str, Any] | None = None,
    event_id: str | None = None,
) -> Event:
    """One stored event with its identifier index rows and a JSON-binding document to match.
    ``epcs`` maps a role (``EpcRole.EPC``, ``CHILD`` ...) to identifiers; ``parent`` is the
    ``parentID``; ``quantities`` are ``quantityList`` entries (class, quantity, unit)."""
    doc: dict[str, Any] = {"type": type, "eventTime": when.isoformat(), "eventTimeZoneOffset": "+08:00"}
    if event_id:
        doc["eventID"] = event_id
    if action:
        doc["action"] = action
    if parent:
        doc["parentID"] = parent
    for role, values in (epcs or {}).items():
        doc[_LIST_OF_ROLE[EpcRole(role)]] = list(values)
    if quantities:
        doc["quantityList"] = [{"epcClass": c, "quantity": q, "uom": u} for c, q, u in quantities]
    if biz_step:
        doc["bizStep"] = biz_step
    if disposition:
        doc["disposition"] = disposition
    if read_point:
        doc["readPoint"] = {"id": read_point.uri}
    if biz_location:
        doc["bizLocation"] = {"id": biz_location.uri}
    if error_declaration:
        doc["errorDeclaration"] = dict(error_declaration)
    doc.update(extra or {})
    digest = hashlib.sha256(
        json.dumps({k: v for k, v in doc.items() if k != "errorDeclaration"}, sort_keys=True).encode()
    )
    stored = Event.objects.create(
        hash=digest.digest(),
        event_id=event_id,
        is_error_declaration=error_declaration is not None,
        type=EVENT_TYPE_BY_NAME[type],
        action=ACTION_BY_NAME[action] if action else None,
        event_time=when,
        time_zone_offset="+08:00",
        record_time=when + dt.timedelta(minutes=1),
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        document=json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
    )
    links = [(uri, EpcRole(role)) for role, values in (epcs or {}).items() for uri in values]
    if parent:
        links.append((parent, EpcRole.PARENT))
    links += [(c, EpcRole.QUANTITY) for c, _q, _u in quantities]
    for uri, role in links:
        epc, _created = Epc.objects.get_or_create(uri=uri)
        EventEpc.objects.create(epc=epc, event=stored, role=role)
    return stored


@dataclass
class TraceWorld:
    farm: Location
    packhouse: Location
    gate: Location
    lane: Location  # inside the gate, no coordinates
    market: Location  # no coordinates
    events: dict[str, Event] = field(default_factory=dict)

    @property
    def located(self) -> list[Location]:
        """The places of the shipment that have coordinates."""
        return [self.farm, self.packhouse, self.gate]


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def trace_world() -> TraceWorld:
    """The shipment and the truck's next trip (see the module docstring)."""
    farm = location(
        canonical_identifier("urn:epc:id:sgln:9521234.00001.0"),
        "Huizhou vegetable base 12",
        kind="farm",
        latitude="23.111100",
        longitude="114.416700",
    )
    packhouse = location(
        canonical_identifier("urn:epc:id:sgln:9521234.00002.0"),
        "Shenzhen packing house",
        kind="packhouse",
        latitude="22.650000",
        longitude="114.100000",
    )
    gate = location(
        "https://id.openciq.org/gate/WENJINDU",
        "Wenjindu border gate",
        kind="gate",
        latitude="22.538000",
        longitude="114.116000",
    )
    lane = location("https://id.openciq.org/gate/WENJINDU/lane/3", "Lane 3", kind="gate", parent=gate)
    market = location("https://id.openciq.org/market/HK-CSW", "Cheung Sha Wan market", kind="market")
    world = TraceWorld(farm, packhouse, gate, lane, market)
    e = world.events
    e["commission"] = event(
        "ObjectEvent",
        at(0),
        action="ADD",
        biz_step="commissioning",
        disposition="active",
        read_point=farm,
        biz_location=farm,
        epcs={EpcRole.EPC: [CRATE_1, CRATE_2]},
        quantities=[(LOT, 40.0, "KGM")],
        extra={"ilmd": {"cbvmda:lotNumber": "LOT1"}},
    )
    e["pack"] = event(
        "AggregationEvent",
        at(2),
        action="ADD",
        biz_step="packing",
        read_point=packhouse,
        parent=PALLET,
        epcs={EpcRole.CHILD: [CRATE_1, CRATE_2]},
    )
    e["load"] = event(
        "AggregationEvent",
        at(3),
        action="ADD",
        biz_step="loading",
        disposition="in_transit",
        read_point=packhouse,
        parent=TRUCK,
        epcs={EpcRole.CHILD: [PALLET]},
    )
    e["gate"] = event(
        "ObjectEvent",
        at(4),
        action="OBSERVE",
        biz_step="departing",
        disposition="in_transit",
        read_point=gate,
        epcs={EpcRole.EPC: [TRUCK]},
    )
    e["lane"] = event(
        "ObjectEvent",
        at(4.1),
        action="OBSERVE",
        biz_step="inspecting",
        disposition="conformant",
        read_point=lane,
        biz_location=gate,
        epcs={EpcRole.EPC: [TRUCK]},
        extra={
            "bizTransactionList": [{"type": "cert", "bizTransaction": "urn:openciq:cert:440300-2025-000123"}]
        },
    )
    e["unload"] = event(
        "AggregationEvent",
        at(6),
        action="DELETE",
        biz_step="unloading",
        disposition="container_open",
        read_point=market,
        parent=TRUCK,
        epcs={EpcRole.CHILD: [PALLET]},
    )
    # The truck's next trip with another pallet: not part of the crates' trace.
    e["load_2"] = event(
        "AggregationEvent",
        at(27),
        action="ADD",
        biz_step="loading",
        read_point=packhouse,
        parent=TRUCK,
        epcs={EpcRole.CHILD: [PALLET_2]},
    )
    e["gate_2"] = event(
        "ObjectEvent",
        at(28),
        action="OBSERVE",
        biz_step="departing",
        disposition="in_transit",
        read_point=gate,
        epcs={EpcRole.EPC: [TRUCK, CRATE_3]},
    )
    return world


# --- People ----------------------------------------------------------------------------------------


def _person(username: str, make: Callable[[], User]) -> User:
    found = User.objects.filter(username=username).first()
    return found if found is not None else make()


def inspector() -> User:
    """A port inspector: reads everything, uploads documents."""
    return _person("inspector_gz", personas.inspector_gz)


def leader() -> User:
    """A bureau leader: reads everything, uploads nothing."""
    return _person("bureau_leader", personas.bureau_leader)


def nobody() -> User:
    return _person("nobody", personas.nobody)


def sender() -> User:
    """An enterprise that captures its own events and sees only its own capture jobs."""
    return _person("enterprise_user", personas.enterprise_user)
