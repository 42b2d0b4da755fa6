"""The ledgers source: livelihood appeals, residents' ratings, households in difficulty (with their
hardship types and help records), stability matters and the ledger books themselves.

Every figure of the source text that the ledgers record, plus the three rates of hotline
practice (response, resolution, satisfaction) and on-time rates judged against each item's own
deadline. Periods are the month an item was registered (a rating and a hardship type count in
their appeal's or household's month; a help record in the month it was given; a ledger book in
the month it was opened).
"""

from django.utils.translation import gettext_lazy as _

from ledgers.choices import (
    APPEAL_RESOLVED_STATUSES,
    SATISFIED_MIN_SCORE,
    AppealCategory,
    AppealStatus,
    HardshipType,
    HouseholdStatus,
    MatterOutcome,
    MatterStatus,
    MatterType,
    RiskLevel,
)
from ledgers.querysets import LivelihoodAppealQuerySet as AppealDue
from ledgers.querysets import StabilityMatterQuerySet as MatterDue
from regions.choices import Level
from reports.choices import Unit
from reports.metrics import Breakdown, Fact, Metric, Parent, Source, choice_metrics, register
from reports.sql import flag, in_list, table_of

SOURCE = "ledgers"
RESOLVED = in_list("t.status", APPEAL_RESOLVED_STATUSES)


def _const(value: str):
    return lambda d: value


def _rural(region_column: str) -> str:
    """The item is registered in a village (村), not an urban community (社区) nor a township. Read
    from the region table when the figures are computed (a region reclassified later counts anew
    at the next full refresh)."""
    return (
        f"EXISTS (SELECT 1 FROM {table_of('regions.Region')} rr WHERE rr.code = {region_column} "
        f"AND rr.level = {int(Level.VILLAGE)} AND NOT rr.is_community)"
    )


# Due dates and open statuses as the ledgers' querysets declare them (ledgers.querysets), so
# "open" and "on time" here mean what "overdue" means on every list and page.
APPEAL_DUE = f"t.{AppealDue.due_field}"
MATTER_DUE = f"t.{MatterDue.due_field}"


def _live(measures, alias: str = "t"):
    """The measures counted only for records that are not voided (作废): a voided appeal, household
    or matter, and the ratings, hardship types and help records under it, count in no figure."""
    condition = f"{alias}.voided_at IS NULL"

    def live(measure):
        return lambda d: f"CASE WHEN {condition} THEN ({measure(d)}) ELSE 0 END"

    return tuple((key, live(measure)) for key, measure in measures)


def _appeal_on_time(d):
    return flag(f"{RESOLVED} AND {d.date_of_timestamp('t.resolved_at')} <= {APPEAL_DUE}")


def _matter_on_time(d):
    return flag(
        f"t.status = '{MatterStatus.RESOLVED}' AND {MATTER_DUE} IS NOT NULL "
        f"AND {d.date_of_timestamp('t.resolved_at')} <= {MATTER_DUE}"
    )


def _choice_measures(prefix: str, column: str, choices, extra: str = ""):
    condition = f" AND {extra}" if extra else ""
    return tuple(
        (f"{prefix}.{value}", (lambda v: lambda d: flag(f"{column} = '{v}'{condition}"))(value))
        for value in choices.values
    )


def _choice_metrics(prefix: str, choices, definition: str, breakdown: str):
    return choice_metrics(prefix, choices, definition, source=SOURCE, breakdown=breakdown)


APPEAL = Fact(
    key="ledgers.appeal",
    model="ledgers.LivelihoodAppeal",
    columns=(
        "region_id",
        "registered_on",
        "status",
        "category",
        "responded_at",
        "resolved_at",
        AppealDue.due_field,
        "funds_spent_fen",
        "voided_at",
    ),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.registered_on"),
    measures=_live(
        (
            ("appeals_registered", _const("1")),
            ("appeals_responded", _const(flag("t.responded_at IS NOT NULL"))),
            ("appeals_resolved", _const(flag(RESOLVED))),
            ("appeals_open", _const(flag(in_list("t.status", AppealDue.open_statuses)))),
            ("appeals_solved_funded", _const(flag(f"{RESOLVED} AND t.funds_spent_fen > 0"))),
            ("appeals_resolved_on_time", _appeal_on_time),
            ("appeal_funds_fen", _const("t.funds_spent_fen")),
            *_choice_measures("appeals_by_status", "t.status", AppealStatus),
            *_choice_measures("appeals_by_category", "t.category", AppealCategory),
        )
    ),
    source=SOURCE,
)

RATING = Fact(
    key="ledgers.rating",
    model="ledgers.RatingInvitation",
    columns=("score",),
    region="p.region_id",
    period=lambda d: d.month_of_date("p.registered_on"),
    measures=_live(
        (
            ("ratings_count", _const(flag("t.score IS NOT NULL"))),
            ("ratings_satisfied", _const(flag(f"t.score >= {int(SATISFIED_MIN_SCORE)}"))),
            ("ratings_count_rural", lambda d: flag(f"t.score IS NOT NULL AND {_rural('p.region_id')}")),
            (
                "ratings_satisfied_rural",
                lambda d: flag(f"t.score >= {int(SATISFIED_MIN_SCORE)} AND {_rural('p.region_id')}"),
            ),
        ),
        "p",
    ),
    parent=Parent(
        model="ledgers.LivelihoodAppeal", fk="appeal_id", columns=("region_id", "registered_on", "voided_at")
    ),
    source=SOURCE,
)

HOUSEHOLD = Fact(
    key="ledgers.household",
    model="ledgers.HardshipHousehold",
    columns=("region_id", "registered_on", "status", "voided_at"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.registered_on"),
    measures=_live(
        (
            ("households_registered", _const("1")),
            ("households_active", _const(flag(f"t.status = '{HouseholdStatus.ACTIVE}'"))),
        )
    ),
    source=SOURCE,
)

HARDSHIP = Fact(
    key="ledgers.hardship",
    model="ledgers.HouseholdHardship",
    columns=("type",),
    region="p.region_id",
    period=lambda d: d.month_of_date("p.registered_on"),
    measures=_live(
        _choice_measures("households_by_type", "t.type", HardshipType, f"p.status = '{HouseholdStatus.ACTIVE}'"), "p"
    ),
    parent=Parent(
        model="ledgers.HardshipHousehold",
        fk="household_id",
        columns=("region_id", "registered_on", "status", "voided_at"),
    ),
    source=SOURCE,
)

HELP = Fact(
    key="ledgers.help",
    model="ledgers.HelpRecord",
    columns=("given_on", "amount_fen"),
    region="p.region_id",
    period=lambda d: d.month_of_date("t.given_on"),
    measures=_live((("help_funds_fen", _const("t.amount_fen")),), "p"),
    parent=Parent(model="ledgers.HardshipHousehold", fk="household_id", columns=("region_id", "voided_at")),
    source=SOURCE,
)

MATTER = Fact(
    key="ledgers.matter",
    model="ledgers.StabilityMatter",
    columns=(
        "region_id",
        "registered_on",
        "status",
        "risk_level",
        "outcome",
        "matter_type",
        MatterDue.due_field,
        "resolved_at",
        "voided_at",
    ),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.registered_on"),
    measures=_live(
        (
            ("matters_registered", _const("1")),
            ("matters_resolved", _const(flag(f"t.status = '{MatterStatus.RESOLVED}'"))),
            (
                "matters_resolved_with_deadline",
                _const(flag(f"t.status = '{MatterStatus.RESOLVED}' AND t.deadline IS NOT NULL")),
            ),
            ("matters_resolved_on_time", _matter_on_time),
            *_choice_measures("matters_by_risk", "t.risk_level", RiskLevel),
            *_choice_measures("matters_by_status", "t.status", MatterStatus),
            *_choice_measures("matters_by_outcome", "t.outcome", MatterOutcome),
            *_choice_measures("matters_by_type", "t.matter_type", MatterType),
        )
    ),
    source=SOURCE,
)

LEDGER = Fact(
    key="ledgers.ledger",
    model="ledgers.Ledger",
    columns=("region_id", "opened_at"),
    region="t.region_id",
    period=lambda d: d.month_of_timestamp("t.opened_at"),
    measures=(("ledgers_built", _const("1")),),
    source=SOURCE,
)

_RESOLVED_LABELS = "、".join(str(AppealStatus(s).label) for s in APPEAL_RESOLVED_STATUSES)

METRICS = [
    # --- headline figures of the source text ---
    Metric(
        "ledgers_built",
        _("建立台账"),
        _("已建立的台账本数：每个村（社区）或乡镇每类台账（民生诉求、困难群众、稳定工作）计 1 本，按建账月份统计。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "problems_registered",
        _("登记问题"),
        _("登记的民生诉求件数 + 登记的稳定事项件数，按登记月份统计。"),
        source=SOURCE,
        parts=("appeals_registered", "matters_registered"),
    ),
    Metric(
        "problems_resolved",
        _("解决问题"),
        _("状态为已解决、已公开或已评价的民生诉求件数 + 状态为已化解的稳定事项件数。"),
        source=SOURCE,
        parts=("appeals_resolved", "matters_resolved"),
    ),
    Metric(
        "satisfaction_rate",
        _("群众满意率"),
        _("分子：评分为“基本满意”及以上（3 分及以上）的群众评价数；分母：已提交的群众评价总数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("ratings_satisfied",),
        denominator=("ratings_count",),
    ),
    Metric(
        "rural_satisfaction_rate",
        _("农村群众满意率"),
        _(
            "分子：在村（不含城市社区）登记的民生诉求中，评分为“基本满意”及以上（3 分及以上）的群众评价数；"
            "分母：这些诉求已提交的群众评价总数。"
        ),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("ratings_satisfied_rural",),
        denominator=("ratings_count_rural",),
    ),
    Metric(
        "appeals_solved_funded",
        _("解决民生实事"),
        _("已解决（含已公开、已评价）且投入资金大于 0 的民生诉求件数。"),
        source=SOURCE,
    ),
    Metric(
        "funds_invested_fen",
        _("投入资金"),
        _(
            "民生诉求登记的投入资金 + 困难群众帮扶记录的金额之和（以分为单位存储；表格按元显示，概览卡片按万元、亿元显示）。"
        ),
        unit=Unit.FEN,
        source=SOURCE,
        parts=("appeal_funds_fen", "help_funds_fen"),
    ),
    # --- hotline practice: the three rates ---
    Metric(
        "response_rate",
        _("响应率"),
        _("分子：已响应（已开始办理或已办结）的民生诉求件数；分母：登记的民生诉求件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("appeals_responded",),
        denominator=("appeals_registered",),
    ),
    Metric(
        "resolution_rate",
        _("解决率"),
        _("分子：已解决（含已公开、已评价）的民生诉求件数；分母：登记的民生诉求件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("appeals_resolved",),
        denominator=("appeals_registered",),
    ),
    # --- on-time rates against each item's own deadline ---
    Metric(
        "appeal_on_time_rate",
        _("诉求按期办结率"),
        _("分子：办结日期不晚于承诺办结日期的已解决民生诉求件数；分母：已解决的民生诉求件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("appeals_resolved_on_time",),
        denominator=("appeals_resolved",),
    ),
    Metric(
        "matter_on_time_rate",
        _("稳定事项按期化解率"),
        _("分子：化解日期不晚于化解期限的已化解稳定事项件数；分母：设有化解期限的已化解稳定事项件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("matters_resolved_on_time",),
        denominator=("matters_resolved_with_deadline",),
    ),
    # --- stored counters ---
    Metric("appeals_registered", _("登记民生诉求"), _("登记的民生诉求件数。"), source=SOURCE, monthly=True),
    Metric(
        "appeals_responded",
        _("已响应民生诉求"),
        _("已开始办理或已办结（记录了响应时间）的民生诉求件数。"),
        source=SOURCE,
    ),
    Metric(
        "appeals_resolved",
        _("已解决民生诉求"),
        _("状态为已解决、已公开或已评价的民生诉求件数（重新办理的不计）。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "appeals_open",
        _("在办民生诉求"),
        _("状态为已登记、办理中或重新办理的民生诉求件数。"),
        source=SOURCE,
    ),
    Metric(
        "appeals_resolved_on_time",
        _("按期办结民生诉求"),
        _("已解决且办结日期不晚于承诺办结日期的民生诉求件数。"),
        source=SOURCE,
    ),
    Metric("appeal_funds_fen", _("诉求投入资金"), _("民生诉求登记的投入资金之和。"), unit=Unit.FEN, source=SOURCE),
    Metric(
        "help_funds_fen",
        _("帮扶资金"),
        _("困难群众帮扶记录的金额之和，按帮扶月份统计。"),
        unit=Unit.FEN,
        source=SOURCE,
    ),
    Metric("ratings_count", _("群众评价数"), _("群众通过评价链接提交的评价数。"), source=SOURCE, monthly=True),
    Metric(
        "ratings_satisfied",
        _("满意评价数"),
        _("评分为“基本满意”及以上（3 分及以上）的群众评价数。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "ratings_count_rural",
        _("农村群众评价数"),
        _("在村（不含城市社区）登记的民生诉求收到的群众评价数。"),
        source=SOURCE,
    ),
    Metric(
        "ratings_satisfied_rural",
        _("农村满意评价数"),
        _("在村（不含城市社区）登记的民生诉求中，评分为“基本满意”及以上（3 分及以上）的群众评价数。"),
        source=SOURCE,
    ),
    Metric("households_registered", _("登记困难户"), _("登记的困难群众户数（含已退出）。"), source=SOURCE),
    Metric(
        "households_active",
        _("在册困难户"),
        _("状态为帮扶中的困难群众户数。"),
        source=SOURCE,
    ),
    Metric("matters_registered", _("登记稳定事项"), _("登记的稳定事项件数。"), source=SOURCE, monthly=True),
    Metric(
        "matters_resolved",
        _("已化解稳定事项"),
        _("状态为已化解的稳定事项件数。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "matters_resolved_with_deadline",
        _("设期限的已化解稳定事项"),
        _("状态为已化解且设有化解期限的稳定事项件数。"),
        source=SOURCE,
    ),
    Metric(
        "matters_resolved_on_time",
        _("按期化解稳定事项"),
        _("已化解、设有化解期限且化解日期不晚于期限的稳定事项件数。"),
        source=SOURCE,
    ),
    # --- breakdowns ---
    *_choice_metrics("appeals_by_status", AppealStatus, _("状态为“%(choice)s”的民生诉求件数。"), "appeals_by_status"),
    *_choice_metrics(
        "appeals_by_category", AppealCategory, _("类别为“%(choice)s”的民生诉求件数。"), "appeals_by_category"
    ),
    *_choice_metrics(
        "households_by_type",
        HardshipType,
        _("帮扶中、困难类型含“%(choice)s”的困难群众户数（一户可有多种类型）。"),
        "households_by_type",
    ),
    *_choice_metrics("matters_by_risk", RiskLevel, _("风险等级为“%(choice)s”的稳定事项件数。"), "matters_by_risk"),
    *_choice_metrics("matters_by_status", MatterStatus, _("状态为“%(choice)s”的稳定事项件数。"), "matters_by_status"),
    *_choice_metrics(
        "matters_by_outcome", MatterOutcome, _("化解结果为“%(choice)s”的稳定事项件数。"), "matters_by_outcome"
    ),
    *_choice_metrics("matters_by_type", MatterType, _("矛盾类型为“%(choice)s”的稳定事项件数。"), "matters_by_type"),
]

BREAKDOWNS = [
    Breakdown(
        "appeals_by_category", _("民生诉求按类别"), tuple(f"appeals_by_category.{v}" for v in AppealCategory.values)
    ),
    Breakdown("appeals_by_status", _("民生诉求按状态"), tuple(f"appeals_by_status.{v}" for v in AppealStatus.values)),
    Breakdown(
        "households_by_type", _("困难群众按困难类型"), tuple(f"households_by_type.{v}" for v in HardshipType.values)
    ),
    Breakdown("matters_by_risk", _("稳定事项按风险等级"), tuple(f"matters_by_risk.{v}" for v in RiskLevel.values)),
    Breakdown(
        "matters_by_outcome", _("稳定事项按化解结果"), tuple(f"matters_by_outcome.{v}" for v in MatterOutcome.values)
    ),
    Breakdown("matters_by_status", _("稳定事项按状态"), tuple(f"matters_by_status.{v}" for v in MatterStatus.values)),
    Breakdown("matters_by_type", _("稳定事项按矛盾类型"), tuple(f"matters_by_type.{v}" for v in MatterType.values)),
]

register(
    Source(
        key=SOURCE,
        label=_("三本台账"),
        facts=[APPEAL, RATING, HOUSEHOLD, HARDSHIP, HELP, MATTER, LEDGER],
        metrics=METRICS,
        breakdowns=[Breakdown(b.key, b.label, b.metrics, SOURCE) for b in BREAKDOWNS],
    )
)
