"""The EPCIS 2.0 events of the live-pig flow, built as JSON-binding dicts for
``openciq.trace.services.capture_events``.

Mapping (traceability brief §6, CBV 2.0):

=====================  =====================================================================
step                   event
=====================  =====================================================================
tagging                ObjectEvent ADD ``commissioning`` → ``active`` (the tag), ILMD with the
                       farm, the 畜禽标识 number, birth date, breed, sex; AssociationEvent ADD
                       ``installing`` (parent = the pig's lifetime identifier, child = the tag)
vaccination/medicine   ObjectEvent OBSERVE, bizStep ``…/bizstep/vaccinating`` or ``…/medicating``
                       (OpenCIQ URIs: CBV has none), product, batch, dose, withdrawal as
                       ``ociq:`` fields
tag replacement        AssociationEvent DELETE ``removing`` (old tag) + ObjectEvent ADD
                       ``commissioning`` (new tag, ``ociq:replaces``) + AssociationEvent ADD
                       ``installing`` (new tag): the pig keeps its lifetime identifier
death                  ObjectEvent DELETE ``destroying`` → ``destroyed``, cause as extension
channel reconciliation ObjectEvent OBSERVE ``inspecting`` at the channel (declared tags read;
                       ``conformant`` when the batch matches), extra tags ``mismatch_instance``
inspector's hold       ObjectEvent OBSERVE ``holding`` at the channel, the reason as extension
release                AggregationEvent ADD ``loading`` → ``in_transit``, parent = the truck,
                       bizTransaction ``cert`` = the export declaration
Hong Kong receipt      ObjectEvent OBSERVE ``receiving`` + AggregationEvent DELETE ``unloading``
=====================  =====================================================================

Every event carries its own ``eventID`` (``urn:uuid:…``, what the models point at) and an
``ociq:`` field naming the record it belongs to, so two look-alike steps are never taken for
one duplicate event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from openciq.trace.pigs.models import Animal, Farm, LoadingBatch, Treatment, declaration_uri

NS = "https://openciq.org/epcis/"
NAMESPACES = {"ociq": NS}
VACCINATING = f"{NS}bizstep/vaccinating"
MEDICATING = f"{NS}bizstep/medicating"
LOCAL = ZoneInfo("Asia/Shanghai")
OFFSET = "+08:00"


def event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def local_time(moment: dt.datetime) -> str:
    """The event time as the bureau's readers write it: Beijing time, milliseconds."""
    return moment.astimezone(LOCAL).isoformat(timespec="milliseconds")


def _event(
    kind: str,
    when: dt.datetime,
    *,
    action: str | None = None,
    biz_step: str = "",
    disposition: str = "",
    read_point: str = "",
    biz_location: str = "",
    fields: Mapping[str, Any] | None = None,
    **body: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        # Its own @context, not left to capture: capture adds one only for the prefixes an event
        # uses, and some of these (the tag's installing, for one) have no ociq: field.
        "@context": [dict(NAMESPACES)],
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
    for name, value in (fields or {}).items():
        if value not in (None, "", []):
            event[f"ociq:{name}"] = value
    return event


def _cert(batch: LoadingBatch) -> list[dict[str, str]]:
    return [{"type": "cert", "bizTransaction": declaration_uri(batch.declaration_number)}]


def commissioning(
    *, animal: Animal, farm: Farm, tag_uri: str, retag: int, when: dt.datetime, replaces: str = ""
) -> dict[str, Any]:
    """A tag put on a pig: the tag comes into use, with the pig's master data as ILMD."""
    ilmd = {
        "ociq:farmRegistration": farm.registration_number,
        "ociq:cnEarTag": animal.cn_number,
        "ociq:species": animal.species,
        "ociq:sex": animal.sex,
        "ociq:breed": animal.breed,
        "ociq:birthDate": animal.birth_date.isoformat(),
        "ociq:retag": retag,
    }
    return _event(
        "ObjectEvent",
        when,
        action="ADD",
        epcList=[tag_uri],
        biz_step="commissioning",
        disposition="active",
        read_point=farm.location.uri,
        biz_location=farm.location.uri,
        ilmd=ilmd,
        fields={"animal": animal.uri, "replaces": replaces},
    )


def installing(*, animal: Animal, farm: Farm, tag_uri: str, when: dt.datetime) -> dict[str, Any]:
    """The tag device associated with the pig's lifetime identifier."""
    return _event(
        "AssociationEvent",
        when,
        action="ADD",
        parentID=animal.uri,
        childEPCs=[tag_uri],
        biz_step="installing",
        read_point=farm.location.uri,
        biz_location=farm.location.uri,
    )


def removing(
    *, animal: Animal, farm: Farm, tag_uri: str, when: dt.datetime, reason: str, replaced_by: str
) -> dict[str, Any]:
    """The old tag's association with the pig ends (lost, damaged or not reading)."""
    return _event(
        "AssociationEvent",
        when,
        action="DELETE",
        parentID=animal.uri,
        childEPCs=[tag_uri],
        biz_step="removing",
        read_point=farm.location.uri,
        biz_location=farm.location.uri,
        fields={"reason": reason, "replacedBy": replaced_by},
    )


def treatment(*, treatment: Treatment, farm: Farm, tag_uris: Sequence[str]) -> dict[str, Any]:
    """Pigs vaccinated or medicated together."""
    step = VACCINATING if treatment.kind == "vaccination" else MEDICATING
    until = treatment.withdrawal_until
    return _event(
        "ObjectEvent",
        treatment.given_at,
        action="OBSERVE",
        epcList=list(tag_uris),
        biz_step=step,
        read_point=farm.location.uri,
        biz_location=farm.location.uri,
        fields={
            "treatment": treatment.pk,
            "product": treatment.product,
            "productBatch": treatment.product_batch,
            "dose": treatment.dose,
            "route": treatment.route,
            "withdrawalDays": treatment.withdrawal_days,
            "withdrawalUntil": local_time(until) if until else None,
            "veterinarian": treatment.veterinarian,
        },
    )


def death(
    *, animal: Animal, farm: Farm, tag_uris: Sequence[str], when: dt.datetime, cause: str, note: str
) -> dict[str, Any]:
    """A pig died or was culled on the farm: its tags end with it."""
    return _event(
        "ObjectEvent",
        when,
        action="DELETE",
        epcList=list(tag_uris),
        biz_step="destroying",
        disposition="destroyed",
        read_point=farm.location.uri,
        biz_location=farm.location.uri,
        fields={"animal": animal.uri, "deathCause": cause, "note": note},
    )


def inspecting(
    *,
    batch: LoadingBatch,
    tag_uris: Sequence[str],
    when: dt.datetime,
    matched: bool,
    missing: Sequence[str],
    extra: Sequence[str],
) -> dict[str, Any]:
    """The loading channel's reconciliation of the declared pigs that were read."""
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=list(tag_uris),
        biz_step="inspecting",
        disposition="conformant" if matched else "",
        read_point=batch.loading_channel.uri,
        biz_location=batch.farm.location.uri,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number, "missing": list(missing), "extra": list(extra)},
    )


def extra_tags(*, batch: LoadingBatch, uris: Iterable[str], when: dt.datetime) -> dict[str, Any]:
    """Tags read in the channel that the declaration does not list: not the expected instances."""
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=sorted(uris),
        biz_step="inspecting",
        disposition="mismatch_instance",
        read_point=batch.loading_channel.uri,
        biz_location=batch.farm.location.uri,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number},
    )


def holding(
    *, batch: LoadingBatch, tag_uris: Sequence[str], when: dt.datetime, reason: str
) -> dict[str, Any]:
    """The inspector holds the batch's pigs at the channel for a closer look."""
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=list(tag_uris),
        biz_step="holding",
        read_point=batch.loading_channel.uri,
        biz_location=batch.farm.location.uri,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number, "reason": reason},
    )


def loading(*, batch: LoadingBatch, tag_uris: Sequence[str], when: dt.datetime) -> dict[str, Any]:
    """The released pigs go into the truck, under the export declaration."""
    return _event(
        "AggregationEvent",
        when,
        action="ADD",
        parentID=batch.vehicle_uri,
        childEPCs=list(tag_uris),
        biz_step="loading",
        disposition="in_transit",
        read_point=batch.loading_channel.uri,
        biz_location=batch.farm.location.uri,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number},
    )


def receiving(
    *, batch: LoadingBatch, tag_uris: Sequence[str], place: str, when: dt.datetime
) -> dict[str, Any]:
    """The tags read on arrival in Hong Kong."""
    return _event(
        "ObjectEvent",
        when,
        action="OBSERVE",
        epcList=list(tag_uris),
        biz_step="receiving",
        read_point=place,
        biz_location=place,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number},
    )


def unloading(
    *, batch: LoadingBatch, tag_uris: Sequence[str], place: str, when: dt.datetime
) -> dict[str, Any]:
    """The truck is emptied in Hong Kong: the pigs that left in it are out of it."""
    return _event(
        "AggregationEvent",
        when,
        action="DELETE",
        parentID=batch.vehicle_uri,
        childEPCs=list(tag_uris),
        biz_step="unloading",
        read_point=place,
        biz_location=place,
        bizTransactionList=_cert(batch),
        fields={"loadingBatch": batch.number},
    )


def channel_read(*, channel: str, tag_uris: Sequence[str], when: dt.datetime) -> dict[str, Any]:
    """What a loading-channel reader reports (for the demo data and tests; real readers send their
    own events over MQTT or HTTP)."""
    return {
        "type": "ObjectEvent",
        "eventTime": local_time(when),
        "eventTimeZoneOffset": OFFSET,
        "action": "OBSERVE",
        "epcList": list(tag_uris),
        "readPoint": {"id": channel},
    }
