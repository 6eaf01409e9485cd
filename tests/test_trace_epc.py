"""EPC URN <-> GS1 Digital Link translation (openciq.trace.epc); no database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openciq.trace import epc
from openciq.trace.epc import InvalidEpc

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "epcis-openepcis"
DOCUMENTS = CONFORMANCE / "JSON" / "Capture" / "Documents"

# (URN, canonical Digital Link, kind) with Chinese company prefixes.
ROUND_TRIPS = [
    ("urn:epc:id:sgtin:6901234.012345.1001", "https://id.gs1.org/01/06901234123456/21/1001", "sgtin"),
    ("urn:epc:id:sgtin:69212345.11234.A%2F7", "https://id.gs1.org/01/16921234512347/21/A%2F7", "sgtin"),
    (
        "urn:epc:class:lgtin:6901234.012345.L2026-07",
        "https://id.gs1.org/01/06901234123456/10/L2026-07",
        "lgtin",
    ),
    ("urn:epc:idpat:sgtin:6901234.012345.*", "https://id.gs1.org/01/06901234123456", "gtin"),
    ("urn:epc:id:sscc:6901234.0000000017", "https://id.gs1.org/00/069012340000000177", "sscc"),
    ("urn:epc:id:sgln:6901234.00001.0", "https://id.gs1.org/414/6901234000016", "sgln"),
    ("urn:epc:id:sgln:6901234.00001.DOCK3", "https://id.gs1.org/414/6901234000016/254/DOCK3", "sgln"),
    ("urn:epc:id:grai:6901234.00077.C0001", "https://id.gs1.org/8003/06901234000771C0001", "grai"),
    ("urn:epc:id:giai:6901234.TRUCK-YUE-B12345", "https://id.gs1.org/8004/6901234TRUCK-YUE-B12345", "giai"),
    ("urn:epc:id:pgln:6901234.00005", "https://id.gs1.org/417/6901234000054", "pgln"),
    ("urn:epc:id:gdti:6901234.00009.CERT42", "https://id.gs1.org/253/6901234000092CERT42", "gdti"),
    ("urn:epc:id:gsrn:6901234.0000000001", "https://id.gs1.org/8018/690123400000000018", "gsrn"),
    ("urn:epc:id:ginc:6901234.HK2026", "https://id.gs1.org/401/6901234HK2026", "ginc"),
]


@pytest.mark.parametrize(("urn", "link", "expected_kind"), ROUND_TRIPS)
def test_round_trip(urn: str, link: str, expected_kind: str) -> None:
    assert epc.to_digital_link(urn) == link
    assert epc.to_urn(link) == urn
    assert epc.normalise(urn) == link
    assert epc.normalise(link) == link
    assert epc.kind(urn) == expected_kind
    assert epc.kind(link) == expected_kind


def test_explicit_company_prefix_length_for_foreign_prefix() -> None:
    link = "https://id.gs1.org/01/10614141073464/21/2017"
    with pytest.raises(InvalidEpc) as caught:
        epc.to_urn(link)
    assert caught.value.rule == "company_prefix_length"
    assert epc.to_urn(link, company_prefix_length=7) == "urn:epc:id:sgtin:0614141.107346.2017"
    assert epc.to_urn("https://id.gs1.org/8004/400000112345", company_prefix_length=7) == (
        "urn:epc:id:giai:4000001.12345"
    )


def test_digital_link_canonicalisation() -> None:
    # Any host, a path prefix, a short GTIN, a query string and lower-case escapes.
    assert epc.normalise("https://example.cn/p/01/6901234123456/21/a%2fb?17=260101#x") == (
        "https://id.gs1.org/01/06901234123456/21/a%2Fb"
    )
    assert (
        epc.normalise("  urn:epc:id:sscc:6901234.0000000017 ") == "https://id.gs1.org/00/069012340000000177"
    )


@pytest.mark.parametrize(
    "link",
    [
        "https://id.gs1.org/01/06901234123458/21/1001",  # GTIN
        "https://id.gs1.org/00/069012340000000171",  # SSCC
        "https://id.gs1.org/414/6901234000015",  # GLN
        "https://id.gs1.org/8003/06901234000774C0001",  # GRAI asset type
    ],
)
def test_bad_check_digit_refused(link: str) -> None:
    with pytest.raises(InvalidEpc) as caught:
        epc.normalise(link)
    assert caught.value.rule == "check_digit"
    assert "check digit" in str(caught.value)


@pytest.mark.parametrize(
    ("urn", "rule"),
    [
        ("urn:epc:id:sgtin:6901234.01234.1001", "format"),  # 12 digits, not 13
        ("urn:epc:id:sgtin:6901234.012345", "format"),  # no serial
        ("urn:epc:id:sgtin:69O1234.012345.1", "format"),  # letter O
        ("urn:epc:id:sscc:6901234.000000001", "format"),
        ("urn:epc:id:sgln:6901234.0001.0", "format"),
        ("urn:epc:id:sgtin:6901234.012345.A%2", "format"),  # broken escape
        ("urn:epc:id:sgtin:6901234.012345.12345678901234567890X", "format"),  # serial > 20
        ("urn:epc:id:sgtin:6901234.012345.a b", "format"),  # not an absolute URI (blank)
        ("urn:epc:id:sgtin:6901234.012345.é", "character"),
        ("urn:epc:id:crate:6901234.1", "unknown_scheme"),
        ("urn:epc:class:foo:6901234.1.1", "unknown_scheme"),
        ("urn:epc:6901234", "format"),
        ("not a uri", "format"),
        ("", "format"),
    ],
)
def test_malformed_refused(urn: str, rule: str) -> None:
    with pytest.raises(InvalidEpc) as caught:
        epc.normalise(urn)
    assert caught.value.rule == rule
    assert isinstance(caught.value, ValueError)
    assert caught.value.message


@pytest.mark.parametrize(
    "identifier",
    [
        "urn:iso:11784:156000123456789",
        "https://trace.example.gov.cn/crate/42",
        "urn:epc:id:bic:CSQU3054383",
        "urn:epc:id:itip:4012345.012345.01.02.999",
    ],
)
def test_other_identifiers_pass_unchanged(identifier: str) -> None:
    assert epc.normalise(identifier) == identifier
    assert epc.kind(identifier) == "other"


def test_untranslatable_urn_has_no_digital_link() -> None:
    with pytest.raises(InvalidEpc) as caught:
        epc.to_digital_link("urn:epc:id:bic:CSQU3054383")
    assert caught.value.rule == "unknown_scheme"
    with pytest.raises(InvalidEpc) as caught:
        epc.to_urn("https://trace.example.gov.cn/crate/42")
    assert caught.value.rule == "unknown_scheme"


# --- OpenEPCIS conformance documents ---------------------------------------------------------------

_LIST_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_LOCATION_FIELDS = ("readPoint", "bizLocation")

# Digital Links in the OpenEPCIS documents that break GS1 rules; the repository must refuse (or
# explicitly tolerate) them rather than store them as valid GRAIs.
KNOWN_INVALID = {
    # check digit of asset type 3001345000771 should be 6
    "https://id.example.com/8003/030013450007718765": "check_digit",
    # AI (8003) must start with the filler digit 0
    "https://id.example.com/8003/952012200000001004": "format",
}


def _identifiers(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _LIST_FIELDS and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            elif key == "parentID" and isinstance(value, str):
                yield value
            elif key in _LOCATION_FIELDS and isinstance(value, dict) and isinstance(value.get("id"), str):
                yield value["id"]
            yield from _identifiers(value)
    elif isinstance(node, list):
        for item in node:
            yield from _identifiers(item)


def _conformance_identifiers() -> list[str]:
    if not DOCUMENTS.is_dir():
        pytest.skip(f"OpenEPCIS conformance documents not found at {DOCUMENTS} (/work/shared absent)")
    found: set[str] = set()
    for path in sorted(DOCUMENTS.glob("*.json")):
        found.update(_identifiers(json.loads(path.read_text(encoding="utf-8"))))
    return sorted(found)


def test_conformance_identifiers_normalise() -> None:
    identifiers = _conformance_identifiers()
    assert len(identifiers) > 50
    refused: dict[str, str] = {}
    for identifier in identifiers:
        try:
            canonical = epc.normalise(identifier)
        except InvalidEpc as exc:
            refused[identifier] = exc.rule
            continue
        assert epc.normalise(canonical) == canonical
        if epc.kind(identifier) != "other":
            assert canonical.startswith("https://id.gs1.org/")
    assert refused == KNOWN_INVALID


def test_conformance_urns_match_their_digital_links() -> None:
    _conformance_identifiers()  # skip without the shared folder
    # The same GS1 keys appear as URN in one document and as Digital Link in another.
    assert epc.normalise("urn:epc:id:sscc:4012345.0000000333") == "https://id.gs1.org/00/040123450000003338"
    assert epc.normalise("https://id.gs1.de/414/4012345000115") == epc.normalise(
        "urn:epc:id:sgln:4012345.00011.0"
    )
    assert epc.normalise("https://id.example.com/8003/0040123450007418765") == (
        "https://id.gs1.org/8003/0040123450007418765"
    )
    assert epc.kind("urn:epc:id:sgln:952005385.011.scA") == "sgln"
