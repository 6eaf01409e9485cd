from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import Group
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.accounts.models import OrgUnit, User
from openciq.core.forms import OpenciqModelForm, style_widgets


class OrgUnitForm(OpenciqModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name_zh", "name_en", "kind", "parent", "description", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Moving a unit would move everything below it; that is a reorganisation, not an edit.
            self.fields["parent"].disabled = True


class UserForm(OpenciqModelForm):
    roles = forms.MultipleChoiceField(label=_("roles"), choices=Role.choices, required=False)
    new_password = forms.CharField(
        label=_("new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the current password."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "org_unit", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["roles"] = sorted(self.instance.groups.values_list("name", flat=True))
        style_widgets(self)

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data.get("new_password") or ""
        if password:
            password_validation.validate_password(password, self.instance)
        return password

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            user.set_password(self.cleaned_data["new_password"])
        elif not user.pk:
            user.set_unusable_password()
        user.save()
        # A submitted page always carries the whole form; API and bulk data carry roles only
        # when they mean to change them.
        if isinstance(self.data, QueryDict) or "roles" in self.data:
            user.groups.set(Group.objects.filter(name__in=self.cleaned_data.get("roles") or []))
        return user


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)
