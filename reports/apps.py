from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_triggers(sender, using, **kwargs):
    """After every migrate: (re)create the change-log triggers. A migration that rebuilds a source
    table (SQLite's ALTER TABLE does) drops its triggers; this puts them back."""
    import logging

    from django.db import DatabaseError, connections, transaction

    from reports.sql import install_triggers

    try:
        with transaction.atomic(using=using):
            install_triggers(connections[using])
    except (DatabaseError, LookupError):
        # A partial migrate (a source table missing): the next full refresh installs them.
        logging.getLogger(__name__).warning("change-log triggers not installed", exc_info=True)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计看板")

    def ready(self):
        from reports.metrics import load_sources

        load_sources()
        from reports.workbench import register_cards

        register_cards()
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="reports_install_triggers")
