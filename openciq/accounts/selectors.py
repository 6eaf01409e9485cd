from __future__ import annotations

from django.db.models import QuerySet

from openciq.accounts.models import ApiToken, User


def token_list(*, actor: User, user: User) -> QuerySet[ApiToken]:
    """A user's API tokens: visible to the user and to those who may change users."""
    if actor.pk != user.pk and not actor.has_perm("accounts.change_user"):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
