from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VegetablesConfig(AppConfig):
    """Vegetables to Hong Kong: planting bases, harvest lots, RFID crates, trucks, the border gate."""

    name = "openciq.trace.vegetables"
    label = "vegetables"
    verbose_name = _("Vegetables to Hong Kong")

    def ready(self) -> None:
        from openciq.trace.vegetables import registration

        registration.register()
