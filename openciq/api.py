"""The API at /api/v1/: one router per app, taken from the registry."""

from importlib import import_module
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, SessionAuth

from openciq.accounts.services import token_authenticate
from openciq.core.api import install_error_handlers
from openciq.core.registry import registry


class BearerToken(HttpBearer):
    """``Authorization: Bearer ociq_<prefix>_<secret>``; see ``openciq token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    """A signed-in browser session (unsafe methods need the CSRF token)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="OpenCIQ API",
        version="1",
        description="The OpenCIQ REST API. Authenticate with a session or `Authorization: Bearer <token>`. "
        "Errors answer `{code, message, fields}`.",
        urls_namespace="api",
        auth=[BearerToken(), ActiveSession()],
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    install_error_handlers(api)
    for prefix, builder in sorted(registry.api_routers):
        module, _, name = builder.rpartition(".")
        api.add_router(f"/{prefix}/", getattr(import_module(module), name)())
    return api


api = build_api()
