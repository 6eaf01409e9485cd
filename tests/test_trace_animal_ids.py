"""ISO 11784 ear-tag codes and China's 畜禽标识 numbers: form, ranges, and the 64-bit layout."""

from __future__ import annotations

import pytest

from openciq.trace.animal_ids import (
    NATIONAL_ID_MAX,
    InvalidIdentifier,
    Iso11784Code,
    parse_china_ear_tag,
    parse_printed,
)


def test_printed_number_splits_into_country_and_national_id() -> None:
    code = parse_printed("156 000123456789")
    assert (code.country, code.national_id, code.printed) == (156, 123456789, "156000123456789")
    assert parse_printed("156-000123456789") == code


def test_manufacturer_coded_tag_from_a_reader_sample() -> None:
    code = parse_printed("985121004515220")
    assert (code.country, code.national_id, code.is_manufacturer_coded) == (985, 121004515220, True)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("15600012345678", "format"),  # 14 digits
        ("1560001234567890", "format"),  # 16 digits
        ("15600012345678A", "format"),
        ("000000123456789", "country"),  # no such country
        ("123000123456789", "country"),  # 123 is not ISO 3166 numeric
        ("156999999999999", "national_id"),  # above 2^38 - 1
    ],
)
def test_malformed_numbers_name_the_rule(text: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_printed(text)
    assert caught.value.rule == rule


def test_the_64_bit_layout_puts_each_field_in_its_bits() -> None:
    code = Iso11784Code(country=156, national_id=NATIONAL_ID_MAX, retag=5, user_info=3, data_block=True)
    value = code.to_int()
    assert value >> 63 == 1  # bit 1: animal
    assert value >> 60 & 0b111 == 5  # bits 2-4: retag counter
    assert value >> 55 & 0b11111 == 3  # bits 5-9: user information
    assert value >> 49 & 0b111111 == 0  # bits 10-15: reserved
    assert value >> 48 & 1 == 1  # bit 16: data block
    assert value >> 38 & 0x3FF == 156  # bits 17-26: country
    assert value & (2**38 - 1) == NATIONAL_ID_MAX  # bits 27-64: national ID
    assert Iso11784Code.from_hex(code.to_hex()) == code
    assert len(code.to_hex()) == 16


def test_a_retagged_pig_keeps_its_number_with_a_higher_counter() -> None:
    first, second = parse_printed("156000000000042"), parse_printed("156000000000042", retag=1)
    assert first.printed == second.printed
    assert first.to_hex() != second.to_hex()


def test_reserved_bits_and_counter_ranges_are_checked() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        Iso11784Code.from_int(1 << 50)
    assert caught.value.rule == "reserved"
    with pytest.raises(InvalidIdentifier) as caught:
        Iso11784Code(country=156, national_id=1, retag=8)
    assert caught.value.rule == "retag"


def test_china_ear_tag_number() -> None:
    tag = parse_china_ear_tag("144011700000123")  # a pig of 从化区 (440117), serial 123
    assert (tag.species_name, tag.county, tag.serial, tag.number) == (
        "pig",
        "440117",
        "00000123",
        "144011700000123",
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("44401120000012", "format"),
        ("544011200000123", "species"),
        ("199011200000123", "county"),
        ("144000000000123", "county"),
    ],
)
def test_china_ear_tag_numbers_that_are_not(text: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        parse_china_ear_tag(text)
    assert caught.value.rule == rule
