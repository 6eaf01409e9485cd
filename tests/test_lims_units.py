"""Laboratory unit codes and exact conversion between them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openciq.lims.units import UNITS, IncompatibleUnits, UnknownUnit, convert, is_known, unit_choices


@pytest.mark.parametrize(
    ("value", "from_code", "to_code", "expected"),
    [
        ("0.05", "mg/kg", "ug/kg", "50"),
        ("50", "ug/kg", "mg/kg", "0.050"),
        ("1", "mg/kg", "ppm", "1"),
        ("1", "mg/kg", "%", "0.0001"),
        ("1", "ppm", "ppb", "1000"),
        ("1", "ppb", "ng/g", "1"),
        ("1", "ng/g", "ug/kg", "1"),
        ("2.5", "g/100g", "%", "2.5"),
        ("2.5", "g/100g", "mg/kg", "25000"),
        ("120", "mg/100g", "mg/kg", "1200"),
        ("0.3", "%", "mg/100g", "300"),
        ("0.01", "mg/L", "ug/L", "10"),
        ("250", "MPN/100g", "MPN/g", "2.50"),
        ("3", "MPN/g", "MPN/100g", "300"),
        ("150", "CFU/mL", "CFU/100mL", "15000"),
        ("1.5", "kg", "g", "1500"),
        ("250", "mg", "g", "0.250"),
        ("0.75", "A", "mA", "750"),
        ("85", "mOhm", "Ohm", "0.085"),
        ("6.8", "pH", "pH", "6.8"),
        ("-18", "degC", "degC", "-18"),
    ],
)
def test_convert_is_exact(value: str, from_code: str, to_code: str, expected: str) -> None:
    result = convert(Decimal(value), from_code, to_code)
    assert result == Decimal(expected)
    assert str(result) == expected  # the digits as well as the value


def test_a_mass_fraction_round_trip_gives_the_value_back() -> None:
    assert convert(convert(Decimal("0.0123"), "mg/kg", "%"), "%", "mg/kg") == Decimal("0.0123")


def test_a_whole_number_result_is_not_written_in_exponent_form() -> None:
    assert str(convert(Decimal("7"), "%", "ppm")) == "70000"


@pytest.mark.parametrize(
    ("from_code", "to_code"),
    [
        ("mg/kg", "mg/L"),  # a mass fraction is not a mass concentration
        ("CFU/g", "CFU/mL"),
        ("CFU/g", "MPN/g"),
        ("pH", "%"),
        ("pH", "mg/kg"),
        ("degC", "kg"),
        ("dB(A)", "%"),
        ("N", "kg"),
        ("V", "A"),
        ("mm", "kg"),
    ],
)
def test_different_dimensions_are_refused(from_code: str, to_code: str) -> None:
    with pytest.raises(IncompatibleUnits) as caught:
        convert(Decimal("1"), from_code, to_code)
    assert (caught.value.from_code, caught.value.to_code) == (from_code, to_code)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("from_code", "to_code"), [("mg/kg", "furlong"), ("MG/KG", "mg/kg"), ("", "g")])
def test_unknown_codes_are_refused(from_code: str, to_code: str) -> None:
    with pytest.raises(UnknownUnit) as caught:
        convert(Decimal("1"), from_code, to_code)
    assert caught.value.code in {from_code, to_code} - set(UNITS)
    assert isinstance(caught.value, ValueError)


def test_a_non_finite_value_is_refused() -> None:
    with pytest.raises(ValueError):
        convert(Decimal("NaN"), "mg/kg", "ug/kg")


def test_is_known_is_case_sensitive() -> None:
    assert is_known("mOhm")
    assert is_known("ug/kg")
    assert not is_known("MOHM")
    assert not is_known("µg/kg")  # the symbol is for display, the code is stored


def test_unit_choices_pair_each_code_with_its_symbol() -> None:
    choices = unit_choices()
    assert choices[:2] == [("mg/kg", "mg/kg"), ("ug/kg", "µg/kg")]
    assert dict(choices) == UNITS
    assert ("degC", "°C") in choices


def convertible_to(code: str) -> set[str]:
    found = set()
    for other in UNITS:
        try:
            convert(Decimal("1"), other, code)
        except IncompatibleUnits:
            continue
        found.add(other)
    return found


def test_units_fall_into_exactly_these_dimensions() -> None:
    assert convertible_to("mg/kg") == {"mg/kg", "ug/kg", "ng/g", "g/100g", "mg/100g", "%", "ppm", "ppb"}
    assert convertible_to("mg/L") == {"mg/L", "ug/L"}
    assert convertible_to("CFU/g") == {"CFU/g"}
    assert convertible_to("CFU/mL") == {"CFU/mL", "CFU/100mL"}
    assert convertible_to("MPN/g") == {"MPN/g", "MPN/100g"}
    assert convertible_to("MPN/100mL") == {"MPN/100mL"}
    assert convertible_to("kg") == {"kg", "g", "mg"}
    assert convertible_to("A") == {"A", "mA"}
    assert convertible_to("Ohm") == {"Ohm", "mOhm"}
    for single in ("pH", "degC", "dB(A)", "mm", "N", "V"):
        assert convertible_to(single) == {single}
