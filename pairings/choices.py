"""Choices of the pairings app, with their status machines beside them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.choices import Level


class UnitLevel(models.IntegerChoices):
    """The level of an organ or unit; the values are those of `regions.choices.Level`."""

    PROVINCE = Level.PROVINCE, _("省级")
    PREFECTURE = Level.PREFECTURE, _("市（州）级")
    COUNTY = Level.COUNTY, _("县（市、区）级")
    TOWNSHIP = Level.TOWNSHIP, _("乡镇（街道）级")


class UnitKind(models.TextChoices):
    PARTY_GOVERNMENT = "party_government", _("党政机关部门")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    CITY_GOVERNMENT = "city_government", _("市（州）政府")
