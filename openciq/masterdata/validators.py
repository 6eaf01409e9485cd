"""Identifier validators, backed by python-stdnum (no hand-written check digits)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from stdnum import ean
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError


def validate_uscc(value: str) -> None:
    """Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters with a check character."""
    try:
        uscc.validate(value)
    except InvalidLength as exc:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length") from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="checksum"
        ) from exc
    except (InvalidFormat, InvalidComponent, StdnumError) as exc:
        raise ValidationError(_("This is not a valid unified social credit code."), code="invalid") from exc


def validate_gln(value: str) -> None:
    """GS1 Global Location Number: 13 digits, the last a GS1 check digit."""
    if len(value) != 13 or not value.isdigit():
        raise ValidationError(_("A GLN has exactly 13 digits."), code="length")
    try:
        ean.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("The check digit of this GLN is wrong."), code="checksum") from exc


validate_hs_code = RegexValidator(
    r"^\d{6}(\d{2}){0,2}$", _("An HS code has 6, 8 or 10 digits."), code="hs_code"
)
