"""The two validation layers of EPCIS 2.0 JSON capture (openciq.trace.validation); no database.

Conformance: the OpenEPCIS capture documents (38 accepted, 5 single events, 15 refused naming the
field). G1: format checking is on. G5: each rule of the second layer on a small hand-written event.
G6: no @context is fetched.
"""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from openciq.trace import cbv, validation
from openciq.trace.problems import errors, warnings
from openciq.trace.validation import (
    ACTIVE_FORMATS,
    BUILTIN_NAMESPACES,
    SCHEMA_PATH,
    FormatCheckingUnavailable,
    check_rules,
    context_namespaces,
    format_checker,
    validate_document,
    validate_event,
)

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"
CAPTURE = CONFORMANCE / "JSON" / "Capture"
GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

E = "/epcisBody/eventList"

# Warnings (path, rule) expected on the accepted documents; every other document has none.
EXPECTED_WARNINGS: dict[str, set[tuple[str, str]]] = {
    "AggregationEvent_all_possible_fields.json": {
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
        (f"{E}/0/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event"),
    },
    # G2: the JSON schema allows persistentDisposition only on Object/TransformationEvent.
    "AggregationEvent_with_persistentDisposition.json": {
        (f"{E}/1/persistentDisposition", "persistent_disposition"),
    },
    # GRAI with a wrong check digit (tests/test_trace_epc.py KNOWN_INVALID).
    "Combination_of_different_event.json": {
        (f"{E}/0/epcList/0", "epc_check_digit"),
        (f"{E}/5/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
    },
    # cbv:my_own_party expands into the CBV namespace without being a CBV value.
    "CurieString_document.json": {
        (f"{E}/0/destinationList/3/type", "cbv_namespace"),
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
    },
    "JumbledFieldsOrder.json": {
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
        (f"{E}/0/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event"),
    },
    # sensorMetadata time 11:05Z after eventTime 12:00+01:00 (= 11:00Z): compared as instants.
    "Namespaces_at_different_level.json": {
        (f"{E}/{i}/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event") for i in range(5)
    },
    "ObjectEvent_all_possible_fields.json": {
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
        (f"{E}/0/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event"),
    },
    # Molar_concentration and EffectiveDoseRate are not CBV 2.0 measurement types; a GRAI Digital
    # Link without the filler digit 0 (KNOWN_INVALID) is kept as an opaque URI.
    "SensorData_with_combined_events.json": {
        (f"{E}/7/sensorElementList/0/sensorReport/1/type", "measurement_type"),
        (f"{E}/7/sensorElementList/0/sensorReport/2/type", "measurement_type"),
        (f"{E}/10/sensorElementList/0/sensorReport/0/type", "measurement_type"),
        (f"{E}/12/epcList/0", "digital_link"),
    },
    "TransactionEvent_all_possible_fields.json": {
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
        (f"{E}/0/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event"),
    },
    # EffectiveDoseRate is not a CBV 2.0 measurement type.
    "TransactionEvent_with_userExtensions.json": {
        (f"{E}/0/sensorElementList/0/sensorReport/0/type", "measurement_type"),
    },
    "TransformationEvent_all_possible_fields.json": {
        (f"{E}/0/sensorElementList/0/sensorMetadata/time", "sensor_time_after_event"),
        (f"{E}/0/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event"),
    },
}

# The exact error paths of each refused document: each names the offending field.
EXPECTED_ERRORS: dict[str, set[str]] = {
    "Combination_of_events_with_missing_mandatory_fields.json": {
        f"{E}/0/action",
        f"{E}/1/eventTimeZoneOffset",
        f"{E}/1/action",
    },
    "Combination_of_multiple_invalid_fields.json": {
        f"{E}/0/bizStep",
        f"{E}/1/disposition",
        f"{E}/2/sourceList/0/type",
        f"{E}/3/ilmd/materialType",
        f"{E}/4/eventTime",
        f"{E}/4/action",
    },
    "Combination_of_non_standard_bizStep_and_disposition.json": {f"{E}/0/bizStep", f"{E}/1/disposition"},
    "EPCISDocument_without_context.json": {"/@context"},
    "ObjectEvent_with_ilmd_field_without_namespace.json": {f"{E}/0/ilmd/materialType"},
    "ObjectEvent_with_invalid_action.json": {f"{E}/0/action"},
    "ObjectEvent_with_invalid_certificationInfo.json": {f"{E}/0/certificationInfo"},
    "ObjectEvent_with_invalid_eventTime_format.json": {f"{E}/0/eventTime"},
    "ObjectEvent_with_non_standard_bizStep.json": {f"{E}/0/bizStep"},
    "ObjectEvent_with_non_standard_bizStep_in_second_event.json": {f"{E}/1/bizStep"},
    "ObjectEvent_with_non_standard_disposition.json": {f"{E}/0/disposition"},
    "ObjectEvent_with_quantity_as_text.json": {f"{E}/0/quantityList/0/quantity"},
    "ObjectEvent_with_unknown_field_in_quantityList.json": {f"{E}/0/quantityList/0/weight"},
    "ObjectEvent_without_action_and_eventTime.json": {
        f"{E}/0/eventTime",
        f"{E}/0/eventTimeZoneOffset",
        f"{E}/0/action",
    },
    "ObjectEvent_without_identifier_list.json": {f"{E}/0/epcList"},
}


def _folder(name: str) -> list[Path]:
    folder = CAPTURE / name
    if not folder.is_dir():
        pytest.skip(f"../shared/conformance/epcis-openepcis is absent: no {folder}")
    return sorted(folder.glob("*.json"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _event(**fields: Any) -> dict[str, Any]:
    """A small valid ObjectEvent, changed by ``fields`` (``None`` removes a field)."""
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:6901234.012345.1001"],
        "bizStep": "inspecting",
        "disposition": "conformant",
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def _document(*events: dict[str, Any], context: Any = None) -> dict[str, Any]:
    return {
        "@context": context
        if context is not None
        else [GS1_CONTEXT, {"ext1": "https://ns.example.com/ext1/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-07-22T10:30:00+08:00",
        "epcisBody": {"eventList": list(events)},
    }


def _rules(event: dict[str, Any], **namespaces: str) -> list[tuple[str, str, str]]:
    found = check_rules(event, path="/e", namespaces={**BUILTIN_NAMESPACES, **namespaces})
    return [(issue.path, issue.rule, issue.severity) for issue in found]


# --- conformance documents ------------------------------------------------------------------------


def test_all_38_conformance_documents_are_accepted_with_the_expected_warnings() -> None:
    documents = _folder("Documents")
    assert len(documents) == 38
    for path in documents:
        issues = validate_document(_load(path))
        assert errors(issues) == [], path.name
        assert {(i.path, i.rule) for i in warnings(issues)} == EXPECTED_WARNINGS.get(path.name, set()), (
            path.name
        )


def test_the_three_documents_that_disagree_with_the_gs1_schema_name_the_reason() -> None:
    folder = _folder("Documents")[0].parent
    by_rule = {
        rule: [i for i in validate_document(_load(folder / name)) if i.rule == rule]
        for name, rule in (
            ("AggregationEvent_with_persistentDisposition.json", "persistent_disposition"),
            ("SensorData_with_combined_events.json", "measurement_type"),
            ("TransactionEvent_with_userExtensions.json", "measurement_type"),
        )
    }
    assert "AggregationEvent" in by_rule["persistent_disposition"][0].message
    assert "gs1/EPCIS#395" in by_rule["persistent_disposition"][0].message
    assert "'EffectiveDoseRate' is not a CBV 2.0 measurement type" in by_rule["measurement_type"][0].message


def test_the_5_single_conformance_events_pass_validate_event() -> None:
    events = _folder("Events")
    assert len(events) == 5
    for path in events:
        assert validate_event(_load(path)) == [], path.name


def test_each_of_the_15_invalid_documents_is_refused_naming_the_field() -> None:
    invalid = _folder("Invalid")
    assert sorted(p.name for p in invalid) == sorted(EXPECTED_ERRORS)
    for path in invalid:
        refused = errors(validate_document(_load(path)))
        assert {issue.path for issue in refused} == EXPECTED_ERRORS[path.name], path.name
        for issue in refused:
            field = issue.path.rsplit("/", 1)[-1]
            assert field in issue.message, (path.name, issue)


def test_refusal_messages_are_one_clear_sentence_per_problem() -> None:
    folder = _folder("Invalid")[0].parent
    messages = {
        name: [i.message for i in validate_document(_load(folder / name))]
        for name in (
            "ObjectEvent_with_non_standard_bizStep.json",
            "ObjectEvent_with_unknown_field_in_quantityList.json",
            "ObjectEvent_without_identifier_list.json",
            "ObjectEvent_with_invalid_action.json",
        )
    }
    assert messages == {
        "ObjectEvent_with_non_standard_bizStep.json": [
            'bizStep "transforming" is neither a CBV 2.0 business step (a bare word such as shipping) '
            "nor an absolute URI"
        ],
        "ObjectEvent_with_unknown_field_in_quantityList.json": [
            "unknown field 'weight' in the quantity element; extension fields are named prefix:name "
            "with the prefix declared in @context"
        ],
        "ObjectEvent_without_identifier_list.json": ["an ObjectEvent needs epcList or quantityList"],
        "ObjectEvent_with_invalid_action.json": [
            'action "CREATE" is not an EPCIS action: use ADD, OBSERVE or DELETE'
        ],
    }


# --- G1: format checking is on --------------------------------------------------------------------


def test_uri_and_date_time_format_checkers_are_active() -> None:
    assert {"uri", "date-time"} <= ACTIVE_FORMATS
    assert {"uri", "date-time"} <= set(format_checker().checkers)
    assert format_checker().conforms("transforming", "uri") is False
    assert format_checker().conforms("22-07-2026", "date-time") is False


def test_the_schema_layer_alone_refuses_a_non_cbv_bizstep_and_a_bad_event_time() -> None:
    document = _document(_event(bizStep="transforming", eventTime="22-07-2026"))
    schema_only = Draft202012Validator(validation.schema(), format_checker=format_checker())
    failing = {"/" + "/".join(map(str, e.absolute_path)) for e in schema_only.iter_errors(document)}
    assert failing == {f"{E}/0/bizStep", f"{E}/0/eventTime"}
    # The G1 trap: without format checking both values would have passed the same schema.
    unchecked = Draft202012Validator(validation.schema())
    assert list(unchecked.iter_errors(document)) == []
    # G1 holds for the fast gate too: jsonschema-rs refuses each value on its own.
    event = document["epcisBody"]["eventList"][0]
    assert validation.schema_valid("ObjectEvent", _event()) is True
    assert validation.schema_valid("ObjectEvent", {**event, "eventTime": _event()["eventTime"]}) is False
    assert validation.schema_valid("ObjectEvent", {**event, "bizStep": "inspecting"}) is False


def test_a_broken_install_without_format_checkers_refuses_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoUriChecker:
        def __init__(self, formats: tuple[str, ...]) -> None:
            raise KeyError("uri")

    class LenientChecker:
        checkers = {"uri": None, "date-time": None}

        def __init__(self, formats: tuple[str, ...]) -> None:
            pass

        def conforms(self, instance: object, fmt: str) -> bool:
            return True

    for stub in (NoUriChecker, LenientChecker):
        monkeypatch.setattr(validation, "FormatChecker", stub)
        with pytest.raises(FormatCheckingUnavailable):
            validation._active_format_checker()


# The fast gate (jsonschema-rs) must assert the same formats, and never accept what the Python
# validator refuses: it decides alone when a document is valid.

_EVENT_SAMPLES: dict[str, dict[str, Any]] = {
    kind: dict(sample) for kind, sample in validation._GATE_PROBES.items()
}

# Values on the edges of RFC 3986 and RFC 3339 where two implementations may differ.
_URI_EDGES = [
    "transforming",
    "urn:x",
    "a:b",
    "ext1:summarising_discharge",
    "https://example.com/a b",
    "http://例え.jp/x",
    "https://ex.com/%zz",
    "https://[::1]/",
    "http://x/\u00e9",
    "ab c:x",
    "1abc:x",
    ":x",
    "x:",
    "https://ex.com/#a#b",
    "https://ex.com/|",
    'https://ex.com/a"b',
    "https://ex.com/{x}",
    "https://ex.com/a^b",
    "http://a:b@c:80/p?q#f",
    "https:/x",
    "https:///x",
    "urn:a:b\nc",
    "urn:a:b\n",
    "https://ex.com/\\x",
    "https://ex.com/ ",
    "",
    "https://exa mple.com",
    "http://ex.com:abc/",
    "http://[1:2/",
    "x:%41",
    "x:%4",
    "gs1:Temperature",
    "https://id.gs1.org/01/09506000134352/21/%2F",
    "urn:epc:id:sgtin:0614141.107346.2017",
]
_DATE_EDGES = [
    "22-07-2026", "2026-07-22T06:45:00Z", "2026-07-22t06:45:00z", "2026-06-30T23:59:60Z", "2026-02-30T00:00:00Z",
    "2026-07-22T24:00:00Z", "2026-07-22T06:45:00.123456789+02:00", "2026-07-22T06:45:00", "2026-07-22 06:45:00Z",
    "2026-07-22T06:45:00+2:00", "2026-07-22T06:45:00+24:00", "2026-07-22T06:45:00.Z", "2026-07-22T06:45:00-00:00",
    "2026-07-22T06:45:00+23:59", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z", "2026-7-22T06:45:00Z", "２０２６-07-22T06:45:00Z", "2026-07-22T06:45:00,5Z",
    "2026-07-22T06:45:00+0200", "2026-07-22T06:45:00Z\n",
]  # fmt: skip


@pytest.mark.parametrize("kind", validation.EVENT_TYPES)
def test_the_rs_gate_refuses_a_non_cbv_bizstep_and_a_bad_event_time(kind: str) -> None:
    event = _EVENT_SAMPLES[kind]
    assert validation.schema_valid(kind, event) is True
    assert validation.schema_valid(kind, {**event, "bizStep": "transforming"}) is False
    assert validation.schema_valid(kind, {**event, "eventTime": "22-07-2026"}) is False
    # ... and the document built on it is refused naming the field, through the Python layer.
    refused = errors(
        validate_document(_document({**event, "bizStep": "transforming", "eventTime": "22-07-2026"}))
    )
    assert {issue.path for issue in refused} == {f"{E}/0/bizStep", f"{E}/0/eventTime"}


@pytest.mark.parametrize(("fmt", "values"), [("uri", _URI_EDGES), ("date-time", _DATE_EDGES)])
def test_the_rs_gate_accepts_no_format_value_the_python_checker_refuses(fmt: str, values: list[str]) -> None:
    gate = validation._rs_validator(validation._strict_dates({"type": "string", "format": fmt}))
    lenient = [v for v in values if gate.is_valid(v) and not format_checker().conforms(v, fmt)]
    assert lenient == []
    # The two agree on the G1 values and on ordinary ones.
    assert [gate.is_valid(v) for v in ("transforming", "22-07-2026")] == [False, False]


def test_the_rs_gate_agrees_with_the_python_schema_layer_on_every_conformance_document() -> None:
    for path in [*_folder("Documents"), *_folder("Invalid")]:
        document = _load(path)
        python_valid = not [i for i in validate_document(document) if i.rule == "schema"]
        gate_valid = validation.schema_valid(None, document) and all(
            validation.schema_valid(event.get("type") if event.get("type") in validation.EVENT_TYPES
                                    else "eventEnvelope", event)
            for event in document.get("epcisBody", {}).get("eventList", [])
        )  # fmt: skip
        assert gate_valid == python_valid, path.name


def test_a_broken_rs_install_without_format_checks_refuses_to_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonschema_rs

    def without_formats(schema: object) -> Any:
        return jsonschema_rs.validator_for(schema, validate_formats=False)

    monkeypatch.setattr(validation, "_rs_validator", without_formats)
    with pytest.raises(FormatCheckingUnavailable):
        validation._probe_rs_formats()
    validation._gate.cache_clear()
    try:
        with pytest.raises(FormatCheckingUnavailable, match="bizStep 'transforming'"):
            validation._gate("ObjectEvent")
    finally:
        validation._gate.cache_clear()


def test_cbv_word_lists_come_from_cbv_py_and_the_schema_file_fails_closed() -> None:
    filled = validation.schema()["$defs"]
    assert filled["bizStepWord"]["enum"] == sorted(cbv.BUSINESS_STEPS)
    assert filled["dispositionWord"]["enum"] == sorted(cbv.DISPOSITIONS)
    assert filled["errorReasonWord"]["enum"] == sorted(cbv.ERROR_REASONS)
    assert len(filled["measurementTypeWord"]["enum"]) == 72
    raw = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    assert [name for name, node in raw.items() if "x-vocabulary" in node and node["enum"] != []] == []


# --- layer 1 details ------------------------------------------------------------------------------


def test_a_valid_event_and_document_give_no_issues() -> None:
    assert validate_event(_event()) == []
    assert validate_document(_document(_event(), _event(**{"ext1:lane": "3"}))) == []


@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        ({"eventTimeZoneOffset": "+15:00"}, "/eventTimeZoneOffset", "is not a time-zone offset"),
        ({"epcList": ["not a uri"]}, "/epcList/0", 'epcList[0] "not a uri" is not an absolute URI'),
        ({"epcList": "urn:x:y"}, "/epcList", "epcList must be a list (JSON array)"),
        ({"readPoint": {}}, "/readPoint/id", "required field 'id' is missing"),
        ({"quantityList": [{"epcClass": "urn:x:y", "uom": "kg"}]}, "/quantityList/0/uom", "UN/ECE"),
        ({"sensorElementList": [{"sensorReport": []}]}, "/sensorElementList/0/sensorReport", "at least one"),
        ({"bizStep": "Shipping"}, "/bizStep", "is neither a CBV 2.0 business step"),
        ({"recordTime": "2026-07-22 08:00"}, "/recordTime", "is not an RFC 3339 date-time"),
        ({"lane": "3"}, "/lane", "unknown field 'lane' in the ObjectEvent"),
    ],
)
def test_schema_layer_names_the_field(fields: dict[str, Any], path: str, message: str) -> None:
    refused = errors(validate_event(_event(**fields), base_path="/x"))
    assert [issue.path for issue in refused] == ["/x" + path]
    assert message in refused[0].message


def test_event_types_carry_their_own_required_fields() -> None:
    association = {
        "type": "AssociationEvent",
        "eventTime": "2026-07-22T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
    }
    assert {i.path for i in validate_event(association)} == {"/action", "/parentID"}
    transformation = {
        "type": "TransformationEvent",
        "eventTime": "2026-07-22T08:00:00Z",
        "eventTimeZoneOffset": "Z",
    }
    assert [i.path for i in validate_event(transformation)] == ["/eventTimeZoneOffset", "/inputEPCList"]
    transaction = dict(_event(), type="TransactionEvent", bizTransactionList=[])
    assert [i.path for i in validate_event(transaction)] == ["/bizTransactionList"]
    assert [i.path for i in validate_event(dict(_event(), type="FooEvent"))] == ["/type"]


def test_query_documents_are_validated_with_their_own_paths() -> None:
    document = _document()
    document.update(type="EPCISQueryDocument", epcisBody={"queryResults": {"queryName": "SimpleEventQuery"}})
    document["epcisBody"]["queryResults"]["resultsBody"] = {"eventList": [_event(bizStep="x")]}
    assert [i.path for i in validate_document(document)] == [
        "/epcisBody/queryResults/resultsBody/eventList/0/bizStep"
    ]


def test_non_objects_are_refused_at_the_root() -> None:
    assert [(i.path, i.rule) for i in validate_document([])] == [("", "schema")]
    assert [(i.path, i.rule) for i in validate_event("event")] == [("", "schema")]


# --- layer 2: the rules (G5) ----------------------------------------------------------------------


def test_ilmd_is_refused_on_observe_and_accepted_on_add() -> None:
    ilmd = {"cbvmda:lotNumber": "L1"}
    assert _rules(_event(ilmd=ilmd)) == [("/e/ilmd", "ilmd_on_add_only", "error")]
    assert _rules(_event(action="ADD", ilmd=ilmd)) == []
    aggregation = _event(type="AggregationEvent", parentID="urn:epc:id:sscc:6901234.0000000017", ilmd=ilmd)
    assert _rules(aggregation) == [("/e/ilmd", "ilmd_on_add_only", "error")]


def test_parent_id_is_required_for_aggregation_add_and_delete_and_every_association() -> None:
    for action in ("ADD", "DELETE"):
        aggregation = _event(type="AggregationEvent", action=action, epcList=None, childEPCs=[])
        assert _rules(aggregation) == [("/e/parentID", "parent_id_required", "error")]
    assert _rules(_event(type="AggregationEvent", epcList=None, childEPCs=[])) == []
    association = _event(type="AssociationEvent", action="ADD", epcList=None)
    assert _rules(association) == [("/e/parentID", "parent_id_required", "error")]


def test_extension_prefixes_must_be_declared() -> None:
    event = _event(
        **{"ext1:lane": {"ext2:gate": "3", "plain": 1}}, readPoint={"id": "urn:x:y", "ext3:dock": "A"}
    )
    assert _rules(event, ext1="https://ns.example.com/ext1/") == [
        ("/e/ext1:lane/ext2:gate", "extension_prefix", "error"),
        ("/e/readPoint/ext3:dock", "extension_prefix", "error"),
    ]
    relaxed = check_rules(event, path="/e", namespaces=BUILTIN_NAMESPACES, strict_prefixes=False)
    assert {issue.severity for issue in relaxed} == {"warning"}


def test_a_sensor_time_after_the_event_time_is_compared_as_instants() -> None:
    def sensor(time: str) -> dict[str, Any]:
        return _event(
            sensorElementList=[{"sensorReport": [{"type": "Temperature", "value": 4, "time": time}]}]
        )

    # eventTime 08:00+08:00 is 00:00Z. 09:00+10:00 reads later but is 23:00Z the day before;
    # 03:00+02:00 reads earlier but is 01:00Z, after the event.
    assert _rules(sensor("2026-07-22T09:00:00+10:00")) == []
    assert _rules(sensor("2026-07-22T08:00:00+08:00")) == []
    assert _rules(sensor("2026-07-22T03:00:00+02:00")) == [
        ("/e/sensorElementList/0/sensorReport/0/time", "sensor_time_after_event", "warning")
    ]


def test_a_sensor_element_needs_a_report() -> None:
    event = _event(sensorElementList=[{"sensorMetadata": {"deviceID": "urn:x:y"}}])
    assert _rules(event) == [("/e/sensorElementList/0/sensorReport", "sensor_report_required", "error")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("urn:epcglobal:cbv:bizstep:transforming", [("/e/bizStep", "cbv", "error")]),
        ("https://ref.gs1.org/cbv/BizStep-transforming", [("/e/bizStep", "cbv", "error")]),
        ("urn:epcglobal:cbv:disp:in_transit", [("/e/bizStep", "cbv", "error")]),
        ("urn:epcglobal:cbv:bizstep:shipping", []),
        ("https://ref.gs1.org/cbv/BizStep-shipping", []),
        ("https://bureau.example.gov.cn/step/quarantine-release", []),
        ("cbv:BizStep-shipping", []),
        ("cbv:quarantining", [("/e/bizStep", "cbv_namespace", "warning")]),
    ],
)
def test_cbv_values_are_checked_in_all_spellings(value: str, expected: list[tuple[str, str, str]]) -> None:
    assert _rules(_event(bizStep=value)) == expected


def test_other_cbv_fields_are_checked_too() -> None:
    event = _event(
        persistentDisposition={"set": ["urn:epcglobal:cbv:disp:sold_out"]},
        bizTransactionList=[{"type": "urn:epcglobal:cbv:btt:invoice", "bizTransaction": "urn:x:1"}],
        sourceList=[{"type": "urn:epcglobal:cbv:sdt:owner", "source": "urn:x:2"}],
        errorDeclaration={
            "declarationTime": "2026-07-22T09:00:00+08:00",
            "reason": "urn:epcglobal:cbv:er:typo",
            "correctiveEventIDs": ["not an id"],
        },
    )
    assert _rules(event) == [
        ("/e/persistentDisposition/set/0", "cbv", "error"),
        ("/e/bizTransactionList/0/type", "cbv", "error"),
        ("/e/sourceList/0/type", "cbv", "error"),
        ("/e/errorDeclaration/reason", "cbv", "error"),
        ("/e/errorDeclaration/correctiveEventIDs/0", "corrective_event_id", "error"),
    ]


def test_identifiers_follow_gs1_rules_and_a_bad_check_digit_is_a_warning() -> None:
    event = _event(
        epcList=[
            "https://id.gs1.org/01/06901234123450/21/1",  # GTIN check digit should be 6
            "urn:epc:id:sgtin:6901234.0123.1",  # company prefix + item reference must be 13 digits
            "https://id.gs1.org/8003/952012200000001004",  # GRAI without the filler digit, GS1 host
            "https://id.example.com/8003/952012200000001004",  # the same on another resolver
            "urn:iso:11784:156000123456789",  # not a GS1 identifier: passes
        ],
        parentID="urn:epc:id:sscc:6901234.000000001",
    )
    assert _rules(event) == [
        ("/e/epcList/0", "epc_check_digit", "warning"),
        ("/e/epcList/1", "epc", "error"),
        ("/e/epcList/2", "epc", "error"),
        ("/e/epcList/3", "digital_link", "warning"),
        ("/e/parentID", "epc", "error"),
    ]


def test_persistent_disposition_outside_object_and_transformation_events_is_a_warning() -> None:
    transaction = _event(type="TransactionEvent", persistentDisposition={"set": ["completeness_verified"]})
    assert _rules(transaction) == [("/e/persistentDisposition", "persistent_disposition", "warning")]
    assert _rules(_event(persistentDisposition={"set": ["completeness_verified"]})) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Temperature", []),
        ("gs1:Temperature", []),
        ("https://gs1.org/voc/MT-Temperature", []),
        ("example:Salinity", []),
        ("Molar_concentration", [("measurement_type", "warning")]),
        ("gs1:Salinity", [("measurement_type", "warning")]),
        ("Molar concentration", [("measurement_type", "error")]),
    ],
)
def test_measurement_types(value: str, expected: list[tuple[str, str]]) -> None:
    event = _event(sensorElementList=[{"sensorReport": [{"type": value, "value": 1}]}])
    found = check_rules(event, path="", namespaces={**BUILTIN_NAMESPACES, "example": "https://ex.example/"})
    assert [(issue.rule, issue.severity) for issue in found] == expected


def test_check_rules_tolerates_what_the_schema_refuses() -> None:
    broken = _event(
        sensorElementList="x", epcList=[5], readPoint=[], ilmd="x", errorDeclaration=3, eventTime=7
    )
    assert _rules(broken) == [("/e/ilmd", "ilmd_on_add_only", "error")]


# --- G6: JSON-LD contexts are recognised, never fetched ---------------------------------------------


def test_context_namespaces_combines_the_gs1_prefixes_with_inline_declarations() -> None:
    namespaces = context_namespaces(
        {
            "@context": [
                GS1_CONTEXT,
                {"ext1": "https://ns.example.com/ext1/", "id": "@id"},
                {"rail": {"@id": "urn:r:"}},
            ]
        }
    )
    assert namespaces == {**BUILTIN_NAMESPACES, "ext1": "https://ns.example.com/ext1/", "rail": "urn:r:"}
    assert context_namespaces({"@context": {"cbvmda": "https://example.com/mda/"}})["cbvmda"] == (
        "https://example.com/mda/"
    )
    assert context_namespaces({})["gs1"] == "https://gs1.org/voc/"


def test_a_single_event_may_inherit_prefixes_from_outside() -> None:
    event = _event(**{"ext1:lane": "3"})
    assert [i.rule for i in validate_event(event)] == ["extension_prefix"]
    assert validate_event(event, namespaces={"ext1": "https://ns.example.com/ext1/"}) == []


def test_event_level_contexts_add_to_the_document_context() -> None:
    inner = _event(
        **{"@context": [{"ext2": "https://ns.example.com/ext2/"}], "ext2:gate": "3", "ext1:lane": "2"}
    )
    assert validate_document(_document(inner)) == []
    assert [i.path for i in validate_document(_document(_event(**{"ext2:gate": "3"})))] == [
        f"{E}/0/ext2:gate"
    ]


def test_no_context_is_fetched_and_an_unknown_remote_context_only_relaxes_prefixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation must not open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    document = _document(
        _event(**{"ext9:lane": "3"}), context=[GS1_CONTEXT, "https://example.com/ctx.jsonld"]
    )
    assert [(i.path, i.rule, i.severity) for i in validate_document(document)] == [
        ("/@context", "context", "warning"),
        (f"{E}/0/ext9:lane", "extension_prefix", "warning"),
    ]


def test_validation_does_not_change_the_document() -> None:
    document = _document(_event(sensorElementList=[{"sensorReport": [{"type": "Molar_concentration"}]}]))
    before = copy.deepcopy(document)
    validate_document(document)
    assert document == before
