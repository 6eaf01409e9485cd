from django.apps import AppConfig
from django.db.models.signals import pre_delete, pre_save
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "openciq.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from openciq.core import audit
        from openciq.core.registry import MenuItem, Section, Widget, registry

        pre_save.connect(audit.note_write, dispatch_uid="openciq-audit-tripwire-save")
        pre_delete.connect(audit.note_write, dispatch_uid="openciq-audit-tripwire-delete")
        registry.register_section(Section("ops", _("Monitoring"), order=900, icon="activity"))
        registry.register_menu_item(
            MenuItem("ops", _("Audit log"), "core:audit_log", permission="core.view_auditevent", order=10)
        )
        from openciq.core.widgets import recent_activity

        registry.register_widget(Widget("core.recent_activity", recent_activity, order=900))
