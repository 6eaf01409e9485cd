"""Animal identifiers of the live-pig supervision: the ISO 11784 electronic ear-tag code and
China's livestock ear-tag number (畜禽标识编码).

ISO 11784 (64-bit identification code, read over the ISO 11785 air interface), with bit 1 the
first of the table and the most significant bit of the integer here:

====  ============================  ====
bits  field                         size
====  ============================  ====
1     animal application flag       1
2-4   retagging counter (0-7)       3
5-9   user information field        5
10-15 reserved                      6
16    data-block flag               1
17-26 country code (ISO 3166-1      10
      numeric) or manufacturer code
      900-998; 999 = test
27-64 national identification code  38
====  ============================  ====

It is printed as 15 digits (3-digit code, 12-digit national ID, zero-padded) and has no check
digit: a printed number is checked by its form and ranges only.

China's ear-tag number (《畜禽标识和养殖档案管理办法》, MOA 2006) is another 15-digit code: the
species (1 pig, 2 cattle, 3 sheep and goats; 7 breeding sows), the 6-digit county division code
and an 8-digit serial. The platform keeps both numbers of an animal, with their mapping history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry

NATIONAL_ID_MAX = 2**38 - 1  # 274,877,906,943
MANUFACTURER_CODES = range(900, 999)  # 900-998, registered with ICAR (ISO 24631-1)
TEST_CODE = 999
CHINA = 156

_PRINTED = re.compile(r"\d{15}")
_CN_SPECIES = {"1": "pig", "2": "cattle", "3": "sheep_goat", "7": "breeding_sow"}


class InvalidIdentifier(ValueError):
    """A number that is not a well-formed identifier; ``rule`` names what it breaks."""

    def __init__(self, value: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.value, self.rule = value, rule


def _is_country(code: int) -> bool:
    return pycountry.countries.get(numeric=f"{code:03d}") is not None


@dataclass(frozen=True)
class Iso11784Code:
    """One ISO 11784 identification code."""

    country: int  # ISO 3166-1 numeric, or a manufacturer code 900-998, or 999 (test)
    national_id: int
    animal: bool = True
    retag: int = 0
    user_info: int = 0
    data_block: bool = False

    def __post_init__(self) -> None:
        printed = f"{self.country:03d}{self.national_id:012d}"
        if not 0 <= self.national_id <= NATIONAL_ID_MAX:
            raise InvalidIdentifier(printed, "national_id", f"national ID above {NATIONAL_ID_MAX}")
        if not (_is_country(self.country) or self.country in MANUFACTURER_CODES or self.country == TEST_CODE):
            raise InvalidIdentifier(
                printed,
                "country",
                f"{self.country:03d} is neither an ISO 3166 country nor a manufacturer code",
            )
        if not 0 <= self.retag <= 7:
            raise InvalidIdentifier(printed, "retag", "the retagging counter is 0 to 7")
        if not 0 <= self.user_info <= 31:
            raise InvalidIdentifier(printed, "user_info", "the user information field is 0 to 31")

    @property
    def printed(self) -> str:
        """The 15 digits printed on the tag and shown by readers."""
        return f"{self.country:03d}{self.national_id:012d}"

    @property
    def is_manufacturer_coded(self) -> bool:
        """True when the code is a manufacturer's, whose country comes from a registry."""
        return self.country in MANUFACTURER_CODES

    def to_int(self) -> int:
        return (
            int(self.animal) << 63
            | self.retag << 60
            | self.user_info << 55
            | int(self.data_block) << 48
            | self.country << 38
            | self.national_id
        )

    def to_hex(self) -> str:
        """The raw 64-bit code as 16 hexadecimal digits (what the platform keeps besides the print)."""
        return f"{self.to_int():016X}"

    @classmethod
    def from_int(cls, value: int) -> Iso11784Code:
        if not 0 <= value < 2**64:
            raise InvalidIdentifier(str(value), "bits", "an ISO 11784 code has 64 bits")
        if value >> 49 & 0x3F:
            raise InvalidIdentifier(f"{value:016X}", "reserved", "the reserved bits 10-15 are not zero")
        return cls(
            animal=bool(value >> 63 & 1),
            retag=value >> 60 & 0x7,
            user_info=value >> 55 & 0x1F,
            data_block=bool(value >> 48 & 1),
            country=value >> 38 & 0x3FF,
            national_id=value & NATIONAL_ID_MAX,
        )

    @classmethod
    def from_hex(cls, text: str) -> Iso11784Code:
        if not re.fullmatch(r"[0-9A-Fa-f]{16}", text.strip()):
            raise InvalidIdentifier(text, "format", "16 hexadecimal digits expected")
        return cls.from_int(int(text.strip(), 16))


def parse_printed(text: str, *, retag: int = 0) -> Iso11784Code:
    """A printed 15-digit ISO 11784 number (spaces and one dash after the code allowed, as
    readers show it: ``156-000123456789``). The print carries no retag counter: give it if known."""
    digits = re.sub(r"[\s-]", "", text)
    if not _PRINTED.fullmatch(digits):
        raise InvalidIdentifier(text, "format", "15 digits expected: 3-digit code and 12-digit national ID")
    return Iso11784Code(country=int(digits[:3]), national_id=int(digits[3:]), retag=retag)


@dataclass(frozen=True)
class ChinaEarTag:
    """A 畜禽标识 number: species, county division and serial."""

    species: str  # "1" pig, "2" cattle, "3" sheep and goats, "7" breeding sow
    county: str  # 6-digit administrative division code of the county
    serial: str  # 8 digits

    @property
    def number(self) -> str:
        return f"{self.species}{self.county}{self.serial}"

    @property
    def species_name(self) -> str:
        return _CN_SPECIES[self.species]


def parse_china_ear_tag(text: str) -> ChinaEarTag:
    """Check the form of a 15-digit 畜禽标识 number: a known species digit, a county code whose
    province part is a province of China (11-82), an 8-digit serial."""
    digits = re.sub(r"\s", "", text)
    if not _PRINTED.fullmatch(digits):
        raise InvalidIdentifier(text, "format", "15 digits expected: species, county code, serial")
    species, county, serial = digits[0], digits[1:7], digits[7:]
    if species not in _CN_SPECIES:
        raise InvalidIdentifier(text, "species", f"unknown species digit {species}")
    if not 11 <= int(county[:2]) <= 82 or county[2:] == "0000":
        raise InvalidIdentifier(text, "county", f"{county} is not a county division code")
    return ChinaEarTag(species=species, county=county, serial=serial)
