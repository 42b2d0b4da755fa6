"""The petitions source of the metric registry (listed in reports.metrics.DEFAULT_SOURCES).

Periods: a case counts in the month it was received; a deadline in its case's month; a reception
day or down-visit in the month it was held. 初信初访 and 信访积案 are not defined by the 2022
regulation: their definitions here are the ones the dashboards show beside the numbers.
"""

from django.utils.translation import gettext_lazy as _

from petitions.choices import DEFAULT_CATEGORIES, Channel, DeadlineKind, PetitionStatus, PetitionType
from reports.choices import Unit
from reports.metrics import Breakdown, Fact, Metric, Parent, Source, percent_format_lazy, register
from reports.sql import flag, in_list, lit, table_of

SOURCE = "petitions"
CLOSED = f"t.status = {lit(PetitionStatus.CLOSED)}"


def _const(value: str):
    return lambda d: value


def _category(code: str) -> str:
    # The category list is data an administrator maintains; the breakdown follows its codes.
    return f"EXISTS (SELECT 1 FROM {table_of('petitions.PetitionCategory')} pc WHERE pc.id = t.category_id AND pc.code = {lit(code)})"


def _added_category() -> str:
    # A category an administrator added (not one of the defaults): one bucket, so the breakdown
    # still adds up to every case whatever the list holds.
    defaults = ", ".join(lit(code) for code, _name in DEFAULT_CATEGORIES)
    return f"NOT EXISTS (SELECT 1 FROM {table_of('petitions.PetitionCategory')} pc WHERE pc.id = t.category_id AND pc.code IN ({defaults}))"


ADDED_CATEGORY = "petitions_by_category.added"


def _measure(condition: str):
    return lambda d: flag(condition)


def _equals(prefix: str, column: str, values):
    return tuple((f"{prefix}.{value}", _measure(f"{column} = {lit(value)}")) for value in values)


PETITION = Fact(
    key="petitions.petition",
    model="petitions.Petition",
    columns=(
        "region_id",
        "received_on",
        "status",
        "outcome",
        "is_first_time",
        "is_repeat",
        "is_backlog",
        "backlog_disposed_on",
        "decided_on",
        "top_owner_level",
        "petition_type",
        "channel",
        "category_id",
    ),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.received_on"),
    measures=(
        ("petitions_registered", _const("1")),
        ("petitions_first_time", _const(flag("t.is_first_time"))),
        ("petitions_first_time_handled", _const(flag("t.is_first_time AND t.decided_on IS NOT NULL"))),
        ("petitions_repeat", _const(flag("t.is_repeat"))),
        ("petitions_backlog", _const(flag("t.is_backlog"))),
        ("petitions_backlog_disposed", _const(flag("t.is_backlog AND t.backlog_disposed_on IS NOT NULL"))),
        ("petitions_closed", _const(flag(CLOSED))),
        ("petitions_resolved", _const(flag(f"{CLOSED} AND t.outcome = 'resolved'"))),
        ("petitions_owned_county_plus", _const(flag(in_list("t.top_owner_level", ("county", "prefecture"))))),
        ("petitions_owned", _const(flag("t.top_owner_level <> ''"))),
        *_equals("petitions_by_type", "t.petition_type", PetitionType.values),
        *_equals("petitions_by_channel", "t.channel", Channel.values),
        *((f"petitions_by_category.{code}", _measure(_category(code))) for code, _name in DEFAULT_CATEGORIES),
        (ADDED_CATEGORY, _measure(_added_category())),
    ),
    source=SOURCE,
)

_TIMED = (DeadlineKind.REGISTER, DeadlineKind.HANDLING, DeadlineKind.REVIEW_ANSWER, DeadlineKind.REREVIEW_ANSWER)


def _deadline_measures():
    measures = []
    for kind in _TIMED:
        measures.append(
            (f"deadlines_met.{kind}", (lambda k: lambda d: flag(f"t.kind = {lit(k)} AND t.met_on IS NOT NULL"))(kind))
        )
        measures.append(
            (
                f"deadlines_on_time.{kind}",
                (lambda k: lambda d: flag(f"t.kind = {lit(k)} AND t.met_on IS NOT NULL AND t.met_on <= t.due"))(kind),
            )
        )
    return tuple(measures)


DEADLINE = Fact(
    key="petitions.deadline",
    model="petitions.PetitionDeadline",
    columns=("kind", "due", "met_on"),
    region="p.region_id",
    period=lambda d: d.month_of_date("p.received_on"),
    measures=_deadline_measures(),
    parent=Parent(model="petitions.Petition", fk="petition_id", columns=("region_id", "received_on")),
    source=SOURCE,
)

RECEPTION = Fact(
    key="petitions.reception",
    model="petitions.ReceptionDay",
    columns=("region_id", "held_on", "person_times"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.held_on"),
    measures=(("reception_days", _const("1")), ("reception_person_times", _const("t.person_times"))),
    source=SOURCE,
)

DOWN_VISIT = Fact(
    key="petitions.down_visit",
    model="petitions.DownVisit",
    columns=("region_id", "visited_on", "person_times"),
    region="t.region_id",
    period=lambda d: d.month_of_date("t.visited_on"),
    measures=(("down_visits", _const("1")), ("down_visit_person_times", _const("t.person_times"))),
    source=SOURCE,
)

_KIND_LABELS = {
    DeadlineKind.REGISTER: _("受理（登记后15日内处理告知）"),
    DeadlineKind.HANDLING: _("办理（受理后60日内办结，含批准延期）"),
    DeadlineKind.REVIEW_ANSWER: _("复查（30日内答复）"),
    DeadlineKind.REREVIEW_ANSWER: _("复核（30日内答复，听证时间不计）"),
}


def _counters():
    items = []
    for kind in _TIMED:
        items.append(Metric(f"deadlines_met.{kind}", percent_format_lazy(_("已完成的%(what)s环节"), {"what": _KIND_LABELS[kind]}),
                            percent_format_lazy(_("%(what)s环节已完成（有完成日期）的信访件数。"), {"what": _KIND_LABELS[kind]}), source=SOURCE))  # fmt: skip
        items.append(Metric(f"deadlines_on_time.{kind}", percent_format_lazy(_("按期完成的%(what)s环节"), {"what": _KIND_LABELS[kind]}),
                            percent_format_lazy(_("%(what)s环节完成日期不晚于该件自身期限的信访件数。"), {"what": _KIND_LABELS[kind]}), source=SOURCE))  # fmt: skip
    return items


METRICS = [
    # --- headline figures of the source text ---
    Metric("petitions_registered", _("登记信访件"), _("登记的信访件数（来信、来访、来电、传真、网上信访），按收到月份统计。"), source=SOURCE, monthly=True),
    Metric(
        "petitions_first_time_handled",
        _("初信初访办理"),
        _("初信初访：信访人（按身份证号）此前没有信访记录、且未关联任何前案的信访件；“办理”指已作出受理、不予受理或转送交办决定。按收到月份统计。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "petitions_backlog_disposed",
        _("信访积案化解"),
        _("信访积案：列入积案化解专项行动的信访件；“化解”指以“已化解”结果办结并记录了化解销号日期。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "petitions_owned_county_plus",
        _("县级以上领导包案"),
        _("至少有一位县级或市级领导干部包案的信访件数。"),
        source=SOURCE,
        monthly=True,
    ),
    Metric(
        "cadre_visit_person_times",
        _("接访下访人次"),
        _("领导干部接访接待群众人次 + 带案下访接待群众人次，按接访、下访日期的月份统计。"),
        source=SOURCE,
        parts=("reception_person_times", "down_visit_person_times"),
    ),
    # --- rates ---
    Metric(
        "petition_repeat_rate",
        _("重复信访率"),
        _("分子：重复信访件数（同一信访人此前有信访记录或关联了前案）；分母：登记的信访件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("petitions_repeat",),
        denominator=("petitions_registered",),
    ),
    Metric(
        "petition_resolution_rate",
        _("信访化解率"),
        _("分子：以“已化解”办结的信访件数；分母：已办结的信访件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=("petitions_resolved",),
        denominator=("petitions_closed",),
    ),
    Metric(
        "petition_accept_on_time_rate",
        _("按期受理率"),
        _("分子：收到后在本件“15日”期限内作出受理、不予受理或转送交办决定的件数；分母：已作出决定的件数（期限按工作日历顺延）。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=(f"deadlines_on_time.{DeadlineKind.REGISTER}",),
        denominator=(f"deadlines_met.{DeadlineKind.REGISTER}",),
    ),
    Metric(
        "petition_handling_on_time_rate",
        _("按期办结率"),
        _("分子：在本件办理期限（受理后60日，批准延期的加延长天数）内作出书面答复的件数；分母：已答复的件数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=(f"deadlines_on_time.{DeadlineKind.HANDLING}",),
        denominator=(f"deadlines_met.{DeadlineKind.HANDLING}",),
    ),
    Metric(
        "petition_review_on_time_rate",
        _("复查复核按期答复率"),
        _("分子：在本件复查、复核期限（30日，听证时间不计）内答复的次数；分母：已答复的复查、复核次数。"),
        unit=Unit.RATE,
        source=SOURCE,
        numerator=(f"deadlines_on_time.{DeadlineKind.REVIEW_ANSWER}", f"deadlines_on_time.{DeadlineKind.REREVIEW_ANSWER}"),
        denominator=(f"deadlines_met.{DeadlineKind.REVIEW_ANSWER}", f"deadlines_met.{DeadlineKind.REREVIEW_ANSWER}"),
    ),
    # --- stored counters ---
    Metric("petitions_first_time", _("初信初访"), _("信访人（按身份证号）此前没有信访记录、且未关联前案的信访件数。"), source=SOURCE),
    Metric("petitions_repeat", _("重复信访"), _("同一信访人此前有信访记录、或关联了前案的信访件数。"), source=SOURCE, monthly=True),
    Metric("petitions_backlog", _("信访积案"), _("列入积案化解专项行动的信访件数。"), source=SOURCE),
    Metric("petitions_closed", _("已办结信访件"), _("状态为已办结的信访件数。"), source=SOURCE),
    Metric("petitions_resolved", _("已化解信访件"), _("以“已化解”结果办结的信访件数。"), source=SOURCE, monthly=True),
    Metric("petitions_owned", _("领导包案"), _("有领导干部包案的信访件数。"), source=SOURCE),
    Metric("reception_days", _("领导接访次数"), _("登记的领导接访日次数。"), source=SOURCE),
    Metric("reception_person_times", _("接访人次"), _("领导接访接待群众人次之和。"), source=SOURCE, monthly=True),
    Metric("down_visits", _("带案下访次数"), _("登记的带案下访次数。"), source=SOURCE),
    Metric("down_visit_person_times", _("下访人次"), _("带案下访接待群众人次之和。"), source=SOURCE, monthly=True),
    *_counters(),
    *(
        Metric(f"petitions_by_type.{v}", label, percent_format_lazy(_("事项性质为“%(choice)s”的信访件数。"), {"choice": label}), source=SOURCE, breakdown="petitions_by_type")
        for v, label in PetitionType.choices
    ),
    *(
        Metric(f"petitions_by_channel.{v}", label, percent_format_lazy(_("信访形式为“%(choice)s”的信访件数。"), {"choice": label}), source=SOURCE, breakdown="petitions_by_channel")
        for v, label in Channel.choices
    ),
    *(
        Metric(f"petitions_by_category.{c}", name, percent_format_lazy(_("事项类别为“%(choice)s”的信访件数。"), {"choice": name}), source=SOURCE, breakdown="petitions_by_category")
        for c, name in DEFAULT_CATEGORIES
    ),
    Metric(ADDED_CATEGORY, _("管理员新增类别"), _("事项类别为管理员新增的类别（不在默认十类之中）的信访件数。"), source=SOURCE, breakdown="petitions_by_category"),
]  # fmt: skip

BREAKDOWNS = [
    Breakdown("petitions_by_type", _("信访件按事项性质"), tuple(f"petitions_by_type.{v}" for v in PetitionType.values), SOURCE),
    Breakdown("petitions_by_channel", _("信访件按信访形式"), tuple(f"petitions_by_channel.{v}" for v in Channel.values), SOURCE),
    Breakdown("petitions_by_category", _("信访件按事项类别"), (*(f"petitions_by_category.{c}" for c, _n in DEFAULT_CATEGORIES), ADDED_CATEGORY), SOURCE),
]  # fmt: skip

register(
    Source(
        key=SOURCE,
        label=_("信访"),
        facts=[PETITION, DEADLINE, RECEPTION, DOWN_VISIT],
        metrics=METRICS,
        breakdowns=BREAKDOWNS,
        headline=(
            "petitions_registered",
            "petitions_first_time_handled",
            "petitions_backlog_disposed",
            "petitions_owned_county_plus",
            "cadre_visit_person_times",
            "petition_resolution_rate",
            "petition_handling_on_time_rate",
            "petition_repeat_rate",
        ),
    )
)
