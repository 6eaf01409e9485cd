"""Generic page and API tests for every master-data type (see openciq.core.testing)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import factory

from openciq.accounts.models import OrgUnit
from openciq.core.models import AuditEvent
from openciq.masterdata.models import CalendarDay
from openciq.masterdata.seed import make_uscc
from tests import factories as f
from tests.crud import CrudTests


def gz() -> int:
    return OrgUnit.objects.get(code="GZ").pk


class EnterpriseCrudTests(CrudTests):
    object_type_label = "masterdata.enterprise"
    update_field = ("contact_name", "陈先生")
    invalid_field = ("uscc", "91440101MA59ABCDE0")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "uscc": make_uscc(random.Random(99)),
            "name_zh": "新企业有限公司",
            "kind": "exporter",
            "org_unit": gz(),
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.EnterpriseFactory()

    def test_bulk_edit_of_one_field_leaves_the_active_flag_alone(self) -> None:
        """The active flag is offered as leave / yes / no: editing the kind must not deactivate."""
        objs = [self.make_in_scope() for _ in range(2)]
        self.client.force_login(self.user)
        response = self.client.post(
            self.url("bulk_edit"), {"pk": [o.pk for o in objs], "kind": "importer", "_apply": "1"}
        )
        assert response.status_code == 302
        for obj in objs:
            obj.refresh_from_db()
            assert (obj.kind, obj.is_active) == ("importer", True)
            (event,) = AuditEvent.objects.filter(
                action="masterdata.enterprise_updated", object_id=str(obj.pk)
            )
            assert event.changes == {"kind": {"before": "exporter", "after": "importer"}}

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return f.EnterpriseFactory(org_unit=f.unit("SZ"))


class PremisesCrudTests(CrudTests):
    object_type_label = "masterdata.premises"
    update_field = ("address", "广州市黄埔区1号")
    invalid_field = ("gln", "6901234567890")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "registration_number": "NEW-0001",
            "name_zh": "新种植基地",
            "kind": "planting_base",
            "enterprise": cls.obj.enterprise_id,
            "org_unit": gz(),
            "latitude": "23.1",
            "longitude": "113.3",
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.PremisesFactory()

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return f.PremisesFactory(enterprise=f.EnterpriseFactory(org_unit=f.unit("SZ")))


class ProductCrudTests(CrudTests):
    object_type_label = "masterdata.product"
    create_data = {
        "hs_code": "07020000",
        "name_zh": "番茄",
        "risk_category": "medium",
        "unit": "kg",
        "is_active": "on",
    }
    update_field = ("risk_category", "high")
    invalid_field = ("hs_code", "0702")

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.ProductFactory()


class CountryCrudTests(CrudTests):
    object_type_label = "masterdata.country"
    create_data = {"code": "QZ", "alpha3": "QZZ", "numeric": "998", "name_zh": "测试地区", "is_active": "on"}
    update_field = ("name_en", "Test territory")
    invalid_field = ("code", "")

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.CountryFactory()


class PortCrudTests(CrudTests):
    object_type_label = "masterdata.port"
    update_field = ("kind", "land")
    invalid_field = ("kind", "space")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "code": "CNNEW01",
            "name_zh": "新港",
            "kind": "sea",
            "org_unit": gz(),
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.PortFactory()


class MonitoringPointCrudTests(CrudTests):
    object_type_label = "masterdata.monitoringpoint"
    update_field = ("kind", "berth")
    invalid_field = ("port", 999999)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "code": "MP-NEW",
            "name_zh": "新监控点",
            "port": cls.obj.port_id,
            "kind": "yard",
            "is_active": "on",
        }

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_active": True}

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.MonitoringPointFactory()

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return f.MonitoringPointFactory(port=f.PortFactory(org_unit=f.unit("SZ")))


class EnterpriseMembershipCrudTests(CrudTests):
    object_type_label = "masterdata.enterprisemembership"
    invalid_field = ("enterprise", 999999)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.spare_user = f.UserFactory(org_unit=None)
        cls.create_data = {"user": cls.spare_user.pk, "enterprise": cls.obj.enterprise_id}
        cls.update_field = ("enterprise", f.EnterpriseFactory().pk)

    @classmethod
    def make_in_scope(cls) -> Any:
        return f.MembershipFactory()

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return f.MembershipFactory(enterprise=f.EnterpriseFactory(org_unit=f.unit("SZ")))


class CalendarDayFactory(f.AuditedFactory):
    class Meta:
        model = CalendarDay

    date = factory.Sequence(lambda n: dt.date(2031, 1, 1) + dt.timedelta(days=n))
    name = factory.Sequence(lambda n: f"测试假日{n}")


class CalendarDayCrudTests(CrudTests):
    object_type_label = "masterdata.calendarday"
    create_data = {"date": "2026-10-01", "name": "国庆节"}
    update_field = ("name", "国庆节、中秋节")
    invalid_field = ("date", "2026-02-30")

    def create_payload(self) -> dict[str, Any]:
        return {**self.create_data, "is_working_day": False}

    @classmethod
    def make_in_scope(cls) -> Any:
        return CalendarDayFactory()

    def test_a_make_up_working_day_is_recorded_as_one(self) -> None:
        payload = {"date": "2026-09-27", "name": "国庆节调休", "is_working_day": True}
        response = self.api("post", self.api_url(), self.user, json=payload)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(CalendarDay.objects.get(date=dt.date(2026, 9, 27)).is_working_day)
