import django_filters
from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import OrgUnitKind, Role
from openciq.accounts.models import OrgUnit, User
from openciq.core.filtersets import OpenciqFilterSet


class OrgUnitFilterSet(OpenciqFilterSet):
    search_fields = ("code", "name_zh", "name_en")
    kind = django_filters.ChoiceFilter(choices=OrgUnitKind.choices, label=_("kind"))
    parent = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("parent unit"))

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "parent", "is_active"]


class UserFilterSet(OpenciqFilterSet):
    search_fields = ("username", "display_name", "email")
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="groups__name", label=_("role"))
    org_unit = django_filters.ModelChoiceFilter(queryset=OrgUnit.objects.all(), label=_("org unit"))

    class Meta:
        model = User
        fields = ["q", "role", "org_unit", "is_active"]
