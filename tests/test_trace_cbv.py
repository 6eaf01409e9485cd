"""CBV 2.0 standard vocabularies: the three spellings, refusal of non-CBV words, extension URIs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openciq.trace.cbv import (
    BIZ_TRANSACTION_TYPES,
    BUSINESS_STEPS,
    DISPOSITIONS,
    ERROR_REASONS,
    KINDS,
    SOURCE_DEST_TYPES,
    VOCABULARIES,
    UnknownVocabulary,
    is_extension,
    normalise,
    to_urn,
    to_web_uri,
)

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"

ALL_WORDS = [(kind, word) for kind in KINDS for word in sorted(VOCABULARIES[kind])]


def test_vocabulary_sizes_match_cbv_2_0() -> None:
    sizes = {kind: len(words) for kind, words in VOCABULARIES.items()}
    assert sizes == {
        "bizStep": 41,
        "disposition": 33,
        "bizTransactionType": 13,
        "sourceDestType": 3,
        "errorReason": 2,
    }
    assert {"sampling", "sensor_reporting", "unpacking"} <= BUSINESS_STEPS
    assert "cert" in BIZ_TRANSACTION_TYPES
    assert sorted(SOURCE_DEST_TYPES) == ["location", "owning_party", "possessing_party"]
    assert sorted(ERROR_REASONS) == ["did_not_occur", "incorrect_data"]
    assert {"container_closed", "container_open", "completeness_verified"} <= DISPOSITIONS


@pytest.mark.parametrize(
    ("kind", "spellings", "word"),
    [
        (
            "bizStep",
            ["shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"],
            "shipping",
        ),
        (
            "disposition",
            ["in_transit", "urn:epcglobal:cbv:disp:in_transit", "https://ref.gs1.org/cbv/Disp-in_transit"],
            "in_transit",
        ),
        (
            "bizTransactionType",
            ["cert", "urn:epcglobal:cbv:btt:cert", "https://ref.gs1.org/cbv/BTT-cert"],
            "cert",
        ),
        (
            "sourceDestType",
            [
                "possessing_party",
                "urn:epcglobal:cbv:sdt:possessing_party",
                "https://ref.gs1.org/cbv/SDT-possessing_party",
            ],
            "possessing_party",
        ),
        (
            "errorReason",
            [
                "did_not_occur",
                "urn:epcglobal:cbv:er:did_not_occur",
                "https://ref.gs1.org/cbv/ER-did_not_occur",
            ],
            "did_not_occur",
        ),
    ],
)
def test_every_spelling_normalises_to_the_bare_word(kind: str, spellings: list[str], word: str) -> None:
    assert [normalise(kind, spelling) for spelling in spellings] == [word, word, word]


def test_case_insensitive_uri_heads_are_accepted_but_words_are_case_sensitive() -> None:
    assert normalise("bizStep", "URN:EPCglobal:cbv:bizstep:shipping") == "shipping"
    assert normalise("bizStep", "HTTPS://REF.GS1.ORG/cbv/BizStep-shipping") == "shipping"
    for value in (
        "Shipping",
        "urn:epcglobal:cbv:bizstep:Shipping",
        "https://ref.gs1.org/cbv/bizstep-shipping",
    ):
        with pytest.raises(UnknownVocabulary):
            normalise("bizStep", value)


@pytest.mark.parametrize(("kind", "word"), ALL_WORDS)
def test_round_trip_through_urn_and_web_uri(kind: str, word: str) -> None:
    urn, web = to_urn(kind, word), to_web_uri(kind, word)
    assert urn.startswith("urn:epcglobal:cbv:") and urn.endswith(":" + word)
    assert web.startswith("https://ref.gs1.org/cbv/") and web.endswith("-" + word)
    assert (normalise(kind, urn), normalise(kind, web)) == (word, word)
    assert (to_urn(kind, web), to_web_uri(kind, urn)) == (urn, web)
    assert is_extension(kind, word) is False


def test_rendering_matches_the_published_spellings() -> None:
    assert to_urn("bizStep", "sensor_reporting") == "urn:epcglobal:cbv:bizstep:sensor_reporting"
    assert to_web_uri("bizStep", "sensor_reporting") == "https://ref.gs1.org/cbv/BizStep-sensor_reporting"
    assert to_web_uri("disposition", "urn:epcglobal:cbv:disp:container_closed") == (
        "https://ref.gs1.org/cbv/Disp-container_closed"
    )
    assert to_web_uri("bizTransactionType", "bol") == "https://ref.gs1.org/cbv/BTT-bol"
    assert to_web_uri("sourceDestType", "owning_party") == "https://ref.gs1.org/cbv/SDT-owning_party"
    assert to_urn("errorReason", "incorrect_data") == "urn:epcglobal:cbv:er:incorrect_data"


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("bizStep", "transforming"),
        ("bizStep", "urn:epcglobal:cbv:bizstep:transforming"),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-transforming"),
        ("bizStep", "urn:epcglobal:cbv:disp:in_transit"),  # a value of another vocabulary
        ("bizStep", "https://ref.gs1.org/cbv/Disp-in_transit"),
        ("bizStep", "http://ref.gs1.org/cbv/BizStep-shipping"),  # CBV 2.0 Web URIs are https
        ("bizStep", ""),
        ("bizStep", " shipping"),
        ("disposition", "in_transport"),
        ("disposition", "urn:epcglobal:cbv:disp:in_transport"),
        ("disposition", "https://ref.gs1.org/cbv/Disp-in_transport"),
        ("bizTransactionType", "invoice"),
        ("bizTransactionType", "urn:epcglobal:cbv:btt:packevent"),  # see the XML note below
        ("bizTransactionType", "https://ref.gs1.org/cbv/BTT-invoice"),
        ("sourceDestType", "place"),
        ("sourceDestType", "urn:epcglobal:cbv:sdt:place"),
        ("sourceDestType", "https://ref.gs1.org/cbv/SDT-place"),
        ("errorReason", "typo"),
        ("errorReason", "urn:epcglobal:cbv:er:typo"),
        ("errorReason", "https://ref.gs1.org/cbv/ER-typo"),
    ],
)
def test_unknown_cbv_value_is_refused_naming_kind_and_value(kind: str, value: str) -> None:
    with pytest.raises(UnknownVocabulary) as caught:
        normalise(kind, value)
    assert (caught.value.kind, caught.value.value) == (kind, value)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{kind} {value!r} is not a CBV 2.0 ")
    with pytest.raises(UnknownVocabulary):
        to_urn(kind, value)


def test_non_cbv_btt_in_an_openepcis_xml_document_is_refused() -> None:
    """``XML/Capture/Documents/AggregationEvent_with_persistentDisposition.xml`` uses the type
    ``urn:epcglobal:cbv:btt:packevent``: inside the CBV namespace but not a CBV 2.0 value, so it is
    refused here; the capture layer decides whether to reject the document or accept and flag it."""
    with pytest.raises(UnknownVocabulary, match="business transaction type"):
        normalise("bizTransactionType", "urn:epcglobal:cbv:btt:packevent")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("bizStep", "https://example.com/my-step"),
        ("bizStep", "urn:example:step:x"),
        ("bizStep", "http://epcis.example.org/hc/bizstep/summarising_discharge"),
        ("bizStep", "ext1:summarising_discharge"),  # compact IRI: expanded by the JSON-LD layer
        ("disposition", "https://example.com/disp/quarantined"),
        ("bizTransactionType", "urn:gs1:epcisapp:rail:btt:passage"),
        ("sourceDestType", "cbv:my_own_party"),  # compact IRI from OpenEPCIS CurieString_document
        ("errorReason", "https://example.com/er/duplicate_scan"),
    ],
)
def test_extension_uri_passes_through_unchanged(kind: str, value: str) -> None:
    assert normalise(kind, value) == value
    assert (to_urn(kind, value), to_web_uri(kind, value)) == (value, value)
    assert is_extension(kind, value) is True


def test_unknown_kind_is_a_plain_value_error() -> None:
    with pytest.raises(ValueError, match="unknown CBV vocabulary kind 'bizstep'") as caught:
        normalise("bizstep", "shipping")
    assert not isinstance(caught.value, UnknownVocabulary)


# --- OpenEPCIS conformance documents --------------------------------------------------------------

_LIST_TYPE_KINDS = {
    "bizTransactionList": "bizTransactionType",
    "sourceList": "sourceDestType",
    "destinationList": "sourceDestType",
}


def _vocabulary_values(node: Any) -> Iterator[tuple[str, str]]:
    """Yield (kind, value) for every CBV-vocabulary field of a parsed EPCIS JSON document."""
    if isinstance(node, list):
        for item in node:
            yield from _vocabulary_values(item)
        return
    if not isinstance(node, dict):
        return
    for key, child in node.items():
        if key in ("bizStep", "disposition") and isinstance(child, str):
            yield key, child
        elif key == "persistentDisposition" and isinstance(child, dict):
            for values in child.values():
                yield from (("disposition", value) for value in values)
        elif key == "errorDeclaration" and isinstance(child, dict) and "reason" in child:
            yield "errorReason", child["reason"]
        elif key in _LIST_TYPE_KINDS and isinstance(child, list):
            yield from ((_LIST_TYPE_KINDS[key], item["type"]) for item in child if "type" in item)
        yield from _vocabulary_values(child)


def _conformance_folder(name: str) -> Path:
    folder = CONFORMANCE / "JSON" / "Capture" / name
    if not folder.is_dir():
        pytest.skip(f"OpenEPCIS conformance documents not found at {folder} (the shared folder is absent)")
    return folder


def _refusals(path: Path) -> list[tuple[str, str]]:
    refused = []
    for kind, value in _vocabulary_values(json.loads(path.read_text(encoding="utf-8"))):
        try:
            normalise(kind, value)
        except UnknownVocabulary:
            refused.append((kind, value))
    return refused


@pytest.mark.parametrize("folder", ["Documents", "Events"])
def test_every_vocabulary_value_of_the_valid_openepcis_documents_normalises(folder: str) -> None:
    paths = sorted(_conformance_folder(folder).glob("*.json"))
    seen = {kind for path in paths for kind, _ in _vocabulary_values(json.loads(path.read_text("utf-8")))}
    assert {"bizStep", "disposition"} <= seen
    assert {path.name: refusals for path in paths if (refusals := _refusals(path))} == {}


def test_the_non_cbv_words_of_the_invalid_openepcis_documents_are_refused() -> None:
    paths = sorted(_conformance_folder("Invalid").glob("*.json"))
    refused = {path.name: sorted(set(_refusals(path))) for path in paths}
    non_standard = [("bizStep", "transforming"), ("disposition", "in_transport")]
    assert refused["ObjectEvent_with_non_standard_bizStep.json"] == [("bizStep", "transforming")]
    assert refused["ObjectEvent_with_non_standard_bizStep_in_second_event.json"] == [
        ("bizStep", "transforming")
    ]
    assert refused["ObjectEvent_with_non_standard_disposition.json"] == [("disposition", "in_transport")]
    assert refused["Combination_of_non_standard_bizStep_and_disposition.json"] == non_standard
    assert refused["Combination_of_multiple_invalid_fields.json"] == [
        *non_standard,
        ("sourceDestType", "place"),
    ]
    # The other invalid documents are invalid for reasons outside the CBV vocabularies.
    assert {name for name, values in refused.items() if values} == {
        "ObjectEvent_with_non_standard_bizStep.json",
        "ObjectEvent_with_non_standard_bizStep_in_second_event.json",
        "ObjectEvent_with_non_standard_disposition.json",
        "Combination_of_non_standard_bizStep_and_disposition.json",
        "Combination_of_multiple_invalid_fields.json",
    }
