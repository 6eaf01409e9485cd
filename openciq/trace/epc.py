"""GS1 identifiers of EPCIS events: EPC pure-identity URNs (GS1 EPC Tag Data Standard 2.x) and GS1
Digital Link URIs (GS1 Digital Link 1.x), with translation both ways.

Canonical form
    The repository stores every GS1 identifier as a *canonical Digital Link URI*, as OpenEPCIS
    does: host ``https://id.gs1.org``, the primary key and its key qualifiers only (in the
    standard order), GTINs padded to 14 digits, no query string or fragment, and only the
    characters ``" % & / < > ?`` percent-encoded (upper-case hex). ``normalise`` produces it;
    ``to_urn`` renders the EPC URN on demand.

Supported GS1 schemes (URN -> AI path)
    sgtin ``01``+``21``, lgtin (``urn:epc:class:lgtin``) ``01``+``10``, GTIN class
    (``urn:epc:idpat:sgtin:CP.IR.*``) ``01``, sscc ``00``, sgln ``414``[+``254``], grai ``8003``,
    giai ``8004``, pgln ``417``, gdti ``253``, gsrn ``8018``, gsrnp ``8017``, gsin ``402``,
    ginc ``401``, cpi ``8010``+``8011``, sgcn ``255``. Other EPC schemes of TDS 2.x (itip,
    upui, gid, usdod, adi, bic, imovn and idpat patterns other than the GTIN class) have no
    translation here: they are checked for shape and kept as URNs, with kind ``"other"``.

Non-GS1 identifiers
    Any other absolute URI (``urn:iso:11784:156000123456789``, an ``https://`` URI of the bureau)
    passes ``normalise`` unchanged with kind ``"other"``. An ``http(s)`` URI is read as a Digital
    Link when its path holds a GS1 primary-key AI segment (``01``, ``00``, ``414`` ...) followed
    by a value; any path prefix and any host are accepted (``https://id.example.com/8003/...``).

Company prefix length
    A Digital Link (like a barcode) does not say where the GS1 Company Prefix ends, but the URN
    needs it. ``to_urn`` takes ``company_prefix_length`` (6-12); without it the length comes
    from ``CHINA_PREFIX_LENGTHS``, the usual lengths GS1 China allocates under its prefixes
    (690-691: 7 digits, 692-695: 8, 697: 9; from GS1's company-prefix length list). Other
    prefixes raise ``InvalidEpc`` with rule ``"company_prefix_length"``. GS1 has a few
    exceptions inside these ranges: pass the length explicitly when it is known.

Check digits
    URNs carry no check digit (it is computed); a Digital Link's GTIN, SSCC, GLN, GRAI/GDTI/SGCN
    key, GSRN(P) and GSIN check digits are verified (rule ``"check_digit"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from stdnum import ean

__all__ = [
    "CHINA_PREFIX_LENGTHS",
    "DIGITAL_LINK_HOST",
    "InvalidEpc",
    "Kind",
    "kind",
    "normalise",
    "to_digital_link",
    "to_urn",
]

DIGITAL_LINK_HOST = "https://id.gs1.org"

Kind = Literal[
    "sgtin",
    "lgtin",
    "gtin",
    "sscc",
    "sgln",
    "grai",
    "giai",
    "pgln",
    "gdti",
    "gsrn",
    "gsrnp",
    "gsin",
    "ginc",
    "cpi",
    "sgcn",
    "other",
]

Rule = Literal["format", "check_digit", "unknown_scheme", "company_prefix_length", "character"]

#: GS1 prefix (3 digits) -> usual GS1 Company Prefix length allocated by GS1 China.
CHINA_PREFIX_LENGTHS: dict[str, int] = {
    "690": 7,
    "691": 7,
    "692": 8,
    "693": 8,
    "694": 8,
    "695": 8,
    "697": 9,
}


class InvalidEpc(ValueError):
    """An identifier that is not a valid EPC URN / GS1 Digital Link URI / absolute URI."""

    def __init__(self, rule: Rule, message: str) -> None:
        super().__init__(message)
        self.rule: Rule = rule
        self.message = message


# --- characters -------------------------------------------------------------------------------

# GS1 AI encodable character set 82.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*")
_ESCAPES = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _decode(text: str, what: str) -> str:
    """Undo percent-escapes (URN or URI component) and check the result against CSET 82."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        raise InvalidEpc("format", f"{what} {text!r} has a malformed percent-escape.")
    raw = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), text)
    if not _CSET82.fullmatch(raw):
        raise InvalidEpc("character", f"{what} {raw!r} has characters outside the GS1 character set 82.")
    return raw


def _encode(raw: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in raw)


def _check_digit(digits: str) -> str:
    return str(ean.calc_check_digit(digits))


def _digits(value: str, what: str, length: int | None = None) -> str:
    if not value.isascii() or not value.isdigit() or (length is not None and len(value) != length):
        size = f"{length} digits" if length is not None else "digits only"
        raise InvalidEpc("format", f"{what} {value!r} must be {size}.")
    return value


def _verify(key: str, what: str) -> str:
    if _check_digit(key[:-1]) != key[-1]:
        raise InvalidEpc(
            "check_digit",
            f"{what} {key!r} has check digit {key[-1]}, expected {_check_digit(key[:-1])}.",
        )
    return key


def _max(value: str, limit: int, what: str, *, allow_empty: bool = False) -> str:
    if (not value and not allow_empty) or len(value) > limit:
        raise InvalidEpc("format", f"{what} {value!r} must be 1 to {limit} characters.")
    return value


# --- parsed form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    kind: Kind
    elements: tuple[tuple[str, str], ...]  # (AI, raw value), primary key first


# URN scheme -> kind for the translatable schemes ("id" unless noted).
_URN_KINDS: dict[str, Kind] = {
    "sgtin": "sgtin",
    "sscc": "sscc",
    "sgln": "sgln",
    "grai": "grai",
    "giai": "giai",
    "pgln": "pgln",
    "gdti": "gdti",
    "gsrn": "gsrn",
    "gsrnp": "gsrnp",
    "gsin": "gsin",
    "ginc": "ginc",
    "cpi": "cpi",
    "sgcn": "sgcn",
}
_UNTRANSLATED_ID = {"itip", "upui", "gid", "usdod", "adi", "bic", "imovn"}
_URN = re.compile(r"urn:epc:(id|class|idpat):([A-Za-z0-9]+):(.*)", re.IGNORECASE)


def _cp(value: str, what: str = "company prefix") -> str:
    _digits(value, what)
    if not 6 <= len(value) <= 12:
        raise InvalidEpc("format", f"The company prefix {value!r} must have 6 to 12 digits.")
    return value


def _key(cp: str, ref: str, total: int, what: str) -> str:
    """Company prefix + numeric reference of ``total`` digits, plus the GS1 check digit."""
    if ref:
        _digits(ref, f"The {what} reference")
    if len(cp) + len(ref) != total:
        raise InvalidEpc(
            "format",
            f"Company prefix {cp!r} and {what} reference {ref!r} must have {total} digits together.",
        )
    return cp + ref + _check_digit(cp + ref)


def _parse_urn(urn: str) -> _Parsed | None:
    """Parse a translatable EPC URN; ``None`` for a recognised EPC scheme without translation."""
    m = _URN.fullmatch(urn)
    if m is None:
        raise InvalidEpc("format", f"{urn!r} is not an EPC URN (urn:epc:id|class|idpat:scheme:...).")
    space, scheme, body = m.group(1).lower(), m.group(2).lower(), m.group(3)
    parts = body.split(".")
    if space == "class":
        if scheme != "lgtin":
            raise InvalidEpc("unknown_scheme", f"Unknown EPC class scheme {scheme!r} in {urn!r}.")
        cp, ir, lot = _parts(parts, 3, urn)
        lot = _max(_decode(lot, "The lot"), 20, "The lot")
        return _Parsed("lgtin", (("01", _gtin(cp, ir)), ("10", lot)))
    if space == "idpat":
        if scheme == "sgtin" and len(parts) == 3 and parts[2] == "*":
            return _Parsed("gtin", (("01", _gtin(parts[0], parts[1])),))
        if scheme in _URN_KINDS or scheme in _UNTRANSLATED_ID:
            return None
        raise InvalidEpc("unknown_scheme", f"Unknown EPC pattern scheme {scheme!r} in {urn!r}.")
    if scheme in _UNTRANSLATED_ID:
        if not body or any(not p for p in parts):
            raise InvalidEpc("format", f"{urn!r} has an empty component.")
        return None
    k = _URN_KINDS.get(scheme)
    if k is None:
        raise InvalidEpc("unknown_scheme", f"Unknown EPC scheme {scheme!r} in {urn!r}.")
    if k == "sgtin":
        cp, ir, serial = _parts(parts, 3, urn)
        serial = _max(_decode(serial, "The serial"), 20, "The serial")
        return _Parsed(k, (("01", _gtin(cp, ir)), ("21", serial)))
    if k == "sscc":
        cp, sr = _parts(parts, 2, urn)
        _cp(cp)
        _digits(sr, "The serial reference")
        if len(cp) + len(sr) != 17:
            raise InvalidEpc("format", f"Company prefix and serial reference of {urn!r} must have 17 digits.")
        data = sr[0] + cp + sr[1:]
        return _Parsed(k, (("00", data + _check_digit(data)),))
    if k == "sgln":
        cp, lr, ext = _parts(parts, 3, urn)
        gln = _key(_cp(cp), lr, 12, "location")
        ext = _max(_decode(ext, "The extension"), 20, "The extension")
        return _Parsed(k, (("414", gln),) + ((("254", ext),) if ext != "0" else ()))
    if k in ("grai", "gdti", "sgcn"):
        cp, ref, serial = _parts(parts, 3, urn)
        key = _key(_cp(cp), ref, 12, "asset type" if k == "grai" else "document type")
        serial = _decode(serial, "The serial")
        if k == "grai":
            return _Parsed(k, (("8003", "0" + key + _max(serial, 16, "The serial", allow_empty=True)),))
        if k == "gdti":
            return _Parsed(k, (("253", key + _max(serial, 17, "The serial", allow_empty=True)),))
        _digits(serial, "The SGCN serial")
        return _Parsed(k, (("255", key + _max(serial, 12, "The serial", allow_empty=True)),))
    if k in ("pgln", "gsrn", "gsrnp", "gsin"):
        cp, ref = _parts(parts, 2, urn)
        ai, total = {"pgln": ("417", 12), "gsrn": ("8018", 17), "gsrnp": ("8017", 17), "gsin": ("402", 16)}[k]
        return _Parsed(k, ((ai, _key(_cp(cp), ref, total, "service" if k != "pgln" else "party")),))
    if k in ("giai", "ginc"):
        cp, ref = _parts(parts, 2, urn)
        value = _cp(cp) + _decode(ref, "The reference")
        return _Parsed(k, (("8004" if k == "giai" else "401", _max(value, 30, "The key")),))
    # cpi
    cp, cpr, serial = _parts(parts, 3, urn)
    value = _max(_cp(cp) + _decode(cpr, "The component/part reference"), 30, "The CPI")
    return _Parsed(
        k, (("8010", value), ("8011", _max(_digits(serial, "The CPI serial"), 12, "The CPI serial")))
    )


def _parts(parts: list[str], n: int, urn: str) -> list[str]:
    if len(parts) != n:
        raise InvalidEpc("format", f"{urn!r} must have {n} dot-separated components, not {len(parts)}.")
    return parts


def _gtin(cp: str, ir: str) -> str:
    _cp(cp)
    _digits(ir, "The indicator and item reference")
    if len(cp) + len(ir) != 13:
        raise InvalidEpc(
            "format", f"Company prefix {cp!r} and item reference {ir!r} must have 13 digits together."
        )
    data = ir[0] + cp + ir[1:]
    return data + _check_digit(data)


# --- Digital Link ---------------------------------------------------------------------------------

_PRIMARY: dict[str, Kind] = {
    "01": "sgtin",
    "00": "sscc",
    "414": "sgln",
    "8003": "grai",
    "8004": "giai",
    "417": "pgln",
    "253": "gdti",
    "8018": "gsrn",
    "8017": "gsrnp",
    "402": "gsin",
    "401": "ginc",
    "8010": "cpi",
    "255": "sgcn",
}
# Key qualifiers allowed after each primary key, in their standard order.
_QUALIFIERS: dict[str, tuple[str, ...]] = {"01": ("10", "21"), "414": ("254",), "8010": ("8011",)}


def _parse_digital_link(uri: str) -> _Parsed | None:
    """Parse a Digital Link URI; ``None`` when ``uri`` has no GS1 primary key in its path."""
    parts = urlsplit(uri)
    segments = parts.path.split("/")
    start = next((i for i, s in enumerate(segments) if s in _PRIMARY and i + 1 < len(segments)), None)
    if start is None:
        return None
    rest = segments[start:]
    if len(rest) % 2 or any(not s for s in rest):
        raise InvalidEpc("format", f"The Digital Link path of {uri!r} must be AI/value pairs.")
    pairs = [(rest[i], _decode(rest[i + 1], f"The value of AI ({rest[i]})")) for i in range(0, len(rest), 2)]
    ai, value = pairs[0]
    allowed = _QUALIFIERS.get(ai, ())
    quals = [q for q, _ in pairs[1:]]
    order = [allowed.index(q) if q in allowed else -1 for q in quals]
    if -1 in order or order != sorted(set(order)):
        raise InvalidEpc(
            "format",
            f"AI ({ai}) in {uri!r} takes only the key qualifiers {', '.join(allowed) or 'none'} in this order.",
        )
    q = dict(pairs[1:])
    k = _PRIMARY[ai]
    if ai == "01":
        _digits(value, "The GTIN")
        if len(value) not in (8, 12, 13, 14):
            raise InvalidEpc("format", f"The GTIN {value!r} must have 8, 12, 13 or 14 digits.")
        gtin = _verify(value.zfill(14), "The GTIN")
        elements: list[tuple[str, str]] = [("01", gtin)]
        if "10" in q:
            elements.append(("10", _max(q["10"], 20, "The lot")))
        if "21" in q:
            elements.append(("21", _max(q["21"], 20, "The serial")))
        k = "sgtin" if "21" in q else "lgtin" if "10" in q else "gtin"
        return _Parsed(k, tuple(elements))
    if ai in ("00", "414", "417", "8018", "8017", "402"):
        length = {"00": 18, "414": 13, "417": 13, "8018": 18, "8017": 18, "402": 17}[ai]
        key = _verify(_digits(value, f"The AI ({ai}) key", length), f"The AI ({ai}) key")
        ext = (("254", _max(q["254"], 20, "The extension")),) if "254" in q else ()
        return _Parsed(k, ((ai, key), *ext))
    if ai in ("8003", "253", "255"):
        head = value[:14] if ai == "8003" else value[:13]
        _digits(head, f"The AI ({ai}) key", len(head) if len(head) in (13, 14) else 13)
        if ai == "8003" and (len(head) != 14 or head[0] != "0"):
            raise InvalidEpc("format", f"The GRAI {value!r} must start with 0 and a 13-digit asset type.")
        _verify(head[-13:], f"The AI ({ai}) key")
        serial = value[len(head) :]
        limit = {"8003": 16, "253": 17, "255": 12}[ai]
        _max(serial, limit, "The serial", allow_empty=True)
        if ai == "255" and serial:
            _digits(serial, "The SGCN serial")
        return _Parsed(k, ((ai, value),))
    if ai in ("8004", "401"):
        return _Parsed(k, ((ai, _max(value, 30, f"The AI ({ai}) value")),))
    # 8010 (+ 8011)
    elements = [("8010", _max(value, 30, "The CPI"))]
    if "8011" in q:
        elements.append(("8011", _max(_digits(q["8011"], "The CPI serial"), 12, "The CPI serial")))
    return _Parsed(k, tuple(elements))


def _render_digital_link(parsed: _Parsed) -> str:
    return DIGITAL_LINK_HOST + "".join(f"/{ai}/{_encode(value)}" for ai, value in parsed.elements)


def _prefix_length(key_digits: str, given: int | None) -> int:
    if given is not None:
        if not 6 <= given <= 12:
            raise InvalidEpc("company_prefix_length", f"company_prefix_length must be 6 to 12, not {given}.")
        return given
    length = CHINA_PREFIX_LENGTHS.get(key_digits[:3])
    if length is None:
        raise InvalidEpc(
            "company_prefix_length",
            f"The company prefix length of {key_digits!r} is unknown (GS1 prefix {key_digits[:3]}); "
            "pass company_prefix_length.",
        )
    return length


def _render_urn(parsed: _Parsed, given: int | None) -> str:
    e = dict(parsed.elements)
    ai, value = parsed.elements[0]
    if ai == "01":
        gtin = value
        n = _prefix_length(gtin[1:], given)
        if n > 12:
            raise InvalidEpc("company_prefix_length", "A GTIN's company prefix has at most 12 digits.")
        cp, ir = gtin[1 : 1 + n], gtin[0] + gtin[1 + n : 13]
        if "21" in e:  # a lot next to the serial has no place in the SGTIN URN and is dropped
            return f"urn:epc:id:sgtin:{cp}.{ir}.{_encode(e['21'])}"
        if "10" in e:
            return f"urn:epc:class:lgtin:{cp}.{ir}.{_encode(e['10'])}"
        return f"urn:epc:idpat:sgtin:{cp}.{ir}.*"
    if ai == "00":
        n = _prefix_length(value[1:], given)
        return f"urn:epc:id:sscc:{value[1 : 1 + n]}.{value[0]}{value[1 + n : 17]}"
    if ai == "8003":
        n = _prefix_length(value[1:], given)
        return f"urn:epc:id:grai:{value[1 : 1 + n]}.{value[1 + n : 13]}.{_encode(value[14:])}"
    n = _prefix_length(value, given)
    cp = value[:n]
    if not cp.isdigit() or len(cp) < n:
        raise InvalidEpc("format", f"The key {value!r} does not start with a {n}-digit company prefix.")
    if ai == "414":
        return f"urn:epc:id:sgln:{cp}.{value[n:12]}.{_encode(e.get('254', '0'))}"
    if ai in ("253", "255"):
        return f"urn:epc:id:{parsed.kind}:{cp}.{value[n:12]}.{_encode(value[13:])}"
    if ai in ("417", "8018", "8017", "402"):
        return f"urn:epc:id:{parsed.kind}:{cp}.{value[n:-1]}"
    if ai in ("8004", "401"):
        return f"urn:epc:id:{parsed.kind}:{cp}.{_encode(value[n:])}"
    return f"urn:epc:id:cpi:{cp}.{_encode(value[n:])}.{e.get('8011', '')}"


# --- public API -----------------------------------------------------------------------------------


def _is_urn(identifier: str) -> bool:
    return identifier[:8].lower() == "urn:epc:"


def _is_http(identifier: str) -> bool:
    return identifier[:8].lower() == "https://" or identifier[:7].lower() == "http://"


_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


def to_digital_link(urn: str) -> str:
    """Translate an EPC pure-identity URN (or LGTIN class / GTIN idpat URN) to its canonical
    GS1 Digital Link URI. Raises ``InvalidEpc`` for malformed URNs or schemes without a
    Digital Link form."""
    parsed = _parse_urn(urn.strip())
    if parsed is None:
        raise InvalidEpc("unknown_scheme", f"{urn!r} has no GS1 Digital Link translation here.")
    return _render_digital_link(parsed)


def to_urn(uri: str, *, company_prefix_length: int | None = None) -> str:
    """Translate a GS1 Digital Link URI (any host) to the EPC URN. The company prefix length comes
    from ``company_prefix_length`` or, failing that, ``CHINA_PREFIX_LENGTHS``."""
    uri = uri.strip()
    if not _is_http(uri):
        raise InvalidEpc("format", f"{uri!r} is not an http(s) GS1 Digital Link URI.")
    parsed = _parse_digital_link(uri)
    if parsed is None:
        raise InvalidEpc("unknown_scheme", f"{uri!r} has no GS1 primary key in its path.")
    return _render_urn(parsed, company_prefix_length)


def _classify(identifier: str) -> tuple[_Parsed | None, str]:
    ident = identifier.strip()
    if not ident or not _ABSOLUTE_URI.fullmatch(ident):
        raise InvalidEpc("format", f"{identifier!r} is not an absolute URI.")
    if _is_urn(ident):
        parsed = _parse_urn(ident)
        return parsed, "urn:epc:" + ident[8:]
    if _is_http(ident):
        return _parse_digital_link(ident), ident
    return None, ident


def normalise(identifier: str) -> str:
    """The canonical stored form: a canonical Digital Link URI for a translatable GS1 identifier;
    any other absolute URI unchanged (surrounding blanks removed)."""
    return _normalised(identifier)


@lru_cache(maxsize=65536)
def _normalised(identifier: str) -> str:
    """Cached: a capture normalises each identifier in the rules layer, in the event hash and for
    storage, and read points, farms and tags repeat across events. 65,536 entries (a few MB)
    hold every identifier of a capture of 10,000 events of 4 to 5 identifiers; refusals
    (``InvalidEpc``) are not cached."""
    parsed, ident = _classify(identifier)
    return ident if parsed is None else _render_digital_link(parsed)


def kind(identifier: str) -> Kind:
    """The GS1 scheme of ``identifier`` (URN or Digital Link), ``"other"`` for anything else."""
    parsed, _ = _classify(identifier)
    return "other" if parsed is None else parsed.kind
