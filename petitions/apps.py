from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("信访")

    def ready(self):
        from audit.models import AuditEvent
        from core import calendar
        from ledgers.services import matters
        from petitions import hooks, workbench  # noqa: F401 - registers the cards
        from regions.scoping import register_exclusion

        # 稳定事项转信访: the ledgers' escalation opens a case through our service.
        if hooks.escalate_matter not in matters.ESCALATION_HANDLERS:
            matters.ESCALATION_HANDLERS.append(hooks.escalate_matter)
        # The calendar changed: stored deadlines are recomputed (a Celery task, after commit).
        if hooks.calendar_changed not in calendar.CHANGE_LISTENERS:
            calendar.CHANGE_LISTENERS.append(hooks.calendar_changed)
        # The audit events of a confidential case are hidden from the officials it names.
        register_exclusion(AuditEvent, hooks.hidden_audit_events)
