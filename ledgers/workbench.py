"""The ledgers' cards on the workbench (工作台), registered from `LedgersConfig.ready()`.

- Township staff and village cadres (who enter and update items): their own scope's overdue items,
  items due within `DUE_SOON_DAYS` days, appeals a resident rated "not resolved" (reopened), what
  they registered this week, and their import batches still waiting.
- Leaders (who read their region): the region's overdue and due-soon items.

Every count goes through `regions.scoping.restrict` and `core.paginator.bounded_count` (one
bounded query each), and links to the list page filtered the same way (the list's FilterSet has
each filter: `overdue`, `due_soon`, `status`, `mine`, `registered_after`), so the number on the
card is the number the list shows.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core.paginator import bounded_count
from core.workbench import Card, CardItem, register
from ledgers.choices import AppealStatus
from ledgers.models import HardshipHousehold, ImportBatch, ImportStatus, LivelihoodAppeal, StabilityMatter
from regions.choices import Role
from regions.scoping import restrict, user_posts

LEADER_ROLES = (Role.TOWNSHIP_LEADER, Role.COUNTY_LEADER, Role.PREFECTURE_LEADER)
WAITING_IMPORTS = (ImportStatus.VALIDATED, ImportStatus.QUEUED, ImportStatus.RUNNING)
IMPORT_URLS = {
    "appeals": "ledgers:livelihoodappeal_import",
    "households": "ledgers:hardshiphousehold_import",
    "matters": "ledgers:stabilitymatter_import",
}


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


def week_start(today: datetime.date | None = None) -> datetime.date:
    """Monday of this week: "本周" on the workbench."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday())


class _Labels(NamedTuple):
    """What a ledger's to-do items say: the overdue item's label, and each item's explanation."""

    overdue: str
    overdue_help: str
    due_soon_help: str
    mine_help: str


def _registered_by_me(items, list_name: str, user, monday: datetime.date, label, help_text) -> CardItem:
    """The items `user` registered since `monday`, linked to the list filtered the same way."""
    return CardItem(
        label,
        bounded_count(items.filter(created_by_id=user.pk, registered_on__gte=monday)),
        _url(list_name, mine="true", registered_after=monday.isoformat()),
        "secondary",
        help_text,
    )


def _deadline_items(user, items, list_name: str, labels: _Labels, *, mine: bool, extra=()) -> list[CardItem]:
    """A ledger's to-do card: its overdue items, those due within 3 days, then `extra`, and (when
    `mine`) what the user registered this week; `items` is already restricted to the user's scope."""
    today = timezone.localdate()
    card_items = [
        CardItem(
            labels.overdue,
            bounded_count(items.overdue(today)),
            _url(list_name, overdue="true"),
            "danger",
            labels.overdue_help,
        ),
        CardItem(
            _("3 天内到期"),
            bounded_count(items.due_soon(today)),
            _url(list_name, due_soon="true"),
            "warning",
            labels.due_soon_help,
        ),
        *extra,
    ]
    if mine:
        card_items.append(
            _registered_by_me(items, list_name, user, week_start(today), _("本周我登记的"), labels.mine_help)
        )
    return card_items


APPEAL_LABELS = _Labels(
    overdue=_("已逾期"),
    overdue_help=_("未办结且已过承诺办结日期的民生诉求"),
    due_soon_help=_("未办结、承诺办结日期在今天到 3 天后之间的民生诉求"),
    mine_help=_("由我录入、登记日期在本周（周一起）的民生诉求"),
)
MATTER_LABELS = _Labels(
    overdue=_("已超过化解期限"),
    overdue_help=_("未化解且已过化解期限的稳定事项"),
    due_soon_help=_("未化解、化解期限在今天到 3 天后之间的稳定事项"),
    mine_help=_("由我录入、登记日期在本周（周一起）的稳定事项"),
)


def _appeal_items(user, *, mine: bool) -> list[CardItem]:
    appeals = restrict(LivelihoodAppeal.objects.live(), user)
    name = "ledgers:livelihoodappeal_list"
    reopened = CardItem(
        _("群众评价“未解决”，待重新办理"),
        bounded_count(appeals.filter(status=AppealStatus.REOPENED)),
        _url(name, status=AppealStatus.REOPENED),
        "info",
        _("群众通过评价链接认为未解决、已转为重新办理的民生诉求"),
    )
    return _deadline_items(user, appeals, name, APPEAL_LABELS, mine=mine, extra=[reopened])


def _matter_items(user, *, mine: bool) -> list[CardItem]:
    matters = restrict(StabilityMatter.objects.live(), user)
    return _deadline_items(user, matters, "ledgers:stabilitymatter_list", MATTER_LABELS, mine=mine)


def _my_work_items(user) -> list[CardItem]:
    monday = week_start()
    households = restrict(HardshipHousehold.objects.live(), user)
    # Import batches are visible to their uploader only (they hold the file's raw rows).
    waiting = ImportBatch.objects.filter(created_by_id=user.pk, status__in=WAITING_IMPORTS)
    batches = list(waiting.order_by("-created_at", "-id").values_list("kind", flat=True)[:21])
    count = len(batches)
    return [
        _registered_by_me(
            households,
            "ledgers:hardshiphousehold_list",
            user,
            monday,
            _("本周我登记的困难户"),
            _("由我录入、登记日期在本周（周一起）的困难群众"),
        ),
        CardItem(
            _("待处理的导入批次"),
            count,
            reverse(IMPORT_URLS.get(batches[0], IMPORT_URLS["appeals"])) if batches else "",
            "warning",
            _("已校验但尚未选择导入方式，或正在排队、正在导入的批次（只含我上传的）"),
            text="20+" if count > 20 else "",
        ),
    ]


def is_leader(user) -> bool:
    return any(post.role in LEADER_ROLES for post in user_posts(user))


def register_cards() -> None:
    register(
        Card(
            key="ledgers.appeals",
            title=_("民生诉求待办"),
            permission="ledgers.change_livelihoodappeal",
            items=lambda user: _appeal_items(user, mine=True),
            order=10,
            icon="chat-square-text",
        )
    )
    register(
        Card(
            key="ledgers.matters",
            title=_("稳定事项待办"),
            permission="ledgers.change_stabilitymatter",
            items=lambda user: _matter_items(user, mine=True),
            order=11,
            icon="shield-check",
        )
    )
    register(
        Card(
            key="ledgers.mine",
            title=_("我的登记与导入"),
            permission="ledgers.change_hardshiphousehold",
            items=_my_work_items,
            order=12,
            icon="person-check",
        )
    )
    # Leaders read their region: its overdue and due-soon items (they do not enter items).
    register(
        Card(
            key="ledgers.region",
            title=_("辖区民生诉求"),
            permission="ledgers.view_livelihoodappeal",
            items=lambda user: _appeal_items(user, mine=False),
            order=20,
            icon="chat-square-text",
            applies=is_leader,
        )
    )
    register(
        Card(
            key="ledgers.region_matters",
            title=_("辖区稳定事项"),
            permission="ledgers.view_stabilitymatter",
            items=lambda user: _matter_items(user, mine=False),
            order=21,
            icon="shield-check",
            applies=is_leader,
        )
    )
