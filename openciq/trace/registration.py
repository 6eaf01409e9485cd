"""What the traceability subsystem puts in the registry (called from ``AppConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Section, registry

READ = [
    "trace.view_event",
    "trace.view_capturejob",
    "trace.view_location",
    "trace.view_namedquery",
    "trace.view_subscription",
    "trace.view_supervisionalert",
]
HANDLE = ["trace.view_supervisionalert", "trace.handle_supervisionalert"]
QUERY = [
    "trace.add_namedquery",
    "trace.delete_namedquery",
    "trace.add_subscription",
    "trace.delete_subscription",
]


def held_by_alerts(declaration_number: str) -> list[str]:
    """Why a declaration is held: the open blocking alerts naming it."""
    from openciq.trace.services import open_blocking_alerts

    return [alert.title for alert in open_blocking_alerts(declaration_number=declaration_number)]


def register() -> None:
    from openciq.declarations import holds

    holds.register(held_by_alerts)
    registry.register_section(Section("trace", _("Traceability"), order=32, icon="route"))
    registry.register_api_router("epcis", "openciq.trace.api.build")
    registry.register_api_router("trace", "openciq.trace.api.build_supervision")
    for order, (label, url_name, permission) in enumerate(
        [
            (_("Events"), "trace:event_list", "trace.view_event"),
            (_("Trace"), "trace:trace", "trace.view_event"),
            (_("Capture jobs"), "trace:capture_list", "trace.view_capturejob"),
            (_("Places"), "trace:location_list", "trace.view_location"),
            (_("Supervision alerts"), "trace:alert_list", "trace.view_supervisionalert"),
        ]
    ):
        registry.register_menu_item(MenuItem("trace", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [
                *READ,
                *QUERY,
                *HANDLE,
                "trace.add_event",
                "trace.change_location",
                "trace.add_location",
            ],
            Role.BUREAU_LEADER: READ,
            Role.BRANCH_INSPECTOR: [*READ, *QUERY, *HANDLE, "trace.add_event"],
            Role.PORT_HEALTH_OFFICER: READ,
            # Farms, packing houses and carriers capture their own events (readers, farm systems).
            Role.ENTERPRISE_USER: ["trace.add_event", "trace.view_capturejob"],
        }
    )
