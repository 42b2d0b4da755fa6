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


# --- Pairs ---------------------------------------------------------------------------------------
class TargetKind(models.TextChoices):
    """What a cadre is paired with: a household, or (kin pairs in the Tibetan areas) a monastery
    or an institution."""

    HOUSEHOLD = "household", _("农牧户")
    MONASTERY = "monastery", _("寺庙")
    INSTITUTION = "institution", _("机构")


class PairKind(models.TextChoices):
    HELP = "help", _("联系帮扶")
    KIN = "kin", _("结对认亲")


class PairStatus(models.TextChoices):
    ACTIVE = "active", _("结对中")
    ENDED = "ended", _("已结束")


# --- Visits --------------------------------------------------------------------------------------
class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("日常走访")
    WARM_WINTER = "warm_winter", _("暖冬行动")
    MUST_VISIT = "must_visit", _("必访")
    SENDING = "sending", _("送文化法律科技政策")


# --- The five must-visits (五必访) -----------------------------------------------------------------
class MustVisitKind(models.TextChoices):
    ILLNESS = "illness", _("重病住院")
    DROPOUT = "dropout", _("子女辍学或待业")
    DISASTER = "disaster", _("意外灾害")
    DEATH = "death", _("家人去世")
    THINKING = "thinking", _("思想异常")


# Days within which each paired cadre owes the visit; override per kind with the setting
# JICENG_MUST_VISIT_DUE_DAYS = {"illness": 2, ...}.
MUST_VISIT_DUE_DAYS_DEFAULT = {
    MustVisitKind.ILLNESS: 3,
    MustVisitKind.DROPOUT: 3,
    MustVisitKind.DISASTER: 3,
    MustVisitKind.DEATH: 1,
    MustVisitKind.THINKING: 3,
}


class OwedStatus(models.TextChoices):
    OWED = "owed", _("待走访")
    OVERDUE = "overdue", _("已逾期")
    FULFILLED = "fulfilled", _("已走访")


OWED_OPEN_STATUSES = (OwedStatus.OWED, OwedStatus.OVERDUE)


# --- Village links (联村帮户): projects ----------------------------------------------------------
class ProjectKind(models.TextChoices):
    WATER = "water", _("水利")
    ROADS = "roads", _("道路")
    HOUSING = "housing", _("安居重建")
    INDUSTRY = "industry", _("产业")
    OTHER = "other", _("其他")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    UNDER_WAY = "under_way", _("实施中")
    COMPLETED = "completed", _("已完成")


class ImportJobKind(models.TextChoices):
    CADRE = "cadre", _("导入帮扶干部")
    PAIR = "pair", _("批量结对")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队写入中")
    DONE = "done", _("已写入")
    FAILED = "failed", _("未写入")
