"""Counterpart support (对口支援), village links (联村帮户) with their projects and trainings, and
stationed cadres (蹲点).

Each record is scoped by the region where the work happens: the supported county, the linked
village, the village or community of a stay. The cadres a unit sends (`SupportCadre`,
`LinkCadre`) repeat that region so a region's rows are one indexed prefix scan.

`first_for_*` flags are kept by the services (set once, at creation): the record that makes its
county, village or unit count once in the "supported counties", "linked villages" and "linked
units" figures, as columns of the row so the change-log triggers see them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import VersionedModel
from pairings.choices import ProjectKind, ProjectStatus
from pairings.models.units import Cadre, Unit
from regions.models import Region
from regions.scoping import ScopeSpec

_ENDS_AFTER_START = models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on"))


class SupportAssignment(VersionedModel):
    """对口支援: a supporting unit (a provincial department or a city) supports a county."""

    unit = models.ForeignKey(Unit, verbose_name=_("支援单位"), on_delete=models.PROTECT, related_name="supports")
    region = models.ForeignKey(Region, verbose_name=_("受援县"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    first_for_county = models.BooleanField(_("计入受援县数"), default=False, editable=False)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("对口支援")
        verbose_name_plural = _("对口支援")
        ordering = ["region_id", "-started_on", "-id"]
        indexes = [models.Index(fields=["region", "started_on"], name="support_region_start")]
        constraints = [models.CheckConstraint(condition=_ENDS_AFTER_START, name="support_ends_after_start")]
        permissions = [("export_supportassignment", _("导出对口支援"))]

    def __str__(self):
        return f"{self.unit} → {self.region}"


class SupportCadre(VersionedModel):
    """对口支援干部: a cadre the supporting unit sent to the county, with the period they serve."""

    assignment = models.ForeignKey(
        SupportAssignment, verbose_name=_("对口支援"), on_delete=models.PROTECT, related_name="cadres"
    )
    cadre = models.ForeignKey(Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="supports")
    region = models.ForeignKey(Region, verbose_name=_("受援县"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("对口支援干部")
        verbose_name_plural = _("对口支援干部")
        ordering = ["assignment_id", "started_on", "id"]
        indexes = [models.Index(fields=["region", "started_on"], name="supportcadre_region_start")]
        constraints = [models.CheckConstraint(condition=_ENDS_AFTER_START, name="supportcadre_ends_after_start")]

    def __str__(self):
        return f"{self.cadre} · {self.region}"


class VillageLink(VersionedModel):
    """联村帮户: a unit linked to a village (after the earthquakes and floods, a heavily affected one)."""

    unit = models.ForeignKey(Unit, verbose_name=_("联系单位"), on_delete=models.PROTECT, related_name="village_links")
    region = models.ForeignKey(Region, verbose_name=_("联系村"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    first_for_village = models.BooleanField(_("计入联系村数"), default=False, editable=False)
    first_for_unit = models.BooleanField(_("计入联村单位数"), default=False, editable=False)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("联村帮户")
        verbose_name_plural = _("联村帮户")
        ordering = ["region_id", "-started_on", "-id"]
        indexes = [models.Index(fields=["region", "started_on"], name="villagelink_region_start")]
        constraints = [models.CheckConstraint(condition=_ENDS_AFTER_START, name="villagelink_ends_after_start")]
        permissions = [("export_villagelink", _("导出联村帮户"))]

    def __str__(self):
        return f"{self.unit} → {self.region}"


class LinkCadre(VersionedModel):
    """A cadre the linked unit sent to the village, with the period."""

    link = models.ForeignKey(VillageLink, verbose_name=_("联村帮户"), on_delete=models.PROTECT, related_name="cadres")
    cadre = models.ForeignKey(Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="village_links")
    region = models.ForeignKey(Region, verbose_name=_("联系村"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("联村干部")
        verbose_name_plural = _("联村干部")
        ordering = ["link_id", "started_on", "id"]
        constraints = [models.CheckConstraint(condition=_ENDS_AFTER_START, name="linkcadre_ends_after_start")]

    def __str__(self):
        return f"{self.cadre} · {self.region}"


class LinkProject(VersionedModel):
    """A project a linked unit runs in the village: planned → under way → completed (dated)."""

    link = models.ForeignKey(VillageLink, verbose_name=_("联村帮户"), on_delete=models.PROTECT, related_name="projects")
    region = models.ForeignKey(Region, verbose_name=_("联系村"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("项目类型"), max_length=20, choices=ProjectKind.choices)
    funds_fen = models.BigIntegerField(_("项目资金（分）"), default=0)
    status = models.CharField(_("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    planned_on = models.DateField(_("立项日期"))
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("联村项目")
        verbose_name_plural = _("联村项目")
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["region", "status", "kind"], name="linkproject_region_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(funds_fen__gte=0), name="linkproject_funds_not_negative"),
            models.CheckConstraint(
                condition=models.Q(status="planned", started_on__isnull=True, completed_on__isnull=True)
                | models.Q(status="under_way", started_on__isnull=False, completed_on__isnull=True)
                | models.Q(status="completed", started_on__isnull=False, completed_on__isnull=False),
                name="linkproject_dates_match_status",
            ),
        ]
        permissions = [("export_linkproject", _("导出联村项目"))]

    def __str__(self):
        return self.name


class Training(VersionedModel):
    """A training a linked unit gave in the village: date, topic, person-times trained."""

    link = models.ForeignKey(
        VillageLink, verbose_name=_("联村帮户"), on_delete=models.PROTECT, related_name="trainings"
    )
    region = models.ForeignKey(Region, verbose_name=_("联系村"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("培训日期"))
    topic = models.CharField(_("培训内容"), max_length=200)
    person_times = models.PositiveIntegerField(_("培训人次"))

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("联村培训")
        verbose_name_plural = _("联村培训")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "held_on"], name="training_region_date")]
        constraints = [models.CheckConstraint(condition=models.Q(person_times__gte=1), name="training_person_times")]
        permissions = [("export_training", _("导出联村培训"))]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class Stay(VersionedModel):
    """蹲点: a cadre's stay in a village or community; each stay is one person-time."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="stays")
    region = models.ForeignKey(Region, verbose_name=_("蹲点村（社区）"), on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    purpose = models.CharField(_("蹲点目的"), max_length=200)
    work_done = models.TextField(_("主要工作"), blank=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("蹲点")
        verbose_name_plural = _("蹲点")
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["region", "started_on"], name="stay_region_start")]
        constraints = [models.CheckConstraint(condition=_ENDS_AFTER_START, name="stay_ends_after_start")]
        permissions = [("export_stay", _("导出蹲点"))]

    def __str__(self):
        return f"{self.cadre} · {self.region}"
