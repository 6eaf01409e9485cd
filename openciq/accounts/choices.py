from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnitKind(models.TextChoices):
    BUREAU = "bureau", _("Bureau")
    BRANCH = "branch", _("Branch bureau")
    PORT = "port", _("Port office")
    LABORATORY = "laboratory", _("Laboratory")
    DEPARTMENT = "department", _("Department")


class Role(models.TextChoices):
    """Roles are Django groups of the same name; their permissions are set in ``roles.py``."""

    SYSTEM_ADMIN = "system_admin", _("System administrator")
    BUREAU_LEADER = "bureau_leader", _("Bureau leader")
    BRANCH_INSPECTOR = "branch_inspector", _("Branch inspector")
    PORT_HEALTH_OFFICER = "port_health_officer", _("Port health officer")
    LAB_RECEPTIONIST = "lab_receptionist", _("Laboratory receptionist")
    LAB_ANALYST = "lab_analyst", _("Laboratory analyst")
    LAB_SUPERVISOR = "lab_supervisor", _("Laboratory head")
    HOTLINE_OPERATOR = "hotline_operator", _("Hotline operator")
    HOTLINE_DISPATCHER = "hotline_dispatcher", _("Hotline dispatcher")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")


# Roles that see every object they hold a permission for, whatever their org unit.
GLOBAL_SCOPE_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BUREAU_LEADER})
