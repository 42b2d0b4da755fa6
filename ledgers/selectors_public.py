"""Reads for the residents' public pages (no login): a village's disclosed appeals.

Kept apart from `ledgers.selectors` on purpose: these reads are not scoped to a user but to
what has been made public, and they return plain dicts of the public fields only, so the
raiser's name, phone and description never reach a public template, not even by mistake.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from ledgers.choices import SATISFIED_MIN_SCORE, AppealCategory, AppealStatus, Satisfaction
from ledgers.models import LivelihoodAppeal, RatingInvitation
from regions.choices import Level
from regions.models import Region

# Resolved items that staff made public; a reopened item leaves the page until it is disclosed again.
PUBLIC_APPEAL_STATUSES = (AppealStatus.DISCLOSED, AppealStatus.RATED)
PUBLIC_APPEAL_FIELDS = (
    "id",
    "category",
    "title",
    "resolution",
    "responsible_person",
    "registered_on",
    "resolved_at",
    "disclosed_at",
    "funds_spent_fen",
    "status",
)


def public_village_get(*, code: str) -> Region:
    """A village (or community) by its 12-digit code; anything else is 404."""
    if not (isinstance(code, str) and len(code) == 12 and code.isdigit()):
        raise Http404(_("没有这个村（社区）。"))
    region = Region.objects.filter(code=code, level=Level.VILLAGE).select_related("parent").first()
    if region is None:
        raise Http404(_("没有这个村（社区）。"))
    return region


def _rated(prefix: str = "rating_invitations__") -> Q:
    return Q(**{f"{prefix}rated_at__isnull": False})


def public_appeal_list(
    *, region: Region, disclosed_from: datetime.date | None = None, disclosed_to: datetime.date | None = None
):
    """The village's disclosed appeals, newest first, as dicts of public fields plus rating counts."""
    rows = LivelihoodAppeal.objects.live().filter(region=region, status__in=PUBLIC_APPEAL_STATUSES)
    if disclosed_from:
        rows = rows.filter(disclosed_at__date__gte=disclosed_from)
    if disclosed_to:
        rows = rows.filter(disclosed_at__date__lte=disclosed_to)
    return (
        rows.order_by("-disclosed_at", "-id")
        .values(*PUBLIC_APPEAL_FIELDS)
        .annotate(
            rating_count=Count("rating_invitations", filter=_rated()),
            satisfied_count=Count(
                "rating_invitations", filter=_rated() & Q(rating_invitations__score__gte=SATISFIED_MIN_SCORE)
            ),
            score_sum=Sum("rating_invitations__score", filter=_rated()),
        )
    )


CATEGORY_LABELS = dict(AppealCategory.choices)
STATUS_LABELS = dict(AppealStatus.choices)


def decorate(rows) -> list[dict]:
    """Labels and derived figures for display, computed in Python (no extra queries)."""
    result = []
    for row in rows:
        row = dict(row)
        row["category_label"] = CATEGORY_LABELS.get(row["category"], row["category"])
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["funds_yuan"] = row["funds_spent_fen"] / 100
        count = row["rating_count"]
        row["satisfaction_rate"] = round(100 * row["satisfied_count"] / count) if count else None
        row["average_label"] = (
            Satisfaction(max(1, min(5, round(row["score_sum"] / count)))).label if count and row["score_sum"] else ""
        )
        result.append(row)
    return result


def public_village_summary(*, region: Region) -> dict:
    """Totals for the village's public page: disclosed items, funds, ratings and the satisfaction rate.

    Satisfaction rate = ratings of 基本满意 or better ÷ all ratings received (the one definition).
    """
    appeals = (
        LivelihoodAppeal.objects.live()
        .filter(region=region, status__in=PUBLIC_APPEAL_STATUSES)
        .aggregate(disclosed=Count("id"), funds_fen=Sum("funds_spent_fen"))
    )
    ratings = RatingInvitation.objects.filter(
        appeal__region=region, appeal__voided_at__isnull=True, rated_at__isnull=False
    ).aggregate(
        rated=Count("id"),
        satisfied=Count("id", filter=Q(score__gte=SATISFIED_MIN_SCORE)),
        not_resolved=Count("id", filter=Q(resolved_confirmed=False)),
    )
    rated = ratings["rated"]
    return {
        "disclosed": appeals["disclosed"],
        "funds_yuan": (appeals["funds_fen"] or 0) / 100,
        "rated": rated,
        "satisfied": ratings["satisfied"],
        "not_resolved": ratings["not_resolved"],
        "satisfaction_rate": round(100 * ratings["satisfied"] / rated, 1) if rated else None,
    }


def public_appeal_of_invitation(invitation: RatingInvitation) -> dict:
    """What the rating page may show about the appeal behind a link: public fields only."""
    appeal = invitation.appeal
    return {
        "title": appeal.title,
        "category_label": appeal.get_category_display(),
        "resolution": appeal.resolution,
        "responsible_person": appeal.responsible_person,
        "resolved_at": appeal.resolved_at,
        "village": appeal.region.name,
        "village_code": appeal.region_id,
    }
