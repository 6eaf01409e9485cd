"""The URIs OpenCIQ gives things in EPCIS events when they have no GS1 key.

GS1 keys keep their own forms (a crate's GRAI, a lot's LGTIN, a place's SGLN, as EPC URN or
Digital Link). A container keeps the EPC URN of its ISO 6346 number (``urn:epc:id:bic:``, TDS 2.x).
Everything else (an ISO 11784 ear tag, an ISO 18185 seal, a vehicle, a registered farm or gate)
gets an HTTP URI under the authority's own domain (``TRACE_ID_AUTHORITY``): a URN would need a
registered namespace, an HTTP URI under a domain one controls does not (gs1/EPCIS#242).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from stdnum import iso6346

from openciq.trace.animal_ids import InvalidIdentifier, parse_printed

_SEAL = re.compile(r"^[A-Z0-9]{2,8}-[A-Z0-9]{1,20}$")


def authority() -> str:
    return str(settings.TRACE_ID_AUTHORITY)


def animal(iso_code: str) -> str:
    """An ear tag by its 15-digit ISO 11784 printed number (validated)."""
    code = parse_printed(iso_code)
    return f"{authority()}/iso11784/{code.printed}"


def container(number: str) -> str:
    """A freight container by its ISO 6346 number (check digit validated)."""
    compact = iso6346.validate(number)
    return f"urn:epc:id:bic:{compact}"


def seal(seal_id: str) -> str:
    """An ISO 18185 electronic seal by its identifier: manufacturer ID and tag serial, written
    ``MANUFACTURER-SERIAL`` as marked on the casing."""
    text = seal_id.strip().upper()
    if not _SEAL.match(text):
        raise InvalidIdentifier(
            seal_id,
            "seal_format",
            "A seal identifier is the manufacturer ID and serial, e.g. 'ZJ01-00012345'.",
        )
    return f"{authority()}/seal/{text}"


def vehicle(plate: str) -> str:
    """A road vehicle by its licence plate (cross-border plates carry both jurisdictions; the
    plate as registered with the bureau)."""
    text = re.sub(r"\s+", "", plate.strip().upper())
    if not text:
        raise InvalidIdentifier(plate, "plate_empty", "A vehicle needs its plate number.")
    return f"{authority()}/vehicle/{quote(text, safe='')}"


def place(kind: str, code: str) -> str:
    """A place registered with the bureau (farm, planting base, plot, gate, loading channel) by
    its registration code."""
    text = code.strip()
    if not text:
        raise InvalidIdentifier(code, "place_empty", "A place needs its registration code.")
    return f"{authority()}/{kind}/{quote(text, safe='')}"


def batch(kind: str, number: str) -> str:
    """A shipment or loading batch by the bureau's number."""
    return place(kind, number)
