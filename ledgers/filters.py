"""One FilterSet per ledger, shared by the list pages, the exports and the API.

Strict: a malformed value (an unknown status, a date that is not a date, a region code that is
not 2–12 digits, `overdue=maybe`) is a field error, never silently ignored. Pages show the
errors as a message above the table; the API answers 400 with them.

Every FilterSet narrows a queryset that the selector has already restricted to the user's
scope, so the `region` filter only narrows further: an out-of-scope code simply gives nothing.
"""

import operator
from functools import reduce

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import decrypt, encrypt, keyed_hashes
from core.filters import DateRangeForm, FixedFiltersMixin, StableOrderingFilter, StrictBooleanFilter
from core.validators import mask_personal_numbers, normalize_id_number
from ledgers.choices import (
    AppealCategory,
    AppealStatus,
    HardshipType,
    HouseholdStatus,
    MatterStatus,
    MatterType,
    RiskLevel,
    Triage,
)
from ledgers.models import (
    HardshipHousehold,
    HouseholdHardship,
    HouseholdMember,
    LivelihoodAppeal,
    StabilityMatter,
    VillageProfile,
)
from regions.filters import code_validator

SEARCH_MAX_LENGTH = 100


class LedgerFilterForm(DateRangeForm):
    """Cross-field checks: a date range whose end comes before its start is an error."""

    RANGES = (("registered_after", "registered_before"),)


class SearchFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault("label", _("关键词"))
        super().__init__(*args, **kwargs)


def within_of(filters) -> str | None:
    """The region code a list's `region` filter asks for, when it is one (else None): the selector
    restricts the scope to that subtree itself (`restrict(within=)`), so the database sees one
    prefix condition, not the scope's and the filter's both; RegionPrefixFilter then skips it."""
    region = filters.get("region") if filters else None
    return region.strip() if isinstance(region, str) and region.strip().isdigit() else None


class RegionPrefixFilter(django_filters.CharFilter):
    """A division code (2–12 digits) and everything below it: one prefix LIKE on region_id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("所属区划（含下级）"))
        kwargs.setdefault("field_name", "region__code")
        kwargs.setdefault("lookup_expr", "startswith")
        kwargs.setdefault("validators", [code_validator])
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        value = value.strip() if value else value
        if value and getattr(self.parent, "within", None) == value:
            return qs  # the selector restricted the scope to this subtree already (`restrict(within=)`)
        # "region__code__startswith" compiles to region_id LIKE 'prefix%' (Region's pk is its code).
        return super().filter(qs, value)


class LedgerOrderingFilter(StableOrderingFilter):
    """The sortable columns of a ledger list, in the order given: a column every ledger has
    (registered_on, status, region_id) by its name alone, any other as (field, label). The region
    sorts by its code under the parameter `region`."""

    SHARED_LABELS = {"registered_on": _("登记日期"), "status": _("状态"), "region_id": _("村（社区）")}
    PARAMS = {"region_id": "region"}

    def __init__(self, *columns, **kwargs):
        labels = dict((column, self.SHARED_LABELS[column]) if isinstance(column, str) else column for column in columns)
        kwargs.setdefault("label", _("排序"))
        kwargs["fields"] = tuple((field, self.PARAMS.get(field, field)) for field in labels)
        kwargs["field_labels"] = labels
        super().__init__(**kwargs)


class SearchFilterSet(django_filters.FilterSet):
    """The `q` box: the trimmed text, case-insensitively, in any of `search_fields`. Each
    FilterSet declares its own `q` (the help text says what is searched)."""

    search_fields: tuple[str, ...] = ()

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(self.search_q(value))

    def search_q(self, value: str) -> Q:
        return reduce(operator.or_, (Q(**{f"{field}__icontains": value}) for field in self.search_fields))


class LedgerEntryFilterSet(FixedFiltersMixin, SearchFilterSet):
    """What every ledger's list filters on: the village (subtree) and the registration date range,
    checked together by LedgerFilterForm. Abstract: each ledger names its model, and lists its
    filters in `Meta.fields` in the order the page and the API show them."""

    region = RegionPrefixFilter()
    registered_after = django_filters.DateFilter(field_name="registered_on", lookup_expr="gte", label=_("登记日期起"))
    registered_before = django_filters.DateFilter(field_name="registered_on", lookup_expr="lte", label=_("登记日期止"))
    # "我登记的": the entries the requesting user entered (the workbench links here).
    mine = StrictBooleanFilter(label=_("我登记的"), method="filter_mine")
    # Voided records (作废) are left out of every list unless asked for: `voided=true` lists only them.
    voided = StrictBooleanFilter(label=_("已作废"), method="filter_voided")

    class Meta:
        form = LedgerFilterForm

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        mine = Q(created_by_id=getattr(user, "pk", None))
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_voided(self, queryset, name, value):
        return queryset  # applied in filter_queryset, so the default (not given) leaves them out too

    def filter_queryset(self, queryset):
        voided = self.form.cleaned_data.get("voided") is True
        return super().filter_queryset(queryset.filter(voided_at__isnull=not voided))


class DeadlineEntryFilterSet(LedgerEntryFilterSet):
    """Ledgers whose entries fall due, as their queryset defines it (ledgers.querysets.DueQuerySet):
    `overdue=true` = still open and past the due date, `overdue=false` everything else;
    `due_soon=true` = still open and due within 3 days, `due_soon=false` everything else."""

    overdue = StrictBooleanFilter(label=_("已逾期"), method="filter_overdue")
    due_soon = StrictBooleanFilter(label=_("即将到期（3 天内）"), method="filter_due_soon")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.overdue() if value else queryset.not_overdue()

    def filter_due_soon(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.due_soon() if value else queryset.not_due_soon()


class LivelihoodAppealFilterSet(DeadlineEntryFilterSet):
    """民生诉求 lists: search, category, status, triage, village, overdue, date ranges, ordering."""

    search_fields = ("title", "raiser_name", "responsible_person")

    q = SearchFilter(method="filter_q", help_text=_("诉求事项、反映人或责任人"))
    category = django_filters.MultipleChoiceFilter(label=_("类别"), choices=AppealCategory.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=AppealStatus.choices)
    triage = django_filters.ChoiceFilter(label=_("办理方式"), choices=Triage.choices)
    promised_before = django_filters.DateFilter(
        field_name="promised_date", lookup_expr="lte", label=_("承诺办结日期不晚于")
    )
    ordering = LedgerOrderingFilter(
        "registered_on",
        ("promised_date", _("承诺办结日期")),
        ("funds_spent_fen", _("投入资金")),
        "status",
        ("category", _("类别")),
        "region_id",
    )

    class Meta(DeadlineEntryFilterSet.Meta):
        model = LivelihoodAppeal
        fields = [
            "q",
            "category",
            "status",
            "triage",
            "region",
            "overdue",
            "due_soon",
            "registered_after",
            "registered_before",
            "promised_before",
            "mine",
            "voided",
            "ordering",
        ]


def looks_like_id_number(value: str) -> bool:
    number = normalize_id_number(value)
    return len(number) in (15, 18) and number[:-1].isdigit() and (number[-1].isdigit() or number[-1] == "X")


def id_number_q(value: str) -> Q:
    """Exact match on a head's or a member's ID number through the keyed hash: the encrypted
    column is never searched (it cannot be: every value is encrypted with a random IV). The
    digest under every configured key, so rows not yet moved to the newest key are found."""
    digests = keyed_hashes(normalize_id_number(value))
    members = HouseholdMember.objects.filter(id_hash__in=digests).values("household_id")
    return Q(head_id_hash__in=digests) | Q(pk__in=members)


# --- A searched ID or phone number never in a URL ------------------------------------------------
# The list pages' filter form is POSTed; a keyword holding an ID or phone number comes back in the
# redirect's URL as an encrypted token ("enc:…", any configured field key reads it), so the number
# is in no access log, browser history, Referer or link, and the page shows it masked.
SEALED_SEARCH_PREFIX = "enc:"


def seal_search(params):
    """`params` (a QueryDict) with a keyword that holds an ID or phone number sealed."""
    q = params.get("q", "")
    if q and not q.startswith(SEALED_SEARCH_PREFIX) and mask_personal_numbers(q) != q:
        params = params.copy()
        params["q"] = SEALED_SEARCH_PREFIX + encrypt(q)
    return params


def unseal_search(params):
    """(the filters to apply, with the keyword in clear; the keyword as the page may show it)."""
    q = params.get("q", "")
    if q.startswith(SEALED_SEARCH_PREFIX):
        params = params.copy()
        try:
            params["q"] = decrypt(q[len(SEALED_SEARCH_PREFIX) :])
        except ValueError:
            params["q"] = q[: SEARCH_MAX_LENGTH + 1]  # not ours: refused by the filter as too long
    return params, mask_personal_numbers(params.get("q", ""))


class IdNumberField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value and not looks_like_id_number(value):
            raise forms.ValidationError(_("请输入完整的 18 位身份证号码进行精确查找。"), code="id_format")
        return normalize_id_number(value) if value else value


class IdNumberFilter(django_filters.CharFilter):
    field_class = IdNumberField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(id_number_q(value))


class HardshipHouseholdFilterSet(LedgerEntryFilterSet):
    """困难群众 lists. A full ID number typed in the search box, or in `id_number`, is matched
    exactly through the keyed hash (heads and members)."""

    search_fields = ("head_name", "address")

    q = SearchFilter(method="filter_q", help_text=_("户主姓名、住址，或完整身份证号"))
    id_number = IdNumberFilter(label=_("身份证号"))
    hardship_type = django_filters.MultipleChoiceFilter(
        label=_("困难类型"), choices=HardshipType.choices, method="filter_hardship_type"
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=HouseholdStatus.choices)
    is_sensitive = StrictBooleanFilter(label=_("含敏感信息"))
    ordering = LedgerOrderingFilter(
        "registered_on",
        ("head_name", _("户主姓名")),
        ("member_count", _("家庭人口")),
        "status",
        "region_id",
    )

    class Meta(LedgerEntryFilterSet.Meta):
        model = HardshipHousehold
        fields = [
            "q",
            "id_number",
            "hardship_type",
            "status",
            "region",
            "is_sensitive",
            "registered_after",
            "registered_before",
            "mine",
            "voided",
            "ordering",
        ]

    def search_q(self, value):
        if looks_like_id_number(value):
            return id_number_q(value)
        return super().search_q(value)

    def filter_hardship_type(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery, not a join: a household with two matching types is listed once.
        return queryset.filter(pk__in=HouseholdHardship.objects.filter(type__in=value).values("household_id"))


class StabilityMatterFilterSet(DeadlineEntryFilterSet):
    """稳定工作 lists: search, type, risk level, status, village, overdue (past the deadline), dates."""

    search_fields = ("title", "parties", "mediator")

    q = SearchFilter(method="filter_q", help_text=_("事项、当事人或调解人"))
    matter_type = django_filters.MultipleChoiceFilter(label=_("矛盾类型"), choices=MatterType.choices)
    risk_level = django_filters.MultipleChoiceFilter(label=_("风险等级"), choices=RiskLevel.choices)
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=MatterStatus.choices)
    deadline_before = django_filters.DateFilter(field_name="deadline", lookup_expr="lte", label=_("化解期限不晚于"))
    ordering = LedgerOrderingFilter(
        "registered_on",
        ("deadline", _("化解期限")),
        ("risk_level", _("风险等级")),
        "status",
        ("matter_type", _("矛盾类型")),
        "region_id",
    )

    class Meta(DeadlineEntryFilterSet.Meta):
        model = StabilityMatter
        fields = [
            "q",
            "matter_type",
            "risk_level",
            "status",
            "region",
            "overdue",
            "due_soon",
            "registered_after",
            "registered_before",
            "deadline_before",
            "mine",
            "voided",
            "ordering",
        ]


class VillageProfileFilterSet(SearchFilterSet):
    """四个知晓: by region (subtree) and by village name or any of the four texts."""

    search_fields = ("region__name", "village_conditions", "household_conditions", "expectations", "problems")

    q = SearchFilter(method="filter_q", help_text=_("村（社区）名称或内容"))
    region = RegionPrefixFilter()

    class Meta:
        model = VillageProfile
        fields = ["q", "region"]
