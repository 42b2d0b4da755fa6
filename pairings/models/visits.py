"""Visits (走访), the five must-visit events (五必访) and the visits they make owed, the Warm
Winter campaign (暖冬行动)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from pairings.choices import MustVisitKind, OwedStatus, VisitKind
from pairings.models.pairs import Household, Pair
from pairings.models.units import Cadre
from regions.models import Region
from regions.scoping import ScopeSpec


class Visit(TimeStampedModel):
    """A cadre's visit to a paired household: when, what kind, what was found, help given (money
    in integer fen, goods, service), follow-up. Cadre, household and village repeat the pair's so
    that a cadre's, a household's or a region's visits are one indexed lookup."""

    pair = models.ForeignKey(Pair, verbose_name=_("结对"), on_delete=models.PROTECT, related_name="visits")
    cadre = models.ForeignKey(Cadre, verbose_name=_("帮扶干部"), on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(
        Household, verbose_name=_("结对对象"), on_delete=models.PROTECT, related_name="visits"
    )
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("走访日期"))
    kind = models.CharField(_("走访类型"), max_length=20, choices=VisitKind.choices, default=VisitKind.ROUTINE)
    found = models.TextField(_("了解到的情况"), blank=True)
    help_money_fen = models.BigIntegerField(_("帮扶资金（分）"), default=0)
    help_goods = models.CharField(_("帮扶物资"), max_length=200, blank=True)
    help_service = models.CharField(_("帮扶服务"), max_length=200, blank=True)
    follow_up_needed = models.BooleanField(_("需要跟进"), default=False)
    follow_up = models.CharField(_("跟进事项"), max_length=300, blank=True)
    # The pair's first Warm Winter visit of its season (Spring Festival year): what coverage counts.
    first_of_season = models.BooleanField(_("本季首次暖冬走访"), default=False, editable=False)
    # The cadre's user account, repeated so that "a cadre sees their own" is an indexed column of
    # this table (OR-ed with the region prefix: a BitmapOr, not a join over millions of rows).
    # Kept by the services (pair creation, visits, events, and cadre_update when the link changes).
    cadre_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("cadre_user",))

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["region", "visited_on"], name="visit_region_date"),
            models.Index(fields=["cadre", "visited_on"], name="visit_cadre_date"),
            models.Index(fields=["household", "visited_on"], name="visit_household_date"),
            models.Index(fields=["pair", "kind", "visited_on"], name="visit_pair_kind_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(help_money_fen__gte=0), name="visit_money_not_negative"),
        ]
        permissions = [("export_visit", _("导出走访记录"))]

    def __str__(self):
        return f"{self.visited_on} {self.get_kind_display()}"


class MustVisitEvent(TimeStampedModel):
    """One of the five must-visit events (五必访) on a household. Recording it makes a visit owed
    by each of the household's active paired cadres. Once per household, kind and day."""

    household = models.ForeignKey(
        Household, verbose_name=_("结对对象"), on_delete=models.PROTECT, related_name="must_visit_events"
    )
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事件类型"), max_length=20, choices=MustVisitKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    note = models.CharField(_("情况说明"), max_length=300, blank=True)
    # Raised from a ledger record by an explicit staff action: linked both ways.
    source_hardship = models.ForeignKey(
        "ledgers.HardshipHousehold",
        verbose_name=_("来源：困难群众台账"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="must_visit_events",
    )
    source_matter = models.ForeignKey(
        "ledgers.StabilityMatter",
        verbose_name=_("来源：稳定工作台账"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="must_visit_events",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("必访事件")
        verbose_name_plural = _("必访事件")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["region", "occurred_on"], name="mustvisit_region_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind", "occurred_on"], name="mustvisit_unique_household_kind_day"
            ),
        ]

    def __str__(self):
        return f"{self.household} · {self.get_kind_display()} · {self.occurred_on}"


class OwedVisit(models.Model):
    """A must-visit owed by one paired cadre for one event, due `due_on`. Fulfilled by a
    must-visit visit of that cadre to that household on or after the event's day; marked overdue
    by the daily task once `due_on` has passed. `on_time` is set when it is fulfilled."""

    event = models.ForeignKey(
        MustVisitEvent, verbose_name=_("必访事件"), on_delete=models.CASCADE, related_name="owed_visits"
    )
    pair = models.ForeignKey(Pair, verbose_name=_("结对"), on_delete=models.PROTECT, related_name="owed_visits")
    cadre = models.ForeignKey(Cadre, verbose_name=_("帮扶干部"), on_delete=models.PROTECT, related_name="owed_visits")
    household = models.ForeignKey(Household, verbose_name=_("结对对象"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事件类型"), max_length=20, choices=MustVisitKind.choices)
    event_on = models.DateField(_("事件日期"))
    due_on = models.DateField(_("应访日期"))
    status = models.CharField(_("状态"), max_length=10, choices=OwedStatus.choices, default=OwedStatus.OWED)
    visit = models.ForeignKey(
        Visit, verbose_name=_("走访记录"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fulfilled_on = models.DateField(_("走访日期"), null=True, blank=True)
    on_time = models.BooleanField(_("按时走访"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The cadre's user account, repeated so that "a cadre sees their own" is an indexed column of
    # this table (OR-ed with the region prefix: a BitmapOr, not a join over millions of rows).
    # Kept by the services (pair creation, visits, events, and cadre_update when the link changes).
    cadre_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("cadre_user",))

    class Meta:
        verbose_name = _("应访记录")
        verbose_name_plural = _("应访记录")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["cadre", "status", "due_on"], name="owed_cadre_status_due"),
            models.Index(fields=["region", "status", "due_on"], name="owed_region_status_due"),
            models.Index(fields=["status", "due_on"], name="owed_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "cadre"], name="owed_unique_event_cadre"),
            models.CheckConstraint(
                condition=models.Q(status="fulfilled", fulfilled_on__isnull=False, on_time__isnull=False)
                | models.Q(status__in=["owed", "overdue"], fulfilled_on__isnull=True),
                name="owed_fulfilled_has_date",
            ),
        ]
        permissions = [("export_owedvisit", _("导出应访记录"))]

    def __str__(self):
        return f"{self.cadre} · {self.household} · {self.get_kind_display()}"


class Campaign(models.Model):
    """A Warm Winter campaign (暖冬行动): a dated window (around the Spring Festival) in a region.
    Coverage: the share of the region's pairs active in the window that had a Warm Winter visit
    within it."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(Region, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scoping = ScopeSpec(region_field="region")

    class Meta:
        verbose_name = _("暖冬行动")
        verbose_name_plural = _("暖冬行动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates_order"),
        ]

    def __str__(self):
        return self.name
