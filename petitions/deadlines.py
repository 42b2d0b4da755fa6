"""The deadline rules of the 2022 petition regulation (信访工作条例), in one place.

Each rule has a name stored with the deadline it makes, the article it comes from, and how it
counts (natural days or working days, see `core.calendar` for the conventions: the start day is
not counted, a natural-day deadline on a non-working day moves to the next working day). The
deadlines of a case are computed from its dates only, so they can be recomputed at any time (the
calendar changed, a date was corrected) and always give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.calendar import Deadline, WorkCalendar, natural_days, working_days
from petitions.choices import DeadlineKind, PetitionStatus


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    days: int
    working: bool
    article: str
    label: str


RULES = {
    rule.name: rule
    for rule in (
        Rule("art22-23.register.15d", DeadlineKind.REGISTER, 15, False, _("第二十二条、第二十三条"),
             _("收到之日起15日内登记、转送交办或书面告知信访人")),
        Rule("art23.objection.5wd", DeadlineKind.OBJECTION, 5, True, _("第二十三条第三款"),
             _("收到转送交办之日起5个工作日内提出异议")),
        Rule("art34.handling.60d", DeadlineKind.HANDLING, 60, False, _("第三十四条"),
             _("受理之日起60日内办结")),
        Rule("art34.handling.60d+ext", DeadlineKind.HANDLING, 60, False, _("第三十四条"),
             _("受理之日起60日内办结，经负责人批准延长（不超过30日，仅一次）")),
        Rule("art35.review-request.30d", DeadlineKind.REVIEW_REQUEST, 30, False, _("第三十五条"),
             _("收到书面答复之日起30日内可请求复查")),
        Rule("art35.review-answer.30d", DeadlineKind.REVIEW_ANSWER, 30, False, _("第三十五条"),
             _("收到复查请求之日起30日内提出复查意见")),
        Rule("art36.rereview-request.30d", DeadlineKind.REREVIEW_REQUEST, 30, False, _("第三十六条"),
             _("收到复查意见之日起30日内可请求复核")),
        Rule("art36.rereview-answer.30d", DeadlineKind.REREVIEW_ANSWER, 30, False, _("第三十六条"),
             _("收到复核请求之日起30日内提出复核意见，听证时间不计入")),
    )
}  # fmt: skip

# Which deadline runs against the office in each status (None: the office owes nothing now).
CURRENT_KIND = {
    PetitionStatus.REGISTERED: DeadlineKind.REGISTER,
    PetitionStatus.TRANSFERRED: DeadlineKind.OBJECTION,
    PetitionStatus.ACCEPTED: DeadlineKind.HANDLING,
    PetitionStatus.IN_HANDLING: DeadlineKind.HANDLING,
    PetitionStatus.REVIEW_REQUESTED: DeadlineKind.REVIEW_ANSWER,
    PetitionStatus.REREVIEW_REQUESTED: DeadlineKind.REREVIEW_ANSWER,
}


def apply_rule(name: str, start, *, calendar: WorkCalendar, extra_days: int = 0) -> Deadline:
    rule = RULES[name]
    if rule.working:
        return working_days(start, rule.days, rule=name, calendar=calendar)
    return natural_days(start, rule.days, rule=name, excluded_days=extra_days, calendar=calendar)


@dataclass(frozen=True)
class CaseDeadline:
    kind: str
    deadline: Deadline
    met_on: object  # date | None


def case_deadlines(petition, *, calendar: WorkCalendar | None = None) -> list[CaseDeadline]:
    """Every deadline the case's dates set so far, with the day each was met (if it was)."""
    calendar = calendar or WorkCalendar()
    p = petition
    found: list[CaseDeadline] = []

    def add(name, start, met_on, extra_days=0):
        if start is not None:
            found.append(
                CaseDeadline(
                    RULES[name].kind, apply_rule(name, start, calendar=calendar, extra_days=extra_days), met_on
                )
            )

    add("art22-23.register.15d", p.received_on, p.decided_on)
    if p.transferred_on:
        # Met by an objection (the case returns to its sender) or by acceptance.
        add("art23.objection.5wd", p.transferred_on, p.objected_on or p.accepted_on)
    if p.accepted_on:
        if p.extension_days:
            add("art34.handling.60d+ext", p.accepted_on, p.replied_on, extra_days=p.extension_days)
        else:
            add("art34.handling.60d", p.accepted_on, p.replied_on)
    if p.replied_on:
        add("art35.review-request.30d", p.replied_on, p.review_requested_on)
    if p.review_requested_on:
        add("art35.review-answer.30d", p.review_requested_on, p.review_answered_on)
    if p.review_answered_on:
        add("art36.rereview-request.30d", p.review_answered_on, p.rereview_requested_on)
    if p.rereview_requested_on:
        add("art36.rereview-answer.30d", p.rereview_requested_on, p.rereview_answered_on, extra_days=p.hearing_days)
    return found


def current_deadline(petition, deadlines: list[CaseDeadline]) -> Deadline | None:
    kind = CURRENT_KIND.get(petition.status)
    for item in deadlines:
        if item.kind == kind:
            return item.deadline
    return None
