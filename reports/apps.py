from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_triggers(sender, using, **kwargs):
    """After every migrate: (re)create the change-log triggers. A migration that rebuilds a source
    table (SQLite's ALTER TABLE does) drops its triggers; this puts them back."""
    from django.db import connections

    from reports.sql import install_triggers

    install_triggers(connections[using])


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计看板")

    def ready(self):
        from reports.metrics import load_sources

        load_sources()
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="reports_install_triggers")
