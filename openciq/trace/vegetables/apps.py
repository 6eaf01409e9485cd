from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VegetablesConfig(AppConfig):
    """Vegetables to Hong Kong: planting bases, harvest lots, RFID crates, trucks, the border gate."""

    name = "openciq.trace.vegetables"
    label = "vegetables"
    verbose_name = _("Vegetables to Hong Kong")
