from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "openciq.declarations"
    label = "declarations"
    verbose_name = _("Export supervision")

    def ready(self) -> None:
        from openciq.declarations import registration

        registration.register()
