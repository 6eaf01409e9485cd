"""The standard vocabularies of the GS1 Core Business Vocabulary (CBV) 2.0 and their three spellings.

CBV 2.0 (ratified June 2022, ISO/IEC 19988) defines the standard values of the EPCIS 2.0 fields
``bizStep``, ``disposition`` (and ``persistentDisposition``), ``bizTransactionList[].type``,
``sourceList[].type`` / ``destinationList[].type`` and ``errorDeclaration.reason``. Every standard
value has three spellings that mean the same thing:

=========================  =============================  ==========================================
kind                       URN (CBV "URN" form)           GS1 Web URI (CBV 2.0 "Web URI" form)
=========================  =============================  ==========================================
``bizStep``                ``urn:epcglobal:cbv:bizstep:``  ``https://ref.gs1.org/cbv/BizStep-``
``disposition``            ``urn:epcglobal:cbv:disp:``     ``https://ref.gs1.org/cbv/Disp-``
``bizTransactionType``     ``urn:epcglobal:cbv:btt:``      ``https://ref.gs1.org/cbv/BTT-``
``sourceDestType``         ``urn:epcglobal:cbv:sdt:``      ``https://ref.gs1.org/cbv/SDT-``
``errorReason``            ``urn:epcglobal:cbv:er:``       ``https://ref.gs1.org/cbv/ER-``
=========================  =============================  ==========================================

plus the bare word (``shipping``) that the EPCIS 2.0 JSON/JSON-LD binding uses through its
``@context``. This module stores the bare word and renders the two URI forms back for the
``GS1-CBV-XML-Format`` header (``Always_URN`` → :func:`to_urn`, ``Always_Web_URI`` →
:func:`to_web_uri`; ``No_Preference`` / ``Never_Translates`` are the caller's choice of form).

Extension values. CBV 2.0 ("Use of URIs"; "User vocabularies") lets a trading community use its
own values, written as absolute URIs *outside* the CBV namespaces (``https://example.com/my-step``,
``urn:example:step:x``). They are returned unchanged. A value *inside* the CBV namespaces
(``urn:epcglobal:cbv:…``, ``http(s)://ref.gs1.org/cbv/…``) must be a standard value of the right
vocabulary, so ``urn:epcglobal:cbv:bizstep:transforming`` is refused, as is a bare word that CBV
does not define (``transforming``): EPCIS 2.0 has no bare-word extension values.

Contract details:

* Standard words are case-sensitive (``Shipping`` is refused). Per RFC 8141 the ``urn:`` prefix and
  the namespace identifier ``epcglobal`` are case-insensitive, and per RFC 3986 §6.2.2.1 so are the
  scheme and host of the Web URI; both are accepted in any case.
* ``http://ref.gs1.org/cbv/…`` is refused: CBV 2.0 Web URIs use ``https``.
* A compact IRI (CURIE) such as ``ext1:summarising_discharge`` or ``cbv:my_own_party`` looks like an
  absolute URI with scheme ``ext1`` / ``cbv`` and is returned unchanged: expanding prefixes against
  the document's JSON-LD ``@context`` is the parser's job, not this module's.
* Sensor measurement types (CBV 2.0 "Sensor measurement types", 72 values) are not covered here.

The sections quoted in docstrings are CBV 2.0 section titles; numbers are not given because they
differ between CBV 1.2 and 2.0 and were not checked against the ratified PDF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: CBV 2.0 "Business steps" (41 values). ``sampling``, ``sensor_reporting`` and ``unpacking`` are
#: among the 2.0 additions.
BUSINESS_STEPS: Final[frozenset[str]] = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    }
)

#: CBV 2.0 "Dispositions" (33 values), also the values of ``persistentDisposition.set/unset``.
DISPOSITIONS: Final[frozenset[str]] = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)

#: CBV 2.0 "Business transaction types" (13 values; ``cert``, a certificate such as a veterinary
#: health certificate, is new in 2.0).
BIZ_TRANSACTION_TYPES: Final[frozenset[str]] = frozenset(
    {
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    }
)

#: CBV 2.0 "Source/destination types" (3 values).
SOURCE_DEST_TYPES: Final[frozenset[str]] = frozenset({"owning_party", "possessing_party", "location"})

#: CBV 2.0 "Error reason identifiers" (2 values), for ``errorDeclaration.reason``.
ERROR_REASONS: Final[frozenset[str]] = frozenset({"did_not_occur", "incorrect_data"})

#: The vocabularies by kind, the name of the EPCIS field family they serve.
VOCABULARIES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "bizStep": BUSINESS_STEPS,
        "disposition": DISPOSITIONS,
        "bizTransactionType": BIZ_TRANSACTION_TYPES,
        "sourceDestType": SOURCE_DEST_TYPES,
        "errorReason": ERROR_REASONS,
    }
)

#: The kinds accepted by :func:`normalise`, :func:`to_urn` and :func:`to_web_uri`.
KINDS: Final[tuple[str, ...]] = tuple(VOCABULARIES)

CBV_URN_NAMESPACE: Final = "urn:epcglobal:cbv:"
CBV_WEB_NAMESPACE: Final = "https://ref.gs1.org/cbv/"

# kind -> (URN prefix, Web URI prefix)
_PREFIXES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "bizStep": (CBV_URN_NAMESPACE + "bizstep:", CBV_WEB_NAMESPACE + "BizStep-"),
        "disposition": (CBV_URN_NAMESPACE + "disp:", CBV_WEB_NAMESPACE + "Disp-"),
        "bizTransactionType": (CBV_URN_NAMESPACE + "btt:", CBV_WEB_NAMESPACE + "BTT-"),
        "sourceDestType": (CBV_URN_NAMESPACE + "sdt:", CBV_WEB_NAMESPACE + "SDT-"),
        "errorReason": (CBV_URN_NAMESPACE + "er:", CBV_WEB_NAMESPACE + "ER-"),
    }
)

# RFC 3986 scheme followed by at least one character and no white space.
_ABSOLUTE_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+")
# The case-insensitive parts of the two CBV namespaces (RFC 8141 / RFC 3986), and the http variant.
_URN_HEAD: Final = re.compile(r"urn:epcglobal:", re.IGNORECASE)
_WEB_HEAD: Final = re.compile(r"https://ref\.gs1\.org/", re.IGNORECASE)
_HTTP_CBV: Final = re.compile(r"http://ref\.gs1\.org/cbv/", re.IGNORECASE)

_KIND_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "bizStep": "business step",
        "disposition": "disposition",
        "bizTransactionType": "business transaction type",
        "sourceDestType": "source/destination type",
        "errorReason": "error reason",
    }
)


class UnknownVocabulary(ValueError):
    """A value that claims to be a CBV 2.0 standard value of ``kind`` but is not one.

    Raised for a bare word outside the vocabulary and for any URN or Web URI in the CBV namespaces
    that is not a value of ``kind`` (a wrong word, or a value of another vocabulary).
    """

    def __init__(self, kind: str, value: str) -> None:
        super().__init__(
            f"{kind} {value!r} is not a CBV 2.0 {_KIND_NAMES.get(kind, kind)}: use a standard CBV value "
            "(bare word, urn:epcglobal:cbv:… URN or https://ref.gs1.org/cbv/… Web URI) or an extension "
            "value written as an absolute URI outside the CBV namespaces"
        )
        self.kind, self.value = kind, value


def _vocabulary(kind: str) -> frozenset[str]:
    try:
        return VOCABULARIES[kind]
    except KeyError:
        raise ValueError(
            f"unknown CBV vocabulary kind {kind!r}; expected one of {', '.join(KINDS)}"
        ) from None


def _canonical_case(value: str) -> str:
    """Lower-case the case-insensitive head of a CBV URN or Web URI; leave the rest as written."""
    for head in (_URN_HEAD, _WEB_HEAD):
        match = head.match(value)
        if match:
            return match.group(0).lower() + value[match.end() :]
    return value


def normalise(kind: str, value: str) -> str:
    """Return the bare CBV 2.0 word for ``value`` in any of its three spellings.

    ``kind`` is one of :data:`KINDS`. Extension values (absolute URIs outside the CBV namespaces)
    come back unchanged. Raises :class:`UnknownVocabulary` for a bare word or CBV-namespace URI that
    is not a standard value of ``kind``, and ``ValueError`` for an unknown ``kind``.
    """
    words = _vocabulary(kind)
    if value in words:
        return value
    candidate = _canonical_case(value)
    if candidate.startswith((CBV_URN_NAMESPACE, CBV_WEB_NAMESPACE)):
        for prefix in _PREFIXES[kind]:
            if candidate.startswith(prefix) and candidate[len(prefix) :] in words:
                return candidate[len(prefix) :]
        raise UnknownVocabulary(kind, value)
    if _HTTP_CBV.match(value) or not _ABSOLUTE_URI.fullmatch(value):
        raise UnknownVocabulary(kind, value)
    return value


def is_extension(kind: str, value: str) -> bool:
    """True when ``value`` is an accepted user-defined (non-CBV) value of ``kind``.

    Raises like :func:`normalise` when the value is neither a standard nor an extension value.
    """
    return normalise(kind, value) not in _vocabulary(kind)


def to_urn(kind: str, value: str) -> str:
    """Render ``value`` (any spelling) as a CBV URN, e.g. ``urn:epcglobal:cbv:bizstep:shipping``.

    The ``Always_URN`` form of the ``GS1-CBV-XML-Format`` header. Extension values have no other
    spelling and come back unchanged.
    """
    word = normalise(kind, value)
    return _PREFIXES[kind][0] + word if word in VOCABULARIES[kind] else word


def to_web_uri(kind: str, value: str) -> str:
    """Render ``value`` (any spelling) as a GS1 Web URI, e.g. ``https://ref.gs1.org/cbv/BizStep-shipping``.

    The ``Always_Web_URI`` form of the ``GS1-CBV-XML-Format`` header. Extension values have no
    other spelling and come back unchanged.
    """
    word = normalise(kind, value)
    return _PREFIXES[kind][1] + word if word in VOCABULARIES[kind] else word
