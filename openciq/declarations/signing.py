"""Ed25519 signatures on electronic certificates, verifiable offline.

A signed certificate is a JSON file that a receiving authority can keep and check without asking
us, given our published public keys (a JWK Set, RFC 8037)::

    {
      "algorithm": "Ed25519",
      "certificate_number": "GZ2026EC000001",
      "format": "openciq-signed-certificate/1",
      "key_id": "<first 16 hex digits of SHA-256 of the raw public key>",
      "payload": "<the SPS certificate XML>",
      "payload_type": "application/xml; profile=SPSCertificate:17",
      "signature": "<base64 of the Ed25519 signature over the UTF-8 bytes of payload>"
    }

Only the payload is signed. The envelope's ``certificate_number`` is therefore checked against the
number inside the signed XML (``SPSExchangedDocument/ID``), both when signing and when verifying,
so nobody can relabel a genuine certificate.

Key store (``OPENCIQ_SIGNING_KEY_FILE`` overrides the private key's path)::

    <settings.OPENCIQ_CERTIFICATE_DIR>/certificate-signing.pem     private key, PKCS#8, mode 0600
    <same folder>/public/<key_id>.pem                              every public key ever used

A key's public half is stored before the key signs anything, and stays after the key is retired,
so certificates signed with a retired key remain verifiable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from lxml import etree

logger = logging.getLogger(__name__)

FORMAT = "openciq-signed-certificate/1"
ALGORITHM = "Ed25519"
PAYLOAD_TYPE = "application/xml; profile=SPSCertificate:17"
KEY_FILE_ENV = "OPENCIQ_SIGNING_KEY_FILE"
KEY_FILE_NAME = "certificate-signing.pem"
FIELDS = frozenset(
    {"format", "algorithm", "key_id", "certificate_number", "payload_type", "payload", "signature"}
)


# --- Key store --------------------------------------------------------------------------------


def key_file() -> Path:
    """Where the current private signing key lives (read from the environment on every call)."""
    override = os.environ.get(KEY_FILE_ENV)
    if override:
        return Path(override)
    return Path(settings.OPENCIQ_CERTIFICATE_DIR) / KEY_FILE_NAME


def public_key_dir() -> Path:
    return key_file().parent / "public"


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey:
    """The current signing key, created on first use (with its public half stored first)."""
    path = key_file()
    if not path.exists():
        _install_new_key(path, replace=False)
    key = _load_private_key(path)
    _store_public_key(key.public_key())
    return key


def rotate_signing_key() -> str:
    """Retire the current key (its public half stays in the store) and make a new one.

    Returns the new key's id. Certificates signed before keep verifying with the old public key.
    """
    path = key_file()
    if path.exists():
        _store_public_key(_load_private_key(path).public_key())
    return _install_new_key(path, replace=True)


def current_key_id() -> str | None:
    """The id of the current signing key, or ``None`` when there is none yet (creates nothing)."""
    path = key_file()
    if not path.exists():
        return None
    return key_id(_load_private_key(path).public_key())


def local_public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key in the local store, and the current key's, by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    folder = public_key_dir()
    if folder.is_dir():
        for pem in sorted(folder.glob("*.pem")):
            keys.update(load_public_keys(pem))
    path = key_file()
    if path.exists():
        public = _load_private_key(path).public_key()
        keys[key_id(public)] = public
    return keys


def public_jwks() -> dict[str, list[dict[str, str]]]:
    """The local public keys as a JWK Set (RFC 7517, Ed25519 keys as in RFC 8037), by key id."""
    keys = local_public_keys()
    return {"keys": [_jwk(keys[kid]) for kid in sorted(keys)]}


def load_public_keys(path: str | Path) -> dict[str, Ed25519PublicKey]:
    """Read Ed25519 public keys from a JWK Set (or single JWK) JSON file or from a PEM file
    holding one or more ``PUBLIC KEY`` blocks. Raises ``ValueError`` saying what is wrong."""
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        return _keys_from_pem(data)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is neither a PEM file nor JSON: {exc}") from exc
    if isinstance(document, dict) and "keys" not in document and "kty" in document:
        document = {"keys": [document]}
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError(f"{path} is not a JWK Set: it has no 'keys' list")
    keys = {}
    for jwk in document["keys"]:
        public = _key_from_jwk(jwk)
        keys[key_id(public)] = public
    return keys


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    x = base64.urlsafe_b64encode(_raw(public_key)).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "kid": key_id(public_key), "x": x, "use": "sig", "alg": "EdDSA"}


def _key_from_jwk(jwk: Any) -> Ed25519PublicKey:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError(f"not an Ed25519 JWK (kty OKP, crv Ed25519): {jwk!r:.200}")
    x = jwk.get("x")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)) if isinstance(x, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"JWK {jwk.get('kid')!r}: 'x' is not 32 bytes in base64url")
    public = Ed25519PublicKey.from_public_bytes(raw)
    if "kid" in jwk and jwk["kid"] != key_id(public):
        raise ValueError(f"JWK kid {jwk['kid']!r} does not match its key, whose id is {key_id(public)}")
    return public


_PEM_PUBLIC_KEY = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


def _keys_from_pem(data: bytes) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    blocks = _PEM_PUBLIC_KEY.findall(data)
    if not blocks:
        raise ValueError("the PEM file holds no PUBLIC KEY block")
    for block in blocks:
        try:
            public = serialization.load_pem_public_key(block)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"the PEM file holds a public key that cannot be read: {exc}") from exc
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError(f"the PEM file holds a {type(public).__name__}, not an Ed25519 key")
        keys[key_id(public)] = public
    return keys


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def _store_public_key(public: Ed25519PublicKey) -> None:
    folder = public_key_dir()
    target = folder / f"{key_id(public)}.pem"
    if target.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_atomically(target, pem, mode=0o644, replace=True)


def _install_new_key(path: Path, *, replace: bool) -> str:
    """Make a key, store its public half, then put the private key at ``path``. Without
    ``replace``, a key another process installed first wins and this one is dropped."""
    key = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _store_public_key(key.public_key())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if _write_atomically(path, pem, mode=0o600, replace=replace):
        logger.warning("created certificate signing key %s at %s", kid, path)
    return kid


def _write_atomically(target: Path, data: bytes, *, mode: int, replace: bool) -> bool:
    """Write a complete file at ``target`` in one step, so no reader sees half a key.

    Returns False when ``replace`` is false and the target exists already."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, target)
            return True
        try:
            os.link(temporary, target)  # fails, unlike a rename, when the target exists
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


# --- Signing and verifying --------------------------------------------------------------------


class Reason(StrEnum):
    """Stable codes for the outcome of :func:`verify_document`."""

    OK = "ok"
    MALFORMED = "malformed"
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    NUMBER_MISMATCH = "number_mismatch"


@dataclass(frozen=True)
class VerificationResult:
    """What :func:`verify_document` found. ``key_id`` and ``certificate_number`` are what the
    document claims (``None`` when it could not be read that far); ``payload`` is the signed
    certificate XML, given only when the signature is valid."""

    valid: bool
    reason: Reason
    message: str
    key_id: str | None = None
    certificate_number: str | None = None
    payload: str | None = None


class _Invalid(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def sign_payload(payload: str, *, certificate_number: str) -> str:
    """Sign the certificate XML with the current key; returns the signed document's JSON text.

    Raises ``ValueError`` when the XML does not carry ``certificate_number`` as its
    ``SPSExchangedDocument/ID``."""
    carried = payload_certificate_number(payload)
    if carried != certificate_number:
        raise ValueError(
            f"the certificate XML carries number {carried!r}, not {certificate_number!r}"
            if carried
            else "the certificate XML has no SPSExchangedDocument/ID"
        )
    key = signing_key()
    document = {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "key_id": key_id(key.public_key()),
        "certificate_number": certificate_number,
        "payload_type": PAYLOAD_TYPE,
        "payload": payload,
        "signature": base64.b64encode(key.sign(payload.encode("utf-8"))).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def verify_document(
    text: str | bytes, *, keys: dict[str, Ed25519PublicKey] | None = None
) -> VerificationResult:
    """Check a signed certificate document against ``keys`` (default: the local key store).

    Never raises on a bad document: every failure is a result with a reason and a message."""
    claims: dict[str, str] = {}
    try:
        document = _parse(text)
        claims = {name: document[name] for name in ("key_id", "certificate_number")}
        _check_format(document)
        trusted = local_public_keys() if keys is None else keys
        payload = _check_signature(document, trusted)
        _check_number(payload, document["certificate_number"])
    except _Invalid as invalid:
        return VerificationResult(False, invalid.reason, invalid.message, **claims)
    message = (
        f"Certificate {claims['certificate_number']} carries a valid signature by key {claims['key_id']}."
    )
    return VerificationResult(True, Reason.OK, message, payload=payload, **claims)


def _parse(text: str | bytes) -> dict[str, str]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Invalid(
                Reason.MALFORMED, f"The document is not UTF-8 text ({exc.reason} at byte {exc.start})."
            ) from None
    try:
        document = json.loads(text, object_pairs_hook=_refuse_duplicates)
    except json.JSONDecodeError as exc:
        raise _Invalid(Reason.MALFORMED, f"The document is not valid JSON ({exc}).") from None
    except (ValueError, RecursionError) as exc:
        raise _Invalid(Reason.MALFORMED, f"The document is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise _Invalid(Reason.MALFORMED, "The document is not a JSON object.")
    if "format" in document and document["format"] != FORMAT:
        raise _Invalid(
            Reason.UNSUPPORTED_FORMAT,
            f"The document's format is {document['format']!r}; this verifier reads {FORMAT!r} only.",
        )
    missing = sorted(FIELDS - document.keys())
    unknown = sorted(document.keys() - FIELDS)
    if missing or unknown:
        problem = f"lacks the field(s) {', '.join(missing)}" if missing else ""
        problem += " and " if missing and unknown else ""
        problem += f"has unknown field(s) {', '.join(unknown)}" if unknown else ""
        raise _Invalid(Reason.MALFORMED, f"The document {problem}.")
    not_text = sorted(name for name in FIELDS if not isinstance(document[name], str))
    if not_text:
        raise _Invalid(Reason.MALFORMED, f"The document's field(s) {', '.join(not_text)} are not strings.")
    return document


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which of two equal names wins; a signed document must not be ambiguous.
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"the name {name!r} appears twice in one object")
        result[name] = value
    return result


def _check_format(document: dict[str, str]) -> None:
    if document["algorithm"] != ALGORITHM:
        raise _Invalid(
            Reason.UNSUPPORTED_FORMAT,
            f"The document is signed with {document['algorithm']!r}; this verifier accepts {ALGORITHM!r} only.",
        )
    if document["payload_type"] != PAYLOAD_TYPE:
        raise _Invalid(
            Reason.UNSUPPORTED_FORMAT,
            f"The document's payload type is {document['payload_type']!r}, not {PAYLOAD_TYPE!r}.",
        )


def _check_signature(document: dict[str, str], keys: dict[str, Ed25519PublicKey]) -> str:
    kid = document["key_id"]
    public = keys.get(kid)
    if public is None:
        raise _Invalid(
            Reason.UNKNOWN_KEY,
            f"The document was signed with key {kid!r}, which is not among the {len(keys)} trusted key(s)"
            f"{' (' + ', '.join(sorted(keys)) + ')' if keys else ''}.",
        )
    try:
        signature = base64.b64decode(document["signature"], validate=True)
    except binascii.Error:
        raise _Invalid(Reason.MALFORMED, "The document's signature is not valid base64.") from None
    if len(signature) != 64:
        raise _Invalid(
            Reason.MALFORMED,
            f"The document's signature is {len(signature)} bytes long; Ed25519 signatures are 64.",
        )
    payload = document["payload"]
    try:
        public.verify(signature, payload.encode("utf-8"))
    except InvalidSignature:
        raise _Invalid(
            Reason.BAD_SIGNATURE,
            f"The signature does not match the certificate data under key {kid}: "
            "the certificate was changed after it was signed, or the signature was not made with that key.",
        ) from None
    return payload


def _check_number(payload: str, claimed: str) -> None:
    carried = payload_certificate_number(payload)
    if carried != claimed:
        raise _Invalid(
            Reason.NUMBER_MISMATCH,
            f"The document is labelled certificate {claimed!r}, but the signed certificate inside it "
            + (f"is number {carried!r}." if carried else "carries no certificate number."),
        )


_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def payload_certificate_number(payload: str) -> str | None:
    """The certificate number inside SPS certificate XML (``SPSExchangedDocument/ID``, any
    namespace), or ``None`` when the XML is not well-formed or has none."""
    try:
        root = etree.fromstring(payload.encode("utf-8"), _XML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    found = root.xpath("(//*[local-name()='SPSExchangedDocument']/*[local-name()='ID'])[1]/text()")
    if isinstance(found, list) and found and isinstance(found[0], str):
        return found[0].strip()
    return None
