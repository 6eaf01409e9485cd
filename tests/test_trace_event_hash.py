"""Tests of the CBV 2.0 event hash ID (``openciq.trace.event_hash``).

Three kinds of evidence:

* the rules, on hand-written events: the same event in any spelling hashes the same, different
  events hash differently, the excluded fields are excluded, bad input names its field;
* a published reference vector (RalphTro/epcis-event-hash-generator issue #88, README example 1);
* the reference implementation as a test oracle: PyPI ``epcis-event-hash-generator`` 1.9.3, run on
  every event of the OpenEPCIS conformance documents (``JSON/Capture/Documents`` and
  ``JSON/Capture/Events``), and on ``XML/Capture/Documents`` read by the oracle's own XML reader
  while we read them with ``openciq.trace.xmlcodec``;
* XML/JSON parity: each XML conformance document hashes like its JSON counterpart.

The oracle is a prototype ("not meant for production") and 1.9.3 departs from CBV 2.0 in places.
Where it does, we follow the standard and the comparison says so (see ``ORACLE_DIVERGENCES``):

* whole events are compared with the unmodified oracle, except events that meet a listed
  divergence (they are skipped with the reasons);
* every event is also compared field by field: each top-level field alone (with ``type`` and
  ``eventTime``), and all extension fields together, so that the oracle's wrong *order* of the
  top-level fields does not matter, with the listed input adjustments for its other defects.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from openciq.trace.event_hash import event_hash, prehash_string
from openciq.trace.problems import DocumentInvalid

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"
FOLDERS = ("JSON/Capture/Documents", "JSON/Capture/Events")

HASH_ID = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")

#: Where the oracle 1.9.3 departs from CBV 2.0, and what the field-by-field comparison does about it.
ORACLE_DIVERGENCES: Mapping[str, str] = {
    "order": "1.9.3 writes parentID before epcList, and bizTransactionList, sourceList, destinationList "
    "and ilmd after sensorElementList in alphabetical order (they miss its property order and land in "
    "its leftovers); CBV 2.0 orders epcList, parentID, …, bizTransactionList, sourceList, "
    "destinationList, sensorElementList, ilmd (the oracle's own README table and OpenEPCIS agree). "
    "Fields are compared one at a time.",
    "certificationInfo": "1.9.3 hashes certificationInfo; it is not in the CBV 2.0 property order and "
    "the oracle's later master and OpenEPCIS exclude it, as we do. Not compared.",
    "boolean": "1.9.3 writes a JSON boolean as Python's 'True'; its XML reader gives 'true', the XML "
    "lexical form we write. The oracle is given the text 'true'/'false'.",
    "curie": "1.9.3 expands compact IRIs only with prefixes the document declares, not with the EPCIS "
    "context's gs1/cbv/epcis/cbvmda (CBV 2.0: gs1:Temperature -> https://gs1.org/voc/Temperature). "
    "The oracle is given these prefixes explicitly.",
    "sensor_word": "1.9.3 expands a bare sensor type/exception/component only when the EPCIS context "
    "defines the term (not Molar_concentration, EffectiveDoseRate); we expand every bare word, as the "
    "XML binding writes gs1:EffectiveDoseRate. The oracle is given the gs1:/cbv:Comp- compact IRI.",
    "cbvmda": "We write the cbvmda namespace as {urn:epcglobal:cbv:mda}, the XML namespace, for both "
    "spellings (the JSON-LD context has a trailing colon), so that XML and JSON agree. The oracle's "
    "output is mapped likewise.",
    "slash": "1.9.3 recognises an extension inside readPoint/bizLocation/sensor structures only when its "
    "namespace ends with '/', and otherwise repeats the parent after all fields. Both sides are given "
    "the namespaces with '/' appended (namespace URIs are opaque text to the algorithm).",
    "sensor_leftover": "sensorReport.bizRules is not a CBV 2.0 sensorReport field; 1.9.3 writes it in a "
    "second sensorElementList after every other field, we keep it in its report after the standard "
    "fields, like an extension. Removed from both inputs.",
    "long_numeral": "1.9.3 rounds numerals through binary floating point (111100001111000011110000 -> "
    "111100001111000003641344), merging different values; we keep exact decimals. The oracle's "
    "rounded text is mapped back.",
    "protected_prefix": "The document redefines cbvmda, a protected term of the EPCIS context, and the "
    "oracle's JSON-LD processor refuses it; the prefix is renamed for the oracle.",
    "untyped": "1.9.3 crashes (IndexError) on a bizTransaction/source/destination without type; it is "
    "given a placeholder type that is then removed from its output.",
}

_EPCIS_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
_CANONICAL_ORDER = [
    "eventTime",
    "eventTimeZoneOffset",
    "epcList",
    "parentID",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    "ilmd",
]
_ORACLE_ORDER = [
    "eventTime",
    "eventTimeZoneOffset",
    "parentID",
    "epcList",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "sensorElementList",
]
_NOT_HASHED = {"type", "eventID", "id", "@context", "recordTime", "errorDeclaration", "certificationInfo"}
_COMMENTS = {"comment", "rdfs:comment"}
_SENSOR_METADATA = {"time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData"}
_SENSOR_METADATA |= {"dataProcessingMethod", "bizRules"}
_SENSOR_REPORT = set(
    [
        "type",
        "exception",
        "deviceID",
        "deviceMetadata",
        "rawData",
        "dataProcessingMethod",
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    ]
)
_PLACEHOLDER_TYPES = {
    "bizTransactionList": ("po", "type=https://ref.gs1.org/cbv/BTT-po"),
    "sourceList": ("location", "type=https://ref.gs1.org/cbv/SDT-location"),
    "destinationList": ("location", "type=https://ref.gs1.org/cbv/SDT-location"),
}


# --- conformance documents ------------------------------------------------------------------------


def _conformance_events() -> list[Any]:
    if not CONFORMANCE.is_dir():
        return [pytest.param(None, None, None, id="absent")]
    params = []
    for folder in FOLDERS:
        for path in sorted((CONFORMANCE / folder).glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if "epcisBody" in document:
                events = document["epcisBody"]["eventList"]
            else:
                events = [{k: v for k, v in document.items() if k != "@context"}]
            name = f"{folder.split('/')[-1]}/{path.name}"
            for index, event in enumerate(events):
                params.append(pytest.param(name, document["@context"], event, id=f"{name}#{index}"))
    return params


CONFORMANCE_EVENTS = _conformance_events()


def _require_conformance(name: str | None) -> None:
    if name is None:
        pytest.skip(f"../shared/conformance/epcis-openepcis is absent: {CONFORMANCE} not found")


def _prefixes(context: object) -> dict[str, str]:
    """The prefixes a document's @context declares (what the capture parser hands the hash)."""
    found: dict[str, str] = {}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            found.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return found


def _walk(value: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, object]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield path, key, child
            yield from _walk(child, (*path, key))
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, path)


# --- the oracle -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oracle() -> Iterator[Any]:
    """The reference implementation, reading the EPCIS JSON-LD context from its own package copy
    (never from the network)."""
    generator = pytest.importorskip("epcis_event_hash_generator")
    from epcis_event_hash_generator import hash_generator, json_to_py
    from pyld import jsonld

    context_file = Path(generator.__file__).parent / (
        "e532647e8eb371379b8b0e8602d8981c8566bc60f7351f22c76a5bc865962008.jsonld"
    )
    epcis_context = json.loads(context_file.read_text(encoding="utf-8"))

    def loader(url: str, options: object = None) -> dict[str, object]:
        if url.endswith("epcis-context.jsonld"):
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": epcis_context,
            }
        raise jsonld.JsonLdError("offline test", "jsonld.LoadDocumentError", code="loading document failed")

    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(loader)

    class Oracle:
        terms = {key for _, key, _ in _walk(epcis_context)}

        @staticmethod
        def prehash(context: object, event: Mapping[str, object]) -> str:
            document = {
                "@context": context,
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2020-01-01T00:00:00Z",
                "epcisBody": {"eventList": [copy.deepcopy(dict(event))]},
            }
            json_to_py._namespaces.clear()  # module state that would leak between documents
            events = json_to_py.event_list_from_epcis_document_json(document)
            prehashes = hash_generator.derive_prehashes_from_events(events, "")
            assert len(prehashes) == 1, "the oracle dropped the event"
            return str(prehashes[0])

    yield Oracle()
    jsonld.set_document_loader(previous)


def _divergences(event: Mapping[str, Any], context: object, terms: set[str]) -> list[str]:
    """The ``ORACLE_DIVERGENCES`` that apply to ``event`` (see their texts)."""
    found = set()
    present = [key for key in _CANONICAL_ORDER if key in event]
    oracle_order = [k for k in _ORACLE_ORDER if k in event] + sorted(set(present) - set(_ORACLE_ORDER))
    if oracle_order != present:
        found.add("order")
    if "certificationInfo" in event:
        found.add("certificationInfo")
    declared = _prefixes(context)
    if any(p in _EPCIS_PREFIXES and declared[p] != _EPCIS_PREFIXES[p] for p in declared):
        found.add("protected_prefix")
    for path, key, value in _walk(dict(event)):
        prefix = key.partition(":")[0] if ":" in key else None
        if key == "booleanValue":
            found.add("boolean")
        if prefix == "cbvmda":
            found.add("cbvmda")
        nested = bool(path) and path[0] in ("readPoint", "bizLocation", "sensorElementList")
        if prefix and nested and not declared.get(prefix, "/").endswith("/"):
            found.add("slash")
        if isinstance(value, str) and value.partition(":")[0] in ("gs1", "cbv", "epcis", "cbvmda"):
            found.add("curie")
        bare = isinstance(value, str) and ":" not in value and value not in terms
        if path[:1] == ("sensorElementList",) and key in ("type", "exception", "component") and bare:
            found.add("sensor_word")
        if path[-1:] == ("sensorReport",) and ":" not in key and key not in _SENSOR_REPORT:
            found.add("sensor_leftover")
        if path[-1:] == ("sensorMetadata",) and ":" not in key and key not in _SENSOR_METADATA:
            found.add("sensor_leftover")
        if isinstance(value, str) and value.isdigit() and len(value.lstrip("0")) > 15:
            found.add("long_numeral")
        if key in _PLACEHOLDER_TYPES and isinstance(value, list) and any("type" not in i for i in value):
            found.add("untyped")
    return sorted(found)


def _with_slash(namespaces: Mapping[str, str]) -> dict[str, str]:
    return {p: u if u.endswith("/") or p in _EPCIS_PREFIXES else u + "/" for p, u in namespaces.items()}


def _rename_prefix(key: str, renames: Mapping[str, str]) -> str:
    prefix, colon, local = key.partition(":")
    return f"{renames[prefix]}:{local}" if colon and prefix in renames else key


def _for_oracle(value: Any, renames: Mapping[str, str], in_report: bool = False) -> Any:
    """The oracle's input: booleans as XML text, bare sensor words as compact IRIs, renamed prefixes."""
    if isinstance(value, list):
        return [_for_oracle(item, renames, in_report) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, dict):
        return value
    out = {_rename_prefix(k, renames): _for_oracle(v, renames, k == "sensorReport") for k, v in value.items()}
    if in_report:
        for key, base in (("type", "gs1:"), ("exception", "gs1:"), ("component", "cbv:Comp-")):
            if isinstance(out.get(key), str) and ":" not in out[key]:
                out[key] = base + out[key]
    return out


def _without_sensor_leftovers(event: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(event)
    for element in event.get("sensorElementList", []):
        for report in element.get("sensorReport", []):
            for key in [k for k in report if ":" not in k and k not in _SENSOR_REPORT]:
                del report[key]
        metadata = element.get("sensorMetadata", {})
        for key in [k for k in metadata if ":" not in k and k not in _SENSOR_METADATA]:
            del metadata[key]
    return event


def _oracle_field_prehash(oracle: Any, context: object, event: dict[str, Any]) -> str:
    """The oracle's pre-hash of a one-field event, adjusted as ``ORACLE_DIVERGENCES`` says."""
    declared = _with_slash(_prefixes(context))
    renames = {p: p + "Doc" for p, u in declared.items() if p in _EPCIS_PREFIXES and u != _EPCIS_PREFIXES[p]}
    local = {_rename_prefix(f"{p}:", renames)[:-1]: u for p, u in declared.items()}
    local.update(
        {
            p: u
            for p, u in _EPCIS_PREFIXES.items()
            if p in ("gs1", "cbv", "epcis", "cbvmda") and p not in local
        }
    )
    remote = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, str)]
    given = _for_oracle(event, renames)
    placeholders = []
    for key, (kind, written) in _PLACEHOLDER_TYPES.items():
        if any("type" not in item for item in given.get(key, [])):
            assert len(given[key]) == 1, "the placeholder type is only removable from a one-element list"
            given[key] = [{"type": kind, **given[key][0]}]
            placeholders.append(written)
    text: str = oracle.prehash([*remote, local], given)
    for written in placeholders:
        text = text.replace(written, "", 1)
    for _, _, value in _walk(event):
        if isinstance(value, str) and value.isdigit() and len(value.lstrip("0")) > 15:
            text = text.replace(str(int(float(value))), str(int(value)))
    return text.replace("{urn:epcglobal:cbv:mda:/}", "{urn:epcglobal:cbv:mda}").replace(
        "{urn:epcglobal:cbv:mda:}", "{urn:epcglobal:cbv:mda}"
    )


@pytest.mark.parametrize(("name", "context", "event"), CONFORMANCE_EVENTS)
def test_whole_event_hash_equals_the_oracle(
    oracle: Any, name: str | None, context: object, event: Any
) -> None:
    _require_conformance(name)
    reasons = _divergences(event, context, oracle.terms)
    if reasons:
        pytest.skip(
            "oracle 1.9.3 departs from CBV 2.0 here (" + ", ".join(reasons) + "); compared field by field"
        )
    expected = oracle.prehash(context, event)
    assert prehash_string(event, namespaces=_prefixes(context)) == expected
    digest = hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert event_hash(event, namespaces=_prefixes(context)) == f"ni:///sha-256;{digest}?ver=CBV2.0"


@pytest.mark.parametrize(("name", "context", "event"), CONFORMANCE_EVENTS)
def test_every_field_equals_the_oracle(oracle: Any, name: str | None, context: object, event: Any) -> None:
    _require_conformance(name)
    if "@context" in event:  # an event's own prefixes, given to both sides with the document's
        local = event["@context"]
        context = [*(context if isinstance(context, list) else [context])]
        context += local if isinstance(local, list) else [local]
        event = {k: v for k, v in event.items() if k != "@context"}
    namespaces = _with_slash(_prefixes(context))
    standard = [k for k in _CANONICAL_ORDER if k in event and k != "eventTime"]
    extensions = [
        k for k in event if k not in _CANONICAL_ORDER and k not in _NOT_HASHED and k not in _COMMENTS
    ]
    groups = [[k] for k in standard] + ([extensions] if extensions else [])
    for group in groups:
        part = {"type": event["type"], "eventTime": event["eventTime"]} | {k: event[k] for k in group}
        part = _without_sensor_leftovers(part)
        expected = _oracle_field_prehash(oracle, context, part)
        assert prehash_string(part, namespaces=namespaces) == expected, f"field(s) {group}"


# --- XML documents, read by openciq.trace.xmlcodec ------------------------------------------------

XML_DOCUMENTS = "XML/Capture/Documents"
#: XML documents whose content differs from their JSON counterpart, so their hashes must differ too.
XML_CONTENT_DIFFERS: Mapping[str, str] = {
    "CurieString_document.xml": "the XML binds gs1: to https://ref.gs1.org/voc/, the JSON uses https://gs1.org/voc/",
    "SensorData_with_combined_events.xml": "the XML binds gs1: to https://ref.gs1.org/voc/, the JSON uses "
    "https://gs1.org/voc/",
}
JSON_COUNTERPART = {
    "TransformationEvent_with_errorDeclaration.xml": "TransformationEvent_with_error_declaration.json"
}
#: XML-only departures of the oracle (besides ``ORACLE_DIVERGENCES``).
XML_ORACLE_DIVERGENCES: Mapping[str, str] = {
    "Namespace_document.xml": "the document qualifies standard elements with the EPCIS namespace "
    "(<epcis:eventTime>); xmlcodec reads them as the standard elements (a documented leniency), the "
    "oracle hashes them as extension elements {urn:epcglobal:epcis:xsd:2}eventTime.",
}


def _xml_names() -> list[str]:
    folder = CONFORMANCE / XML_DOCUMENTS
    return sorted(p.name for p in folder.glob("*.xml")) if folder.is_dir() else ["absent"]


def _read_xml(name: str) -> tuple[dict[str, Any], dict[str, str]]:
    if name == "absent":
        pytest.skip(f"../shared/conformance/epcis-openepcis is absent: {CONFORMANCE} not found")
    xmlcodec = pytest.importorskip("openciq.trace.xmlcodec")
    document, issues = xmlcodec.read_document((CONFORMANCE / XML_DOCUMENTS / name).read_bytes())
    assert not [i for i in issues if i.severity == "error"], issues
    return document, xmlcodec.namespaces_of(document["@context"])


@pytest.mark.parametrize("name", _xml_names())
def test_xml_and_json_documents_give_the_same_hashes(name: str) -> None:
    document, namespaces = _read_xml(name)
    json_name = JSON_COUNTERPART.get(name, name.replace(".xml", ".json"))
    counterpart = CONFORMANCE / "JSON/Capture/Documents" / json_name
    if not counterpart.exists():
        pytest.skip(f"{name} has no JSON counterpart")
    json_document = json.loads(counterpart.read_text(encoding="utf-8"))
    from_xml = [event_hash(e, namespaces=namespaces) for e in document["epcisBody"]["eventList"]]
    json_namespaces = _prefixes(json_document["@context"])
    from_json = [event_hash(e, namespaces=json_namespaces) for e in json_document["epcisBody"]["eventList"]]
    if name in XML_CONTENT_DIFFERS:
        assert from_xml != from_json, (
            f"{name} now agrees with its JSON counterpart: {XML_CONTENT_DIFFERS[name]}"
        )
    else:
        assert from_xml == from_json


@pytest.mark.parametrize("name", _xml_names())
def test_xml_event_hashes_equal_the_oracle_reading_the_xml(oracle: Any, name: str) -> None:
    document, namespaces = _read_xml(name)
    if name in XML_ORACLE_DIVERGENCES:
        pytest.skip(XML_ORACLE_DIVERGENCES[name])
    from epcis_event_hash_generator import hash_generator, xml_to_py

    try:
        parsed = xml_to_py.event_list_from_epcis_document_str(
            (CONFORMANCE / XML_DOCUMENTS / name).read_text(encoding="utf-8")
        )
    except IndexError:
        pytest.skip(ORACLE_DIVERGENCES["untyped"])
    expected = hash_generator.derive_prehashes_from_events(parsed, "")
    events = document["epcisBody"]["eventList"]
    assert len(expected) == len(events)
    compared = 0
    for index, event in enumerate(events):
        if not _divergences(event, document["@context"], oracle.terms):
            assert prehash_string(event, namespaces=namespaces) == expected[index], f"event {index}"
            compared += 1
    if not compared:
        pytest.skip("every event meets an oracle divergence; compared field by field in JSON")


# --- the reference vector and the rules ---------------------------------------------------------------

EXAMPLE_NS = {"example": "https://ns.example.com/epcis/"}
REFERENCE_EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2020-03-04T11:00:30.000+01:00",
    "eventTimeZoneOffset": "+01:00",
    "recordTime": "2020-03-04T11:00:30.999+01:00",
    "epcList": [
        "urn:epc:id:sscc:4012345.0000000333",
        "urn:epc:id:sscc:4012345.0000000111",
        "urn:epc:id:sscc:4012345.0000000222",
    ],
    "action": "OBSERVE",
    "bizStep": "urn:epcglobal:cbv:bizstep:departing",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.987"},
    "example:myField1": {"example:mySubField1": "2", "example:mySubField2": "5"},
    "example:myField2": "0",
    "example:myField3": {"example:mySubField3": ["3", "1"]},
}


def test_reference_example_gives_the_published_pre_hash_and_hash() -> None:
    # RalphTro/epcis-event-hash-generator issue #88 (README example 1), as confirmed by its maintainer.
    ns = "{https://ns.example.com/epcis/}"
    assert prehash_string(REFERENCE_EVENT, namespaces=EXAMPLE_NS) == (
        "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00"
        "epcListepc=https://id.gs1.org/00/040123450000001112epc=https://id.gs1.org/00/040123450000002225"
        "epc=https://id.gs1.org/00/040123450000003338action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=https://id.gs1.org/414/4012345000115/254/987"
        f"{ns}myField1{ns}mySubField1=2{ns}mySubField2=5{ns}myField2=0{ns}myField3{ns}mySubField3=1{ns}mySubField3=3"
    )
    assert event_hash(REFERENCE_EVENT, namespaces=EXAMPLE_NS) == (
        "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0"
    )


FULL_EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "example:zeta": "last",
    "ilmd": {"cbvmda:lotNumber": "L1", "example:grade": "A"},
    "sensorElementList": [
        {
            "sensorMetadata": {
                "time": "2024-05-01T12:00:00+02:00",
                "deviceID": "urn:epc:id:giai:4000001.111",
            },
            "sensorReport": [{"type": "Temperature", "value": 4.50, "uom": "CEL"}],
            "example:note": "cold",
        }
    ],
    "destinationList": [{"destination": "urn:epc:id:pgln:0614141.00777", "type": "owning_party"}],
    "sourceList": [{"type": "possessing_party", "source": "urn:epc:id:pgln:4012345.00225"}],
    "bizTransactionList": [{"bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034", "type": "po"}],
    "readPoint": {"example:gate": "3", "id": "urn:epc:id:sgln:0614141.07346.1234"},
    "persistentDisposition": {"unset": ["completeness_inferred"], "set": ["completeness_verified"]},
    "disposition": "in_transit",
    "bizStep": "shipping",
    "action": "OBSERVE",
    "quantityList": [
        {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200.0, "uom": "KGM"}
    ],
    "parentID": "urn:epc:id:sscc:0614141.1234567890",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
    "eventTimeZoneOffset": "+02:00",
    "eventTime": "2024-05-01T12:00:00.1235+02:00",
}


def test_pre_hash_follows_the_canonical_property_order() -> None:
    ex = "{https://ns.example.com/epcis/}"
    assert prehash_string(FULL_EVENT, namespaces=EXAMPLE_NS) == (
        "eventType=ObjectEvent"
        "eventTime=2024-05-01T10:00:00.124Z"
        "eventTimeZoneOffset=+02:00"
        "epcListepc=https://id.gs1.org/01/10614141073464/21/2018"
        "parentID=https://id.gs1.org/00/106141412345678908"
        "quantityListquantityElementepcClass=https://id.gs1.org/01/04012345123456/10/998877quantity=200uom=KGM"
        "action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
        "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "persistentDispositionset=https://ref.gs1.org/cbv/Disp-completeness_verified"
        "unset=https://ref.gs1.org/cbv/Disp-completeness_inferred"
        f"readPointid=https://id.gs1.org/414/0614141073467/254/1234{ex}gate=3"
        "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=https://id.gs1.org/253/06141410000121618034"
        "sourceListtype=https://ref.gs1.org/cbv/SDT-possessing_partysource=https://id.gs1.org/417/4012345002256"
        "destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://id.gs1.org/417/0614141007776"
        "sensorElementListsensorElementsensorMetadatatime=2024-05-01T10:00:00.000Z"
        "deviceID=https://id.gs1.org/8004/4000001111"
        f"sensorReporttype=https://gs1.org/voc/Temperaturevalue=4.5uom=CEL{ex}note=cold"
        f"ilmd{ex}grade=A{{urn:epcglobal:cbv:mda}}lotNumber=L1"
        f"{ex}zeta=last"
    )


def _hash(event: Mapping[str, Any], namespaces: Mapping[str, str] = EXAMPLE_NS) -> str:
    return event_hash(event, namespaces=namespaces)


def test_hash_is_an_ni_uri_with_the_cbv_version() -> None:
    assert HASH_ID.fullmatch(_hash(FULL_EVENT))


def test_epc_urns_and_digital_links_give_the_same_hash() -> None:
    as_links = copy.deepcopy(FULL_EVENT)
    as_links["epcList"] = ["https://example.com/shop/01/10614141073464/10/LOT9/21/2018?17=240101"]
    as_links["parentID"] = "https://id.gs1.org/00/106141412345678908"
    as_links["quantityList"][0]["epcClass"] = "https://id.gs1.org/01/04012345123456/10/998877"
    as_links["readPoint"]["id"] = "https://id.example.org/414/0614141073467/254/1234"
    as_links["bizTransactionList"][0]["bizTransaction"] = "https://id.gs1.org/253/06141410000121618034"
    as_links["sourceList"][0]["source"] = "https://id.gs1.org/417/4012345002256"
    as_links["destinationList"][0]["destination"] = "https://id.gs1.org/417/0614141007776"
    as_links["sensorElementList"][0]["sensorMetadata"]["deviceID"] = "https://id.gs1.org/8004/4000001111"
    assert _hash(as_links) == _hash(FULL_EVENT)


def test_bare_words_urns_web_uris_and_compact_iris_give_the_same_hash() -> None:
    as_urns = copy.deepcopy(FULL_EVENT)
    as_urns["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    as_urns["disposition"] = "https://ref.gs1.org/cbv/Disp-in_transit"
    as_urns["persistentDisposition"] = {
        "set": ["urn:epcglobal:cbv:disp:completeness_verified"],
        "unset": ["cbv:Disp-completeness_inferred"],
    }
    as_urns["bizTransactionList"][0]["type"] = "urn:epcglobal:cbv:btt:po"
    as_urns["sourceList"][0]["type"] = "https://ref.gs1.org/cbv/SDT-possessing_party"
    as_urns["destinationList"][0]["type"] = "urn:epcglobal:cbv:sdt:owning_party"
    as_urns["sensorElementList"][0]["sensorReport"][0]["type"] = "gs1:Temperature"
    assert _hash(as_urns) == _hash(FULL_EVENT)


def test_order_of_keys_and_list_items_does_not_change_the_hash() -> None:
    shuffled: dict[str, Any] = dict(reversed(list(copy.deepcopy(FULL_EVENT).items())))
    shuffled["epcList"] = ["urn:epc:id:sgtin:0614141.107346.2", "urn:epc:id:sgtin:0614141.107346.1"]
    ordered = copy.deepcopy(FULL_EVENT) | {"epcList": list(reversed(shuffled["epcList"]))}
    assert _hash(shuffled) == _hash(ordered)


def test_same_instant_in_another_offset_and_equal_numbers_give_the_same_hash() -> None:
    same = copy.deepcopy(FULL_EVENT)
    same["eventTime"] = "2024-05-01T10:00:00.12351Z"
    same["quantityList"][0]["quantity"] = 200
    same["sensorElementList"][0]["sensorReport"][0]["value"] = "4.500"
    assert _hash(same) == _hash(FULL_EVENT)


def test_event_id_record_time_error_declaration_certification_info_and_comments_are_not_hashed() -> None:
    decorated = copy.deepcopy(FULL_EVENT) | {
        "eventID": "ni:///sha-256;00?ver=CBV2.0",
        "id": "_:event1",
        "recordTime": "2024-05-02T00:00:00Z",
        "certificationInfo": "https://accreditation.example.org/certificate/1",
        "errorDeclaration": {"declarationTime": "2024-05-03T00:00:00Z", "reason": "incorrect_data"},
        "rdfs:comment": "a note",
        "comment": "another note",
    }
    assert _hash(decorated) == _hash(FULL_EVENT)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "AggregationEvent"),
        ("eventTime", "2024-05-01T12:00:00.125+02:00"),
        ("eventTimeZoneOffset", "+01:00"),
        ("epcList", ["urn:epc:id:sgtin:0614141.107346.2019"]),
        ("parentID", "urn:epc:id:sscc:0614141.1234567891"),
        ("action", "ADD"),
        ("bizStep", "receiving"),
        ("disposition", "in_progress"),
        ("readPoint", {"id": "urn:epc:id:sgln:0614141.07346.1234"}),
        ("bizTransactionList", [{"bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034", "type": "inv"}]),
        ("ilmd", {"cbvmda:lotNumber": "L2", "example:grade": "A"}),
        ("example:zeta", "first"),
        ("example:extra", ""),
    ],
)
def test_a_changed_or_added_field_changes_the_hash(field: str, value: object) -> None:
    assert _hash(copy.deepcopy(FULL_EVENT) | {field: value}) != _hash(FULL_EVENT)


def test_a_value_moved_between_fields_changes_the_hash() -> None:
    moved = copy.deepcopy(FULL_EVENT)
    moved["sourceList"], moved["destinationList"] = (
        [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00777"}],
        [{"destination": "urn:epc:id:pgln:4012345.00225", "type": "possessing_party"}],
    )
    assert _hash(moved) != _hash(FULL_EVENT)


#: Conformance events that repeat another one in a different spelling, so must share its hash.
SAME_EVENT: Mapping[tuple[str, str], str] = {
    (
        "Documents/AssociationEvent_with_sensorData.json#0",
        "Documents/AssociationEvent.json#1",
    ): "times with .000",
    ("Documents/ObjectEvent_with_comment.json#0", "Documents/ObjectEvent.json#0"): "rdfs:comment added",
    ("Documents/ObjectEvent_with_comment.json#1", "Documents/ObjectEvent.json#1"): "comment added",
    (
        "Documents/ObjectEvent_with_error_declaration.json#0",
        "Documents/ObjectEvent.json#0",
    ): "errorDeclaration",
    (
        "Documents/ObjectEvent_with_error_declaration.json#1",
        "Documents/ObjectEvent.json#1",
    ): "errorDeclaration",
    ("Documents/SensorData_with_combined_events.json#0", "Documents/ObjectEvent_with_sensorData.json#0"): (
        "times without .000, 26 for 26.0"
    ),
    ("Documents/TransformationEvent_with_digitalLink.json#0", "Documents/TransformationEvent.json#0"): (
        "EPC class URNs as Digital Links"
    ),
    ("Events/AssociationEvent.json#0", "Documents/AssociationEvent.json#1"): "single-event capture",
    ("Events/ObjectEvent.json#0", "Documents/ObjectEvent.json#1"): "single-event capture",
    ("Events/TransactionEvent.json#0", "Documents/TransactionEvent.json#1"): "eventTime in +02:00 for Z",
}


def test_conformance_events_share_a_hash_exactly_when_they_are_the_same_event() -> None:
    _require_conformance(CONFORMANCE_EVENTS[0].values[0])
    hashes = {p.id: event_hash(p.values[2], namespaces=_prefixes(p.values[1])) for p in CONFORMANCE_EVENTS}
    assert all(HASH_ID.fullmatch(h) for h in hashes.values())
    group = {event_id: event_id for event_id in hashes}
    for (first, second), difference in SAME_EVENT.items():
        assert hashes[first] == hashes[second], f"{first} and {second} differ only in {difference}"
        group[first] = group[second]
    for first, second in ((a, b) for a in hashes for b in hashes if a < b and hashes[a] == hashes[b]):
        assert group[first] == group[second], f"{first} and {second} are different events with one hash"


def test_both_cbvmda_namespace_spellings_and_document_prefixes_name_the_same_element() -> None:
    event = {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "ilmd": {"mda:lotNumber": "L1"}}
    assert prehash_string(event, namespaces={"mda": "urn:epcglobal:cbv:mda:"}) == prehash_string(
        event, namespaces={"mda": "urn:epcglobal:cbv:mda"}
    )
    undeclared = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00Z",
        "ilmd": {"cbvmda:lotNumber": "L1"},
    }
    assert prehash_string(undeclared, namespaces={}).endswith("ilmd{urn:epcglobal:cbv:mda}lotNumber=L1")


def test_an_event_level_context_adds_and_overrides_prefixes() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00Z",
        "@context": [{"ext": "https://event.example/"}, {"own": "https://own.example/"}],
        "ext:a": "1",
        "own:b": {"@context": {"own": "https://inner.example/"}, "own:c": "2"},
    }
    assert prehash_string(event, namespaces={"ext": "https://document.example/"}).endswith(
        "{https://event.example/}a=1{https://own.example/}b{https://inner.example/}c=2"
    )


def test_an_xml_element_with_text_and_children_writes_both() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00Z",
        "ext:seal": {"@value": "S-1", "ext:colour": "red"},
    }
    assert prehash_string(event, namespaces={"ext": "https://ext.example/"}).endswith(
        "{https://ext.example/}seal=S-1{https://ext.example/}colour=red"
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2023-01-18T11:04:03.1415Z", "2023-01-18T11:04:03.142Z"),
        ("2023-01-18T11:04:03.1414999Z", "2023-01-18T11:04:03.141Z"),
        ("2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"),
        ("2020-07-03T00:05:00-06:00", "2020-07-03T06:05:00.000Z"),
        ("2020-01-01T00:30:00.5+01:00", "2019-12-31T23:30:00.500Z"),
    ],
)
def test_times_are_written_in_utc_with_milliseconds(written: str, canonical: str) -> None:
    event = {"type": "ObjectEvent", "eventTime": written}
    assert prehash_string(event, namespaces={}) == f"eventType=ObjectEventeventTime={canonical}"


@pytest.mark.parametrize(
    ("identifier", "link"),
    [
        ("urn:epc:id:itip:4012345.012345.01.02.999", "https://id.gs1.org/8006/040123451234560102/21/999"),
        ("urn:epc:id:upui:4012345.012345.AB12", "https://id.gs1.org/01/04012345123456/235/AB12"),
        ("urn:epc:idpat:grai:4012345.66666.*", "https://id.gs1.org/8003/04012345666663"),
        ("urn:epc:id:sgtin:0614141.107346.A%2FB(c)", "https://id.gs1.org/01/10614141073464/21/A%2FB%28c%29"),
        ("https://id.example.com/8003/952012200000001004", "https://id.gs1.org/8003/952012200000001004"),
        ("urn:epc:id:bic:CSQU3054383", "urn:epc:id:bic:CSQU3054383"),
        ("urn:iso:11784:156000123456789", "urn:iso:11784:156000123456789"),
    ],
)
def test_identifiers_become_constrained_canonical_digital_links(identifier: str, link: str) -> None:
    event = {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "epcList": [identifier]}
    assert prehash_string(event, namespaces={}).endswith(f"epcListepc={link}")


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ({"eventTime": "2024-01-01T00:00:00Z"}, "/type"),
        ({"type": "ObjectEvent", "eventTime": "22-07-2026"}, "/eventTime"),
        ({"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00"}, "/eventTime"),
        (
            {
                "type": "ObjectEvent",
                "eventTime": "2024-01-01T00:00:00Z",
                "epcList": "urn:epc:id:sgtin:0614141.107346.1",
            },
            "/epcList",
        ),
        (
            {
                "type": "ObjectEvent",
                "eventTime": "2024-01-01T00:00:00Z",
                "readPoint": "urn:epc:id:sgln:0614141.07346.0",
            },
            "/readPoint",
        ),
        ({"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "bizStep": ["shipping"]}, "/bizStep"),
        (
            {
                "type": "ObjectEvent",
                "eventTime": "2024-01-01T00:00:00Z",
                "sensorElementList": [{"sensorReport": [{"time": "noon"}]}],
            },
            "/sensorElementList/0/sensorReport/0/time",
        ),
        (
            {
                "type": "ObjectEvent",
                "eventTime": "2024-01-01T00:00:00Z",
                "quantityList": [{"epcClass": {"id": "x"}}],
            },
            "/quantityList/0/epcClass",
        ),
    ],
)
def test_bad_input_names_the_field(event: dict[str, Any], path: str) -> None:
    with pytest.raises(DocumentInvalid) as caught:
        prehash_string(event, namespaces={})
    assert [issue.path for issue in caught.value.issues] == [path]
    assert caught.value.issues[0].rule == "event_hash"
