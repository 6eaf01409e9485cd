import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit, User
from openciq.core.tables import OpenciqTable


class OrgUnitTable(OpenciqTable):
    code = tables.Column(linkify=("accounts:orgunit_detail", {"pk": tables.A("pk")}))
    name = tables.Column(verbose_name=_("name"), order_by=("name_zh",), accessor="name")
    parent = tables.Column(accessor="parent__code", verbose_name=_("parent unit"))

    class Meta(OpenciqTable.Meta):
        model = OrgUnit
        fields = ("pk", "code", "name", "kind", "parent", "is_active")


class UserTable(OpenciqTable):
    username = tables.Column(linkify=("accounts:user_detail", {"pk": tables.A("pk")}))
    org_unit = tables.Column(accessor="org_unit__code", verbose_name=_("org unit"))

    class Meta(OpenciqTable.Meta):
        model = User
        fields = ("pk", "username", "display_name", "email", "org_unit", "is_active", "last_login")
