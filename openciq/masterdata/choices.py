from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseKind(models.TextChoices):
    EXPORTER = "exporter", _("Exporter")
    IMPORTER = "importer", _("Importer")
    FARM = "farm", _("Farm")
    PACKING_HOUSE = "packing_house", _("Packing house")
    FOOD_PACKAGING_MAKER = "food_packaging_maker", _("Food-packaging maker")
    AGENT = "agent", _("Customs agent")


class EnterpriseClass(models.TextChoices):
    """Credit classification: A is the most trusted, D the least (more checks)."""

    A = "A", _("Class A")
    B = "B", _("Class B")
    C = "C", _("Class C")
    D = "D", _("Class D")


class ClassChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PremisesKind(models.TextChoices):
    FARM = "farm", _("Farm")
    PLANTING_BASE = "planting_base", _("Planting base")
    PACKING_HOUSE = "packing_house", _("Packing house")
    FACTORY = "factory", _("Factory")
    COLD_STORE = "cold_store", _("Cold store")


class RiskCategory(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class PortKind(models.TextChoices):
    SEA = "sea", _("Sea port")
    LAND = "land", _("Land port")
    AIR = "air", _("Airport")


class MonitoringPointKind(models.TextChoices):
    PASSENGER_CHANNEL = "passenger_channel", _("Passenger channel")
    CARGO_GATE = "cargo_gate", _("Cargo gate")
    BERTH = "berth", _("Berth")
    YARD = "yard", _("Container yard")
    VEHICLE_LANE = "vehicle_lane", _("Vehicle lane")
