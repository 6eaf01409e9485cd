from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.accounts import selectors, services
from openciq.accounts.forms import LoginForm, StyledPasswordChangeForm, TokenCreateForm
from openciq.core.errors import ServiceError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user, user=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own page: roles, org unit, API tokens (create, revoke)."""
    form = TokenCreateForm(data=request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            form.add_error("name", exc.message)
        else:
            form = TokenCreateForm()
    tokens = selectors.token_list(actor=request.user, user=request.user)
    return render(
        request, "accounts/profile.html", {"form": form, "tokens": tokens, "new_secret": new_secret}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.token_list(actor=request.user, user=request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("accounts:profile")
