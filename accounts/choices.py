from django.db import models
from django.utils.translation import gettext_lazy as _


class ThrottleKind(models.TextChoices):
    ACCOUNT = "account", _("账户")
    ADDRESS = "address", _("来源地址")
