from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContainersConfig(AppConfig):
    """Cross-border containers with electronic seals."""

    name = "openciq.trace.containers"
    label = "containers"
    verbose_name = _("Containers and e-seals")

    def ready(self) -> None:
        from openciq.trace.containers import registration

        registration.register()
