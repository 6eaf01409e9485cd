"""Stored events back out: the JSON binding with the repository's fields, identifiers and CBV
values in the spelling the client asked for (``GS1-EPC-Format``, ``GS1-CBV-XML-Format``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from openciq.trace import cbv, epc
from openciq.trace.models import Event

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
EPC_FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
CBV_FORMATS = ("No_Preference", "Always_Web_URI", "Always_URN", "Never_Translates")

_IDENTIFIER_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_REFERENCES = (
    ("bizTransactionList", "bizTransaction", "bizTransactionType"),
    ("sourceList", "source", "sourceDestType"),
    ("destinationList", "destination", "sourceDestType"),
)


def iso(moment: dt.datetime) -> str:
    """UTC with milliseconds and ``Z``, the repository's spelling of its own times."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _identifier_translator(epc_format: str) -> Callable[[str], str] | None:
    if epc_format == "Always_GS1_Digital_Link":

        def to_dl(value: str) -> str:
            try:
                return epc.normalise(value)
            except epc.InvalidEpc:
                return value

        return to_dl
    if epc_format == "Always_EPC_URN":

        def to_urn(value: str) -> str:
            try:
                return epc.to_urn(value) if value.startswith(("http://", "https://")) else value
            except epc.InvalidEpc:
                return value

        return to_urn
    return None


def _vocabulary_translator(cbv_format: str) -> Callable[[str, str], str] | None:
    render = {"Always_URN": cbv.to_urn, "Always_Web_URI": cbv.to_web_uri}.get(cbv_format)
    if render is None:
        return None

    def translate(kind: str, value: str) -> str:
        try:
            return render(kind, value)
        except ValueError:
            return value

    return translate


def render_event(
    event: Event, *, epc_format: str = "No_Preference", cbv_format: str = "No_Preference"
) -> dict[str, Any]:
    """The stored event as the JSON binding, with ``eventID`` and ``recordTime``."""
    doc: dict[str, Any] = json.loads(event.document)
    doc.setdefault("eventID", event.public_id)
    doc["recordTime"] = iso(event.record_time)
    ident = _identifier_translator(epc_format)
    if ident is not None:
        _translate_identifiers(doc, ident)
    vocab = _vocabulary_translator(cbv_format)
    if vocab is not None:
        _translate_vocabulary(doc, vocab)
    return doc


def _translate_identifiers(doc: dict[str, Any], ident: Callable[[str], str]) -> None:
    for key in _IDENTIFIER_LISTS:
        if isinstance(doc.get(key), list):
            doc[key] = [ident(value) if isinstance(value, str) else value for value in doc[key]]
    if isinstance(doc.get("parentID"), str):
        doc["parentID"] = ident(doc["parentID"])
    for key in _QUANTITY_LISTS:
        for element in doc.get(key) or ():
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                element["epcClass"] = ident(element["epcClass"])
    for key in ("readPoint", "bizLocation"):
        if isinstance(doc.get(key), dict) and isinstance(doc[key].get("id"), str):
            doc[key]["id"] = ident(doc[key]["id"])
    for key, value_key, _kind in _REFERENCES:
        for element in doc.get(key) or ():
            if isinstance(element, dict) and isinstance(element.get(value_key), str):
                element[value_key] = ident(element[value_key])


def _translate_vocabulary(doc: dict[str, Any], vocab: Callable[[str, str], str]) -> None:
    for key, kind in (("bizStep", "bizStep"), ("disposition", "disposition")):
        if isinstance(doc.get(key), str):
            doc[key] = vocab(kind, doc[key])
    persistent = doc.get("persistentDisposition")
    if isinstance(persistent, dict):
        for part in ("set", "unset"):
            if isinstance(persistent.get(part), list):
                persistent[part] = [vocab("disposition", value) for value in persistent[part]]
    for key, _value_key, kind in _REFERENCES:
        for element in doc.get(key) or ():
            if isinstance(element, dict) and isinstance(element.get("type"), str):
                element["type"] = vocab(kind, element["type"])
    declaration = doc.get("errorDeclaration")
    if isinstance(declaration, dict) and isinstance(declaration.get("reason"), str):
        declaration["reason"] = vocab("errorReason", declaration["reason"])


def query_document(
    events: Iterable[dict[str, Any]],
    *,
    query_name: str = "SimpleEventQuery",
    subscription_id: str | None = None,
) -> dict[str, Any]:
    """An EPCISQueryDocument around rendered events; each event's own ``@context`` (the
    namespaces of its extensions) moves up to the document's."""
    context: list[Any] = [EPCIS_CONTEXT]
    namespaces: dict[str, str] = {}
    body: list[dict[str, Any]] = []
    for event in events:
        own = event.pop("@context", None)
        for entry in own if isinstance(own, list) else [own] if own else []:
            if isinstance(entry, Mapping):
                namespaces.update({str(k): str(v) for k, v in entry.items()})
        body.append(event)
    if namespaces:
        context.append(namespaces)
    results: dict[str, Any] = {"queryName": query_name, "resultsBody": {"eventList": body}}
    if subscription_id:
        results["subscriptionID"] = subscription_id
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": iso(dt.datetime.now(dt.UTC)),
        "epcisBody": {"queryResults": results},
    }
