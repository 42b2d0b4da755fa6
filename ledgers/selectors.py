"""Reads of the ledgers, always through the user's scope.

`<entity>_list(*, user, filters=None)` returns `(filterset, queryset)`: the queryset is
restricted to what `user` may see first, then narrowed by the FilterSet, then given its
`select_related` / `prefetch_related`, so a list page runs the same number of queries whatever
its size. When `filters` is malformed, `filterset.errors` says why and the queryset is empty
(pages show the errors; the API answers 400 through its filter backend).

`<entity>_get(*, user, pk)` returns one record or raises Http404 when it does not exist or is
outside the user's scope (the two are indistinguishable on purpose).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.selectors import object_history
from core.money import format_money
from core.sensitive import personal_data_of
from ledgers.choices import HouseholdStatus
from ledgers.filters import (
    HardshipHouseholdFilterSet,
    LivelihoodAppealFilterSet,
    StabilityMatterFilterSet,
    VillageProfileFilterSet,
    within_of,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdHardship,
    HouseholdMember,
    LivelihoodAppeal,
    MediationStep,
    StabilityMatter,
    VillageProfile,
)
from ledgers.querysets import LivelihoodAppealQuerySet, StabilityMatterQuerySet
from regions.models import Region
from regions.scoping import restrict


def _list(model, filterset_class, *, user, filters, prefetch=(), row_regions=True):
    # A region filter narrows the scope itself (one prefix condition, not the scope's and the
    # filter's both); the FilterSet still validates it, and does not apply it again.
    within = within_of(filters)
    queryset = restrict(model.objects.all(), user, within=within)
    # The FilterSet sees the user as the API's does (`request.user`), for filters such as `mine`.
    filterset = filterset_class(filters if filters is not None else {}, queryset=queryset, request=_Requester(user))
    filterset.within = within
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    # The regions of the page's rows are fetched afterwards (one small query: the villages joined
    # to their townships), not joined to the rows: a join before ORDER BY ... LIMIT would join
    # every matching row of a county, not 20.
    # A page that shows only the regions' names reads them with `row_region_names` instead.
    return filterset, rows.prefetch_related(*((_row_regions(),) if row_regions else ()), *prefetch)


class _Requester:
    def __init__(self, user):
        self.user = user


def _get(queryset, *, user, pk, label):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if pk is not None and not 1 <= pk <= 2**63 - 1:
        pk = None  # beyond any id: the database would refuse the comparison
    obj = restrict(queryset, user).filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404(
            _("未找到编号为 %(pk)s 的%(label)s，或它不在您的管辖范围内。") % {"pk": str(pk)[:20], "label": label}
        )
    return obj


# Regions shown beside every row: the village and its township (one join each, no N+1).
_REGION = ("region", "region__parent")


def _row_regions() -> Prefetch:
    """The villages of a list's rows and their townships, in one query (the `_REGION` of a list)."""
    return Prefetch("region", queryset=Region.objects.select_related("parent"))


def row_region_names(rows) -> dict[str, tuple[str, str]]:
    """The names of the villages of rows already read through the scope, and of their townships:
    {code: (village, township or "")}, in one small query (the names `_row_regions` gives as
    objects, without making a model instance of each village and township)."""
    codes = {row.region_id for row in rows}
    if not codes:
        return {}
    names = Region.objects.filter(code__in=codes).values_list("code", "name", "parent__name")
    return {code: (name, township or "") for code, name, township in names}


# --- 民生诉求 ----------------------------------------------------------------------------------
def appeal_list(*, user, filters=None, row_regions=True):
    """`row_regions=False`: the rows without their regions (the list page reads their names with
    `row_region_names`)."""
    return _list(LivelihoodAppeal, LivelihoodAppealFilterSet, user=user, filters=filters, row_regions=row_regions)


def appeal_get(*, user, pk) -> LivelihoodAppeal:
    queryset = LivelihoodAppeal.objects.select_related(*_REGION, "responsible_user", "created_by")
    return _get(queryset, user=user, pk=pk, label=_("民生诉求"))


# --- 困难群众 ----------------------------------------------------------------------------------
def household_list(*, user, filters=None):
    return _list(
        HardshipHousehold,
        HardshipHouseholdFilterSet,
        user=user,
        filters=filters,
        prefetch=(Prefetch("hardships", queryset=HouseholdHardship.objects.order_by("type")),),
    )


def household_get(*, user, pk) -> HardshipHousehold:
    queryset = HardshipHousehold.objects.select_related(*_REGION, "created_by").prefetch_related(
        Prefetch("hardships", queryset=HouseholdHardship.objects.order_by("type")),
        Prefetch("members", queryset=HouseholdMember.objects.order_by("id")),
        Prefetch("help_records", queryset=HelpRecord.objects.order_by("-given_on", "-id")),
    )
    return _get(queryset, user=user, pk=pk, label=_("困难群众"))


# --- 稳定工作 ----------------------------------------------------------------------------------
def matter_list(*, user, filters=None):
    return _list(StabilityMatter, StabilityMatterFilterSet, user=user, filters=filters)


def matter_get(*, user, pk) -> StabilityMatter:
    queryset = StabilityMatter.objects.select_related(*_REGION, "created_by").prefetch_related(
        Prefetch("steps", queryset=MediationStep.objects.order_by("happened_on", "id"))
    )
    return _get(queryset, user=user, pk=pk, label=_("稳定事项"))


# --- 四个知晓 ----------------------------------------------------------------------------------
def profile_list(*, user, filters=None):
    return _list(VillageProfile, VillageProfileFilterSet, user=user, filters=filters)


def profile_get(*, user, pk) -> VillageProfile:
    return _get(VillageProfile.objects.select_related(*_REGION), user=user, pk=pk, label=_("四个知晓"))


def profile_for_region(*, user, region) -> VillageProfile | None:
    """The profile of a village the user may see, or None when nobody has written it yet."""
    return restrict(VillageProfile.objects.select_related(*_REGION), user).filter(region=region).first()


# --- Overview ----------------------------------------------------------------------------------
def ledger_overview(*, user, region) -> dict:
    """Counts of the three ledgers in `region`'s subtree, as far as `user` may see: four queries."""
    today = timezone.localdate()
    prefix = {"region__code__startswith": region.code, "voided_at__isnull": True}  # voided count nowhere
    appeals = restrict(LivelihoodAppeal.objects.filter(**prefix), user).aggregate(
        total=Count("id"),
        open=Count("id", filter=LivelihoodAppealQuerySet.open_q()),
        overdue=Count("id", filter=LivelihoodAppealQuerySet.overdue_q(today)),
    )
    households = restrict(HardshipHousehold.objects.filter(**prefix), user).aggregate(
        total=Count("id"), active=Count("id", filter=Q(status=HouseholdStatus.ACTIVE))
    )
    matters = restrict(StabilityMatter.objects.filter(**prefix), user).aggregate(
        total=Count("id"),
        open=Count("id", filter=StabilityMatterQuerySet.open_q()),
        overdue=Count("id", filter=StabilityMatterQuerySet.overdue_q(today)),
    )
    profiles = restrict(VillageProfile.objects.filter(region__code__startswith=region.code), user).count()
    return {"appeals": appeals, "households": households, "matters": matters, "profiles": profiles}


# --- History -----------------------------------------------------------------------------------
# Entries in `changes` that are not model fields: what the services record for them.
EXTRA_CHANGE_LABELS = {
    "reason": gettext_lazy("原因"),
    "score": gettext_lazy("满意度"),
    "hardship_types": gettext_lazy("困难类型"),
    "voided": gettext_lazy("作废"),
    "member_added": gettext_lazy("新增家庭成员"),
    "help_added": gettext_lazy("新增帮扶记录"),
    "step_added": gettext_lazy("新增调解记录"),
}


def _display(field, value):
    if value in (None, ""):
        return "—"
    if field is not None and field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.many_to_one and isinstance(value, int | str):
        # A reference (category, region) by its name; a case record stays a number: the reader
        # may not see the case it points at.
        from regions.scoping import is_scoped_model

        target = field.related_model
        if not is_scoped_model(target):
            try:
                found = target._default_manager.filter(pk=value).first()
            except (ValueError, ValidationError):  # a value recorded as text, not a key
                found = None
            if found is not None:
                return str(found)
    if field is not None and field.name.endswith("_fen") and isinstance(value, int):
        return format_money(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if field is not None and field.get_internal_type() == "DateTimeField" and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _help_text(value):
    """A help record as the history shows it: "2026-11-20 资金 1,500.50 元" (recorded as its date,
    kind and amount in fen; entries recorded before that kept their text)."""
    if not isinstance(value, dict):
        return _display(None, value)
    from ledgers.choices import HelpKind

    kind = dict(HelpKind.choices).get(value.get("kind"), value.get("kind"))
    return f"{value.get('given_on', '')} {kind} {format_money(value.get('amount_fen') or 0)}"


def _hardship_labels(values):
    from ledgers.choices import HardshipType

    labels = dict(HardshipType.choices)
    return "、".join(str(labels.get(v, v)) for v in values or []) or "—"


def entry_history(obj, *, limit: int = 200, labels: dict | None = None) -> list[dict]:
    """Every recorded change to `obj`, newest first, ready to show: who, when, what, old → new,
    with field verbose names and choice labels. Personal data was masked when it was recorded.

    The caller has fetched `obj` through the scope (`*_get`), so its history is visible too.
    `labels` names the entries another app's services record that are not model fields.
    """
    extra_labels = {**EXTRA_CHANGE_LABELS, **(labels or {})}
    model = type(obj)
    fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    rows = []
    for event in object_history(obj=obj).select_related("actor")[:limit]:
        changes = []
        for name, pair in (event.changes or {}).items():
            if name in personal_data_of(model).hidden:  # lookup digests, health notes: not listed
                continue
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            field = fields.get(name)
            if name == "hardship_types":
                old_text, new_text = _hardship_labels(old), _hardship_labels(new)
            elif name == "help_added":
                old_text, new_text = _help_text(old), _help_text(new)
            else:
                old_text, new_text = _display(field, old), _display(field, new)
            label = extra_labels.get(name) or (field.verbose_name if field is not None else name)
            if field is not None and name.endswith("_fen"):
                label = str(label).replace("（分）", "")
            changes.append({"field": name, "label": label, "old": old_text, "new": new_text})
        rows.append(
            {
                "at": event.at,
                "actor": event.actor_name or (str(event.actor) if event.actor_id else _("群众（评价链接）")),
                "action": event.get_action_display(),
                "action_code": event.action,
                "message": event.message,
                "changes": changes,
            }
        )
    return rows


# --- 四个知晓 by village -------------------------------------------------------------------------
def profile_village_list(*, user, filters=None):
    """The villages the user may see, each with its profile (or none yet): `(filterset, regions)`.

    The filters are validated with VillageProfileFilterSet (region prefix, q) and applied to the
    villages, so a village nobody has described yet is listed too.
    """
    from regions.choices import Level
    from regions.models import Region

    filterset = VillageProfileFilterSet(filters if filters is not None else {}, queryset=VillageProfile.objects.none())
    villages = restrict(Region.objects.filter(level=Level.VILLAGE), user)
    if not filterset.is_valid():
        return filterset, villages.none()
    data = filterset.form.cleaned_data
    if data.get("region"):
        villages = villages.filter(code__startswith=data["region"])
    if data.get("q"):
        q = data["q"].strip()
        villages = villages.filter(
            Q(name__icontains=q)
            | Q(profile__village_conditions__icontains=q)
            | Q(profile__household_conditions__icontains=q)
            | Q(profile__expectations__icontains=q)
            | Q(profile__problems__icontains=q)
        )
    return filterset, villages.select_related("parent", "profile").order_by("code")


def profile_village_get(*, user, code):
    """(village, profile or None) for a village the user may see; 404 otherwise."""
    from regions.choices import Level
    from regions.selectors import region_get

    region = region_get(user=user, code=str(code))
    if region.level != Level.VILLAGE:
        raise Http404(_("“四个知晓”按村（社区）填写，%(name)s 不是村（社区）。") % {"name": region.name})
    return region, profile_for_region(user=user, region=region)
