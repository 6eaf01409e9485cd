"""What accounts puts in the registry (called from ``AppConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from openciq.accounts import filtersets, forms, schemas, tables
from openciq.accounts.models import OrgUnit, User
from openciq.core.registry import ObjectType, Section, Seeder, registry


def register() -> None:
    from openciq.accounts.seed import seed

    registry.register_section(Section("accounts", _("Organisation"), order=80, icon="users"))
    registry.register_object_type(
        ObjectType(
            model=OrgUnit,
            section="accounts",
            filterset=filtersets.OrgUnitFilterSet,
            table=tables.OrgUnitTable,
            form=forms.OrgUnitForm,
            schema_in=schemas.OrgUnitIn,
            schema_patch=schemas.OrgUnitPatch,
            schema_out=schemas.OrgUnitOut,
            path="org-units",
            search_fields=("code", "name_zh", "name_en"),
            bulk_edit_fields=("is_active",),
            import_fields=("code", "name_zh", "name_en", "kind", "parent"),
            natural_keys={"parent": "code"},
            select_related=("parent",),
            ordering=("code", "path"),
        )
    )
    registry.register_object_type(
        ObjectType(
            model=User,
            section="accounts",
            filterset=filtersets.UserFilterSet,
            table=tables.UserTable,
            form=forms.UserForm,
            schema_in=schemas.UserIn,
            schema_patch=schemas.UserPatch,
            schema_out=schemas.UserOut,
            path="users",
            search_fields=("username", "display_name"),
            bulk_edit_fields=("org_unit", "is_active"),
            import_fields=("username", "display_name", "email", "org_unit"),
            natural_keys={"org_unit": "code"},
            select_related=("org_unit",),
            ordering=("username",),
        )
    )
    registry.register_api_router("accounts", "openciq.accounts.api.build")
    registry.register_seeder(Seeder("accounts", seed, order=10))
