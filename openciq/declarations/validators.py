"""Validators for declaration data, backed by python-stdnum."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


def normalise_container(value: str) -> str:
    """An ISO 6346 container number in its compact form (``CSQU3054383``), or a ValidationError."""
    try:
        return str(iso6346.validate(value))
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The check digit of container number %(value)s is wrong."),
            code="checksum",
            params={"value": value},
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not an ISO 6346 container number (4 letters, 6 digits, a check digit)."),
            code="invalid",
            params={"value": value},
        ) from exc


def validate_container_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Give the container numbers as a list."), code="invalid")
    for item in value:
        normalise_container(item)
    if len(set(value)) != len(value):
        raise ValidationError(_("A container number is listed twice."), code="duplicate")
