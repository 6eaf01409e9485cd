"""A small world for declaration tests: a GZ exporter, its planting base, a port, Hong Kong,
vegetables (which need origin premises) and a machine part (which does not)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from openciq.accounts.models import User
from openciq.declarations import services
from openciq.declarations.models import Declaration
from openciq.masterdata import models as md
from tests import factories as f
from tests import personas


@dataclass
class World:
    enterprise: md.Enterprise
    premises: md.Premises
    port: md.Port
    hong_kong: md.Country
    vegetable: md.Product
    machine_part: md.Product
    enterprise_user: User
    inspector: User

    def header(self, **overrides: Any) -> dict[str, Any]:
        return {
            "enterprise": self.enterprise.pk,
            "port": self.port.pk,
            "destination": self.hong_kong.pk,
            "transport_mode": "3",
            "containers": ["CSQU3054383"],
            "means_of_transport": "粤Z1234港",
            "contract_ref": "C-2026-001",
            "invoice_ref": "INV-001",
            "planned_shipment_date": str(dt.date(2026, 12, 1)),
            "consignee_name": "Hong Kong Fresh Ltd",
            "consignee_address": "Kowloon, Hong Kong",
            "certificate_kind": "phytosanitary",
            **overrides,
        }

    def line(self, **overrides: Any) -> dict[str, Any]:
        return {
            "product": self.vegetable.pk,
            "hs_code": "",
            "description": "菜心",
            "quantity": "1200",
            "unit": "KGM",
            "net_weight_kg": "1200",
            "value_usd": "1500.00",
            "origin_premises": self.premises.pk,
            "lot": "L-001",
            **overrides,
        }

    def draft(self, actor: Any = None, **overrides: Any) -> Declaration:
        return services.declaration_create(
            actor=actor or self.enterprise_user, header=self.header(**overrides), lines=[self.line()]
        )


def world(classification: str = "C") -> World:
    personas.org_tree()
    enterprise = f.EnterpriseFactory(classification=classification, name_zh="广州绿源蔬菜出口有限公司")
    user = personas.enterprise_user()
    f.MembershipFactory(user=user, enterprise=enterprise)
    return World(
        enterprise=enterprise,
        premises=f.PremisesFactory(enterprise=enterprise, name_zh="从化蔬菜种植基地"),
        port=f.PortFactory(name_zh="广州南沙港", name_en="Guangzhou Nansha"),
        hong_kong=md.Country.objects.filter(code="HK").first()
        or f.CountryFactory(code="HK", alpha3="HKG", numeric="344", name_zh="中国香港", name_en="Hong Kong"),
        vegetable=md.Product.objects.filter(hs_code="070490").first()
        or f.ProductFactory(hs_code="070490", name_zh="菜心", name_en="Choy sum", risk_category="medium"),
        machine_part=f.ProductFactory(
            hs_code="848180", name_zh="阀门", name_en="Valves", risk_category="low"
        ),
        enterprise_user=User.objects.get(pk=user.pk),
        inspector=personas.inspector_gz(),
    )


def force_draw(monkeypatch: Any, value: float) -> None:
    """Make the risk engine's random draw ``value`` (0.0 → sampling, 0.999 → the band's default)."""
    monkeypatch.setattr(services, "draw_random", lambda: value)
