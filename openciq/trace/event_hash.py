"""The CBV 2.0 event hash ID: one identifier per EPCIS event, whatever the binding it came in.

CBV 2.0 ("EPCIS event hash ID") names an event by the SHA-256 digest of a *pre-hash string*, a
canonical text built from the event's fields, written as an RFC 6920 ``ni`` URI::

    ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0

The same event therefore gets the same ID whether it was sent in XML or JSON/JSON-LD, with EPC
URNs or GS1 Digital Link URIs, with CBV bare words, URNs or Web URIs, with any time-zone offset,
and with its lists and JSON keys in any order. The repository uses it to recognise a duplicate
capture, and as the ``eventID`` of an event that arrives without one.

The pre-hash string (the CBV 2.0 rules as the reference implementation's README writes them
down, RalphTro/epcis-event-hash-generator, with its maintainers' later rulings; the CBV PDF itself
was not at hand):

* ``eventType=<type>``, then the standard fields in the canonical property order: ``eventTime``,
  ``eventTimeZoneOffset``, ``epcList``, ``parentID``, ``inputEPCList``, ``childEPCs``,
  ``quantityList``, ``childQuantityList``, ``inputQuantityList``, ``outputEPCList``,
  ``outputQuantityList``, ``action``, ``transformationID``, ``bizStep``, ``disposition``,
  ``persistentDisposition`` (``set``, ``unset``), ``readPoint`` and ``bizLocation`` (``id``),
  ``bizTransactionList``, ``sourceList``, ``destinationList`` (``type`` before the value, per the
  CBV 2.0 table, reference issue #80), ``sensorElementList`` (``sensorMetadata``, ``sensorReport`` with their
  own field orders), ``ilmd``, then the user extension fields.
* A value is written ``key=value`` and everything is concatenated without separators; a
  structure or list writes its name once and then its children. Absent fields are left out.
* The children of a list (EPCs, quantity elements, business transactions, sensor elements and
  reports, ``set``/``unset`` values) and the extension elements of one level are sorted as
  strings by code point after being rendered, so their order in the document does not matter.
* Extension fields are written ``{namespace}localName`` (``=value`` when they have a value); a
  JSON array is a repeated element, as it is in XML. Extensions of ``readPoint``,
  ``bizLocation``, ``sensorElement``, ``sensorMetadata`` and ``sensorReport`` follow the standard
  fields of their parent.
* Values: surrounding blanks removed; timestamps in UTC with exactly three fractional digits and
  ``Z`` (a 4th digit of 5-9 rounds up); numbers without trailing zeros (``1.0`` -> ``1``);
  booleans ``true``/``false``; CBV values as GS1 Web URIs (``https://ref.gs1.org/cbv/BizStep-…``);
  sensor ``type``/``exception`` bare words under ``https://gs1.org/voc/`` and ``component`` bare
  words as ``https://ref.gs1.org/cbv/Comp-…``; compact IRIs expanded with the document's prefixes
  and the EPCIS context's (``gs1:``, ``cbv:``, ``epcis:`` …); GS1 identifiers (EPC URNs or Digital
  Link URIs on any host) as the constrained canonical Digital Link on ``https://id.gs1.org``
  (finest identification level only, no query string).
* Not hashed: ``eventID`` (and its JSON-LD alias ``id``), ``recordTime``, ``errorDeclaration``
  (an error declaration repeats the declared event and must keep its ID), ``certificationInfo``
  (not in the CBV 2.0 property order) and comments.
* JSON-LD keywords are not fields: an ``@context`` inside the event or inside one of its objects
  adds prefixes for that object; ``@value`` is the text of an extension element that also has
  children (how the XML reader writes ``<ext:a b="1">text</ext:a>``).

The namespace ``urn:epcglobal:cbv:mda:`` of the EPCIS JSON-LD context and the XML namespace
``urn:epcglobal:cbv:mda`` are the same namespace for CBV master-data attributes (``cbvmda:``);
both are written ``{urn:epcglobal:cbv:mda}`` so that XML and JSON agree.

The event is given in the EPCIS 2.0 JSON binding's shape (an XML reader produces the same dict),
with extension keys ``prefix:name`` and ``namespaces`` mapping the document's ``@context`` (or
XML ``xmlns``) prefixes to namespace URIs. A field of the wrong shape raises
:class:`~openciq.trace.problems.DocumentInvalid` naming it (a JSON Pointer into the event).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final
from urllib.parse import urlsplit

from stdnum import ean

from openciq.trace import cbv, epc
from openciq.trace.problems import DocumentInvalid, Issue, pointer

__all__ = ["HASH_ALGORITHM", "HASH_VERSION", "digest", "event_hash", "prehash_string"]

HASH_ALGORITHM: Final = "sha-256"
HASH_VERSION: Final = "CBV2.0"

#: Prefixes of the EPCIS 2.0 JSON-LD context, used when the document does not declare them.
_CONTEXT_PREFIXES: Final[Mapping[str, str]] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
#: Namespace spellings that name the same namespace (JSON-LD prefix IRI -> XML namespace).
_SAME_NAMESPACE: Final[Mapping[str, str]] = {"urn:epcglobal:cbv:mda:": "urn:epcglobal:cbv:mda"}

#: Event-level keys that never enter the pre-hash string.
_NOT_HASHED: Final = frozenset(
    {"type", "eventID", "id", "@context", "recordTime", "errorDeclaration", "certificationInfo"}
)
_COMMENTS: Final = frozenset({"comment", "rdfs:comment", "http://www.w3.org/2000/01/rdf-schema#comment"})

_SENSOR_METADATA_FIELDS: Final = (
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
)
_SENSOR_REPORT_FIELDS: Final = (
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
)
_TIME_FIELDS: Final = frozenset({"time", "startTime", "endTime"})
_QUANTITY_FIELDS: Final = ("epcClass", "quantity", "uom")

# CBV URN prefix -> Web URI prefix, for values outside the CBV-typed fields (CBV 2.0 rule: every
# "urn:epcglobal:cbv:" standard value is written as its Web URI).
_CBV_URN_TO_WEB: Final = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
_GS1_VOC: Final = "https://gs1.org/voc/"
_CBV_COMPONENT: Final = "https://ref.gs1.org/cbv/Comp-"

_TIMESTAMP: Final = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))"
)
_NUMBER: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CURIE: Final = re.compile(r"([A-Za-z_][\w.\-]*):([^/].*|)", re.DOTALL)
# Characters written percent-encoded in a canonical Digital Link path value: those GS1 Digital
# Link requires escaped (! # ( ) * + , / : % & and blank) plus those an EPC URN escapes (" < > ?).
_DL_ESCAPED: Final = frozenset('!"#%&()*+,/:<>? ')
_PERCENT: Final = re.compile(r"%([0-9A-Fa-f]{2})")
_DL_PREFIX: Final = epc.DIGITAL_LINK_HOST + "/"
_RAW_ESCAPED: Final = re.compile(r"[!#()*+,: ]")
_SGTIN: Final = re.compile(r"urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.(.+)", re.IGNORECASE)
#: GS1 primary keys CBV 2.0 keeps in a Digital Link, with their key qualifiers, finest first.
_QUALIFIERS: Final[Mapping[str, tuple[str, ...]]] = {
    "01": ("21", "235", "10"),
    "8006": ("21", "10"),
    "414": ("254",),
    "8010": ("8011",),
}
#: The shape of each primary key's value (GS1 General Specifications; check digits not verified).
_KEY_SHAPES: Final[Mapping[str, re.Pattern[str]]] = {
    ai: re.compile(shape)
    for ai, shape in {
        "00": r"\d{18}",
        "01": r"\d{8}|\d{12,14}",
        "253": r"\d{13}.{0,17}",
        "255": r"\d{13,25}",
        "401": r".{1,30}",
        "402": r"\d{17}",
        "414": r"\d{13}",
        "417": r"\d{13}",
        "8003": r"\d{14}.{0,16}",
        "8004": r".{1,30}",
        "8006": r"\d{18}",
        "8010": r".{1,30}",
        "8017": r"\d{18}",
        "8018": r"\d{18}",
    }.items()
}
#: A primary-key AI as a whole path segment followed by another, which is what _link_pairs looks
#: for: after "/" or, for a path without authority ("http:01/..."), right after the scheme.
_KEY_SEGMENT: Final = re.compile("[:/](?:" + "|".join(sorted(_KEY_SHAPES, key=len, reverse=True)) + ")/")
_EPC_URN: Final = re.compile(r"urn:epc:(id|idpat):([A-Za-z0-9]+):(.+)", re.IGNORECASE)


# --- entry points -------------------------------------------------------------------------------


def event_hash(event: Mapping[str, object], *, namespaces: Mapping[str, str]) -> str:
    """The CBV 2.0 event hash ID of ``event``: ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    return f"ni:///{HASH_ALGORITHM};{digest(event, namespaces=namespaces).hex()}?ver={HASH_VERSION}"


def digest(event: Mapping[str, object], *, namespaces: Mapping[str, str]) -> bytes:
    """The 32 bytes of the SHA-256 digest in :func:`event_hash` (what the repository stores)."""
    return hashlib.sha256(prehash_string(event, namespaces=namespaces).encode("utf-8")).digest()


def prehash_string(event: Mapping[str, object], *, namespaces: Mapping[str, str]) -> str:
    """The canonical pre-hash string of ``event`` (see the module docstring for the rules).

    ``namespaces`` maps the document's prefixes to namespace URIs; prefixes of the EPCIS
    JSON-LD context it does not declare are known anyway.
    """
    writer = _Writer(namespaces).scoped(event)
    kind = event.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise _invalid(("type",), "the event type must be a non-empty string")
    # One pass over the event's own keys (a handful) rather than over the 23 standard names.
    standard: list[tuple[int, str, object]] = []
    extensions: list[str] = []
    for key, value in event.items():
        order = _FIELD_ORDER.get(key)
        if order is not None:
            if value is not None:
                standard.append((order, key, value))
        elif key not in _NOT_HASHED and _is_field(key):
            writer.extension(key, value, extensions)
    standard.sort()
    extensions.sort()
    parts = ["eventType=" + kind.strip()]
    parts.extend(_RENDER[key](writer, key, value) for _order, key, value in standard)
    parts.extend(extensions)
    return "".join(parts)


# --- values ---------------------------------------------------------------------------------------


def _is_field(key: str) -> bool:
    """False for JSON-LD keywords (``@context``, ``@value`` …) and comments, which are not fields."""
    return key[:1] != "@" and key not in _COMMENTS


def _invalid(path: tuple[str | int, ...], message: str) -> DocumentInvalid:
    return DocumentInvalid([Issue(pointer(*path), f"{message} (event hash)", rule="event_hash")])


def _timestamp(text: str) -> str | None:
    """``text`` (xsd:dateTimeStamp) in UTC at millisecond precision, or ``None`` when malformed."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    digits = (fraction or "").ljust(4, "0")
    millis = int(digits[:3]) + (digits[3] >= "5")
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        if not zulu and (off_h != "00" or off_m != "00"):
            shift = timedelta(hours=int(off_h), minutes=int(off_m))
            moment = moment - shift if sign == "+" else moment + shift
        if millis == 1000:
            moment, millis = moment + timedelta(seconds=1), 0
    except (ValueError, OverflowError):
        return None
    return f"{moment.isoformat()}.{millis:03d}Z"  # naive, no microseconds: YYYY-MM-DDTHH:MM:SS


@lru_cache(maxsize=4096)
def _vocabulary_pair(key: str, kind: str, text: str) -> str:
    """``key=<Web URI>`` of a CBV-typed value (bare word, URN, Web URI or extension URI)."""
    try:
        return f"{key}={cbv.to_web_uri(kind, text)}"
    except cbv.UnknownVocabulary:
        return f"{key}={_canonical_text(text)}"


def _decimal_text(number: Decimal) -> str:
    """A decimal without exponent, leading ``+``, leading zeros or trailing zeros."""
    return "0" if number.is_zero() else format(number.normalize(), "f")


@lru_cache(maxsize=65536)
def _canonical_text(text: str) -> str:
    """A trimmed, CURIE-expanded string value in its canonical form (CBV URN as Web URI,
    canonical number, constrained canonical Digital Link); anything else unchanged."""
    lowered = text[:20].lower()
    if lowered.startswith("urn:epcglobal:cbv:"):
        for urn, web in _CBV_URN_TO_WEB:
            if text.lower().startswith(urn):
                return web + text[len(urn) :]
        return text
    if _NUMBER.fullmatch(text):
        try:
            return _decimal_text(Decimal(text))
        except InvalidOperation:  # pragma: no cover - the pattern only admits numerals
            return text
    if lowered.startswith(("urn:epc:", "http://", "https://")):
        return _digital_link(text)
    return text


def _digital_link(text: str) -> str:
    """The constrained canonical Digital Link of a GS1 identifier, or ``text`` unchanged.

    :func:`openciq.trace.epc.normalise` translates and checks the identifier; what it refuses or
    keeps as a URN (a wrong check digit, ITIP/UPUI, class-level patterns other than the GTIN's)
    is still brought to the Digital Link form here without checking, because a hash is not a
    validator and both bindings must hash the same.
    """
    sgtin = _SGTIN.fullmatch(text)
    if sgtin is not None and len(sgtin.group(1)) + len(sgtin.group(2)) == 13:
        gtin_link = _gtin_link(sgtin.group(1), sgtin.group(2))
        if gtin_link is not None:
            return f"{gtin_link}/21/{_escape(_unescape(sgtin.group(3)))}"
    pairs: list[tuple[str, str]] | None = None
    try:
        uri = epc.normalise(text)
        if uri.startswith(_DL_PREFIX):
            if "%" not in uri and not _RAW_ESCAPED.search(uri, len(_DL_PREFIX)) and "/10/" not in uri:
                return uri  # already constrained and canonical: the common case, kept fast
            segments = uri[len(_DL_PREFIX) :].split("/")
            pairs = [(segments[i], _unescape(segments[i + 1])) for i in range(0, len(segments) - 1, 2)]
    except epc.InvalidEpc:
        uri = text
    if not pairs:
        pairs = _urn_pairs(uri) if uri[:8].lower() == "urn:epc:" else _link_pairs(uri)
    if not pairs:
        return uri
    return epc.DIGITAL_LINK_HOST + "".join(f"/{ai}/{_escape(value)}" for ai, value in _finest(pairs))


@lru_cache(maxsize=4096)
def _gtin_link(company_prefix: str, item_ref: str) -> str | None:
    """``https://id.gs1.org/01/<GTIN>`` of an SGTIN's class, computed once per class."""
    try:
        return epc.to_digital_link(f"urn:epc:idpat:sgtin:{company_prefix}.{item_ref}.*")
    except epc.InvalidEpc:
        return None


def _unescape(text: str) -> str:
    return _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), text)


def _escape(text: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _DL_ESCAPED else c for c in text)


def _finest(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The primary key and only the finest key qualifier CBV 2.0 keeps (serial over lot)."""
    primary = pairs[0][0]
    allowed = _QUALIFIERS.get(primary, ())
    quals = {ai: value for ai, value in pairs[1:] if ai in allowed}
    for ai in allowed:
        if ai in quals:
            return [pairs[0], (ai, quals[ai])]
    return [pairs[0]]


def _gtin(company_prefix: str, item_ref: str) -> str | None:
    digits = item_ref[:1] + company_prefix + item_ref[1:]
    if len(digits) != 13 or not digits.isdigit():
        return None
    return digits + str(ean.calc_check_digit(digits))


def _with_check(digits: str, length: int) -> str | None:
    if len(digits) != length or not digits.isdigit():
        return None
    return digits + str(ean.calc_check_digit(digits))


def _urn_pairs(urn: str) -> list[tuple[str, str]] | None:
    """AI pairs of the EPC URNs that :mod:`openciq.trace.epc` keeps untranslated (TDS 2.x)."""
    match = _EPC_URN.fullmatch(urn)
    if match is None:
        return None
    space, scheme, body = match.group(1).lower(), match.group(2).lower(), match.group(3)
    parts = body.split(".")
    if space == "id" and scheme == "itip" and len(parts) == 5:
        gtin = _gtin(parts[0], parts[1])
        if gtin and (parts[2] + parts[3]).isdigit():
            return [("8006", gtin + parts[2] + parts[3]), ("21", _unescape(parts[4]))]
    elif space == "id" and scheme == "upui" and len(parts) == 3:
        gtin = _gtin(parts[0], parts[1])
        if gtin:
            return [("01", gtin), ("235", _unescape(parts[2]))]
    elif space == "idpat" and parts[-1:] == ["*"]:
        cp, refs = parts[0], parts[1:-1]
        if scheme == "itip" and len(refs) == 3:
            gtin = _gtin(cp, refs[0])
            if gtin and (refs[1] + refs[2]).isdigit():
                return [("8006", gtin + refs[1] + refs[2])]
        elif scheme in ("grai", "gdti", "sgcn") and len(refs) == 1:
            key = _with_check(cp + refs[0], 12)
            if key:
                return [
                    (
                        {"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme],
                        ("0" if scheme == "grai" else "") + key,
                    )
                ]
        elif scheme == "cpi" and len(refs) == 1 and cp.isdigit():
            return [("8010", cp + _unescape(refs[0]))]
    return None


def _link_pairs(uri: str) -> list[tuple[str, str]] | None:
    """AI pairs of an http(s) URI with a GS1 primary key in its path, unchecked."""
    if uri[:7].lower() != "http://" and uri[:8].lower() != "https://":
        return None
    if _KEY_SEGMENT.search(uri) is None:
        return None  # no primary-key segment anywhere: not a Digital Link (the common case, cheap)
    segments = urlsplit(uri).path.split("/")
    start = next((i for i, s in enumerate(segments[:-1]) if s in _KEY_SHAPES), None)
    if start is None:
        return None
    rest = segments[start:]
    pairs = [(rest[i], _unescape(rest[i + 1])) for i in range(0, len(rest) - 1, 2)]
    if not _KEY_SHAPES[pairs[0][0]].fullmatch(pairs[0][1]):
        return None  # not a GS1 key after all, e.g. https://erp.example.com/orders/00/17
    if pairs[0][0] == "01" and pairs[0][1].isdigit() and len(pairs[0][1]) in (8, 12, 13):
        pairs[0] = ("01", pairs[0][1].zfill(14))
    return pairs


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    return _decimal_text(Decimal(repr(value)))


class _Writer:
    """Renders values and names of one event, knowing the document's namespace prefixes."""

    __slots__ = ("_namespaces",)

    def __init__(self, namespaces: Mapping[str, str]) -> None:
        self._namespaces = namespaces

    def scoped(self, mapping: Mapping[str, object]) -> _Writer:
        """The writer inside ``mapping``: a JSON-LD ``@context`` there adds or overrides prefixes."""
        local = mapping.get("@context")
        if local is None:
            return self
        declared = dict(self._namespaces)
        for entry in local if isinstance(local, list) else [local]:
            if isinstance(entry, (dict, Mapping)):
                for prefix, uri in entry.items():
                    if isinstance(uri, (dict, Mapping)):
                        uri = uri.get("@id")
                    if isinstance(uri, str) and not prefix.startswith("@"):
                        declared[prefix] = uri
        return _Writer(declared)

    def _prefix(self, prefix: str) -> str | None:
        uri = self._namespaces.get(prefix)
        return uri if uri is not None else _CONTEXT_PREFIXES.get(prefix)

    def expand(self, text: str) -> str:
        """``text`` with a compact IRI of a known prefix expanded to the full IRI."""
        colon = text.find(":")
        if colon < 0 or self._prefix(text[:colon]) is None:
            return text  # no colon, or not a known prefix (urn:, https:): nothing to expand
        match = _CURIE.fullmatch(text)
        if match is None:
            return text
        uri = self._prefix(match.group(1))
        return text if uri is None else uri + match.group(2)

    def name(self, key: str) -> str:
        """An extension element name as ``{namespace}localName`` (unknown prefixes kept)."""
        prefix, colon, local = key.partition(":")
        if not colon or local.startswith("//"):
            return key
        uri = self._prefix(prefix)
        if uri is None:
            return key
        return "{" + _SAME_NAMESPACE.get(uri, uri) + "}" + local

    def value(self, value: object, path: tuple[str | int, ...]) -> str:
        """The canonical text of a scalar value ('' when empty)."""
        if isinstance(value, str):
            text = value.strip()
            return _canonical_text(self.expand(text)) if text else ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return _number(value)
        raise _invalid(path, "expected a text, number or boolean value")

    def pair(self, key: str, value: object, path: tuple[str | int, ...]) -> str:
        text = self.value(value, path)
        return f"{key}={text}" if text else ""

    def time(self, key: str, value: object, path: tuple[str | int, ...]) -> str:
        if not isinstance(value, str):
            raise _invalid(path, "expected a date-time text")
        text = value.strip()
        if not text:
            return ""
        stamp = _timestamp(text)
        if stamp is None:
            raise _invalid(path, f"{text!r} is not a date-time with a time-zone offset")
        return f"{key}={stamp}"

    def vocabulary(self, key: str, kind: str, value: object, path: tuple[str | int, ...]) -> str:
        """A CBV-typed value (bare word, URN, Web URI or extension URI) as its Web URI."""
        if not isinstance(value, str):
            raise _invalid(path, "expected a CBV value")
        text = self.expand(value.strip())
        return _vocabulary_pair(key, kind, text) if text else ""

    def vocab_word(self, key: str, base: str, value: object, path: tuple[str | int, ...]) -> str:
        """A sensor value whose bare words live under ``base`` (measurement type, component)."""
        if isinstance(value, str) and value.strip() and ":" not in value:
            return f"{key}={base}{value.strip()}"
        return self.pair(key, value, path)

    def extension(self, key: str, value: object, out: list[str]) -> None:
        """Append the substrings of one extension element (one per JSON array item)."""
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                self.extension(key, item, out)
            return
        name = self.name(key)
        if isinstance(value, (dict, Mapping)):
            inner = self.scoped(value)
            children: list[str] = []
            for child_key, child in value.items():
                if _is_field(str(child_key)):
                    inner.extension(str(child_key), child, children)
            children.sort()
            text = value.get("@value")  # the text of an XML element that also has children
            text = "" if text is None else inner.value(text, (key, "@value"))
            out.append(name + (f"={text}" if text else "") + "".join(children))
            return
        text = self.value(value, (key,))
        out.append(f"{name}={text}" if text else name)

    def extensions(self, mapping: Mapping[str, object], standard: frozenset[str]) -> str:
        out: list[str] = []
        for key, value in mapping.items():
            if key not in standard and _is_field(key):
                self.extension(key, value, out)
        out.sort()
        return "".join(out)


# --- fields ---------------------------------------------------------------------------------------

_Render = Callable[[_Writer, str, object], str]


def _items(name: str, value: object) -> list[object]:
    if not isinstance(value, list):
        raise _invalid((name,), "expected a list")
    return value


def _mapping(value: object, path: tuple[str | int, ...]) -> Mapping[str, object]:
    if not isinstance(value, (dict, Mapping)):  # dict first: the ABC check is slow
        raise _invalid(path, "expected an object")
    return value


def _simple(w: _Writer, name: str, value: object) -> str:
    return w.pair(name, value, (name,))


def _event_time(w: _Writer, name: str, value: object) -> str:
    return w.time(name, value, (name,))


def _vocabulary(kind: str) -> _Render:
    def render(w: _Writer, name: str, value: object) -> str:
        return w.vocabulary(name, kind, value, (name,))

    return render


def _epcs(w: _Writer, name: str, value: object) -> str:
    epcs = []
    for i, item in enumerate(_items(name, value)):
        if isinstance(item, str):  # the common case, inline: what w.pair does for a string
            text = item.strip()
            if text:
                epcs.append("epc=" + _canonical_text(w.expand(text)))
        else:
            rendered = w.pair("epc", item, (name, i))
            if rendered:
                epcs.append(rendered)
    epcs.sort()
    return name + "".join(epcs) if epcs else ""


def _quantities(w: _Writer, name: str, value: object) -> str:
    elements = []
    for i, item in enumerate(_items(name, value)):
        element = _mapping(item, (name, i))
        body = "".join(w.pair(f, element[f], (name, i, f)) for f in _QUANTITY_FIELDS if f in element)
        if body:
            elements.append("quantityElement" + body)
    return name + "".join(sorted(elements)) if elements else ""


def _persistent_disposition(w: _Writer, name: str, value: object) -> str:
    mapping = _mapping(value, (name,))
    body = ""
    for part in ("set", "unset"):
        if part in mapping:
            words = _items(part, mapping[part])
            body += "".join(
                sorted(w.vocabulary(part, "disposition", v, (name, part, i)) for i, v in enumerate(words))
            )
    return name + body if body else ""


def _location(w: _Writer, name: str, value: object) -> str:
    mapping = _mapping(value, (name,))
    w = w.scoped(mapping)
    body = w.pair("id", mapping["id"], (name, "id")) if "id" in mapping else ""
    body += w.extensions(mapping, _LOCATION_KEYS)
    return name + body if body else ""


def _typed_list(item_key: str, kind: str) -> _Render:
    """``bizTransactionList``, ``sourceList``, ``destinationList``: ``type`` then the value."""

    def render(w: _Writer, name: str, value: object) -> str:
        elements = []
        for i, item in enumerate(_items(name, value)):
            element = _mapping(item, (name, i))
            kind_value = element.get("type")
            body = "" if kind_value is None else w.vocabulary("type", kind, kind_value, (name, i, "type"))
            if element.get(item_key) is not None:
                body += w.pair(item_key, element[item_key], (name, i, item_key))
            if body:
                elements.append(body)
        return name + "".join(sorted(elements)) if elements else ""

    return render


def _sensor_fields(
    w: _Writer, mapping: Mapping[str, object], fields: tuple[str, ...], path: tuple[str | int, ...]
) -> str:
    body = ""
    for field in fields:
        if field not in mapping or mapping[field] is None:
            continue
        value, at = mapping[field], (*path, field)
        if field in _TIME_FIELDS:
            body += w.time(field, value, at)
        elif field in ("type", "exception"):
            body += w.vocab_word(field, _GS1_VOC, value, at)
        elif field == "component":
            body += w.vocab_word(field, _CBV_COMPONENT, value, at)
        else:
            body += w.pair(field, value, at)
    return body + w.extensions(mapping, frozenset(fields))


def _sensor_elements(w: _Writer, name: str, value: object) -> str:
    elements = []
    for i, item in enumerate(_items(name, value)):
        element = _mapping(item, (name, i))
        inner = w.scoped(element)
        body = ""
        if "sensorMetadata" in element:
            metadata = _mapping(element["sensorMetadata"], (name, i, "sensorMetadata"))
            fields = _sensor_fields(
                inner.scoped(metadata), metadata, _SENSOR_METADATA_FIELDS, (name, i, "sensorMetadata")
            )
            body += "sensorMetadata" + fields if fields else ""
        reports = []
        for j, entry in enumerate(_items("sensorReport", element.get("sensorReport", []))):
            at = (name, i, "sensorReport", j)
            report = _mapping(entry, at)
            fields = _sensor_fields(inner.scoped(report), report, _SENSOR_REPORT_FIELDS, at)
            if fields:
                reports.append("sensorReport" + fields)
        body += "".join(sorted(reports)) + inner.extensions(element, _SENSOR_ELEMENT_KEYS)
        if body:
            elements.append("sensorElement" + body)
    return name + "".join(sorted(elements)) if elements else ""


def _ilmd(w: _Writer, name: str, value: object) -> str:
    mapping = _mapping(value, (name,))
    return name + w.scoped(mapping).extensions(mapping, frozenset())


_LOCATION_KEYS: Final = frozenset({"id"})
_SENSOR_ELEMENT_KEYS: Final = frozenset({"sensorMetadata", "sensorReport"})

#: The CBV 2.0 canonical property order (after ``eventType``) and how each field is written.
_EVENT_FIELDS: Final[tuple[tuple[str, _Render], ...]] = (
    ("eventTime", _event_time),
    ("eventTimeZoneOffset", _simple),
    ("epcList", _epcs),
    ("parentID", _simple),
    ("inputEPCList", _epcs),
    ("childEPCs", _epcs),
    ("quantityList", _quantities),
    ("childQuantityList", _quantities),
    ("inputQuantityList", _quantities),
    ("outputEPCList", _epcs),
    ("outputQuantityList", _quantities),
    ("action", _simple),
    ("transformationID", _simple),
    ("bizStep", _vocabulary("bizStep")),
    ("disposition", _vocabulary("disposition")),
    ("persistentDisposition", _persistent_disposition),
    ("readPoint", _location),
    ("bizLocation", _location),
    ("bizTransactionList", _typed_list("bizTransaction", "bizTransactionType")),
    ("sourceList", _typed_list("source", "sourceDestType")),
    ("destinationList", _typed_list("destination", "sourceDestType")),
    ("sensorElementList", _sensor_elements),
    ("ilmd", _ilmd),
)
_STANDARD_EVENT_KEYS: Final = frozenset(name for name, _ in _EVENT_FIELDS)
_FIELD_ORDER: Final[Mapping[str, int]] = {name: order for order, (name, _) in enumerate(_EVENT_FIELDS)}
_RENDER: Final[Mapping[str, _Render]] = dict(_EVENT_FIELDS)
