from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel
from regions.models import Region
from regions.scoping import ScopeSpec


class VillageProfile(VersionedModel):
    """The "four knowings" (四个知晓) of one village, kept current by township staff and cadres."""

    region = models.OneToOneField(
        Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="profile"
    )
    village_conditions = models.TextField(_("村情社情"), blank=True)
    household_conditions = models.TextField(_("户情民情"), blank=True)
    expectations = models.TextField(_("期盼愿望"), blank=True)
    problems = models.TextField(_("问题困难"), blank=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("四个知晓")
        verbose_name_plural = _("四个知晓")
        ordering = ["region_id"]

    def __str__(self):
        return f"{self.region.name} · {_('四个知晓')}"
