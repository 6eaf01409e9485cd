"""``openciq certificate``: verify signed certificates, publish and rotate the signing key.

Exit codes of ``verify``: 0 the signature is valid, 1 the document is not (the reason code and
message go to stderr), 2 the check could not be made (unreadable file or key file). Nothing here
touches the database, so a receiving authority can run ``verify`` on a bare installation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openciq.declarations import signing


class Command(BaseCommand):
    help = "Verify signed electronic certificates offline; print the public keys; make a new signing key."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify", help="check a signed certificate file (exit 0 valid, 1 invalid)"
        )
        verify.add_argument("file", metavar="FILE", help="the signed certificate (JSON); '-' reads stdin")
        verify.add_argument(
            "--keys",
            metavar="JWKS_OR_PEM",
            help="trusted public keys, a JWK Set JSON or PEM file (default: this installation's key store)",
        )
        actions.add_parser("public-keys", help="print the public keys as a JWK Set (RFC 8037)")
        keygen = actions.add_parser("keygen", help="make a signing key and print its key id")
        keygen.add_argument(
            "--force",
            action="store_true",
            help="replace an existing key; it is retired, and documents it signed still verify",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            self.verify(options["file"], options.get("keys"))
        elif action == "public-keys":
            self.stdout.write(json.dumps(signing.public_jwks(), indent=2, sort_keys=True))
        elif action == "keygen":
            self.keygen(force=options.get("force", False))

    def verify(self, file: str, keys_path: str | None) -> None:
        try:
            text = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from exc
        keys = None
        if keys_path:
            try:
                keys = signing.load_public_keys(keys_path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the keys in {keys_path}: {exc}", returncode=2) from exc
        result = signing.verify_document(text, keys=keys)
        if result.valid:
            self.stdout.write(f"VALID: certificate {result.certificate_number} signed by key {result.key_id}")
            return
        self.stderr.write(f"INVALID ({result.reason}): {result.message}")
        sys.exit(1)

    def keygen(self, *, force: bool) -> None:
        current = signing.current_key_id()
        if current and not force:
            raise CommandError(
                f"a signing key exists already ({current}); --force retires it and makes a new one"
            )
        kid = signing.rotate_signing_key() if current else signing.key_id(signing.signing_key().public_key())
        if current:
            self.stderr.write(f"retired key {current}; its public key stays in {signing.public_key_dir()}")
        self.stdout.write(kid)
