"""Factories and personas for the alerts tests (food-packaging filings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from openciq.accounts.models import User
from openciq.alerts.choices import FilingStatus
from openciq.alerts.models import PackagingFiling, add_years
from openciq.masterdata.models import Enterprise
from tests import factories as f
from tests import personas

# States that carry a filing number (they were approved once).
NUMBERED = {FilingStatus.APPROVED, FilingStatus.SUSPENDED, FilingStatus.REVOKED}


class PackagingFilingFactory(f.AuditedFactory):
    """A filing put straight into ``status`` (bypassing the services, for table tests)."""

    class Meta:
        model = PackagingFiling

    enterprise = factory.SubFactory(f.EnterpriseFactory, kind="food_packaging_maker")
    org_unit = factory.LazyAttribute(lambda o: o.enterprise.org_unit)
    status = FilingStatus.DRAFT
    categories = factory.LazyFunction(lambda: ["plastic", "paper"])
    materials = "聚丙烯（PP）树脂；水性油墨"
    production_address = "广州市黄埔区开发大道1号"
    annual_capacity = Decimal("1200.00")
    contact_name = "陈先生"
    contact_phone = "020-12345678"
    number = factory.LazyAttributeSequence(lambda o, n: f"T-FCM-{n:05d}" if o.status in NUMBERED else None)
    decided_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status in NUMBERED | {FilingStatus.REFUSED} else None
    )
    valid_until = factory.LazyAttribute(
        lambda o: add_years(timezone.localdate(), 3) if o.status in NUMBERED else None
    )

    @classmethod
    def _generate(cls, strategy: Any, params: dict[str, Any]) -> Any:
        personas.org_tree()  # the enterprise's branch must exist
        return super()._generate(strategy, params)


def application(enterprise: Enterprise, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of ``filing_create`` for a valid application."""
    return {
        "enterprise_id": enterprise.pk,
        "categories": ["paper", "plastic"],
        "materials": "食品级白卡纸；PE 淋膜",
        "production_address": "广州市番禺区工业路8号",
        "annual_capacity": Decimal("3500"),
        "contact_name": "李经理",
        "contact_phone": "020-87654321",
        "quality_certificate_number": "04523Q12345R0M",
        **overrides,
    }


def member_of(enterprise: Enterprise, username: str = "enterprise_user") -> User:
    """An enterprise user who acts for ``enterprise``."""
    user = personas.persona(username, "enterprise_user", None)
    f.MembershipFactory(user=user, enterprise=enterprise)
    return User.objects.get(pk=user.pk)


def gz_enterprise(**kwargs: Any) -> Enterprise:
    personas.org_tree()
    return f.EnterpriseFactory(kind="food_packaging_maker", **kwargs)
