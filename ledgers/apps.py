from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("村级台账")

    def ready(self):
        from ledgers.workbench import register_cards

        register_cards()
