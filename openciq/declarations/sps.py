"""UN/CEFACT SPS certificate XML (``SPSCertificate:17``, the IPPC ePhyto profile): read and write.

Two views of one document:

* **The lossless tree** (``parse_tree`` / ``tree_to_xml``): every element in document order, every
  attribute, every text exactly as written, JSON-serialisable. This is what an import stores, so
  nothing a foreign authority sent is ever lost, whatever our structured model understands. One
  node per element::

      {"ns": "ram", "name": "ID", "attrs": {"schemeID": "UN/LOCODE"}, "text": "CNHUA",
       "children": []}

  ``ns`` is ``rsm``/``ram``/``udt`` for the standard's three namespaces, the full URI for any
  other namespace and ``""`` for none; attribute keys are local names, ``xml:lang``-style for the
  same prefixes, ``{uri}name`` otherwise. ``text`` is ``None`` when absent; whitespace-only text
  between child elements is dropped. A node gets a ``tail`` key only in mixed content (non-blank
  text after the element). Comments, processing instructions and DTDs are not certificate content:
  comments and processing instructions are dropped, and a document with a DTD is refused.

* **Structured data** (``CertificateData``; ``certificate_from_xml`` / ``certificate_to_xml``):
  what the certificate says. Reading is lenient about element order (the published ePhyto example
  breaks the schema order in several places); writing follows the schema's sequence order.

Element order is data: ``SLOTS`` lists, per dataclass, its XML children in the RABIE schema's
sequence order. The D17A RABIE:21 schema file was not at hand; the orders come from the sequences
of the RABIE:18 SPS aggregates (JAXB bindings generated from the schema), with SPSProcess and
SPSProcessCharacteristic cross-checked against RABIE:32, so a check against the official D17A
file (or the hub's ValidatePhytoXML) is still due. A slot's path may step through wrapper elements
(``"IssuerSPSParty/Name"``). ``AdditionalInformationSPSNote`` inside ``AppliedSPSProcess`` is in
neither version of the schema but occurs in real ePhyto content; it is written last.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from lxml import etree

RSM_NS = "urn:un:unece:uncefact:data:standard:SPSCertificate:17"
RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21"
UDT_NS = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:21"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: The standard's conventional prefixes; tree nodes name these namespaces by prefix.
PREFIXES: dict[str, str] = {"rsm": RSM_NS, "ram": RAM_NS, "udt": UDT_NS}
_PREFIX_OF = {uri: prefix for prefix, uri in PREFIXES.items()}
_ATTR_PREFIXES = {**PREFIXES, "xml": XML_NS}
_ATTR_PREFIX_OF = {uri: prefix for prefix, uri in _ATTR_PREFIXES.items()}

# No entity expansion, no DTD or network access, libxml2's default size limits.
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

Node = dict[str, Any]


class SpsError(ValueError):
    """An SPS certificate, tree or data set that cannot be read or written; the message says why."""


# --- The lossless tree ------------------------------------------------------------------------


def parse_tree(xml: bytes) -> Node:
    """The whole SPSCertificate document as a JSON-serialisable tree (see the module docstring)."""
    return _element_to_node(_parse(xml))


def tree_to_xml(tree: Mapping[str, Any]) -> bytes:
    """The document a tree describes: UTF-8 with an XML declaration and rsm/ram/udt prefixes."""
    if (tree.get("ns"), tree.get("name")) != ("rsm", "SPSCertificate"):
        raise SpsError(f"the tree's root is {tree.get('ns')}:{tree.get('name')}, not rsm:SPSCertificate")
    root = _node_to_element(tree, None, "")
    etree.indent(root, space="  ")  # touches only whitespace-only text between elements
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return result


def _parse(xml: bytes) -> Any:
    if not isinstance(xml, bytes | bytearray | memoryview):
        raise TypeError(f"an SPS certificate is read from bytes, not {type(xml).__name__}")
    try:
        root = etree.fromstring(bytes(xml), etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise SpsError(f"malformed XML at line {exc.lineno}: {exc.msg}") from exc
    if root.getroottree().docinfo.doctype:
        # Certificates never need one; refusing it rules out entity tricks (XXE, entity bombs).
        raise SpsError("the document has a DOCTYPE declaration; SPS certificates must not declare a DTD")
    name = etree.QName(root)
    if (name.namespace, name.localname) != (RSM_NS, "SPSCertificate"):
        found = f"{{{name.namespace}}}{name.localname}" if name.namespace else name.localname
        raise SpsError(
            f"not an SPS certificate: the root element is {found}, expected {{{RSM_NS}}}SPSCertificate"
        )
    return root


def _element_to_node(element: Any) -> Node:
    name = etree.QName(element)
    children = [child for child in element if isinstance(child.tag, str)]
    text = element.text
    if children and text is not None and not text.strip():
        text = None
    node: Node = {
        "ns": _PREFIX_OF.get(name.namespace, name.namespace or ""),
        "name": name.localname,
        "attrs": {_attr_key(key): value for key, value in element.attrib.items()},
        "text": text,
        "children": [],
    }
    for child in children:
        child_node = _element_to_node(child)
        if child.tail is not None and child.tail.strip():
            child_node["tail"] = child.tail
        node["children"].append(child_node)
    return node


def _node_to_element(node: Any, parent: Any, path: str) -> Any:
    if not isinstance(node, Mapping) or not isinstance(node.get("name"), str) or not node["name"]:
        raise SpsError(f"the tree node under {path or '/'} is not an element node")
    namespace = node.get("ns") or ""
    path = f"{path}/{namespace}:{node['name']}" if namespace else f"{path}/{node['name']}"
    tag = f"{{{PREFIXES.get(namespace, namespace)}}}{node['name']}" if namespace else node["name"]
    try:
        element = etree.Element(tag, nsmap=PREFIXES) if parent is None else etree.SubElement(parent, tag)
        for key, value in (node.get("attrs") or {}).items():
            element.set(_attr_clark(key), value)
        element.text = node.get("text")
        if parent is not None:  # text after the root element would not be XML
            element.tail = node.get("tail")
    except (TypeError, ValueError) as exc:
        raise SpsError(f"cannot write {path}: {exc}") from exc
    for child in node.get("children") or ():
        _node_to_element(child, element, path)
    return element


def _attr_key(clark: str) -> str:
    if not clark.startswith("{"):
        return clark
    uri, local = clark[1:].split("}", 1)
    prefix = _ATTR_PREFIX_OF.get(uri)
    return f"{prefix}:{local}" if prefix else clark


def _attr_clark(key: str) -> str:
    if key.startswith("{") or ":" not in key:
        return key
    prefix, local = key.split(":", 1)
    if prefix not in _ATTR_PREFIXES:
        raise SpsError(f"unknown attribute prefix in {key!r}; use {{uri}}name for other namespaces")
    return f"{{{_ATTR_PREFIXES[prefix]}}}{local}"


# --- Structured data --------------------------------------------------------------------------


class _Record:
    """JSON conversion shared by the certificate dataclasses (tuples become lists)."""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = _to_plain(self)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        result: Self = _from_plain(cls, data, cls.__name__)
        return result


@dataclass(frozen=True)
class Text(_Record):
    """A text in a language (``languageID``), e.g. a description or an intended use."""

    value: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Measure(_Record):
    """A measure as written (``"32.0000"``) with its UN/ECE Rec 20 unit (``unitCode``)."""

    value: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Attachment(_Record):
    """An attached file; ``content`` is the base64 text exactly as in the document."""

    filename: str | None = None
    content: str | None = None
    mime_code: str | None = None


@dataclass(frozen=True)
class Note(_Record):
    """A coded note (``IncludedSPSNote``/``AdditionalInformationSPSNote``): subject and content."""

    subject: str | None = None
    content: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Clause(_Record):
    """A certifying clause the signatory includes."""

    id: str | None = None
    content: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Address(_Record):
    postcode: str | None = None
    line_one: str | None = None
    line_two: str | None = None
    line_three: str | None = None
    city_name: str | None = None
    country_id: str | None = None


@dataclass(frozen=True)
class Party(_Record):
    """A consignor, consignee or signing authority; ``person_name`` is its specified person."""

    id: str | None = None
    name: str | None = None
    type_code: str | None = None
    type_code_list_name: str | None = None
    address: Address | None = None
    person_name: str | None = None


@dataclass(frozen=True)
class Location(_Record):
    id: str | None = None
    id_scheme: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class SubDivision(_Record):
    """A region of a country of origin (place of production)."""

    id: str | None = None
    name: str | None = None
    hierarchical_level: str | None = None


@dataclass(frozen=True)
class Country(_Record):
    """An ISO 3166-1 country, with sub-divisions for origin countries."""

    id: str | None = None
    name: str | None = None
    subdivisions: tuple[SubDivision, ...] = ()


@dataclass(frozen=True)
class Signatory(_Record):
    """Who signed the certificate, where and when, and the clauses they certify."""

    actual_datetime: str | None = None
    issue_location: Location | None = None
    provider: Party | None = None
    clauses: tuple[Clause, ...] = ()


@dataclass(frozen=True)
class ReferencedDocument(_Record):
    issue_datetime: str | None = None
    type_code: str | None = None
    relationship_type_code: str | None = None
    id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    information: Text | None = None


@dataclass(frozen=True)
class TransportEquipment(_Record):
    """A container or other equipment and the seals on it."""

    id: str | None = None
    seal_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TransportMovement(_Record):
    """A main-carriage leg: mode (UN/ECE Rec 19 code and its ``name``), voyage and vessel."""

    id: str | None = None
    mode_code: str | None = None
    mode_name: str | None = None
    transport_means_name: Text | None = None


@dataclass(frozen=True)
class Classification(_Record):
    """A commodity class, e.g. HS ``06029048`` or an IPPC commodity class name."""

    system_id: str | None = None
    system_name: str | None = None
    class_code: str | None = None
    class_names: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Package(_Record):
    """A packaging level: UN/ECE Rec 21 type code and number of packages."""

    level_code: str | None = None
    type_code: str | None = None
    quantity: str | None = None
    quantity_unit: str | None = None


@dataclass(frozen=True)
class Period(_Record):
    start: str | None = None
    end: str | None = None
    duration: Measure | None = None


@dataclass(frozen=True)
class ProcessCharacteristic(_Record):
    """A treatment characteristic; in ePhyto the first description is a code such as TTTM."""

    type_code: str | None = None
    descriptions: tuple[Text, ...] = ()
    value: Measure | None = None


@dataclass(frozen=True)
class Process(_Record):
    """An applied treatment."""

    type_code: str | None = None
    completion: Period | None = None
    characteristics: tuple[ProcessCharacteristic, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class TradeLineItem(_Record):
    """One commodity line of the consignment."""

    sequence: str | None = None
    descriptions: tuple[Text, ...] = ()
    common_names: tuple[Text, ...] = ()
    scientific_names: tuple[Text, ...] = ()
    production_batch_ids: tuple[str, ...] = ()
    intended_uses: tuple[Text, ...] = ()
    net_weight: Measure | None = None
    gross_weight: Measure | None = None
    net_volume: Measure | None = None
    gross_volume: Measure | None = None
    notes: tuple[Note, ...] = ()
    classifications: tuple[Classification, ...] = ()
    packages: tuple[Package, ...] = ()
    origin_countries: tuple[Country, ...] = ()
    processes: tuple[Process, ...] = ()


@dataclass(frozen=True)
class Consignment(_Record):
    """The consignment; trade line items of all consignment items, in document order."""

    id: str | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    export_country: Country | None = None
    re_export_countries: tuple[Country, ...] = ()
    loading_base_port: Location | None = None
    import_country: Country | None = None
    transit_countries: tuple[Country, ...] = ()
    unloading_base_port: Location | None = None
    examination_location_name: str | None = None
    main_carriage_movements: tuple[TransportMovement, ...] = ()
    transport_equipment: tuple[TransportEquipment, ...] = ()
    trade_line_items: tuple[TradeLineItem, ...] = ()


@dataclass(frozen=True)
class CertificateData(_Record):
    """What an SPS certificate says. ``type_code``: 851 phytosanitary, 657 re-export, other codes
    for health/conformity certificates; ``status_code``: 70 issued, 40 withdrawn/cancelled.
    Date-times are kept as written."""

    name: str | None = None
    id: str | None = None
    type_code: str | None = None
    status_code: str | None = None
    issue_datetime: str | None = None
    issuer_name: str | None = None
    notes: tuple[Note, ...] = ()
    referenced_documents: tuple[ReferencedDocument, ...] = ()
    signatory: Signatory | None = None
    consignment: Consignment = Consignment()


TEXT = "text"  # the element's own text
DATETIME = "datetime"  # the text of the udt:DateTimeString inside the element


@dataclass(frozen=True)
class Slot:
    """One child of an aggregate: ``path`` (``"."`` is the element itself) holds ``field``.

    ``kind`` is TEXT, DATETIME or the dataclass the element holds. ``attrs`` maps XML attributes of
    a TEXT element to sibling fields. A ``required`` child is written even when empty (an empty
    leaf, or an aggregate with its own required children), so the output keeps the schema's
    mandatory elements. ``grouped``: repeated values share one wrapper element instead of one each.
    """

    path: str
    field: str
    kind: str | type[Any] = TEXT
    attrs: tuple[tuple[str, str], ...] = ()
    required: bool = False
    grouped: bool = False


_LANG = (("languageID", "language"),)

#: Ordered XML children per dataclass (CertificateData's are SPSExchangedDocument's children).
SLOTS: dict[type[Any], tuple[Slot, ...]] = {
    Text: (Slot(".", "value", attrs=_LANG),),
    Measure: (Slot(".", "value", attrs=(("unitCode", "unit"),)),),
    Attachment: (Slot(".", "content", attrs=(("filename", "filename"), ("mimeCode", "mime_code"))),),
    Note: (Slot("Subject", "subject"), Slot("Content", "content", attrs=_LANG, required=True)),
    Clause: (Slot("ID", "id"), Slot("Content", "content", attrs=_LANG, required=True)),
    Address: (
        Slot("PostcodeCode", "postcode"),
        Slot("LineOne", "line_one"),
        Slot("LineTwo", "line_two"),
        Slot("LineThree", "line_three"),
        Slot("CityName", "city_name"),
        Slot("CountryID", "country_id"),
    ),
    Party: (
        Slot("ID", "id"),
        Slot("Name", "name", required=True),
        Slot("TypeCode", "type_code", attrs=(("listName", "type_code_list_name"),)),
        Slot("SpecifiedSPSAddress", "address", Address),
        Slot("SpecifiedSPSPerson/Name", "person_name"),
    ),
    Location: (Slot("ID", "id", attrs=(("schemeID", "id_scheme"),)), Slot("Name", "name", required=True)),
    SubDivision: (
        Slot("ID", "id"),
        Slot("Name", "name", required=True),
        Slot("HierarchicalLevelCode", "hierarchical_level", required=True),
    ),
    Country: (
        Slot("ID", "id", required=True),
        Slot("Name", "name", required=True),
        Slot("SubordinateSPSCountrySubDivision", "subdivisions", SubDivision),
    ),
    Signatory: (
        Slot("ActualDateTime", "actual_datetime", DATETIME, required=True),
        Slot("IssueSPSLocation", "issue_location", Location),
        Slot("ProviderSPSParty", "provider", Party, required=True),
        Slot("IncludedSPSClause", "clauses", Clause, required=True),
    ),
    ReferencedDocument: (
        Slot("IssueDateTime", "issue_datetime"),  # a qualified date-time: text, no DateTimeString
        Slot("TypeCode", "type_code"),
        Slot("RelationshipTypeCode", "relationship_type_code", required=True),
        Slot("ID", "id", required=True),
        Slot("AttachmentBinaryObject", "attachments", Attachment),
        Slot("Information", "information", Text),
    ),
    TransportEquipment: (Slot("ID", "id", required=True), Slot("AffixedSPSSeal/ID", "seal_ids")),
    TransportMovement: (
        Slot("ID", "id"),
        Slot("ModeCode", "mode_code", attrs=(("name", "mode_name"),), required=True),
        Slot("UsedSPSTransportMeans/Name", "transport_means_name", Text),
    ),
    Classification: (
        Slot("SystemID", "system_id"),
        Slot("SystemName", "system_name", required=True),
        Slot("ClassCode", "class_code"),
        Slot("ClassName", "class_names", Text, required=True),
    ),
    Package: (
        Slot("LevelCode", "level_code", required=True),
        Slot("TypeCode", "type_code", required=True),
        Slot("ItemQuantity", "quantity", attrs=(("unitCode", "quantity_unit"),), required=True),
    ),
    Period: (
        Slot("StartDateTime", "start", DATETIME, required=True),
        Slot("EndDateTime", "end", DATETIME),
        Slot("DurationMeasure", "duration", Measure),
    ),
    ProcessCharacteristic: (
        Slot("TypeCode", "type_code"),
        Slot("Description", "descriptions", Text),
        Slot("ValueMeasure", "value", Measure),
    ),
    Process: (
        Slot("TypeCode", "type_code", required=True),
        Slot("CompletionSPSPeriod", "completion", Period),
        Slot("ApplicableSPSProcessCharacteristic", "characteristics", ProcessCharacteristic),
        Slot("AdditionalInformationSPSNote", "notes", Note),  # not in the schema; ePhyto content
    ),
    TradeLineItem: (
        Slot("SequenceNumeric", "sequence", required=True),
        Slot("Description", "descriptions", Text, required=True),
        Slot("CommonName", "common_names", Text),
        Slot("ScientificName", "scientific_names", Text),
        Slot("ProductionBatchID", "production_batch_ids"),
        Slot("IntendedUse", "intended_uses", Text),
        Slot("NetWeightMeasure", "net_weight", Measure),
        Slot("GrossWeightMeasure", "gross_weight", Measure),
        Slot("NetVolumeMeasure", "net_volume", Measure),
        Slot("GrossVolumeMeasure", "gross_volume", Measure),
        Slot("AdditionalInformationSPSNote", "notes", Note),
        Slot("ApplicableSPSClassification", "classifications", Classification),
        Slot("PhysicalSPSPackage", "packages", Package),
        Slot("OriginSPSCountry", "origin_countries", Country),
        Slot("AppliedSPSProcess", "processes", Process),
    ),
    Consignment: (
        Slot("ID", "id"),
        Slot("ConsignorSPSParty", "consignor", Party, required=True),
        Slot("ConsigneeSPSParty", "consignee", Party, required=True),
        Slot("ExportSPSCountry", "export_country", Country, required=True),
        Slot("ReExportSPSCountry", "re_export_countries", Country),
        Slot("LoadingBaseportSPSLocation", "loading_base_port", Location),
        Slot("ImportSPSCountry", "import_country", Country, required=True),
        Slot("TransitSPSCountry", "transit_countries", Country),
        Slot("UnloadingBaseportSPSLocation", "unloading_base_port", Location),
        Slot("ExaminationSPSEvent/OccurrenceSPSLocation/Name", "examination_location_name", required=True),
        Slot("MainCarriageSPSTransportMovement", "main_carriage_movements", TransportMovement),
        Slot("UtilizedSPSTransportEquipment", "transport_equipment", TransportEquipment),
        Slot(
            "IncludedSPSConsignmentItem/IncludedSPSTradeLineItem",
            "trade_line_items",
            TradeLineItem,
            required=True,
            grouped=True,
        ),
    ),
    CertificateData: (
        Slot("Name", "name", required=True),
        Slot("ID", "id", required=True),
        Slot("TypeCode", "type_code", required=True),
        Slot("StatusCode", "status_code", required=True),
        Slot("IssueDateTime", "issue_datetime", DATETIME, required=True),
        Slot("IssuerSPSParty/Name", "issuer_name"),
        Slot("IncludedSPSNote", "notes", Note),
        Slot("ReferenceSPSReferencedDocument", "referenced_documents", ReferencedDocument),
        Slot("SignatorySPSAuthentication", "signatory", Signatory, required=True),
    ),
}


def certificate_from_xml(xml: bytes) -> CertificateData:
    """What the certificate says (see ``certificate_from_tree``)."""
    return certificate_from_tree(parse_tree(xml))


def certificate_to_xml(data: CertificateData) -> bytes:
    """The certificate as SPSCertificate:17 XML, children in schema order, empty optionals omitted."""
    return tree_to_xml(certificate_to_tree(data))


def certificate_from_tree(tree: Mapping[str, Any]) -> CertificateData:
    """Structured data from a lossless tree. Reading ignores element order; where the model keeps
    one value and the document repeats the element, the first non-empty occurrence wins. Empty
    aggregates read as absent."""
    if (tree.get("ns"), tree.get("name")) != ("rsm", "SPSCertificate"):
        raise SpsError(f"the tree's root is {tree.get('ns')}:{tree.get('name')}, not rsm:SPSCertificate")
    parts = {
        child.get("name"): child for child in reversed(tree.get("children") or ()) if child.get("ns") == "rsm"
    }
    for part in ("SPSExchangedDocument", "SPSConsignment"):
        if part not in parts:
            raise SpsError(f"the SPSCertificate has no rsm:{part}")
    fields = _read_fields(CertificateData, parts["SPSExchangedDocument"])
    consignment: Consignment = _read_record(Consignment, parts["SPSConsignment"])
    return CertificateData(**fields, consignment=consignment)


def certificate_to_tree(data: CertificateData) -> Node:
    """The lossless tree of the XML ``certificate_to_xml`` writes."""
    document, consignment = _new_node("SPSExchangedDocument", "rsm"), _new_node("SPSConsignment", "rsm")
    _write_record(document, data)
    _write_record(consignment, data.consignment)
    root = _new_node("SPSCertificate", "rsm")
    root["children"] = [document, consignment]
    return root


def _new_node(name: str, ns: str = "ram", text: str | None = None) -> Node:
    return {"ns": ns, "name": name, "attrs": {}, "text": text, "children": []}


def _is_empty(value: Any, kind: str | type[Any]) -> bool:
    return value is None or value == "" or (isinstance(kind, type) and value == kind())


def _is_repeated(cls: type[Any], field_name: str) -> bool:
    return isinstance(cls.__dataclass_fields__[field_name].default, tuple)


def _write_record(node: Node, record: Any) -> None:
    for slot in SLOTS[type(record)]:
        value = getattr(record, slot.field)
        if slot.path == ".":
            _write_value(node, slot, record, value)
            continue
        values = _values_to_write(slot, record, value)
        *wrappers, leaf = slot.path.split("/")
        shared = _append_chain(node, wrappers) if slot.grouped and values else None
        for item in values:
            child = _new_node(leaf)
            parent = shared if shared is not None else _append_chain(node, wrappers)
            parent["children"].append(child)
            _write_value(child, slot, record, item)


def _values_to_write(slot: Slot, record: Any, value: Any) -> tuple[Any, ...]:
    items = value if isinstance(value, tuple) else (value,)
    present = tuple(item for item in items if not _is_empty(item, slot.kind))
    if not present and any(getattr(record, field) for _, field in slot.attrs):
        present = (None,)  # an attribute without text still needs its element
    if not present and slot.required:
        present = (slot.kind() if isinstance(slot.kind, type) else None,)
    return present


def _append_chain(node: Node, names: list[str]) -> Node:
    for name in names:
        child = _new_node(name)
        node["children"].append(child)
        node = child
    return node


def _write_value(node: Node, slot: Slot, record: Any, value: Any) -> None:
    if slot.kind == DATETIME:
        node["children"].append(_new_node("DateTimeString", "udt", value or None))
    elif isinstance(slot.kind, type):
        _write_record(node, value)
    else:
        node["text"] = value or None
        for attribute, field in slot.attrs:
            if getattr(record, field):
                node["attrs"][attribute] = getattr(record, field)


def _read_record(cls: type[Any], node: Mapping[str, Any]) -> Any:
    return cls(**_read_fields(cls, node))


def _read_fields(cls: type[Any], node: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for slot in SLOTS[cls]:
        found = [node] if slot.path == "." else _find_all(node, slot.path.split("/"))
        if _is_repeated(cls, slot.field):
            values = (_read_value(slot, match) for match in found)
            fields[slot.field] = tuple(value for value in values if value is not None)
            continue
        fields[slot.field] = None
        fields.update({field: None for _, field in slot.attrs})
        for match in found:
            attrs = {field: match.get("attrs", {}).get(attribute) or None for attribute, field in slot.attrs}
            value = _read_value(slot, match)
            if value is not None or any(attrs.values()):
                fields.update({slot.field: value, **attrs})
                break
    return fields


def _read_value(slot: Slot, node: Mapping[str, Any]) -> Any:
    if slot.kind == DATETIME:
        for child in node.get("children") or ():
            if child.get("ns") == "udt" and child.get("name") in ("DateTimeString", "DateTime"):
                return child.get("text") or None
        return node.get("text") or None
    if isinstance(slot.kind, type):
        record = _read_record(slot.kind, node)
        return None if record == slot.kind() else record
    return node.get("text") or None


def _find_all(node: Mapping[str, Any], names: list[str]) -> list[Mapping[str, Any]]:
    matches = [
        child
        for child in node.get("children") or ()
        if child.get("ns") == "ram" and child.get("name") == names[0]
    ]
    if len(names) == 1:
        return matches
    return [found for match in matches for found in _find_all(match, names[1:])]


def _to_plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _to_plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_to_plain(item) for item in value]
    return value


def _from_plain(annotation: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _from_plain(inner, data, where)
    if origin is tuple:
        if not isinstance(data, list | tuple):
            raise SpsError(f"{where}: expected a list, got {type(data).__name__}")
        item_type = typing.get_args(annotation)[0]
        return tuple(_from_plain(item_type, item, f"{where}[{i}]") for i, item in enumerate(data))
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        if not isinstance(data, Mapping):
            raise SpsError(f"{where}: expected an object, got {type(data).__name__}")
        hints = typing.get_type_hints(annotation)
        unknown = sorted(set(data) - set(hints))
        if unknown:
            raise SpsError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")
        return annotation(
            **{key: _from_plain(hints[key], value, f"{where}.{key}") for key, value in data.items()}
        )
    if annotation is str and isinstance(data, str):
        return data
    raise SpsError(
        f"{where}: expected {getattr(annotation, '__name__', annotation)}, got {type(data).__name__}"
    )
