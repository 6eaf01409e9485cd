"""Writes of the live-pig supervision: farms and their ear-tag ranges, tagging, treatments, tag
replacement and deaths. The loading batches' workflow is in ``loading.py`` (re-exported here).

Every service is one transaction with one audit event of its own, checks its permission (the
system actor, for seeding and automatic steps, passes), locks the rows it moves, names the field
of every refusal, and records what happened as EPCIS events through
``openciq.trace.services.capture_events`` (with the acting user), then re-evaluates the lifetime
traceability of the pigs it touched (``lifetime.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openciq.accounts.models import OrgUnit
from openciq.accounts.services import is_system_actor, system_actor
from openciq.core import audit
from openciq.core.errors import TransitionNotAllowed
from openciq.core.numbering import next_value
from openciq.masterdata.models import Enterprise
from openciq.trace import identifiers
from openciq.trace import services as trace_services
from openciq.trace.animal_ids import (
    CHINA,
    MANUFACTURER_CODES,
    NATIONAL_ID_MAX,
    InvalidIdentifier,
    Iso11784Code,
    parse_china_ear_tag,
    parse_printed,
)
from openciq.trace.choices import LocationKind
from openciq.trace.pigs import epcis, lifetime
from openciq.trace.pigs.choices import (
    REPLACED_TAG_STATUS,
    AnimalStatus,
    DeathCause,
    ReplaceReason,
    Route,
    Sex,
    Species,
    TagStatus,
    TreatmentKind,
)
from openciq.trace.pigs.models import Animal, EarTag, Farm, TagRange, Treatment
from openciq.trace.pigs.writing import (
    EventsRefused,
    active_tags,
    choice,
    emit,
    find_animals,
    lock,
    moment,
    refuse,
    require,
)

REGISTRATION = re.compile(r"^[0-9A-Z][0-9A-Z-]{3,29}$")
COUNTY = re.compile(r"^\d{6}$")
MAX_RANGE = 1_000_000  # numbers in one issued range
MAX_WITHDRAWAL_DAYS = 365
PIG_SPECIES = {"1": Species.PIG, "7": Species.BREEDING_SOW}


# --- Farms and tag ranges ---------------------------------------------------------------------


@dataclass(frozen=True)
class FarmInput:
    """What the bureau registers about a farm supplying live pigs to Hong Kong."""

    registration_number: str
    name_zh: str
    enterprise_id: int
    org_unit_id: int
    county_code: str
    name_en: str = ""
    address: str = ""
    capacity: int = 0
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def _check_county(code: str, errors: dict[str, list[str]], name: str = "county_code") -> None:
    if not COUNTY.match(code) or not 11 <= int(code[:2]) <= 82 or code[2:] == "0000":
        errors.setdefault(name, []).append(_("A county division code is six digits, e.g. 440183."))


def _check_farm_input(actor: Any, data: FarmInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not REGISTRATION.match(data.registration_number):
        errors["registration_number"] = [_("Capital letters, digits and hyphens, 4 to 30 characters.")]
    elif Farm.objects.filter(registration_number=data.registration_number).exists():
        errors["registration_number"] = [_("A farm with this registration number is registered already.")]
    if not data.name_zh.strip():
        errors["name_zh"] = [_("The farm needs its Chinese name.")]
    enterprises = Enterprise.objects.all() if is_system_actor(actor) else Enterprise.objects.in_scope(actor)
    if not enterprises.filter(pk=data.enterprise_id, is_active=True).exists():
        errors["enterprise_id"] = [_("No such enterprise in your area.")]
    units = OrgUnit.objects.filter(pk=data.org_unit_id, is_active=True)
    path = getattr(actor, "scope_path", None)
    if path and not getattr(actor, "has_global_scope", False):
        units = units.filter(path__startswith=path)
    if not units.exists():
        errors["org_unit_id"] = [_("No such office in your area.")]
    _check_county(data.county_code, errors)
    if data.capacity < 0:
        errors["capacity"] = [_("The capacity cannot be negative.")]
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        errors["latitude"] = [_("A latitude lies between -90 and 90.")]
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        errors["longitude"] = [_("A longitude lies between -180 and 180.")]
    return errors


@audit.audited
def farm_register(*, actor: Any, data: FarmInput) -> Farm:
    """Register a farm (permission ``pigs.add_farm``), with its place and its loading channel in
    the trace repository's location registry (placed by the system actor: the actor registers
    a farm, not locations). No EPCIS event: a registration is master data. Audit
    ``pigs.farm_registered``."""
    require(actor, "pigs.add_farm")
    refuse(_check_farm_input(actor, data), _("The farm was not registered."))
    system = system_actor()
    name = data.name_zh.strip()
    place = trace_services.location_save(
        actor=system,
        uri=identifiers.place("farm", data.registration_number),
        name=name,
        kind=LocationKind.FARM,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    channel = trace_services.location_save(
        actor=system,
        uri=identifiers.place("loading-channel", data.registration_number),
        name=f"{name} 监装通道",  # a stored place name, in the registry's language
        kind=LocationKind.LOADING_CHANNEL,
        parent_uri=place.uri,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    farm = Farm(
        registration_number=data.registration_number,
        name_zh=name,
        name_en=data.name_en.strip(),
        enterprise_id=data.enterprise_id,
        org_unit_id=data.org_unit_id,
        county_code=data.county_code,
        address=data.address.strip(),
        capacity=data.capacity,
        location=place,
        loading_channel=channel,
    )
    farm.save()
    audit.record(
        actor=actor, action="pigs.farm_registered", obj=farm, changes=audit.diff(None, audit.snapshot(farm))
    )
    return farm


@audit.audited
def tag_range_issue(
    *,
    actor: Any,
    farm_id: int,
    country: int,
    first_national_id: int,
    last_national_id: int,
    note: str = "",
) -> TagRange:
    """Issue a block of ISO 11784 numbers to a farm (``pigs.add_tagrange``), refusing any overlap
    with a range issued before (to any farm). Issues are serialised by a counter lock, so two
    clerks cannot issue overlapping ranges at the same moment. Audit ``pigs.tag_range_issued``."""
    require(actor, "pigs.add_tagrange")
    farm = lock(Farm, actor, farm_id)
    errors: dict[str, list[str]] = {}
    if country != CHINA and country not in MANUFACTURER_CODES:
        errors["country"] = [_("Use China's code 156 or a tag maker's code 900-998.")]
    for name, value in (("first_national_id", first_national_id), ("last_national_id", last_national_id)):
        if not 0 <= value <= NATIONAL_ID_MAX:
            errors[name] = [_("A national ID lies between 0 and %(max)d.") % {"max": NATIONAL_ID_MAX}]
    if not errors and last_national_id < first_national_id:
        errors["last_national_id"] = [_("The last number comes before the first.")]
    if not errors and last_national_id - first_national_id + 1 > MAX_RANGE:
        errors["last_national_id"] = [_("One range holds at most %(max)d numbers.") % {"max": MAX_RANGE}]
    if not farm.is_active:
        errors["farm_id"] = [_("The farm's registration is not active.")]
    refuse(errors, _("The range was not issued."))
    next_value("pigs.tag_range_issue")  # the lock that serialises issues
    overlap = (
        TagRange.objects.select_related("farm")
        .filter(
            country=country, first_national_id__lte=last_national_id, last_national_id__gte=first_national_id
        )
        .first()
    )
    if overlap is not None:
        refuse(
            {
                "first_national_id": [
                    _("Overlaps range %(range)s issued to %(farm)s.")
                    % {"range": str(overlap), "farm": overlap.farm.registration_number}
                ]
            },
            _("The range was not issued."),
        )
    issued = TagRange(
        farm=farm,
        country=country,
        first_national_id=first_national_id,
        last_national_id=last_national_id,
        issued_at=timezone.now(),
        issued_by=actor,
        note=note.strip()[:200],
    )
    issued.save()
    audit.record(
        actor=actor,
        action="pigs.tag_range_issued",
        obj=issued,
        changes=audit.diff(None, audit.snapshot(issued)),
    )
    return issued


# --- Ear tags --------------------------------------------------------------------------------


def _new_tag_number(
    farm: Farm, text: str, errors: dict[str, list[str]], name: str
) -> tuple[Iso11784Code, TagRange] | None:
    """A printed ISO 11784 number for a new device: well formed, unused, in one of the farm's ranges."""
    try:
        code = parse_printed(text)
    except InvalidIdentifier as exc:
        errors[name] = [_("Not an ISO 11784 number: %(problem)s") % {"problem": str(exc)}]
        return None
    if EarTag.objects.filter(iso_number=code.printed).exists():
        errors[name] = [_("Tag %(number)s is in use already.") % {"number": code.printed}]
        return None
    issued = TagRange.objects.filter(
        farm=farm,
        country=code.country,
        first_national_id__lte=code.national_id,
        last_national_id__gte=code.national_id,
    ).first()
    if issued is None:
        errors[name] = [_("Tag %(number)s is not in a range issued to this farm.") % {"number": code.printed}]
        return None
    return code, issued


def _make_tag(
    animal: Animal,
    code: Iso11784Code,
    issued: TagRange,
    retag: int,
    at: dt.datetime,
    replaces: EarTag | None = None,
) -> EarTag:
    """The device row: the printed number, and the raw 64-bit code with its retagging counter."""
    device = Iso11784Code(country=code.country, national_id=code.national_id, retag=retag)
    tag = EarTag(
        animal=animal,
        tag_range=issued,
        iso_number=device.printed,
        raw_hex=device.to_hex(),
        retag=retag,
        applied_at=at,
        replaces=replaces,
    )
    tag.save()
    return tag


@dataclass(frozen=True)
class TagInput:
    """A pig tagged on its farm: its China ear-tag number and its first electronic tag."""

    farm_id: int
    cn_number: str
    iso_number: str
    sex: str
    breed: str
    birth_date: dt.date
    applied_at: dt.datetime | None = None


def _check_cn_number(farm: Farm, text: str, errors: dict[str, list[str]]) -> str:
    try:
        number = parse_china_ear_tag(text)
    except InvalidIdentifier as exc:
        errors["cn_number"] = [_("Not a China ear-tag number: %(problem)s") % {"problem": str(exc)}]
        return ""
    if number.species not in PIG_SPECIES:
        errors["cn_number"] = [_("This number is for another species (its first digit must be 1 or 7).")]
    elif number.county != farm.county_code:
        # The county part is the county that issued the tag: a pig tagged in another county did
        # not grow up on this registered farm.
        errors["cn_number"] = [
            _("The number's county %(county)s is not the farm's county %(farm)s.")
            % {"county": number.county, "farm": farm.county_code}
        ]
    elif Animal.objects.filter(cn_number=number.number).exists():
        errors["cn_number"] = [_("A pig with this number is registered already.")]
    return number.species


@audit.audited
def animal_tag(*, actor: Any, data: TagInput) -> Animal:
    """Register a pig on its farm with its China ear-tag number and its first ISO 11784 tag
    (``pigs.add_animal``). Events: commissioning of the tag (ILMD: farm, numbers, birth date,
    breed) and its association with the pig. Audit ``pigs.animal_tagged``."""
    require(actor, "pigs.add_animal")
    farm = lock(Farm, actor, data.farm_id)
    errors: dict[str, list[str]] = {}
    if not farm.is_active:
        errors["farm_id"] = [_("The farm's registration is not active.")]
    species_digit = _check_cn_number(farm, data.cn_number, errors)
    found = _new_tag_number(farm, data.iso_number, errors, "iso_number")
    choice(data.sex, Sex, errors, "sex")
    if not data.breed.strip():
        errors["breed"] = [_("Say the breed or cross.")]
    applied_at = moment(data.applied_at, errors, "applied_at")
    if data.birth_date > timezone.localdate():
        errors["birth_date"] = [_("The birth date lies in the future.")]
    elif timezone.localdate(applied_at) < data.birth_date:
        errors["applied_at"] = [_("A pig is tagged after it is born.")]
    refuse(errors, _("The pig was not registered."))
    assert found is not None
    animal = Animal(
        farm=farm,
        cn_number=re.sub(r"\s", "", data.cn_number),
        species=PIG_SPECIES[species_digit],
        sex=data.sex,
        breed=data.breed.strip()[:60],
        birth_date=data.birth_date,
        tagged_at=applied_at,
    )
    animal.save()
    tag = _make_tag(animal, found[0], found[1], 0, applied_at)
    emit(
        actor,
        [
            epcis.commissioning(animal=animal, farm=farm, tag_uri=tag.uri, retag=0, when=applied_at),
            epcis.installing(animal=animal, farm=farm, tag_uri=tag.uri, when=applied_at),
        ],
    )
    audit.record(
        actor=actor,
        action="pigs.animal_tagged",
        obj=animal,
        changes={
            **audit.diff(None, audit.snapshot(animal)),
            "tag": {"before": None, "after": tag.iso_number},
        },
    )
    lifetime.apply(actor=actor, animals=[_with_farm(animal)])
    return animal


def _with_farm(animal: Animal) -> Animal:
    found: Animal = Animal.objects.select_related("farm__location").get(pk=animal.pk)
    return found


@audit.audited
def tag_replace(
    *,
    actor: Any,
    tag_id: int,
    new_iso_number: str,
    reason: str,
    replaced_at: dt.datetime | None = None,
) -> EarTag:
    """Replace a pig's lost, damaged or unreadable tag with a new one from the farm's ranges
    (``pigs.replace_eartag``): the old tag takes the reason as its state, the new one carries the
    retagging counter plus one and points at the old one; the pig keeps its lifetime identifier.
    Events: AssociationEvent DELETE (old), commissioning and AssociationEvent ADD (new). Audit
    ``pigs.tag_replaced``."""
    require(actor, "pigs.replace_eartag")
    old = lock(EarTag, actor, tag_id)
    animal = (
        Animal.objects.select_related("farm__location").select_for_update(of=("self",)).get(pk=old.animal_id)
    )
    errors: dict[str, list[str]] = {}
    if old.status != TagStatus.ACTIVE:
        errors["tag_id"] = [_("This tag is no longer in use.")]
    if animal.status != AnimalStatus.ACTIVE:
        errors["tag_id"] = [
            _("Tags are replaced on the farm; this pig is %(status)s.")
            % {"status": animal.get_status_display()}
        ]
    choice(reason, ReplaceReason, errors, "reason")
    if old.retag >= 7:
        errors["new_iso_number"] = [_("ISO 11784 counts seven retaggings at most; this pig has had them.")]
    found = _new_tag_number(animal.farm, new_iso_number, errors, "new_iso_number")
    at = moment(replaced_at, errors, "replaced_at")
    if at < old.applied_at:
        errors.setdefault("replaced_at", []).append(_("The old tag was put on after this time."))
    refuse(errors, _("The tag was not replaced."))
    assert found is not None
    before = audit.snapshot(old)
    old.status = REPLACED_TAG_STATUS[ReplaceReason(reason)]
    old.removed_at, old.replace_reason = at, reason
    old.save()
    new = _make_tag(animal, found[0], found[1], old.retag + 1, at, replaces=old)
    farm = animal.farm
    emit(
        actor,
        [
            epcis.removing(
                animal=animal, farm=farm, tag_uri=old.uri, when=at, reason=reason, replaced_by=new.uri
            ),
            epcis.commissioning(
                animal=animal, farm=farm, tag_uri=new.uri, retag=new.retag, when=at, replaces=old.uri
            ),
            epcis.installing(animal=animal, farm=farm, tag_uri=new.uri, when=at),
        ],
    )
    audit.record(
        actor=actor,
        action="pigs.tag_replaced",
        obj=old,
        changes={
            **audit.diff(before, audit.snapshot(old)),
            "replaced_by": {"before": None, "after": new.iso_number},
        },
    )
    lifetime.apply(actor=actor, animals=[animal])
    return new


# --- Treatments and deaths --------------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentInput:
    """A vaccination or medication of pigs of one farm, given at one time."""

    farm_id: int
    kind: str
    product: str
    product_batch: str
    dose: str
    route: str
    veterinarian: str
    animals: Sequence[str]  # their China ear-tag or ISO 11784 numbers
    withdrawal_days: int = 0
    given_at: dt.datetime | None = None


@audit.audited
def treatment_record(*, actor: Any, data: TreatmentInput) -> Treatment:
    """Record a vaccination or medication (``pigs.add_treatment``): every pig treated gets the
    withdrawal period's end if it is later than the one it had (``withdrawal_until``: it cannot
    be loaded before). Event: ObjectEvent OBSERVE vaccinating/medicating. Audit
    ``pigs.treatment_recorded``."""
    require(actor, "pigs.add_treatment")
    farm = lock(Farm, actor, data.farm_id)
    errors: dict[str, list[str]] = {}
    choice(data.kind, TreatmentKind, errors, "kind")
    choice(data.route, Route, errors, "route")
    for name in ("product", "product_batch", "dose", "veterinarian"):
        if not str(getattr(data, name)).strip():
            errors[name] = [_("This field is required.")]
    if not 0 <= data.withdrawal_days <= MAX_WITHDRAWAL_DAYS:
        errors["withdrawal_days"] = [_("Between 0 and %(max)d days.") % {"max": MAX_WITHDRAWAL_DAYS}]
    given_at = moment(data.given_at, errors, "given_at")
    animals = find_animals(farm, data.animals, errors)
    gone = [a.cn_number for a in animals if a.status != AnimalStatus.ACTIVE]
    if gone:
        errors.setdefault("animals", []).append(
            _("These pigs are no longer on the farm: %(numbers)s.") % {"numbers": ", ".join(gone[:20])}
        )
    refuse(errors, _("The treatment was not recorded."))
    until = given_at + dt.timedelta(days=data.withdrawal_days) if data.withdrawal_days else None
    treatment = Treatment(
        farm=farm,
        kind=data.kind,
        product=data.product.strip()[:120],
        product_batch=data.product_batch.strip()[:60],
        dose=data.dose.strip()[:40],
        route=data.route,
        given_at=given_at,
        withdrawal_days=data.withdrawal_days,
        withdrawal_until=until,
        veterinarian=data.veterinarian.strip()[:100],
        recorded_by=actor,
    )
    treatment.save()
    treatment.animals.set(animals)
    if until is not None:
        Animal.objects.filter(pk__in=[a.pk for a in animals]).filter(
            Q(withdrawal_until__isnull=True) | Q(withdrawal_until__lt=until)
        ).update(withdrawal_until=until)
    tags = active_tags([a.pk for a in animals])
    uris = [tag.uri for a in animals for tag in tags[a.pk]]
    treatment.event_id = emit(actor, [epcis.treatment(treatment=treatment, farm=farm, tag_uris=uris)])[0]
    treatment.save(update_fields=["event_id", "updated_at"])
    audit.record(
        actor=actor,
        action="pigs.treatment_recorded",
        obj=treatment,
        changes={
            **audit.diff(None, audit.snapshot(treatment)),
            "animals": {"before": None, "after": [a.cn_number for a in animals]},
        },
    )
    lifetime.apply(actor=actor, animals=animals)
    return treatment


@audit.audited
def animal_death(
    *, actor: Any, animal_id: int, cause: str, note: str = "", died_at: dt.datetime | None = None
) -> Animal:
    """Record that a pig died or was culled (``pigs.record_death_animal``), on its farm or in
    transit: its tags come off with it (recovered). Event: ObjectEvent DELETE destroying →
    destroyed (EPCIS: the objects' life ends), cause as extension. Audit ``pigs.animal_died``."""
    require(actor, "pigs.record_death_animal")
    animal = lock(Animal, actor, animal_id)
    errors: dict[str, list[str]] = {}
    if animal.status not in (AnimalStatus.ACTIVE, AnimalStatus.IN_TRANSIT):
        raise TransitionNotAllowed(
            _("This pig is %(status)s; its death cannot be recorded.")
            % {"status": animal.get_status_display()},
            fields={"status": [animal.status]},
        )
    choice(cause, DeathCause, errors, "cause")
    at = moment(died_at, errors, "died_at")
    if at < animal.tagged_at:
        errors.setdefault("died_at", []).append(_("The pig was tagged after this time."))
    refuse(errors, _("The death was not recorded."))
    farm = Farm.objects.select_related("location").get(pk=animal.farm_id)
    before = audit.snapshot(animal)
    tags = active_tags([animal.pk])[animal.pk]
    animal.status, animal.died_at, animal.death_cause, animal.death_note = (
        AnimalStatus.DEAD,
        at,
        cause,
        note.strip()[:300],
    )
    animal.save()
    EarTag.objects.filter(pk__in=[t.pk for t in tags]).update(status=TagStatus.RECOVERED, removed_at=at)
    emit(
        actor,
        [
            epcis.death(
                animal=animal,
                farm=farm,
                tag_uris=[t.uri for t in tags],
                when=at,
                cause=cause,
                note=animal.death_note,
            )
        ]
        if tags
        else [],
    )
    audit.record_change(actor=actor, action="pigs.animal_died", obj=animal, before=before)
    return animal


from openciq.trace.pigs.loading import (  # noqa: E402  (the batch workflow, one import for callers)
    BatchInput,
    batch_cancel,
    batch_declare,
    batch_hold,
    batch_receive_hk,
    batch_reconcile,
    batch_release,
    batch_start_loading,
)

__all__ = [
    "BatchInput",
    "EventsRefused",
    "FarmInput",
    "TagInput",
    "TreatmentInput",
    "animal_death",
    "animal_tag",
    "batch_cancel",
    "batch_declare",
    "batch_hold",
    "batch_receive_hk",
    "batch_reconcile",
    "batch_release",
    "batch_start_loading",
    "farm_register",
    "tag_range_issue",
    "tag_replace",
    "treatment_record",
]
