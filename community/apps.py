from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("社区双报到与三单制")

    def ready(self):
        from community.workbench import register_cards

        register_cards()
