"""The pairings source of the metric registry: pairs, paired cadres and households (kin pairs of
the Tibetan-area counties among them), visits by kind, must-visit events, owed visits and the
must-visit on-time rate, Warm Winter coverage.

Periods: a pair counts in the month it started; a cadre or household in the month it was
registered; a visit in its month; an event and its owed visits in the event's month. "Paired"
counts read the active-pair counters kept on each cadre and household row (recounted by the pair
services), so the change-log triggers see them and incremental refreshes equal full ones.
"""

from django.utils.translation import gettext_lazy as _

from pairings.choices import MustVisitKind, OwedStatus, PairKind, PairStatus, VisitKind
from reports.choices import Unit
from reports.metrics import Breakdown, Fact, Metric, Source, choice_metrics, register
from reports.sql import flag

SOURCE = "pairings"
ACTIVE = f"t.status = '{PairStatus.ACTIVE}'"


def _const(value: str):
    return lambda d: value


def _choice_measures(prefix, column, choices):
    return tuple(
        (f"{prefix}.{value}", (lambda v: lambda d: flag(f"{column} = '{v}'"))(value)) for value in choices.values
    )


def _choice_metrics(prefix: str, choices, definition):
    return choice_metrics(prefix, choices, definition, source=SOURCE)


PAIR = Fact(
    key="pairings.pair",
    model="pairings.Pair",
    columns=("region_id", "started_on", "status", "kind"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(
        ("pairs_made", _const("1")),
        ("pairs_active", _const(flag(ACTIVE))),
        ("pairs_active_help", _const(flag(f"{ACTIVE} AND t.kind = '{PairKind.HELP}'"))),
        ("pairs_active_kin", _const(flag(f"{ACTIVE} AND t.kind = '{PairKind.KIN}'"))),
    ),
    source=SOURCE,
)

CADRE = Fact(
    key="pairings.cadre",
    model="pairings.Cadre",
    columns=("home_region_id", "created_at", "active_pairs", "active_kin_pairs"),
    region="t.home_region_id",
    period=lambda d: d.month_of_timestamp("t.created_at"),
    measures=(
        ("pair_cadres_registered", _const("1")),
        ("pair_cadres_paired", _const(flag("t.active_pairs > 0"))),
        ("pair_cadres_kin", _const(flag("t.active_kin_pairs > 0"))),
    ),
    source=SOURCE,
)

HOUSEHOLD = Fact(
    key="pairings.household",
    model="pairings.Household",
    columns=("region_id", "created_at", "active_pairs", "active_kin_pairs"),
    region="t.region_id",
    period=lambda d: d.month_of_timestamp("t.created_at"),
    measures=(
        ("pair_households_paired", _const(flag("t.active_pairs > 0"))),
        ("pair_households_kin", _const(flag("t.active_kin_pairs > 0"))),
    ),
    source=SOURCE,
)

VISIT = Fact(
    key="pairings.visit",
    model="pairings.Visit",
    columns=("region_id", "visited_on", "kind", "help_money_fen", "first_of_season"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.visited_on"),
    measures=(
        ("pair_visits", _const("1")),
        ("pair_visit_money_fen", _const("t.help_money_fen")),
        ("warm_winter_pairs", _const(flag(f"t.kind = '{VisitKind.WARM_WINTER}' AND t.first_of_season"))),
        *_choice_measures("pair_visits_by_kind", "t.kind", VisitKind),
    ),
    source=SOURCE,
)

EVENT = Fact(
    key="pairings.event",
    model="pairings.MustVisitEvent",
    columns=("region_id", "occurred_on", "kind"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.occurred_on"),
    measures=(
        ("must_visit_events", _const("1")),
        *_choice_measures("must_visit_events_by_kind", "t.kind", MustVisitKind),
    ),
    source=SOURCE,
)

OWED = Fact(
    key="pairings.owed",
    model="pairings.OwedVisit",
    columns=("region_id", "event_on", "status", "on_time"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.event_on"),
    measures=(
        ("owed_visits", _const("1")),
        ("owed_visits_fulfilled", _const(flag(f"t.status = '{OwedStatus.FULFILLED}'"))),
        ("owed_visits_on_time", _const(flag(f"t.status = '{OwedStatus.FULFILLED}' AND t.on_time"))),
        ("owed_visits_overdue", _const(flag(f"t.status = '{OwedStatus.OVERDUE}'"))),
        ("owed_visits_open", _const(flag(f"t.status = '{OwedStatus.OWED}'"))),
    ),
    source=SOURCE,
)

METRICS = [
    Metric("pairs_active", _("结对（进行中）"), _("状态为结对中的结对数（联系帮扶与结对认亲），按结对月份统计。"),
           source=SOURCE, monthly=True),
    Metric("pairs_made", _("累计结对"), _("登记的结对数（含已结束的），按结对月份统计。"), source=SOURCE),
    Metric("pairs_active_help", _("联系帮扶对子"), _("状态为结对中、类型为联系帮扶的结对数。"), source=SOURCE),
    Metric("pairs_active_kin", _("结对认亲对子"), _("状态为结对中、类型为结对认亲的结对数（只在涉藏地区县）。"),
           source=SOURCE),
    Metric("pair_cadres_registered", _("登记帮扶干部"), _("登记的帮扶干部人数，按干部所在区划统计。"), source=SOURCE),
    Metric("pair_cadres_paired", _("结对干部"),
           _("至少有一个进行中结对的干部人数（每人计 1 次），按干部所在区划统计。"), source=SOURCE),
    Metric("pair_cadres_kin", _("结对认亲干部"),
           _("至少有一个进行中结对认亲对子的干部人数（每人计 1 次），按干部所在区划统计；全省合计即涉藏地区结对认亲干部数。"),
           source=SOURCE),
    Metric("pair_households_paired", _("结对户"),
           _("至少有一名干部进行中结对的户（含寺庙、机构）数（每户计 1 次），按所在村（社区）统计。"), source=SOURCE),
    Metric("pair_households_kin", _("结对认亲户"),
           _("至少有一个进行中结对认亲对子的涉藏地区农牧户（含寺庙、机构）数（每户计 1 次）。"), source=SOURCE),
    Metric("pair_visits", _("走访人次"), _("登记的走访记录数，每条计 1 人次，按走访月份统计。"), source=SOURCE,
           monthly=True),
    Metric("pair_visit_money_fen", _("走访帮扶资金"), _("走访记录登记的帮扶资金之和。"), unit=Unit.FEN, source=SOURCE),
    Metric("must_visit_events", _("必访事件"), _("登记的五必访事件数，按事件发生月份统计。"), source=SOURCE,
           monthly=True),
    Metric("owed_visits", _("应访人次"), _("五必访事件生成的应访数：每个事件每名结对中的干部计 1。"), source=SOURCE),
    Metric("owed_visits_fulfilled", _("已必访"), _("已由该干部对该户登记必访走访的应访数。"), source=SOURCE),
    Metric("owed_visits_on_time", _("按时必访"), _("在应访日期当天或之前完成走访的应访数。"), source=SOURCE),
    Metric("owed_visits_overdue", _("逾期未访"), _("超过应访日期仍未走访的应访数（每日标记）。"), source=SOURCE),
    Metric("owed_visits_open", _("待走访"), _("尚未到应访日期、尚未走访的应访数。"), source=SOURCE),
    Metric(
        "must_visit_on_time_rate",
        _("必访按时率"),
        _("分子：在应访日期当天或之前完成走访的应访数；分母：已走访的应访数 + 逾期未访的应访数（未到期的不计）。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("owed_visits_on_time",),
        denominator=("owed_visits_fulfilled", "owed_visits_overdue"),
    ),
    Metric("warm_winter_pairs", _("暖冬走访结对"),
           _("当季（7 月 1 日至次年 6 月 30 日）首次有暖冬行动走访的结对数，按该次走访月份统计。"), source=SOURCE),
    Metric(
        "warm_winter_coverage",
        _("暖冬行动覆盖率"),
        _("分子：当季有暖冬行动走访的结对数；分母：进行中的结对数。请按一个暖冬季查看（跨季合计会重复计入）。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("warm_winter_pairs",),
        denominator=("pairs_active",),
    ),
    *_choice_metrics("pair_visits_by_kind", VisitKind, _("走访类型为“%(choice)s”的走访人次。")),
    *_choice_metrics("must_visit_events_by_kind", MustVisitKind, _("类型为“%(choice)s”的五必访事件数。")),
]  # fmt: skip

BREAKDOWNS = [
    Breakdown("pair_visits_by_kind", _("走访按类型"), tuple(f"pair_visits_by_kind.{v}" for v in VisitKind.values),
              SOURCE),
    Breakdown("must_visit_events_by_kind", _("五必访事件按类型"),
              tuple(f"must_visit_events_by_kind.{v}" for v in MustVisitKind.values), SOURCE),
]  # fmt: skip

register(
    Source(
        key=SOURCE,
        label=_("结对帮扶"),
        facts=[PAIR, CADRE, HOUSEHOLD, VISIT, EVENT, OWED],
        metrics=METRICS,
        breakdowns=BREAKDOWNS,
        headline=(
            "pairs_active",
            "pairs_active_help",
            "pairs_active_kin",
            "pair_cadres_kin",
            "pair_households_kin",
            "pair_visits",
            "must_visit_events",
            "must_visit_on_time_rate",
            "warm_winter_coverage",
        ),
    )
)
