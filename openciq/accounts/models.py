"""Users, their org units and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import GLOBAL_SCOPE_ROLES, OrgUnitKind, Role
from openciq.core.models import OpenciqModel, OpenciqQuerySet, ReferenceModel, has_global_scope


class OrgUnit(ReferenceModel):
    """A unit of the authority: the provincial bureau, a branch bureau, a port office, a
    laboratory or a department. ``path`` (codes from the root) makes subtree queries one
    ``LIKE 'prefix%'``."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(_("path"), max_length=400, editable=False, db_index=True)

    audit_exclude = OpenciqModel.audit_exclude | {"path"}

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The path is derived from the parent's; a unit does not change parent after creation
        # (the edit form does not offer it), so descendants' paths never go stale.
        self.path = f"{self.parent.path if self.parent else '/'}{self.code}/"
        super().save(*args, **kwargs)


class UserQuerySet(OpenciqQuerySet):
    pass


class OpenciqUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in: authority staff (with an org unit) or an enterprise's user."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("org unit"),
    )

    objects = OpenciqUserManager()  # type: ignore[misc]

    audit_exclude = frozenset({"password", "last_login", "date_joined"})

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def has_global_scope(self) -> bool:
        return self.is_superuser or bool(self.role_names & GLOBAL_SCOPE_ROLES)

    @property
    def scope_path(self) -> str | None:
        """The org-unit subtree this user works in, or ``None`` for users without a unit."""
        return self.org_unit.path if self.org_unit_id and self.org_unit else None

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        if actor.scope_path:
            return Q(org_unit__path__startswith=actor.scope_path)
        return Q(pk=actor.pk)

    def audit_extra(self) -> dict[str, Any]:
        """Roles are a many-to-many relation, so the audit snapshot adds them by hand."""
        return {"roles": sorted(self.groups.values_list("name", flat=True))} if self.pk else {}

    def roles(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(n, n)) for n in sorted(self.role_names)]


def org_scope_q(actor: Any, path_lookup: str = "org_unit__path") -> Q:
    """Objects whose org unit lies in the actor's subtree; nothing for actors without a unit."""
    if has_global_scope(actor):
        return Q()
    path = getattr(actor, "scope_path", None)
    return Q(**{f"{path_lookup}__startswith": path}) if path else Q(pk__in=[])


def role_group(role: Role | str) -> Group:
    return Group.objects.get(name=str(role))


class ApiToken(OpenciqModel):
    """A bearer token for the API. Only a SHA-256 digest of the secret is stored; the secret is
    shown once, at creation."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_exclude = OpenciqModel.audit_exclude | {"digest", "last_used_at"}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return Q(user=actor)
