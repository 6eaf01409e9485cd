"""Signed electronic certificates: key store, signing, offline verification and the command."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from openciq.declarations import signing

ROOT = Path(__file__).resolve().parent.parent
NUMBER = "GZ2026EC000001"
PAYLOAD = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:SPSCertificate xmlns:rsm="urn:un:unece:uncefact:data:standard:SPSCertificate:17"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:21">
  <rsm:SPSExchangedDocument>
    <ram:Name>植物检疫证书</ram:Name>
    <ram:ID>{NUMBER}</ram:ID>
  </rsm:SPSExchangedDocument>
  <rsm:SPSConsignment>
    <ram:ConsignorSPSParty><ram:Name>广州市绿源蔬菜有限公司</ram:Name></ram:ConsignorSPSParty>
    <ram:NetWeightMeasure unitCode="KGM">12000</ram:NetWeightMeasure>
  </rsm:SPSConsignment>
</rsm:SPSCertificate>
"""


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A key store in a temporary folder, so the installation's real key is never touched."""
    path = tmp_path / "keys" / "certificate-signing.pem"
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(path))
    return path


@pytest.fixture
def signed(key_file: Path) -> str:
    return signing.sign_payload(PAYLOAD, certificate_number=NUMBER)


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


# --- key store --------------------------------------------------------------------------------


def test_key_is_created_on_first_use_with_mode_0600_and_public_half_stored(key_file: Path) -> None:
    assert not key_file.exists()

    key = signing.signing_key()

    kid = signing.key_id(key.public_key())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    public_pem = key_file.parent / "public" / f"{kid}.pem"
    assert public_pem.read_bytes() == key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert signing.key_id(signing.signing_key().public_key()) == kid  # loaded, not made again
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["certificate-signing.pem", "public"]


def test_key_id_is_first_16_hex_digits_of_sha256_of_raw_public_key() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signing.key_id(key.public_key()) == hashlib.sha256(raw).hexdigest()[:16]
    assert len(signing.key_id(key.public_key())) == 16


def test_key_file_defaults_to_certificate_dir_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    monkeypatch.delenv(signing.KEY_FILE_ENV, raising=False)
    settings.OPENCIQ_CERTIFICATE_DIR = tmp_path / "var" / "keys"  # type: ignore[attr-defined]

    signing.signing_key()

    assert signing.key_file() == tmp_path / "var" / "keys" / "certificate-signing.pem"
    assert signing.key_file().exists()
    assert len(list((tmp_path / "var" / "keys" / "public").glob("*.pem"))) == 1


def test_public_jwks_is_an_rfc8037_key_set(key_file: Path) -> None:
    key = signing.signing_key()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    jwks = signing.public_jwks()

    assert jwks == {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "kid": signing.key_id(key.public_key()),
                "x": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                "use": "sig",
                "alg": "EdDSA",
            }
        ]
    }
    assert "=" not in jwks["keys"][0]["x"]


# --- signing and verifying --------------------------------------------------------------------


def test_signed_document_format(signed: str) -> None:
    document = json.loads(signed)
    kid = signing.key_id(signing.signing_key().public_key())

    assert signed.endswith("}\n")
    assert signed == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert "植物检疫证书" in signed  # not escaped
    assert {k: v for k, v in document.items() if k != "signature"} == {
        "format": "openciq-signed-certificate/1",
        "algorithm": "Ed25519",
        "key_id": kid,
        "certificate_number": NUMBER,
        "payload_type": "application/xml; profile=SPSCertificate:17",
        "payload": PAYLOAD,
    }
    signature = base64.b64decode(document["signature"], validate=True)
    signing.signing_key().public_key().verify(signature, PAYLOAD.encode("utf-8"))  # raises if wrong


def test_sign_then_verify_is_ok(signed: str) -> None:
    result = signing.verify_document(signed)

    kid = signing.key_id(signing.signing_key().public_key())
    assert result == signing.VerificationResult(
        valid=True,
        reason=signing.Reason.OK,
        message=f"Certificate {NUMBER} carries a valid signature by key {kid}.",
        key_id=kid,
        certificate_number=NUMBER,
        payload=PAYLOAD,
    )
    assert result.reason == "ok"
    assert signing.verify_document(signed.encode("utf-8")).valid


def test_one_byte_changed_in_payload_is_bad_signature(signed: str) -> None:
    data = signed.encode("utf-8")
    position = data.index(b">12000<") + 2
    tampered = data[:position] + b"3" + data[position + 1 :]  # 12000 kg -> 13000 kg

    result = signing.verify_document(tampered)

    assert (result.valid, result.reason) == (False, "bad_signature")
    assert result.message.startswith("The signature does not match the certificate data")
    assert result.payload is None
    assert result.certificate_number == NUMBER


def test_one_byte_changed_in_signature_is_bad_signature(signed: str) -> None:
    document = json.loads(signed)
    signature = bytearray(base64.b64decode(document["signature"]))
    signature[10] ^= 0x01
    tampered = _replace_once(signed, document["signature"], base64.b64encode(bytes(signature)).decode())

    result = signing.verify_document(tampered)

    assert (result.valid, result.reason) == (False, "bad_signature")


def test_one_character_changed_in_signature_text_is_bad_signature(signed: str) -> None:
    old = json.loads(signed)["signature"]
    new = old[:20] + ("A" if old[20] != "A" else "B") + old[21:]

    result = signing.verify_document(_replace_once(signed, old, new))

    assert result.reason == "bad_signature"


def test_truncated_file_is_malformed(signed: str) -> None:
    result = signing.verify_document(signed[: len(signed) // 2])

    assert (result.valid, result.reason) == (False, "malformed")
    assert result.message.startswith("The document is not valid JSON")
    assert (result.key_id, result.certificate_number, result.payload) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"\xff\xfe{}", "The document is not UTF-8 text"),
        ("", "The document is not valid JSON"),
        ("[1, 2]", "The document is not a JSON object."),
        ('{"format": 1', "The document is not valid JSON"),
        ("[" * 100_000, "The document is not valid JSON"),
    ],
)
def test_unreadable_input_is_malformed(key_file: Path, text: str | bytes, message: str) -> None:
    result = signing.verify_document(text)

    assert (result.valid, result.reason) == (False, "malformed")
    assert result.message.startswith(message)


def test_missing_unknown_duplicate_and_non_text_fields_are_malformed(signed: str) -> None:
    document = json.loads(signed)
    missing = {k: v for k, v in document.items() if k != "signature"}
    extra = {**document, "note": "added later"}
    not_text = {**document, "key_id": 42}
    duplicate = signed.replace('"algorithm": "Ed25519",', '"algorithm": "Ed25519",\n  "payload": "x",')

    assert (
        signing.verify_document(json.dumps(missing)).message == "The document lacks the field(s) signature."
    )
    assert signing.verify_document(json.dumps(extra)).message == "The document has unknown field(s) note."
    assert signing.verify_document(json.dumps(not_text)).message == (
        "The document's field(s) key_id are not strings."
    )
    assert signing.verify_document(duplicate).message == (
        "The document is not valid JSON (the name 'payload' appears twice in one object)."
    )
    for text in (json.dumps(missing), json.dumps(extra), json.dumps(not_text), duplicate):
        assert signing.verify_document(text).reason == "malformed"


def test_signature_that_is_not_64_bytes_of_base64_is_malformed(signed: str) -> None:
    old = json.loads(signed)["signature"]

    assert signing.verify_document(_replace_once(signed, old, "not base64!")).message == (
        "The document's signature is not valid base64."
    )
    assert signing.verify_document(_replace_once(signed, old, old[:-4])).message == (
        "The document's signature is 63 bytes long; Ed25519 signatures are 64."
    )


def test_other_format_algorithm_or_payload_type_is_unsupported(signed: str) -> None:
    other_format = signed.replace("openciq-signed-certificate/1", "openciq-signed-certificate/2")
    other_algorithm = signed.replace('"Ed25519"', '"Ed448"')
    other_type = signed.replace("profile=SPSCertificate:17", "profile=SPSCertificate:16")

    results = [signing.verify_document(text) for text in (other_format, other_algorithm, other_type)]

    assert [r.reason for r in results] == ["unsupported_format"] * 3
    assert results[0].message == (
        "The document's format is 'openciq-signed-certificate/2'; "
        "this verifier reads 'openciq-signed-certificate/1' only."
    )
    assert results[1].message == "The document is signed with 'Ed448'; this verifier accepts 'Ed25519' only."


def test_key_not_among_trusted_keys_is_unknown_key(signed: str) -> None:
    stranger = Ed25519PrivateKey.generate().public_key()
    kid = json.loads(signed)["key_id"]

    result = signing.verify_document(signed, keys={signing.key_id(stranger): stranger})

    assert (result.valid, result.reason, result.key_id) == (False, "unknown_key", kid)
    assert result.message == (
        f"The document was signed with key '{kid}', which is not among the 1 trusted key(s) "
        f"({signing.key_id(stranger)})."
    )


def test_relabelled_certificate_number_is_number_mismatch(signed: str) -> None:
    relabelled = signed.replace(f'"certificate_number": "{NUMBER}"', '"certificate_number": "GZ2026EC999999"')

    result = signing.verify_document(relabelled)

    assert (result.valid, result.reason) == (False, "number_mismatch")
    assert result.message == (
        f"The document is labelled certificate 'GZ2026EC999999', but the signed certificate inside it "
        f"is number '{NUMBER}'."
    )


def test_sign_refuses_payload_without_the_certificate_number(key_file: Path) -> None:
    with pytest.raises(ValueError, match="carries number 'GZ2026EC000001', not 'GZ2026EC000002'"):
        signing.sign_payload(PAYLOAD, certificate_number="GZ2026EC000002")
    with pytest.raises(ValueError, match="has no SPSExchangedDocument/ID"):
        signing.sign_payload("<not-a-certificate/>", certificate_number=NUMBER)


def test_verify_with_keys_loaded_from_published_jwks(
    signed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jwks_file = tmp_path / "published.jwks.json"
    jwks_file.write_text(json.dumps(signing.public_jwks()))
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(tmp_path / "elsewhere" / "none.pem"))  # empty store

    keys = signing.load_public_keys(jwks_file)

    assert signing.verify_document(signed).reason == "unknown_key"
    assert signing.verify_document(signed, keys=keys).reason == "ok"


def test_verify_with_key_loaded_from_pem(signed: str, key_file: Path) -> None:
    kid = json.loads(signed)["key_id"]
    pem = key_file.parent / "public" / f"{kid}.pem"

    keys = signing.load_public_keys(pem)

    assert list(keys) == [kid]
    assert signing.verify_document(signed, keys=keys).reason == "ok"


def test_load_public_keys_refuses_wrong_files(tmp_path: Path) -> None:
    bad_kid = tmp_path / "bad-kid.json"
    key = Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    bad_kid.write_text(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "0" * 16, "x": x}]}))
    short = tmp_path / "short.json"
    short.write_text(json.dumps({"kty": "OKP", "crv": "Ed25519", "x": x[:-2]}))
    text = tmp_path / "notes.txt"
    text.write_text("hello")

    with pytest.raises(ValueError, match="does not match its key"):
        signing.load_public_keys(bad_kid)
    with pytest.raises(ValueError, match="'x' is not 32 bytes"):
        signing.load_public_keys(short)
    private = tmp_path / "private.pem"
    private.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    rsa_public = tmp_path / "rsa.pem"
    rsa_public.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    with pytest.raises(ValueError, match="neither a PEM file nor JSON"):
        signing.load_public_keys(text)
    with pytest.raises(ValueError, match="holds no PUBLIC KEY block"):
        signing.load_public_keys(private)
    with pytest.raises(ValueError, match="holds a RSAPublicKey, not an Ed25519 key"):
        signing.load_public_keys(rsa_public)


def test_rotated_key_keeps_old_documents_verifiable(key_file: Path, tmp_path: Path) -> None:
    old_document = signing.sign_payload(PAYLOAD, certificate_number=NUMBER)
    old_kid = json.loads(old_document)["key_id"]

    new_kid = signing.rotate_signing_key()
    new_document = signing.sign_payload(PAYLOAD, certificate_number=NUMBER)

    assert new_kid != old_kid
    assert json.loads(new_document)["key_id"] == new_kid
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert signing.verify_document(old_document).reason == "ok"
    assert signing.verify_document(new_document).reason == "ok"
    assert [k["kid"] for k in signing.public_jwks()["keys"]] == sorted([old_kid, new_kid])
    published = tmp_path / "jwks.json"
    published.write_text(json.dumps(signing.public_jwks()))
    keys = signing.load_public_keys(published)
    assert signing.verify_document(old_document, keys=keys).reason == "ok"
    bundle = tmp_path / "all.pem"  # the public PEMs concatenated, as an authority might keep them
    bundle.write_bytes(b"".join(p.read_bytes() for p in sorted((key_file.parent / "public").glob("*.pem"))))
    assert sorted(signing.load_public_keys(bundle)) == sorted([old_kid, new_kid])


def test_externally_installed_key_gets_its_public_half_stored(key_file: Path) -> None:
    key = Ed25519PrivateKey.generate()
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    document = signing.sign_payload(PAYLOAD, certificate_number=NUMBER)

    signing.rotate_signing_key()

    assert (key_file.parent / "public" / f"{signing.key_id(key.public_key())}.pem").exists()
    assert signing.verify_document(document).reason == "ok"


# --- the command ------------------------------------------------------------------------------


def test_command_verify_valid(signed: str, tmp_path: Path) -> None:
    path = tmp_path / "certificate.json"
    path.write_text(signed, encoding="utf-8")
    out = StringIO()

    call_command("certificate", "verify", str(path), stdout=out)

    kid = json.loads(signed)["key_id"]
    assert out.getvalue() == f"VALID: certificate {NUMBER} signed by key {kid}\n"


def test_command_verify_invalid_exits_1_with_reason_on_stderr(signed: str, tmp_path: Path) -> None:
    path = tmp_path / "certificate.json"
    path.write_text(signed.replace(">12000<", ">13000<"), encoding="utf-8")
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("certificate", "verify", str(path), stdout=out, stderr=err)

    assert exit_.value.code == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("INVALID (bad_signature): The signature does not match")


def test_command_verify_with_keys_file(signed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "certificate.json"
    path.write_text(signed, encoding="utf-8")
    published = tmp_path / "published.json"
    published.write_text(json.dumps(signing.public_jwks()))
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    monkeypatch.setenv(signing.KEY_FILE_ENV, str(tmp_path / "empty" / "key.pem"))
    err = StringIO()

    call_command("certificate", "verify", str(path), "--keys", str(published), stdout=StringIO())
    with pytest.raises(SystemExit):
        call_command("certificate", "verify", str(path), "--keys", str(stranger), stderr=err)

    assert err.getvalue().startswith("INVALID (unknown_key): ")


def test_command_public_keys_prints_jwks(key_file: Path) -> None:
    signing.signing_key()
    out = StringIO()

    call_command("certificate", "public-keys", stdout=out)

    assert json.loads(out.getvalue()) == signing.public_jwks()


def test_command_keygen_makes_then_refuses_then_rotates(key_file: Path) -> None:
    out = StringIO()
    call_command("certificate", "keygen", stdout=out)
    first = out.getvalue().strip()

    with pytest.raises(CommandError, match=f"a signing key exists already \\({first}\\)"):
        call_command("certificate", "keygen", stdout=StringIO())
    out = StringIO()
    call_command("certificate", "keygen", "--force", stdout=out, stderr=StringIO())
    second = out.getvalue().strip()

    assert first != second
    assert signing.current_key_id() == second
    assert [k["kid"] for k in signing.public_jwks()["keys"]] == sorted([first, second])


def test_cli_exit_codes(signed: str, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(signed, encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(signed.replace(">12000<", ">13000<"), encoding="utf-8")
    env = {
        **os.environ,
        "OPENCIQ_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "openciq.settings",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "openciq.cli", "certificate", "verify", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    valid, invalid, missing = run(str(good)), run(str(bad)), run(str(tmp_path / "nowhere.json"))

    kid = json.loads(signed)["key_id"]
    assert (valid.returncode, valid.stdout) == (0, f"VALID: certificate {NUMBER} signed by key {kid}\n")
    assert invalid.returncode == 1
    assert invalid.stdout == ""
    assert invalid.stderr.startswith("INVALID (bad_signature): ")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
