"""Generic write services for reference data registered in the registry.

Each service re-checks the actor's permission and scope, writes in one transaction, records one
audit event per changed object, and refuses a write that would move the object out of the
actor's own scope.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from openciq.core import audit
from openciq.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailed,
    ValidationFailed,
)
from openciq.core.permissions import require_permission
from openciq.core.registry import ObjectType


def etag_for(obj: models.Model) -> str:
    """A strong entity tag: a digest of the object's audited values, so any change changes it."""
    raw = json.dumps([obj._meta.label, obj.pk, audit.snapshot(obj)], sort_keys=True, default=str)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:20] + '"'


def _require_perm(actor: Any, object_type: ObjectType, action: str) -> None:
    require_permission(actor, object_type.perm(action))


def _require_in_scope(actor: Any, object_type: ObjectType, obj: models.Model) -> None:
    manager: Any = object_type.model._default_manager
    if not manager.restrict(actor, "view").filter(pk=obj.pk).exists():
        raise PermissionDeniedError(
            _("The result would be outside your area of responsibility."),
            fields={"__all__": [_("The result would be outside your area of responsibility.")]},
        )


def _form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _lock(actor: Any, object_type: ObjectType, pk: Any, action: str) -> models.Model:
    manager: Any = object_type.model._default_manager
    obj = manager.restrict(actor, action).select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(_("Not found."))
    return obj  # type: ignore[no-any-return]


def _action(object_type: ObjectType, verb: str) -> str:
    return f"{object_type.app_label}.{object_type.model_name}_{verb}"


@audit.audited
def object_create(*, actor: Any, object_type: ObjectType, form: forms.ModelForm) -> models.Model:
    """Create a reference object. Permission ``add_<model>``; audit ``<app>.<model>_created``."""
    _require_perm(actor, object_type, "add")
    if not form.is_valid():
        raise ValidationFailed(_("Please correct the errors below."), fields=_form_errors(form))
    obj = form.save()
    _require_in_scope(actor, object_type, obj)
    audit.record_change(actor=actor, action=_action(object_type, "created"), obj=obj, before=None)
    return obj


@audit.audited
def object_update(
    *, actor: Any, object_type: ObjectType, form: forms.ModelForm, if_match: str | None = None
) -> models.Model:
    """Update a reference object. Permission ``change_<model>``; audit ``<app>.<model>_updated``.

    ``if_match`` (an ETag) refuses the write with a precondition error when the object changed
    since the caller read it.
    """
    _require_perm(actor, object_type, "change")
    current = _lock(actor, object_type, form.instance.pk, "change")
    if if_match and if_match != etag_for(current):
        raise PreconditionFailed(_("The object was changed by someone else; reload it and try again."))
    if not form.is_valid():
        raise ValidationFailed(_("Please correct the errors below."), fields=_form_errors(form))
    before = audit.snapshot(current)
    obj = form.save()
    _require_in_scope(actor, object_type, obj)
    audit.record_change(actor=actor, action=_action(object_type, "updated"), obj=obj, before=before)
    return obj


@audit.audited
def object_delete(*, actor: Any, object_type: ObjectType, pk: Any) -> None:
    """Delete a reference object. Permission ``delete_<model>``; audit ``<app>.<model>_deleted``."""
    _require_perm(actor, object_type, "delete")
    obj = _lock(actor, object_type, pk, "delete")
    _delete(actor, object_type, obj)


def _delete(actor: Any, object_type: ObjectType, obj: models.Model) -> None:
    before = audit.snapshot(obj)
    label = str(obj)
    audit.record(
        actor=actor,
        action=_action(object_type, "deleted"),
        obj=obj,
        changes=audit.diff(before, None),
    )
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ConflictError(
            _("%(object)s is still in use and cannot be deleted.") % {"object": label}
        ) from exc


@audit.audited
def object_bulk_delete(*, actor: Any, object_type: ObjectType, pks: Sequence[Any]) -> int:
    """Delete several objects; all or none. One audit event per object."""
    _require_perm(actor, object_type, "delete")
    objects = [_lock(actor, object_type, pk, "delete") for pk in pks]
    for obj in objects:
        _delete(actor, object_type, obj)
    return len(objects)


@audit.audited
def object_bulk_update(
    *, actor: Any, object_type: ObjectType, pks: Sequence[Any], values: Mapping[str, Any]
) -> int:
    """Set the same field values on several objects; all or none. One audit event per object.

    Each object is validated with the full model form, so bulk edits obey the same rules as edits.
    """
    _require_perm(actor, object_type, "change")
    if not values:
        raise ValidationFailed(_("Choose at least one field to change."))
    errors: dict[str, list[str]] = {}
    for pk in pks:
        obj = _lock(actor, object_type, pk, "change")
        before = audit.snapshot(obj)  # before validation: a ModelForm's is_valid() sets the values
        data = forms.model_to_dict(obj, fields=object_type.form._meta.fields)
        data.update({k: (v.pk if isinstance(v, models.Model) else v) for k, v in values.items()})
        form = object_type.form(data=data, instance=obj, actor=actor)
        if not form.is_valid():
            for field, messages in _form_errors(form).items():
                errors.setdefault(field, []).extend(f"{obj}: {m}" for m in messages)
            continue
        form.save()
        _require_in_scope(actor, object_type, obj)
        audit.record_change(actor=actor, action=_action(object_type, "updated"), obj=obj, before=before)
    if errors:
        raise ValidationFailed(_("No object was changed; please correct the errors below."), fields=errors)
    return len(pks)


@audit.audited
def object_import(
    *, actor: Any, object_type: ObjectType, rows: Iterable[Mapping[str, str]], max_rows: int
) -> int:
    """Create objects from rows of an import file; all or nothing.

    Every row is validated with the object type's form (foreign keys named by their natural key).
    When any row is bad, nothing is stored and the error names each bad row and field.
    Permission ``add_<model>``; audit ``<app>.<model>_created`` per object.
    """
    _require_perm(actor, object_type, "add")
    rows = list(rows)
    if not rows:
        raise ValidationFailed(
            _("The file has no data rows."), fields={"file": [_("The file has no data rows.")]}
        )
    if len(rows) > max_rows:
        raise ValidationFailed(
            _("At most %(max)d rows can be imported at once.") % {"max": max_rows},
            fields={"file": [_("Too many rows.")]},
        )
    expected = set(object_type.import_fields)
    unknown = sorted(set(rows[0]) - expected)
    missing = sorted(f for f in expected - set(rows[0]) if object_type.form.base_fields[f].required)
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(_("unknown columns: %(c)s") % {"c": ", ".join(unknown)})
        if missing:
            problems.append(_("missing columns: %(c)s") % {"c": ", ".join(missing)})
        raise ValidationFailed("; ".join(problems), fields={"file": problems})
    form_class = import_form_class(object_type)
    errors: dict[str, list[str]] = {}
    created = 0
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        form = form_class(data=dict(row), actor=actor)
        if not form.is_valid():
            for field, messages in _form_errors(form).items():
                errors.setdefault(_("row %(n)d") % {"n": number}, []).extend(
                    f"{field}: {m}" for m in messages
                )
            continue
        obj = form.save()
        _require_in_scope(actor, object_type, obj)
        audit.record_change(actor=actor, action=_action(object_type, "created"), obj=obj, before=None)
        created += 1
    if errors:
        raise ValidationFailed(
            _("Nothing was imported: %(n)d row(s) have errors.") % {"n": len(errors)}, fields=errors
        )
    return created


def import_form_class(object_type: ObjectType) -> type[forms.ModelForm]:
    """The object type's form, with foreign keys looked up by natural key instead of id."""
    base: type[forms.ModelForm] = object_type.form

    class ImportForm(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for field_name, lookup in object_type.natural_keys.items():
                self.fields[field_name].to_field_name = lookup

    return ImportForm
