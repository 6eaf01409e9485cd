"""What alerts puts in the registry (called from ``AppConfig.ready``).

Food-packaging filings are not reference data, so they are not a generic CRUD ``ObjectType``:
their pages and API are written out in ``views.py`` and ``api.py``, and the menu item is
registered by hand.
"""

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.alerts.choices import FilingVerb
from openciq.core.registry import MenuItem, Section, Seeder, Widget, registry

TRANSITION_PERMISSIONS = {verb.value: f"alerts.{verb.value}_packagingfiling" for verb in FilingVerb}
VIEW = "alerts.view_packagingfiling"


def _verbs(*verbs: FilingVerb) -> list[str]:
    return [TRANSITION_PERMISSIONS[v.value] for v in verbs]


ROLE_PERMISSIONS = {
    Role.SYSTEM_ADMIN: [
        VIEW,
        "alerts.add_packagingfiling",
        "alerts.change_packagingfiling",
        *TRANSITION_PERMISSIONS.values(),
    ],
    Role.BUREAU_LEADER: [VIEW],
    Role.BRANCH_INSPECTOR: [
        VIEW,
        *_verbs(
            FilingVerb.REVIEW,
            FilingVerb.APPROVE,
            FilingVerb.REFUSE,
            FilingVerb.SUSPEND,
            FilingVerb.REINSTATE,
            FilingVerb.REVOKE,
        ),
    ],
    # Enterprise users reach only their own enterprises' filings (the object scope).
    Role.ENTERPRISE_USER: [
        VIEW,
        "alerts.add_packagingfiling",
        "alerts.change_packagingfiling",
        *_verbs(FilingVerb.SUBMIT, FilingVerb.WITHDRAW),
    ],
}


def register() -> None:
    from openciq.alerts.seed import seed
    from openciq.alerts.widgets import filings_to_review

    registry.register_section(Section("alerts", _("Risk warning"), order=40, icon="alert-triangle"))
    registry.register_menu_item(
        MenuItem(
            "alerts", _("Food-packaging filings"), "alerts:packagingfiling_list", permission=VIEW, order=10
        )
    )
    registry.register_api_router("alerts", "openciq.alerts.api.build")
    registry.register_role_permissions({str(role): perms for role, perms in ROLE_PERMISSIONS.items()})
    registry.register_widget(Widget("alerts.filings_to_review", filings_to_review, order=40))
    registry.register_seeder(Seeder("alerts", seed, order=40))
