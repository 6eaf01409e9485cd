from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceConfig(AppConfig):
    name = "openciq.trace"
    label = "trace"
    verbose_name = _("Traceability")

    def ready(self) -> None:
        from openciq.trace import registration

        registration.register()
