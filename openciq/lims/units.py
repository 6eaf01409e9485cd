"""Units of laboratory results: the bureau's table of unit codes, and exact conversion between them.

A result is stored as a ``Decimal`` with a unit *code* from :data:`UNITS` (a stable, ASCII key such
as ``"ug/kg"``); the display symbol (``"µg/kg"``) is for people only. Conversion factors come from
the `pint` library (SI, BIPM SI Brochure 9th ed. 2019) and are applied with ``Decimal`` arithmetic,
so ``convert(Decimal("0.05"), "mg/kg", "ug/kg") == Decimal("50")`` holds exactly.

Contract of the table:

* mass fractions (``mg/kg``, ``ug/kg``, ``ng/g``, ``g/100g``, ``mg/100g``, ``%``, ``ppm``, ``ppb``)
  are one dimension, so 1 mg/kg = 1 ppm = 1000 ug/kg = 0.0001 %. ``%``, ``ppm`` and ``ppb`` mean
  *mass* fractions here (ISO 80000-1:2022 §7.1.4 discourages them for that reason; the bureau's
  limits are written with them, e.g. GB 2763 and GB 2762 in mg/kg);
* mass concentrations (``mg/L``, ``ug/L``) are a different dimension from mass fractions: a
  conversion between them needs the density and is refused;
* colony counts per mass and per volume (``CFU/g``, ``CFU/mL``) are different dimensions; the most
  probable number (``MPN/g``, ``MPN/100g``, ISO 7218:2024) is its own counting unit, not a CFU;
* ``pH``, ``degC`` and ``dB(A)`` convert only to themselves (pH and the A-weighted sound level are
  logarithmic quantities, and degrees Celsius have an offset that a factor cannot carry).

pint is imported, and its registry built (about 0.25 s), on the first conversion that needs it,
not when this module is imported; each pair's factor is computed once and cached.
"""

from __future__ import annotations

import decimal
import threading
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pint

__all__ = ["UNITS", "IncompatibleUnits", "UnitError", "UnknownUnit", "convert", "is_known", "unit_choices"]

# code -> display symbol. Codes are stored in the database: never change or remove one.
UNITS: dict[str, str] = {
    # mass fractions
    "mg/kg": "mg/kg",
    "ug/kg": "µg/kg",
    "ng/g": "ng/g",
    "g/100g": "g/100g",
    "mg/100g": "mg/100g",
    "%": "%",
    "ppm": "ppm",
    "ppb": "ppb",
    # mass concentrations
    "mg/L": "mg/L",
    "ug/L": "µg/L",
    # microbiology
    "CFU/g": "CFU/g",
    "CFU/mL": "CFU/mL",
    "CFU/100mL": "CFU/100mL",
    "MPN/g": "MPN/g",
    "MPN/100g": "MPN/100g",
    "MPN/100mL": "MPN/100mL",
    # physical and electrical (product safety)
    "pH": "pH",
    "degC": "°C",
    "kg": "kg",
    "g": "g",
    "mg": "mg",
    "mm": "mm",
    "N": "N",
    "dB(A)": "dB(A)",
    "V": "V",
    "A": "A",
    "mA": "mA",
    "Ohm": "Ω",
    "mOhm": "mΩ",
}

# code -> pint expression. pint cannot parse a scaled denominator such as "100 g", hence "hg" and
# "dL"; and "pH" in pint is the picohenry, hence the custom "ph_value".
_PINT_EXPRESSIONS: dict[str, str] = {
    "mg/kg": "mg/kg",
    "ug/kg": "ug/kg",
    "ng/g": "ng/g",
    "g/100g": "g/hg",
    "mg/100g": "mg/hg",
    "%": "percent",
    "ppm": "ppm",
    "ppb": "ppb",
    "mg/L": "mg/L",
    "ug/L": "ug/L",
    "CFU/g": "CFU/g",
    "CFU/mL": "CFU/mL",
    "CFU/100mL": "CFU/dL",
    "MPN/g": "MPN/g",
    "MPN/100g": "MPN/hg",
    "MPN/100mL": "MPN/dL",
    "pH": "ph_value",
    "degC": "degC",
    "kg": "kg",
    "g": "g",
    "mg": "mg",
    "mm": "mm",
    "N": "N",
    "dB(A)": "a_weighted_decibel",
    "V": "V",
    "A": "A",
    "mA": "mA",
    "Ohm": "ohm",
    "mOhm": "milliohm",
}

# Each counting unit and each logarithmic quantity is its own base dimension, so pint refuses to
# convert it to anything else.
_DEFINITIONS = (
    "colony_forming_unit = [colony_count] = CFU",
    "most_probable_number = [most_probable_number] = MPN",
    "ph_value = [acidity_exponent]",
    "a_weighted_decibel = [a_weighted_sound_level]",
    "parts_per_billion = 1e-9 = ppb",
)

_registry_lock = threading.Lock()
_registry: pint.UnitRegistry[Decimal] | None = None


class UnitError(ValueError):
    """Base of the errors of this module."""


class UnknownUnit(UnitError):
    """The code is not in :data:`UNITS`."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown unit code {code!r}")
        self.code = code


class IncompatibleUnits(UnitError):
    """The two units measure different quantities (or one of them only converts to itself)."""

    def __init__(self, from_code: str, to_code: str) -> None:
        super().__init__(f"cannot convert {from_code!r} to {to_code!r}")
        self.from_code = from_code
        self.to_code = to_code


def is_known(code: str) -> bool:
    """Whether ``code`` is one of the bureau's unit codes (case-sensitive: ``mOhm`` is not ``MOhm``)."""
    return code in UNITS


def unit_choices() -> list[tuple[str, str]]:
    """``(code, symbol)`` pairs in table order, for a form field's or a model field's ``choices``."""
    return list(UNITS.items())


def convert(value: Decimal, from_code: str, to_code: str) -> Decimal:
    """``value`` in ``from_code`` expressed in ``to_code``.

    The product ``value x factor`` is computed in the caller's decimal context (28 significant
    digits by default); factors between the units of the table are exact decimals, so the result
    is exact within that precision. A result that would print in exponent form because it is a
    whole number (``5E+1``) is returned with exponent 0 (``50``).

    Raises :class:`UnknownUnit` for a code not in :data:`UNITS`, :class:`IncompatibleUnits` for
    codes of different dimensions, and ``ValueError`` for a NaN or infinite value.
    """
    for code in (from_code, to_code):
        if code not in UNITS:
            raise UnknownUnit(code)
    if not value.is_finite():
        raise ValueError(f"cannot convert the non-finite value {value}")
    if from_code == to_code:
        return value
    result = value * _factor(from_code, to_code)
    if result.as_tuple().exponent > 0:  # type: ignore[operator]  # int for a finite Decimal
        result = result + Decimal(0)  # addition keeps the smaller exponent: 5E+1 + 0 == 50
    return result


@cache
def _factor(from_code: str, to_code: str) -> Decimal:
    """The exact factor from one known code to another; raises IncompatibleUnits."""
    import pint  # deferred: see the module docstring

    registry = _get_registry()
    source = registry.Unit(_PINT_EXPRESSIONS[from_code])
    target = registry.Unit(_PINT_EXPRESSIONS[to_code])
    with decimal.localcontext(prec=34):
        try:
            zero = registry.Quantity(Decimal(0), source).to(target).magnitude
            factor = registry.Quantity(Decimal(1), source).to(target).magnitude
        except pint.DimensionalityError:
            raise IncompatibleUnits(from_code, to_code) from None
    if zero != 0:
        raise IncompatibleUnits(from_code, to_code)  # an offset (degC to K) is not a factor
    if not isinstance(factor, Decimal):
        raise TypeError(f"pint returned a {type(factor).__name__} factor")
    return factor.normalize()


def _get_registry() -> pint.UnitRegistry[Decimal]:
    """The module's one registry, built on first use with Decimal magnitudes."""
    global _registry
    with _registry_lock:
        if _registry is None:
            import pint

            registry: pint.UnitRegistry[Decimal] = pint.UnitRegistry(non_int_type=Decimal)
            for definition in _DEFINITIONS:
                registry.define(definition)
            _registry = registry
        return _registry
