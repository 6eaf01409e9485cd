import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from openciq.core.tables import OpenciqTable
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


def _link(name: str) -> tuple[str, dict[str, tables.A]]:
    return (f"masterdata:{name}_detail", {"pk": tables.A("pk")})


NAME = {"verbose_name": _("name"), "accessor": "name", "order_by": ("name_zh",)}


class CountryTable(OpenciqTable):
    code = tables.Column(linkify=_link("country"))
    name = tables.Column(**NAME)

    class Meta(OpenciqTable.Meta):
        model = Country
        fields = ("pk", "code", "alpha3", "numeric", "name", "is_active")


class PortTable(OpenciqTable):
    code = tables.Column(linkify=_link("port"))
    name = tables.Column(**NAME)
    org_unit = tables.Column(
        accessor="org_unit__name", order_by=("org_unit__code",), verbose_name=_("branch bureau")
    )

    class Meta(OpenciqTable.Meta):
        model = Port
        fields = ("pk", "code", "name", "kind", "org_unit", "is_active")


class MonitoringPointTable(OpenciqTable):
    code = tables.Column(linkify=_link("monitoringpoint"))
    name = tables.Column(**NAME)
    port = tables.Column(accessor="port__code", verbose_name=_("port"))

    class Meta(OpenciqTable.Meta):
        model = MonitoringPoint
        fields = ("pk", "code", "name", "port", "kind", "is_active")


class EnterpriseTable(OpenciqTable):
    uscc = tables.Column(linkify=_link("enterprise"))
    name = tables.Column(**NAME)
    org_unit = tables.Column(
        accessor="org_unit__name", order_by=("org_unit__code",), verbose_name=_("supervising branch")
    )

    class Meta(OpenciqTable.Meta):
        model = Enterprise
        fields = ("pk", "uscc", "name", "kind", "classification", "org_unit", "is_active")


class EnterpriseMembershipTable(OpenciqTable):
    id = tables.Column(linkify=_link("enterprisemembership"), verbose_name="#")
    user = tables.Column(accessor="user__username", verbose_name=_("user"))
    enterprise = tables.Column(
        accessor="enterprise__name", order_by=("enterprise__uscc",), verbose_name=_("enterprise")
    )

    class Meta(OpenciqTable.Meta):
        model = EnterpriseMembership
        fields = ("pk", "id", "user", "enterprise")


class PremisesTable(OpenciqTable):
    registration_number = tables.Column(linkify=_link("premises"))
    name = tables.Column(**NAME)
    enterprise = tables.Column(
        accessor="enterprise__name", order_by=("enterprise__uscc",), verbose_name=_("owning enterprise")
    )

    class Meta(OpenciqTable.Meta):
        model = Premises
        fields = ("pk", "registration_number", "name", "kind", "enterprise", "gln", "is_active")


class ProductTable(OpenciqTable):
    hs_code = tables.Column(linkify=_link("product"))
    name = tables.Column(**NAME)

    class Meta(OpenciqTable.Meta):
        model = Product
        fields = ("pk", "hs_code", "name", "risk_category", "unit", "is_active")


class CalendarDayTable(OpenciqTable):
    date = tables.Column(linkify=_link("calendarday"))

    class Meta(OpenciqTable.Meta):
        model = CalendarDay
        fields = ("pk", "date", "name", "is_working_day")
