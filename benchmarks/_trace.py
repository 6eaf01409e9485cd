"""Shared plumbing of the EPCIS capture benchmarks (files starting with ``_`` are not benchmarks).

:func:`main` runs like ``_lims.main`` (a parent starting, per database, a ``prepare`` and a
``measure`` child with ``DATABASE_URL`` set) on databases of their own, so that the repository
they pre-load does not disturb the other benchmarks: SQLite ``var/bench/trace.sqlite3`` and
PostgreSQL ``openciq_bench_trace`` (created if missing). Every trace benchmark takes ``--events N``:
the events the repository holds before anything is timed (1,000,000 by default).

The documents are what the bureau's flows send, written here as EPCIS 2.0 JSON (:func:`document`),
deterministic for a given document number: a realistic mix per 1,000 events of

* 400 pig taggings: ObjectEvent ADD ``commissioning`` of one new ISO 11784 ear tag, with ILMD
  (farm, 畜禽标识 number, breed, sex, birth date) and an ``eventID``;
* 490 loading-channel reads: ObjectEvent OBSERVE ``loading`` of one tag (tags seen before), as a
  reader sends them, without ``eventID``;
* 80 loadings: AggregationEvent ADD of 40 tags into a truck, with the export certificate as
  ``bizTransaction``;
* 30 sales: TransactionEvent ADD of 3 tags with a certificate and a purchase order, source and
  destination parties.

That is about 4,300 identifier links per 1,000 events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import _declarations as declarations
import _harness as harness

EVENTS = 1_000_000
POSTGRES_DATABASE = "openciq_bench_trace"
DATABASE_URLS = {
    "sqlite": f"sqlite:///{harness.BENCH_DIR / 'trace.sqlite3'}",
    "postgresql": f"{harness.POSTGRES_SERVER}/{POSTGRES_DATABASE}",
}
AUTHORITY = "https://id.openciq.org"
NAMESPACE = "https://openciq.org/epcis/"
GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
START = dt.datetime(2026, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
#: Events of each kind in a document of 1,000 (scaled for other sizes).
MIX = {"tagging": 400, "read": 490, "loading": 80, "sale": 30}
CHILDREN = 40  # tags per truck loading
FARMS = 50
CHANNELS = 20

Options = Sequence[tuple[Sequence[str], dict[str, Any]]]


# --- the documents --------------------------------------------------------------------------------


def tag(n: int) -> str:
    """The ear tag of pig ``n`` (an ISO 11784 printed number under the authority's domain)."""
    return f"{AUTHORITY}/iso11784/156{n:012d}"


def _farm(n: int) -> str:
    return f"urn:epc:id:sgln:6901234.{n % FARMS + 100:05d}.0"


def _channel(n: int) -> str:
    return f"urn:epc:id:sgln:6901234.{n % CHANNELS + 500:05d}.0"


def _when(number: int, index: int) -> str:
    moment = START + dt.timedelta(minutes=number, milliseconds=37 * index)
    return moment.isoformat(timespec="milliseconds")


def events(number: int, size: int = 1000) -> list[dict[str, Any]]:
    """The events of document ``number`` (each document tags new pigs; reads, loadings and sales
    name pigs tagged in it or in the documents before it)."""
    counts = {kind: round(share * size / 1000) for kind, share in MIX.items()}
    counts["read"] = size - counts["tagging"] - counts["loading"] - counts["sale"]
    first = number * counts["tagging"]  # the pigs this document tags: first .. first + tagging
    out: list[dict[str, Any]] = []
    for i in range(counts["tagging"]):
        pig = first + i
        out.append(
            {
                "type": "ObjectEvent",
                "eventID": f"urn:uuid:00000000-0000-4000-8000-{number:06d}{i:06d}",
                "eventTime": _when(number, len(out)),
                "eventTimeZoneOffset": "+08:00",
                "epcList": [tag(pig)],
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "readPoint": {"id": _farm(pig)},
                "bizLocation": {"id": _farm(pig)},
                "ilmd": {
                    "ociq:farmRegistration": f"440{pig % FARMS:06d}",
                    "ociq:cnEarTag": f"1440100{pig % 10_000_000:08d}",
                    "ociq:species": "pig",
                    "ociq:sex": "F" if pig % 2 else "M",
                    "ociq:breed": ("Duroc", "Landrace", "Yorkshire")[pig % 3],
                    "ociq:birthDate": (START.date() - dt.timedelta(days=pig % 90)).isoformat(),
                },
            }
        )
    seen = max(1, first + counts["tagging"])
    for i in range(counts["read"]):
        pig = (first + 7 * i) % seen
        out.append(
            {
                "type": "ObjectEvent",
                "eventTime": _when(number, len(out)),
                "eventTimeZoneOffset": "+08:00",
                "epcList": [tag(pig)],
                "action": "OBSERVE",
                "bizStep": "loading",
                "disposition": "in_transit",
                "readPoint": {"id": _channel(pig)},
            }
        )
    for i in range(counts["loading"]):
        head = (first + CHILDREN * i) % seen
        out.append(
            {
                "type": "AggregationEvent",
                "eventID": f"urn:uuid:00000000-0000-4000-9000-{number:06d}{i:06d}",
                "eventTime": _when(number, len(out)),
                "eventTimeZoneOffset": "+08:00",
                "parentID": f"{AUTHORITY}/vehicle/YUE-B{(number * 100 + i) % 100_000:05d}",
                "childEPCs": [tag((head + k) % seen) for k in range(CHILDREN)],
                "action": "ADD",
                "bizStep": "loading",
                "disposition": "in_transit",
                "readPoint": {"id": _channel(head)},
                "bizLocation": {"id": _farm(head)},
                "bizTransactionList": [
                    {"type": "cert", "bizTransaction": f"{AUTHORITY}/declaration/E{number:06d}{i:04d}"}
                ],
            }
        )
    for i in range(counts["sale"]):
        head = (first + 3 * i) % seen
        out.append(
            {
                "type": "TransactionEvent",
                "eventID": f"urn:uuid:00000000-0000-4000-a000-{number:06d}{i:06d}",
                "eventTime": _when(number, len(out)),
                "eventTimeZoneOffset": "+08:00",
                "epcList": [tag((head + k) % seen) for k in range(3)],
                "action": "ADD",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "bizLocation": {"id": _farm(head)},
                "bizTransactionList": [
                    {"type": "cert", "bizTransaction": f"{AUTHORITY}/declaration/S{number:06d}{i:04d}"},
                    {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:6901234000004:PO{number}-{i}"},
                ],
                "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:6901234.00001"}],
                "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:4890000.00002"}],
            }
        )
    return out


def document(number: int, size: int = 1000) -> dict[str, Any]:
    """EPCISDocument ``number`` with ``size`` events (the prefix ``ociq`` declared once)."""
    return {
        "@context": [GS1_CONTEXT, {"ociq": NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _when(number, 0),
        "epcisBody": {"eventList": events(number, size)},
    }


def document_bytes(number: int, size: int = 1000) -> bytes:
    return json.dumps(document(number, size)).encode()


def links(number: int, size: int = 1000) -> int:
    """Identifier links (EventEpc rows) of document ``number``."""
    total = 0
    for event in events(number, size):
        total += len(event.get("epcList", ())) + len(event.get("childEPCs", ())) + ("parentID" in event)
    return total


def references(number: int, size: int = 1000) -> int:
    """Business transactions, sources and destinations (EventReference rows) of document ``number``."""
    keys = ("bizTransactionList", "sourceList", "destinationList")
    return sum(len(event.get(key, ())) for event in events(number, size) for key in keys)


# --- running --------------------------------------------------------------------------------------


def main(
    description: str,
    prepare: Callable[[argparse.Namespace], None],
    measure: Callable[[argparse.Namespace], None],
    options: Options = (),
) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--events",
        type=int,
        default=EVENTS,
        help=f"events in the repository before timing (default {EVENTS:,})",
    )
    for flags, kwargs in options:
        parser.add_argument(*flags, **kwargs)
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harness._django_setup()
        (prepare if args.child == "prepare" else measure)(args)
        return
    passed = harness.without(sys.argv[1:], ["--database"])
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    failed = [
        name
        for name in names
        if not harness.run_children(
            name,
            passed=passed,
            env={**harness._child_env(name), "DATABASE_URL": DATABASE_URLS[name]},
            skipped_ok=args.database == "both",
            postgres_database=POSTGRES_DATABASE if name == "postgresql" else None,
        )
    ]
    if failed:
        sys.exit(f"\nfailed: {', '.join(failed)}")


header = declarations.header
load_average = declarations.load_average
ratio = declarations.ratio
seconds_summary = declarations.seconds_summary
disk_mib = declarations.disk_mib
narrow = declarations.narrow
