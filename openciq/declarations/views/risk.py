"""The risk rules (versioned rule sets, activated one at a time) and the open risk signals."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openciq.core.actions import refusals, run_service
from openciq.core.errors import ServiceError
from openciq.declarations import selectors, services
from openciq.declarations.choices import RuleSetStatus
from openciq.declarations.forms import RuleSetForm
from openciq.declarations.models import RiskRuleSet
from openciq.declarations.risk import DEFAULT_PARAMS, RuleParams
from openciq.declarations.tables import RiskSignalTable, RuleSetTable
from openciq.declarations.views._common import (
    SECTION,
    _form,
    _list_page,
    _one,
    _require,
)

# --- Risk rules and signals -------------------------------------------------------------------


@login_required
def riskruleset_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_riskruleset")
    can_add = request.user.has_perm("declarations.add_riskruleset")
    return _list_page(
        request,
        selectors.rule_set_list(actor=request.user),
        RuleSetTable,
        title=_("Risk rules"),
        lazy=False,
        add_url=reverse("declarations:riskruleset_add") if can_add else "",
        add_label=_("New version"),
    )


def _rule_set(request: HttpRequest, pk: int) -> RiskRuleSet:
    rules: RiskRuleSet = _one(selectors.rule_set_list(actor=request.user), pk)
    return rules


@login_required
def riskruleset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.view_riskruleset")
    return _rule_set_page(request, _rule_set(request, pk))


def _rule_set_page(request: HttpRequest, rules: RiskRuleSet, error: str = "") -> HttpResponse:
    try:
        params: RuleParams | None = RuleParams.model_validate(rules.params)
    except ValueError:
        params = None
    is_draft = rules.status == RuleSetStatus.DRAFT
    context = {
        "object": rules,
        "params": params,
        "raw": json.dumps(rules.params, indent=2, ensure_ascii=False, sort_keys=True),
        "can_edit": is_draft and request.user.has_perm("declarations.change_riskruleset"),
        "can_activate": is_draft and request.user.has_perm("declarations.activate_riskruleset"),
        "error": error,
        **SECTION,
    }
    return render(request, "declarations/riskruleset.html", context)


@login_required
def riskruleset_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new draft version (prefilled with the active rules), or a change to a draft."""
    _require(request, "declarations.change_riskruleset" if pk else "declarations.add_riskruleset")
    rules = _rule_set(request, pk) if pk else None
    if rules is not None and rules.status != RuleSetStatus.DRAFT:
        messages.error(request, _("Only a draft version can be changed; make a new version instead."))
        return redirect("declarations:riskruleset_detail", pk=rules.pk)
    base = rules or selectors.rule_set_list(actor=request.user).filter(status=RuleSetStatus.ACTIVE).first()
    initial = {"params": json.dumps(base.params if base else DEFAULT_PARAMS, indent=2, ensure_ascii=False)}
    form = _form(RuleSetForm, request.POST or None, initial={**initial, "note": rules.note if rules else ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if rules is None:
            saved = run_service(form, services.risk_rule_set_create, actor=request.user, **data)
        else:
            saved = run_service(
                form, services.risk_rule_set_update, actor=request.user, rule_set_id=rules.pk, **data
            )
        if saved is not None:
            messages.success(request, _("Version %(v)s was saved as a draft.") % {"v": saved.version})
            return redirect("declarations:riskruleset_detail", pk=saved.pk)
    return render(request, "declarations/riskruleset_edit.html", {"form": form, "object": rules, **SECTION})


@login_required
@require_POST
def riskruleset_activate(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "declarations.activate_riskruleset")
    rules = _rule_set(request, pk)
    try:
        with refusals():
            services.risk_rule_set_activate(actor=request.user, rule_set_id=rules.pk)
    except ServiceError as exc:
        return _rule_set_page(request, rules, error=exc.message)
    messages.success(request, _("Version %(v)s is now active.") % {"v": rules.version})
    return redirect("declarations:riskruleset_detail", pk=rules.pk)


@login_required
def risksignal_list(request: HttpRequest) -> HttpResponse:
    _require(request, "declarations.view_risksignal")
    return _list_page(
        request,
        selectors.open_signals(actor=request.user),
        RiskSignalTable,
        title=_("Open risk signals"),
        lazy=False,
    )
