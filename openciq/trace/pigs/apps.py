from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PigsConfig(AppConfig):
    """Live pigs to Hong Kong: registered farms, ear tags, health records, loading channel."""

    name = "openciq.trace.pigs"
    label = "pigs"
    verbose_name = _("Live pigs to Hong Kong")

    def ready(self) -> None:
        from openciq.trace.pigs import registration

        registration.register()
