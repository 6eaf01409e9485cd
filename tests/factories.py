"""factory_boy factories. Test set-up writes go through an audit scope like any other write."""

from __future__ import annotations

import random
from typing import Any

import factory
from django.db import transaction
from factory.django import DjangoModelFactory

from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.masterdata import models as md
from openciq.masterdata.seed import make_gln, make_uscc

_rng = random.Random(7)


class AuditedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with audit.scope(), transaction.atomic():
            obj = super()._create(model_class, *args, **kwargs)
            audit.record(actor=system_actor(), action="tests.factory_created", obj=obj)
        return obj


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


class EnterpriseFactory(AuditedFactory):
    class Meta:
        model = md.Enterprise

    uscc = factory.LazyFunction(lambda: make_uscc(_rng))
    name_zh = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    name_en = factory.Sequence(lambda n: f"Test Enterprise {n} Co., Ltd.")
    kind = "exporter"
    org_unit = factory.LazyFunction(lambda: unit("GZ"))


class PremisesFactory(AuditedFactory):
    class Meta:
        model = md.Premises

    registration_number = factory.Sequence(lambda n: f"T-PREM-{n:05d}")
    name_zh = factory.Sequence(lambda n: f"测试场所{n}")
    kind = "planting_base"
    enterprise = factory.SubFactory(EnterpriseFactory)
    org_unit = factory.LazyAttribute(lambda o: o.enterprise.org_unit)
    gln = factory.Sequence(lambda n: make_gln(_rng, 90000 + n))


class ProductFactory(AuditedFactory):
    class Meta:
        model = md.Product

    hs_code = factory.Sequence(lambda n: f"{990000 + n}")
    name_zh = factory.Sequence(lambda n: f"测试产品{n}")
    risk_category = "low"


class CountryFactory(AuditedFactory):
    class Meta:
        model = md.Country

    code = factory.Sequence(lambda n: f"X{chr(65 + n % 26)}")
    alpha3 = factory.Sequence(lambda n: f"XX{chr(65 + n % 26)}")
    numeric = factory.Sequence(lambda n: f"{900 + n % 99}")
    name_zh = factory.Sequence(lambda n: f"测试国{n}")


class PortFactory(AuditedFactory):
    class Meta:
        model = md.Port

    code = factory.Sequence(lambda n: f"TP{n:04d}")
    name_zh = factory.Sequence(lambda n: f"测试口岸{n}")
    kind = "sea"
    org_unit = factory.LazyFunction(lambda: unit("GZ"))


class MonitoringPointFactory(AuditedFactory):
    class Meta:
        model = md.MonitoringPoint

    code = factory.Sequence(lambda n: f"TMP{n:04d}")
    name_zh = factory.Sequence(lambda n: f"测试监控点{n}")
    kind = "cargo_gate"
    port = factory.SubFactory(PortFactory)


class OrgUnitFactory(AuditedFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"TU{n:03d}")
    name_zh = factory.Sequence(lambda n: f"测试部门{n}")
    kind = "department"
    parent = factory.LazyFunction(lambda: unit("GZ"))


class UserFactory(DjangoModelFactory):
    """Users are not tripwired models; the factory still records their creation."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    org_unit = factory.LazyFunction(lambda: unit("GZ"))
    password = factory.django.Password(None)


class MembershipFactory(AuditedFactory):
    class Meta:
        model = md.EnterpriseMembership

    user = factory.SubFactory(UserFactory, org_unit=None)
    enterprise = factory.SubFactory(EnterpriseFactory)
