from typing import Any

from django.http import HttpRequest
from ninja import Router

from openciq.accounts.schemas import UserOut
from openciq.core.api import ERRORS, add_crud_routes
from openciq.core.registry import registry

router = Router(tags=["accounts"])


def build() -> Router:
    @router.get(
        "/me",
        response={200: UserOut, **ERRORS},
        operation_id="accounts_me",
        url_name="accounts_me",
        summary="The authenticated user",
    )
    def me(request: HttpRequest) -> Any:
        return request.auth

    for object_type in registry.object_types_of("accounts"):
        add_crud_routes(router, object_type)
    return router
