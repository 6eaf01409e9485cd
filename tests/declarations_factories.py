"""Declarations for page tests, made the way users make them: through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openciq.declarations import services
from openciq.declarations.models import Declaration
from tests import factories as f

CONTAINER = "CSQU3054383"


def line(product: Any, **extra: Any) -> dict[str, Any]:
    return {
        "product": product.pk,
        "description": "Fresh garlic",
        "quantity": "1000",
        "unit": "KGM",
        "net_weight_kg": "1000",
        "value_usd": "1500.00",
        **extra,
    }


def header(enterprise: Any, port: Any, country: Any, **extra: Any) -> dict[str, Any]:
    return {
        "enterprise": enterprise.pk,
        "port": port.pk,
        "destination": country.pk,
        "transport_mode": "1",
        "containers": CONTAINER,
        "planned_shipment_date": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
        **extra,
    }


class World:
    """A GZ enterprise with a port, a destination and a product (HS chapter 99: no origin needed)."""

    def __init__(self) -> None:
        self.enterprise = f.EnterpriseFactory()
        self.port = f.PortFactory()
        self.country = f.CountryFactory()
        self.product = f.ProductFactory()

    def draft(self, actor: Any, **extra: Any) -> Declaration:
        return services.declaration_create(
            actor=actor,
            header=header(self.enterprise, self.port, self.country, **extra),
            lines=[line(self.product)],
        )
