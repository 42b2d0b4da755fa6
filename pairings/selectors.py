"""Reads of the pairings app: scope first (regions.scoping.restrict), then filters, then the
joins a page needs, so a list runs a bounded number of queries whatever its size."""

from django.db.models import Case, Count, IntegerField, Max, Q, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from core.paginator import bounded_count, count_cap
from pairings.choices import OWED_OPEN_STATUSES, OwedStatus, PairStatus, VisitKind
from pairings.models import Cadre, Campaign, Household, MustVisitEvent, OwedVisit, Pair, Unit, Visit
from regions.scoping import restrict, scope_q, user_posts


def unit_list(*, user, filters=None):
    queryset = restrict(Unit.objects.all(), user).select_related("region", "parent")
    if filters is None:
        return queryset
    from pairings.filters import UnitFilterSet

    return UnitFilterSet(filters, queryset=queryset, request=None)


def unit_pickable(*, user):
    """Units a user may register cadres of: those in their scope, and the units of the regions
    above their posts (a township's staff record the cadres the county's departments send).
    Unit names are public organs, not personal data, so seeing the ones above is harmless."""
    queryset = Unit.objects.filter(is_active=True)
    condition = scope_q(Unit, user, "view")
    if condition is None:
        return queryset
    ancestors = {code for post in user_posts(user) for code in post.region.ancestor_codes}
    return queryset.filter(condition | Q(region_id__in=ancestors))


def unit_get(*, user, pk) -> Unit:
    unit = restrict(Unit.objects.select_related("region", "parent"), user).filter(pk=pk).first()
    if unit is None:
        raise Http404(_("未找到该单位，或它不在您的管辖范围内。"))
    return unit


def cadre_list(*, user, filters=None):
    queryset = restrict(Cadre.objects.all(), user).select_related("unit", "home_region")
    if filters is None:
        return queryset
    from pairings.filters import CadreFilterSet

    return CadreFilterSet(filters, queryset=queryset, request=None)


def cadre_get(*, user, pk) -> Cadre:
    cadre = restrict(Cadre.objects.select_related("unit", "home_region", "user"), user).filter(pk=pk).first()
    if cadre is None:
        raise Http404(_("未找到该干部，或其不在您的管辖范围内。"))
    return cadre


def cadre_of_user(user) -> Cadre | None:
    """The cadre record linked to a signed-in user, if any (their own record: always visible)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user).select_related("unit", "home_region").first()


# --- Households, pairs, visits, events, owed visits -----------------------------------------------
def _filtered(queryset, filterset_class, filters):
    if filters is None:
        return queryset
    return filterset_class(filters, queryset=queryset, request=None)


def household_list(*, user, filters=None):
    from pairings.filters import HouseholdFilterSet

    queryset = restrict(Household.objects.all(), user).select_related("region")
    return _filtered(queryset, HouseholdFilterSet, filters)


def household_get(*, user, pk) -> Household:
    household = restrict(Household.objects.select_related("region", "hardship_household"), user).filter(pk=pk).first()
    if household is None:
        raise Http404(_("未找到该结对对象，或其不在您的管辖范围内。"))
    return household


def pair_list(*, user, filters=None):
    from pairings.filters import PairFilterSet

    queryset = restrict(Pair.objects.all(), user).select_related("cadre__unit", "household", "region")
    return _filtered(queryset, PairFilterSet, filters)


def pair_get(*, user, pk) -> Pair:
    pair = (
        restrict(Pair.objects.select_related("cadre__unit", "cadre__user", "household", "region"), user)
        .filter(pk=pk)
        .first()
    )
    if pair is None:
        raise Http404(_("未找到该结对，或其不在您的管辖范围内。"))
    return pair


def visit_list(*, user, filters=None):
    from pairings.filters import VisitFilterSet

    queryset = restrict(Visit.objects.all(), user).select_related("cadre__unit", "household", "region")
    return _filtered(queryset, VisitFilterSet, filters)


def visit_get(*, user, pk) -> Visit:
    visit = restrict(Visit.objects.select_related("cadre__unit", "household", "region", "pair"), user).filter(pk=pk)
    visit = visit.first()
    if visit is None:
        raise Http404(_("未找到该走访记录，或其不在您的管辖范围内。"))
    return visit


def event_list(*, user, filters=None):
    from pairings.filters import MustVisitEventFilterSet

    queryset = restrict(MustVisitEvent.objects.all(), user).select_related("household", "region")
    return _filtered(queryset, MustVisitEventFilterSet, filters)


def event_get(*, user, pk) -> MustVisitEvent:
    event = restrict(MustVisitEvent.objects.select_related("household", "region"), user).filter(pk=pk).first()
    if event is None:
        raise Http404(_("未找到该必访事件，或其不在您的管辖范围内。"))
    return event


OVERDUE_FIRST = Case(When(status=OwedStatus.OVERDUE, then=Value(0)), When(status=OwedStatus.OWED, then=Value(1)),
                     default=Value(2), output_field=IntegerField())  # fmt: skip


def owed_visit_list(*, user, filters=None):
    """Owed visits in scope (and the cadre's own): overdue first, then by due day, unless sorted."""
    from pairings.filters import OwedVisitFilterSet

    queryset = (
        restrict(OwedVisit.objects.all(), user)
        .select_related("cadre__unit", "household", "region", "event")
        .order_by(OVERDUE_FIRST, "due_on", "id")
    )
    return _filtered(queryset, OwedVisitFilterSet, filters)


def campaign_list(*, user):
    return restrict(Campaign.objects.all(), user).select_related("region")


def campaign_get(*, user, pk) -> Campaign:
    campaign = campaign_list(user=user).filter(pk=pk).first()
    if campaign is None:
        raise Http404(_("未找到该暖冬行动，或其不在您的管辖范围内。"))
    return campaign


def campaign_coverage(*, user, campaign: Campaign, region_code: str | None = None) -> dict:
    """Warm Winter coverage: of the pairs active at any time in the window (in the campaign's
    region, narrowed to what the user may see), how many had a Warm Winter visit within it.
    Two counts: one over pairs, one over visits joined by pair id."""
    code = region_code or campaign.region_id
    pairs = restrict(Pair.objects.all(), user).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=campaign.starts_on),
        region__code__startswith=code,
        started_on__lte=campaign.ends_on,
    )
    # Both counts stop at the list cap: a province-wide campaign does not count every pair on
    # each request; past the cap the page says "超过 N" and shows no rate.
    cap = count_cap()
    total = bounded_count(pairs, cap)
    visited = bounded_count(
        pairs.filter(
            visits__kind=VisitKind.WARM_WINTER,
            visits__visited_on__gte=campaign.starts_on,
            visits__visited_on__lte=campaign.ends_on,
        ).distinct(),
        cap,
    )
    truncated = total > cap
    return {
        "pairs": total,
        "visited": visited,
        "rate": (visited / total) if total and not truncated else None,
        "truncated": truncated,
        "visited_truncated": visited > cap,
        "cap": f"{cap:,}",
    }


def cadre_timeliness(*, cadre: Cadre) -> dict:
    """A cadre's must-visit record: owed visits by status and how many were fulfilled on time."""
    rows = OwedVisit.objects.filter(cadre=cadre).aggregate(
        total=Count("pk"),
        owed=Count("pk", filter=Q(status=OwedStatus.OWED)),
        overdue=Count("pk", filter=Q(status=OwedStatus.OVERDUE)),
        fulfilled=Count("pk", filter=Q(status=OwedStatus.FULFILLED)),
        on_time=Count("pk", filter=Q(status=OwedStatus.FULFILLED, on_time=True)),
    )
    closed = rows["fulfilled"] + rows["overdue"]
    rows["rate"] = (rows["on_time"] / closed) if closed else None
    return rows


CADRE_HOME_LIMIT = 50


def cadre_home(*, user) -> dict | None:
    """What a signed-in cadre sees on the phone: their active pairs and their open owed visits
    (overdue first), each bounded; None when the user is linked to no cadre record."""
    cadre = cadre_of_user(user)
    if cadre is None:
        return None
    owed = list(
        OwedVisit.objects.filter(cadre=cadre, status__in=OWED_OPEN_STATUSES)
        .select_related("household", "pair")
        .order_by(OVERDUE_FIRST, "due_on", "id")[:CADRE_HOME_LIMIT]
    )
    pairs = list(
        Pair.objects.filter(cadre=cadre, status=PairStatus.ACTIVE)
        .select_related("household", "region")
        .annotate(last_visit=Max("visits__visited_on"))
        .order_by("household__head_name", "id")[:CADRE_HOME_LIMIT]
    )
    recent = list(Visit.objects.filter(cadre=cadre).select_related("household").order_by("-visited_on", "-id")[:10])
    return {"cadre": cadre, "owed": owed, "pairs": pairs, "recent": recent}


# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------
BY_START = ("region_id", "-started_on", "-id")


def support_assignment_list(*, user, filters=None):
    from pairings.filters import SupportAssignmentFilterSet
    from pairings.models import SupportAssignment

    queryset = restrict(SupportAssignment.objects.all(), user).select_related("unit", "region")
    # A grouped query drops the model's default order: stated, so pages are stable (as the API's).
    queryset = queryset.annotate(cadre_count=Count("cadres")).order_by(*BY_START)
    return _filtered(queryset, SupportAssignmentFilterSet, filters)


def village_link_list(*, user, filters=None):
    from pairings.filters import VillageLinkFilterSet
    from pairings.models import VillageLink

    queryset = restrict(VillageLink.objects.all(), user).select_related("unit", "region")
    # A grouped query drops the model's default order: stated, so pages are stable (as the API's).
    queryset = queryset.annotate(cadre_count=Count("cadres")).order_by(*BY_START)
    return _filtered(queryset, VillageLinkFilterSet, filters)


def link_project_list(*, user, filters=None):
    from pairings.filters import LinkProjectFilterSet
    from pairings.models import LinkProject

    queryset = restrict(LinkProject.objects.all(), user).select_related("link__unit", "region")
    return _filtered(queryset, LinkProjectFilterSet, filters)


def training_list(*, user, filters=None):
    from pairings.filters import TrainingFilterSet
    from pairings.models import Training

    queryset = restrict(Training.objects.all(), user).select_related("link__unit", "region")
    return _filtered(queryset, TrainingFilterSet, filters)


def stay_list(*, user, filters=None):
    from pairings.filters import StayFilterSet
    from pairings.models import Stay

    queryset = restrict(Stay.objects.all(), user).select_related("cadre", "region")
    return _filtered(queryset, StayFilterSet, filters)


# --- A unit's leader -------------------------------------------------------------------------------
def user_cadres(user) -> list[tuple[int, bool, bool]]:
    """(unit id, is unit leader, is active) of each cadre record linked to `user`: read once per
    user object, for the workbench's "am I a cadre" and the unit leader's reach alike."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_pairings_cadres", None)
    if cached is None:
        cached = list(Cadre.objects.filter(user_id=user.pk).values_list("unit_id", "is_unit_leader", "is_active"))
        user._pairings_cadres = cached
    return cached


def led_units(user) -> list[int]:
    """The units `user` leads (as a cadre marked 单位负责人, in post)."""
    return [unit for unit, leads, active in user_cadres(user) if leads and active]


def _led_ids(user, key: str, read) -> list[int]:
    """Ids a unit leader reaches (their unit's cadres, those cadres' households), read once per
    user object as literal ids, so the reach is an indexed `= ANY(...)` OR-ed into the region
    prefix (a BitmapOr over the big tables, never a join or a scan)."""
    cache = user.__dict__.setdefault("_pairings_led_ids", {})
    if key not in cache:
        cache[key] = read()
    return cache[key]


def _led_cadres(user) -> list[int]:
    units = led_units(user)
    return _led_ids(user, "cadres", lambda: list(Cadre.objects.filter(unit_id__in=units).values_list("pk", flat=True)))


def _led_households(user) -> list[int]:
    cadres = _led_cadres(user)
    return _led_ids(
        user,
        "households",
        lambda: list(
            Pair.objects.filter(cadre_id__in=cadres).order_by().values_list("household_id", flat=True).distinct()
        ),
    )


def unit_leader_reach(model):
    """`reach(user)` for `regions.scoping.register_reach`: what a unit's leader may also view of
    `model` — the unit itself, its cadres, and their pairs, visits, owed visits, households and
    those households' must-visit events. None (nothing more) for everyone else."""

    def reach(user):
        if not led_units(user):
            return None
        if model is Unit:
            return Q(pk__in=led_units(user))
        if model is Cadre:
            return Q(unit_id__in=led_units(user))
        if model is Household:
            return Q(pk__in=_led_households(user))
        if model is MustVisitEvent:
            return Q(household_id__in=_led_households(user))
        return Q(cadre_id__in=_led_cadres(user))

    return reach


def register_unit_leader_reach() -> None:
    from regions.scoping import register_reach

    for model in (Unit, Cadre, Household, Pair, Visit, MustVisitEvent, OwedVisit):
        register_reach(model, unit_leader_reach(model))


def import_job_get(*, user, pk: int):
    """An import job, for the user who uploaded it only (anyone else: 404, like the ledgers' batches)."""
    from pairings.models import ImportJob

    job = ImportJob.objects.filter(pk=pk, created_by_id=getattr(user, "pk", None)).first()
    if job is None:
        raise Http404(_("未找到该导入任务。"))
    return job


def _support_get(queryset, user, pk, message):
    obj = restrict(queryset, user).filter(pk=pk).first()
    if obj is None:
        raise Http404(message)
    return obj


def support_assignment_get(*, user, pk):
    from pairings.models import SupportAssignment

    return _support_get(SupportAssignment.objects.select_related("unit", "region"), user, pk,
                        _("未找到该对口支援记录，或它不在您的管辖范围内。"))  # fmt: skip


def village_link_get(*, user, pk):
    from pairings.models import VillageLink

    return _support_get(VillageLink.objects.select_related("unit", "region"), user, pk,
                        _("未找到该联村帮户记录，或它不在您的管辖范围内。"))  # fmt: skip


def link_project_get(*, user, pk):
    from pairings.models import LinkProject

    return _support_get(LinkProject.objects.select_related("link__unit", "region"), user, pk,
                        _("未找到该联村项目，或它不在您的管辖范围内。"))  # fmt: skip


def training_get(*, user, pk):
    from pairings.models import Training

    return _support_get(Training.objects.select_related("link__unit", "region"), user, pk,
                        _("未找到该培训记录，或它不在您的管辖范围内。"))  # fmt: skip


def stay_get(*, user, pk):
    from pairings.models import Stay

    return _support_get(Stay.objects.select_related("cadre__unit", "region"), user, pk,
                        _("未找到该蹲点记录，或它不在您的管辖范围内。"))  # fmt: skip


def support_by_unit(*, user):
    """对口支援 by supporting unit: counties supported and cadres sent (and serving now), over the
    assignments the user may see (a few hundred rows province-wide; one grouped query)."""
    from django.utils import timezone

    from pairings.models import SupportAssignment

    today = timezone.localdate()
    queryset = restrict(SupportAssignment.objects.all(), user)
    return (
        queryset.values("unit_id", "unit__name", "unit__level", "unit__kind")
        .annotate(
            counties=Count("region", distinct=True),
            sent=Count("cadres", distinct=True),
            serving=Count(
                "cadres",
                filter=Q(cadres__ended_on__isnull=True) | Q(cadres__ended_on__gte=today),
                distinct=True,
            ),
        )
        .order_by("-sent", "unit__name", "unit_id")
    )


def support_by_county(*, user):
    """对口支援 by supported county: supporting units and cadres sent."""
    from pairings.models import SupportAssignment

    return (
        restrict(SupportAssignment.objects.all(), user)
        .values("region_id", "region__name")
        .annotate(units=Count("unit", distinct=True), sent=Count("cadres", distinct=True))
        .order_by("region_id")
    )
