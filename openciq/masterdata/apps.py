from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "openciq.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        from openciq.masterdata import registration

        registration.register()
