"""The community source of figures (双报到、三单制), registered in the metric registry like the
ledgers' (reports/sources/ledgers.py): the refresh, the change-log triggers, the dashboards and the
API pick it up from REPORTS_SOURCES.

- Registrations count in the month they were made (`reported_on`); "reported" counts the active
  ones, so the total is the community's roster today.
- Orders count in the month they were placed; a rating counts in its order's month.
- Response time is stored as a sum (minutes from the start of the wait, placement or reopening, to
  the member taking it) and a count, never as an average, so levels add up exactly. The registry has
  no unit for a duration: the average is the sum divided by the count, and the rate of orders taken
  within the take deadline (JICENG_SERVICE_ORDER_TAKE_HOURS, read when the figures are computed) is
  the headline figure of response.
"""

from django.utils.translation import gettext_lazy as _

from community.choices import (
    ORDER_DONE_STATUSES,
    SATISFIED_MIN_SCORE,
    OrderCategory,
    OrderStatus,
    ReporterKind,
    ReportStatus,
    ServiceKind,
)
from community.querysets import take_hours
from reports.choices import Unit
from reports.metrics import Breakdown, Fact, Metric, Parent, Source, choice_metrics, percent_format_lazy, register
from reports.sql import flag, in_list

SOURCE = "community"
PLACED = f"t.status <> '{OrderStatus.CANCELLED}'"


def _const(value: str):
    return lambda d: value


def _minutes(d, start: str, end: str) -> str:
    if d.pg:
        return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) / 60 AS bigint)"
    return f"CAST((julianday({end}) - julianday({start})) * 1440 AS INTEGER)"


def _response_minutes(d) -> str:
    return f"CASE WHEN t.taken_at IS NOT NULL THEN {_minutes(d, 't.waiting_since', 't.taken_at')} ELSE 0 END"


def _taken_in_time(d) -> str:
    hours = int(take_hours())
    if d.pg:
        return flag(f"t.taken_at IS NOT NULL AND t.taken_at <= t.waiting_since + interval '{hours} hours'")
    return flag(f"t.taken_at IS NOT NULL AND julianday(t.taken_at) <= julianday(t.waiting_since) + {hours} / 24.0")


def _choice_measures(prefix: str, column: str, choices):
    return tuple(
        (f"{prefix}.{value}", (lambda v: lambda d: flag(f"{column} = '{v}' AND {PLACED}"))(value))
        for value in choices.values
    )


def _choice_metrics(prefix: str, choices, definition):
    return choice_metrics(prefix, choices, definition, source=SOURCE)


REPORT = Fact(
    key="community.report",
    model="community.CommunityReport",
    columns=("community_id", "reported_on", "status", "kind"),
    region="t.community_id",
    period=lambda d: d.month_of_date("t.reported_on"),
    measures=(
        (
            "community_orgs_reported",
            _const(flag(f"t.status = '{ReportStatus.ACTIVE}' AND t.kind = '{ReporterKind.ORGANISATION}'")),
        ),
        (
            "community_members_reported",
            _const(flag(f"t.status = '{ReportStatus.ACTIVE}' AND t.kind = '{ReporterKind.MEMBER}'")),
        ),
        ("community_reports_withdrawn", _const(flag(f"t.status = '{ReportStatus.WITHDRAWN}'"))),
    ),
    source=SOURCE,
)

ORDER = Fact(
    key="community.order",
    model="community.ServiceOrder",
    columns=("region_id", "placed_at", "status", "waiting_since", "taken_at", "service_kind", "category"),
    region="t.region_id",
    period=lambda d: d.month_of_timestamp("t.placed_at"),
    measures=(
        ("community_orders_placed", _const(flag(PLACED))),
        ("community_orders_taken", _const(flag("t.taken_at IS NOT NULL"))),
        ("community_orders_completed", _const(flag(in_list("t.status", ORDER_DONE_STATUSES)))),
        ("community_orders_cancelled", _const(flag(f"t.status = '{OrderStatus.CANCELLED}'"))),
        ("community_orders_taken_in_time", _taken_in_time),
        ("community_order_response_minutes", _response_minutes),
        *_choice_measures("community_orders_by_kind", "t.service_kind", ServiceKind),
        *_choice_measures("community_orders_by_category", "t.category", OrderCategory),
    ),
    source=SOURCE,
)

RATING = Fact(
    key="community.rating",
    model="community.OrderRatingInvitation",
    columns=("score",),
    region="p.region_id",
    period=lambda d: d.month_of_timestamp("p.placed_at"),
    measures=(
        ("community_orders_rated", _const(flag("t.score IS NOT NULL"))),
        ("community_ratings_satisfied", _const(flag(f"t.score >= {int(SATISFIED_MIN_SCORE)}"))),
    ),
    parent=Parent(model="community.ServiceOrder", fk="order_id", columns=("region_id", "placed_at")),
    source=SOURCE,
)

METRICS = [
    # --- 双报到 ---
    Metric(
        "community_orgs_reported",
        _("报到党组织"),
        _("向社区报到且未撤回的机关（单位）党组织数，按报到月份统计；合计即当前各社区花名册上的党组织数。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "community_members_reported",
        _("报到党员"),
        _(
            "向居住地（或单位所在地）社区报到且未撤回的在职党员人次，按报到月份统计；同一党员每类报到社区最多一条有效报到。"
        ),
        source=SOURCE,
        monthly=True,
    ),
    Metric("community_reports_withdrawn", _("已撤回报到"), _("已撤回的报到记录数（党组织和党员）。"), source=SOURCE),
    # --- 三单制 ---
    Metric(
        "community_orders_placed",
        _("居民点单"),
        _("居民点单（含社区代为登记）的服务订单数，不含已取消的，按点单月份统计。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "community_orders_taken",
        _("党员接单"),
        _("已由党员（或党组织）接单、至今未被退回或重新办理的服务订单数（含已完成、已评价）。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "community_orders_completed",
        _("服务完成"),
        _("状态为已完成或已评价的服务订单数。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "community_orders_cancelled", _("已取消订单"), _("社区党组织取消的订单数（重复、无效点单）。"), source=SOURCE
    ),
    Metric(
        "community_orders_rated",
        _("居民评价"),
        _("居民通过评价链接提交的评价数（一张订单重新办理后可再评价）。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "community_ratings_satisfied",
        _("满意评价（三单制）"),
        _("评分为“基本满意”及以上（3 分及以上）的居民评价数。"),
        source=SOURCE,
    ),
    Metric(
        "community_orders_taken_in_time",
        _("按时接单"),
        percent_format_lazy(
            _("点单（或重新办理）后 %(hours)s 小时内被党员接单的服务订单数。"), {"hours": take_hours()}
        ),
        source=SOURCE,
    ),
    Metric(
        "community_order_response_minutes",
        _("接单用时合计（分钟）"),
        _("已接单订单从点单（或重新办理）到党员接单的分钟数之和；除以“党员接单”即平均接单用时。"),
        source=SOURCE,
    ),
    Metric(
        "community_order_take_rate",
        _("接单率"),
        _("分子：党员接单的服务订单数；分母：居民点单数（不含已取消）。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("community_orders_taken",),
        denominator=("community_orders_placed",),
    ),
    Metric(
        "community_order_completion_rate",
        _("服务完成率"),
        _("分子：已完成或已评价的服务订单数；分母：居民点单数（不含已取消）。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("community_orders_completed",),
        denominator=("community_orders_placed",),
    ),
    Metric(
        "community_order_response_rate",
        _("按时接单率"),
        percent_format_lazy(
            _("分子：点单（或重新办理）后 %(hours)s 小时内被接单的服务订单数；分母：党员接单的服务订单数。"),
            {"hours": take_hours()},
        ),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("community_orders_taken_in_time",),
        denominator=("community_orders_taken",),
    ),
    Metric(
        "community_satisfaction_rate",
        _("居民满意率（三单制）"),
        _("分子：评分为“基本满意”及以上（3 分及以上）的居民评价数；分母：居民提交的评价总数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("community_ratings_satisfied",),
        denominator=("community_orders_rated",),
    ),
    *_choice_metrics("community_orders_by_kind", ServiceKind, _("服务方式为“%(choice)s”的服务订单数（不含已取消）。")),
    *_choice_metrics(
        "community_orders_by_category", OrderCategory, _("需求类别为“%(choice)s”的服务订单数（不含已取消）。")
    ),
]

BREAKDOWNS = [
    Breakdown(
        "community_orders_by_kind",
        _("服务订单按服务方式"),
        tuple(f"community_orders_by_kind.{v}" for v in ServiceKind.values),
        SOURCE,
    ),
    Breakdown(
        "community_orders_by_category",
        _("服务订单按需求类别"),
        tuple(f"community_orders_by_category.{v}" for v in OrderCategory.values),
        SOURCE,
    ),
]

register(
    Source(
        key=SOURCE,
        label=_("双报到与三单制"),
        facts=[REPORT, ORDER, RATING],
        metrics=METRICS,
        breakdowns=BREAKDOWNS,
        headline=(
            "community_orgs_reported",
            "community_members_reported",
            "community_orders_placed",
            "community_orders_completed",
            "community_order_take_rate",
            "community_satisfaction_rate",
        ),
    )
)
