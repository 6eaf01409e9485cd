"""Generic page and API tests for every laboratory reference type (see openciq.core.testing),
with a manager of the food laboratory: objects of the chemistry laboratory are out of scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from openciq.accounts.models import OrgUnit
from openciq.core.testing import assert_matches_openapi
from tests import lims_fixtures as lf
from tests import personas
from tests.crud import CrudTests, all_perms


def food() -> OrgUnit:
    return lf.laboratory("LAB-FOOD")


def chem() -> OrgUnit:
    return lf.laboratory("LAB-CHEM")


class LabCrudTests(CrudTests):
    """A manager of the food laboratory holding every permission on the type."""

    @classmethod
    def permitted_user(cls) -> Any:
        username = f"manager_{cls.object_type_label.replace('.', '_')}"
        return personas.scoped_manager(username, all_perms(cls.object_type_label), unit="LAB-FOOD")

    def create_payload(self) -> dict[str, Any]:
        payload = {k: v for k, v in self.create_data.items() if v != ""}
        return {**payload, **{k: True for k, v in self.create_data.items() if v == "on"}}


class MethodCrudTests(LabCrudTests):
    object_type_label = "lims.method"
    update_field = ("standard", "GB 23200.113-2018")
    invalid_field = ("required_verifications", 5)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "code": "GB5009.12",
            "name_zh": "食品中铅的测定",
            "laboratory": food().pk,
            "standard": "GB 5009.12-2023",
            "required_verifications": 2,
            "is_active": "on",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_method(food())

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_method(chem())

    def test_a_laboratory_outside_the_managers_area_is_not_offered(self) -> None:
        self.client.force_login(self.user)
        response = self.client.post(self.url("add"), {**self.create_data, "laboratory": chem().pk})
        self.assertEqual(response.status_code, 200)
        self.assertIn("laboratory", response.context["form"].errors)
        choices = {pk for pk, _label in response.context["form"].fields["laboratory"].choices if pk}
        self.assertEqual({int(str(pk)) for pk in choices}, {food().pk})


class AnalysisServiceCrudTests(LabCrudTests):
    object_type_label = "lims.analysisservice"
    update_field = ("turnaround_days", 7)
    invalid_field = ("unit", "furlong")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.method = lf.make_method(food())
        cls.create_data = {
            "code": "LEAD",
            "name_zh": "铅",
            "name_en": "Lead",
            "laboratory": food().pk,
            "method": cls.method.pk,
            "result_type": "numeric",
            "unit": "mg/kg",
            "precision": 3,
            "lod": "0.005",
            "loq": "0.01",
            "duplicate_variation": "10",
            "turnaround_days": 5,
            "price": "120",
            "is_active": "on",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_service(food())

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_service(chem())

    def test_a_method_of_another_laboratory_is_refused(self) -> None:
        admin = personas.system_admin()
        other_method = lf.make_method(chem())
        response = self.api(
            "post", self.api_url(), admin, json={**self.create_payload(), "method": other_method.pk}
        )
        self.assertEqual(response.status_code, 400)
        with translation.override(settings.LANGUAGE_CODE):
            expected = gettext("%(object)s belongs to another laboratory.") % {"object": other_method}
        self.assertEqual(response.json()["fields"]["method"], [expected])

    def test_a_numeric_service_needs_a_unit_and_loq_not_below_lod(self) -> None:
        response = self.api(
            "post", self.api_url(), self.user, json={**self.create_payload(), "unit": "", "loq": "0.001"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["fields"]), {"unit", "loq"})


class SpecificationCrudTests(LabCrudTests):
    object_type_label = "lims.specification"
    update_field = ("source", "CAC/MRL 2-2025")
    invalid_field = ("high", "-1")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.service = lf.make_service(food())
        cls.create_data = {
            "service": cls.service.pk,
            "hs_prefix": "0709",
            "destination": "",
            "low": "0",
            "high": "0.1",
            "decision_rule": "guarded",
            "source": "GB 2763-2021",
            "is_active": "on",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_specification(lf.make_service(food()))

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_specification(lf.make_service(chem()))

    def test_a_second_limit_for_any_destination_is_refused(self) -> None:
        first = self.api("post", self.api_url(), self.user, json=self.create_payload())
        self.assertEqual(first.status_code, 201)
        second = self.api("post", self.api_url(), self.user, json=self.create_payload())
        self.assertEqual(second.status_code, 400)
        self.assertIn("destination", second.json()["fields"])


class InstrumentCrudTests(LabCrudTests):
    object_type_label = "lims.instrument"
    update_field = ("serial_number", "SN-0042")
    invalid_field = ("range_high", "-1")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.method = lf.make_method(food())
        cls.create_data = {
            "code": "ICPMS-01",
            "name_zh": "电感耦合等离子体质谱仪",
            "laboratory": food().pk,
            "kind": "ICP-MS",
            "methods": [cls.method.pk],
            "range_low": "0",
            "range_high": "100",
            "range_unit": "ug/kg",
            "is_active": "on",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_instrument(food())

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_instrument(chem())

    def test_patch_keeps_the_methods_and_refuses_another_laboratorys(self) -> None:
        instrument = lf.make_instrument(food(), [self.method])
        url = self.api_url(instrument.pk)
        response = self.api("patch", url, self.user, json={"serial_number": "SN-7"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual([m["id"] for m in response.json()["methods"]], [self.method.pk])
        other = lf.make_method(chem())
        refused = self.api(
            "patch", url, personas.system_admin(), json={"methods": [self.method.pk, other.pk]}
        )
        self.assertEqual(refused.status_code, 400)
        self.assertIn("methods", refused.json()["fields"])
        self.assertEqual(list(instrument.methods.all()), [self.method])


class InstrumentCalibrationCrudTests(LabCrudTests):
    object_type_label = "lims.instrumentcalibration"
    update_field = ("calibrated_by", "中国计量科学研究院")
    invalid_field = ("valid_until", "2025-12-31")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "instrument": lf.make_instrument(food()).pk,
            "certificate_number": "JZ2026-9999",
            "calibrated_by": "广东省计量科学研究院",
            "calibrated_on": "2026-01-10",
            "valid_until": "2027-01-09",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_calibration(lf.make_instrument(food()))

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_calibration(lf.make_instrument(chem()))


class ReferenceMaterialCrudTests(LabCrudTests):
    object_type_label = "lims.referencematerial"
    update_field = ("lot", "L2026-02")
    invalid_field = ("service", 999999)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.create_data = {
            "code": "CRM-PB-01",
            "name_zh": "大米中铅成分分析标准物质",
            "laboratory": food().pk,
            "service": lf.make_service(food()).pk,
            "lot": "B2026",
            "certified_value": "0.25",
            "certified_uncertainty": "0.02",
            "expires_on": "2027-06-30",
            "is_active": "on",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_reference_material(food())

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_reference_material(chem())


class ControlChartCrudTests(LabCrudTests):
    object_type_label = "lims.controlchart"
    update_field = ("notes", "第二次建立")
    invalid_field = ("sd", "0")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        material = lf.make_reference_material(food(), certified_value="0.25")
        cls.create_data = {
            "service": material.service_id,
            "reference_material": material.pk,
            "mean": "0.25",
            "sd": "0.01",
            "established_on": "2026-01-05",
        }

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_control_chart(lf.make_reference_material(food()))

    @classmethod
    def make_out_of_scope(cls) -> Any:
        return lf.make_control_chart(lf.make_reference_material(chem()))

    def test_a_chart_of_another_services_material_or_of_a_blank_is_refused(self) -> None:
        blank = lf.make_reference_material(food(), is_blank=True)
        other = lf.make_service(food())
        for material, service in ((blank, blank.service_id), (self.obj.reference_material, other.pk)):
            payload = {**self.create_payload(), "service": service, "reference_material": material.pk}
            response = self.api("post", self.api_url(), self.user, json=payload)
            self.assertEqual(response.status_code, 400)
            self.assertIn("reference_material", response.json()["fields"])


class ImportMappingCrudTests(LabCrudTests):
    object_type_label = "lims.importmapping"
    create_data = {
        "code": "TRACEFINDER",
        "name_zh": "赛默飞 TraceFinder 导出",
        "sample_column": "SampleName",
        "keyword_column": "Compound",
        "result_column": "Amount",
        "unit_column": "Units",
        "delimiter": ";",
        "encoding": "utf-8-sig",
        "skip_lines": 2,
        "decimal_comma": "on",
        "is_active": "on",
    }
    update_field = ("unit_column", "Unit of measure")
    invalid_field = ("encoding", "klingon")

    @classmethod
    def make_in_scope(cls) -> Any:
        return lf.make_import_mapping()

    def test_the_same_column_twice_and_a_quote_delimiter_are_refused(self) -> None:
        payload = {**self.create_payload(), "unit_column": "Amount"}
        response = self.api("post", self.api_url(), self.user, json=payload)
        self.assertEqual(response.status_code, 400)
        self.assertIn("__all__", response.json()["fields"])
        quote = self.api("post", self.api_url(), self.user, json={**self.create_payload(), "delimiter": '"'})
        self.assertEqual(quote.status_code, 400)
        self.assertIn("delimiter", quote.json()["fields"])

    def test_a_tab_delimiter_is_kept(self) -> None:
        response = self.api(
            "post", self.api_url(), self.user, json={**self.create_payload(), "delimiter": "\t"}
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["delimiter"], "\t")


def test_valid_on_filter_lists_the_calibrations_covering_the_day(db: Any, client: Any) -> None:
    instrument = lf.make_instrument(food())
    old = lf.make_calibration(
        instrument, calibrated_on=dt.date(2025, 1, 1), valid_until=dt.date(2025, 12, 31)
    )
    lf.make_calibration(instrument, calibrated_on=dt.date(2026, 1, 1), valid_until=dt.date(2026, 12, 31))
    client.force_login(personas.system_admin())
    path = f"/api/v1/lims/calibrations/?instrument={instrument.pk}&valid_on=2025-06-01"
    response = client.get(path)
    assert_matches_openapi("get", path, response)
    assert [row["certificate_number"] for row in response.json()["results"]] == [old.certificate_number]


def test_instrument_list_reads_the_methods_in_one_query_whatever_the_rows(db: Any, client: Any) -> None:
    method = lf.make_method(food())
    client.force_login(personas.system_admin())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/lims/instruments/?limit=50")
        assert response.status_code == 200
        return len(captured)

    lf.make_instrument(food(), [method])
    few = queries()
    for _ in range(5):
        lf.make_instrument(food(), [method])
    assert queries() == few
