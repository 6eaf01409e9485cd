"""The XML binding of EPCIS 2.0: read XML documents and events into the JSON binding's dict shape,
validate them, and write events back out as XML.

Everything downstream (CBV and identifier normalisation, business rules, storage, the event hash)
works on one shape, the JSON/JSON-LD binding. This module is the adapter for
``application/xml``: :func:`read_document` (``POST /capture``), :func:`read_event`
(``POST /events``) and :func:`write_events` (query answers with ``Accept: application/xml``).

Reading is safe by construction: lxml without entity resolution, network access or huge-tree
support, and any document carrying a DOCTYPE is refused (XXE, entity expansion). Documents are
validated with OpenCIQ's own schema ``schemas/epcis-2_0.xsd``, compiled once.

Mapping to the JSON binding (values stay exactly as sent, whitespace trimmed; CBV words and EPC
URNs are normalised later, elsewhere):

* standard elements become the JSON keys of the same name (``epcList`` a list of strings,
  ``quantityList`` a list of ``{epcClass, quantity, uom}`` with a numeric quantity, ``readPoint``
  ``{"id": ...}``, ``bizTransactionList`` ``[{"type", "bizTransaction"}]``, ``sourceList`` /
  ``destinationList`` ``[{"type", "source"|"destination"}]``, ``persistentDisposition``
  ``{"set": [...], "unset": [...]}``, sensor attributes as keys, numbers and booleans typed);
* an extension element becomes the key ``"prefix:localName"``: text if it has neither children nor
  attributes, otherwise an object whose keys are its attributes and child elements (the XML
  attribute/element distinction is not kept, as in the JSON binding) and whose text, if any, is
  ``"@value"``; repeated siblings become a list. ``xsi:*`` attributes are type hints and dropped;
* every namespace used by an extension key, or by a compact URI value such as
  ``cbv:BizStep-receiving`` whose prefix the XML declares, is declared in ``@context`` as
  ``{prefix: uri}`` after the EPCIS context URL. A prefix bound to two URIs in one document keeps
  its name for the first and becomes ``prefix_2`` (``_3`` ...) for the others; a default namespace
  becomes ``ns``.

Two leniencies, each recorded as a warning :class:`~openciq.trace.problems.Issue` (rules
``namespace`` and ``element_order``) and applied before validation:

* elements inside a document that carry the EPCIS namespace, although the standard has them
  unqualified (``<epcis:eventTime>``), are read as the unqualified element;
* child elements are read by name, not position (in events, quantity elements, readPoint,
  bizLocation and sensor elements), **except that an event's required common elements
  (eventTime, eventTimeZoneOffset) must come before its required type-specific elements**
  (action; bizTransactionList of a TransactionEvent; parentID of an AssociationEvent). XSD type
  extension puts the common part first; this is the one piece of the order that is kept, and
  breaking it is an error naming the early element.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Final, Literal

from lxml import etree

from openciq.trace import cbv
from openciq.trace.problems import Issue

__all__ = [
    "EPCIS_CONTEXT",
    "EPCIS_NS",
    "EVENT_FIELDS",
    "QUERY_NS",
    "SCHEMA_PATH",
    "namespaces_of",
    "read_document",
    "read_event",
    "write_events",
]

EPCIS_NS: Final = "urn:epcglobal:epcis:xsd:2"
QUERY_NS: Final = "urn:epcglobal:epcis-query:xsd:2"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS: Final = "http://www.w3.org/2001/XMLSchema"
EPCIS_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_PATH: Final = Path(__file__).resolve().parent / "schemas" / "epcis-2_0.xsd"

Json = dict[str, Any]
Element = Any  # lxml ships no type information

#: The EPCISQueryDocument wrapper. It is in its own namespace, and an XSD document holds one
#: namespace, so it lives here and imports the EPCIS schema for everything inside.
_QUERY_SCHEMA: Final = f"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="{XSD_NS}" xmlns:epcis="{EPCIS_NS}" xmlns:epcisq="{QUERY_NS}"
    targetNamespace="{QUERY_NS}" elementFormDefault="unqualified">
  <xsd:import namespace="{EPCIS_NS}" schemaLocation="{SCHEMA_PATH.name}"/>
  <xsd:element name="EPCISQueryDocument">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="EPCISHeader" type="epcis:Header" minOccurs="0"/>
        <xsd:element name="EPCISBody">
          <xsd:complexType><xsd:sequence><xsd:element ref="epcisq:QueryResults"/></xsd:sequence></xsd:complexType>
        </xsd:element>
        <xsd:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </xsd:sequence>
      <xsd:attribute name="schemaVersion" type="epcis:SchemaVersion" use="required"/>
      <xsd:attribute name="creationDate" type="epcis:Timestamp" use="required"/>
      <xsd:anyAttribute namespace="##other" processContents="lax"/>
    </xsd:complexType>
  </xsd:element>
  <xsd:element name="QueryResults">
    <xsd:complexType>
      <xsd:sequence>
        <xsd:element name="queryName" type="xsd:string"/>
        <xsd:element name="subscriptionID" type="xsd:string" minOccurs="0"/>
        <xsd:element name="resultsBody">
          <xsd:complexType><xsd:sequence><xsd:element name="EventList" type="epcis:EventList"/></xsd:sequence></xsd:complexType>
        </xsd:element>
        <xsd:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </xsd:sequence>
    </xsd:complexType>
  </xsd:element>
</xsd:schema>
"""

_COMMON: Final = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "errorDeclaration",
    "certificationInfo",
)
_WHY: Final = ("bizStep", "disposition", "readPoint", "bizLocation")
_TAIL: Final = ("sourceList", "destinationList", "sensorElementList", "persistentDisposition")
#: The child elements of each event type in schema order (extension elements follow them).
EVENT_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "ObjectEvent": (*_COMMON, "epcList", "action", *_WHY, "bizTransactionList", "quantityList", *_TAIL, "ilmd"),
    "AggregationEvent": (
        *_COMMON, "parentID", "childEPCs", "action", *_WHY, "bizTransactionList", "childQuantityList", *_TAIL,
    ),
    "TransactionEvent": (
        *_COMMON, "bizTransactionList", "parentID", "epcList", "action", *_WHY, "quantityList", *_TAIL,
    ),
    "TransformationEvent": (
        *_COMMON, "inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList", "transformationID",
        *_WHY, "bizTransactionList", *_TAIL, "ilmd",
    ),
    "AssociationEvent": (
        *_COMMON, "parentID", "childEPCs", "childQuantityList", "action", *_WHY, "bizTransactionList", *_TAIL,
    ),
}  # fmt: skip
_REQUIRED_COMMON: Final = ("eventTime", "eventTimeZoneOffset")
_REQUIRED_OWN: Final[Mapping[str, tuple[str, ...]]] = {
    "ObjectEvent": ("action",),
    "AggregationEvent": ("action",),
    "TransactionEvent": ("bizTransactionList", "action"),
    "TransformationEvent": (),
    "AssociationEvent": ("parentID", "action"),
}
#: Structured fields whose children are also read by name, with their schema order.
_NESTED_ORDER: Final[Mapping[str, tuple[str, ...]]] = {
    "quantityElement": ("epcClass", "quantity", "uom"),
    "readPoint": ("id",),
    "bizLocation": ("id",),
    "sensorElement": ("sensorMetadata", "sensorReport"),
    "errorDeclaration": ("declarationTime", "reason", "correctiveEventIDs"),
}
#: The standard leaves these children unordered: sorting them is not a leniency (no warning).
_UNORDERED: Final = frozenset({"errorDeclaration"})
_EPC_LISTS: Final = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS: Final = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_PARTY_LISTS: Final = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
#: Elements whose children are list items: the items' paths always carry an index.
_LIST_PARENTS: Final = _EPC_LISTS | _QUANTITY_LISTS | _PARTY_LISTS.keys() | {
    "EventList", "sensorElementList", "sensorElement", "correctiveEventIDs", "persistentDisposition",
    "VocabularyList", "VocabularyElementList",
}  # fmt: skip
_NUMBER_ATTRS: Final = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
#: Standard elements and attributes whose URI values may be compact URIs (``cbv:Disp-active``).
_CURIE_FIELDS: Final = frozenset(
    {"bizStep", "disposition", "reason", "set", "unset", "type", "exception", "component"}
)
_CURIE: Final = re.compile(r"([A-Za-z_][\w.\-]*):(?!//)")
_NCNAME: Final = re.compile(r"[A-Za-z_][\w.\-]*")
_WELL_KNOWN: Final = {"gs1": "https://gs1.org/voc/", "cbvmda": "urn:epcglobal:cbv:mda", "xsd": XSD_NS}
_VALIDATION_LOCK: Final = threading.Lock()
_MAX_SCHEMA_ISSUES: Final = 100
_NO_DTD: Final = Issue("/", "A DOCTYPE (DTD, entity declarations) is not accepted in EPCIS documents.", "dtd")


# ---------------------------------------------------------------------------------- parsing, paths


@cache
def _schema() -> Any:
    """The compiled schema (EPCISDocument and EPCISQueryDocument), built once on first use."""
    # The wrapper's own (virtual) URL sits beside the schema file so that its import resolves.
    base_url = SCHEMA_PATH.with_name("epcis-query.xsd").as_uri()
    return etree.XMLSchema(etree.fromstring(_QUERY_SCHEMA.encode(), base_url=base_url))


@cache
def _standard_names() -> frozenset[str]:
    """Every element name the EPCIS schema declares, to tell misplaced from unknown elements."""
    tree = etree.parse(str(SCHEMA_PATH))
    return frozenset(str(name) for name in tree.xpath("//xsd:element/@name", namespaces={"xsd": XSD_NS}))


def _parse(data: bytes) -> tuple[Any, list[Issue]]:
    """Parse without entities, network or DTDs; comments and processing instructions are dropped."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True, collect_ids=False,
    )  # fmt: skip
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        if re.search(rb"<!DOCTYPE", data[:4096]):  # e.g. an external DTD that no_network refused to fetch
            return None, [_NO_DTD]
        return None, [Issue("/", f"The document is not well-formed XML: {exc}", "xml_syntax")]
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [_NO_DTD]
    return tree, []


def _local(el: Element) -> str:
    tag = str(el.tag)
    return tag[tag.index("}") + 1 :] if tag[0] == "{" else tag


def _namespace(el: Element) -> str | None:
    tag = str(el.tag)
    return tag[1 : tag.index("}")] if tag[0] == "{" else None


def _name(el: Element) -> str:
    """The element's name as sent: prefixed for extensions, plain for EPCIS elements."""
    if _namespace(el) not in (None, EPCIS_NS, QUERY_NS) and el.prefix:
        return f"{el.prefix}:{_local(el)}"
    return _local(el)


class _Paths:
    """Paths of elements (``/EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/action``), from the
    root or from ``top`` (the root of a single event). Sibling positions are counted once per
    parent, so that a path per event in a large document stays linear."""

    def __init__(self, top: Element) -> None:
        self.top = top
        self._position: dict[Any, int] = {}
        self._count: dict[tuple[Any, str], int] = {}

    def _step(self, el: Element) -> str:
        parent = el.getparent()
        if el is self.top or parent is None:
            return _local(el)
        if el not in self._position:
            for child in parent:
                self._count[(parent, child.tag)] = self._position[child] = (
                    self._count.get((parent, child.tag), 0) + 1
                )
        if self._count[(parent, el.tag)] > 1 or _local(parent) in _LIST_PARENTS:
            return f"{_name(el)}[{self._position[el]}]"
        return _name(el)

    def of(self, el: Element) -> str:
        steps = []
        for node in _self_and_ancestors(el):
            steps.append(self._step(node))
            if node is self.top:
                break
        return "/" + "/".join(reversed(steps))


def _self_and_ancestors(el: Element) -> Iterator[Element]:
    while el is not None:
        yield el
        el = el.getparent()


# -------------------------------------------------------------------------------------- leniencies


def _is_event(el: Element) -> bool:
    parent = el.getparent()
    return _local(el) in EVENT_FIELDS and (parent is None or _local(parent) == "EventList")


def _unqualify(root: Element, paths: _Paths) -> list[Issue]:
    """Read EPCIS-namespace elements below the root as their unqualified counterparts (warning)."""
    qualified = [el for el in root.iter(f"{{{EPCIS_NS}}}*") if el is not root]
    owners: dict[Any, str] = {}
    for el in qualified:
        owner = next((a for a in _self_and_ancestors(el) if _is_event(a)), root)
        owners.setdefault(owner, _local(el))
    for el in qualified:
        el.tag = _local(el)
    message = (
        "{kind} uses EPCIS-namespace-qualified elements (first: epcis:{first}); EPCIS 2.0 has them "
        "unqualified. They were read as unqualified elements."
    )
    return [
        Issue(paths.of(owner), message.format(kind=_local(owner), first=first), "namespace", "warning")
        for owner, first in owners.items()
    ]


def _sort_children(el: Element, names: tuple[str, ...]) -> Element | None:
    """Sort ``el``'s children into the order of ``names``, extensions last, and return the first
    child that was out of place. None when already in order, or when an unknown unqualified child
    is present (sorting would not help; the schema names the intruder)."""
    ranks = {name: i for i, name in enumerate(names)}
    children = list(el)
    keys = []
    for child in children:
        if child.tag[0] == "{":
            keys.append(len(ranks))
        elif child.tag in ranks:
            keys.append(ranks[child.tag])
        else:
            return None
    if all(a <= b for a, b in pairwise(keys)):
        return None
    first, smallest_after = children[-1], keys[-1]
    for child, key in zip(reversed(children[:-1]), reversed(keys[:-1]), strict=True):
        if key > smallest_after:
            first = child  # the earliest child with a smaller key after it
        smallest_after = min(smallest_after, key)
    el[:] = [child for _, child in sorted(zip(keys, children, strict=True), key=lambda pair: pair[0])]
    return first


def _nested(event: Element) -> Iterator[Element]:
    """The structured fields of an event whose children are read by name too."""
    for child in event:
        if child.tag in ("readPoint", "bizLocation", "errorDeclaration"):
            yield child
        elif child.tag in _QUANTITY_LISTS or child.tag == "sensorElementList":
            yield from child


def _reorder(event: Element, paths: _Paths) -> list[Issue]:
    """Read an event's children (and those of its structured fields) by name, keeping one piece of
    the schema order: the required common elements before the required type-specific ones."""
    kind = _local(event)
    position: dict[str, int] = {}
    for i, child in enumerate(event):
        position.setdefault(child.tag, i)
    first = _sort_children(event, EVENT_FIELDS[kind])
    if first is not None:
        last_common = max((position[n] for n in _REQUIRED_COMMON if n in position), default=-1)
        early = [n for n in _REQUIRED_OWN[kind] if position.get(n, last_common) < last_common]
        if early:
            common = " and ".join(n for n in _REQUIRED_COMMON if n in position)
            message = (
                f"{early[0]} comes before {common} in {kind}: the child elements of an event may come in any "
                "order, except that eventTime and eventTimeZoneOffset precede the required elements of the "
                "event type."
            )
            return [Issue(paths.of(event.find(early[0])), message, "element_order")]
    for field in _nested(event):
        moved = _sort_children(field, _NESTED_ORDER[field.tag])
        if moved is not None and first is None and field.tag not in _UNORDERED:
            first = moved
    if first is None:
        return []
    where = paths.of(first)[len(paths.of(event)) + 1 :]
    message = (
        f"The child elements of {kind} are not in the EPCIS 2.0 schema order (first out of place: {where}); "
        "they were read by name."
    )
    return [Issue(paths.of(event), message, "element_order", "warning")]


def _relax(root: Element, paths: _Paths) -> list[Issue]:
    """Apply the two documented leniencies; returns their warnings (and any order error)."""
    issues = _unqualify(root, paths)
    event_lists = (
        *root.iterfind("EPCISBody/EventList"),
        *root.iterfind(f"EPCISBody/{{{QUERY_NS}}}QueryResults/resultsBody/EventList"),
    )
    for event_list in event_lists:
        for event in event_list:
            if event.tag in EVENT_FIELDS:
                issues.extend(_reorder(event, paths))
    return issues


# ---------------------------------------------------------------------------- schema error messages

_VALUE: Final = re.compile(r"'([^']*)' is not a valid value|The value '([^']*)'")
_EXPECTED: Final = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
_ATTRIBUTE: Final = re.compile(r"attribute '([^']+)'")
_ATOMIC_TYPE: Final = re.compile(r"atomic type '([^']+)'")
_TIMESTAMP: Final = "a date and time with a time zone, such as 2005-04-03T20:33:31.116-06:00"
_DESCRIBE: Final = {
    "action": "one of ADD, OBSERVE, DELETE",
    "eventTimeZoneOffset": "a time zone offset from -14:00 to +14:00, such as +02:00",
    "quantity": "a decimal number",
    "booleanValue": "true or false",
    "hexBinaryValue": "hexadecimal binary data",
    "schemaVersion": "an EPCIS 2.x version such as 2.0",
    **dict.fromkeys(_NUMBER_ATTRS, "a number"),
    **dict.fromkeys(
        ("eventTime", "recordTime", "declarationTime", "creationDate", "time", "startTime", "endTime"),
        _TIMESTAMP,
    ),
}


def _find(tree: Any, libxml_path: str | None) -> Element | None:
    """The element an lxml error log entry points at (its path is libxml2's XPath)."""
    node = None
    for step in (libxml_path or "").strip("/").split("/"):
        match = re.fullmatch(r"(?:([\w.\-]+):)?([\w.\-]+|\*)(?:\[(\d+)\])?", step)
        if match is None:
            return None
        prefix, name, index = match.groups()
        pool = [tree.getroot()] if node is None else list(node)
        if name == "*":
            found = [c for c in pool if c.tag[0] == "{" and c.prefix is None]
        else:
            found = [c for c in pool if _local(c) == name and c.prefix == prefix]
        if int(index or 1) > len(found):
            return None
        node = found[int(index or 1) - 1]
    return node


def _content_issue(message: str, el: Element, paths: _Paths) -> Issue | None:
    """A missing, unknown or misplaced child element."""
    expected = _EXPECTED.search(message)
    names = [n.strip().split("}")[-1] for n in expected.group(1).split(",")] if expected else []
    names = [n for n in names if not n.startswith("##")]
    parent = el if "Missing child" in message else el.getparent()
    if parent is None:
        return None
    if len(names) == 1 and names[0] not in {_local(c) for c in parent}:
        return Issue(
            f"{paths.of(parent)}/{names[0]}",
            f"{_local(parent)} lacks {names[0]}, which is required.",
            "schema",
        )
    if "not expected" not in message:
        return None
    name, container = _name(el), _local(parent)
    if el.tag[0] != "{" and el.tag not in _standard_names():
        text = f"{name} is not an EPCIS 2.0 element; an extension element needs its own namespace."
    else:
        wanted = f" (expected here: {', '.join(names)})" if 0 < len(names) <= 4 else ""
        text = f"{name} is not allowed at this place in {container}{wanted}."
    return Issue(paths.of(el), text, "schema")


def _qualified_name(el: Element, name: str) -> str:
    """An attribute name from libxml2 (``{uri}local``) as the sender wrote it (``prefix:local``)."""
    if name[0] != "{":
        return name
    uri, local = name[1:].split("}", 1)
    prefix = min((p for p, u in el.nsmap.items() if u == uri and p), default=None)
    return f"{prefix}:{local}" if prefix else local


def _value_issue(message: str, el: Element, paths: _Paths) -> Issue | None:
    """An attribute that is missing or not allowed, or a value of the wrong type."""
    attribute = _ATTRIBUTE.search(message)
    owner = _name(el)
    name = _qualified_name(el, attribute.group(1)) if attribute else owner
    if attribute and "not allowed" in message:
        return Issue(f"{paths.of(el)}/@{name}", f"The attribute {name} is not allowed on {owner}.", "schema")
    if attribute and "required but missing" in message:
        return Issue(paths.of(el), f"{owner} lacks its required attribute {name}.", "schema")
    value = _VALUE.search(message)
    if value is None:
        return None
    shown = value.group(1) if value.group(1) is not None else value.group(2)
    atomic = _ATOMIC_TYPE.search(message)
    standard = _namespace(el) in (None, EPCIS_NS, QUERY_NS) and ":" not in name
    description = _DESCRIBE.get(name) if standard else None
    if description is None:
        description = "a URI" if "anyURI" in message else f"a valid {atomic.group(1) if atomic else 'value'}"
    target = f"{paths.of(el)}/@{name}" if attribute else paths.of(el)
    return Issue(target, f"{name} {shown!r} is not {description}.", "schema")


def _schema_issue(entry: Any, tree: Any, paths: _Paths) -> Issue:
    """Translate one libxml2 schema error into a short sentence naming the element or attribute."""
    message = str(entry.message)
    el = _find(tree, entry.path)
    if el is None:
        return Issue("/", re.sub(r"^Element '[^']*': ", "", message), "schema")
    issue = None
    if "Missing child element" in message or "not expected" in message:
        issue = _content_issue(message, el, paths)
    issue = issue or _value_issue(message, el, paths)
    text = re.sub(r"^Element '[^']*'(, attribute '[^']*')?: ", "", message).strip()
    return issue or Issue(paths.of(el), f"{_local(el)}: {text}", "schema")


def _validate(tree: Any, paths: _Paths) -> list[Issue]:
    """Schema errors as issues: one per path (a facet error and its datatype error are one
    mistake), at most ``_MAX_SCHEMA_ISSUES`` of them plus a count of the rest."""
    schema = _schema()
    with _VALIDATION_LOCK:  # the error log belongs to the shared schema object
        valid = schema.validate(tree)
        entries = list(schema.error_log)
    issues: dict[str, Issue] = {}
    for entry in [] if valid else entries:
        if len(issues) == _MAX_SCHEMA_ISSUES:
            rest = f"The schema reported {len(entries)} problems; only the first {_MAX_SCHEMA_ISSUES} are listed."
            return [*issues.values(), Issue("/", rest, "schema")]
        issue = _schema_issue(entry, tree, paths)
        issues.setdefault(issue.path, issue)
    return list(issues.values())


# ---------------------------------------------------------------------------- reading: XML -> dict


class _Context:
    """The namespaces that extension keys and compact URI values use: the ``@context``."""

    def __init__(self) -> None:
        self.uri_of: dict[str, str] = {}
        self._chosen: dict[tuple[str, str | None], str] = {}

    def prefix(self, uri: str, declared: str | None) -> str:
        chosen = self._chosen.get((uri, declared))
        if chosen is None:
            base = chosen = declared or "ns"
            n = 1
            while self.uri_of.get(chosen, uri) != uri:
                n += 1
                chosen = f"{base}_{n}"
            self.uri_of[chosen] = uri
            self._chosen[(uri, declared)] = chosen
        return chosen

    def key(self, el: Element) -> str:
        uri = _namespace(el)
        return _local(el) if uri is None else f"{self.prefix(uri, el.prefix)}:{_local(el)}"

    def attribute_key(self, el: Element, name: str) -> str | None:
        """The key of an attribute; None for the xsi:* type hints."""
        if name[0] != "{":
            return name
        uri, local = name[1:].split("}", 1)
        if uri == XSI_NS:
            return None
        declared = min((p for p, u in el.nsmap.items() if u == uri and p), default=None)
        return f"{self.prefix(uri, declared)}:{local}"

    def curie(self, el: Element, value: str) -> str:
        """Declare the namespace of a compact URI value (``cbv:BizStep-receiving``) that the XML
        binds, so the JSON-LD context expands it as the XML namespaces would; return the value."""
        match = _CURIE.match(value)
        if match and match.group(1).lower() not in ("urn", "http", "https"):
            uri = el.nsmap.get(match.group(1))
            if uri and self.uri_of.get(match.group(1), uri) == uri:
                self.prefix(uri, match.group(1))
        return value

    def json(self) -> list[Any]:
        return [EPCIS_CONTEXT, *({prefix: uri} for prefix, uri in self.uri_of.items())]


def _text(el: Element) -> str:
    return (el.text or "").strip()


def _number(text: str) -> int | float:
    text = text.strip()
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def _add(target: Json, key: str, value: Any) -> None:
    """Add an extension value; a key seen twice becomes a list, as repeated XML siblings."""
    if key not in target:
        target[key] = value
    elif isinstance(target[key], list):
        target[key].append(value)
    else:
        target[key] = [target[key], value]


def _extension(el: Element, ctx: _Context) -> Any:
    obj: Json = {}
    for name, value in el.attrib.items():
        key = ctx.attribute_key(el, name)
        if key is not None:
            obj[key] = value.strip()
    for child in el:
        _add(obj, ctx.key(child), _extension(child, ctx))
    text = _text(el)
    if obj and text:
        obj["@value"] = text
    return obj or text


def _extensions_into(target: Json, el: Element, ctx: _Context) -> None:
    """Copy an element's extension attributes and other-namespace children into ``target``."""
    for name, value in el.attrib.items():
        if name[0] == "{" and (key := ctx.attribute_key(el, name)) is not None:
            target[key] = value.strip()
    for child in el:
        if child.tag[0] == "{":
            _add(target, ctx.key(child), _extension(child, ctx))


def _quantity(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    for child in el:
        if child.tag != "quantity":
            out[child.tag] = _text(child)
        elif child.get(f"{{{XSI_NS}}}nil") not in ("true", "1"):  # nil: quantity unknown
            out["quantity"] = _number(_text(child))
    return out


def _sensor_attributes(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    for name, raw in el.attrib.items():
        value = raw.strip()
        if name[0] == "{":
            if (key := ctx.attribute_key(el, name)) is not None:
                out[key] = value
        elif name in _NUMBER_ATTRS:
            out[name] = _number(value)
        elif name == "booleanValue":
            out[name] = value in ("true", "1")
        else:
            out[name] = ctx.curie(el, value) if name in _CURIE_FIELDS else value
    return out


def _sensor_element(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    metadata = el.find("sensorMetadata")
    if metadata is not None:
        out["sensorMetadata"] = _sensor_attributes(metadata, ctx)
    out["sensorReport"] = [_sensor_attributes(report, ctx) for report in el.iterfind("sensorReport")]
    _extensions_into(out, el, ctx)
    return out


def _error_declaration(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    for child in el:
        if child.tag == "correctiveEventIDs":
            out["correctiveEventIDs"] = [_text(c) for c in child]
        elif child.tag[0] != "{":
            out[child.tag] = ctx.curie(child, _text(child))
    _extensions_into(out, el, ctx)
    return out


def _location(el: Element, ctx: _Context) -> Json:
    out: Json = {"id": _text(el.find("id"))}
    _extensions_into(out, el, ctx)
    return out


def _party_list(el: Element, ctx: _Context) -> list[Json]:
    rows = []
    for child in el:
        kind = child.get("type")
        row: Json = {} if kind is None else {"type": ctx.curie(child, kind.strip())}
        row[child.tag] = _text(child)
        rows.append(row)
    return rows


def _persistent_disposition(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    for child in el:
        out.setdefault(child.tag, []).append(ctx.curie(child, _text(child)))
    return out


def _ilmd(el: Element, ctx: _Context) -> Json:
    out: Json = {}
    _extensions_into(out, el, ctx)
    return out


_FIELD: Final[Mapping[str, Callable[[Element, _Context], Any]]] = {
    **dict.fromkeys(_EPC_LISTS, lambda el, ctx: [_text(c) for c in el]),
    **dict.fromkeys(_QUANTITY_LISTS, lambda el, ctx: [_quantity(c, ctx) for c in el]),
    **dict.fromkeys(_PARTY_LISTS, _party_list),
    "readPoint": _location,
    "bizLocation": _location,
    "sensorElementList": lambda el, ctx: [_sensor_element(c, ctx) for c in el],
    "errorDeclaration": _error_declaration,
    "persistentDisposition": _persistent_disposition,
    "ilmd": _ilmd,
}


def _event(el: Element, ctx: _Context) -> Json:
    out: Json = {"type": _local(el)}
    for child in el:
        tag = child.tag
        if tag[0] == "{":
            continue
        convert = _FIELD.get(tag)
        if convert is not None:
            out[tag] = convert(child, ctx)
        else:
            out[tag] = ctx.curie(child, _text(child)) if tag in _CURIE_FIELDS else _text(child)
    _extensions_into(out, el, ctx)
    return out


def _attribute_value(el: Element, ctx: _Context) -> Any:
    """A master-data attribute's value: its text, or its child elements as an extension object."""
    if len(el) == 0:
        return _text(el)
    value: Json = {}
    for child in el:
        _add(value, ctx.key(child), _extension(child, ctx))
    return value


def _master_data(el: Element, ctx: _Context) -> Json:
    """EPCISMasterData as the JSON binding's ``{"vocabularyList": [...]}``."""
    vocabularies = []
    for vocabulary in el.iterfind("VocabularyList/Vocabulary"):
        elements = []
        for item in vocabulary.iterfind("VocabularyElementList/VocabularyElement"):
            row: Json = {"id": item.get("id").strip()}
            attributes = [
                {"id": a.get("id").strip(), "attribute": _attribute_value(a, ctx)}
                for a in item.iterfind("attribute")
            ]
            if attributes:
                row["attributes"] = attributes
            if (children := item.find("children")) is not None:
                row["children"] = [_text(c) for c in children]
            _extensions_into(row, item, ctx)
            elements.append(row)
        entry: Json = {"type": vocabulary.get("type").strip(), "vocabularyElementList": elements}
        _extensions_into(entry, vocabulary, ctx)
        vocabularies.append(entry)
    return {"vocabularyList": vocabularies}


def _document(root: Element) -> Json:
    ctx = _Context()
    is_query = root.tag == f"{{{QUERY_NS}}}EPCISQueryDocument"
    body = root.find("EPCISBody")
    results = body.find(f"{{{QUERY_NS}}}QueryResults") if is_query else None
    holder = body if results is None else results.find("resultsBody")
    event_list = holder.find("EventList")
    events = [_event(e, ctx) for e in (event_list if event_list is not None else ())]
    out: Json = {
        "@context": [],
        "type": _local(root),
        "schemaVersion": root.get("schemaVersion").strip(),
        "creationDate": root.get("creationDate").strip(),
    }
    if (header := root.find("EPCISHeader")) is not None:
        out["epcisHeader"] = {}
        _extensions_into(out["epcisHeader"], header, ctx)
        if (master := header.find("extension/EPCISMasterData")) is not None:
            out["epcisHeader"]["epcisMasterData"] = _master_data(master, ctx)
    if results is not None:
        query: Json = {"queryName": _text(results.find("queryName"))}
        if (subscription := results.find("subscriptionID")) is not None:
            query["subscriptionID"] = _text(subscription)
        query["resultsBody"] = {"eventList": events}
        _extensions_into(query, results, ctx)
        out["epcisBody"] = {"queryResults": query}
    else:
        out["epcisBody"] = {"eventList": events}
    _extensions_into(out["epcisBody"], body, ctx)
    _extensions_into(out, root, ctx)
    out["@context"] = ctx.json()
    return out


def read_document(data: bytes) -> tuple[Json, list[Issue]]:
    """Read an XML EPCISDocument or EPCISQueryDocument (``POST /capture``) into the JSON
    binding's dict.

    Returns the dict and every issue found: errors (the dict is then empty and nothing may be
    stored) and warnings for the documented leniencies (the dict is complete).
    """
    tree, issues = _parse(data)
    if tree is None:
        return {}, issues
    root = tree.getroot()
    if root.tag not in (f"{{{EPCIS_NS}}}EPCISDocument", f"{{{QUERY_NS}}}EPCISQueryDocument"):
        return {}, [_wrong_root(root)]
    paths = _Paths(root)
    issues = _relax(root, paths)
    issues.extend(_validate(tree, paths))
    if any(issue.severity == "error" for issue in issues):
        return {}, issues
    return _document(root), issues


def _wrong_root(root: Element) -> Issue:
    name, uri = _local(root), _namespace(root)
    if name in EVENT_FIELDS:
        hint = "a single event is captured with POST /events, not as a document"
    elif name in ("EPCISDocument", "EPCISQueryDocument"):
        hint = f"its namespace is {uri or 'missing'}; EPCIS 2.0 documents use {EPCIS_NS}"
    else:
        hint = f"expected EPCISDocument in the namespace {EPCIS_NS}"
    return Issue(f"/{name}", f"The root element {name} is not an EPCIS 2.0 document: {hint}.", "root")


def read_event(data: bytes) -> tuple[Json, list[Issue]]:
    """Read one XML event (the body of ``POST /events``) into the JSON binding's event dict.

    The root is the event element (unqualified, or ``epcis:``-qualified with a warning); paths in
    issues start at it (``/ObjectEvent/action``). The ``schemaVersion`` and ``creationDate``
    attributes that single-event senders put on it are dropped. The dict carries its own
    ``@context``, like a single JSON-LD event.
    """
    tree, issues = _parse(data)
    if tree is None:
        return {}, issues
    event = tree.getroot()
    name = _local(event)
    if name not in EVENT_FIELDS or _namespace(event) not in (None, EPCIS_NS):
        kinds = ", ".join(EVENT_FIELDS)
        return {}, [
            Issue(f"/{name}", f"The root element {name} is not an EPCIS 2.0 event ({kinds}).", "root")
        ]
    for attribute in ("schemaVersion", "creationDate"):
        event.attrib.pop(attribute, None)
    # Validate the event inside a minimal document: the schema declares events inside EventList.
    document = etree.Element(
        f"{{{EPCIS_NS}}}EPCISDocument", schemaVersion="2.0", creationDate="2000-01-01T00:00:00Z"
    )
    etree.SubElement(etree.SubElement(document, "EPCISBody"), "EventList").append(event)
    paths = _Paths(event)
    issues = _relax(document, paths)
    issues.extend(_validate(document.getroottree(), paths))
    if any(issue.severity == "error" for issue in issues):
        return {}, issues
    ctx = _Context()
    out = _event(event, ctx)
    return {"@context": ctx.json(), **out}, issues


def namespaces_of(context: Any) -> dict[str, str]:
    """The ``{prefix: uri}`` declarations of a JSON-LD ``@context`` (a string, object or list)."""
    found: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            found.update({k: v for k, v in item.items() if isinstance(v, str) and not k.startswith("@")})
    return found


# ---------------------------------------------------------------------------- writing: dict -> XML


class _Writer:
    """How keys and values of the JSON binding are spelled in XML."""

    def __init__(self, namespaces: Mapping[str, str], bare_cbv_as: str) -> None:
        self.namespaces = {**_WELL_KNOWN, **{p: u for p, u in namespaces.items() if _NCNAME.fullmatch(p)}}
        self.bare_cbv_as = bare_cbv_as

    def tag(self, key: str) -> tuple[str, str | None]:
        """The Clark-notation tag of a key and the prefix it should be written with."""
        prefix, sep, local = key.partition(":")
        if not sep:
            return key, None
        if prefix in self.namespaces:
            return f"{{{self.namespaces[prefix]}}}{local}", prefix
        if "://" in key:  # a full IRI used as a key
            cut = max(key.rfind("#"), key.rfind("/")) + 1
            return f"{{{key[:cut]}}}{key[cut:]}", None
        raise ValueError(f"the prefix of {key!r} is not declared in the namespaces given to write_events")

    def cbv(self, kind: str, value: str) -> str:
        """A bare CBV word as a URI (XML has no @context to expand it); other values unchanged."""
        if ":" in value:
            return value
        try:
            return cbv.to_web_uri(kind, value) if self.bare_cbv_as == "web_uri" else cbv.to_urn(kind, value)
        except cbv.UnknownVocabulary:
            return value


def _lexical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return format(Decimal(repr(value)), "f") if abs(value) != float("inf") else repr(value).upper()
    return "" if value is None else str(value)


def _leaf(parent: Element, tag: str, value: Any) -> Element:
    el = etree.SubElement(parent, tag)
    el.text = _lexical(value)
    return el


def _write_extension(parent: Element, key: str, value: Any, w: _Writer) -> None:
    tag, prefix = w.tag(key)
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):  # a list in a list has no XML form: its items become siblings
            _write_extension(parent, key, item, w)
            continue
        el = etree.SubElement(parent, tag)
        if prefix and el.prefix != prefix:  # several prefixes for one namespace: keep the key's own
            parent.remove(el)
            el = etree.SubElement(parent, tag, nsmap={prefix: w.namespaces[prefix]})
        if not isinstance(item, dict):
            el.text = _lexical(item)
            continue
        for k, v in item.items():
            if k == "@value":
                el.text = _lexical(v)
            elif not k.startswith("@"):
                _write_extension(el, k, v, w)


def _write_extensions(el: Element, obj: Mapping[str, Any], known: Iterable[str], w: _Writer) -> None:
    skip = set(known)
    for key, value in obj.items():
        if key in skip or key.startswith("@"):
            continue
        if ":" not in key:
            raise ValueError(f"{_local(el)}: {key!r} is neither an EPCIS 2.0 field nor a prefixed extension")
        _write_extension(el, key, value, w)


def _write_sensor(parent: Element, tag: str, obj: Mapping[str, Any], w: _Writer) -> None:
    el = etree.SubElement(parent, tag)
    for key, value in obj.items():
        if tag == "sensorReport" and key in ("type", "exception") and ":" not in str(value):
            value = f"gs1:{value}"  # the XML binding spells bare sensor vocabulary as gs1: CURIEs
        el.set(w.tag(key)[0], _lexical(value))


def _write_lists(el: Element, name: str, value: Any, w: _Writer) -> None:
    """The list-valued fields: EPC, quantity, transaction/source/destination and sensor lists."""
    for row in value:
        if name in _EPC_LISTS:
            _leaf(el, "epc", row)
        elif name in _QUANTITY_LISTS:
            quantity = etree.SubElement(el, "quantityElement")
            for part in ("epcClass", "quantity", "uom"):
                if part in row:
                    _leaf(quantity, part, row[part])
        elif name in _PARTY_LISTS:
            item = _PARTY_LISTS[name]
            child = _leaf(el, item, row[item])
            if "type" in row:
                child.set(
                    "type",
                    w.cbv(
                        "bizTransactionType" if name == "bizTransactionList" else "sourceDestType",
                        row["type"],
                    ),
                )
        elif name == "sensorElementList":
            sensor = etree.SubElement(el, "sensorElement")
            if "sensorMetadata" in row:
                _write_sensor(sensor, "sensorMetadata", row["sensorMetadata"], w)
            for report in row.get("sensorReport", []):
                _write_sensor(sensor, "sensorReport", report, w)
            _write_extensions(sensor, row, ("sensorMetadata", "sensorReport"), w)
        else:
            raise ValueError(f"{name} is not a list in the EPCIS 2.0 JSON binding")


def _write_field(parent: Element, name: str, value: Any, w: _Writer) -> None:
    if name in ("bizStep", "disposition"):
        _leaf(parent, name, w.cbv(name, value))
        return
    if not isinstance(value, (dict, list)):
        _leaf(parent, name, value)
        return
    el = etree.SubElement(parent, name)
    if isinstance(value, list):
        _write_lists(el, name, value, w)
    elif name in ("readPoint", "bizLocation"):
        _leaf(el, "id", value["id"])
        _write_extensions(el, value, ("id",), w)
    elif name == "errorDeclaration":
        if "declarationTime" in value:
            _leaf(el, "declarationTime", value["declarationTime"])
        if "reason" in value:
            _leaf(el, "reason", w.cbv("errorReason", value["reason"]))
        if "correctiveEventIDs" in value:
            ids = etree.SubElement(el, "correctiveEventIDs")
            for event_id in value["correctiveEventIDs"]:
                _leaf(ids, "correctiveEventID", event_id)
        _write_extensions(el, value, ("declarationTime", "reason", "correctiveEventIDs"), w)
    elif name == "persistentDisposition":
        for part in ("unset", "set"):
            for disposition in value.get(part, []):
                _leaf(el, part, w.cbv("disposition", disposition))
    else:  # ilmd
        _write_extensions(el, value, (), w)


def _write_event(parent: Element, event: Mapping[str, Any], w: _Writer) -> None:
    kind = str(event.get("type"))
    if kind not in EVENT_FIELDS:
        raise ValueError(f"{kind!r} is not an EPCIS 2.0 event type")
    el = etree.SubElement(parent, kind)
    for name in EVENT_FIELDS[kind]:
        if name in event:
            _write_field(el, name, event[name], w)
    _write_extensions(el, event, (*EVENT_FIELDS[kind], "type"), w)


def write_events(
    events: Iterable[Mapping[str, Any]],
    *,
    namespaces: Mapping[str, str],
    query_name: str | None = None,
    subscription_id: str | None = None,
    creation_date: datetime | None = None,
    bare_cbv_as: Literal["urn", "web_uri"] = "urn",
) -> bytes:
    """Write JSON-binding event dicts as an XML EPCISQueryDocument (when ``query_name`` is given)
    or EPCISDocument, valid against ``schemas/epcis-2_0.xsd``.

    ``namespaces`` maps the prefixes of extension keys to URIs (:func:`namespaces_of` reads them
    from a JSON-LD ``@context``); ``gs1``, ``cbvmda`` and ``xsd`` are known without it. Values are
    written as they are, except CBV values given as bare JSON words (``shipping``), which XML cannot
    expand through a context: they become URNs, or GS1 Web URIs with ``bare_cbv_as="web_uri"``;
    a bare sensor ``type``/``exception`` gets the ``gs1:`` prefix. Attributes of extension
    elements come back as child elements (the dict does not tell them apart). Raises
    ``ValueError`` for an unknown event type, an unknown unprefixed field or an undeclared prefix.
    """
    w = _Writer(namespaces, bare_cbv_as)
    nsmap: dict[str, str] = {}
    for prefix, uri in w.namespaces.items():  # one prefix per namespace at the root
        if prefix not in ("epcis", "epcisq", "xml", "xmlns") and uri not in nsmap.values():
            nsmap[prefix] = uri
    if query_name is None:
        root = etree.Element(f"{{{EPCIS_NS}}}EPCISDocument", nsmap={"epcis": EPCIS_NS, **nsmap})
        holder = etree.SubElement(root, "EPCISBody")
    else:
        root = etree.Element(f"{{{QUERY_NS}}}EPCISQueryDocument", nsmap={"epcisq": QUERY_NS, **nsmap})
        results = etree.SubElement(etree.SubElement(root, "EPCISBody"), f"{{{QUERY_NS}}}QueryResults")
        _leaf(results, "queryName", query_name)
        if subscription_id is not None:
            _leaf(results, "subscriptionID", subscription_id)
        holder = etree.SubElement(results, "resultsBody")
    root.set("schemaVersion", "2.0")
    root.set("creationDate", (creation_date or datetime.now(UTC)).isoformat().replace("+00:00", "Z"))
    event_list = etree.SubElement(holder, "EventList")
    for event in events:
        _write_event(event_list, event, w)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
