from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LimsConfig(AppConfig):
    name = "openciq.lims"
    label = "lims"
    verbose_name = _("Laboratories")

    def ready(self) -> None:
        from openciq.lims import registration

        registration.register()
