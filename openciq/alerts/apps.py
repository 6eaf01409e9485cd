from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "openciq.alerts"
    label = "alerts"
    verbose_name = _("Risk warning")

    def ready(self) -> None:
        from openciq.alerts import registration

        registration.register()
