"""The provincial office's cards on the workbench (工作台), registered from `ReportsConfig.ready()`.

- "全省概况": the headline figures of the user's highest region, read from the summaries (one
  query for the figures, one for the summary state), and when they were computed ("数据截至").
- "超期最多的地区": the child regions with the most overdue appeals and stability matters, live
  (overdue depends on today), through the records' own scope: one grouped query per ledger over the
  partial indexes of open records, kept in the cache for `OVERDUE_CACHE_SECONDS`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.workbench import Card, CardItem, register
from regions.choices import Role
from regions.scoping import restrict, scope_prefixes, user_posts

VIEW_PERMISSION = "reports.view_summary"
HEADLINE = ("problems_registered", "problems_resolved", "satisfaction_rate", "funds_invested_fen")
TOP_REGIONS = 5
OVERDUE_CACHE_SECONDS = 300
# A region's code length -> its children's (province 2, prefecture 4, county 6, township 9, village 12).
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}


def root_code(user) -> str:
    prefixes = scope_prefixes(user, VIEW_PERMISSION)
    return prefixes[0] if prefixes else settings.JICENG_PROVINCE_CODE


def is_provincial_office(user) -> bool:
    return user.is_superuser or any(post.role == Role.PROVINCIAL_OFFICE for post in user_posts(user))


def _headline_items(user) -> list[CardItem]:
    from reports import selectors
    from reports.metrics import figure, get_metric, stored_keys_for
    from reports.templatetags.reports_tags import format_figure

    code = root_code(user)
    state = selectors.summary_state()
    dashboard = reverse("reports:region_dashboard", args=[code])
    if state is None or state.visible_generation is None:
        return [CardItem(_("数据截至"), 0, dashboard, text=str(_("尚未生成统计数据")))]
    metrics = [get_metric(key) for key in HEADLINE]
    values = selectors.values_by_region(user=user, codes=[code], keys=stored_keys_for(metrics), state=state)
    own = values.get((code, ""), {})
    items = []
    for metric in metrics:
        fig = figure(metric, own)
        items.append(
            CardItem(
                str(metric.label),
                0,
                dashboard,
                "primary",
                str(metric.definition),
                text=format_figure(fig, headline=True),
            )
        )
    as_of = timezone.localtime(state.data_as_of).strftime("%Y-%m-%d %H:%M") if state.data_as_of else "—"
    items.append(CardItem(_("数据截至"), 0, dashboard, "secondary", _("最近一次统计刷新开始的时间"), text=as_of))
    return items


def overdue_by_child(user, code: str) -> list[tuple[str, str, int]]:
    """[(child code, name, overdue appeals + matters)] of the children of `code` with the most,
    at most TOP_REGIONS, through the user's scope."""
    from regions.models import Region

    length = CHILD_LENGTH.get(len(code))
    if length is None:
        return []
    key = f"workbench.overdue-counts:{code}:{timezone.localdate().isoformat()}:{','.join(scope_prefixes(user, VIEW_PERMISSION) or ['*'])}"
    top = cache.get(key)
    if top is None:
        top = _overdue_counts(user, code, length)
        cache.set(key, top, OVERDUE_CACHE_SECONDS)
    # The names are read every time (one small query): a renamed region shows its new name at once.
    names = dict(Region.objects.filter(code__in=[c for c, _n in top]).values_list("code", "name"))
    return [(child, names.get(child, child), n) for child, n in top]


def _overdue_counts(user, code: str, length: int) -> list[tuple[str, int]]:
    from ledgers.models import LivelihoodAppeal, StabilityMatter

    totals: dict[str, int] = {}
    for model in (LivelihoodAppeal, StabilityMatter):
        rows = (
            restrict(model.objects.overdue(), user)
            .filter(region__code__startswith=code)
            .annotate(child=Substr("region_id", 1, length))
            .values("child")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            totals[row["child"]] = totals.get(row["child"], 0) + row["n"]
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:TOP_REGIONS]


def _overdue_items(user) -> list[CardItem]:
    url = reverse("ledgers:livelihoodappeal_list")
    return [
        CardItem(
            name,
            count,
            f"{url}?{urlencode({'overdue': 'true', 'region': child})}",
            "danger",
            _("已逾期的民生诉求与已超过化解期限的稳定事项（实时，5 分钟内有效）"),
        )
        for child, name, count in overdue_by_child(user, root_code(user))
    ]


def register_cards() -> None:
    register(
        Card(
            key="reports.headline",
            title=_("全省概况"),
            permission=VIEW_PERMISSION,
            items=_headline_items,
            order=5,
            icon="bar-chart",
            applies=is_provincial_office,
        )
    )
    register(
        Card(
            key="reports.overdue_regions",
            title=_("超期最多的地区"),
            permission=VIEW_PERMISSION,
            items=_overdue_items,
            order=6,
            icon="exclamation-triangle",
            applies=is_provincial_office,
        )
    )
