"""The pairings source of the metric registry: pairs, paired cadres and households (kin pairs of
the Tibetan-area counties among them), visits by kind, must-visit events, owed visits and the
must-visit on-time rate, Warm Winter coverage; counterpart support (cadres sent, supported
counties), village links (linked units and villages, projects by kind and status, their funds,
training person-times) and stationed person-times.

Periods: a pair counts in the month it started; a cadre or household in the month it was
registered; a visit in its month; an event and its owed visits in the event's month. "Paired"
counts read the active-pair counters kept on each cadre and household row (recounted by the pair
services), so the change-log triggers see them and incremental refreshes equal full ones.
"""

from django.utils.translation import gettext_lazy as _

from pairings.choices import MustVisitKind, OwedStatus, PairKind, PairStatus, ProjectKind, ProjectStatus, VisitKind
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

# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------
# Counted where the work happens (the supported county, the linked village, the village or community
# of a stay), in the month it started. A county, village or unit counts once: on the record that
# first supported, linked or was linked to it (the `first_for_*` flags the services set).
SUPPORT = Fact(
    key="pairings.support",
    model="pairings.SupportAssignment",
    columns=("region_id", "started_on", "first_for_county"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(
        ("support_assignments", _const("1")),
        ("support_counties", _const(flag("t.first_for_county"))),
    ),
    source=SOURCE,
)

SUPPORT_CADRE = Fact(
    key="pairings.support_cadre",
    model="pairings.SupportCadre",
    columns=("region_id", "started_on"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(("support_cadres_sent", _const("1")),),
    source=SOURCE,
)

LINK = Fact(
    key="pairings.village_link",
    model="pairings.VillageLink",
    columns=("region_id", "started_on", "first_for_village", "first_for_unit"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(
        ("village_links", _const("1")),
        ("link_villages", _const(flag("t.first_for_village"))),
        ("link_units", _const(flag("t.first_for_unit"))),
    ),
    source=SOURCE,
)

LINK_CADRE = Fact(
    key="pairings.link_cadre",
    model="pairings.LinkCadre",
    columns=("region_id", "started_on"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(("link_cadres_sent", _const("1")),),
    source=SOURCE,
)

PROJECT = Fact(
    key="pairings.link_project",
    model="pairings.LinkProject",
    columns=("region_id", "planned_on", "kind", "status", "funds_fen"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.planned_on"),
    measures=(
        ("link_projects", _const("1")),
        ("link_project_funds_fen", _const("t.funds_fen")),
        *_choice_measures("link_projects_by_kind", "t.kind", ProjectKind),
        *_choice_measures("link_projects_by_status", "t.status", ProjectStatus),
    ),
    source=SOURCE,
)

TRAINING = Fact(
    key="pairings.training",
    model="pairings.Training",
    columns=("region_id", "held_on", "person_times"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.held_on"),
    measures=(
        ("link_trainings", _const("1")),
        ("link_training_person_times", _const("t.person_times")),
    ),
    source=SOURCE,
)

STAY = Fact(
    key="pairings.stay",
    model="pairings.Stay",
    columns=("region_id", "started_on"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.started_on"),
    measures=(("stay_person_times", _const("1")),),
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
    Metric("support_assignments", _("对口支援关系"), _("支援单位对受援县的对口支援记录数，按受援县、开始月份统计。"),
           source=SOURCE),
    Metric("support_counties", _("受援县"), _("有对口支援记录的县（市、区）数（每县计 1 次）。"), source=SOURCE),
    Metric("support_cadres_sent", _("对口支援干部"),
           _("支援单位派到受援县的干部人次（每次派驻计 1），按受援县、派驻开始月份统计。"), source=SOURCE, monthly=True),
    Metric("village_links", _("联村关系"), _("单位联系村的记录数，按联系村统计。"), source=SOURCE),
    Metric("link_villages", _("联系村"), _("有单位联系的村数（每村计 1 次）。"), source=SOURCE),
    Metric("link_units", _("联村单位"),
           _("联系了村的单位数（每个单位计 1 次，计入其首个联系村所在区划）。"), source=SOURCE),
    Metric("link_cadres_sent", _("联村干部"), _("联系单位派驻联系村的干部人次。"), source=SOURCE),
    Metric("link_projects", _("联村项目"), _("联系单位在联系村实施的项目数，按立项月份统计。"), source=SOURCE),
    Metric("link_project_funds_fen", _("联村项目资金"), _("联村项目登记的资金之和。"), unit=Unit.FEN, source=SOURCE),
    Metric("link_trainings", _("联村培训"), _("联系单位在联系村举办的培训次数。"), source=SOURCE),
    Metric("link_training_person_times", _("培训人次"), _("联村培训登记的培训人次之和，按培训月份统计。"),
           source=SOURCE, monthly=True),
    Metric("stay_person_times", _("蹲点人次"), _("干部到村（社区）蹲点的记录数，每次计 1 人次，按开始月份统计。"),
           source=SOURCE, monthly=True),
    *_choice_metrics("link_projects_by_kind", ProjectKind, _("类型为“%(choice)s”的联村项目数。")),
    *_choice_metrics("link_projects_by_status", ProjectStatus, _("状态为“%(choice)s”的联村项目数。")),
]  # fmt: skip

BREAKDOWNS = [
    Breakdown("pair_visits_by_kind", _("走访按类型"), tuple(f"pair_visits_by_kind.{v}" for v in VisitKind.values),
              SOURCE),
    Breakdown("must_visit_events_by_kind", _("五必访事件按类型"),
              tuple(f"must_visit_events_by_kind.{v}" for v in MustVisitKind.values), SOURCE),
    Breakdown("link_projects_by_kind", _("联村项目按类型"),
              tuple(f"link_projects_by_kind.{v}" for v in ProjectKind.values), SOURCE),
    Breakdown("link_projects_by_status", _("联村项目按状态"),
              tuple(f"link_projects_by_status.{v}" for v in ProjectStatus.values), SOURCE),
]  # fmt: skip

register(
    Source(
        key=SOURCE,
        label=_("结对帮扶"),
        facts=[
            PAIR,
            CADRE,
            HOUSEHOLD,
            VISIT,
            EVENT,
            OWED,
            SUPPORT,
            SUPPORT_CADRE,
            LINK,
            LINK_CADRE,
            PROJECT,
            TRAINING,
            STAY,
        ],
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
            "support_cadres_sent",
            "support_counties",
            "link_units",
            "link_villages",
            "link_projects",
            "link_project_funds_fen",
            "link_training_person_times",
            "stay_person_times",
        ),
    )
)
