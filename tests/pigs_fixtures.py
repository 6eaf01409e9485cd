"""A small live-pig world for the pig tests, built through the real services: a registered farm
in Zengcheng (Guangzhou, county 440183) supervised by the Guangzhou branch, its farm manager
(an enterprise user acting for the farm's enterprise), the Guangzhou inspector, a range of ear
tags issued to the farm and pigs tagged from it. A second farm in Shenzhen is out of the
Guangzhou inspector's scope.

Channel reads are sent the way a reader's ingest sends them: as EPCIS ObjectEvents through
``openciq.trace.services.capture_events`` (MQTT source, system actor).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openciq.accounts.models import OrgUnit, User
from openciq.accounts.services import system_actor
from openciq.core import audit
from openciq.masterdata.models import Enterprise, EnterpriseMembership
from openciq.trace import services as trace_services
from openciq.trace.choices import CaptureSource, ErrorBehaviour
from openciq.trace.models import CaptureJob
from openciq.trace.pigs import epcis, services
from openciq.trace.pigs.models import Animal, Farm, LoadingBatch, TagRange
from tests import personas
from tests.factories import EnterpriseFactory

ZENGCHENG = "440183"
LONGGANG = "440307"
RANGE_START = 800_000_000  # national IDs of the farm's range: 156 000800000000 …
_serial = itertools.count(1)


def membership(user: User, enterprise: Enterprise) -> None:
    with audit.scope(), transaction.atomic():
        link = EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
        audit.record(actor=system_actor(), action="tests.fixture_created", obj=link)


def register_farm(
    *,
    unit: str = "GZ",
    county: str = ZENGCHENG,
    number: str | None = None,
    enterprise: Enterprise | None = None,
) -> Farm:
    enterprise = enterprise or EnterpriseFactory(kind="farm", org_unit=OrgUnit.objects.get(code=unit))
    return services.farm_register(
        actor=system_actor(),
        data=services.FarmInput(
            registration_number=number or f"4400{unit}{next(_serial):04d}",
            name_zh="增城供港生猪养殖场" if unit == "GZ" else "龙岗供港生猪养殖场",
            name_en="Zengcheng HK Pig Farm" if unit == "GZ" else "Longgang HK Pig Farm",
            enterprise_id=enterprise.pk,
            org_unit_id=OrgUnit.objects.get(code=unit).pk,
            county_code=county,
            capacity=6000,
            latitude=Decimal("23.290000"),
            longitude=Decimal("113.810000"),
        ),
    )


@dataclass
class PigWorld:
    """The farm, its people, its range and a counter for new pig numbers."""

    farm: Farm
    tag_range: TagRange
    inspector: User
    manager: User
    other_farm: Farm
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def numbers(self) -> tuple[str, str]:
        """A fresh (China ear-tag number, ISO 11784 number) pair for this farm."""
        n = next(self.serial)
        return f"1{self.farm.county_code}{n:08d}", f"156{RANGE_START + n:012d}"

    def tag(self, *, days_old: int = 60, actor: Any = None, **extra: Any) -> Animal:
        cn, iso = self.numbers()
        born = timezone.localdate() - dt.timedelta(days=days_old)
        return services.animal_tag(
            actor=actor or self.manager,
            data=services.TagInput(
                farm_id=self.farm.pk,
                cn_number=cn,
                iso_number=iso,
                sex=extra.get("sex", "castrated"),
                breed=extra.get("breed", "杜长大 Duroc × Landrace × Yorkshire"),
                birth_date=born,
                applied_at=extra.get("applied_at", timezone.now() - dt.timedelta(days=days_old - 3)),
            ),
        )

    def herd(self, count: int) -> list[Animal]:
        return [self.tag() for _ in range(count)]

    def declare(self, animals: Sequence[Animal], *, declaration: str = "440100226000123456") -> LoadingBatch:
        return services.batch_declare(
            actor=self.manager,
            data=services.BatchInput(
                farm_id=self.farm.pk,
                declaration_number=declaration,
                truck_plate="粤Z1234港",
                animals=[a.cn_number for a in animals],
            ),
        )

    def loading(self, animals: Sequence[Animal], **kwargs: Any) -> LoadingBatch:
        batch = self.declare(animals, **kwargs)
        return services.batch_start_loading(actor=self.inspector, batch_id=batch.pk)


def iso_of(animal: Animal) -> str:
    return animal.tags.get(status="active").iso_number


def uri_of(animal: Animal) -> str:
    return animal.tags.get(status="active").uri


def channel_reads(
    farm: Farm, uris: Sequence[str], *, when: dt.datetime | None = None, actor: Any = None
) -> CaptureJob:
    """A loading-channel reader's report, through the real capture path."""
    return trace_services.capture_events(
        actor=actor or system_actor(),
        events=[
            epcis.channel_read(
                channel=farm.loading_channel.uri, tag_uris=list(uris), when=when or timezone.now()
            )
        ],
        error_behaviour=ErrorBehaviour.ROLLBACK,
        source=CaptureSource.MQTT,
    )


def pig_world() -> PigWorld:
    personas.org_tree()
    inspector = personas.inspector_gz()
    manager = personas.enterprise_user()
    farm = register_farm()
    membership(manager, farm.enterprise)
    issued = services.tag_range_issue(
        actor=inspector,
        farm_id=farm.pk,
        country=156,
        first_national_id=RANGE_START,
        last_national_id=RANGE_START + 9_999,
    )
    other = register_farm(unit="SZ", county=LONGGANG)
    return PigWorld(farm=farm, tag_range=issued, inspector=inspector, manager=manager, other_farm=other)
