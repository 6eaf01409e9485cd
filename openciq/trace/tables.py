"""How the EPCIS repository reads on the pages: readable names of the CBV words, a short form of
long identifiers, and the django-tables2 table of locations.

CBV values are stored as the bare word (``loading``) or, for a community's own value, as the URI
it was sent as. The pages show the word's translated name with the word itself beside it, so an
inspector reads "装载" and a sender can still match it to their document; an extension URI is
shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import django_tables2 as tables
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openciq.core.tables import OpenciqTable
from openciq.trace import identifiers
from openciq.trace.models import Location

BIZ_STEP_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "accepting": _("Accepting"),
        "arriving": _("Arriving"),
        "assembling": _("Assembling"),
        "collecting": _("Collecting"),
        "commissioning": _("Commissioning"),
        "consigning": _("Consigning"),
        "creating_class_instance": _("Creating class instance"),
        "cycle_counting": _("Cycle counting"),
        "decommissioning": _("Decommissioning"),
        "departing": _("Departing"),
        "destroying": _("Destroying"),
        "disassembling": _("Disassembling"),
        "dispensing": _("Dispensing"),
        "encoding": _("Encoding"),
        "entering_exiting": _("Entering / exiting"),
        "holding": _("Holding"),
        "inspecting": _("Inspecting"),
        "installing": _("Installing"),
        "killing": _("Killing (tag)"),
        "loading": _("Loading"),
        "other": _("Other step"),
        "packing": _("Packing"),
        "picking": _("Picking"),
        "receiving": _("Receiving"),
        "removing": _("Removing"),
        "repackaging": _("Repackaging"),
        "repairing": _("Repairing"),
        "replacing": _("Replacing"),
        "reserving": _("Reserving"),
        "retail_selling": _("Retail selling"),
        "sampling": _("Sampling"),
        "sensor_reporting": _("Sensor reporting"),
        "shipping": _("Shipping"),
        "staging_outbound": _("Staging outbound"),
        "stock_taking": _("Stock taking"),
        "stocking": _("Stocking"),
        "storing": _("Storing"),
        "transporting": _("Transporting"),
        "unloading": _("Unloading"),
        "unpacking": _("Unpacking"),
        "void_shipping": _("Void shipping"),
    }
)

DISPOSITION_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "active": _("Active"),
        "available": _("Available"),
        "completeness_inferred": _("Completeness inferred"),
        "completeness_verified": _("Completeness verified"),
        "conformant": _("Conformant"),
        "container_closed": _("Container closed (sealed)"),
        "container_open": _("Container open (seal broken)"),
        "damaged": _("Damaged"),
        "destroyed": _("Destroyed"),
        "dispensed": _("Dispensed"),
        "disposed": _("Disposed"),
        "encoded": _("Encoded"),
        "expired": _("Expired"),
        "in_progress": _("In progress"),
        "in_transit": _("In transit"),
        "inactive": _("Inactive"),
        "mismatch_class": _("Class mismatch"),
        "mismatch_instance": _("Instance mismatch"),
        "mismatch_quantity": _("Quantity mismatch"),
        "needs_replacement": _("Needs replacement"),
        "no_pedigree_match": _("No pedigree match"),
        "non_conformant": _("Non-conformant"),
        "non_sellable_other": _("Not sellable (other)"),
        "partially_dispensed": _("Partially dispensed"),
        "recalled": _("Recalled"),
        "reserved": _("Reserved"),
        "retail_sold": _("Sold at retail"),
        "returned": _("Returned"),
        "sellable_accessible": _("Sellable, accessible"),
        "sellable_not_accessible": _("Sellable, not accessible"),
        "stolen": _("Stolen"),
        "unavailable": _("Unavailable"),
        "unknown": _("Unknown"),
    }
)

BIZ_TRANSACTION_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "bol": _("Bill of lading"),
        "cert": _("Certificate"),
        "desadv": _("Despatch advice"),
        "inv": _("Invoice"),
        "pedigree": _("Pedigree"),
        "po": _("Purchase order"),
        "poc": _("Purchase order confirmation"),
        "prodorder": _("Production order"),
        "recadv": _("Receiving advice"),
        "rma": _("Return authorisation"),
        "testprd": _("Test procedure"),
        "testres": _("Test result"),
        "upevt": _("Upstream EPCIS event"),
    }
)

SOURCE_DEST_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "owning_party": _("Owning party"),
        "possessing_party": _("Possessing party"),
        "location": _("Location"),
    }
)

ERROR_REASON_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "did_not_occur": _("Did not occur"),
        "incorrect_data": _("Incorrect data"),
    }
)

_LABELS: Final[Mapping[str, Mapping[str, Promise]]] = MappingProxyType(
    {
        "bizStep": BIZ_STEP_LABELS,
        "disposition": DISPOSITION_LABELS,
        "bizTransactionType": BIZ_TRANSACTION_LABELS,
        "sourceDestType": SOURCE_DEST_LABELS,
        "errorReason": ERROR_REASON_LABELS,
    }
)

# The relations of a trace (``tracing.Node.relation``).
RELATION_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "self": _("Searched identifier"),
        "associated": pgettext_lazy("trace relation", "Associated"),
        "container": pgettext_lazy("trace relation", "Container"),
        "content": pgettext_lazy("trace relation", "Content"),
        "input": _("Input"),
        "output": _("Output"),
    }
)

# The identifier lists of an event (the JSON binding's names) as the detail page heads them.
IDENTIFIER_LIST_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "parentID": _("Parent"),
        "epcList": _("Objects"),
        "childEPCs": _("Children"),
        "inputEPCList": _("Inputs"),
        "outputEPCList": _("Outputs"),
    }
)
QUANTITY_LIST_LABELS: Final[Mapping[str, Promise]] = MappingProxyType(
    {
        "quantityList": _("Quantities"),
        "childQuantityList": _("Child quantities"),
        "inputQuantityList": _("Input quantities"),
        "outputQuantityList": _("Output quantities"),
    }
)


def vocabulary_label(kind: str, value: str) -> str:
    """The readable name of a CBV word of ``kind`` (``bizStep``, ``disposition``, ...); an
    extension URI, or a word CBV does not have, reads as itself."""
    label = _LABELS.get(kind, {}).get(value)
    return str(label) if label is not None else value


def vocabulary_choices(kind: str) -> list[tuple[str, str]]:
    """The CBV words of ``kind`` as form choices, ``"name (word)"``, sorted by word."""
    return [(word, f"{label} ({word})") for word, label in sorted(_LABELS[kind].items())]


# GS1 Application Identifiers of Digital Link paths, for the short form of identifiers.
_DIGITAL_LINK_HOSTS: Final = frozenset({"id.gs1.org"})


def short_identifier(uri: str) -> str:
    """A GS1 Digital Link as its element string, ``(01) 09521234543213 (21) 12`` (what is
    printed under a barcode); a URI the bureau gave without its domain (``vehicle/粤Z1234港``);
    another web URI with its escapes decoded; anything else as it is."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return uri
    own = f"{identifiers.authority()}/"
    if uri.startswith(own):
        return unquote(uri[len(own) :])
    if parts.hostname not in _DIGITAL_LINK_HOSTS:
        return unquote(uri)
    segments = [unquote(s) for s in parts.path.strip("/").split("/") if s]
    if not segments or len(segments) % 2:
        return unquote(uri)
    return " ".join(f"({ai}) {value}" for ai, value in zip(segments[::2], segments[1::2], strict=True))


# --- Locations -------------------------------------------------------------------------------------


def depth(location: Location) -> int:
    """How deep ``location`` sits in the hierarchy (0 for a root), from its path ``/1/5/9/``."""
    return max(0, location.path.count("/") - 2)


class LocationTable(OpenciqTable):
    """Locations as a tree: ordered by path, each name indented by its depth (so no column
    sorting, which would break the tree)."""

    name = tables.Column(verbose_name=_("name"), accessor="pk", orderable=False)
    uri = tables.Column(verbose_name=_("identifier"), orderable=False)
    kind = tables.Column(verbose_name=_("kind"), orderable=False)
    coordinates = tables.Column(
        verbose_name=_("coordinates"), accessor="latitude", orderable=False, default="—"
    )

    class Meta(OpenciqTable.Meta):
        model = Location
        fields = ("pk", "name", "kind", "uri", "coordinates")
        orderable = False
        row_attrs = {"data-location": lambda record: record.pk}

    def render_name(self, record: Location) -> SafeString:
        level = depth(record)
        indent = format_html("{}└ ", "\u2003" * (level - 1)) if level else ""
        if record.name:
            label = format_html("{}", record.name)
        else:
            label = format_html('<code class="small">{}</code>', short_identifier(record.uri))
        return format_html(
            '<span class="trace-indent" data-depth="{}">{}<a href="{}">{}</a></span>',
            level,
            indent,
            record_url(record),
            label,
        )

    def render_uri(self, value: str) -> SafeString:
        return format_html('<code class="small">{}</code>', value)

    def render_coordinates(self, record: Location) -> str:
        return coordinates(record)

    def value_name(self, record: Location) -> str:
        return record.name

    def value_coordinates(self, record: Location) -> str:
        return coordinates(record)


def record_url(location: Location) -> str:
    return reverse("trace:location_detail", args=[location.pk])


def coordinates(location: Any) -> str:
    """``22.543100, 114.057900`` or an em dash when the location has no position."""
    if location.latitude is None or location.longitude is None:
        return "—"
    return f"{location.latitude:.6f}, {location.longitude:.6f}"
