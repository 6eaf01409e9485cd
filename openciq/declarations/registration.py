"""What declarations puts in the registry (called from ``AppConfig.ready``)."""

from django.utils.translation import gettext_lazy as _

from openciq.accounts.choices import Role
from openciq.core.registry import MenuItem, Section, Seeder, Widget, registry

DECLARATION_FLOW = [
    "declarations.submit_declaration",
    "declarations.withdraw_declaration",
    "declarations.cancel_declaration",
]
INSPECTION = [
    "declarations.view_declaration",
    "declarations.add_declaration",
    "declarations.change_declaration",
    *DECLARATION_FLOW,
    "declarations.accept_declaration",
    "declarations.assess_declaration",
    "declarations.decide_declaration",
    "declarations.release_declaration",
    "declarations.view_inspectionorder",
    "declarations.work_inspectionorder",
    "declarations.view_samplerequest",
    "declarations.record_result_samplerequest",
    "declarations.view_certificate",
    "declarations.issue_certificate",
    "declarations.revoke_certificate",
    "declarations.import_certificate",
    "declarations.view_riskruleset",
    "declarations.view_risksignal",
]
VIEW_ALL = [
    "declarations.view_declaration",
    "declarations.view_inspectionorder",
    "declarations.view_samplerequest",
    "declarations.view_certificate",
    "declarations.view_riskruleset",
    "declarations.view_risksignal",
]


def register() -> None:
    from openciq.declarations.seed import seed
    from openciq.declarations.widgets import declaration_states

    registry.register_section(
        Section("declarations", _("Export supervision"), order=30, icon="file-certificate")
    )
    for order, (label, url_name, permission) in enumerate(
        [
            (_("Declarations"), "declarations:declaration_list", "declarations.view_declaration"),
            (_("My worklist"), "declarations:worklist", "declarations.work_inspectionorder"),
            (_("Sample requests"), "declarations:samplerequest_list", "declarations.view_samplerequest"),
            (_("Certificates"), "declarations:certificate_list", "declarations.view_certificate"),
            (_("Risk rules"), "declarations:riskruleset_list", "declarations.view_riskruleset"),
            (_("Risk signals"), "declarations:risksignal_list", "declarations.view_risksignal"),
        ]
    ):
        registry.register_menu_item(MenuItem("declarations", label, url_name, permission, order=order))
    registry.register_role_permissions(
        {
            Role.SYSTEM_ADMIN: [
                *INSPECTION,
                "declarations.add_riskruleset",
                "declarations.change_riskruleset",
                "declarations.activate_riskruleset",
                "declarations.add_risksignal",
                "declarations.change_risksignal",
            ],
            Role.BUREAU_LEADER: [*VIEW_ALL, "declarations.activate_riskruleset"],
            Role.BRANCH_INSPECTOR: INSPECTION,
            Role.LAB_ANALYST: ["declarations.view_samplerequest", "declarations.record_result_samplerequest"],
            Role.LAB_SUPERVISOR: [
                "declarations.view_samplerequest",
                "declarations.record_result_samplerequest",
            ],
            Role.ENTERPRISE_USER: [
                "declarations.view_declaration",
                "declarations.add_declaration",
                "declarations.change_declaration",
                *DECLARATION_FLOW,
                "declarations.view_certificate",
            ],
        }
    )
    registry.register_api_router("declarations", "openciq.declarations.api.build")
    registry.register_widget(Widget("declarations.states", declaration_states, order=10))
    registry.register_seeder(Seeder("declarations", seed, order=50))
