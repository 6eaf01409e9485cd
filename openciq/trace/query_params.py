"""EPCIS 2.0 SimpleEventQuery parameters, read by grammar into a typed query description.

Who calls this
    The REST query resources (``GET /events`` and the other ``…/events`` resources: query-string
    parameters, :func:`parse_query`) and the named-query resource (``POST /queries``: a JSON body,
    :func:`parse_query_document`). Both end in one :class:`EventQuery` that the selector layer
    translates into SQL; nothing here touches the database. Subscriptions use
    :func:`parse_schedule`; pagination uses :func:`encode_page_token` / :func:`decode_page_token`.

Why a grammar and not GS1's JSON schemas
    The query schema's patterns for extension-field parameters are over-escaped and reject valid
    names such as ``EQ_ILMD_example:lot``; the schedule schema uses ``\\g<name>`` subexpression calls
    and ``[0-59]`` classes no Python or ECMAScript engine runs (traceability brief, G3 and G4). So
    every parameter name and value is checked here, in code, and every refusal names the parameter.

Facts taken from the standard (EPCIS SimpleEventQuery and QuerySchedule, the 2.0 REST binding /
OpenAPI 2.0.x; section numbers not checked against the ratified PDF)
    * In a query string, the items of a list are separated by ``|`` (the OpenAPI example is
      ``EQ_bizStep=shipping%7Cdecommissioning``). A comma is *not* a separator: GS1 character set 82
      allows it inside serial numbers and lots.
    * An unrecognised parameter, a value of the wrong type or out of range, ``eventCountLimit``
      together with ``maxEventCount``, ``eventCountLimit`` without ``orderBy``, a bad ``EQ_action``
      or ``orderDirection`` are each a ``QueryParameterException`` (HTTP 400). A result larger than
      ``maxEventCount`` is a ``QueryTooLargeException`` (413), raised by the caller through
      :meth:`EventQuery.check_size`. ``orderDirection`` defaults to ``DESC``.
    * Times are RFC 3339 date-times with a UTC offset (``Z`` or ``±hh:mm``); a time without one is
      refused, naming the parameter, rather than read in some server zone.
    * CBV values (``EQ_bizStep``, ``EQ_disposition``, ``EQ_persistentDisposition_set/_unset``,
      ``EQ_errorReason``, the ``{type}`` of ``EQ_bizTransaction_{type}`` / ``EQ_source_{type}`` /
      ``EQ_destination_{type}``) are accepted in all three spellings and stored as
      :func:`openciq.trace.cbv.normalise` returns them (the bare word, or the extension URI).
    * Identifiers (read points, business locations, transaction / source / destination IDs,
      transformation IDs, ``MATCH_`` values, sensor ``deviceID``) are stored in the canonical form
      of :func:`openciq.trace.epc.normalise`: a GS1 Digital Link for GS1 keys, other URIs unchanged.
      Event IDs (``EQ_eventID``, ``EQ_correctiveEventID``) are kept as given: they name events, not
      things, and an ``https://…/01/…`` event URI must not be read as a GTIN.
    * A schedule field is ``Element ("," Element)*`` with ``Element = Number | "[" Number "-"
      Number "]"``; a value outside the grammar or the field's range, or a backwards range, is a
      ``SubscriptionControlsException``. An omitted field matches every value.

Decisions beyond the text of the standard (documented for integrators)
    * Repeating a list-valued parameter (``EQ_bizStep=a&EQ_bizStep=b``, what an OpenAPI client
      sends for an exploded array) adds to the list; repeating a single-valued one is refused.
    * A ``+`` in a time's offset that form decoding turned into a space (``…T10:00:00 08:00``) is
      read back as ``+``; nothing else could be meant.
    * ``perPage`` above the server maximum is lowered to it (the OpenAPI lets a server return fewer
      events than asked); ``perPage`` below 1 is refused.
    * Only the five EPCIS 2.0 event types are accepted in ``eventType``: the repository stores no
      extension event types.
    * Schedules also accept the cron forms ``*``, ``a-b`` and ``…/step`` (GS1's own OpenAPI example
      is ``"second": "0/30"``), and refuse an empty schedule (it would run every second) and a day
      that never comes (``dayOfMonth=31`` in ``month=4``).
    * The same business-transaction / source / destination type named twice in two spellings
      (``EQ_bizTransaction_po`` and ``EQ_bizTransaction_urn:epcglobal:cbv:btt:po``) is refused:
      the standard would AND the two conditions, which the description does not model.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, TypeAlias
from urllib.parse import unquote

from openciq.trace import cbv, epc
from openciq.trace.problems import Issue, pointer

__all__ = [
    "ACTIONS",
    "EVENT_TYPES",
    "AttributeCondition",
    "EpcPattern",
    "EpcisQueryError",
    "EventQuery",
    "FieldCondition",
    "ImplementationException",
    "InvalidPageToken",
    "NoSuchNameException",
    "PagePosition",
    "QuantityCondition",
    "QueryParameterException",
    "QueryTooComplexException",
    "QueryTooLargeException",
    "QueryValidationException",
    "Schedule",
    "SecurityException",
    "SensorCondition",
    "SubscriptionControlsException",
    "URITooLongException",
    "ValidationException",
    "decode_page_token",
    "encode_page_token",
    "parse_query",
    "parse_query_document",
    "parse_schedule",
    "parse_time",
]

EVENT_TYPES: Final = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ACTIONS: Final = ("ADD", "OBSERVE", "DELETE")


# --- the standard's exceptions --------------------------------------------------------------------


class EpcisQueryError(Exception):
    """An exception of the EPCIS query interface, answered as an RFC 7807 problem.

    ``type`` is the standard's exception name; the REST binding writes it as the problem ``type``
    ``epcisException:<name>``. ``status`` is the HTTP status the OpenAPI gives it. ``parameter``
    names the query parameter or subscription field at fault, when there is one.
    """

    type: ClassVar[str] = "ImplementationException"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "A server-side error occurred"

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        self.message = message
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}" if parameter else message)

    def problem(self, instance: str | None = None) -> dict[str, object]:
        """The RFC 7807 body; ``parameter`` is an extension member naming the field at fault."""
        body: dict[str, object] = {
            "type": f"epcisException:{self.type}",
            "title": self.title,
            "status": self.status,
            "detail": str(self),
        }
        if self.parameter:
            body["parameter"] = self.parameter
        if instance:
            body["instance"] = instance
        return body

    def issue(self) -> Issue:
        """The same finding as a :class:`~openciq.trace.problems.Issue` (path = the parameter)."""
        return Issue(pointer(self.parameter) if self.parameter else "", self.message, rule=self.type)


class QueryParameterException(EpcisQueryError, ValueError):
    """A query parameter that is unknown, repeated, of the wrong type or out of range."""

    type = "QueryParameterException"
    status = 400
    title = "Invalid query parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)
        self.parameter: str = parameter


class InvalidPageToken(QueryParameterException):
    """A ``nextPageToken`` this repository did not issue, issued for another query, or expired."""

    def __init__(self, message: str) -> None:
        super().__init__("nextPageToken", message)


class QueryValidationException(EpcisQueryError, ValueError):
    """A query that is well-formed parameter by parameter but invalid as a whole."""

    type = "QueryValidationException"
    status = 400
    title = "Invalid query"


class ValidationException(EpcisQueryError, ValueError):
    """A request body that does not validate (e.g. a named-query body of the wrong shape)."""

    type = "ValidationException"
    status = 400
    title = "Validation error"


class SubscriptionControlsException(EpcisQueryError, ValueError):
    """Invalid subscription controls, e.g. a schedule field out of range; names the field."""

    type = "SubscriptionControlsException"
    status = 400
    title = "Invalid subscription controls"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)
        self.parameter: str = parameter


class QueryTooLargeException(EpcisQueryError):
    """The result would exceed ``maxEventCount`` (or a limit of the repository)."""

    type = "QueryTooLargeException"
    status = 413
    title = "Query result too large"


class QueryTooComplexException(EpcisQueryError):
    """The repository refuses to run the query as asked (too costly)."""

    type = "QueryTooComplexException"
    status = 413
    title = "Query too complex"


class URITooLongException(EpcisQueryError):
    """The request URL is too long; the client should use a named query."""

    type = "URITooLongException"
    status = 414
    title = "URI too long"


class NoSuchNameException(EpcisQueryError, LookupError):
    """A named query, subscription or event that does not exist (or is out of the caller's scope)."""

    type = "NoSuchNameException"
    status = 404
    title = "Resource not found"


class SecurityException(EpcisQueryError):
    """The caller may not run this query or see this resource."""

    type = "SecurityException"
    status = 403
    title = "Access to resource forbidden"


class ImplementationException(EpcisQueryError):
    """A failure of the repository itself."""


# --- values --------------------------------------------------------------------------------------

FieldValue: TypeAlias = str | Decimal | dt.datetime

_DATE_TIME = r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
_TIME = re.compile(_DATE_TIME + r"(?:(?P<zulu>[Zz])|(?P<sign>[+\- ])(?P<oh>\d{2}):(?P<om>\d{2}))")
_TIME_WITHOUT_OFFSET = re.compile(_DATE_TIME)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_NCNAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
# An extension field: a compact name ``prefix:local`` (prefix declared in GS1-Extensions or the
# @context) or the EPCIS 1.x form ``namespaceURI#local``.
_FIELD_NAME = rf"(?:{_NCNAME}:{_NCNAME}|[A-Za-z][A-Za-z0-9+.\-]*:[^\s#|]*#{_NCNAME})"
_FIELD = re.compile(_FIELD_NAME)


def parse_time(parameter: str, text: str) -> dt.datetime:
    """An RFC 3339 date-time with a UTC offset, as an aware datetime (fractions beyond microseconds
    are cut). Raises :class:`QueryParameterException` naming ``parameter`` otherwise."""
    value = text.strip()
    m = _TIME.fullmatch(value)
    if m is None:
        if _TIME_WITHOUT_OFFSET.fullmatch(value):
            raise QueryParameterException(
                parameter, f"{text!r} has no UTC offset; add Z or ±hh:mm (RFC 3339)."
            )
        raise QueryParameterException(
            parameter, f"{text!r} is not an RFC 3339 date-time such as 2026-03-15T08:00:00+08:00."
        )
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = dt.UTC
    if m.group("sign"):
        oh, om = int(m.group("oh")), int(m.group("om"))
        if oh > 23 or om > 59:
            raise QueryParameterException(parameter, f"{text!r} has an invalid UTC offset.")
        offset = dt.timedelta(hours=oh, minutes=om) * (-1 if m.group("sign") == "-" else 1)
        zone = dt.timezone(offset) if offset else dt.UTC
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError as exc:
        raise QueryParameterException(parameter, f"{text!r} is not a valid date-time ({exc}).") from None


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _number(parameter: str, text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise QueryParameterException(parameter, f"{text!r} is not a number.")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only admits valid decimals
        raise QueryParameterException(parameter, f"{text!r} is not a number.") from None


def _comparable(parameter: str, text: str) -> Decimal | dt.datetime:
    """The value of a GT_/GE_/LT_/LE_ extension-field condition: a number or a date-time."""
    if _NUMBER.fullmatch(text):
        return _number(parameter, text)
    if _TIME_WITHOUT_OFFSET.match(text.strip()):
        return parse_time(parameter, text)
    raise QueryParameterException(
        parameter, f"{text!r} is neither a number nor an RFC 3339 date-time with offset."
    )


def _identifier(parameter: str, value: str) -> str:
    try:
        return epc.normalise(value)
    except epc.InvalidEpc as exc:
        raise QueryParameterException(parameter, f"{value!r}: {exc.message}") from None


def _uri(parameter: str, value: str) -> str:
    if not _ABSOLUTE_URI.fullmatch(value):
        raise QueryParameterException(parameter, f"{value!r} is not an absolute URI.")
    return value


def _verbatim(parameter: str, value: str) -> str:
    return value


def _hex(parameter: str, value: str) -> str:
    if not _HEX.fullmatch(value):
        raise QueryParameterException(parameter, f"{value!r} is not hexBinary (pairs of hex digits).")
    return value.upper()


def _cbv(kind: str) -> Callable[[str, str], str]:
    def normalise(parameter: str, value: str) -> str:
        try:
            return cbv.normalise(kind, value)
        except cbv.UnknownVocabulary as exc:
            raise QueryParameterException(parameter, str(exc)) from None

    return normalise


def _one_of(choices: tuple[str, ...], what: str) -> Callable[[str, str], str]:
    def check(parameter: str, value: str) -> str:
        if value not in choices:
            raise QueryParameterException(
                parameter, f"{value!r} is not {what}; expected one of {', '.join(choices)}."
            )
        return value

    return check


# --- given values (query string or JSON) ---------------------------------------------------------


@dataclass(frozen=True)
class _Given:
    """One parameter as received: the query-string occurrences, or the one decoded JSON value."""

    name: str
    values: tuple[object, ...]
    rest: bool


def _scalar(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)
    raise QueryParameterException(name, f"{value!r} must be a string or a number.")


def _items(g: _Given) -> list[str]:
    """A list-valued parameter: ``|``-separated in a query string, an array (or one value) in JSON."""
    raw: list[str] = []
    if g.rest:
        for occurrence in g.values:
            raw.extend(str(occurrence).split("|"))
    else:
        value = g.values[0]
        raw.extend(_scalar(g.name, item) for item in (value if isinstance(value, list) else [value]))
    items = [item.strip() for item in raw]
    if not items or "" in items:
        raise QueryParameterException(g.name, "has an empty value.")
    return items


def _one(g: _Given) -> str:
    """A single-valued parameter."""
    if g.rest and len(g.values) != 1:
        raise QueryParameterException(g.name, "is given more than once.")
    text = _scalar(g.name, g.values[0]).strip()
    if not text:
        raise QueryParameterException(g.name, "has an empty value.")
    return text


def _void(g: _Given) -> None:
    """An EXISTS_ parameter: no value (empty, ``true``, JSON null or true)."""
    for value in g.values:
        if (
            value is None
            or value is True
            or (isinstance(value, str) and value.strip().lower() in ("", "true"))
        ):
            continue
        raise QueryParameterException(g.name, f"takes no value (got {value!r}).")


def _bool(g: _Given) -> bool:
    if not g.rest and isinstance(g.values[0], bool):
        return g.values[0]
    text = _one(g).lower()
    if text not in ("true", "false"):
        raise QueryParameterException(g.name, f"{text!r} is not true or false.")
    return text == "true"


def _positive_int(g: _Given) -> int:
    text = _one(g)
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise QueryParameterException(g.name, f"{text!r} is not a positive integer.")
    return int(text)


# --- EPC patterns --------------------------------------------------------------------------------

PatternContext: TypeAlias = Literal["instance", "class"]

# GS1 schemes translated to Digital Link by epc.py: scheme -> (URN components, primary AI).
_GS1_SCHEMES: Final[Mapping[str, tuple[int, str]]] = MappingProxyType(
    {
        "sgtin": (3, "01"),
        "sscc": (2, "00"),
        "sgln": (3, "414"),
        "grai": (3, "8003"),
        "giai": (2, "8004"),
        "pgln": (2, "417"),
        "gdti": (3, "253"),
        "gsrn": (2, "8018"),
        "gsrnp": (2, "8017"),
        "gsin": (2, "402"),
        "ginc": (2, "401"),
        "cpi": (3, "8010"),
        "sgcn": (3, "255"),
    }
)
# EPC schemes that epc.py keeps as URNs: scheme -> URN components.
_URN_SCHEMES: Final[Mapping[str, int]] = MappingProxyType(
    {"gid": 3, "usdod": 2, "adi": 3, "bic": 1, "imovn": 1, "itip": 5, "upui": 3}
)
_IDPAT = re.compile(r"urn:epc:idpat:([A-Za-z0-9]+):(.+)", re.IGNORECASE)


@dataclass(frozen=True)
class EpcPattern:
    """One value of a ``MATCH_`` parameter, said the way the SQL layer can use it.

    Stored identifiers are compared in the canonical form of :func:`openciq.trace.epc.normalise`
    (``https://id.gs1.org/01/10614141073464/21/2017`` for ``urn:epc:id:sgtin:0614141.107346.2017``).

    Contract for the SQL layer:

    * ``fallback`` is False: a stored value matches if it equals ``exact`` (when set) **or** starts
      with one of ``prefixes`` (``value = :exact OR value LIKE :prefix || '%' ...``). This is exact.
    * ``fallback`` is True: that same condition is only a necessary one (a superset; with no
      ``exact`` and no ``prefixes`` nothing narrows). Select the candidates with it, then keep those
      for which :meth:`match` is true.

    :meth:`match` always gives the answer, so stream subscriptions can test captured events with it.
    Canonical values may contain ``%`` (percent-escapes) and ``_``: a hand-written ``LIKE`` must
    escape them (Django's ``__startswith`` does).

    What each value becomes (``instance`` context = ``MATCH_epc``, ``_parentID``, ``_inputEPC``,
    ``_outputEPC``, ``_anyEPC``; ``class`` context = the four ``…EPCClass`` parameters):

    * an EPC URN, Digital Link or other URI → ``exact`` (its canonical form);
    * ``urn:epc:idpat:sgtin:CP.IR.*`` (or the GTIN-only Digital Link ``…/01/{gtin}``) → instance:
      prefix ``…/01/{gtin}/21/`` (every SGTIN of the GTIN); class: ``exact`` ``…/01/{gtin}`` plus
      prefix ``…/01/{gtin}/10/`` (the GTIN class and every LGTIN of it);
    * other patterns with trailing ``*`` (``sscc:CP.*``, ``sgln:CP.LR.*``, ``grai:CP.*.*`` …) →
      prefixes on the canonical key. GS1 Company Prefixes are allocated prefix-free, so a digit
      prefix names one company. ``sscc:CP.*`` and ``sgtin:CP.*.*`` need ten prefixes, one per
      extension / indicator digit (the first digit of the key); ``sgtin:CP.*.*`` and
      ``sgtin:*.*.*`` are fallbacks, as their prefixes also catch classes (instance) or instances
      (class);
    * a ``*`` before a fixed component (``sgtin:*.107346.*``, ``sgtin:0614141.*.2017``) is not
      allowed by the Tag Data Standard's pattern grammar; it is accepted as a best-effort fallback;
    * in class context, ``idpat`` patterns of schemes other than sgtin (``urn:epc:idpat:grai:…``,
      how a GRAI asset type is written as a class) are compared as strings: ``exact``.

    A Digital Link that carries a lot next to the serial (``…/01/G/10/L/21/S``) keeps the lot in
    its canonical form, so the exact SGTIN and the ``CP.IR.*`` prefix do not reach it.
    """

    context: PatternContext
    exact: str | None = None
    prefixes: tuple[str, ...] = ()
    fallback: bool = False
    #: For fallback patterns: the scheme and the dot-separated components (``*`` = any).
    scheme: str | None = None
    components: tuple[str, ...] = ()
    #: The canonical spelling written back by :meth:`EventQuery.to_parameters`.
    spelling: str = field(default="", compare=False)
    #: The value as given.
    text: str = field(default="", compare=False)

    @property
    def prefix(self) -> str | None:
        """The prefix when there is exactly one."""
        return self.prefixes[0] if len(self.prefixes) == 1 else None

    @classmethod
    def parse(
        cls, value: str, *, context: PatternContext = "instance", parameter: str = "MATCH_epc"
    ) -> EpcPattern:
        """Read one ``MATCH_`` value; raises :class:`QueryParameterException` naming ``parameter``."""
        text = value.strip()
        m = _IDPAT.fullmatch(text)
        if m is None:
            return cls._from_identifier(text, context, parameter)
        scheme, body = m.group(1).lower(), m.group(2)
        components = tuple(body.split("."))
        _check_shape(parameter, text, scheme, components)
        spelling = f"urn:epc:idpat:{scheme}:{body}"
        if context == "class" and scheme != "sgtin":
            return cls(context, exact=spelling, spelling=spelling, text=text)
        fixed = components.index("*") if "*" in components else len(components)
        if fixed == len(components):
            exact = _identifier(parameter, f"urn:epc:id:{scheme}:{body}")
            return cls(context, exact=exact, spelling=exact, text=text)
        exact_, prefixes, loose = _envelope(parameter, scheme, components[:fixed], context)
        if not loose and all(c == "*" for c in components[fixed:]):
            return cls(context, exact=exact_, prefixes=prefixes, spelling=spelling, text=text)
        return cls(context, exact_, prefixes, True, scheme, components, spelling=spelling, text=text)

    @classmethod
    def _from_identifier(cls, text: str, context: PatternContext, parameter: str) -> EpcPattern:
        canonical = _identifier(parameter, text)
        if epc.kind(canonical) == "gtin":
            if context == "class":
                return cls(context, canonical, (canonical + "/10/",), spelling=canonical, text=text)
            return cls(context, prefixes=(canonical + "/21/",), spelling=canonical, text=text)
        return cls(context, exact=canonical, spelling=canonical, text=text)

    def match(self, canonical: str) -> bool:
        """True when the stored identifier ``canonical`` (canonical form) matches this pattern."""
        hit = canonical == self.exact or canonical.startswith(self.prefixes)
        if not self.fallback:
            return hit
        if (self.exact is not None or self.prefixes) and not hit:
            return False
        return self._components_match(canonical)

    def _components_match(self, canonical: str) -> bool:
        scheme = self.scheme or ""
        if scheme in _URN_SCHEMES:
            head = f"urn:epc:id:{scheme}:"
            return canonical.lower().startswith(head) and _same(
                canonical[len(head) :].split("."), self.components
            )
        try:
            kind = epc.kind(canonical)
        except epc.InvalidEpc:
            return False
        wanted = {"sgtin"} if self.context == "instance" else {"gtin", "lgtin"}
        if kind not in (wanted if scheme == "sgtin" else {scheme}):
            return False
        lengths = [len(self.components[0])] if self.components[0] != "*" else range(6, 13)
        for length in lengths:
            try:
                urn = epc.to_urn(canonical, company_prefix_length=length)
            except epc.InvalidEpc:
                continue
            if _same(urn.split(":", 4)[4].split("."), self.components):
                return True
        return False


def _same(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    return len(parts) == len(pattern) and all(
        p == "*" or unquote(p) == unquote(v) for v, p in zip(parts, pattern, strict=True)
    )


def _check_shape(parameter: str, text: str, scheme: str, components: tuple[str, ...]) -> None:
    expected = _GS1_SCHEMES[scheme][0] if scheme in _GS1_SCHEMES else _URN_SCHEMES.get(scheme)
    if expected is None:
        raise QueryParameterException(parameter, f"{text!r} has an unknown EPC pattern scheme {scheme!r}.")
    if len(components) != expected:
        raise QueryParameterException(
            parameter, f"{text!r} must have {expected} dot-separated components, not {len(components)}."
        )
    for component in components:
        if not component or ("*" in component and component != "*"):
            raise QueryParameterException(
                parameter, f"{text!r}: each component is a value or a lone '*', not {component!r}."
            )


def _translate(parameter: str, urn: str) -> str:
    try:
        return epc.to_digital_link(urn)
    except epc.InvalidEpc as exc:
        raise QueryParameterException(parameter, f"{urn!r}: {exc.message}") from None


def _envelope(
    parameter: str, scheme: str, fixed: tuple[str, ...], context: PatternContext
) -> tuple[str | None, tuple[str, ...], bool]:
    """``(exact, prefixes, loose)`` for a pattern whose components after ``fixed`` are all ``*``;
    ``loose`` when the prefixes also catch values of another kind (instances vs classes)."""
    if scheme in _URN_SCHEMES:
        return None, (f"urn:epc:id:{scheme}:" + "".join(c + "." for c in fixed),), False
    base = f"{epc.DIGITAL_LINK_HOST}/{_GS1_SCHEMES[scheme][1]}/"
    if not fixed:
        return None, (base,), scheme == "sgtin"
    cp = fixed[0]
    if not (cp.isascii() and cp.isdigit() and 6 <= len(cp) <= 12):
        raise QueryParameterException(parameter, f"The company prefix {cp!r} must have 6 to 12 digits.")
    if len(fixed) == 1:
        if scheme in ("sgtin", "sscc"):  # the key starts with an indicator / extension digit
            return None, tuple(f"{base}{digit}{cp}" for digit in "0123456789"), scheme == "sgtin"
        return None, (f"{base}{'0' if scheme == 'grai' else ''}{cp}",), False
    if scheme == "sgtin":
        gtin = _translate(parameter, f"urn:epc:idpat:sgtin:{cp}.{fixed[1]}.*")
        if context == "class":
            return gtin, (gtin + "/10/",), False
        return None, (gtin + "/21/",), False
    # three-component keys with the last component open: render with serial "0", cut it off
    link = _translate(parameter, f"urn:epc:id:{scheme}:{cp}.{fixed[1]}.0")
    return None, (link if scheme == "sgln" else link[:-1],), False


# --- conditions ----------------------------------------------------------------------------------

Comparison: TypeAlias = Literal["EQ", "GT", "GE", "LT", "LE", "EXISTS"]
_COMPARISONS: Final[Mapping[str, Comparison]] = MappingProxyType(
    {"EQ": "EQ", "GT": "GT", "GE": "GE", "LT": "LT", "LE": "LE", "EXISTS": "EXISTS"}
)


@dataclass(frozen=True)
class QuantityCondition:
    """``EQ_/GT_/GE_/LT_/LE_quantity[_{uom}]``: a quantity element of the event (any quantity list)
    whose quantity compares to the value(s); ``uom`` restricts to that UN/ECE Rec 20 unit. ``EQ``
    may carry several values (any of them)."""

    op: Comparison
    values: tuple[Decimal, ...]
    uom: str | None = None

    @property
    def parameter(self) -> str:
        return f"{self.op}_quantity" + (f"_{self.uom}" if self.uom else "")


@dataclass(frozen=True)
class FieldCondition:
    """An extension-field condition ``{op}_{scope}{field}``, kept generic for the translator.

    ``scope``: ``EVENT`` (top-level extension field), ``INNER`` (nested anywhere inside one),
    ``ILMD`` / ``INNER_ILMD``, ``SENSORELEMENT``, ``SENSORMETADATA``, ``SENSORREPORT`` (and their
    ``INNER_`` forms), ``ERROR_DECLARATION`` / ``INNER_ERROR_DECLARATION``, ``readPoint``,
    ``bizLocation``. ``field`` is ``prefix:local`` (prefix to be resolved against GS1-Extensions or
    the @context) or ``namespaceURI#local``. ``values``: strings for ``EQ`` (any of them), one
    number or date-time for ``GT/GE/LT/LE``, none for ``EXISTS``.
    """

    scope: str
    op: Comparison
    field: str
    values: tuple[FieldValue, ...]

    @property
    def parameter(self) -> str:
        scope = "" if self.scope == "EVENT" else f"{self.scope}_"
        return f"{self.op}_{scope}{self.field}"


@dataclass(frozen=True)
class SensorCondition:
    """A sensor-data condition (EPCIS 2.0): ``field`` is a sensorMetadata / sensorReport member
    (``time``, ``startTime``, ``endTime``, ``type``, ``deviceID``, ``value``, ``minValue`` …,
    ``percRank``) or ``sensorElementList`` for ``EXISTS_sensorElementList``; ``uom`` for the
    ``{op}_{value|minValue|maxValue|meanValue|sDev|percValue}_{uom}`` family."""

    field: str
    op: Comparison
    values: tuple[FieldValue | bool, ...]
    uom: str | None = None

    @property
    def parameter(self) -> str:
        return f"{self.op}_{self.field}" + (f"_{self.uom}" if self.uom else "")


@dataclass(frozen=True)
class AttributeCondition:
    """``EQATTR_{field}_{attribute}`` (master data of the field's value has the attribute with one of
    ``values``) or, with ``attribute`` None, ``HASATTR_{field}`` (has any attribute named in
    ``values``)."""

    field: str
    attribute: str | None
    values: tuple[str, ...]

    @property
    def parameter(self) -> str:
        return f"EQATTR_{self.field}_{self.attribute}" if self.attribute else f"HASATTR_{self.field}"


# --- the query -----------------------------------------------------------------------------------

SortValue: TypeAlias = dt.datetime | str | int | float | Decimal | None


def _empty_map() -> Mapping[str, frozenset[str]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class EventQuery:
    """A SimpleEventQuery, parsed and normalised. Every condition is ANDed; the values inside one
    condition are ORed. Empty fields mean "no condition".

    ``biz_transactions`` / ``sources`` / ``destinations`` map a (normalised) type to the accepted
    identifiers. ``read_points_wd`` / ``biz_locations_wd`` are ``WD_`` values: the location and its
    descendants in the master-data hierarchy. ``order_direction`` is the standard's default
    ``DESC`` when not given (it only matters with ``order_by``).
    """

    event_types: frozenset[str] = frozenset()
    ge_event_time: dt.datetime | None = None
    lt_event_time: dt.datetime | None = None
    ge_record_time: dt.datetime | None = None
    lt_record_time: dt.datetime | None = None
    actions: frozenset[str] = frozenset()
    biz_steps: frozenset[str] = frozenset()
    dispositions: frozenset[str] = frozenset()
    persistent_disposition_set: frozenset[str] = frozenset()
    persistent_disposition_unset: frozenset[str] = frozenset()
    read_points: frozenset[str] = frozenset()
    read_points_wd: frozenset[str] = frozenset()
    biz_locations: frozenset[str] = frozenset()
    biz_locations_wd: frozenset[str] = frozenset()
    transformation_ids: frozenset[str] = frozenset()
    event_ids: frozenset[str] = frozenset()
    match_epc: tuple[EpcPattern, ...] = ()
    match_parent_id: tuple[EpcPattern, ...] = ()
    match_input_epc: tuple[EpcPattern, ...] = ()
    match_output_epc: tuple[EpcPattern, ...] = ()
    match_any_epc: tuple[EpcPattern, ...] = ()
    match_epc_class: tuple[EpcPattern, ...] = ()
    match_input_epc_class: tuple[EpcPattern, ...] = ()
    match_output_epc_class: tuple[EpcPattern, ...] = ()
    match_any_epc_class: tuple[EpcPattern, ...] = ()
    biz_transactions: Mapping[str, frozenset[str]] = field(default_factory=_empty_map)
    sources: Mapping[str, frozenset[str]] = field(default_factory=_empty_map)
    destinations: Mapping[str, frozenset[str]] = field(default_factory=_empty_map)
    quantities: tuple[QuantityCondition, ...] = ()
    exists_error_declaration: bool = False
    ge_error_declaration_time: dt.datetime | None = None
    lt_error_declaration_time: dt.datetime | None = None
    error_reasons: frozenset[str] = frozenset()
    corrective_event_ids: frozenset[str] = frozenset()
    field_conditions: tuple[FieldCondition, ...] = ()
    sensor_conditions: tuple[SensorCondition, ...] = ()
    attribute_conditions: tuple[AttributeCondition, ...] = ()
    order_by: str | None = None
    order_direction: Literal["ASC", "DESC"] = "DESC"
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = 30
    next_page_token: str | None = None

    def to_parameters(self, *, paging: bool = False) -> dict[str, object]:
        """The query as a JSON named-query ``query`` object in normalised spelling (times in UTC,
        CBV bare words, canonical identifiers); :func:`parse_query_document` reads it back to an
        equal query. ``paging`` adds ``perPage`` and ``nextPageToken``."""
        out: dict[str, object] = {}
        for name, (attribute, _) in _LIST_PARAMETERS.items():
            values: frozenset[str] = getattr(self, attribute)
            if values:
                out[name] = sorted(values)
        for name, attribute in _TIME_PARAMETERS.items():
            moment: dt.datetime | None = getattr(self, attribute)
            if moment is not None:
                out[name] = _iso(moment)
        for name, (attribute, _) in _MATCH_PARAMETERS.items():
            patterns: tuple[EpcPattern, ...] = getattr(self, attribute)
            if patterns:
                out[name] = [p.spelling for p in patterns]
        for family, mapping in (
            ("EQ_bizTransaction_", self.biz_transactions),
            ("EQ_source_", self.sources),
            ("EQ_destination_", self.destinations),
        ):
            for kind, ids in mapping.items():
                out[family + kind] = sorted(ids)
        if self.exists_error_declaration:
            out["EXISTS_errorDeclaration"] = None
        conditions: list[QuantityCondition | FieldCondition | SensorCondition] = [
            *self.quantities,
            *self.field_conditions,
            *self.sensor_conditions,
        ]
        for condition in conditions:
            out[condition.parameter] = _json_values(condition.op, condition.values)
        for attr in self.attribute_conditions:
            out[attr.parameter] = list(attr.values)
        if self.order_by is not None:
            out["orderBy"] = self.order_by
        if self.order_by is not None or self.order_direction != "DESC":
            out["orderDirection"] = self.order_direction
        if self.event_count_limit is not None:
            out["eventCountLimit"] = self.event_count_limit
        if self.max_event_count is not None:
            out["maxEventCount"] = self.max_event_count
        if paging:
            out["perPage"] = self.per_page
            if self.next_page_token is not None:
                out["nextPageToken"] = self.next_page_token
        return out

    def fingerprint(self) -> str:
        """A SHA-256 (hex) of the query's meaning, paging left out: two spellings of the same
        query (URN or Digital Link, CBV URN or bare word, any UTC offset) share it."""
        canonical = self.to_parameters()
        for name, (attribute, _) in _MATCH_PARAMETERS.items():
            patterns: tuple[EpcPattern, ...] = getattr(self, attribute)
            if patterns:
                canonical[name] = sorted(
                    [p.exact or "", list(p.prefixes), p.fallback, p.scheme or "", list(p.components)]
                    for p in patterns
                )
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def page_limit(self, returned: int = 0) -> int:
        """Rows to fetch for the next page: ``per_page``, cut to what ``event_count_limit`` leaves
        after ``returned`` events already served (0 when the limit is reached)."""
        if self.event_count_limit is None:
            return self.per_page
        return max(0, min(self.per_page, self.event_count_limit - returned))

    def check_size(self, matched: int) -> None:
        """Raise :class:`QueryTooLargeException` when ``matched`` events exceed ``maxEventCount``."""
        if self.max_event_count is not None and matched > self.max_event_count:
            raise QueryTooLargeException(
                f"The query matches {matched} events, more than maxEventCount={self.max_event_count}.",
                parameter="maxEventCount",
            )


def _json_values(op: str, values: Sequence[object]) -> object:
    if op == "EXISTS":
        return None
    rendered = [
        _iso(v) if isinstance(v, dt.datetime) else v if isinstance(v, bool) else str(v) for v in values
    ]
    single = op != "EQ" or isinstance(values[0], bool)  # EQ_booleanValue takes one value
    return rendered[0] if single else rendered


# --- the grammar ---------------------------------------------------------------------------------

Normaliser: TypeAlias = Callable[[str, str], str]

# name -> (EventQuery attribute, value normaliser)
_LIST_PARAMETERS: Final[Mapping[str, tuple[str, Normaliser]]] = MappingProxyType(
    {
        "eventType": ("event_types", _one_of(EVENT_TYPES, "an EPCIS 2.0 event type")),
        "EQ_action": ("actions", _one_of(ACTIONS, "an EPCIS action")),
        "EQ_bizStep": ("biz_steps", _cbv("bizStep")),
        "EQ_disposition": ("dispositions", _cbv("disposition")),
        "EQ_persistentDisposition_set": ("persistent_disposition_set", _cbv("disposition")),
        "EQ_persistentDisposition_unset": ("persistent_disposition_unset", _cbv("disposition")),
        "EQ_readPoint": ("read_points", _identifier),
        "WD_readPoint": ("read_points_wd", _identifier),
        "EQ_bizLocation": ("biz_locations", _identifier),
        "WD_bizLocation": ("biz_locations_wd", _identifier),
        "EQ_transformationID": ("transformation_ids", _identifier),
        "EQ_eventID": ("event_ids", _uri),
        "EQ_errorReason": ("error_reasons", _cbv("errorReason")),
        "EQ_correctiveEventID": ("corrective_event_ids", _uri),
    }
)
_TIME_PARAMETERS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "GE_eventTime": "ge_event_time",
        "LT_eventTime": "lt_event_time",
        "GE_recordTime": "ge_record_time",
        "LT_recordTime": "lt_record_time",
        "GE_errorDeclarationTime": "ge_error_declaration_time",
        "LT_errorDeclarationTime": "lt_error_declaration_time",
    }
)
_MATCH_PARAMETERS: Final[Mapping[str, tuple[str, PatternContext]]] = MappingProxyType(
    {
        "MATCH_epc": ("match_epc", "instance"),
        "MATCH_parentID": ("match_parent_id", "instance"),
        "MATCH_inputEPC": ("match_input_epc", "instance"),
        "MATCH_outputEPC": ("match_output_epc", "instance"),
        "MATCH_anyEPC": ("match_any_epc", "instance"),
        "MATCH_epcClass": ("match_epc_class", "class"),
        "MATCH_inputEPCClass": ("match_input_epc_class", "class"),
        "MATCH_outputEPCClass": ("match_output_epc_class", "class"),
        "MATCH_anyEPCClass": ("match_any_epc_class", "class"),
    }
)
# Sensor parameters of EPCIS 2.0 with a fixed name: name -> (field, op, value reader)
_SENSOR_LISTS: Final[Mapping[str, tuple[str, Normaliser]]] = MappingProxyType(
    {
        "EQ_type": ("type", _verbatim),
        "EQ_deviceID": ("deviceID", _identifier),
        "EQ_dataProcessingMethod": ("dataProcessingMethod", _uri),
        "EQ_microorganism": ("microorganism", _uri),
        "EQ_chemicalSubstance": ("chemicalSubstance", _uri),
        "EQ_bizRules": ("bizRules", _uri),
        "EQ_stringValue": ("stringValue", _verbatim),
        "EQ_hexBinaryValue": ("hexBinaryValue", _hex),
        "EQ_uriValue": ("uriValue", _uri),
    }
)
_SENSOR_TIMES: Final = frozenset(
    f"{op}_{name}" for op in ("GE", "LT") for name in ("time", "startTime", "endTime")
)
_SENSOR_NUMBERS: Final = frozenset(f"{op}_percRank" for op in ("GT", "GE", "LT", "LE"))

_SCOPES = (
    "INNER_ILMD",
    "INNER_SENSORELEMENT",
    "INNER_SENSORMETADATA",
    "INNER_SENSORREPORT",
    "INNER_ERROR_DECLARATION",
    "ILMD",
    "SENSORELEMENT",
    "SENSORMETADATA",
    "SENSORREPORT",
    "ERROR_DECLARATION",
    "INNER",
    "readPoint",
    "bizLocation",
)
_TYPED_FAMILY = re.compile(r"EQ_(bizTransaction|source|destination)_(.*)")
_QUANTITY = re.compile(r"(EQ|GT|GE|LT|LE)_quantity(?:_([A-Z0-9]{2,3}))?")
_SENSOR_VALUE = re.compile(
    r"(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percValue)_([A-Z0-9]{2,3})"
)
_ATTRIBUTE = re.compile(r"(?:EQATTR|EQ_ATTR)_([A-Za-z][A-Za-z0-9:#./\-]*)_(.+)|HASATTR_(.+)")
_EXTENSION = re.compile(rf"(EQ|GT|GE|LT|LE|EXISTS)_(?:({'|'.join(_SCOPES)})_)?({_FIELD_NAME})")
_TYPED_KINDS: Final = {
    "bizTransaction": "bizTransactionType",
    "source": "sourceDestType",
    "destination": "sourceDestType",
}


@dataclass
class _Draft:
    """The query while its parameters are read."""

    lists: dict[str, set[str]] = field(default_factory=dict)
    times: dict[str, dt.datetime] = field(default_factory=dict)
    matches: dict[str, list[EpcPattern]] = field(default_factory=dict)
    typed: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    typed_names: dict[tuple[str, str], str] = field(default_factory=dict)
    quantities: list[QuantityCondition] = field(default_factory=list)
    fields: list[FieldCondition] = field(default_factory=list)
    sensors: list[SensorCondition] = field(default_factory=list)
    attributes: list[AttributeCondition] = field(default_factory=list)
    exists_error_declaration: bool = False
    order_by: str | None = None
    order_direction: Literal["ASC", "DESC"] = "DESC"
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int | None = None
    next_page_token: str | None = None

    def freeze(self, *, max_per_page: int, default_per_page: int) -> EventQuery:
        def values(attribute: str) -> frozenset[str]:
            return frozenset(self.lists.get(attribute, ()))

        def patterns(attribute: str) -> tuple[EpcPattern, ...]:
            return tuple(self.matches.get(attribute, ()))

        def typed(family: str) -> Mapping[str, frozenset[str]]:
            return MappingProxyType({k: frozenset(v) for k, v in self.typed.get(family, {}).items()})

        # the table-driven fields; each table fixes its fields' type
        tabled: dict[str, Any] = {attribute: values(attribute) for attribute, _ in _LIST_PARAMETERS.values()}
        tabled.update({attribute: self.times.get(attribute) for attribute in _TIME_PARAMETERS.values()})
        tabled.update({attribute: patterns(attribute) for attribute, _ in _MATCH_PARAMETERS.values()})
        return EventQuery(
            **tabled,
            biz_transactions=typed("bizTransaction"),
            sources=typed("source"),
            destinations=typed("destination"),
            quantities=tuple(self.quantities),
            exists_error_declaration=self.exists_error_declaration,
            field_conditions=tuple(self.fields),
            sensor_conditions=tuple(self.sensors),
            attribute_conditions=tuple(self.attributes),
            order_by=self.order_by,
            order_direction=self.order_direction,
            event_count_limit=self.event_count_limit,
            max_event_count=self.max_event_count,
            per_page=min(self.per_page or default_per_page, max_per_page),
            next_page_token=self.next_page_token,
        )


def _read_fixed(d: _Draft, g: _Given) -> bool:
    """Parameters with a fixed name; False when ``g`` is not one of them."""
    name = g.name
    if name in _LIST_PARAMETERS:
        attribute, normalise = _LIST_PARAMETERS[name]
        d.lists.setdefault(attribute, set()).update(normalise(name, item) for item in _items(g))
    elif name in _TIME_PARAMETERS:
        d.times[_TIME_PARAMETERS[name]] = parse_time(name, _one(g))
    elif name in _MATCH_PARAMETERS:
        attribute, context = _MATCH_PARAMETERS[name]
        found = [EpcPattern.parse(item, context=context, parameter=name) for item in _items(g)]
        d.matches.setdefault(attribute, []).extend(found)
    elif name == "EXISTS_errorDeclaration":
        _void(g)
        d.exists_error_declaration = True
    elif name == "orderBy":
        d.order_by = _order_by(g)
    elif name == "orderDirection":
        direction = _one_of(("ASC", "DESC"), "an order direction")(name, _one(g))
        d.order_direction = "ASC" if direction == "ASC" else "DESC"
    elif name == "eventCountLimit":
        d.event_count_limit = _positive_int(g)
    elif name == "maxEventCount":
        d.max_event_count = _positive_int(g)
    elif name == "perPage":
        d.per_page = _positive_int(g)
    elif name == "nextPageToken":
        d.next_page_token = _one(g)
    else:
        return _read_sensor(d, g)
    return True


def _order_by(g: _Given) -> str:
    value = _one(g)
    if value in ("eventTime", "recordTime") or _FIELD.fullmatch(value):
        return value
    raise QueryParameterException(
        g.name, f"{value!r} is not eventTime, recordTime or an extension field name (prefix:name)."
    )


def _read_sensor(d: _Draft, g: _Given) -> bool:
    name = g.name
    op, _, rest = name.partition("_")
    if name in _SENSOR_LISTS:
        field_name, normalise = _SENSOR_LISTS[name]
        values = tuple(normalise(name, item) for item in _items(g))
        d.sensors.append(SensorCondition(field_name, "EQ", values))
    elif name in _SENSOR_TIMES:
        d.sensors.append(SensorCondition(rest, _COMPARISONS[op], (parse_time(name, _one(g)),)))
    elif name in _SENSOR_NUMBERS:
        d.sensors.append(SensorCondition(rest, _COMPARISONS[op], (_number(name, _one(g)),)))
    elif name == "EQ_booleanValue":
        d.sensors.append(SensorCondition("booleanValue", "EQ", (_bool(g),)))
    elif name == "EXISTS_sensorElementList":
        _void(g)
        d.sensors.append(SensorCondition("sensorElementList", "EXISTS", ()))
    else:
        return False
    return True


def _read_family(d: _Draft, g: _Given) -> bool:
    """Parameter families whose name carries a type, unit, field or attribute."""
    name = g.name
    if m := _TYPED_FAMILY.fullmatch(name):
        _read_typed(d, g, m.group(1), m.group(2))
    elif m := _QUANTITY.fullmatch(name):
        op, uom = _COMPARISONS[m.group(1)], m.group(2)
        texts = _items(g) if op == "EQ" else [_one(g)]
        d.quantities.append(QuantityCondition(op, tuple(_number(name, t) for t in texts), uom))
    elif m := _SENSOR_VALUE.fullmatch(name):
        op = _COMPARISONS[m.group(1)]
        texts = _items(g) if op == "EQ" else [_one(g)]
        values = tuple(_number(name, t) for t in texts)
        d.sensors.append(SensorCondition(m.group(2), op, values, m.group(3)))
    elif m := _ATTRIBUTE.fullmatch(name):
        field_name, attribute = (m.group(1), m.group(2)) if m.group(3) is None else (m.group(3), None)
        d.attributes.append(AttributeCondition(field_name, attribute, tuple(_items(g))))
    elif m := _EXTENSION.fullmatch(name):
        d.fields.append(_extension(g, m.group(1), m.group(2) or "EVENT", m.group(3)))
    else:
        return False
    return True


def _read_typed(d: _Draft, g: _Given, family: str, kind_text: str) -> None:
    if not kind_text:
        raise QueryParameterException(g.name, f"names no {family} type after EQ_{family}_.")
    kind = _cbv(_TYPED_KINDS[family])(g.name, kind_text)
    earlier = d.typed_names.setdefault((family, kind), g.name)
    if earlier != g.name:
        raise QueryParameterException(g.name, f"names the same {family} type as {earlier}.")
    ids = {_identifier(g.name, item) for item in _items(g)}
    d.typed.setdefault(family, {}).setdefault(kind, set()).update(ids)


def _extension(g: _Given, op: str, scope: str, field_name: str) -> FieldCondition:
    values: tuple[FieldValue, ...]
    if op == "EXISTS":
        _void(g)
        values = ()
    elif op == "EQ":
        values = tuple(_items(g))
    else:
        values = (_comparable(g.name, _one(g)),)
    return FieldCondition(scope, _COMPARISONS[op], field_name, values)


def _parse(given: Iterable[_Given], *, max_per_page: int, default_per_page: int) -> EventQuery:
    if not 1 <= default_per_page <= max_per_page:
        raise ValueError("need 1 <= default_per_page <= max_per_page")
    draft = _Draft()
    for g in given:
        if not (_read_fixed(draft, g) or _read_family(draft, g)):
            raise QueryParameterException(g.name, "is not a SimpleEventQuery parameter.")
    if draft.event_count_limit is not None and draft.max_event_count is not None:
        raise QueryParameterException(
            "eventCountLimit", "cannot be combined with maxEventCount (the standard makes them exclusive)."
        )
    if draft.event_count_limit is not None and draft.order_by is None:
        raise QueryParameterException(
            "eventCountLimit", "needs orderBy (it keeps the first N in that order)."
        )
    return draft.freeze(max_per_page=max_per_page, default_per_page=default_per_page)


def parse_query(
    params: Mapping[str, str | Sequence[str]], *, max_per_page: int = 1000, default_per_page: int = 30
) -> EventQuery:
    """Read the query-string parameters of a REST events resource.

    ``params`` maps a name to its value or to the list of its occurrences (``dict(request.GET.lists())``);
    a Django ``QueryDict`` may be passed as is (its ``getlist`` is used). Resource parameters that
    are not SimpleEventQuery parameters (the WebSocket ``stream`` / schedule fields) must be taken out
    first. Raises :class:`QueryParameterException` naming the first parameter at fault.
    """
    getlist = getattr(params, "getlist", None)
    given: list[_Given] = []
    for name in params:
        if callable(getlist):
            occurrences = tuple(str(v) for v in getlist(name))
        else:
            value = params[name]
            occurrences = (value,) if isinstance(value, str) else tuple(value)
        given.append(_Given(name, occurrences, rest=True))
    return _parse(given, max_per_page=max_per_page, default_per_page=default_per_page)


_DOCUMENT_KEYS: Final = frozenset({"name", "queryType", "query", "@context"})


def parse_query_document(
    document: Mapping[str, object], *, max_per_page: int = 1000, default_per_page: int = 30
) -> EventQuery:
    """Read a named-query body: ``{"name": …, "queryType": "events", "query": {…}}`` (``name`` and
    ``queryType`` optional) or the ``query`` object alone. Lists are JSON arrays (never split on
    ``|``); ``@context`` is ignored. Raises :class:`QueryParameterException` (a parameter at fault)
    or :class:`ValidationException` (the body's shape)."""
    query: object = document
    if "query" in document:
        unknown = sorted(set(document) - _DOCUMENT_KEYS)
        if unknown:
            raise ValidationException(
                f"unknown member {unknown[0]!r} in the query body", parameter=unknown[0]
            )
        if document.get("queryType", "events") != "events":
            raise QueryParameterException(
                "queryType", f"{document['queryType']!r} is not supported; use 'events'."
            )
        query = document["query"]
    if not isinstance(query, Mapping):
        raise ValidationException("the query must be a JSON object", parameter="query")
    given = [_Given(str(k), (v,), rest=False) for k, v in query.items() if k != "@context"]
    return _parse(given, max_per_page=max_per_page, default_per_page=default_per_page)


# --- subscription schedules ----------------------------------------------------------------------

_SCHEDULE_RANGES: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "second": (0, 59),
        "minute": (0, 59),
        "hour": (0, 23),
        "dayOfMonth": (1, 31),
        "month": (1, 12),
        "dayOfWeek": (1, 7),
    }
)
_SCHEDULE_ATTRIBUTES: Final = {
    "second": "second",
    "minute": "minute",
    "hour": "hour",
    "dayOfMonth": "day_of_month",
    "month": "month",
    "dayOfWeek": "day_of_week",
}
_ELEMENT = re.compile(r"(?:(\d+)|\[(\d+)-(\d+)\]|(\d+)-(\d+)|(\*))(?:/(\d+))?")
_LONGEST_MONTH: Final = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


@dataclass(frozen=True)
class Schedule:
    """A QuerySchedule: the values each time field may take; ``None`` (field omitted) = any value.

    Query times are the whole seconds whose fields all match (day of month AND day of week, unlike
    Unix cron). ``day_of_week`` is 1 (Monday) to 7 (Sunday). An omitted field matches every value,
    finer fields included: the standard's own example ``hour=2`` runs every second from 02:00:00 to
    02:59:59, so the OpenAPI's ``{"hour": "1", "minute": "5"}`` runs sixty times at 01:05 unless
    ``"second": "0"`` is added. The standard lets the service choose the time zone;
    :meth:`next_after` uses the zone of the datetime it is given.
    """

    second: frozenset[int] | None = None
    minute: frozenset[int] | None = None
    hour: frozenset[int] | None = None
    day_of_month: frozenset[int] | None = None
    month: frozenset[int] | None = None
    day_of_week: frozenset[int] | None = None

    def _values(self, name: str) -> list[int]:
        chosen: frozenset[int] | None = getattr(self, _SCHEDULE_ATTRIBUTES[name])
        low, high = _SCHEDULE_RANGES[name]
        return sorted(chosen) if chosen is not None else list(range(low, high + 1))

    def matches(self, t: dt.datetime) -> bool:
        """True when ``t`` (its wall clock) is a query time."""
        fields = (t.second, t.minute, t.hour, t.day, t.month, t.isoweekday())
        return all(value in self._values(name) for name, value in zip(_SCHEDULE_RANGES, fields, strict=True))

    def next_after(self, t: dt.datetime) -> dt.datetime:
        """The first query time strictly after the aware datetime ``t``, on the wall clock of
        ``t``'s zone; a wall time skipped by a daylight-saving change is skipped."""
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("next_after needs an aware datetime")
        zone = t.tzinfo
        wall = t.replace(tzinfo=None, microsecond=0) + dt.timedelta(seconds=1)
        while True:
            found = self._next_wall(wall, wall.year + 401)
            if found is None:  # pragma: no cover - parse_schedule refuses schedules that never match
                raise ValueError("the schedule never matches")
            for fold in (0, 1):
                candidate = found.replace(tzinfo=zone, fold=fold)
                exists = candidate.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == found
                if exists and candidate > t:
                    return candidate
            wall = found + dt.timedelta(seconds=1)

    def _next_wall(self, start: dt.datetime, before_year: int) -> dt.datetime | None:
        months, days, weekdays = self._values("month"), self._values("dayOfMonth"), self._values("dayOfWeek")
        year, month = start.year, start.month
        while year < before_year:
            if month in months:
                first = start.day if (year, month) == (start.year, start.month) else 1
                for day in range(first, calendar.monthrange(year, month)[1] + 1):
                    when = dt.date(year, month, day)
                    if day not in days or when.isoweekday() not in weekdays:
                        continue
                    floor = (start.hour, start.minute, start.second) if when == start.date() else (0, 0, 0)
                    hit = self._time_from(floor)
                    if hit is not None:
                        return dt.datetime(year, month, day, *hit)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    def _time_from(self, floor: tuple[int, int, int]) -> tuple[int, int, int] | None:
        for hour in self._values("hour"):
            if hour < floor[0]:
                continue
            for minute in self._values("minute"):
                if (hour, minute) < floor[:2]:
                    continue
                for second in self._values("second"):
                    if (hour, minute, second) >= floor:
                        return hour, minute, second
        return None


def _schedule_field(name: str, text: object) -> frozenset[int]:
    """One field: ``Element ("," Element)*`` with Element = Number | "[" Number "-" Number "]"
    (the standard), plus ``*``, ``a-b`` and ``…/step`` (cron forms; GS1's OpenAPI example uses
    ``0/30``)."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise SubscriptionControlsException(
            name, f"{text!r} is not a schedule value such as 5, 1,15 or [1-5]."
        )
    low, high = _SCHEDULE_RANGES[name]
    chosen: set[int] = set()
    for element in text.split(","):
        m = _ELEMENT.fullmatch(element.strip())
        if m is None:
            raise SubscriptionControlsException(
                name, f"{element.strip()!r} is not a number, [a-b] range or list."
            )
        single, a1, b1, a2, b2, star, step = m.groups()
        first = int(single or a1 or a2 or low) if not star else low
        last = int(b1 or b2) if (b1 or b2) else (high if (star or step) else first)
        for number in (first, last):
            if not low <= number <= high:
                raise SubscriptionControlsException(name, f"{number} is outside {low}-{high}.")
        if first > last:
            raise SubscriptionControlsException(name, f"the range {element.strip()!r} runs backwards.")
        if step is not None and int(step) < 1:
            raise SubscriptionControlsException(name, f"the step in {element.strip()!r} must be at least 1.")
        chosen.update(range(first, last + 1, int(step or 1)))
    return frozenset(chosen)


def parse_schedule(spec: Mapping[str, object]) -> Schedule:
    """Read a subscription ``schedule`` (JSON object or WebSocket query parameters): the fields
    ``second``, ``minute``, ``hour``, ``dayOfMonth``, ``month``, ``dayOfWeek``. Raises
    :class:`SubscriptionControlsException` naming the field for an unknown field, a value outside
    the grammar or range, an empty schedule (it would run every second) or a day that never comes
    (``dayOfMonth=31`` with ``month=[4-4]``)."""
    unknown = sorted(set(spec) - set(_SCHEDULE_RANGES))
    if unknown:
        raise SubscriptionControlsException(unknown[0], "is not a schedule field.")
    if not spec:
        raise SubscriptionControlsException("schedule", "names no field; it would run every second.")
    values = {_SCHEDULE_ATTRIBUTES[name]: _schedule_field(name, text) for name, text in spec.items()}
    schedule = Schedule(**values)
    months, days = schedule._values("month"), schedule._values("dayOfMonth")
    if not any(day <= _LONGEST_MONTH.get(month, 31) for month in months for day in days):
        raise SubscriptionControlsException("dayOfMonth", "never falls in the chosen months.")
    return schedule


# --- page tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PagePosition:
    """Where the next page starts (keyset pagination): after the row with ``sort_value`` (the
    ``orderBy`` value, or the record time) and ``row_id`` in the query's order; ``returned`` events
    were already served, so :meth:`EventQuery.page_limit` can honour ``eventCountLimit``."""

    sort_value: SortValue
    row_id: int
    returned: int = 0


_TOKEN_CONTEXT: Final = b"openciq.trace.page-token.v1."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> bytes:
    if not key:
        raise ValueError("a page-token key is required")
    return hmac.new(key, _TOKEN_CONTEXT + body.encode("ascii"), hashlib.sha256).digest()


def _encode_sort(value: SortValue) -> list[object]:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a sort value")
    if isinstance(value, dt.datetime):
        if value.utcoffset() is None:
            raise ValueError("a datetime sort value must be aware")
        return ["t", value.isoformat()]
    if isinstance(value, Decimal):
        return ["d", str(value)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    return ["n"]


def _decode_sort(raw: object) -> SortValue:
    if raw == ["n"]:
        return None
    if not (isinstance(raw, list) and len(raw) == 2):
        raise ValueError("bad sort value")
    tag, value = raw
    readers: dict[object, Callable[[object], SortValue]] = {
        "t": lambda v: dt.datetime.fromisoformat(str(v)),
        "d": lambda v: Decimal(str(v)),
        "s": lambda v: str(v),
        "i": lambda v: int(str(v)),
        "f": lambda v: float(str(v)),
    }
    return readers[tag](value)


def encode_page_token(
    query: EventQuery, position: PagePosition, *, key: bytes, expires_at: dt.datetime | None = None
) -> str:
    """An opaque ``nextPageToken``: the query's fingerprint and the keyset position, signed with
    HMAC-SHA256 under ``key`` (tamper-evident, not secret). ``expires_at`` (aware) bounds its life
    (``GS1-Next-Page-Token-Expires``)."""
    payload: dict[str, object] = {
        "q": query.fingerprint()[:32],
        "s": _encode_sort(position.sort_value),
        "i": position.row_id,
        "n": position.returned,
    }
    if expires_at is not None:
        if expires_at.utcoffset() is None:
            raise ValueError("expires_at must be aware")
        payload["e"] = int(expires_at.timestamp())
    body = _b64(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())
    return f"{body}.{_b64(_sign(key, body))}"


def decode_page_token(
    token: str, query: EventQuery, *, key: bytes, now: dt.datetime | None = None
) -> PagePosition:
    """The position carried by ``token``. Raises :class:`InvalidPageToken` (a
    QueryParameterException on ``nextPageToken``) for a token altered or not issued here, issued
    for another query, or expired at ``now`` (default: the current time)."""
    body, dot, mac = token.partition(".")
    try:
        valid = bool(dot) and hmac.compare_digest(_unb64(mac), _sign(key, body))
        payload = json.loads(_unb64(body)) if valid else None
    except (ValueError, UnicodeError):
        payload = None
    if not isinstance(payload, dict):
        raise InvalidPageToken("is not a page token issued by this repository.")
    if payload.get("q") != query.fingerprint()[:32]:
        raise InvalidPageToken("was issued for a different query; repeat the query's parameters unchanged.")
    expires = payload.get("e")
    moment = now or dt.datetime.now(dt.UTC)
    if isinstance(expires, int) and moment.timestamp() >= expires:
        raise InvalidPageToken("has expired; run the query again from the first page.")
    try:
        row_id, returned = payload["i"], payload["n"]
        if not (isinstance(row_id, int) and isinstance(returned, int)):
            raise ValueError("bad position")
        return PagePosition(_decode_sort(payload["s"]), row_id, returned)
    except (KeyError, ValueError, TypeError, InvalidOperation):  # pragma: no cover - signed by us
        raise InvalidPageToken("is not a page token issued by this repository.") from None
