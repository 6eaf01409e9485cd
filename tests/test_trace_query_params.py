"""EPCIS 2.0 SimpleEventQuery parameters read by grammar (openciq.trace.query_params); no database."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
from django.http import QueryDict

from openciq.trace.query_params import (
    AttributeCondition,
    EpcisQueryError,
    EpcPattern,
    EventQuery,
    FieldCondition,
    InvalidPageToken,
    NoSuchNameException,
    PagePosition,
    QuantityCondition,
    QueryParameterException,
    QueryTooLargeException,
    Schedule,
    SensorCondition,
    SubscriptionControlsException,
    ValidationException,
    decode_page_token,
    encode_page_token,
    parse_query,
    parse_query_document,
    parse_schedule,
    parse_time,
)

DL = "https://id.gs1.org"
SGTIN_2017 = f"{DL}/01/10614141073464/21/2017"
GTIN = f"{DL}/01/10614141073464"
KEY = b"0123456789abcdef0123456789abcdef"
CST = dt.timezone(dt.timedelta(hours=8))


def q(**params: str | Sequence[str]) -> EventQuery:
    return parse_query(params)


def refused(params: Mapping[str, str | Sequence[str]]) -> QueryParameterException:
    with pytest.raises(QueryParameterException) as caught:
        parse_query(params)
    return caught.value


# --- event type, times, action -----------------------------------------------------------------


def test_event_types_are_a_pipe_separated_list() -> None:
    query = q(eventType="ObjectEvent|AssociationEvent")
    assert query.event_types == {"ObjectEvent", "AssociationEvent"}


def test_unknown_event_type_is_refused_naming_event_type() -> None:
    error = refused({"eventType": "ObjectEvent|QuantityEvent"})
    assert error.parameter == "eventType"
    assert "'QuantityEvent'" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-15T00:00:00.000-04:00", dt.datetime(2015, 3, 15, 4, 0, tzinfo=dt.UTC)),
        ("2026-07-01T08:30:00Z", dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)),
        ("2026-07-01t08:30:00+08:00", dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC)),
        # a '+' that form decoding turned into a space
        ("2026-07-01T08:30:00 08:00", dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.UTC)),
        ("2026-07-01T08:30:00.123456789Z", dt.datetime(2026, 7, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)),
    ],
)
def test_times_are_rfc_3339_with_offset(text: str, expected: dt.datetime) -> None:
    moment = parse_time("GE_eventTime", text)
    assert moment == expected
    assert moment.utcoffset() is not None


def test_time_keeps_the_given_offset() -> None:
    assert q(GE_eventTime="2026-07-01T08:30:00+08:00").ge_event_time == dt.datetime(
        2026, 7, 1, 8, 30, tzinfo=CST
    )


@pytest.mark.parametrize(
    "name", ["GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime", "GE_errorDeclarationTime"]
)
def test_time_without_offset_is_refused_naming_the_parameter(name: str) -> None:
    error = refused({name: "2026-07-01T08:30:00"})
    assert error.parameter == name
    assert "no UTC offset" in str(error)


@pytest.mark.parametrize(
    "text", ["2026-07-01", "yesterday", "2026-02-30T00:00:00Z", "2026-07-01T08:30:00+24:00"]
)
def test_malformed_time_is_refused(text: str) -> None:
    assert refused({"LT_eventTime": text}).parameter == "LT_eventTime"


def test_all_time_windows_are_read() -> None:
    query = q(
        GE_eventTime="2026-01-01T00:00:00Z",
        LT_eventTime="2026-02-01T00:00:00Z",
        GE_recordTime="2026-01-02T00:00:00Z",
        LT_recordTime="2026-02-02T00:00:00Z",
    )
    assert (query.ge_event_time, query.lt_event_time) == (
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    assert (query.ge_record_time, query.lt_record_time) == (
        dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
    )


def test_actions_are_read() -> None:
    assert q(EQ_action="ADD|DELETE").actions == {"ADD", "DELETE"}


@pytest.mark.parametrize("action", ["CREATE", "add", "Observe"])
def test_bad_action_is_refused_naming_eq_action(action: str) -> None:
    error = refused({"EQ_action": action})
    assert error.parameter == "EQ_action"
    assert error.type == "QueryParameterException"
    assert error.status == 400


# --- CBV values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "shipping",
        "urn:epcglobal:cbv:bizstep:shipping",
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "URN:EPCglobal:cbv:bizstep:shipping",
    ],
)
def test_biz_step_in_any_cbv_spelling_is_stored_as_the_bare_word(spelling: str) -> None:
    assert q(EQ_bizStep=spelling).biz_steps == {"shipping"}


def test_dispositions_persistent_dispositions_and_error_reasons_are_normalised() -> None:
    query = q(
        EQ_disposition="urn:epcglobal:cbv:disp:in_transit|container_closed",
        EQ_persistentDisposition_set="https://ref.gs1.org/cbv/Disp-recalled",
        EQ_persistentDisposition_unset="urn:epcglobal:cbv:disp:active",
        EQ_errorReason="urn:epcglobal:cbv:er:incorrect_data",
    )
    assert query.dispositions == {"in_transit", "container_closed"}
    assert query.persistent_disposition_set == {"recalled"}
    assert query.persistent_disposition_unset == {"active"}
    assert query.error_reasons == {"incorrect_data"}


def test_extension_cbv_value_is_kept_as_given() -> None:
    assert q(EQ_bizStep="https://ciq.example.cn/voc/vaccinating").biz_steps == {
        "https://ciq.example.cn/voc/vaccinating"
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EQ_bizStep", "transforming"),
        ("EQ_disposition", "in_transport"),
        ("EQ_disposition", "urn:epcglobal:cbv:bizstep:shipping"),
        ("EQ_persistentDisposition_set", "Recalled"),
        ("EQ_errorReason", "wrong"),
    ],
)
def test_non_cbv_word_is_refused_naming_the_parameter(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


# --- locations and identifiers --------------------------------------------------------------------


def test_locations_are_canonical_digital_links_for_eq_and_wd() -> None:
    query = q(
        EQ_readPoint="urn:epc:id:sgln:0614141.07346.1234",
        WD_readPoint=f"{DL}/414/0614141073467",
        EQ_bizLocation="urn:epc:id:sgln:0614141.07346.0",
        WD_bizLocation="https://ciq.example.cn/location/shenzhen-port",
    )
    assert query.read_points == {f"{DL}/414/0614141073467/254/1234"}
    assert query.read_points_wd == {f"{DL}/414/0614141073467"}
    assert query.biz_locations == {f"{DL}/414/0614141073467"}
    assert query.biz_locations_wd == {"https://ciq.example.cn/location/shenzhen-port"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EQ_readPoint", "not a uri"),
        ("WD_bizLocation", f"{DL}/414/0614141073468"),  # wrong check digit
        ("EQ_transformationID", "urn:epc:id:sgtin:0614141.107346"),
    ],
)
def test_invalid_identifier_is_refused_naming_the_parameter(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


def test_transformation_ids_are_normalised_but_event_ids_are_kept() -> None:
    query = q(
        EQ_transformationID="urn:epc:id:gdti:0614141.00001.T42",
        EQ_eventID="ni:///sha-256;df7bb3c3?ver=CBV2.0|https://events.example.com/01/123",
        EQ_correctiveEventID="urn:uuid:6a0d3e1c-2f6b-4d4f-9f5c-1b8e4a7d2c10",
    )
    assert query.transformation_ids == {f"{DL}/253/0614141000012T42"}
    assert query.event_ids == {"ni:///sha-256;df7bb3c3?ver=CBV2.0", "https://events.example.com/01/123"}
    assert query.corrective_event_ids == {"urn:uuid:6a0d3e1c-2f6b-4d4f-9f5c-1b8e4a7d2c10"}


def test_event_id_that_is_not_a_uri_is_refused() -> None:
    assert refused({"EQ_eventID": "event-1"}).parameter == "EQ_eventID"


def test_biz_transactions_sources_and_destinations_by_normalised_type() -> None:
    query = q(
        **{
            "EQ_bizTransaction_urn:epcglobal:cbv:btt:cert": "urn:epc:id:gdti:0614141.00001.C1",
            "EQ_bizTransaction_po": "http://transaction.acme.com/po/1|http://transaction.acme.com/po/2",
            "EQ_source_owning_party": "urn:epc:id:pgln:0614141.00001",
            "EQ_destination_https://ref.gs1.org/cbv/SDT-location": "urn:epc:id:sgln:0614141.07346.0",
        }
    )
    assert dict(query.biz_transactions) == {
        "cert": {f"{DL}/253/0614141000012C1"},
        "po": {"http://transaction.acme.com/po/1", "http://transaction.acme.com/po/2"},
    }
    assert dict(query.sources) == {"owning_party": {f"{DL}/417/0614141000012"}}
    assert dict(query.destinations) == {"location": {f"{DL}/414/0614141073467"}}


def test_same_transaction_type_in_two_spellings_is_refused() -> None:
    error = refused(
        {"EQ_bizTransaction_po": "urn:x:1", "EQ_bizTransaction_urn:epcglobal:cbv:btt:po": "urn:x:2"}
    )
    assert error.parameter == "EQ_bizTransaction_urn:epcglobal:cbv:btt:po"


@pytest.mark.parametrize("name", ["EQ_bizTransaction_purchase", "EQ_source_", "EQ_destination_owner"])
def test_bad_transaction_or_party_type_is_refused(name: str) -> None:
    assert refused({name: "urn:x:1"}).parameter == name


# --- quantities, errors, extension fields, sensors, master data -----------------------------------


def test_quantity_conditions_with_and_without_unit() -> None:
    query = q(EQ_quantity="10|12.5", GT_quantity="3", LE_quantity_KGM="200")
    assert query.quantities == (
        QuantityCondition("EQ", (Decimal("10"), Decimal("12.5"))),
        QuantityCondition("GT", (Decimal("3"),)),
        QuantityCondition("LE", (Decimal("200"),), "KGM"),
    )


@pytest.mark.parametrize(
    ("name", "value"), [("GT_quantity", "ten"), ("GE_quantity", "1|2"), ("EQ_quantity", "1,5")]
)
def test_bad_quantity_is_refused(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


def test_error_declaration_parameters() -> None:
    query = q(
        EXISTS_errorDeclaration="",
        GE_errorDeclarationTime="2026-01-01T00:00:00Z",
        LT_errorDeclarationTime="2026-02-01T00:00:00Z",
    )
    assert query.exists_error_declaration is True
    assert query.ge_error_declaration_time == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert query.lt_error_declaration_time == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def test_exists_takes_no_value() -> None:
    assert refused({"EXISTS_errorDeclaration": "false"}).parameter == "EXISTS_errorDeclaration"


def test_extension_field_names_the_gs1_query_schema_rejects_are_read() -> None:
    """G3: the query schema's over-escaped pattern refuses EQ_ILMD_example:lot; the grammar does not."""
    query = q(**{"EQ_ILMD_example:lot": "L1|L2", "GT_INNER_example:temperature": "4.5"})
    assert query.field_conditions == (
        FieldCondition("ILMD", "EQ", "example:lot", ("L1", "L2")),
        FieldCondition("INNER", "GT", "example:temperature", (Decimal("4.5"),)),
    )


@pytest.mark.parametrize(
    ("name", "scope", "op"),
    [
        ("EQ_ex:farm", "EVENT", "EQ"),
        ("EQ_INNER_ILMD_ex:farm", "INNER_ILMD", "EQ"),
        ("EQ_SENSORELEMENT_ex:farm", "SENSORELEMENT", "EQ"),
        ("EQ_INNER_SENSORMETADATA_ex:farm", "INNER_SENSORMETADATA", "EQ"),
        ("EQ_SENSORREPORT_ex:farm", "SENSORREPORT", "EQ"),
        ("EQ_ERROR_DECLARATION_ex:farm", "ERROR_DECLARATION", "EQ"),
        ("EQ_INNER_ERROR_DECLARATION_ex:farm", "INNER_ERROR_DECLARATION", "EQ"),
        ("EQ_readPoint_ex:farm", "readPoint", "EQ"),
        ("EQ_bizLocation_ex:farm", "bizLocation", "EQ"),
        ("EQ_http://ns.example.com/epcis/#farm", "EVENT", "EQ"),
    ],
)
def test_extension_field_scopes(name: str, scope: str, op: str) -> None:
    (condition,) = parse_query({name: "F1"}).field_conditions
    assert (condition.scope, condition.op, condition.values) == (scope, op, ("F1",))
    assert condition.parameter == name


def test_extension_comparisons_take_a_number_or_a_time_and_exists_takes_none() -> None:
    query = q(
        **{
            "GE_ILMD_ex:harvestDate": "2026-05-01T00:00:00+08:00",
            "LT_ex:weight": "1e3",
            "EXISTS_ILMD_ex:lastPesticideDate": "",
        }
    )
    assert query.field_conditions == (
        FieldCondition("ILMD", "GE", "ex:harvestDate", (dt.datetime(2026, 5, 1, tzinfo=CST),)),
        FieldCondition("EVENT", "LT", "ex:weight", (Decimal("1e3"),)),
        FieldCondition("ILMD", "EXISTS", "ex:lastPesticideDate", ()),
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("GT_ex:weight", "heavy"), ("GE_ex:date", "2026-05-01T00:00:00"), ("EXISTS_ex:x", "1")],
)
def test_bad_extension_value_is_refused(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


def test_sensor_parameters() -> None:
    query = q(
        GE_time="2026-06-01T00:00:00Z",
        EQ_type="gs1:Temperature",
        EQ_deviceID="urn:epc:id:giai:4000001.111",
        EQ_booleanValue="true",
        GE_value_CEL="-18",
        LT_percRank="90",
        EXISTS_sensorElementList="",
    )
    assert query.sensor_conditions == (
        SensorCondition("time", "GE", (dt.datetime(2026, 6, 1, tzinfo=dt.UTC),)),
        SensorCondition("type", "EQ", ("gs1:Temperature",)),
        SensorCondition("deviceID", "EQ", (f"{DL}/8004/4000001111",)),
        SensorCondition("booleanValue", "EQ", (True,)),
        SensorCondition("value", "GE", (Decimal("-18"),), "CEL"),
        SensorCondition("percRank", "LT", (Decimal("90"),)),
        SensorCondition("sensorElementList", "EXISTS", ()),
    )


@pytest.mark.parametrize(
    ("name", "value"), [("EQ_hexBinaryValue", "ABC"), ("EQ_booleanValue", "yes"), ("EQ_uriValue", "plain")]
)
def test_bad_sensor_value_is_refused(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


def test_master_data_attribute_conditions() -> None:
    query = q(
        **{
            "EQATTR_bizLocation_urn:epcglobal:cbv:mda:sst": "201|202",
            "EQ_ATTR_readPoint_urn:epcglobal:cbv:mda:ssa": "A",
            "HASATTR_bizLocation": "urn:epcglobal:cbv:mda:city",
        }
    )
    assert query.attribute_conditions == (
        AttributeCondition("bizLocation", "urn:epcglobal:cbv:mda:sst", ("201", "202")),
        AttributeCondition("readPoint", "urn:epcglobal:cbv:mda:ssa", ("A",)),
        AttributeCondition("bizLocation", None, ("urn:epcglobal:cbv:mda:city",)),
    )


# --- result control ------------------------------------------------------------------------------


def test_order_by_and_direction() -> None:
    assert (q(orderBy="eventTime").order_by, q(orderBy="eventTime").order_direction) == ("eventTime", "DESC")
    query = q(orderBy="ex:weight", orderDirection="ASC", eventCountLimit="5")
    assert (query.order_by, query.order_direction, query.event_count_limit) == ("ex:weight", "ASC", 5)


def test_bad_order_by_is_refused() -> None:
    assert refused({"orderBy": "bizStep"}).parameter == "orderBy"


@pytest.mark.parametrize("direction", ["asc", "DOWN", "ASC|DESC"])
def test_bad_order_direction_is_refused_naming_it(direction: str) -> None:
    assert refused({"orderBy": "eventTime", "orderDirection": direction}).parameter == "orderDirection"


def test_event_count_limit_and_max_event_count_are_exclusive() -> None:
    error = refused({"orderBy": "eventTime", "eventCountLimit": "5", "maxEventCount": "100"})
    assert error.parameter == "eventCountLimit"
    assert "maxEventCount" in str(error)


def test_event_count_limit_needs_order_by() -> None:
    error = refused({"eventCountLimit": "5"})
    assert error.parameter == "eventCountLimit"
    assert "orderBy" in str(error)


@pytest.mark.parametrize(
    ("name", "value"), [("maxEventCount", "0"), ("maxEventCount", "-3"), ("perPage", "ten")]
)
def test_limits_must_be_positive_integers(name: str, value: str) -> None:
    assert refused({name: value}).parameter == name


def test_max_event_count_is_enforced_by_check_size() -> None:
    query = q(maxEventCount="100")
    query.check_size(100)
    with pytest.raises(QueryTooLargeException) as caught:
        query.check_size(101)
    assert (caught.value.type, caught.value.status) == ("QueryTooLargeException", 413)


def test_per_page_defaults_and_is_lowered_to_the_maximum() -> None:
    assert parse_query({}).per_page == 30
    assert parse_query({}, default_per_page=50).per_page == 50
    assert parse_query({"perPage": "5000"}, max_per_page=1000).per_page == 1000
    assert parse_query({"perPage": "7", "nextPageToken": "abc"}).next_page_token == "abc"


def test_page_limit_honours_event_count_limit_across_pages() -> None:
    query = q(orderBy="eventTime", eventCountLimit="70", perPage="30")
    assert [query.page_limit(0), query.page_limit(60), query.page_limit(70)] == [30, 10, 0]
    assert q(perPage="30").page_limit(1000) == 30


# --- the grammar as a whole ----------------------------------------------------------------------


def test_unknown_parameter_is_refused_naming_it() -> None:
    for name in ("EQ_userID", "GE_eventtime", "MATCH_EPC", "EQ_quantity_kg"):
        assert refused({name: "x"}).parameter == name


def test_repeated_list_parameter_adds_to_the_list() -> None:
    assert q(EQ_bizStep=["shipping", "receiving|loading"]).biz_steps == {"shipping", "receiving", "loading"}


def test_repeated_single_valued_parameter_is_refused() -> None:
    assert (
        refused({"GE_eventTime": ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"]}).parameter
        == "GE_eventTime"
    )


def test_comma_is_not_a_list_separator() -> None:
    """CSET 82 allows commas in serials: only '|' separates."""
    query = q(MATCH_epc="urn:epc:id:sgtin:0614141.107346.A,B")
    assert [p.exact for p in query.match_epc] == [f"{DL}/01/10614141073464/21/A,B"]


@pytest.mark.parametrize("value", ["", "shipping||receiving", "shipping|"])
def test_empty_value_is_refused(value: str) -> None:
    assert refused({"EQ_bizStep": value}).parameter == "EQ_bizStep"


def test_django_query_dict_is_read_with_its_repeated_values() -> None:
    params = QueryDict(
        "EQ_bizStep=shipping&EQ_bizStep=receiving&GE_eventTime=2026-01-01T00%3A00%3A00%2B08%3A00"
    )
    query = parse_query(params)
    assert query.biz_steps == {"shipping", "receiving"}
    assert query.ge_event_time == dt.datetime(2026, 1, 1, tzinfo=CST)


def test_unencoded_plus_in_query_string_offset_still_reads() -> None:
    query = parse_query(QueryDict("GE_eventTime=2026-01-01T00:00:00+08:00"))
    assert query.ge_event_time == dt.datetime(2026, 1, 1, tzinfo=CST)


# --- named-query JSON body ------------------------------------------------------------------------


def test_named_query_body_shapes() -> None:
    inner = {"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping", "receiving"]}
    expected = EventQuery(
        event_types=frozenset({"ObjectEvent"}), biz_steps=frozenset({"shipping", "receiving"})
    )
    assert parse_query_document({"queryType": "events", "query": inner}) == expected
    assert parse_query_document({"name": "myQuery", "query": inner}) == expected
    assert parse_query_document(inner) == expected


def test_json_arrays_are_not_split_on_pipes_and_json_types_are_read() -> None:
    query = parse_query_document(
        {
            "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            "EQ_ILMD_ex:lot": ["A|B"],
            "orderBy": "eventTime",
            "eventCountLimit": 5,
            "EXISTS_errorDeclaration": None,
            "EQ_booleanValue": False,
            "GT_quantity": 2.5,
        }
    )
    assert query.field_conditions == (FieldCondition("ILMD", "EQ", "ex:lot", ("A|B",)),)
    assert query.event_count_limit == 5
    assert query.exists_error_declaration is True
    assert query.sensor_conditions == (SensorCondition("booleanValue", "EQ", (False,)),)
    assert query.quantities == (QuantityCondition("GT", (Decimal("2.5"),)),)


def test_named_query_of_another_type_is_refused() -> None:
    with pytest.raises(QueryParameterException) as caught:
        parse_query_document({"queryType": "masterData", "query": {}})
    assert caught.value.parameter == "queryType"


def test_named_query_body_with_unknown_member_or_bad_query_is_a_validation_exception() -> None:
    with pytest.raises(ValidationException) as caught:
        parse_query_document({"query": {}, "subscription": {}})
    assert caught.value.parameter == "subscription"
    with pytest.raises(ValidationException):
        parse_query_document({"query": ["eventType"]})


@pytest.mark.parametrize(
    ("name", "value"),
    [("GE_eventTime", ["2026-01-01T00:00:00Z"]), ("EQ_bizStep", [{"a": 1}]), ("eventCountLimit", True)],
)
def test_json_value_of_the_wrong_type_is_refused(name: str, value: object) -> None:
    with pytest.raises(QueryParameterException) as caught:
        parse_query_document({name: value, "orderBy": "eventTime"})
    assert caught.value.parameter == name


def test_to_parameters_reads_back_to_an_equal_query() -> None:
    query = q(
        **{
            "eventType": "ObjectEvent|AggregationEvent",
            "GE_eventTime": "2026-01-01T00:00:00+08:00",
            "EQ_action": "ADD",
            "EQ_bizStep": "urn:epcglobal:cbv:bizstep:loading",
            "WD_bizLocation": "urn:epc:id:sgln:6901234.00001.0",
            "MATCH_epc": "urn:epc:idpat:sgtin:0614141.107346.*|urn:epc:id:sscc:6901234.0000000017",
            "MATCH_anyEPC": "urn:epc:idpat:sgtin:0614141.*.*",
            "MATCH_epcClass": f"{GTIN}|urn:epc:idpat:grai:0614141.12345.*",
            "EQ_bizTransaction_cert": "urn:epc:id:gdti:0614141.00001.C1",
            "EQ_quantity_KGM": "10",
            "EQ_ILMD_ex:lot": "A|B",
            "GE_ex:date": "2026-05-01T00:00:00Z",
            "EXISTS_INNER_ex:x": "",
            "GE_value_CEL": "2",
            "EQ_booleanValue": "false",
            "HASATTR_bizLocation": "urn:x:a",
            "EXISTS_errorDeclaration": "",
            "orderBy": "recordTime",
            "orderDirection": "ASC",
            "eventCountLimit": "9",
        }
    )
    again = parse_query_document(query.to_parameters())
    assert again == query
    assert again.to_parameters() == query.to_parameters()


def test_fingerprint_ignores_spelling_and_paging_but_not_meaning() -> None:
    one = q(
        EQ_bizStep="shipping",
        MATCH_epc="urn:epc:id:sgtin:0614141.107346.2017",
        GE_eventTime="2026-01-01T08:00:00+08:00",
        perPage="10",
    )
    two = q(
        EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping",
        MATCH_epc=SGTIN_2017,
        GE_eventTime="2026-01-01T00:00:00Z",
        nextPageToken="t",
    )
    assert one.fingerprint() == two.fingerprint()
    assert one.fingerprint() != q(EQ_bizStep="receiving").fingerprint()
    assert (
        q(MATCH_epc=f"{GTIN}").fingerprint()
        == q(MATCH_epc="urn:epc:idpat:sgtin:0614141.107346.*").fingerprint()
    )


# --- EPC patterns --------------------------------------------------------------------------------


def pattern(text: str, context: str = "instance") -> EpcPattern:
    return EpcPattern.parse(text, context="class" if context == "class" else "instance")


def test_exact_epc_in_urn_or_digital_link_is_one_canonical_value() -> None:
    by_urn, by_link = pattern("urn:epc:id:sgtin:0614141.107346.2017"), pattern(SGTIN_2017)
    assert by_urn == by_link
    assert (by_urn.exact, by_urn.prefixes, by_urn.fallback) == (SGTIN_2017, (), False)
    assert by_urn.match(SGTIN_2017) and not by_urn.match(f"{GTIN}/21/2018")


def test_non_gs1_identifier_is_exact_and_unchanged() -> None:
    animal = pattern("urn:example:animal:iso11784:156000123456789")
    assert (animal.exact, animal.fallback) == ("urn:example:animal:iso11784:156000123456789", False)


def test_serial_wildcard_is_a_prefix_on_the_gtin() -> None:
    p = pattern("urn:epc:idpat:sgtin:0614141.107346.*")
    assert (p.exact, p.prefix, p.fallback) == (None, f"{GTIN}/21/", False)
    assert p.match(SGTIN_2017)
    assert not p.match(f"{GTIN}/10/L1")  # an LGTIN is a class, not an instance
    assert not p.match(f"{DL}/01/10614141073471/21/2017")  # another item reference


def test_gtin_digital_link_in_match_epc_means_every_sgtin_of_it() -> None:
    assert pattern(GTIN) == pattern("urn:epc:idpat:sgtin:0614141.107346.*")


def test_class_pattern_matches_the_gtin_class_and_its_lgtins_but_not_instances() -> None:
    p = pattern("urn:epc:idpat:sgtin:0614141.107346.*", "class")
    assert (p.exact, p.prefixes, p.fallback) == (GTIN, (f"{GTIN}/10/",), False)
    assert p.match(GTIN)
    assert p.match(pattern("urn:epc:class:lgtin:0614141.107346.LOT-7", "class").exact or "")
    assert not p.match(SGTIN_2017)
    assert pattern(GTIN, "class") == p


def test_exact_lgtin_class() -> None:
    p = pattern("urn:epc:class:lgtin:0614141.107346.L1", "class")
    assert (p.exact, p.fallback) == (f"{GTIN}/10/L1", False)


def test_company_wide_sgtin_pattern_needs_the_fallback_check() -> None:
    p = pattern("urn:epc:idpat:sgtin:0614141.*.*")
    assert p.fallback is True
    assert p.prefixes == tuple(f"{DL}/01/{d}0614141" for d in "0123456789")
    assert p.match(SGTIN_2017)
    assert p.match(f"{DL}/01/00614141123452/21/X")
    assert not p.match(f"{GTIN}/10/L1")  # inside the prefixes, but a class
    assert not p.match(f"{DL}/01/16901234123453/21/1")  # another company


def test_company_wide_class_pattern_excludes_instances() -> None:
    p = pattern("urn:epc:idpat:sgtin:0614141.*.*", "class")
    assert p.fallback is True
    assert p.match(GTIN) and p.match(f"{GTIN}/10/L1")
    assert not p.match(SGTIN_2017)


@pytest.mark.parametrize(
    ("text", "prefixes", "inside", "outside"),
    [
        (
            "urn:epc:idpat:sscc:0614141.*",
            tuple(f"{DL}/00/{d}0614141" for d in "0123456789"),
            f"{DL}/00/106141412345678908",
            f"{DL}/00/069012340000000177",
        ),
        (
            "urn:epc:idpat:sgln:0614141.07346.*",
            (f"{DL}/414/0614141073467",),
            f"{DL}/414/0614141073467/254/1234",
            f"{DL}/414/0614141000012",
        ),
        (
            "urn:epc:idpat:grai:0614141.12345.*",
            (f"{DL}/8003/00614141123452",),
            f"{DL}/8003/00614141123452C0001",
            f"{DL}/8003/006141411234690",
        ),
        (
            "urn:epc:idpat:grai:0614141.*.*",
            (f"{DL}/8003/00614141",),
            f"{DL}/8003/00614141123452",
            f"{DL}/8003/06901234000771",
        ),
        (
            "urn:epc:idpat:giai:4000001.*",
            (f"{DL}/8004/4000001",),
            f"{DL}/8004/4000001111",
            f"{DL}/8004/6901234TRUCK",
        ),
        (
            "urn:epc:idpat:gid:95100000.12345.*",
            ("urn:epc:id:gid:95100000.12345.",),
            "urn:epc:id:gid:95100000.12345.400",
            "urn:epc:id:gid:95100000.123456.400",
        ),
    ],
)
def test_trailing_wildcards_are_exact_prefixes(
    text: str, prefixes: tuple[str, ...], inside: str, outside: str
) -> None:
    p = pattern(text)
    assert (p.exact, p.prefixes, p.fallback) == (None, prefixes, False)
    assert p.match(inside) and not p.match(outside)


def test_sgln_location_pattern_covers_the_location_with_and_without_extension() -> None:
    p = pattern("urn:epc:idpat:sgln:0614141.07346.*")
    assert p.match(f"{DL}/414/0614141073467") and p.match(f"{DL}/414/0614141073467/254/DOCK3")


def test_any_sgtin_pattern() -> None:
    p = pattern("urn:epc:idpat:sgtin:*.*.*")
    assert (p.prefixes, p.fallback) == ((f"{DL}/01/",), True)
    assert p.match(SGTIN_2017) and not p.match(GTIN) and not p.match(f"{DL}/00/106141412345678908")


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("urn:epc:idpat:sgtin:*.107346.*", SGTIN_2017, f"{DL}/01/10614141073471/21/2017"),
        ("urn:epc:idpat:sgtin:0614141.*.2017", SGTIN_2017, f"{GTIN}/21/2018"),
        ("urn:epc:idpat:gid:*.12345.*", "urn:epc:id:gid:1.12345.7", "urn:epc:id:gid:1.12346.7"),
    ],
)
def test_wildcard_before_a_fixed_component_is_a_fallback(text: str, inside: str, outside: str) -> None:
    p = pattern(text)
    assert p.fallback is True
    assert p.match(inside) and not p.match(outside)


def test_fallback_narrowing_is_a_superset_of_the_match() -> None:
    """What the SQL layer selects with exact/prefixes must contain every true match."""
    values = [
        SGTIN_2017,
        f"{GTIN}/10/L1",
        GTIN,
        f"{DL}/01/00614141123452/21/X",
        f"{DL}/01/16901234123453/21/1",
        f"{DL}/00/106141412345678908",
        "urn:epc:id:gid:1.12345.7",
    ]
    for text in (
        "urn:epc:idpat:sgtin:0614141.*.*",
        "urn:epc:idpat:sgtin:*.107346.*",
        "urn:epc:idpat:sgtin:0614141.*.2017",
    ):
        p = pattern(text)
        for value in values:
            if p.match(value):
                assert (
                    value == p.exact or value.startswith(p.prefixes) or (p.exact is None and not p.prefixes)
                )


def test_non_gtin_class_pattern_is_compared_as_written() -> None:
    p = pattern("urn:epc:idpat:grai:0614141.12345.*", "class")
    assert (p.exact, p.prefixes, p.fallback) == ("urn:epc:idpat:grai:0614141.12345.*", (), False)


@pytest.mark.parametrize(
    "text",
    [
        "urn:epc:idpat:foo:1.2.*",  # unknown scheme
        "urn:epc:idpat:sgtin:0614141.*",  # too few components
        "urn:epc:idpat:sgtin:0614141.1073*.*",  # partial wildcard
        "urn:epc:idpat:sgtin:12345.*.*",  # company prefix too short
        "urn:epc:idpat:sgtin:0614141.1073466.*",  # 14 digits with the item reference
        "urn:epc:id:sgtin:0614141.107346",  # malformed exact EPC
    ],
)
def test_invalid_match_value_is_refused_naming_the_parameter(text: str) -> None:
    assert refused({"MATCH_anyEPC": text}).parameter == "MATCH_anyEPC"


def test_every_match_parameter_is_read_in_its_context() -> None:
    query = q(
        MATCH_epc=SGTIN_2017,
        MATCH_parentID="urn:epc:id:sscc:0614141.1234567890",
        MATCH_inputEPC=SGTIN_2017,
        MATCH_outputEPC=SGTIN_2017,
        MATCH_anyEPC=SGTIN_2017,
        MATCH_epcClass=GTIN,
        MATCH_inputEPCClass=GTIN,
        MATCH_outputEPCClass=GTIN,
        MATCH_anyEPCClass=GTIN,
    )
    instance = (
        query.match_epc,
        query.match_parent_id,
        query.match_input_epc,
        query.match_output_epc,
        query.match_any_epc,
    )
    classes = (
        query.match_epc_class,
        query.match_input_epc_class,
        query.match_output_epc_class,
        query.match_any_epc_class,
    )
    assert all(p.context == "instance" for ps in instance for p in ps)
    assert all(p.context == "class" and p.exact == GTIN for ps in classes for p in ps)
    assert query.match_parent_id[0].exact == f"{DL}/00/106141412345678908"


# --- exceptions ----------------------------------------------------------------------------------


def test_exception_hierarchy_and_problem_body() -> None:
    error = refused({"EQ_action": "CREATE"})
    assert isinstance(error, EpcisQueryError) and isinstance(error, ValueError)
    assert error.problem("/events?EQ_action=CREATE") == {
        "type": "epcisException:QueryParameterException",
        "title": "Invalid query parameter",
        "status": 400,
        "detail": str(error),
        "parameter": "EQ_action",
        "instance": "/events?EQ_action=CREATE",
    }
    assert error.issue().path == "/EQ_action"
    assert error.issue().rule == "QueryParameterException"
    missing = NoSuchNameException("no query named 'pigs'")
    assert (missing.type, missing.status, missing.problem()["type"]) == (
        "NoSuchNameException",
        404,
        "epcisException:NoSuchNameException",
    )


# --- schedules -----------------------------------------------------------------------------------


def test_schedule_grammar_of_the_standard_and_cron_forms() -> None:
    schedule = parse_schedule(
        {
            "second": "0",
            "minute": "0,30",
            "hour": "[8-10]",
            "dayOfWeek": "[1-5]",
            "dayOfMonth": "*",
            "month": "1-3",
        }
    )
    assert schedule == Schedule(
        second=frozenset({0}),
        minute=frozenset({0, 30}),
        hour=frozenset({8, 9, 10}),
        day_of_month=frozenset(range(1, 32)),
        month=frozenset({1, 2, 3}),
        day_of_week=frozenset(range(1, 6)),
    )
    assert parse_schedule({"second": "0/30"}).second == {0, 30}  # the OpenAPI example
    assert parse_schedule({"minute": "*/15", "second": 0}).minute == {0, 15, 30, 45}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"second": "60"}, "second"),
        ({"minute": "[5-1]"}, "minute"),
        ({"hour": "24"}, "hour"),
        ({"dayOfMonth": "0"}, "dayOfMonth"),
        ({"month": "13"}, "month"),
        ({"dayOfWeek": "0"}, "dayOfWeek"),
        ({"dayOfWeek": "8"}, "dayOfWeek"),
        ({"hour": "1;2"}, "hour"),
        ({"hour": ""}, "hour"),
        ({"hour": "[1-2"}, "hour"),
        ({"second": "0/0"}, "second"),
        ({"year": "2026"}, "year"),
        ({}, "schedule"),
        ({"dayOfMonth": "31", "month": "[4-4],6,9,11"}, "dayOfMonth"),
        ({"dayOfMonth": "30", "month": "2"}, "dayOfMonth"),
    ],
)
def test_bad_schedule_is_refused_naming_the_field(spec: dict[str, str], field: str) -> None:
    with pytest.raises(SubscriptionControlsException) as caught:
        parse_schedule(spec)
    assert caught.value.parameter == field
    assert (caught.value.type, caught.value.status) == ("SubscriptionControlsException", 400)


def at(*parts: int, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize(
    ("spec", "after", "expected"),
    [
        # daily at 02:30:00 (standard example 2), across a month and a year end
        ({"second": "0", "minute": "30", "hour": "2"}, at(2026, 1, 31, 3, 0), at(2026, 2, 1, 2, 30)),
        ({"second": "0", "minute": "30", "hour": "2"}, at(2026, 12, 31, 2, 30), at(2027, 1, 1, 2, 30)),
        # top of every hour, weekdays only (standard example 3): Friday evening -> Monday 00:00
        ({"second": "0", "minute": "0", "dayOfWeek": "[1-5]"}, at(2026, 7, 3, 23, 0), at(2026, 7, 6, 0, 0)),
        # the 31st skips 30-day months
        ({"second": "0", "minute": "0", "hour": "0", "dayOfMonth": "31"}, at(2026, 4, 15), at(2026, 5, 31)),
        # 29 February waits for a leap year
        (
            {"second": "0", "minute": "0", "hour": "0", "dayOfMonth": "29", "month": "2"},
            at(2026, 3, 1),
            at(2028, 2, 29),
        ),
        # day of month AND day of week: the next Friday the 13th after July 2026 is November 2026
        (
            {"second": "0", "minute": "0", "hour": "9", "dayOfMonth": "13", "dayOfWeek": "5"},
            at(2026, 7, 1),
            at(2026, 11, 13, 9, 0),
        ),
        # omitted finer fields match every value (standard example 4): each second of 02:xx
        ({"hour": "2"}, at(2026, 1, 1, 2, 0, 5), at(2026, 1, 1, 2, 0, 6)),
        ({"hour": "2"}, at(2026, 1, 1, 2, 59, 59), at(2026, 1, 2, 2, 0, 0)),
        # strictly after, from a fractional second
        (
            {"second": "[0-59]"},
            dt.datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC),
            at(2026, 1, 1, 0, 0, 1),
        ),
    ],
)
def test_next_after(spec: dict[str, str], after: dt.datetime, expected: dt.datetime) -> None:
    schedule = parse_schedule(spec)
    found = schedule.next_after(after)
    assert found == expected
    assert schedule.matches(found)


def test_next_after_runs_on_the_wall_clock_of_the_given_zone() -> None:
    schedule = parse_schedule({"second": "0", "minute": "0", "hour": "8"})
    instant = at(2026, 1, 1, 1, 0)  # 01:00 UTC = 09:00 in China
    assert schedule.next_after(instant) == at(2026, 1, 1, 8, 0)  # 08:00 UTC, same day
    in_china = schedule.next_after(instant.astimezone(CST))
    assert in_china == at(2026, 1, 2, 8, 0, zone=CST)  # 08:00 China time has passed today
    assert in_china.utcoffset() == dt.timedelta(hours=8)


def test_next_after_skips_a_wall_time_lost_to_daylight_saving() -> None:
    try:
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover - tzdata is a dependency of the venv
        pytest.skip("no time zone database")
    schedule = parse_schedule({"second": "0", "minute": "30", "hour": "2"})
    found = schedule.next_after(
        dt.datetime(2026, 3, 29, 0, 0, tzinfo=berlin)
    )  # 02:30 does not exist that day
    assert found == dt.datetime(2026, 3, 30, 2, 30, tzinfo=berlin)


def test_next_after_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        parse_schedule({"second": "0"}).next_after(dt.datetime(2026, 1, 1))


# --- page tokens ---------------------------------------------------------------------------------


def test_page_token_round_trip() -> None:
    query = q(EQ_bizStep="loading", orderBy="eventTime", eventCountLimit="100")
    for sort_value in (at(2026, 1, 1, 8, 0, zone=CST), "A-17", 42, 1.5, Decimal("2.50"), None):
        position = PagePosition(sort_value, row_id=9001, returned=60)
        token = encode_page_token(query, position, key=KEY)
        assert decode_page_token(token, query, key=KEY) == position
        assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)  # URL-safe as it stands


def test_page_token_for_the_same_query_in_another_spelling_is_accepted() -> None:
    token = encode_page_token(q(EQ_bizStep="loading"), PagePosition(None, 1), key=KEY)
    respelled = q(EQ_bizStep="urn:epcglobal:cbv:bizstep:loading", perPage="5")
    assert decode_page_token(token, respelled, key=KEY) == PagePosition(None, 1)


def test_tampered_or_foreign_page_token_is_refused() -> None:
    query = q(EQ_bizStep="loading")
    token = encode_page_token(query, PagePosition(5, 1), key=KEY)
    body, _, mac = token.partition(".")
    forged = encode_page_token(query, PagePosition(5, 999), key=KEY).partition(".")[0] + "." + mac
    for bad in (forged, body + "." + mac[::-1], "garbage", token + "x", ""):
        with pytest.raises(InvalidPageToken) as caught:
            decode_page_token(bad, query, key=KEY)
        assert caught.value.parameter == "nextPageToken"
        assert caught.value.status == 400
    with pytest.raises(InvalidPageToken):
        decode_page_token(token, query, key=b"another-key-another-key-another")


def test_page_token_of_another_query_is_refused() -> None:
    token = encode_page_token(q(EQ_bizStep="loading"), PagePosition(5, 1), key=KEY)
    with pytest.raises(InvalidPageToken) as caught:
        decode_page_token(token, q(EQ_bizStep="unloading"), key=KEY)
    assert "different query" in str(caught.value)


def test_expired_page_token_is_refused() -> None:
    query = q(EQ_bizStep="loading")
    token = encode_page_token(query, PagePosition(5, 1), key=KEY, expires_at=at(2026, 1, 1, 12, 0))
    assert decode_page_token(token, query, key=KEY, now=at(2026, 1, 1, 11, 59)) == PagePosition(5, 1)
    with pytest.raises(InvalidPageToken) as caught:
        decode_page_token(token, query, key=KEY, now=at(2026, 1, 1, 12, 0))
    assert "expired" in str(caught.value)
