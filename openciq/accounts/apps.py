from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openciq.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from openciq.accounts import registration
        from openciq.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="openciq-sync-roles")
        registration.register()
