"""One FilterSet for the auditor's pages, the export and /api/v1/audit-events/.

Strict: an unknown action, a date that is not a date, an address that is not an IP address or a
region code that is not 2–12 digits is a field error (a message on the page, 400 in the API).
It narrows a queryset the selector has already restricted to the auditor's scope.
"""

import datetime

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import Action, Outcome
from audit.models import AuditEvent
from core.filters import BoundedDateFilter, StableOrderingFilter
from regions.filters import code_validator

SEARCH_MAX_LENGTH = 100


def object_type_choices():
    """Every model of the project's apps, as stored in `object_type` ("ledgers.hardshiphousehold")."""
    labels = ("accounts", "regions", "ledgers", "petitions", "pairings", "reports", "audit")
    return sorted(
        (
            (model._meta.label_lower, str(model._meta.verbose_name))
            for model in apps.get_models()
            if model._meta.app_label in labels
        ),
        key=lambda choice: choice[0],
    )


class AuditEventFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("at_after"), cleaned.get("at_before")
        if low and high and low > high:
            self.add_error("at_before", _("结束日期不能早于开始日期。"))
        return cleaned


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class IPAddressFilter(django_filters.Filter):
    field_class = forms.GenericIPAddressField


class AuditEventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q", max_length=SEARCH_MAX_LENGTH)
    actor = django_filters.CharFilter(
        label=_("操作人"), field_name="actor_name", lookup_expr="icontains", max_length=150
    )
    action = django_filters.ChoiceFilter(label=_("操作"), choices=Action.choices)
    outcome = django_filters.ChoiceFilter(label=_("结果"), choices=Outcome.choices)
    object_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=())
    object_id = django_filters.CharFilter(label=_("对象编号"), max_length=64)
    region = django_filters.CharFilter(
        label=_("所属区划（含下级）"), field_name="region_code", lookup_expr="startswith", validators=[code_validator]
    )
    # Whole days in the local time zone, as a range on the indexed timestamp (no per-row date cast).
    at_after = BoundedDateFilter(label=_("开始日期"), method="filter_at_after")
    at_before = BoundedDateFilter(label=_("结束日期"), method="filter_at_before")
    ip = IPAddressFilter(label=_("来源地址"), field_name="ip_address")
    ordering = StableOrderingFilter(
        label=_("排序"),
        fields=(
            ("at", "at"),
            ("actor_name", "actor"),
            ("action", "action"),
            ("outcome", "outcome"),
            ("object_type", "object_type"),
            ("region_code", "region"),
            ("ip_address", "ip"),
        ),
    )

    class Meta:
        model = AuditEvent
        form = AuditEventFilterForm
        fields = [
            "q",
            "actor",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "region",
            "at_after",
            "at_before",
            "ip",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Models are known only once the app registry is ready, so the choices are filled here.
        object_type = self.filters["object_type"]
        object_type.extra["choices"] = object_type_choices()
        # A field built before (the API schema builds the class's filters' fields, and instances
        # copy them) would keep its empty choices and refuse every type: build it again.
        object_type.__dict__.pop("_field", None)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(message__icontains=value)
            | Q(object_id=value)
            | Q(object_type__icontains=value)
        )

    def filter_at_after(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_at_before(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))

    @property
    def qs(self):
        queryset = super().qs
        # A stable order for pagination: the chosen column, then newest first.
        ordering = [str(o) for o in queryset.query.order_by] or ["-at"]
        if "-id" not in ordering and "id" not in ordering:
            ordering.append("-id")
        return queryset.order_by(*ordering)
