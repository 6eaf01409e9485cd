"""The XML binding of EPCIS 2.0 (openciq.trace.xmlcodec): conformance documents, errors that name
the element, the two documented leniencies, round trips, XML/JSON equivalence and XXE refusal."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from openciq.trace import cbv, epc
from openciq.trace.problems import errors, warnings
from openciq.trace.xmlcodec import (
    EPCIS_CONTEXT,
    EPCIS_NS,
    QUERY_NS,
    SCHEMA_PATH,
    namespaces_of,
    read_document,
    read_event,
    write_events,
)

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"

DOCUMENTS = [
    "AggregationEvent", "AggregationEvent_all_possible_fields", "AggregationEvent_with_digitalLink",
    "AggregationEvent_with_persistentDisposition", "AggregationEvent_with_sensorData",
    "AggregationEvent_with_userExtensions", "AssociationEvent", "AssociationEvent_2",
    "AssociationEvent_all_possible_fields", "AssociationEvent_with_sensorData", "AssociationEvent_with_userExtensions",
    "Combination_of_different_event", "CurieString_document", "JumbledFieldsOrder", "Namespace_document",
    "Namespaces_at_different_level", "ObjectEvent", "ObjectEvent_all_possible_fields", "ObjectEvent_with_comment",
    "ObjectEvent_with_custom_bizStep_uri", "ObjectEvent_with_digitalLink", "ObjectEvent_with_error_declaration",
    "ObjectEvent_with_sensorData", "ObjectEvent_with_userExtensions", "SensorData_and_extension",
    "SensorData_with_combined_events", "TransactionEvent", "TransactionEvent_all_possible_fields",
    "TransactionEvent_with_sensorData", "TransactionEvent_with_userExtensions", "TransformationEvent",
    "TransformationEvent_all_possible_fields", "TransformationEvent_with_errorDeclaration",
    "TransformationEvent_with_sensorData", "TransformationEvent_with_userExtensions", "epcisDocWithAllGS1Keys",
    "epcisDocWithSensorComponent",
]  # fmt: skip
EVENTS = [
    "AggregationEvent", "AssociationEvent", "Namespace_event", "ObjectEvent", "TransactionEvent",
    "TransformationEvent",
]  # fmt: skip
#: JSON documents: those with an XML twin plus three that exist in JSON only.
JSON_DOCUMENTS = sorted(
    {*DOCUMENTS} - {"Namespace_document", "TransformationEvent_with_errorDeclaration"}
    | {"ObjectEvent_with_persistentDisposition", "TransformationEvent_with_digitalLink",
       "TransformationEvent_with_error_declaration"}
)  # fmt: skip
#: The deliberately lenient files and the warning each one gets; every other file gets no issue.
LENIENT = {
    "Documents/JumbledFieldsOrder": "element_order",
    "Documents/Namespace_document": "namespace",
    "Events/Namespace_event": "namespace",
}
DOC_EVENT = "/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]"
#: Each invalid file, the path of the error and its rule. The bare event is read as a single event.
INVALID = {
    "ObjectEvent_bare_event_without_action": ("/ObjectEvent/action", "schema"),
    "ObjectEvent_with_invalid_action": (f"{DOC_EVENT}/action", "schema"),
    "ObjectEvent_with_invalid_eventTime_format": (f"{DOC_EVENT}/eventTime", "schema"),
    "ObjectEvent_with_near_miss_action": (f"{DOC_EVENT}/action", "schema"),
    "ObjectEvent_with_unknown_element": (f"{DOC_EVENT}/madeUpField", "schema"),
    "ObjectEvent_with_wrong_element_order": (f"{DOC_EVENT}/action", "element_order"),
    "ObjectEvent_without_eventTime": (f"{DOC_EVENT}/eventTime", "schema"),
}
#: XML/JSON files of the same name that are NOT the same event, and why.
NOT_THE_SAME_EVENT = {
    "Documents/Combination_of_different_event": "the AssociationEvent's declarationTime is "
    "2019-11-07T14:00:00.000+01:00 in XML but 2019-11-07T14:00:00Z in JSON (one hour apart)",
    "Documents/ObjectEvent_with_comment": "the JSON has an rdfs:comment field; the XML has that text only "
    "as an XML comment, which is not data",
    "Events/TransformationEvent": "declarationTime is 2020-01-15T00:00:00+01:00 in XML but "
    "2020-01-15T00:00:00Z in JSON",
}
#: Same event, file names spelt differently in the two bindings.
RENAMED_PAIRS = {
    "Documents/TransformationEvent_with_errorDeclaration": "TransformationEvent_with_error_declaration"
}

WHEN = "<eventTime>2026-07-22T06:45:00+02:00</eventTime><eventTimeZoneOffset>+02:00</eventTimeZoneOffset>"


def _conformance(relative: str) -> Path:
    path = CONFORMANCE / relative
    if not path.exists():
        pytest.skip(f"../shared/conformance/epcis-openepcis is absent: {path} not found")
    return path


def _xml(folder: str, name: str) -> bytes:
    return _conformance(f"XML/Capture/{folder}/{name}.xml").read_bytes()


def _document(body: str, namespaces: str = "") -> bytes:
    return (
        f'<epcis:EPCISDocument xmlns:epcis="{EPCIS_NS}" {namespaces} schemaVersion="2.0" '
        f'creationDate="2026-07-22T10:30:00Z"><EPCISBody><EventList>{body}</EventList></EPCISBody>'
        "</epcis:EPCISDocument>"
    ).encode()


def _object_event(inner: str = "", before: str = "") -> str:
    epcs = "<epcList><epc>urn:epc:id:sgtin:9521141.001234.2017</epc></epcList>"
    return f"<ObjectEvent>{before}{WHEN}{epcs}<action>OBSERVE</action>{inner}</ObjectEvent>"


def _events(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["epcisBody"]["eventList"])


# ------------------------------------------------------------------------------- conformance files


@pytest.mark.parametrize("name", DOCUMENTS)
def test_conformance_document_is_accepted(name: str) -> None:
    document, issues = read_document(_xml("Documents", name))

    assert errors(issues) == []
    expected_warning = LENIENT.get(f"Documents/{name}")
    assert [issue.rule for issue in warnings(issues)] == ([expected_warning] if expected_warning else [])
    assert document["type"] == "EPCISDocument"
    assert document["@context"][0] == EPCIS_CONTEXT
    assert _events(document)
    assert all(isinstance(event["eventTime"], str) for event in _events(document))


def test_the_conformance_lists_are_complete() -> None:
    folder = _conformance("XML/Capture")
    assert sorted(p.stem for p in (folder / "Documents").glob("*.xml")) == sorted(DOCUMENTS)
    assert sorted(p.stem for p in (folder / "Events").glob("*.xml")) == sorted(EVENTS)
    assert sorted(p.stem for p in (folder / "Invalid").glob("*.xml")) == sorted(INVALID)
    json_folder = _conformance("JSON/Capture/Documents")
    assert sorted(p.stem for p in json_folder.glob("*.json")) == JSON_DOCUMENTS


@pytest.mark.parametrize("name", EVENTS)
def test_conformance_single_event_is_accepted(name: str) -> None:
    event, issues = read_event(_xml("Events", name))

    assert errors(issues) == []
    expected_warning = LENIENT.get(f"Events/{name}")
    assert [issue.rule for issue in warnings(issues)] == ([expected_warning] if expected_warning else [])
    assert event["type"] == ("ObjectEvent" if name == "Namespace_event" else name)
    assert event["@context"][0] == EPCIS_CONTEXT
    assert "schemaVersion" not in event and "creationDate" not in event


@pytest.mark.parametrize(("name", "expected"), INVALID.items())
def test_invalid_document_is_rejected_naming_the_element(name: str, expected: tuple[str, str]) -> None:
    reader = read_event if name.startswith("ObjectEvent_bare_event") else read_document

    document, issues = reader(_xml("Invalid", name))

    assert document == {}
    found = errors(issues)
    assert [(issue.path, issue.rule) for issue in found] == [expected]
    assert expected[0].rsplit("/", 1)[1] in found[0].message


def test_wrong_element_order_error_explains_the_rule() -> None:
    _, issues = read_document(_xml("Invalid", "ObjectEvent_with_wrong_element_order"))

    assert issues[0].message.startswith(
        "action comes before eventTime and eventTimeZoneOffset in ObjectEvent"
    )


def test_invalid_action_message_lists_the_allowed_values() -> None:
    _, issues = read_document(_xml("Invalid", "ObjectEvent_with_invalid_action"))

    assert issues[0].message == "action 'CREATE' is not one of ADD, OBSERVE, DELETE."


def test_missing_event_time_is_reported_as_missing() -> None:
    _, issues = read_document(_xml("Invalid", "ObjectEvent_without_eventTime"))

    assert issues[0].message == "ObjectEvent lacks eventTime, which is required."


# ----------------------------------------------------------------------------------- dict shape


def test_all_fields_document_reads_into_the_json_binding_shape() -> None:
    document, _ = read_document(_xml("Documents", "ObjectEvent_all_possible_fields"))
    event = _events(document)[0]

    assert document["@context"] == [
        EPCIS_CONTEXT,
        {"ext1": "http://example.com/ext1/"},
        {"ext2": "http://example.com/ext2/"},
        {"ext3": "http://example.com/ext3/"},
        {"cbvmda": "urn:epcglobal:cbv:mda"},
    ]
    assert event["epcList"] == ["urn:epc:id:sgtin:0614141.107346.2018"]
    assert event["action"] == "ADD"
    assert event["bizStep"] == "urn:epcglobal:cbv:bizstep:receiving"  # values stay as sent
    assert event["readPoint"] == {"id": "urn:epc:id:sgln:0012345.11111.400"}
    assert event["quantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200.0, "uom": "KGM"}
    ]
    assert event["bizTransactionList"][0] == {
        "type": "urn:epcglobal:cbv:btt:po",
        "bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034",
    }
    assert event["sourceList"][0] == {
        "type": "urn:epcglobal:cbv:sdt:location",
        "source": "urn:epc:id:sgln:4012345.00225.0",
    }
    assert event["errorDeclaration"] == {
        "declarationTime": "2006-11-07T14:00:00.000+01:00",
        "reason": "urn:epcglobal:cbv:er:incorrect_data",
        "correctiveEventIDs": [
            "ni:///sha-256;fec9667280c4710a3fa9558b7bc8ddc2ced0dc442d87f82becae24bb6ca6a46f?ver=CBV2.0"
        ],
    }
    assert event["certificationInfo"] == "https://accreditation-council.example.org/certificate/ABC12345"
    assert event["persistentDisposition"] == {
        "unset": ["urn:epcglobal:cbv:disp:completeness_inferred"],
        "set": ["urn:epcglobal:cbv:disp:completeness_verified"],
    }
    report = event["sensorElementList"][0]["sensorReport"][0]
    assert (report["value"], report["booleanValue"], report["percRank"]) == (26.0, True, 50.0)
    assert report["ext1:someFurtherReportData"] == "someText"
    assert event["sensorElementList"][0]["sensorMetadata"]["ext1:someFurtherMetadata"] == "someText"
    assert event["ilmd"]["cbvmda:lotNumber"] == "ABC123"
    assert event["ext1:array"][:5] == ["12", "22", "2013-06-08T14:58:56.591Z", "true", "stringInArray"]
    assert event["ext1:object"]["ext2:object"] == {"ext2:object": {"ext3:string": "stringInObjectInObject"}}


def test_epcis_qualified_elements_read_as_the_standard_ones() -> None:
    document, issues = read_document(_xml("Documents", "Namespace_document"))
    event = _events(document)[0]

    assert issues[0].path == DOC_EVENT
    assert "epcis:ObjectEvent" in issues[0].message
    assert event["type"] == "ObjectEvent"
    assert event["readPoint"] == {"id": "urn:epc:id:sgln:479602638.000.0"}
    assert event["quantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:479602638.0024.018o1", "quantity": 29.0, "uom": "KGM"}
    ]
    assert event["bizTransactionList"] == [
        {"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "http://transaction.acme.com/po/12345679"}
    ]


def test_whitespace_around_values_is_trimmed() -> None:
    document, _ = read_document(_xml("Documents", "JumbledFieldsOrder"))

    assert (
        _events(document)[0]["bizTransactionList"][1]["bizTransaction"]
        == "urn:epc:id:gsrn:0614141.0000010253"
    )


def test_xsi_type_hints_are_dropped_and_values_stay_strings() -> None:
    event, _ = read_event(_xml("Events", "Namespace_event"))

    assert event["ext1:int"] == "10"
    assert event["ext1:object"]["ext2:array"] == ["11", "21", "stringInArrayInObject"]


def test_extension_attributes_and_text_use_value_key() -> None:
    body = _object_event(
        '<ex:weight ex:unit="kg">5</ex:weight><ex:count xsi:type="xsd:integer">3</ex:count><ex:tag/>'
    )
    namespaces = (
        'xmlns:ex="https://example.org/ns/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    )

    document, issues = read_document(_document(body, namespaces))

    assert issues == []
    assert _events(document)[0]["ex:weight"] == {"ex:unit": "kg", "@value": "5"}
    assert _events(document)[0]["ex:count"] == "3"
    assert _events(document)[0]["ex:tag"] == ""


def test_extension_value_contradicting_its_xsi_type_names_the_element() -> None:
    body = _object_event('<ex:count xsi:type="xsd:integer">three</ex:count>')
    namespaces = (
        'xmlns:ex="https://example.org/ns/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    )

    _, issues = read_document(_document(body, namespaces))

    assert [(i.path, i.message) for i in issues] == [
        (f"{DOC_EVENT}/ex:count", "ex:count 'three' is not a valid xs:integer.")
    ]


def test_default_namespace_extension_gets_a_generated_prefix() -> None:
    document, _ = read_document(_document(_object_event('<weight xmlns="https://example.org/d">5</weight>')))

    assert _events(document)[0]["ns:weight"] == "5"
    assert {"ns": "https://example.org/d"} in document["@context"]


def test_prefix_bound_to_two_namespaces_is_renamed_for_the_second() -> None:
    first = _object_event('<ex:a xmlns:ex="https://one.example/">1</ex:a>')
    second = _object_event('<ex:b xmlns:ex="https://two.example/">2</ex:b>')

    document, _ = read_document(_document(first + second))

    assert _events(document)[0]["ex:a"] == "1"
    assert _events(document)[1]["ex_2:b"] == "2"
    assert document["@context"][1:] == [{"ex": "https://one.example/"}, {"ex_2": "https://two.example/"}]


def test_compact_uri_values_declare_their_xml_namespace() -> None:
    document, _ = read_document(_xml("Documents", "CurieString_document"))

    assert _events(document)[0]["bizStep"] == "cbv:BizStep-receiving"
    assert {"cbv": "https://ref.gs1.org/cbv/"} in document["@context"]


def test_nil_quantity_reads_as_an_absent_quantity() -> None:
    event, _ = read_event(_xml("Events", "TransformationEvent"))

    assert event["inputQuantityList"] == [{"epcClass": "urn:epc:class:lgtin:4012345.022222.87545GHGH"}]


@pytest.mark.parametrize(
    ("kind", "inner"),
    [
        ("ObjectEvent", "<epcList/><action>ADD</action>"),
        ("AggregationEvent", "<parentID>urn:epc:id:sscc:0614141.1234567890</parentID><childEPCs/><action>ADD</action>"),
        ("TransactionEvent", "<bizTransactionList><bizTransaction>urn:x:po:1</bizTransaction></bizTransactionList>"
         "<epcList/><action>ADD</action>"),
        ("TransformationEvent", "<inputEPCList/><outputEPCList/>"),
        ("AssociationEvent", "<parentID>urn:epc:id:grai:4012345.55555.987</parentID><action>ADD</action>"),
    ],
)  # fmt: skip
def test_persistent_disposition_is_accepted_on_every_event_type(kind: str, inner: str) -> None:
    disposition = (
        "<persistentDisposition><set>urn:epcglobal:cbv:disp:completeness_verified</set>"
        "<unset>urn:epcglobal:cbv:disp:completeness_inferred</unset></persistentDisposition>"
    )

    document, issues = read_document(_document(f"<{kind}>{WHEN}{inner}{disposition}</{kind}>"))

    assert issues == []
    assert _events(document)[0]["persistentDisposition"] == {
        "set": ["urn:epcglobal:cbv:disp:completeness_verified"],
        "unset": ["urn:epcglobal:cbv:disp:completeness_inferred"],
    }


def test_query_document_reads_into_query_results() -> None:
    data = (
        f'<epcisq:EPCISQueryDocument xmlns:epcisq="{QUERY_NS}" schemaVersion="2.0" creationDate="2026-07-22T10:30:00Z">'
        f"<EPCISBody><epcisq:QueryResults><queryName>SimpleEventQuery</queryName><subscriptionID>s-1</subscriptionID>"
        f"<resultsBody><EventList>{_object_event()}</EventList></resultsBody></epcisq:QueryResults></EPCISBody>"
        "</epcisq:EPCISQueryDocument>"
    ).encode()

    document, issues = read_document(data)

    assert issues == []
    assert document["type"] == "EPCISQueryDocument"
    results = document["epcisBody"]["queryResults"]
    assert (results["queryName"], results["subscriptionID"]) == ("SimpleEventQuery", "s-1")
    assert results["resultsBody"]["eventList"][0]["action"] == "OBSERVE"


def test_header_master_data_reads_into_epcis_header() -> None:
    header = (
        '<EPCISHeader><sbdh:StandardBusinessDocumentHeader xmlns:sbdh="http://www.unece.org/cefact/namespaces/'
        'StandardBusinessDocumentHeader"><sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>'
        "</sbdh:StandardBusinessDocumentHeader><extension><EPCISMasterData><VocabularyList>"
        '<Vocabulary type="urn:epcglobal:epcis:vtype:BusinessLocation"><VocabularyElementList>'
        '<VocabularyElement id="urn:epc:id:sgln:9521141.00001.0">'
        '<attribute id="urn:epcglobal:cbv:mda#name">Port gate 1</attribute>'
        "<children><id>urn:epc:id:sgln:9521141.00001.1</id></children>"
        "</VocabularyElement></VocabularyElementList></Vocabulary></VocabularyList></EPCISMasterData>"
        "</extension></EPCISHeader>"
    )
    data = _document(_object_event()).replace(b"<EPCISBody>", header.encode() + b"<EPCISBody>")

    document, issues = read_document(data)

    assert issues == []
    assert document["epcisHeader"]["sbdh:StandardBusinessDocumentHeader"] == {"sbdh:HeaderVersion": "1.0"}
    assert document["epcisHeader"]["epcisMasterData"] == {
        "vocabularyList": [
            {
                "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                "vocabularyElementList": [
                    {
                        "id": "urn:epc:id:sgln:9521141.00001.0",
                        "attributes": [{"id": "urn:epcglobal:cbv:mda#name", "attribute": "Port gate 1"}],
                        "children": ["urn:epc:id:sgln:9521141.00001.1"],
                    }
                ],
            }
        ]
    }


# ------------------------------------------------------------------------------- order leniency


def test_optional_elements_before_event_time_are_read_by_name_with_a_warning() -> None:
    body = _object_event(before="<bizStep>urn:epcglobal:cbv:bizstep:inspecting</bizStep>")

    document, issues = read_document(_document(body))

    assert [(i.path, i.rule, i.severity) for i in issues] == [(DOC_EVENT, "element_order", "warning")]
    assert "first out of place: bizStep" in issues[0].message
    assert _events(document)[0]["bizStep"] == "urn:epcglobal:cbv:bizstep:inspecting"


def test_extension_before_standard_elements_is_read_with_a_warning() -> None:
    body = _object_event(before='<ex:gate xmlns:ex="https://example.org/ns/">G1</ex:gate>')

    document, issues = read_document(_document(body))

    assert [i.rule for i in warnings(issues)] == ["element_order"]
    assert _events(document)[0]["ex:gate"] == "G1"


def test_scrambled_quantity_element_is_read_by_name_with_a_warning() -> None:
    quantity = "<quantityList><quantityElement><uom>KGM</uom><quantity>5</quantity><epcClass>urn:epc:class:lgtin:4012345.012345.1</epcClass></quantityElement></quantityList>"

    document, issues = read_document(_document(_object_event(quantity)))

    assert "first out of place: quantityList/quantityElement[1]/uom" in warnings(issues)[0].message
    assert _events(document)[0]["quantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:4012345.012345.1", "quantity": 5, "uom": "KGM"}
    ]


def test_transaction_list_before_event_time_is_an_error() -> None:
    body = (
        "<TransactionEvent><bizTransactionList><bizTransaction>urn:x:po:1</bizTransaction></bizTransactionList>"
        f"{WHEN}<epcList/><action>ADD</action></TransactionEvent>"
    )

    document, issues = read_document(_document(body))

    assert document == {}
    assert [(i.path, i.rule) for i in issues] == [
        ("/EPCISDocument/EPCISBody/EventList/TransactionEvent[1]/bizTransactionList", "element_order")
    ]


def test_association_parent_between_the_time_elements_is_an_error() -> None:
    body = (
        "<AssociationEvent><eventTime>2026-07-22T06:45:00+02:00</eventTime>"
        "<parentID>urn:epc:id:grai:4012345.55555.987</parentID><eventTimeZoneOffset>+02:00</eventTimeZoneOffset>"
        "<action>ADD</action></AssociationEvent>"
    )

    _, issues = read_document(_document(body))

    assert [(i.path, i.rule) for i in issues] == [
        ("/EPCISDocument/EPCISBody/EventList/AssociationEvent[1]/parentID", "element_order")
    ]


def test_transformation_event_without_required_own_elements_may_come_in_any_order() -> None:
    body = (
        "<TransformationEvent><outputEPCList><epc>urn:epc:id:sgtin:4012345.011111.2</epc></outputEPCList>"
        "<inputEPCList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></inputEPCList>"
        "<eventTimeZoneOffset>+02:00</eventTimeZoneOffset><eventTime>2026-07-22T06:45:00+02:00</eventTime>"
        "</TransformationEvent>"
    )

    document, issues = read_document(_document(body))

    assert [(i.rule, i.severity) for i in issues] == [("element_order", "warning")]
    assert _events(document)[0]["inputEPCList"] == ["urn:epc:id:sgtin:4012345.011111.1"]


def test_error_declaration_children_in_any_order_need_no_warning() -> None:
    declaration = (
        "<errorDeclaration><reason>urn:epcglobal:cbv:er:incorrect_data</reason>"
        "<declarationTime>2026-07-23T00:00:00Z</declarationTime></errorDeclaration>"
    )
    body = f"<ObjectEvent>{WHEN}{declaration}<epcList/><action>ADD</action></ObjectEvent>"

    document, issues = read_document(_document(body))

    assert issues == []
    assert _events(document)[0]["errorDeclaration"]["reason"] == "urn:epcglobal:cbv:er:incorrect_data"


# --------------------------------------------------------------------------------- schema errors


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (
            _object_event('<sensorElementList><sensorElement><sensorReport value="warm"/></sensorElement></sensorElementList>'),
            f"{DOC_EVENT}/sensorElementList/sensorElement[1]/sensorReport[1]/@value",
            "value 'warm' is not a number",
        ),
        (
            _object_event("<sourceList><source>urn:epc:id:pgln:4012345.00225</source></sourceList>"),
            f"{DOC_EVENT}/sourceList/source[1]",
            "source lacks its required attribute type",
        ),
        (
            "<ObjectEvent><eventTime>2026-07-22T06:45:00+02:00</eventTime><eventTimeZoneOffset>+2:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>",
            f"{DOC_EVENT}/eventTimeZoneOffset",
            "eventTimeZoneOffset '+2:00' is not a time zone offset",
        ),
        (
            "<ObjectEvent><eventTime>2026-07-22T06:45:00</eventTime><eventTimeZoneOffset>+02:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>",
            f"{DOC_EVENT}/eventTime",
            "is not a date and time with a time zone",
        ),
        (
            _object_event("<extension><quantityList/></extension>"),
            f"{DOC_EVENT}/extension",
            "extension is not allowed at this place in ObjectEvent",  # the EPCIS 1.x extension wrapper
        ),
        (
            _object_event("<action>ADD</action>"),
            f"{DOC_EVENT}/action[2]",
            "action is not allowed at this place in ObjectEvent",
        ),
        (
            _object_event('<sensorElementList><sensorElement><sensorReport madeUp="1"/></sensorElement></sensorElementList>'),
            f"{DOC_EVENT}/sensorElementList/sensorElement[1]/sensorReport[1]/@madeUp",
            "The attribute madeUp is not allowed on sensorReport",
        ),
    ],
)  # fmt: skip
def test_schema_error_names_the_element(body: str, path: str, words: str) -> None:
    document, issues = read_document(_document(body))

    assert document == {}
    assert [issue.path for issue in errors(issues)] == [path]
    assert words in errors(issues)[0].message


def test_schema_errors_are_listed_up_to_one_hundred() -> None:
    body = "".join(_object_event().replace("OBSERVE", "OBSERV") for _ in range(150))

    _, issues = read_document(_document(body))

    assert len(issues) == 101
    assert issues[99].path == "/EPCISDocument/EPCISBody/EventList/ObjectEvent[100]/action"
    assert (issues[100].path, issues[100].message) == (
        "/",
        "The schema reported 150 problems; only the first 100 are listed.",
    )


def test_unsupported_schema_version_is_refused() -> None:
    data = _document(_object_event()).replace(b'schemaVersion="2.0"', b'schemaVersion="1.2"')

    _, issues = read_document(data)

    assert [(i.path, i.rule) for i in issues] == [("/EPCISDocument/@schemaVersion", "schema")]
    assert "an EPCIS 2.x version" in issues[0].message


def test_epcis_1_2_namespace_is_refused_at_the_root() -> None:
    data = _document(_object_event()).replace(EPCIS_NS.encode(), b"urn:epcglobal:epcis:xsd:1")

    _, issues = read_document(data)

    assert [(i.path, i.rule) for i in issues] == [("/EPCISDocument", "root")]
    assert "urn:epcglobal:epcis:xsd:1" in issues[0].message


def test_single_event_sent_as_document_points_to_the_events_endpoint() -> None:
    _, issues = read_document(_object_event().encode())

    assert [(i.path, i.rule) for i in issues] == [("/ObjectEvent", "root")]
    assert "POST /events" in issues[0].message


def test_document_sent_as_single_event_is_refused() -> None:
    _, issues = read_event(_document(_object_event()))

    assert [(i.path, i.rule) for i in issues] == [("/EPCISDocument", "root")]


# ------------------------------------------------------------------------------ hostile documents


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY xxe "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        '<!DOCTYPE d SYSTEM "http://attacker.example/evil.dtd">',
    ],
    ids=["external-entity", "entity-expansion", "external-dtd"],
)
def test_document_with_a_doctype_is_refused(prolog: str) -> None:
    body = (
        _object_event().replace("<action>", "<eventID>urn:x:&xxe;</eventID><action>")
        if "xxe" in prolog
        else _object_event()
    )
    data = prolog.encode() + _document(body)

    document, issues = read_document(data)

    assert document == {}
    assert [(i.path, i.rule) for i in issues] == [("/", "dtd")]


def test_single_event_with_a_doctype_is_refused() -> None:
    data = b'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + _object_event().encode()

    event, issues = read_event(data)

    assert event == {}
    assert [i.rule for i in issues] == ["dtd"]


def test_malformed_xml_is_refused() -> None:
    document, issues = read_document(b"<epcis:EPCISDocument><EPCISBody>")

    assert document == {}
    assert [(i.path, i.rule) for i in issues] == [("/", "xml_syntax")]


# ------------------------------------------------------------------------------------- writing


def _validate_with_schema_file(data: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    valid = schema.validate(etree.fromstring(data).getroottree())
    return [] if valid else [entry.message for entry in schema.error_log]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_round_trip_gives_the_same_dicts_and_valid_xml(name: str) -> None:
    document, _ = read_document(_xml("Documents", name))

    written = write_events(_events(document), namespaces=namespaces_of(document["@context"]))
    again, issues = read_document(written)

    assert _validate_with_schema_file(written) == []
    assert issues == []
    assert _events(again) == _events(document)


def test_query_document_round_trip() -> None:
    document, _ = read_document(_xml("Documents", "SensorData_with_combined_events"))

    written = write_events(
        _events(document),
        namespaces=namespaces_of(document["@context"]),
        query_name="SimpleEventQuery",
        subscription_id="sub-7",
        creation_date=datetime(2026, 7, 22, 10, 30, tzinfo=UTC),
    )
    again, issues = read_document(written)

    root = etree.fromstring(written)
    assert root.tag == f"{{{QUERY_NS}}}EPCISQueryDocument"
    assert root.get("creationDate") == "2026-07-22T10:30:00Z"
    assert issues == []
    results = again["epcisBody"]["queryResults"]
    assert (results["queryName"], results["subscriptionID"]) == ("SimpleEventQuery", "sub-7")
    assert results["resultsBody"]["eventList"] == _events(document)


def test_bare_cbv_words_are_written_as_urns_or_web_uris() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00+02:00",
        "eventTimeZoneOffset": "+02:00",
        "epcList": ["urn:epc:id:sgtin:9521141.001234.2017"],
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant",
        "bizTransactionList": [{"type": "cert", "bizTransaction": "https://ciq.example/cert/1"}],
        "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL"}]}],
    }

    as_urn, _ = read_document(write_events([event], namespaces={}))
    as_web, _ = read_document(write_events([event], namespaces={}, bare_cbv_as="web_uri"))

    assert _events(as_urn)[0]["bizStep"] == "urn:epcglobal:cbv:bizstep:inspecting"
    assert _events(as_urn)[0]["bizTransactionList"][0]["type"] == "urn:epcglobal:cbv:btt:cert"
    assert _events(as_web)[0]["disposition"] == "https://ref.gs1.org/cbv/Disp-conformant"
    assert _events(as_urn)[0]["sensorElementList"][0]["sensorReport"][0] == {
        "type": "gs1:Temperature",
        "value": 4.5,
        "uom": "CEL",
    }


def test_writing_an_undeclared_prefix_names_the_key() -> None:
    event = {"type": "ObjectEvent", "eventTime": "2026-07-22T06:45:00Z", "eventTimeZoneOffset": "+00:00",
             "action": "ADD", "ciq:lot": "L1"}  # fmt: skip

    with pytest.raises(ValueError, match="'ciq:lot'"):
        write_events([event], namespaces={})


def test_writing_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'QuantityEvent' is not an EPCIS 2\.0 event type"):
        write_events([{"type": "QuantityEvent"}], namespaces={})


# ------------------------------------------------------------------------------ XML/JSON equivalence

#: How each CBV-valued key is normalised, and which keys hold identifiers or times.
_CBV_KEYS = {"bizStep": "bizStep", "disposition": "disposition", "reason": "errorReason"}
_ID_KEYS = {"parentID", "epcClass", "id", "source", "destination", "bizTransaction"}
_ID_LISTS = {"epcList", "childEPCs", "inputEPCList", "outputEPCList"}
_TIME_KEYS = {"eventTime", "recordTime", "declarationTime", "time", "startTime", "endTime"}
#: Prefixes of the standard EPCIS JSON-LD context that the conformance files use without declaring.
_STANDARD_PREFIXES = {
    "gs1": "https://gs1.org/voc/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda",
}


def _expand(value: str, prefixes: dict[str, str]) -> str:
    prefix, sep, rest = value.partition(":")
    return prefixes[prefix] + rest if sep and prefix in prefixes and not rest.startswith("//") else value


def _instant(value: str) -> datetime:
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)", value)
    assert match is not None, value
    fraction = (match.group(2) or ".0")[:7].ljust(7, "0")
    return datetime.fromisoformat(match.group(1) + fraction + match.group(3).replace("Z", "+00:00"))


def _identifier(value: str) -> str:
    try:
        return epc.normalise(value)
    except epc.InvalidEpc:
        return value


def _comparable(value: Any, prefixes: dict[str, str], key: str = "") -> Any:
    """Normalise what legitimately differs between the bindings: CBV and identifier spelling,
    time spelling, namespace prefixes (keys become {uri}local; a trailing '#', '/' or ':' of a
    namespace is ignored), the gs1: sensor vocabulary prefix and empty extension elements (kept
    as "" from XML, left out by the JSON converter)."""
    if isinstance(value, dict):
        prefixes = {**prefixes, **namespaces_of(value.get("@context", []))}
        out = {}
        for k, v in value.items():
            prefix, sep, local = k.partition(":")
            name = "{" + prefixes[prefix].rstrip("#/:") + "}" + local if sep and prefix in prefixes else k
            if k != "@context" and not (sep and v == ""):
                out[name] = _comparable(v, prefixes, k)
        return out
    if isinstance(value, list):
        return [_comparable(item, prefixes, key) for item in value]
    if not isinstance(value, str):
        return value
    if key in _CBV_KEYS or key in ("set", "unset"):
        return cbv.normalise(_CBV_KEYS.get(key, "disposition"), _expand(value, prefixes))
    if key == "type":
        expanded = _expand(value, prefixes)
        for vocabulary in ("https://gs1.org/voc/", "https://ref.gs1.org/voc/"):  # sensor measurement types
            if expanded.startswith(vocabulary):
                return expanded.removeprefix(vocabulary)
        for kind in ("bizTransactionType", "sourceDestType"):
            try:
                return cbv.normalise(kind, expanded)
            except cbv.UnknownVocabulary:
                pass
        return value
    if key in _TIME_KEYS:
        return _instant(value)
    return _identifier(value) if key in _ID_KEYS or key in _ID_LISTS else value


def _comparable_events(document: dict[str, Any]) -> list[Any]:
    prefixes = {**_STANDARD_PREFIXES, **namespaces_of(document.get("@context", []))}
    events = document["epcisBody"]["eventList"] if "epcisBody" in document else [document]
    return [_comparable(event, prefixes) for event in events]


def _pairs() -> list[tuple[str, str]]:
    pairs = [(f"Documents/{name}", name) for name in DOCUMENTS if name not in ("Namespace_document",)]
    pairs += [(f"Events/{name}", name) for name in EVENTS if name != "Namespace_event"]
    pairs = [(xml, RENAMED_PAIRS.get(xml, json_name)) for xml, json_name in pairs]
    return [pair for pair in pairs if pair[0] not in NOT_THE_SAME_EVENT]


@pytest.mark.parametrize(("xml_name", "json_name"), _pairs(), ids=[p[0] for p in _pairs()])
def test_same_event_in_xml_and_json_reads_equal(xml_name: str, json_name: str) -> None:
    folder, name = xml_name.split("/")
    json_path = _conformance(f"JSON/Capture/{folder}/{json_name}.json")
    reader = read_document if folder == "Documents" else read_event

    from_xml, _ = reader(_xml(folder, name))
    from_json = json.loads(json_path.read_text(encoding="utf-8"))

    assert _comparable_events(from_xml) == _comparable_events(from_json)


@pytest.mark.parametrize("name", JSON_DOCUMENTS)
def test_json_document_written_as_xml_reads_back_equal(name: str) -> None:
    path = _conformance(f"JSON/Capture/Documents/{name}.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    namespaces = namespaces_of(document["@context"])
    for event in _events(document):
        namespaces.update(namespaces_of(event.get("@context", [])))

    again, issues = read_document(write_events(_events(document), namespaces=namespaces))

    assert issues == []
    assert _comparable_events(again) == _comparable_events(document)
