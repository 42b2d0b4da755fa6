"""Choices of double reporting (双报到) and the three-order service (三单制), with the order's
status machine beside them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import StateMachine
from ledgers.choices import SATISFIED_MIN_SCORE, Satisfaction  # noqa: F401 - residents rate on one scale everywhere


# --- 双报到 ------------------------------------------------------------------------------------
class ReporterKind(models.TextChoices):
    """Who reports to a community: an organ's Party organisation, or a serving Party member."""

    ORGANISATION = "organisation", _("机关党组织")
    MEMBER = "member", _("在职党员")


class ReportBasis(models.TextChoices):
    """Which community one reports to: where the organ sits, or where the member lives.

    A reporter has at most one active registration per basis (a database constraint)."""

    WORKPLACE = "workplace", _("单位所在地社区")
    RESIDENCE = "residence", _("居住地社区")


class OrganLevel(models.TextChoices):
    PROVINCE = "province", _("省直机关")
    PREFECTURE = "prefecture", _("市（州）直机关")
    COUNTY = "county", _("县（市、区）直机关")
    OTHER = "other", _("其他单位")


class ReportStatus(models.TextChoices):
    ACTIVE = "active", _("已报到")
    WITHDRAWN = "withdrawn", _("已撤回")


REPORT_TRANSITIONS = StateMachine(ReportStatus, {ReportStatus.ACTIVE: {ReportStatus.WITHDRAWN}})


# --- 三单制 ------------------------------------------------------------------------------------
class ServiceKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿服务")
    PAIRED = "paired", _("结对服务")
    TEAM = "team", _("组团式服务")


class OrderCategory(models.TextChoices):
    ELDERLY = "elderly", _("助老助残")
    CHILDREN = "children", _("关爱儿童")
    ENVIRONMENT = "environment", _("环境卫生")
    REPAIR = "repair", _("维修便民")
    MEDIATION = "mediation", _("矛盾调解")
    POLICY = "policy", _("政策咨询")
    EMPLOYMENT = "employment", _("就业帮扶")
    HEALTH = "health", _("医疗健康")
    CULTURE = "culture", _("文体活动")
    OTHER = "other", _("其他")


class OrderChannel(models.TextChoices):
    PUBLIC = "public", _("居民网上点单")
    STAFF = "staff", _("社区代为登记")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("居民已点单")
    DISPATCHED = "dispatched", _("支部已派单")
    TAKEN = "taken", _("党员已接单")
    COMPLETED = "completed", _("已完成")
    RATED = "rated", _("已评价")
    REOPENED = "reopened", _("重新办理")
    CANCELLED = "cancelled", _("已取消")


ORDER_TRANSITIONS = StateMachine(
    OrderStatus,
    {
        # 支部下单, or the branch cancels an order that is not a service request (spam, duplicate).
        OrderStatus.PLACED: {OrderStatus.DISPATCHED, OrderStatus.CANCELLED},
        # 党员接单; or back to the branch (the member declines, the branch recalls it); or cancelled.
        OrderStatus.DISPATCHED: {OrderStatus.TAKEN, OrderStatus.PLACED, OrderStatus.CANCELLED},
        OrderStatus.TAKEN: {OrderStatus.COMPLETED},
        # The resident's rating: rated, or reopened when they say it was not done.
        OrderStatus.COMPLETED: {OrderStatus.RATED, OrderStatus.REOPENED},
        OrderStatus.RATED: set(),
        OrderStatus.REOPENED: {OrderStatus.DISPATCHED, OrderStatus.CANCELLED},
        OrderStatus.CANCELLED: set(),
    },
)
# Orders still waiting for someone to take them: the take-deadline flag is judged only for these.
ORDER_WAITING_STATUSES = (OrderStatus.PLACED, OrderStatus.DISPATCHED, OrderStatus.REOPENED)
# Orders that still owe work (the board and "my open orders").
ORDER_OPEN_STATUSES = (*ORDER_WAITING_STATUSES, OrderStatus.TAKEN)
# Statuses counted as done.
ORDER_DONE_STATUSES = (OrderStatus.COMPLETED, OrderStatus.RATED)
