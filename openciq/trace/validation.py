"""The two validation layers of an EPCIS 2.0 JSON/JSON-LD capture: schema, then rules.

Layer 1, the schema (``schemas/epcis.schema.json``, JSON Schema 2020-12 written here from the
EPCIS 2.0 / CBV 2.0 facts): structure, required fields, the ``action`` enum, date-times, URIs,
time-zone offsets, quantities, unknown fields, CBV bare words. Its CBV word lists are not written
in the file: they are copied in at load time from :mod:`openciq.trace.cbv` (and, for sensor
measurement types, from this module), so each list exists once.

Layer 2, the rules (:func:`check_rules`): what a JSON Schema cannot say (brief §2.9 G5) — ILMD
only on ``ObjectEvent`` ADD and ``TransformationEvent``; ``parentID`` on ``AggregationEvent``
ADD/DELETE and every ``AssociationEvent``; extension prefixes declared in ``@context``; CBV values
in all three spellings via :func:`cbv.normalise`; EPC URNs and GS1 Digital Links via
:func:`epc.normalise`; ``sensorElement`` with ≥ 1 ``sensorReport`` (M121) and sensor times not
after ``eventTime`` (M122, compared as instants); ``correctiveEventIDs`` as URIs.

Every finding is an :class:`~openciq.trace.problems.Issue` whose path is a JSON Pointer into the
document as sent. ``severity="warning"`` marks a documented leniency that is accepted and recorded
on the capture job:

* ``persistentDisposition`` on Aggregation/Transaction/Association events (rule
  ``persistent_disposition``): the JSON schema forbids it, the XML schema allows it (G2);
* a sensor measurement ``type`` that is a word in the CBV style but not a CBV 2.0 measurement type
  (``Molar_concentration``, ``EffectiveDoseRate``; rule ``measurement_type``);
* a GS1 check-digit failure in an otherwise well-formed identifier (rule ``epc_check_digit``), and
  an ``http(s)`` URI outside ``id.gs1.org`` that looks like a Digital Link but breaks GS1 rules
  (rule ``digital_link``): EPCIS 2.0 accepts any URI as an identifier, so it is kept as sent;
* a compact IRI that expands into a CBV namespace without being a CBV value (``cbv:my_own_party``;
  rule ``cbv_namespace``), accepted as written;
* a sensorMetadata or sensorReport ``time`` after the ``eventTime`` (rule
  ``sensor_time_after_event``, M122 of GS1's draft conformance matrix): 8 of the 38 OpenEPCIS
  documents that a conforming capture interface accepts do it;
* an unknown remote ``@context`` (rule ``context``): it is never fetched (G6), so prefixes that are
  not declared inline can only be warned about.

Speed: the schema is compiled twice. jsonschema-rs (Rust) is the gate that answers valid or
invalid, about a hundred times faster; only what it refuses goes through ``python-jsonschema``,
which names each problem (:func:`schema_valid`). The gate is never more lenient than the Python
validator: where their format checks differ (jsonschema-rs admits a leap second and the year
0000 in a ``date-time``) the gate's copy of the schema adds the Python checker's restrictions, and
tests compare the two on the edges of RFC 3986/3339 and on every conformance document. The rules
layer builds a JSON Pointer only for a finding, so a clean event costs a few dictionary look-ups.

G1: ``jsonschema`` asserts ``format`` only when its optional checkers are installed. This module
refuses to import (:class:`FormatCheckingUnavailable`) unless the ``uri`` and ``date-time``
checkers are present *and* reject ``transforming`` and ``22-07-2026``, so a broken install cannot
silently accept non-CBV words. The same probes run against jsonschema-rs at import, and each
compiled gate is refused at first use unless it refuses a bare non-CBV ``bizStep`` and an
``eventTime`` of ``22-07-2026``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from openciq.trace import cbv, epc
from openciq.trace.problems import Issue

__all__ = [
    "ACTIVE_FORMATS",
    "BUILTIN_NAMESPACES",
    "EVENT_TYPES",
    "GS1_CONTEXT_URLS",
    "REQUIRED_FORMATS",
    "SCHEMA_PATH",
    "FormatCheckingUnavailable",
    "check_rules",
    "context_namespaces",
    "format_checker",
    "schema",
    "schema_valid",
    "validate_document",
    "validate_event",
]

SCHEMA_PATH: Final = Path(__file__).resolve().parent / "schemas" / "epcis.schema.json"

EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)

# --- G1: format checking must be on -----------------------------------------------------------

#: The formats the schema relies on; without them non-CBV words and bad dates would pass.
REQUIRED_FORMATS: Final = ("uri", "date-time")

# (format, value, expected result): a checker that is registered but lenient is as bad as none.
_FORMAT_PROBES: Final = (
    ("uri", "transforming", False),
    ("uri", "https://ref.gs1.org/cbv/BizStep-shipping", True),
    ("date-time", "22-07-2026", False),
    ("date-time", "2026-07-22T06:45:00+02:00", True),
)


class FormatCheckingUnavailable(ImportError):
    """The ``uri`` / ``date-time`` format checkers of ``jsonschema`` are missing or not working:
    install ``jsonschema[format-nongpl]`` (pinned in pyproject.toml)."""


def _active_format_checker() -> FormatChecker:
    try:
        checker = FormatChecker(formats=REQUIRED_FORMATS)
    except KeyError as missing:
        raise FormatCheckingUnavailable(
            f"jsonschema has no {missing} format checker: install jsonschema[format-nongpl]"
        ) from None
    for fmt, value, expected in _FORMAT_PROBES:
        if checker.conforms(value, fmt) is not expected:
            raise FormatCheckingUnavailable(
                f"the jsonschema {fmt!r} format checker {'accepts' if not expected else 'refuses'} {value!r}"
            )
    return checker


_FORMAT_CHECKER: Final = _active_format_checker()

#: Proof, computed at import, that the checkers the schema needs are asserted (G1).
ACTIVE_FORMATS: Final[frozenset[str]] = frozenset(_FORMAT_CHECKER.checkers)


def format_checker() -> FormatChecker:
    """The format checker every schema validation uses (``uri`` and ``date-time``, probed)."""
    return _FORMAT_CHECKER


# --- vocabularies ----------------------------------------------------------------------------

#: CBV 2.0 "Sensor measurement types" (72 values, the words of the GS1 Web Vocabulary
#: ``gs1:`` namespace). cbv.py does not carry them; drafts of the EPCIS context called
#: ``Radioactivity`` ``Activity``.
_MEASUREMENT_TYPES: Final[frozenset[str]] = frozenset(
    """
    AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Altitude AmountOfSubstance
    AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area
    Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent
    DoseEquivalentRate DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity
    ElectricFieldStrength Energy Exposure Force Frequency Illuminance Inductance Irradiance
    KinematicViscosity Length LinearMomentum Luminance LuminousFlux LuminousIntensity MagneticFlux
    MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate MassPerAreaTime
    MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure Radioactivity
    RadiantFlux RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume
    Speed SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate
    VolumeFraction VolumetricFlux Wavenumber
    """.split()  # noqa: SIM905 - a word table reads better than 72 quoted strings one per line
)

_WORD_LISTS: Final[Mapping[str, frozenset[str]]] = {
    **cbv.VOCABULARIES,
    "measurementType": _MEASUREMENT_TYPES,
}

# --- JSON-LD context (G6: never fetched) ------------------------------------------------------

#: Published URLs of the GS1 EPCIS 2.0 JSON-LD context (the ratified one first, then the
#: unversioned alias and the drafting copies). Recognised by URL, never fetched.
GS1_CONTEXT_URLS: Final[frozenset[str]] = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.1/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
        "https://id.gs1.org/epcis-context.jsonld",
    }
)

#: Prefixes the GS1 EPCIS 2.0 context declares. They are always known: the JSON binding of EPCIS
#: implies that context, and a document without ``@context`` is refused by the schema anyway.
BUILTIN_NAMESPACES: Final[Mapping[str, str]] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/",
}

_GS1_VOCABULARY: Final = "https://gs1.org/voc/"
_CBV_NAMESPACES: Final = (cbv.CBV_URN_NAMESPACE, cbv.CBV_WEB_NAMESPACE)

# prefix:name — the shape of an extension key and of a compact IRI (CURIE).
_PREFIXED: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*):(.+)")
_ABSOLUTE_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_CBV_STYLE_WORD: Final = re.compile(r"[A-Za-z_]+")


def _context_entries(context: object) -> list[object]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def _is_gs1_context(url: str) -> bool:
    url = url.strip()
    if url[:7].lower() == "http://":
        url = "https://" + url[7:]
    return url in GS1_CONTEXT_URLS


def _declared(context: object) -> dict[str, str]:
    """Prefix → namespace from the inline objects of one ``@context`` value."""
    found: dict[str, str] = {}
    for entry in _context_entries(context):
        if not isinstance(entry, dict):
            continue
        for term, definition in entry.items():
            if not isinstance(term, str) or term.startswith("@") or ":" in term:
                continue
            iri = definition.get("@id") if isinstance(definition, dict) else definition
            if isinstance(iri, str) and not iri.startswith("@") and ":" in iri:
                found[term] = iri
    return found


def _unknown_remote_contexts(context: object) -> list[str]:
    return [e for e in _context_entries(context) if isinstance(e, str) and not _is_gs1_context(e)]


def context_namespaces(doc_or_event: Mapping[str, Any]) -> dict[str, str]:
    """Prefix → namespace URI known for a document or event: the GS1 built-ins
    (:data:`BUILTIN_NAMESPACES`) overlaid with the prefixes its ``@context`` declares inline.

    ``@context`` may be a URL, an object or a list of both. GS1 context URLs are recognised, never
    fetched; other remote contexts cannot be read offline and contribute nothing (the validators
    warn about them). Any term mapped to an IRI counts as a prefix, as JSON-LD 1.0 allowed.
    """
    return {**BUILTIN_NAMESPACES, **_declared(doc_or_event.get("@context"))}


def _expand(value: str, namespaces: Mapping[str, str]) -> str:
    """Expand a compact IRI with a declared prefix; anything else comes back unchanged."""
    match = _PREFIXED.fullmatch(value)
    if match is None or match.group(2).startswith("//") or match.group(1) not in namespaces:
        return value
    return namespaces[match.group(1)] + match.group(2)


# --- layer 1: the schema ----------------------------------------------------------------------


def _fill_word_lists(node: object) -> None:
    if isinstance(node, dict):
        name = node.get("x-vocabulary")
        if isinstance(name, str):
            node["enum"] = sorted(_WORD_LISTS[name])
        for value in node.values():
            _fill_word_lists(value)
    elif isinstance(node, list):
        for value in node:
            _fill_word_lists(value)


@cache
def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    _fill_word_lists(loaded)
    Draft202012Validator.check_schema(loaded)
    return loaded


def schema() -> dict[str, Any]:
    """The capture schema with its word lists filled in (a copy, e.g. for API documentation)."""
    return copy.deepcopy(_schema())


def _inline(node: object, defs: Mapping[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by its definition (the schema has no cycles):
    following references is the largest cost of ``jsonschema``, inlining halves validation time."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline(value, defs) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return inlined
    target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
    if not isinstance(target, dict):
        return {**inlined, "allOf": [target]} if inlined else target
    if inlined.keys() & target.keys():
        return {**inlined, "allOf": [target, *inlined.get("allOf", [])]}
    return {**target, **inlined}


@cache
def _validator(definition: str | None) -> Any:
    """A compiled validator: the document envelope (``None``; events are checked one by one
    afterwards, which is faster and gives each event its own rules pass) or one ``$defs`` entry."""
    root = _schema()
    defs = dict(root["$defs"])
    if definition is None:
        defs["event"] = True  # each event is checked on its own; see validate_document
        target = _inline({k: v for k, v in root.items() if k != "$defs"}, defs)
    else:
        target = dict(_inline(defs[definition], defs), **{"$schema": root["$schema"]})
    return Draft202012Validator(target, format_checker=_FORMAT_CHECKER)


# --- the fast gate: the same schema, compiled by jsonschema-rs ----------------------------------
#
# ``python-jsonschema`` names every problem precisely but costs about 0.2 ms per event. The same
# schema compiled by jsonschema-rs (Rust) answers valid/invalid in about 2 µs. It is the gate:
# what it accepts needs no Python schema pass; what it refuses goes through the Python validator,
# which produces the messages. The gate must therefore never accept what the Python validator
# refuses. Its date-time check is RFC 3339 like Python's but admits a leap second (``:60``) and
# the year 0000, which ``rfc3339-validator`` (and Python's ``datetime``) refuse; the gate adds
# :data:`_GATE_DATE_TIME` to every ``date-time`` node to close that gap.

#: RFC 3339 date-time with the restrictions of the Python checker: a year from 0001, seconds
#: 00-59, hours 00-23, offsets up to 23:59 (the day of the month is left to the format check).
_GATE_DATE_TIME: Final = (
    r"^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-[0-9]{2}"
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _strict_dates(node: object) -> Any:
    """``node`` with the Python checker's date-time restrictions added where ``format`` asks for one."""
    if isinstance(node, list):
        return [_strict_dates(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict_dates(value) for key, value in node.items()}
    if out.get("format") == "date-time":
        if "pattern" in out:
            out["allOf"] = [*out.get("allOf", []), {"pattern": _GATE_DATE_TIME}]
        else:
            out["pattern"] = _GATE_DATE_TIME
    return out


def _rs_validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for(schema, validate_formats=True, ignore_unknown_formats=False)


def _probe_rs_formats() -> None:
    """G1 for the gate: jsonschema-rs must assert ``uri`` and ``date-time`` (the same probes as
    the Python checker, plus the gate's own date-time restrictions)."""
    for fmt, value, expected in _FORMAT_PROBES:
        schema = _strict_dates({"type": "string", "format": fmt})
        if _rs_validator(schema).is_valid(value) is not expected:
            raise FormatCheckingUnavailable(
                f"the jsonschema-rs {fmt!r} format check {'accepts' if not expected else 'refuses'} {value!r}"
            )


_probe_rs_formats()


_PROBE_BASE: Final = {
    "eventTime": "2026-07-22T06:45:00.000+02:00",
    "eventTimeZoneOffset": "+02:00",
    "bizStep": "shipping",
}
_PROBE_EPC: Final = "urn:epc:id:sgtin:6901234.012345.1"
#: A minimal valid event of each type, on which the gate must refuse the G1 values.
_GATE_PROBES: Final[Mapping[str, Mapping[str, object]]] = {
    "ObjectEvent": {"type": "ObjectEvent", "action": "ADD", "epcList": [_PROBE_EPC], **_PROBE_BASE},
    "AggregationEvent": {"type": "AggregationEvent", "action": "OBSERVE", **_PROBE_BASE},
    "TransactionEvent": {
        "type": "TransactionEvent",
        "action": "ADD",
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000004:1"}],
        **_PROBE_BASE,
    },
    "TransformationEvent": {"type": "TransformationEvent", "inputEPCList": [_PROBE_EPC], **_PROBE_BASE},
    "AssociationEvent": {
        "type": "AssociationEvent",
        "action": "ADD",
        "parentID": "urn:epc:id:grai:6901234.00001.1",
        **_PROBE_BASE,
    },
}


@cache
def _gate(definition: str | None) -> Any:
    """The jsonschema-rs twin of :func:`_validator` (same target schema), refused at first use
    unless it refuses a non-CBV bare ``bizStep`` and an ``eventTime`` of ``22-07-2026``."""
    gate = _rs_validator(_strict_dates(_validator(definition).schema))
    if definition in EVENT_TYPES:
        probe = _GATE_PROBES[definition]
        for name, bad in (("bizStep", "transforming"), ("eventTime", "22-07-2026")):
            if not gate.is_valid(probe) or gate.is_valid({**probe, name: bad}):
                raise FormatCheckingUnavailable(
                    f"the jsonschema-rs gate for {definition} does not refuse {name} {bad!r}"
                )
    return gate


def schema_valid(definition: str | None, instance: object) -> bool:
    """True when ``instance`` passes the schema layer for ``definition`` (the document envelope
    for ``None``, or an event type): the fast gate's answer, which never says yes when the Python
    validator would say no."""
    return bool(_gate(definition).is_valid(instance))


def _pointer(base: str, parts: Iterable[object]) -> str:
    return base + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _field(path: str) -> str:
    """How a message names the value at JSON Pointer ``path``: ``bizStep``, ``epcList[2]``."""
    segments = [s.replace("~1", "/").replace("~0", "~") for s in path.split("/")[1:]]
    if not segments:
        return "the document"
    names = [s for s in segments if not s.isdigit()]
    last = segments[-1]
    return f"{names[-1] if names else 'item'}[{last}]" if last.isdigit() else last


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _title(schema_node: object) -> str:
    title = schema_node.get("title") if isinstance(schema_node, dict) else None
    return title if isinstance(title, str) else "object"


def _unexpected_keys(error: ValidationError) -> list[str]:
    node = error.schema
    known = node.get("properties", {})
    patterns = [re.compile(p) for p in node.get("patternProperties", {})]
    return [k for k in error.instance if k not in known and not any(p.search(k) for p in patterns)]


def _schema_issue(path: str, message: str) -> Issue:
    return Issue(path, message, rule="schema")


_JSON_TYPES: Final = {
    "array": "a list (JSON array)",
    "object": "an object",
    "string": "a string",
    "number": "a number",
    "boolean": "true or false",
}


def _translate(error: ValidationError, base: str) -> Iterator[Issue]:
    """One clear issue per problem, naming the field: jsonschema's anyOf/oneOf noise collapses to
    the schema's ``x-error`` message or to the most specific underlying error."""
    parts = list(error.absolute_path)
    path, node, kind = _pointer(base, parts), error.schema, error.validator
    x_error = node.get("x-error") if isinstance(node, dict) else None
    if kind == "required":
        for name in (n for n in error.validator_value if n not in error.instance):
            message = f"required field {name!r} is missing from the {_title(node)}"
            yield _schema_issue(_pointer(path, [name]), message)
    elif kind == "additionalProperties":
        for key in _unexpected_keys(error):
            hint = "; extension fields are named prefix:name with the prefix declared in @context"
            yield _schema_issue(_pointer(path, [key]), f"unknown field {key!r} in the {_title(node)}{hint}")
    elif isinstance(x_error, str):
        scalar = not isinstance(error.instance, dict | list)
        shown = f" {_shown(error.instance)}" if scalar else ""
        yield _schema_issue(path, f"{_field(path)}{shown} {x_error}")
    elif kind in ("anyOf", "oneOf") and error.context:
        alternatives = error.context
        if all(e.validator == "required" for e in alternatives):
            names = [n for e in alternatives for n in e.validator_value]
            message = f"{_article(_title(node))} {_title(node)} needs {' or '.join(names)}"
            yield _schema_issue(_pointer(path, [names[0]]), message)
        else:
            yield from _translate(best_match(alternatives), base)
    elif kind == "type" and isinstance(error.validator_value, str):
        expected = _JSON_TYPES.get(error.validator_value, error.validator_value)
        yield _schema_issue(path, f"{_field(path)} must be {expected}")
    else:
        yield _schema_issue(path, f"{_field(path)}: {error.message}")


def _schema_issues(definition: str | None, instance: object, base: str) -> list[Issue]:
    if _gate(definition).is_valid(instance):
        return []
    found: list[Issue] = []
    for error in _validator(definition).iter_errors(instance):
        found.extend(_translate(error, base))
    return list(dict.fromkeys(found))


# --- layer 2: the rules -----------------------------------------------------------------------

_QUANTITY_LISTS: Final = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_EPC_LISTS: Final = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_PARTY_LISTS: Final = (("sourceList", "source"), ("destinationList", "destination"))
_REFERENCE_KEYS: Final = (*_PARTY_LISTS, ("bizTransactionList", "bizTransaction"))
_EXTENDED_OBJECTS: Final = ("readPoint", "bizLocation", "persistentDisposition", "errorDeclaration")
_EXTENDED_LISTS: Final = ("bizTransactionList", "sourceList", "destinationList", *_QUANTITY_LISTS)


def _items(value: object) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        yield from ((i, item) for i, item in enumerate(value) if isinstance(item, dict))


def _vocabulary_issue(kind: str, value: object, path: str, namespaces: Mapping[str, str]) -> Iterator[Issue]:
    """A CBV value in any of its spellings; a compact IRI is also checked as expanded."""
    if not isinstance(value, str) or value in _WORD_LISTS[kind]:
        return  # a standard bare word (the common case): nothing to expand or report
    try:
        cbv.normalise(kind, value)
    except cbv.UnknownVocabulary as exc:
        yield Issue(path, str(exc), rule="cbv")
        return
    expanded = _expand(value, namespaces)
    if expanded != value and expanded.startswith(_CBV_NAMESPACES):
        try:
            cbv.normalise(kind, expanded)
        except cbv.UnknownVocabulary:
            yield Issue(
                path,
                f"{kind} {value!r} expands to {expanded!r}, inside the CBV namespace, where it is not a "
                "standard value; accepted as written (use a URI outside the CBV namespaces)",
                rule="cbv_namespace",
                severity="warning",
            )


def _vocabulary_issues(event: Mapping[str, Any], path: str, ns: Mapping[str, str]) -> Iterator[Issue]:
    step, disposition = event.get("bizStep"), event.get("disposition")
    if isinstance(step, str) and step not in cbv.BUSINESS_STEPS:
        yield from _vocabulary_issue("bizStep", step, f"{path}/bizStep", ns)
    if isinstance(disposition, str) and disposition not in cbv.DISPOSITIONS:
        yield from _vocabulary_issue("disposition", disposition, f"{path}/disposition", ns)
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            values = persistent.get(key)
            for i, value in enumerate(values if isinstance(values, list) else []):
                yield from _vocabulary_issue(
                    "disposition", value, f"{path}/persistentDisposition/{key}/{i}", ns
                )
    for i, item in _items(event.get("bizTransactionList")):
        yield from _vocabulary_issue(
            "bizTransactionType", item.get("type"), f"{path}/bizTransactionList/{i}/type", ns
        )
    for list_name, _ in _PARTY_LISTS:
        for i, item in _items(event.get(list_name)):
            yield from _vocabulary_issue(
                "sourceDestType", item.get("type"), f"{path}/{list_name}/{i}/type", ns
            )
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        yield from _vocabulary_issue(
            "errorReason", declaration.get("reason"), f"{path}/errorDeclaration/reason", ns
        )


@lru_cache(maxsize=8192)
def _identifier_problem(value: str) -> tuple[str, str, str] | None:
    """``(rule, severity, message)`` when ``value`` breaks GS1 rules. Cached: read points, classes
    and parties repeat across the events of one capture."""
    try:
        epc.normalise(value)
    except epc.InvalidEpc as exc:
        parts = urlsplit(value.strip())
        if exc.rule == "check_digit":
            return "epc_check_digit", "warning", f"{value!r}: {exc.message} Accepted as sent."
        if parts.scheme.lower() in ("http", "https") and (parts.hostname or "") != "id.gs1.org":
            message = f"{value!r} is not a valid GS1 Digital Link ({exc.message}); kept as an opaque URI."
            return "digital_link", "warning", message
        return "epc", "error", f"{value!r} is not a valid GS1 identifier: {exc.message}"
    return None


def _identifier_issue(value: object, path: str) -> Iterator[Issue]:
    """EPC URNs and GS1 Digital Links must follow the GS1 rules; other URIs pass."""
    problem = _identifier_problem(value) if isinstance(value, str) else None
    if problem is not None:
        rule, severity, message = problem
        yield Issue(path, message, rule=rule, severity=severity)


def _identifier_issues(event: Mapping[str, Any], path: str) -> Iterator[Issue]:
    # The problem is looked up (cached) before a path is built: most identifiers have none.
    for name in _EPC_LISTS:
        values = event.get(name)
        if isinstance(values, list):
            for i, value in enumerate(values):
                if isinstance(value, str) and _identifier_problem(value) is not None:
                    yield from _identifier_issue(value, f"{path}/{name}/{i}")
    parent = event.get("parentID")
    if isinstance(parent, str) and _identifier_problem(parent) is not None:
        yield from _identifier_issue(parent, f"{path}/parentID")
    for name in _QUANTITY_LISTS:
        if name in event:
            for i, item in _items(event[name]):
                yield from _identifier_issue(item.get("epcClass"), f"{path}/{name}/{i}/epcClass")
    for name in ("readPoint", "bizLocation"):
        location = event.get(name)
        if isinstance(location, dict):
            value = location.get("id")
            if isinstance(value, str) and _identifier_problem(value) is not None:
                yield from _identifier_issue(value, f"{path}/{name}/id")
    for list_name, key in _REFERENCE_KEYS:
        if list_name in event:
            for i, item in _items(event[list_name]):
                yield from _identifier_issue(item.get(key), f"{path}/{list_name}/{i}/{key}")


def _article(word: object) -> str:
    return "an" if str(word)[:1].lower() in "aeiou" else "a"


def _structure_issues(event: Mapping[str, Any], path: str) -> Iterator[Issue]:
    """ILMD, parentID and persistentDisposition by event type and action."""
    kind, action = event.get("type"), event.get("action")
    if "ilmd" in event:
        if kind == "ObjectEvent" and action in ("OBSERVE", "DELETE"):
            message = (
                "ilmd is allowed on an ObjectEvent only with action ADD (it describes newly created "
                f"objects), not {action}"
            )
            yield Issue(f"{path}/ilmd", message, rule="ilmd_on_add_only")
        elif kind not in ("ObjectEvent", "TransformationEvent"):
            message = (
                "ilmd is allowed only on an ObjectEvent with action ADD or a TransformationEvent, "
                f"not on {_article(kind)} {kind}"
            )
            yield Issue(f"{path}/ilmd", message, rule="ilmd_on_add_only")
    if "parentID" not in event:
        if kind == "AggregationEvent" and action in ("ADD", "DELETE"):
            message = f"parentID is required on an AggregationEvent with action {action}"
            yield Issue(f"{path}/parentID", message, rule="parent_id_required")
        elif kind == "AssociationEvent":
            yield Issue(
                f"{path}/parentID", "parentID is required on an AssociationEvent", rule="parent_id_required"
            )
    if "persistentDisposition" in event and kind not in ("ObjectEvent", "TransformationEvent", None):
        message = (
            f"persistentDisposition on {_article(kind)} {kind} is accepted (the EPCIS 2.0 XML schema "
            "allows it) but the EPCIS 2.0 JSON schema allows it only on ObjectEvent and "
            "TransformationEvent (gs1/EPCIS#395)"
        )
        yield Issue(
            f"{path}/persistentDisposition", message, rule="persistent_disposition", severity="warning"
        )


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _measurement_issue(value: object, path: str, ns: Mapping[str, str]) -> Iterator[Issue]:
    if not isinstance(value, str) or value in _MEASUREMENT_TYPES:
        return
    expanded = _expand(value, ns)
    if expanded.startswith(_GS1_VOCABULARY):
        local = expanded[len(_GS1_VOCABULARY) :].removeprefix("MT-")
        if local not in _MEASUREMENT_TYPES:
            message = (
                f"measurement type {value!r} is in the GS1 vocabulary but is not a CBV 2.0 measurement type"
            )
            yield Issue(path, message, rule="measurement_type", severity="warning")
    elif _ABSOLUTE_URI.fullmatch(value):
        return
    elif _CBV_STYLE_WORD.fullmatch(value):
        message = (
            f"measurement type {value!r} is not a CBV 2.0 measurement type; accepted as a user-defined word "
            f"(write user-defined types as URIs, e.g. example:{value})"
        )
        yield Issue(path, message, rule="measurement_type", severity="warning")
    else:
        message = f"measurement type {value!r} is neither a CBV 2.0 measurement type nor an absolute URI"
        yield Issue(path, message, rule="measurement_type")


def _time_issue(element: Mapping[str, Any], path: str, event: Mapping[str, Any]) -> Iterator[Issue]:
    event_time, own_time = _instant(event.get("eventTime")), _instant(element.get("time"))
    if event_time is not None and own_time is not None and own_time > event_time:
        message = (
            f"sensor time {element['time']} is after the eventTime {event['eventTime']} (EPCIS 2.0 M122: "
            "a sensor time is at or before the eventTime); accepted and recorded"
        )
        yield Issue(f"{path}/time", message, rule="sensor_time_after_event", severity="warning")


def _sensor_issues(event: Mapping[str, Any], path: str, ns: Mapping[str, str]) -> Iterator[Issue]:
    for i, element in _items(event.get("sensorElementList")):
        here = f"{path}/sensorElementList/{i}"
        if isinstance(element.get("sensorMetadata"), dict):
            yield from _time_issue(element["sensorMetadata"], f"{here}/sensorMetadata", event)
        reports = element.get("sensorReport")
        if not isinstance(reports, list) or not reports:
            message = "a sensorElement must contain at least one sensorReport (EPCIS 2.0 M121)"
            yield Issue(f"{here}/sensorReport", message, rule="sensor_report_required")
            continue
        for j, report in _items(reports):
            yield from _measurement_issue(report.get("type"), f"{here}/sensorReport/{j}/type", ns)
            yield from _time_issue(report, f"{here}/sensorReport/{j}", event)


def _error_declaration_issues(event: Mapping[str, Any], path: str) -> Iterator[Issue]:
    declaration = event.get("errorDeclaration")
    ids = declaration.get("correctiveEventIDs") if isinstance(declaration, dict) else None
    for i, value in enumerate(ids if isinstance(ids, list) else []):
        if not isinstance(value, str) or not _ABSOLUTE_URI.fullmatch(value):
            message = f"correctiveEventIDs[{i}] {_shown(value)} is not an event ID URI"
            yield Issue(
                f"{path}/errorDeclaration/correctiveEventIDs/{i}", message, rule="corrective_event_id"
            )


def _prefix_issue(key: str, path: str, ns: Mapping[str, str], strict: bool) -> Iterator[Issue]:
    match = _PREFIXED.fullmatch(key)
    if match is None or match.group(2).startswith("//") or match.group(1) in ns:
        return
    message = f"extension field {key!r} uses the prefix {match.group(1)!r}, which @context does not declare"
    if not strict:
        message += " (a remote @context that is not fetched may declare it)"
    yield Issue(path, message, rule="extension_prefix", severity="error" if strict else "warning")


def _nested_prefixes(value: object, path: str, ns: Mapping[str, str], strict: bool) -> Iterator[Issue]:
    """Inside an extension value keys are free, but a prefixed key must use a declared prefix."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and not key.startswith("@"):
                yield from _prefix_issue(key, _pointer(path, [key]), ns, strict)
                yield from _nested_prefixes(inner, _pointer(path, [key]), ns, strict)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _nested_prefixes(inner, f"{path}/{i}", ns, strict)


def _own_keys(
    obj: Mapping[str, Any],
    path: str,
    ns: Mapping[str, str],
    strict: bool,
    *,
    ilmd: bool = False,
    at: tuple[str, ...] = (),
) -> Iterator[Issue]:
    """The extension keys of one standard object (or every key of ``ilmd``) at ``path`` + ``at``
    (joined only when there is something to report)."""
    for key, value in obj.items():
        if (":" not in key and not ilmd) or key.startswith("@"):
            continue  # a standard field, or a JSON-LD keyword
        match = _PREFIXED.fullmatch(key)
        if match is not None and (match.group(2).startswith("//") or match.group(1) in ns):
            if isinstance(value, dict | list):  # a declared prefix: only nested keys can be wrong
                yield from _nested_prefixes(value, _pointer(path, [*at, key]), ns, strict)
            continue
        here = _pointer(path, [*at, key])
        if match is not None:
            yield from _prefix_issue(key, here, ns, strict)
            yield from _nested_prefixes(value, here, ns, strict)
        elif ilmd:
            message = (
                f"ilmd field {key!r} must be namespaced as prefix:name, with the prefix declared in @context"
            )
            yield Issue(here, message, rule="extension_namespace")


def _extension_issues(
    event: Mapping[str, Any], path: str, ns: Mapping[str, str], strict: bool
) -> Iterator[Issue]:
    yield from _own_keys(event, path, ns, strict)
    for name in _EXTENDED_OBJECTS:
        value = event.get(name)
        if isinstance(value, dict):
            yield from _own_keys(value, path, ns, strict, at=(name,))
    if isinstance(event.get("ilmd"), dict):
        yield from _own_keys(event["ilmd"], f"{path}/ilmd", ns, strict, ilmd=True)
    for name in _EXTENDED_LISTS:
        if name in event:
            for i, item in _items(event[name]):
                yield from _own_keys(item, path, ns, strict, at=(name, str(i)))
    if "sensorElementList" not in event:
        return
    for i, element in _items(event["sensorElementList"]):
        here = f"{path}/sensorElementList/{i}"
        yield from _own_keys(element, here, ns, strict)
        if isinstance(element.get("sensorMetadata"), dict):
            yield from _own_keys(element["sensorMetadata"], f"{here}/sensorMetadata", ns, strict)
        for j, report in _items(element.get("sensorReport")):
            yield from _own_keys(report, f"{here}/sensorReport/{j}", ns, strict)


def check_rules(
    event: Mapping[str, Any],
    *,
    path: str,
    namespaces: Mapping[str, str],
    strict_prefixes: bool = True,
) -> list[Issue]:
    """The second validation layer (G5) for one event at JSON Pointer ``path``.

    ``namespaces`` are the prefixes in scope (:func:`context_namespaces`, document and event
    merged). With ``strict_prefixes=False`` (an unknown remote context is in scope) an undeclared
    prefix is a warning instead of an error. Robust to malformed input: what the schema already
    refuses is skipped, not re-reported with a traceback.
    """
    return list(
        dict.fromkeys(
            [
                *_structure_issues(event, path),
                *_vocabulary_issues(event, path, namespaces),
                *_identifier_issues(event, path),
                *_sensor_issues(event, path, namespaces),
                *_error_declaration_issues(event, path),
                *_extension_issues(event, path, namespaces, strict_prefixes),
            ]
        )
    )


# --- both layers ------------------------------------------------------------------------------


def _context_warnings(context: object, path: str) -> list[Issue]:
    return [
        Issue(
            path,
            f"remote @context {url!r} is not fetched (the repository works offline); prefixes it may declare "
            "are unknown, so undeclared prefixes are only warned about",
            rule="context",
            severity="warning",
        )
        for url in _unknown_remote_contexts(context)
    ]


def _event_issues(
    event: dict[str, Any], path: str, inherited: Mapping[str, str], strict: bool
) -> list[Issue]:
    """Schema then rules for one event of a known type; a rule finding at a path the schema already
    refused is dropped, so each problem is reported once."""
    context = event.get("@context")
    remote = [] if context is None else _context_warnings(context, f"{path}/@context")
    namespaces = inherited if context is None else {**inherited, **_declared(context)}
    refused = _schema_issues(event["type"], event, path)
    seen = {issue.path for issue in refused}
    rules = check_rules(event, path=path, namespaces=namespaces, strict_prefixes=strict and not remote)
    return remote + refused + [issue for issue in rules if issue.path not in seen]


def validate_event(
    event: object, *, base_path: str = "", namespaces: Mapping[str, str] | None = None
) -> list[Issue]:
    """Both layers for a single event (``POST /events``), which may carry its own ``@context``;
    ``namespaces`` adds prefixes in scope from outside the event (an enclosing document)."""
    if not isinstance(event, dict):
        return [_schema_issue(base_path, "an EPCIS event must be a JSON object")]
    if event.get("type") not in EVENT_TYPES:
        return _schema_issues("eventEnvelope", event, base_path)
    return _event_issues(event, base_path, {**BUILTIN_NAMESPACES, **(namespaces or {})}, strict=True)


def _event_list(doc: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    body = doc.get("epcisBody")
    if not isinstance(body, dict):
        return None
    if doc.get("type") == "EPCISQueryDocument":
        results = body.get("queryResults")
        body = results.get("resultsBody") if isinstance(results, dict) else None
        base = "/epcisBody/queryResults/resultsBody/eventList"
    else:
        base = "/epcisBody/eventList"
    events = body.get("eventList") if isinstance(body, dict) else None
    return (base, events) if isinstance(events, list) else None


def validate_document(doc: object) -> list[Issue]:
    """Both layers for an ``EPCISDocument`` (or ``EPCISQueryDocument``): the envelope against the
    schema, then each event against its type's definition and the rules. Errors refuse the
    document; warnings are recorded on the capture job."""
    if not isinstance(doc, dict):
        return [_schema_issue("", "an EPCIS document must be a JSON object")]
    found = _schema_issues(None, doc, "")
    located = _event_list(doc)
    if located is None:
        return found
    base, events = located
    found += _context_warnings(doc.get("@context"), "/@context")
    namespaces = context_namespaces(doc)
    strict = not _unknown_remote_contexts(doc.get("@context"))
    for i, event in enumerate(events):
        if isinstance(event, dict) and event.get("type") in EVENT_TYPES:
            found += _event_issues(event, f"{base}/{i}", namespaces, strict)
        else:
            found += _schema_issues("eventEnvelope", event, f"{base}/{i}")
    return found
