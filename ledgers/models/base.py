from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel
from regions.models import Region
from regions.scoping import ScopeSpec


class LedgerKind(models.Model):
    """A kind of ledger (台账类别). The three of the province are created by a migration; a
    prefecture that keeps more adds them here as data."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("台账类别")
        verbose_name_plural = _("台账类别")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Ledger(models.Model):
    """One ledger book of one kind for one village (or township): opened when its first item
    is recorded. "Ledgers built" counts these."""

    kind = models.ForeignKey(LedgerKind, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="ledgers")
    region = models.ForeignKey(
        Region, verbose_name=_("村（社区）或乡镇"), on_delete=models.PROTECT, related_name="ledgers"
    )
    opened_at = models.DateTimeField(_("建账时间"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("建账人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("台账")
        verbose_name_plural = _("台账")
        ordering = ["region_id", "kind__sort_order"]
        constraints = [models.UniqueConstraint(fields=["kind", "region"], name="ledger_unique_kind_region")]

    def __str__(self):
        return f"{self.region.name} · {self.kind.name}"


class LedgerEntry(VersionedModel):
    """An item in a ledger: belongs to one village (or township) and to that place's ledger of
    its kind. `registered_on` is the business date the item counts under in monthly figures."""

    ledger_kind_code: str = ""

    ledger = models.ForeignKey(Ledger, verbose_name=_("台账"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField(_("登记日期"), db_index=True)
    # 作废: an item entered by mistake (twice, in the wrong village) is voided, never deleted: kept
    # with who voided it and why, left out of every list and figure unless asked for (`voided=true`).
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # db_default: the seed generator and the bench write rows with SQL, naming only their own columns.
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True, default="", db_default="", editable=False)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
