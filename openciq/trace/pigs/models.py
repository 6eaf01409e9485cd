"""Live pigs to Hong Kong: the registered farms, the ear-tag number ranges issued to them, every
pig with its two numbers (China's 畜禽标识 and the ISO 11784 electronic tag) and its tag history,
its vaccinations and medications, and the truckloads inspected at the farm's loading channel.

What happened is recorded as EPCIS events in the trace repository (``openciq.trace``); these
models hold what the inspector works with (registers, statuses, reconciliation results) and
point at the events by their eventID.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openciq.accounts.models import org_scope_q
from openciq.core.models import LocalizedNameMixin, OpenciqModel, WorkflowModel
from openciq.trace import identifiers
from openciq.trace.pigs.choices import (
    AnimalStatus,
    BatchStatus,
    DeathCause,
    ReplaceReason,
    Route,
    Sex,
    Species,
    TagStatus,
    Traceability,
    TreatmentKind,
)


def _member_enterprises(actor: Any) -> models.QuerySet[Any]:
    from openciq.masterdata.models import EnterpriseMembership

    return EnterpriseMembership.objects.filter(user_id=actor.pk).values("enterprise_id")


def farm_scope_q(actor: Any, prefix: str = "") -> Q:
    """Inspectors see the farms their office supervises; a farm's own people (enterprise users
    acting for the farm's enterprise) see their farm."""
    return org_scope_q(actor, f"{prefix}org_unit__path") | Q(
        **{f"{prefix}enterprise_id__in": _member_enterprises(actor)}
    )


def animal_uri(cn_number: str) -> str:
    """A pig's lifetime identifier in EPCIS: its 畜禽标识 number under the authority's domain. Its
    ear-tag devices are associated with it (AssociationEvent, the pig as parent)."""
    return identifiers.place("livestock", cn_number)


def declaration_uri(number: str) -> str:
    """An export declaration as an EPCIS business transaction (type ``cert``)."""
    return identifiers.place("declaration", number)


class Farm(LocalizedNameMixin, OpenciqModel):
    """A farm registered with the bureau to supply live pigs to Hong Kong (供港活猪注册饲养场):
    its registration number, its enterprise, the office that supervises it, the county it lies
    in (the middle six digits of its pigs' 畜禽标识 numbers), and its place and loading channel
    (监装通道) in the trace repository's location registry."""

    registration_number = models.CharField(_("registration number"), max_length=30, unique=True)
    enterprise = models.ForeignKey(
        "masterdata.Enterprise",
        on_delete=models.PROTECT,
        related_name="pig_farms",
        verbose_name=_("enterprise"),
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.PROTECT,
        related_name="pig_farms",
        verbose_name=_("supervising office"),
    )
    county_code = models.CharField(_("county division code"), max_length=6)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("registered capacity (head)"), default=0)
    location = models.OneToOneField(
        "trace.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    loading_channel = models.OneToOneField(
        "trace.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("loading channel")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["registration_number"]
        verbose_name = _("registered pig farm")
        verbose_name_plural = _("registered pig farms")

    def __str__(self) -> str:
        return f"{self.registration_number} {self.name}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor)


class TagRange(OpenciqModel):
    """A block of ISO 11784 numbers issued to a farm: one code (China 156, or a tag maker's code
    900-998) and a run of national identification numbers. A farm's ear tags must come from its
    ranges; ranges never overlap."""

    farm = models.ForeignKey(
        Farm, on_delete=models.PROTECT, related_name="tag_ranges", verbose_name=_("farm")
    )
    country = models.PositiveSmallIntegerField(_("country or manufacturer code"))
    first_national_id = models.BigIntegerField(_("first national ID"))
    last_national_id = models.BigIntegerField(_("last national ID"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["country", "first_national_id"]
        verbose_name = _("ear-tag range")
        verbose_name_plural = _("ear-tag ranges")
        indexes = [models.Index(fields=["country", "first_national_id"], name="pigs_range_start")]

    def __str__(self) -> str:
        return f"{self.first_printed}–{self.last_printed}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor, "farm__")

    @property
    def size(self) -> int:
        return self.last_national_id - self.first_national_id + 1

    @property
    def first_printed(self) -> str:
        return f"{self.country:03d}{self.first_national_id:012d}"

    @property
    def last_printed(self) -> str:
        return f"{self.country:03d}{self.last_national_id:012d}"


class Animal(OpenciqModel):
    """One pig, for life: its farm, its China ear-tag number (畜禽标识, species + county + serial),
    what it is, where it is (status), whether its lifetime record is whole (traceability, with
    the reasons when it is not) and until when it must not be loaded after a medicine
    (``withdrawal_until``). Its ISO 11784 ear tags are ``EarTag`` rows."""

    farm = models.ForeignKey(Farm, on_delete=models.PROTECT, related_name="animals", verbose_name=_("farm"))
    cn_number = models.CharField(_("China ear-tag number"), max_length=15, unique=True)
    species = models.CharField(_("species"), max_length=16, choices=Species.choices, default=Species.PIG)
    sex = models.CharField(_("sex"), max_length=12, choices=Sex.choices)
    breed = models.CharField(_("breed"), max_length=60)
    birth_date = models.DateField(_("birth date"))
    tagged_at = models.DateTimeField(_("tagged at"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AnimalStatus.choices,
        default=AnimalStatus.ACTIVE,
        editable=False,
        db_index=True,
    )
    traceability = models.CharField(
        _("lifetime traceability"),
        max_length=12,
        choices=Traceability.choices,
        default=Traceability.TRACEABLE,
        editable=False,
        db_index=True,
    )
    # [{"rule": GapRule, "message": str, "at": iso time}] of the last evaluation.
    traceability_reasons = models.JSONField(
        _("traceability warnings"), default=list, blank=True, editable=False
    )
    traceability_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    withdrawal_until = models.DateTimeField(
        _("withdrawal period until"), null=True, blank=True, editable=False
    )
    died_at = models.DateTimeField(_("died at"), null=True, blank=True, editable=False)
    death_cause = models.CharField(_("cause of death"), max_length=12, choices=DeathCause.choices, blank=True)
    death_note = models.CharField(_("death note"), max_length=300, blank=True)

    audit_exclude = OpenciqModel.audit_exclude | {"traceability_checked_at"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pig")
        verbose_name_plural = _("pigs")
        permissions = [("record_death_animal", _("Can record the death of pigs"))]
        indexes = [models.Index(fields=["farm", "status"], name="pigs_animal_farm_status")]

    def __str__(self) -> str:
        return self.cn_number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor, "farm__")

    @property
    def uri(self) -> str:
        return animal_uri(self.cn_number)

    def in_withdrawal(self, moment: dt.datetime) -> bool:
        return self.withdrawal_until is not None and self.withdrawal_until > moment


class EarTag(OpenciqModel):
    """One ISO 11784 electronic ear tag (a device), on one pig: its printed 15-digit number, its
    raw 64-bit code and retagging counter, when it was put on and taken off, its state, and the
    tag it replaced (NLIS: a replacement device is linked to the lost one, so the pig keeps its
    lifetime record)."""

    animal = models.ForeignKey(Animal, on_delete=models.PROTECT, related_name="tags", verbose_name=_("pig"))
    tag_range = models.ForeignKey(
        TagRange, on_delete=models.PROTECT, related_name="tags", verbose_name=_("issued in range")
    )
    iso_number = models.CharField(_("ISO 11784 number"), max_length=15, unique=True)
    raw_hex = models.CharField(_("64-bit code (hex)"), max_length=16, unique=True)
    retag = models.PositiveSmallIntegerField(_("retagging counter"), default=0)
    applied_at = models.DateTimeField(_("applied at"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=TagStatus.choices, default=TagStatus.ACTIVE, db_index=True
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    replace_reason = models.CharField(
        _("why it was replaced"), max_length=12, choices=ReplaceReason.choices, blank=True
    )

    class Meta:
        ordering = ["animal", "applied_at", "id"]
        verbose_name = _("ear tag")
        verbose_name_plural = _("ear tags")
        permissions = [("replace_eartag", _("Can replace ear tags"))]

    def __str__(self) -> str:
        return self.iso_number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor, "animal__farm__")

    @property
    def uri(self) -> str:
        return identifiers.animal(self.iso_number)


class Treatment(OpenciqModel):
    """A vaccination or a medication given to one or more pigs of a farm at one time: the
    product and its batch, the dose and route, the veterinarian, and the withdrawal period (the
    days before a treated pig may be slaughtered or shipped)."""

    farm = models.ForeignKey(
        Farm, on_delete=models.PROTECT, related_name="treatments", verbose_name=_("farm")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TreatmentKind.choices)
    product = models.CharField(_("product"), max_length=120)
    product_batch = models.CharField(_("product batch"), max_length=60)
    dose = models.CharField(_("dose"), max_length=40)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices)
    given_at = models.DateTimeField(_("given at"))
    withdrawal_days = models.PositiveSmallIntegerField(_("withdrawal period (days)"), default=0)
    withdrawal_until = models.DateTimeField(_("withdrawal until"), null=True, blank=True)
    veterinarian = models.CharField(_("veterinarian"), max_length=100)
    animals = models.ManyToManyField(Animal, related_name="treatments", verbose_name=_("pigs"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    event_id = models.CharField(_("EPCIS event"), max_length=100, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.product} {self.given_at:%Y-%m-%d}"

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor, "farm__")


class LoadingBatch(WorkflowModel):
    """A truckload of pigs for Hong Kong, inspected at the farm's loading channel: the pigs the
    export declaration lists, the truck, and what the channel's readers saw. Declared, read
    through the channel while loading, reconciled against the list (or found to differ: missing
    or extra tags, pigs inside a withdrawal period or no longer on the farm), released by the
    inspector (the pigs go into the truck), received in Hong Kong."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    farm = models.ForeignKey(Farm, on_delete=models.PROTECT, related_name="batches", verbose_name=_("farm"))
    declaration_number = models.CharField(_("declaration number"), max_length=40, db_index=True)
    truck_plate = models.CharField(_("truck plate"), max_length=20)
    loading_channel = models.ForeignKey(
        "trace.Location", on_delete=models.PROTECT, related_name="+", verbose_name=_("loading channel")
    )
    animals = models.ManyToManyField(
        Animal, through="BatchAnimal", related_name="batches", verbose_name=_("declared pigs")
    )
    planned_at = models.DateTimeField(_("planned loading time"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BatchStatus.choices,
        default=BatchStatus.DECLARED,
        editable=False,
        db_index=True,
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    loading_started_at = models.DateTimeField(_("loading started"), null=True, blank=True, editable=False)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True, editable=False)
    reconcile_count = models.PositiveSmallIntegerField(_("reconciliations"), default=0, editable=False)
    # {"missing": [iso…], "extra": [iso or uri…], "withdrawal": [cn…], "inactive": [cn…]}
    result = models.JSONField(_("reconciliation"), default=dict, blank=True, editable=False)
    alerts = models.ManyToManyField(
        "trace.SupervisionAlert", related_name="+", blank=True, verbose_name=_("alerts"), editable=False
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
        editable=False,
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True, editable=False)
    loaded_count = models.PositiveIntegerField(_("pigs loaded"), default=0, editable=False)
    received_at = models.DateTimeField(_("received in Hong Kong"), null=True, blank=True, editable=False)
    received_count = models.PositiveIntegerField(_("pigs received"), null=True, blank=True, editable=False)
    receipt_point = models.ForeignKey(
        "trace.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received at"),
        editable=False,
    )
    # {"missing": [iso…], "extra": [iso…]} of the Hong Kong reads against what left.
    receipt_result = models.JSONField(_("receipt comparison"), default=dict, blank=True, editable=False)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True, editable=False)
    event_ids = models.JSONField(_("EPCIS events"), default=list, blank=True, editable=False)

    transitions: ClassVar[dict[str, tuple[frozenset[str], str]]] = {
        "start": (frozenset({BatchStatus.DECLARED, BatchStatus.MISMATCH}), BatchStatus.LOADING),
        # Reconciling ends in "reconciled" or "mismatch", whichever the reads say.
        "reconcile": (frozenset({BatchStatus.LOADING}), BatchStatus.RECONCILED),
        # The inspector holds a batch the reads found in order (a doubt of their own).
        "hold": (frozenset({BatchStatus.RECONCILED}), BatchStatus.MISMATCH),
        "release": (frozenset({BatchStatus.RECONCILED, BatchStatus.MISMATCH}), BatchStatus.RELEASED),
        "receive": (frozenset({BatchStatus.RELEASED}), BatchStatus.RECEIVED),
        "cancel": (
            frozenset(
                {BatchStatus.DECLARED, BatchStatus.LOADING, BatchStatus.RECONCILED, BatchStatus.MISMATCH}
            ),
            BatchStatus.CANCELLED,
        ),
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("loading batch")
        verbose_name_plural = _("loading batches")
        permissions = [
            ("load_loadingbatch", _("Can open the loading channel and reconcile loading batches")),
            ("release_loadingbatch", _("Can release loading batches")),
            ("receive_loadingbatch", _("Can record the Hong Kong receipt of loading batches")),
            ("cancel_loadingbatch", _("Can cancel loading batches")),
        ]
        indexes = [models.Index(fields=["status", "loading_channel"], name="pigs_batch_channel")]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def scope_q(cls, actor: Any) -> Q | None:
        return farm_scope_q(actor, "farm__")

    @property
    def vehicle_uri(self) -> str:
        return identifiers.vehicle(self.truck_plate)


class BatchAnimal(models.Model):
    """A pig on a loading batch's declared list, with the tag it was declared by and what
    became of it: read in the channel, loaded onto the truck, read on receipt in Hong Kong."""

    batch = models.ForeignKey(LoadingBatch, on_delete=models.CASCADE, related_name="entries")
    animal = models.ForeignKey(Animal, on_delete=models.PROTECT, related_name="batch_entries")
    read_at = models.DateTimeField(_("read in the channel"), null=True, blank=True)
    loaded = models.BooleanField(_("loaded"), default=False)
    received_at = models.DateTimeField(_("read in Hong Kong"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "animal__cn_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "animal"], name="pigs_batch_animal_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.animal_id}"


class ChannelRead(models.Model):
    """A tag the loading channel's readers saw while a batch was loading there (recorded by the
    capture listener from the readers' EPCIS events, whatever carried them)."""

    id = models.BigAutoField(primary_key=True)
    batch = models.ForeignKey(LoadingBatch, on_delete=models.CASCADE, related_name="reads")
    uri = models.CharField(_("identifier"), max_length=255)
    read_at = models.DateTimeField(_("first read at"))
    event = models.ForeignKey(
        "trace.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["batch", "read_at", "id"]
        constraints = [models.UniqueConstraint(fields=["batch", "uri"], name="pigs_channel_read_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.uri}"
