"""Pairs (结对): a cadre tied to a household, monastery or institution."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import VersionedModel
from core.sensitive import PersonalData
from core.validators import mask_id_number, mask_phone
from pairings.choices import PairKind, PairStatus, TargetKind
from pairings.models.units import Cadre
from regions.models import Region
from regions.scoping import ScopeSpec


class Household(VersionedModel):
    """结对对象: what a cadre is paired with. A hardship household of the ledgers is linked
    (`hardship_household`, its fields copied at linking); any other farmer or herder household is
    registered here with the same household fields; a kin pair may also reach a monastery or an
    institution (`kind`), whose name is kept in `head_name`."""

    kind = models.CharField(_("对象类型"), max_length=20, choices=TargetKind.choices, default=TargetKind.HOUSEHOLD)
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    hardship_household = models.OneToOneField(
        "ledgers.HardshipHousehold",
        verbose_name=_("困难群众台账"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairing_target",
    )
    head_name = models.CharField(_("户主姓名或名称"), max_length=100)
    head_id_number = EncryptedTextField(_("户主身份证号"), blank=True)
    head_id_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    member_count = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    # Kept by the pair services, like Cadre's: what "households paired" counts.
    active_pairs = models.PositiveIntegerField(_("结对中干部数"), default=0, editable=False)
    active_kin_pairs = models.PositiveIntegerField(_("结对认亲干部数"), default=0, editable=False)

    scoping = ScopeSpec(region_field="region")
    personal_data = PersonalData(
        masked={"head_id_number": mask_id_number, "phone": mask_phone},
        hidden={"head_id_hash"},
        personal={"head_name", "address"},
    )

    class Meta:
        verbose_name = _("结对对象")
        verbose_name_plural = _("结对对象")
        ordering = ["region_id", "head_name", "id"]
        indexes = [models.Index(fields=["region", "head_name"], name="pairtarget_region_name")]

    def __str__(self):
        return self.head_name


class Pair(VersionedModel):
    """结对: one cadre and one household (or monastery/institution), help or kin, from a start
    date until it ends. `region` repeats the household's village so a region's pairs are one
    indexed prefix scan without a join (2.2 million rows). At most one active pair per
    (cadre, household): a database constraint."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("帮扶干部"), on_delete=models.PROTECT, related_name="pairs")
    household = models.ForeignKey(Household, verbose_name=_("结对对象"), on_delete=models.PROTECT, related_name="pairs")
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("结对类型"), max_length=10, choices=PairKind.choices, default=PairKind.HELP)
    status = models.CharField(_("状态"), max_length=10, choices=PairStatus.choices, default=PairStatus.ACTIVE)
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    # The cadre's user account, repeated so that "a cadre sees their own" is an indexed column of
    # this table (OR-ed with the region prefix: a BitmapOr, not a join over millions of rows).
    # Kept by the services (pair creation, visits, events, and cadre_update when the link changes).
    cadre_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("cadre_user",))

    class Meta:
        verbose_name = _("结对")
        verbose_name_plural = _("结对")
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["region", "status", "kind"], name="pair_region_status_kind"),
            models.Index(fields=["cadre", "status"], name="pair_cadre_status"),
            models.Index(fields=["household", "status"], name="pair_household_status"),
            # The lists' default order (newest first): a county's first page walks this index.
            models.Index(fields=["-started_on", "-id"], name="pair_started_desc"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "household"],
                condition=models.Q(status="active"),
                name="pair_one_active_per_cadre_household",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", ended_on__isnull=True)
                | models.Q(status="ended", ended_on__isnull=False),
                name="pair_end_date_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="pair_ends_after_start",
            ),
        ]
        permissions = [("import_pair", _("批量结对")), ("export_pair", _("导出结对"))]

    def __str__(self):
        return f"{self.cadre} · {self.household}"
