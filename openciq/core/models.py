"""Base models shared by every subsystem, and the audit log itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Actor = AbstractBaseUser | AnonymousUser


def has_global_scope(actor: Any) -> bool:
    """True for actors who see every object they have a permission for (administrators, leaders)."""
    return bool(getattr(actor, "has_global_scope", getattr(actor, "is_superuser", False)))


class OpenciqQuerySet(models.QuerySet[Any]):
    def restrict(self, actor: Any, action: str = "view") -> Self:
        """Objects ``actor`` may ``action`` (view/change/delete): permission first, then scope.

        Out-of-scope objects are simply absent, so views answer 404 for them, never 403.
        """
        if actor is None or not actor.is_authenticated or not actor.is_active:
            return self.none()
        opts = self.model._meta
        if not actor.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        return self.in_scope(actor)

    def in_scope(self, actor: Any) -> Self:
        """Objects in ``actor``'s area, whatever their permissions (choices offered in forms)."""
        if actor is None or not actor.is_authenticated:
            return self.none()
        if has_global_scope(actor):
            return self
        condition = self.model.scope_q(actor)
        return self if condition is None else self.filter(condition)


class OpenciqModel(models.Model):
    """Abstract base: timestamps, a scoped queryset and audited writes."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    objects = OpenciqQuerySet.as_manager()

    # Fields never shown in audit diffs (derived or bookkeeping values).
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        """The condition limiting what a non-global actor sees; ``None`` means no limit.

        Reference data that every user picks from (countries, products) has no scope.
        """
        return None


class LocalizedNameMixin(models.Model):
    """A thing with a Chinese and an English name, shown in the user's language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = get_language() or settings.LANGUAGE_CODE
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh or self.name_en


class ReferenceModel(LocalizedNameMixin, OpenciqModel):
    """Abstract base for code/name master data."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WorkflowModel(OpenciqModel):
    """Abstract base for objects with a life cycle. Only services change ``status``.

    Subclasses declare ``transitions = {"verb": ({from states}, "to state")}``; services call
    :func:`openciq.core.workflow.transition`, which checks the pair and refuses concurrent moves.
    """

    status = models.CharField(_("status"), max_length=32, editable=False, db_index=True)

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {}

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with the changed fields before and after.

    Append-only (database triggers refuse UPDATE and DELETE) and hash-chained: each row's
    ``hash`` covers its content and the previous row's hash, so any edit, deletion or insertion
    in the middle breaks the chain, which ``openciq audit verify`` finds.
    """

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    actor_repr = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["content_type", "object_id", "id"], name="audit_object_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"


class Counter(models.Model):
    """A named, gap-free counter for document numbers (declarations, certificates, filings).

    Not an ``OpenciqModel``: it is bookkeeping inside the audited write that takes the number.
    """

    name = models.CharField(max_length=100, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
