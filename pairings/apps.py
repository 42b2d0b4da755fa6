from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingsConfig(AppConfig):
    name = "pairings"
    verbose_name = _("结对帮扶")

    def ready(self):
        from pairings.selectors import register_unit_leader_reach
        from pairings.workbench import register_cards

        register_cards()
        register_unit_leader_reach()
