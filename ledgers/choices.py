"""Choices of the three ledgers, with their status machines beside them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import StateMachine


class LedgerKindCode(models.TextChoices):
    """The three ledgers every village keeps. More kinds can be added as data (LedgerKind)."""

    LIVELIHOOD = "livelihood", _("民生诉求")
    HARDSHIP = "hardship", _("困难群众")
    STABILITY = "stability", _("稳定工作")


# --- 民生诉求 ----------------------------------------------------------------------------------
class AppealCategory(models.TextChoices):
    SCHOOLING = "schooling", _("上学")
    MEDICAL = "medical", _("看病")
    EMPLOYMENT = "employment", _("就业")
    HOUSING = "housing", _("安居")
    DRINKING_WATER = "drinking_water", _("饮水")
    ROADS = "roads", _("行路")
    ELECTRICITY = "electricity", _("用电")
    TELECOM = "telecom", _("通讯")
    OTHER = "other", _("其他")


class RaisedBy(models.TextChoices):
    HOUSEHOLD = "household", _("农户")
    GROUP = "group", _("群体")


class Triage(models.TextChoices):
    IMMEDIATE = "immediate", _("马上解决")
    PLANNED = "planned", _("纳入规划")


class AppealStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已解决")
    DISCLOSED = "disclosed", _("已公开")
    RATED = "rated", _("已评价")
    REOPENED = "reopened", _("重新办理")


APPEAL_TRANSITIONS = StateMachine(
    AppealStatus,
    {
        AppealStatus.REGISTERED: {AppealStatus.IN_PROGRESS, AppealStatus.RESOLVED},
        AppealStatus.IN_PROGRESS: {AppealStatus.RESOLVED},
        AppealStatus.RESOLVED: {AppealStatus.DISCLOSED, AppealStatus.IN_PROGRESS},
        # A resident's rating moves a disclosed item on: rated, or reopened when "not resolved".
        AppealStatus.DISCLOSED: {AppealStatus.RATED, AppealStatus.REOPENED},
        AppealStatus.RATED: {AppealStatus.REOPENED},
        AppealStatus.REOPENED: {AppealStatus.IN_PROGRESS, AppealStatus.RESOLVED},
    },
    # Only a resident's rating (ledgers.services.appeal_rate) sets these; staff never do.
    reserved={
        AppealStatus.RATED: ("rating", _("该状态只能由群众评价产生。")),
        AppealStatus.REOPENED: ("rating", _("该状态只能由群众评价产生。")),
    },
)
# What staff may choose (pages, bulk change, API): every target that is not reserved.
APPEAL_STAFF_TARGETS = APPEAL_TRANSITIONS.staff_targets
# Statuses in which the item still owes work: overdue is judged only for these.
APPEAL_OPEN_STATUSES = (AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, AppealStatus.REOPENED)
# Statuses counted as resolved ("problems resolved").
APPEAL_RESOLVED_STATUSES = (AppealStatus.RESOLVED, AppealStatus.DISCLOSED, AppealStatus.RATED)


class Satisfaction(models.IntegerChoices):
    """The five-level scale residents rate handling on. 3 and above count as satisfied."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


SATISFIED_MIN_SCORE = Satisfaction.FAIRLY_SATISFIED


# --- 困难群众 ----------------------------------------------------------------------------------
class HardshipType(models.TextChoices):
    POOR = "poor", _("低收入困难")
    DISASTER = "disaster", _("受灾群众")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    DISABLED = "disabled", _("残疾人")
    ELDERLY_ALONE = "elderly_alone", _("孤寡老人")
    OTHER = "other", _("其他")


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("帮扶中")
    EXITED = "exited", _("已退出")


HOUSEHOLD_TRANSITIONS = StateMachine(
    HouseholdStatus,
    {HouseholdStatus.ACTIVE: {HouseholdStatus.EXITED}, HouseholdStatus.EXITED: {HouseholdStatus.ACTIVE}},
)


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    OTHER = "other", _("其他")


class HelpKind(models.TextChoices):
    CASH = "cash", _("资金")
    GOODS = "goods", _("物资")
    SERVICE = "service", _("服务")
    POLICY = "policy", _("政策落实")
    WARM_WINTER = "warm_winter", _("暖冬行动")
    OTHER = "other", _("其他")


# --- 稳定工作 ----------------------------------------------------------------------------------
class MatterType(models.TextChoices):
    LAND = "land", _("土地纠纷")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    FAMILY = "family", _("婚姻家庭")
    LABOUR = "labour", _("劳资纠纷")
    DEBT = "debt", _("债务纠纷")
    ENVIRONMENT = "environment", _("环境污染")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    """分层分类: the level that must handle it. Small matters stay in the village, big ones in the township."""

    LOW = "low", _("一般（村级化解）")
    MEDIUM = "medium", _("较大（乡镇化解）")
    HIGH = "high", _("重大（县级化解）")


class MatterStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    MEDIATING = "mediating", _("调解中")
    RESOLVED = "resolved", _("已化解")
    ESCALATED = "escalated", _("已转信访")
    CLOSED = "closed", _("已终结")


MATTER_TRANSITIONS = StateMachine(
    MatterStatus,
    {
        MatterStatus.REGISTERED: {MatterStatus.MEDIATING, MatterStatus.RESOLVED, MatterStatus.ESCALATED},
        MatterStatus.MEDIATING: {MatterStatus.RESOLVED, MatterStatus.ESCALATED, MatterStatus.CLOSED},
        MatterStatus.RESOLVED: {MatterStatus.MEDIATING},
        MatterStatus.ESCALATED: set(),
        MatterStatus.CLOSED: {MatterStatus.MEDIATING},
    },
    # Escalation opens a petition case: only ledgers.services.matter_escalate sets it.
    reserved={MatterStatus.ESCALATED: ("escalation", _("“已转信访”只能通过“转信访”操作产生。"))},
)
# What a plain status change may choose (pages, bulk change, API): escalation has its own action.
MATTER_STAFF_TARGETS = MATTER_TRANSITIONS.staff_targets
MATTER_OPEN_STATUSES = (MatterStatus.REGISTERED, MatterStatus.MEDIATING)


class MatterOutcome(models.TextChoices):
    MEDIATED = "mediated", _("调解成功")
    FAILED = "failed", _("调解不成")
    LITIGATION = "litigation", _("引导诉讼")
    ESCALATED = "escalated", _("转入信访")
    OTHER = "other", _("其他")
