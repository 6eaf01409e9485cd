import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import OrgUnit
from openciq.core.filtersets import OpenciqFilterSet
from openciq.masterdata.choices import (
    EnterpriseClass,
    EnterpriseKind,
    MonitoringPointKind,
    PortKind,
    PremisesKind,
    RiskCategory,
)
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


class CountryFilterSet(OpenciqFilterSet):
    search_fields = ("code", "alpha3", "name_zh", "name_en")

    class Meta:
        model = Country
        fields = ["q", "is_active"]


class PortFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en")
    kind = django_filters.ChoiceFilter(choices=PortKind.choices, label=_("kind"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("branch bureau"))

    class Meta:
        model = Port
        fields = ["q", "kind", "org_unit", "is_active"]


class MonitoringPointFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en")
    kind = django_filters.ChoiceFilter(choices=MonitoringPointKind.choices, label=_("kind"))
    port = django_filters.ModelChoiceFilter(queryset=Port.objects.all(), label=_("port"))

    class Meta:
        model = MonitoringPoint
        fields = ["q", "kind", "port", "is_active"]


class EnterpriseFilterSet(OpenciqFilterSet):
    search_fields = ("uscc", "name_zh", "name_en")
    kind = django_filters.ChoiceFilter(choices=EnterpriseKind.choices, label=_("kind"))
    classification = django_filters.ChoiceFilter(choices=EnterpriseClass.choices, label=_("classification"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("supervising branch"))

    class Meta:
        model = Enterprise
        fields = ["q", "kind", "classification", "org_unit", "is_active"]


class EnterpriseMembershipFilterSet(OpenciqFilterSet):
    search_fields = ("user__username", "enterprise__uscc", "enterprise__name_zh")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("enterprise"))

    class Meta:
        model = EnterpriseMembership
        fields = ["q", "enterprise"]


class PremisesFilterSet(OpenciqFilterSet):
    search_fields = ("registration_number", "name_zh", "name_en", "gln")
    kind = django_filters.ChoiceFilter(choices=PremisesKind.choices, label=_("kind"))
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label=_("owning enterprise"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("supervising branch"))

    class Meta:
        model = Premises
        fields = ["q", "kind", "enterprise", "org_unit", "is_active"]


class ProductFilterSet(OpenciqFilterSet):
    search_fields = ("hs_code", "name_zh", "name_en")
    risk_category = django_filters.ChoiceFilter(choices=RiskCategory.choices, label=_("risk category"))
    hs_prefix = django_filters.CharFilter(
        field_name="hs_code", lookup_expr="startswith", label=_("HS code starts with")
    )

    class Meta:
        model = Product
        fields = ["q", "risk_category", "hs_prefix", "is_active"]


class CalendarDayFilterSet(OpenciqFilterSet):
    search_fields = ("name",)
    after = django_filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = django_filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("on or before"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = CalendarDay
        fields = ["q", "is_working_day", "after", "before"]
