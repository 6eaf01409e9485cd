from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from openciq.core.navigation import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs on every page: the menu and the language list."""
    user = getattr(request, "user", None)
    return {
        "menu": menu_for(user) if user is not None else [],
        "languages": settings.LANGUAGES,
        "debug_banner": settings.DEBUG,
    }
