"""Organs and units (机关单位) and their cadres (干部): who is paired with households.

Shared by everything in this app (pairs, visits, must-visits) and by other apps (a community's
reporting Party members link to a Cadre). Scoped by region like every record: a unit by the
region it sits in, a cadre by their home region (where the cadre is registered and managed);
a cadre who signs in also sees their own record (`owner_fields`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import VersionedModel
from core.sensitive import PersonalData
from core.validators import mask_id_number, mask_phone
from pairings.choices import UnitKind, UnitLevel
from regions.models import Region
from regions.scoping import ScopeSpec


class Unit(VersionedModel):
    """机关单位: a Party or government department, public institution, state enterprise or city
    government, at province, prefecture, county or township level, sitting in one region."""

    name = models.CharField(_("单位名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("单位层级"), choices=UnitLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("单位性质"), max_length=30, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("机关单位")
        verbose_name_plural = _("机关单位")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_unique_region_name"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=4), name="unit_level_valid"),
        ]
        permissions = [("export_unit", _("导出机关单位"))]

    def __str__(self):
        return self.name


class Cadre(VersionedModel):
    """帮扶干部: a cadre of a unit who may be paired with households. Not necessarily a system
    user: most are recorded by their unit's or township's staff. ID and phone numbers are stored
    encrypted, with keyed hashes for exact-match lookup, exactly like the ledgers store them."""

    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="cadres")
    post = models.CharField(_("职务"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("中共党员"), default=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(_("电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    home_region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+", db_index=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("系统账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cadre",
    )
    is_active = models.BooleanField(_("在岗"), default=True)
    # A unit's leader (单位负责人): signed in (with `user`), sees the unit's cadres and their pairs,
    # visits, must-visit events and owed visits wherever they are (pairings.selectors.unit_leader_reach).
    is_unit_leader = models.BooleanField(_("单位负责人"), default=False, db_default=False)
    personal_data = PersonalData(
        masked={"id_number": mask_id_number, "phone": mask_phone},
        hidden={"id_hash", "phone_hash"},
    )
    # Kept by the pair services (recounted from the pairs, set-based): what "cadres paired" and
    # "kin-pair cadres" count, as columns of this row so the figures' change-log triggers see them.
    active_pairs = models.PositiveIntegerField(_("结对中户数"), default=0, editable=False)
    active_kin_pairs = models.PositiveIntegerField(_("结对认亲户数"), default=0, editable=False)

    scoping = ScopeSpec(region_field="home_region", owner_fields=("user",))

    class Meta:
        verbose_name = _("帮扶干部")
        verbose_name_plural = _("帮扶干部")
        ordering = ["home_region_id", "name", "id"]
        indexes = [models.Index(fields=["unit", "name"], name="cadre_unit_name")]
        constraints = [
            # One record per person: an ID number, when given, is registered once.
            models.UniqueConstraint(fields=["id_hash"], condition=~models.Q(id_hash=""), name="cadre_unique_id_hash"),
        ]
        permissions = [
            ("import_cadre", _("导入帮扶干部")),
            ("export_cadre", _("导出帮扶干部")),
        ]

    def __str__(self):
        return self.name
