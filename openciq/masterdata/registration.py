"""What masterdata puts in the registry (called from ``AppConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from openciq.core.registry import ObjectType, Section, Seeder, Widget, registry
from openciq.masterdata import filtersets, forms, schemas, tables
from openciq.masterdata.models import (
    CalendarDay,
    Country,
    Enterprise,
    EnterpriseMembership,
    MonitoringPoint,
    Port,
    Premises,
    Product,
)


def register() -> None:
    from openciq.masterdata.seed import seed
    from openciq.masterdata.views import enterprise_detail_context
    from openciq.masterdata.widgets import enterprise_classes

    registry.register_section(Section("masterdata", _("Master data"), order=20, icon="database"))
    common = {"section": "masterdata"}
    registry.register_object_type(
        ObjectType(
            model=Enterprise,
            filterset=filtersets.EnterpriseFilterSet,
            table=tables.EnterpriseTable,
            form=forms.EnterpriseForm,
            schema_in=schemas.EnterpriseIn,
            schema_patch=schemas.EnterprisePatch,
            schema_out=schemas.EnterpriseOut,
            path="enterprises",
            search_fields=("uscc", "name_zh", "name_en"),
            bulk_edit_fields=("kind", "org_unit", "is_active"),
            import_fields=(
                "uscc",
                "name_zh",
                "name_en",
                "kind",
                "org_unit",
                "address",
                "contact_name",
                "contact_phone",
                "registered_on",
            ),
            natural_keys={"org_unit": "code"},
            select_related=("org_unit",),
            ordering=("uscc", "name_zh", "classification", "updated_at"),
            detail_template="masterdata/enterprise.html",
            detail_context=enterprise_detail_context,
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Premises,
            filterset=filtersets.PremisesFilterSet,
            table=tables.PremisesTable,
            form=forms.PremisesForm,
            schema_in=schemas.PremisesIn,
            schema_patch=schemas.PremisesPatch,
            schema_out=schemas.PremisesOut,
            path="premises",
            search_fields=("registration_number", "name_zh", "name_en"),
            bulk_edit_fields=("kind", "org_unit", "is_active"),
            import_fields=(
                "registration_number",
                "name_zh",
                "name_en",
                "kind",
                "enterprise",
                "org_unit",
                "gln",
                "latitude",
                "longitude",
                "address",
            ),
            natural_keys={"enterprise": "uscc", "org_unit": "code"},
            select_related=("enterprise", "org_unit"),
            ordering=("registration_number", "name_zh"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Product,
            filterset=filtersets.ProductFilterSet,
            table=tables.ProductTable,
            form=forms.ProductForm,
            schema_in=schemas.ProductIn,
            schema_patch=schemas.ProductPatch,
            schema_out=schemas.ProductOut,
            path="products",
            search_fields=("hs_code", "name_zh", "name_en"),
            bulk_edit_fields=("risk_category", "unit", "is_active"),
            import_fields=("hs_code", "name_zh", "name_en", "risk_category", "unit"),
            ordering=("hs_code", "name_zh", "risk_category"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Country,
            filterset=filtersets.CountryFilterSet,
            table=tables.CountryTable,
            form=forms.CountryForm,
            schema_in=schemas.CountryIn,
            schema_patch=schemas.CountryPatch,
            schema_out=schemas.CountryOut,
            path="countries",
            search_fields=("code", "name_zh", "name_en"),
            bulk_edit_fields=("is_active",),
            import_fields=("code", "alpha3", "numeric", "name_zh", "name_en"),
            ordering=("code", "name_zh"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=Port,
            filterset=filtersets.PortFilterSet,
            table=tables.PortTable,
            form=forms.PortForm,
            schema_in=schemas.PortIn,
            schema_patch=schemas.PortPatch,
            schema_out=schemas.PortOut,
            path="ports",
            search_fields=("code", "name_zh", "name_en"),
            bulk_edit_fields=("kind", "org_unit", "is_active"),
            import_fields=("code", "name_zh", "name_en", "kind", "org_unit", "description"),
            natural_keys={"org_unit": "code"},
            select_related=("org_unit",),
            ordering=("code", "name_zh"),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=MonitoringPoint,
            filterset=filtersets.MonitoringPointFilterSet,
            table=tables.MonitoringPointTable,
            form=forms.MonitoringPointForm,
            schema_in=schemas.MonitoringPointIn,
            schema_patch=schemas.MonitoringPointPatch,
            schema_out=schemas.MonitoringPointOut,
            path="monitoring-points",
            search_fields=("code", "name_zh", "name_en"),
            bulk_edit_fields=("kind", "is_active"),
            import_fields=("code", "name_zh", "name_en", "port", "kind", "description"),
            natural_keys={"port": "code"},
            select_related=("port",),
            ordering=("code",),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=EnterpriseMembership,
            filterset=filtersets.EnterpriseMembershipFilterSet,
            table=tables.EnterpriseMembershipTable,
            form=forms.EnterpriseMembershipForm,
            schema_in=schemas.EnterpriseMembershipIn,
            schema_patch=schemas.EnterpriseMembershipPatch,
            schema_out=schemas.EnterpriseMembershipOut,
            path="enterprise-memberships",
            import_fields=("user", "enterprise"),
            natural_keys={"user": "username", "enterprise": "uscc"},
            select_related=("user", "enterprise"),
            ordering=("id",),
            **common,
        )
    )
    registry.register_object_type(
        ObjectType(
            model=CalendarDay,
            filterset=filtersets.CalendarDayFilterSet,
            table=tables.CalendarDayTable,
            form=forms.CalendarDayForm,
            schema_in=schemas.CalendarDayIn,
            schema_patch=schemas.CalendarDayPatch,
            schema_out=schemas.CalendarDayOut,
            path="calendar-days",
            search_fields=("name",),
            bulk_edit_fields=("name",),
            import_fields=("date", "name", "is_working_day"),
            ordering=("date",),
            **common,
        )
    )
    registry.register_api_router("masterdata", "openciq.masterdata.api.build")
    registry.register_widget(Widget("masterdata.enterprise_classes", enterprise_classes, order=20))
    registry.register_seeder(Seeder("masterdata", seed, order=20))
