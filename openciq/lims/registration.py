"""What the laboratory subsystem puts in the registry (called from ``AppConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Section, registry

REFERENCE = (
    "method",
    "analysisservice",
    "specification",
    "instrument",
    "instrumentcalibration",
    "referencematerial",
    "controlchart",
    "importmapping",
)
VIEW_ALL = [
    *(f"lims.view_{m}" for m in REFERENCE),
    "lims.view_sample",
    "lims.view_analysis",
    "lims.view_worksheet",
    "lims.view_report",
    "lims.view_custodyevent",
]
RECEPTION = [
    "lims.add_sample",
    "lims.receive_sample",
    "lims.reject_sample",
    "lims.partition_sample",
    "lims.custody_sample",
]
ANALYSIS = ["lims.submit_analysis", "lims.verify_analysis", "lims.custody_sample"]
HEAD = [
    *RECEPTION,
    *ANALYSIS,
    "lims.manage_worksheet",
    "lims.retract_analysis",
    "lims.retract_worksheet",
    "lims.publish_sample",
    "lims.invalidate_sample",
    *(f"lims.{action}_{m}" for m in REFERENCE for action in ("add", "change", "delete")),
]
# Laboratory staff read the calendar their due dates come from and the requests sent to them.
LAB_SHARED = ["masterdata.view_calendarday", "declarations.view_samplerequest"]


def register() -> None:
    from openciq.declarations import sampling
    from openciq.lims.services import LaboratoryHandler

    sampling.register_handler(LaboratoryHandler())
    registry.register_section(Section("lims", _("Laboratories"), order=35, icon="flask"))
    for order, (label, url_name, permission) in enumerate(
        [
            (_("My worklist"), "lims:worklist", "lims.view_sample"),
            (_("Samples"), "lims:sample_list", "lims.view_sample"),
            (_("Analyses"), "lims:analysis_list", "lims.view_analysis"),
            (_("Worksheets"), "lims:worksheet_list", "lims.view_worksheet"),
            (_("Turnaround"), "lims:turnaround", "lims.view_analysis"),
        ]
    ):
        registry.register_menu_item(MenuItem("lims", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [
                *VIEW_ALL,
                *(f"lims.{action}_{m}" for m in REFERENCE for action in ("add", "change", "delete")),
                "lims.change_instrument",
                *(f"masterdata.{action}_calendarday" for action in ("view", "add", "change", "delete")),
            ],
            Role.BUREAU_LEADER: [*VIEW_ALL, "masterdata.view_calendarday"],
            Role.LAB_RECEPTIONIST: [*VIEW_ALL, *RECEPTION, *LAB_SHARED],
            Role.LAB_ANALYST: [*VIEW_ALL, *ANALYSIS, *LAB_SHARED],
            Role.LAB_SUPERVISOR: [*VIEW_ALL, *HEAD, *LAB_SHARED],
            Role.HOTLINE_DISPATCHER: ["masterdata.view_calendarday"],
        }
    )
