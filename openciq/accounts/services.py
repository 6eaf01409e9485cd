"""Writes on users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.models import ApiToken, OrgUnit, User
from openciq.core import audit
from openciq.core.errors import PermissionDeniedError, ValidationFailed

TOKEN_PREFIX = "ociq"
SYSTEM_USERNAME = "system"


def token_digest(secret: str) -> str:
    # Tokens are 256-bit random values, so a fast hash is enough: no dictionary to guess from.
    return hashlib.sha256(secret.encode()).hexdigest()


def _may_manage_tokens(actor: User, user: User) -> bool:
    return actor.pk == user.pk or actor.has_perm("accounts.change_user")


@audit.audited
def token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns it and the one-time secret ``ociq_<prefix>_<secret>``.

    Permission: the user themself or ``accounts.change_user``. Audit ``accounts.token_created``.
    """
    if not _may_manage_tokens(actor, user):
        raise PermissionDeniedError()
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), fields={"name": [_("This field is required.")]})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix, digest=token_digest(secret))
    audit.record_change(actor=actor, action="accounts.token_created", obj=token, before=None)
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@audit.audited
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once. Audit ``accounts.token_revoked``."""
    if not _may_manage_tokens(actor, token.user):
        raise PermissionDeniedError()
    before = audit.snapshot(token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit.record_change(actor=actor, action="accounts.token_revoked", obj=token, before=before)
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or ``None``."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    if not secrets.compare_digest(token.digest, token_digest(parts[2])):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Bookkeeping, not a business change: a queryset update, deliberately not audited.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user: User = token.user
    return user


@audit.audited
def user_create(
    *,
    actor: User,
    username: str,
    password: str | None,
    display_name: str = "",
    org_unit: OrgUnit | None = None,
    roles: Iterable[str] = (),
    email: str = "",
) -> User:
    """Create a user with roles. Audit ``accounts.user_created``."""
    if actor.pk and not (actor.has_perm("accounts.add_user") or is_system_actor(actor)):
        raise PermissionDeniedError()
    user = User(username=username, display_name=display_name, org_unit=org_unit, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=[str(r) for r in roles]))
    audit.record(
        actor=actor,
        action="accounts.user_created",
        obj=user,
        changes={**audit.diff(None, audit.snapshot(user)), "roles": {"before": [], "after": sorted(roles)}},
    )
    return user


@audit.audited
def user_password_changed(*, actor: User, user: User) -> None:
    """Record a password change made through Django's password forms. Audit only."""
    audit.record(actor=actor, action="accounts.password_changed", obj=user, changes={})


def is_system_actor(actor: Any) -> bool:
    """The actor of jobs, seeders and device ingest (inactive, so it holds no permissions:
    services that let it act say so)."""
    return getattr(actor, "username", None) == SYSTEM_USERNAME


def system_actor() -> User:
    """The actor for jobs, seeders and device ingest; never ``None``."""
    user: User | None = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, display_name="OpenCIQ", is_active=False)
        user.set_unusable_password()
        with audit.scope(), transaction.atomic():
            user.save()
            audit.record(
                actor=user,
                action="accounts.user_created",
                obj=user,
                changes=audit.diff(None, audit.snapshot(user)),
            )
    return user
