"""The EPCIS 2.0 events of the vegetables-to-Hong-Kong flow, built as JSON-binding dicts for
``openciq.trace.services.capture_events``, and the identifiers they speak about.

Mapping (traceability brief §5.3 and §6, CBV 2.0):

==========================  ================================================================
step                        event
==========================  ================================================================
harvest                     ObjectEvent ADD ``commissioning`` → ``active``: the lot as a
                            ``quantityList`` entry (kg), ILMD with base, plot, product,
                            harvest date, last pesticide and its pre-harvest interval
packing a crate             AggregationEvent ADD ``packing``, parent = the crate's GRAI, child
                            quantity = the lot (kg)
loading the truck           AggregationEvent ADD ``loading`` → ``in_transit``, parent = the
                            truck, children = the crates, bizTransaction ``cert`` = the
                            declaration
sealing                     AssociationEvent ADD ``staging_outbound`` (truck ↔ seal) +
                            ObjectEvent OBSERVE ``staging_outbound`` → ``container_closed``
border gate, match          ObjectEvent OBSERVE ``departing`` → ``in_transit`` at the gate
border gate, mismatch       ObjectEvent OBSERVE ``holding`` → ``mismatch_instance`` (crates or
                            seal identity differ) or ``container_open`` (seal not intact)
inspection after a hold     ObjectEvent OBSERVE ``inspecting`` → ``conformant`` (then
                            ``departing``) or ``non_conformant`` (turned back)
Hong Kong receipt           ObjectEvent OBSERVE ``receiving`` → ``container_open`` (authorised
                            unsealing), AssociationEvent DELETE (truck ↔ seal),
                            AggregationEvent DELETE ``unloading`` (truck ← crates) and one
                            AggregationEvent DELETE ``unpacking`` per crate (crate ← lot)
turned back / cancelled     the same DELETEs at the packing house, ``returned`` / ``unpacking``
==========================  ================================================================

Every event carries its own ``eventID`` (``urn:uuid:…``, what the models point at) and an
``ociq:`` field naming the lot, crate owner or shipment it belongs to, so two look-alike steps
are never taken for one duplicate event. The events are captured with ``NAMESPACES``; capture
stores each with a ``@context`` declaring the ``ociq`` prefix it uses, so a stored event is
self-describing (every event here has an ``ociq:`` field, so every one gets it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openciq.trace import identifiers
from openciq.trace.capture import canonical_identifier

NS = "https://openciq.org/epcis/"
NAMESPACES = {"ociq": NS}
LOCAL = ZoneInfo("Asia/Shanghai")
OFFSET = "+08:00"
KG = "KGM"  # UN/ECE Recommendation 20 code of the kilogram


# --- Identifiers ------------------------------------------------------------------------------


def base_uri(registration_number: str) -> str:
    return identifiers.place("planting-base", registration_number)


def plot_uri(registration_number: str, code: str) -> str:
    return identifiers.place("plot", f"{registration_number}.{code}")


def packhouse_uri(uscc: str) -> str:
    """An enterprise's packing house (one per enterprise in this flow)."""
    return identifiers.place("packhouse", uscc)


def lot_class(number: str, gtin: str = "") -> str:
    """The lot as an EPC class: an LGTIN (GS1 Digital Link ``/01/{gtin}/10/{lot}``) when the
    produce has a GTIN, else the bureau's lot URI. Canonical form."""
    if gtin:
        return canonical_identifier(f"https://id.gs1.org/01/{gtin}/10/{number}")
    return identifiers.batch("lot", number)


def truck_uri(plate: str) -> str:
    return canonical_identifier(identifiers.vehicle(plate))


def seal_uri(seal_id: str) -> str:
    return canonical_identifier(identifiers.seal(seal_id))


def declaration_uri(number: str) -> str:
    """An export declaration as an EPCIS business transaction (type ``cert``), as in the
    live-pig flow."""
    return identifiers.place("declaration", number)


def is_seal(uri: str) -> bool:
    return uri.startswith(f"{identifiers.authority()}/seal/")


def is_vehicle(uri: str) -> bool:
    return uri.startswith(f"{identifiers.authority()}/vehicle/")


def is_grai(uri: str) -> bool:
    """A GS1 returnable asset (a crate) in canonical Digital Link form."""
    return uri.startswith("https://id.gs1.org/8003/")


# --- Events -----------------------------------------------------------------------------------


def event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def local_time(moment: dt.datetime) -> str:
    """The event time in Beijing time, to the microsecond."""
    return moment.astimezone(LOCAL).isoformat()


def _event(
    kind: str,
    when: dt.datetime,
    *,
    action: str | None = None,
    biz_step: str = "",
    disposition: str = "",
    read_point: str = "",
    biz_location: str = "",
    declaration: str = "",
    fields: Mapping[str, Any] | None = None,
    **body: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "eventID": event_id(),
        "eventTime": local_time(when),
        "eventTimeZoneOffset": OFFSET,
    }
    if action:
        event["action"] = action
    event.update(body)
    if biz_step:
        event["bizStep"] = biz_step
    if disposition:
        event["disposition"] = disposition
    if read_point:
        event["readPoint"] = {"id": read_point}
    if biz_location:
        event["bizLocation"] = {"id": biz_location}
    if declaration:
        event["bizTransactionList"] = [{"type": "cert", "bizTransaction": declaration_uri(declaration)}]
    for key, value in (fields or {}).items():
        event[f"ociq:{key}"] = value
    return event


def _kg(lot: str, kg: Decimal) -> dict[str, Any]:
    return {"epcClass": lot, "quantity": float(kg), "uom": KG}


def commissioning(
    *,
    lot: str,
    number: str,
    kg: Decimal,
    when: dt.datetime,
    plot: str,
    base: str,
    ilmd: Mapping[str, Any],
) -> dict[str, Any]:
    return _event(
        "ObjectEvent",
        when,
        action="ADD",
        quantityList=[_kg(lot, kg)],
        biz_step="commissioning",
        disposition="active",
        read_point=plot,
        biz_location=base,
        ilmd={f"ociq:{key}": value for key, value in ilmd.items()},
        fields={"lot": number},
    )


def crates_commissioned(
    *, crates: Sequence[str], when: dt.datetime, place: str, owner: str
) -> dict[str, Any]:
    """The RFID tags of newly registered crates put into service at their owner's packing house."""
    return _event(
        "ObjectEvent",
        when,
        action="ADD",
        epcList=list(crates),
        biz_step="commissioning",
        disposition="active",
        read_point=place,
        biz_location=place,
        fields={"owner": owner},
    )


def packing(
    *, crate: str, lot: str, kg: Decimal, when: dt.datetime, packhouse: str, shipment: str
) -> dict[str, Any]:
    return _event(
        "AggregationEvent",
        when,
        action="ADD",
        parentID=crate,
        childQuantityList=[_kg(lot, kg)],
        biz_step="packing",
        read_point=packhouse,
        biz_location=packhouse,
        fields={"shipment": shipment},
    )


def unpacking(
    *,
    crate: str,
    lot: str,
    kg: Decimal,
    when: dt.datetime,
    place: str,
    shipment: str,
    disposition: str = "",
) -> dict[str, Any]:
    return _event(
        "AggregationEvent",
        when,
        action="DELETE",
        parentID=crate,
        childQuantityList=[_kg(lot, kg)],
        biz_step="unpacking",
        disposition=disposition,
        read_point=place,
        biz_location=place,
        fields={"shipment": shipment},
    )


def loading(
    *, truck: str, crates: Sequence[str], when: dt.datetime, packhouse: str, shipment: str, declaration: str
) -> dict[str, Any]:
    return _event(
        "AggregationEvent",
        when,
        action="ADD",
        parentID=truck,
        childEPCs=list(crates),
        biz_step="loading",
        disposition="in_transit",
        read_point=packhouse,
        biz_location=packhouse,
        declaration=declaration,
        fields={"shipment": shipment},
    )


def unloading(
    *,
    truck: str,
    crates: Sequence[str],
    when: dt.datetime,
    place: str,
    shipment: str,
    declaration: str,
    disposition: str,
) -> dict[str, Any]:
    return _event(
        "AggregationEvent",
        when,
        action="DELETE",
        parentID=truck,
        childEPCs=list(crates),
        biz_step="unloading",
        disposition=disposition,
        read_point=place,
        biz_location=place,
        declaration=declaration,
        fields={"shipment": shipment},
    )


def seal_applied(
    *, truck: str, seal: str, when: dt.datetime, packhouse: str, shipment: str, declaration: str
) -> list[dict[str, Any]]:
    """The seal put on the truck: the association, and the truck closed under it."""
    return [
        _event(
            "AssociationEvent",
            when,
            action="ADD",
            parentID=truck,
            childEPCs=[seal],
            biz_step="staging_outbound",
            read_point=packhouse,
            biz_location=packhouse,
            fields={"shipment": shipment},
        ),
        _event(
            "ObjectEvent",
            when,
            action="OBSERVE",
            epcList=[truck, seal],
            biz_step="staging_outbound",
            disposition="container_closed",
            read_point=packhouse,
            biz_location=packhouse,
            declaration=declaration,
            fields={"shipment": shipment},
        ),
    ]


def seal_removed(*, truck: str, seal: str, when: dt.datetime, place: str, shipment: str) -> dict[str, Any]:
    return _event(
        "AssociationEvent",
        when,
        action="DELETE",
        parentID=truck,
        childEPCs=[seal],
        biz_step="unloading",
        read_point=place,
        biz_location=place,
        fields={"shipment": shipment},
    )


def at_gate(
    *,
    identifiers_: Sequence[str],
    when: dt.datetime,
    gate: str,
    biz_step: str,
    disposition: str,
    shipment: str,
    declaration: str,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A step at the border gate (departing, holding, inspecting) over the truck, its seal and
    its crates."""
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=list(dict.fromkeys(identifiers_)),
        biz_step=biz_step,
        disposition=disposition,
        read_point=gate,
        biz_location=gate,
        declaration=declaration,
        fields={"shipment": shipment, **(fields or {})},
    )


def receiving(
    *, truck: str, seal: str, when: dt.datetime, place: str, shipment: str, declaration: str
) -> dict[str, Any]:
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=[truck, seal] if seal else [truck],
        biz_step="receiving",
        disposition="container_open",
        read_point=place,
        biz_location=place,
        declaration=declaration,
        fields={"shipment": shipment},
    )


# --- Reading a gate read ----------------------------------------------------------------------


def extension(document: Mapping[str, Any], name: str) -> Any:
    """The value of the OpenCIQ extension field ``name`` on a stored event, whatever prefix the
    sender bound the OpenCIQ namespace to (``ociq:`` by convention)."""
    bound: dict[str, Any] = {}
    context = document.get("@context") or ()
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            bound.update(entry)
    prefixes = {prefix for prefix, uri in bound.items() if uri == NS}
    if "ociq" not in bound:
        prefixes.add("ociq")
    for prefix in prefixes:
        if f"{prefix}:{name}" in document:
            return document[f"{prefix}:{name}"]
    return document.get(f"{NS}{name}")
