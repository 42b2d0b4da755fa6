"""Ledger FilterSets: each filter narrows as documented; malformed values are field errors."""

import datetime

import pytest
from django.http import QueryDict

from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterStatus, MatterType, RiskLevel
from ledgers.filters import (
    HardshipHouseholdFilterSet,
    LivelihoodAppealFilterSet,
    StabilityMatterFilterSet,
    VillageProfileFilterSet,
)
from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter, VillageProfile
from ledgers.services import (
    appeal_create,
    appeal_transition,
    household_create,
    household_member_add,
    matter_create,
    profile_update,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)
HEAD_ID = "11010519491231002X"
MEMBER_ID = "510121201001011237"


def qd(query: str) -> QueryDict:
    return QueryDict(query)


def appeal(users, region, **overrides):
    data = {
        "category": AppealCategory.ROADS,
        "raiser_name": "张三",
        "title": "修路",
        "responsible_person": "李四",
        "promised_date": TODAY + 10 * DAY,
        "registered_on": TODAY - 20 * DAY,
    }
    data.update(overrides)
    return appeal_create(actor=users.superuser, region=region, data=data)


def ids(filterset):
    assert filterset.is_valid(), filterset.errors
    return sorted(obj.pk for obj in filterset.qs)


@pytest.fixture
def appeals(users, tree):
    return {
        "water": appeal(users, tree.village, category=AppealCategory.DRINKING_WATER, title="自来水管破裂"),
        "late": appeal(users, tree.village2, promised_date=TODAY - DAY, raiser_name="王大爷"),
        "sibling": appeal(users, tree.sibling_village, responsible_person="赵六", registered_on=TODAY - 5 * DAY),
    }


def test_appeal_search_matches_title_raiser_and_responsible_person(appeals):
    qs = LivelihoodAppeal.objects.all()
    assert ids(LivelihoodAppealFilterSet(qd("q=水管"), queryset=qs)) == [appeals["water"].pk]
    assert ids(LivelihoodAppealFilterSet(qd("q=王大爷"), queryset=qs)) == [appeals["late"].pk]
    assert ids(LivelihoodAppealFilterSet(qd("q=赵六"), queryset=qs)) == [appeals["sibling"].pk]


def test_appeal_category_and_status_accept_several_values(users, appeals):
    appeal_transition(actor=users.superuser, appeal=appeals["late"], target=AppealStatus.IN_PROGRESS)
    qs = LivelihoodAppeal.objects.all()
    assert ids(LivelihoodAppealFilterSet(qd("category=drinking_water"), queryset=qs)) == [appeals["water"].pk]
    assert ids(LivelihoodAppealFilterSet(qd("status=in_progress"), queryset=qs)) == [appeals["late"].pk]
    both = LivelihoodAppealFilterSet(qd("status=in_progress&status=registered"), queryset=qs)
    assert ids(both) == sorted(a.pk for a in appeals.values())


def test_appeal_region_filter_takes_the_subtree(appeals, tree):
    qs = LivelihoodAppeal.objects.all()
    assert ids(LivelihoodAppealFilterSet(qd(f"region={tree.town.code}"), queryset=qs)) == sorted(
        [appeals["water"].pk, appeals["late"].pk]
    )
    assert ids(LivelihoodAppealFilterSet(qd(f"region={tree.village2.code}"), queryset=qs)) == [appeals["late"].pk]


def test_appeal_region_filter_narrows_within_an_already_scoped_queryset(appeals, tree):
    scoped = LivelihoodAppeal.objects.filter(region__code__startswith=tree.town.code)
    filterset = LivelihoodAppealFilterSet(qd(f"region={tree.sibling_town.code}"), queryset=scoped)
    assert ids(filterset) == []


def test_appeal_overdue_true_and_false(appeals):
    qs = LivelihoodAppeal.objects.all()
    assert ids(LivelihoodAppealFilterSet(qd("overdue=true"), queryset=qs)) == [appeals["late"].pk]
    assert ids(LivelihoodAppealFilterSet(qd("overdue=0"), queryset=qs)) == sorted(
        [appeals["water"].pk, appeals["sibling"].pk]
    )


def test_resolved_item_past_its_promised_date_is_not_overdue(users, appeals):
    appeal_transition(actor=users.superuser, appeal=appeals["late"], target=AppealStatus.RESOLVED, resolution="修好了")
    assert ids(LivelihoodAppealFilterSet(qd("overdue=true"), queryset=LivelihoodAppeal.objects.all())) == []


def test_appeal_date_ranges(appeals):
    qs = LivelihoodAppeal.objects.all()
    after = (TODAY - 6 * DAY).isoformat()
    assert ids(LivelihoodAppealFilterSet(qd(f"registered_after={after}"), queryset=qs)) == [appeals["sibling"].pk]
    before = (TODAY - 6 * DAY).isoformat()
    assert ids(LivelihoodAppealFilterSet(qd(f"registered_before={before}"), queryset=qs)) == sorted(
        [appeals["water"].pk, appeals["late"].pk]
    )
    assert ids(LivelihoodAppealFilterSet(qd(f"promised_before={TODAY.isoformat()}"), queryset=qs)) == [
        appeals["late"].pk
    ]


def test_appeal_ordering_by_promised_date_both_ways(appeals):
    qs = LivelihoodAppeal.objects.all()
    ascending = LivelihoodAppealFilterSet(qd("ordering=promised_date"), queryset=qs).qs
    assert [a.pk for a in ascending][0] == appeals["late"].pk
    descending = LivelihoodAppealFilterSet(qd("ordering=-promised_date"), queryset=qs).qs
    assert [a.pk for a in descending][-1] == appeals["late"].pk


def test_appeal_ordering_ends_with_the_primary_key(appeals):
    filterset = LivelihoodAppealFilterSet(qd("ordering=-region"), queryset=LivelihoodAppeal.objects.all())
    assert filterset.qs.query.order_by == ("-region_id", "-id")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=bogus", "status", "bogus 不在可用的选项中"),
        ("category=pets", "category", "pets 不在可用的选项中"),
        ("triage=soon", "triage", "soon 不在可用的选项中"),
        ("region=51a", "region", "区划代码应为 2 到 12 位数字。"),
        ("region=5", "region", "区划代码应为 2 到 12 位数字。"),
        ("region=5101211130011", "region", "区划代码应为 2 到 12 位数字。"),
        ("overdue=maybe", "overdue", "应为 true 或 false。"),
        ("registered_after=2026-13-01", "registered_after", "输入一个有效的日期。"),
        ("promised_before=yesterday", "promised_before", "输入一个有效的日期。"),
        ("ordering=-raiser_phone", "ordering", "-raiser_phone 不在可用的选项中"),
        ("registered_after=2026-05-02&registered_before=2026-05-01", "registered_before", "结束日期不能早于开始日期。"),
        ("q=" + "长" * 101, "q", "不超过 100 字符"),
    ],
)
def test_malformed_appeal_filters_are_field_errors(db, query, field, message):
    filterset = LivelihoodAppealFilterSet(qd(query), queryset=LivelihoodAppeal.objects.all())
    assert filterset.is_valid() is False
    assert list(filterset.errors) == [field]
    assert message in filterset.errors[field][0]


@pytest.fixture
def households(users, tree):
    poor = household_create(
        actor=users.superuser,
        region=tree.village,
        data={"head_name": "陈大妈", "head_id_number": HEAD_ID, "address": "竹篙村三组"},
        hardship_types=[HardshipType.POOR, HardshipType.ELDERLY_ALONE],
    )
    disabled = household_create(
        actor=users.superuser,
        region=tree.sibling_village,
        data={"head_name": "刘伯", "address": "五凤村一组"},
        hardship_types=[HardshipType.DISABLED],
    )
    household_member_add(actor=users.superuser, household=disabled, data={"name": "刘小", "id_number": MEMBER_ID})
    return {"poor": poor, "disabled": disabled}


def test_household_id_number_is_found_exactly_through_the_hash(households):
    qs = HardshipHousehold.objects.all()
    assert ids(HardshipHouseholdFilterSet(qd(f"q={HEAD_ID.lower()}"), queryset=qs)) == [households["poor"].pk]
    assert ids(HardshipHouseholdFilterSet(qd(f"id_number={HEAD_ID}"), queryset=qs)) == [households["poor"].pk]
    # a member's number finds the household too
    assert ids(HardshipHouseholdFilterSet(qd(f"q={MEMBER_ID}"), queryset=qs)) == [households["disabled"].pk]
    # a part of a number finds nothing: the column is encrypted and never searched with LIKE
    assert ids(HardshipHouseholdFilterSet(qd("q=110105"), queryset=qs)) == []


def test_household_partial_id_number_in_the_id_filter_is_an_error(households):
    filterset = HardshipHouseholdFilterSet(qd("id_number=110105"), queryset=HardshipHousehold.objects.all())
    assert filterset.errors["id_number"] == ["请输入完整的 18 位身份证号码进行精确查找。"]


def test_household_search_name_address_and_types(households):
    qs = HardshipHousehold.objects.all()
    assert ids(HardshipHouseholdFilterSet(qd("q=陈"), queryset=qs)) == [households["poor"].pk]
    assert ids(HardshipHouseholdFilterSet(qd("q=五凤村"), queryset=qs)) == [households["disabled"].pk]
    # two matching types: the household is listed once
    both = HardshipHouseholdFilterSet(qd("hardship_type=poor&hardship_type=elderly_alone"), queryset=qs)
    assert [h.pk for h in both.qs] == [households["poor"].pk]
    assert ids(HardshipHouseholdFilterSet(qd("hardship_type=disabled"), queryset=qs)) == [households["disabled"].pk]
    assert ids(HardshipHouseholdFilterSet(qd("status=exited"), queryset=qs)) == []
    assert HardshipHouseholdFilterSet(qd("hardship_type=rich"), queryset=qs).is_valid() is False


def test_matter_filters(users, tree):
    late = matter_create(
        actor=users.superuser,
        region=tree.village,
        data={
            "matter_type": MatterType.LAND,
            "title": "宅基地界址",
            "parties": "甲、乙",
            "registered_on": TODAY - 2 * DAY,
            "deadline": TODAY - DAY,
        },
    )
    high = matter_create(
        actor=users.superuser,
        region=tree.sibling_village,
        data={"matter_type": MatterType.DEBT, "title": "欠款", "parties": "丙", "risk_level": RiskLevel.HIGH},
    )
    qs = StabilityMatter.objects.all()
    assert ids(StabilityMatterFilterSet(qd("overdue=true"), queryset=qs)) == [late.pk]
    assert ids(StabilityMatterFilterSet(qd("overdue=false"), queryset=qs)) == [high.pk]
    assert ids(StabilityMatterFilterSet(qd("risk_level=high"), queryset=qs)) == [high.pk]
    assert ids(StabilityMatterFilterSet(qd("matter_type=land"), queryset=qs)) == [late.pk]
    assert ids(StabilityMatterFilterSet(qd("q=丙"), queryset=qs)) == [high.pk]
    assert ids(StabilityMatterFilterSet(qd(f"status={MatterStatus.REGISTERED}"), queryset=qs)) == [late.pk, high.pk]
    assert ids(StabilityMatterFilterSet(qd(f"region={tree.sibling_town.code}"), queryset=qs)) == [high.pk]
    bad = StabilityMatterFilterSet(qd("risk_level=extreme&overdue=2"), queryset=qs)
    assert sorted(bad.errors) == ["overdue", "risk_level"]


def test_profile_filters(users, tree):
    mine = profile_update(actor=users.superuser, region=tree.village, expected_version=None, data={"problems": "缺水"})
    other = profile_update(actor=users.superuser, region=tree.sibling_village, expected_version=None, data={})
    qs = VillageProfile.objects.all()
    assert ids(VillageProfileFilterSet(qd("q=缺水"), queryset=qs)) == [mine.pk]
    assert ids(VillageProfileFilterSet(qd("q=五凤"), queryset=qs)) == [other.pk]
    assert ids(VillageProfileFilterSet(qd(f"region={tree.town.code}"), queryset=qs)) == [mine.pk]
    assert VillageProfileFilterSet(qd("region=abc"), queryset=qs).errors["region"] == ["区划代码应为 2 到 12 位数字。"]


@pytest.mark.parametrize(
    ("filterset_class", "names"),
    [
        (
            LivelihoodAppealFilterSet,
            "q category status triage region overdue due_soon registered_after registered_before promised_before mine voided ordering",
        ),
        (
            HardshipHouseholdFilterSet,
            "q id_number hardship_type status region is_sensitive registered_after registered_before mine voided ordering",
        ),
        (
            StabilityMatterFilterSet,
            (
                "q matter_type risk_level status region overdue due_soon registered_after registered_before "
                "deadline_before mine voided ordering"
            ),
        ),
    ],
)
def test_ledger_filters_keep_their_order_and_range_check(filterset_class, names):
    # given a ledger FilterSet built on the shared base
    # then its filters come in its own order (the API parameters and the form follow it),
    # households have no overdue filter, and every ledger checks the date range
    assert list(filterset_class.base_filters) == names.split()
    bad = filterset_class(qd("registered_after=2024-02-02&registered_before=2024-01-01"), queryset=None)
    assert bad.form.is_valid() is False
    assert bad.form.errors["registered_before"] == ["结束日期不能早于开始日期。"]


def test_ordering_labels_are_shared_and_region_sorts_by_code():
    filters = HardshipHouseholdFilterSet.base_filters["ordering"]
    assert filters.param_map == {
        "registered_on": "registered_on",
        "head_name": "head_name",
        "member_count": "member_count",
        "status": "status",
        "region": "region_id",
    }
    assert [label for _value, label in filters.extra["choices"]][::2] == [
        "登记日期",
        "户主姓名",
        "家庭人口",
        "状态",
        "村（社区）",
    ]


def test_descending_sort_choices_are_labelled_in_the_page_language():
    from django.utils import translation

    from audit.filters import AuditEventFilterSet

    # given the ordering choices of a ledger list and of the audit trail
    def descending(filterset_class, value):
        return dict(filterset_class.base_filters["ordering"].extra["choices"])[value]

    # then the descending half is Chinese by default and English when asked
    assert str(descending(LivelihoodAppealFilterSet, "-registered_on")) == "登记日期（降序）"
    assert str(descending(AuditEventFilterSet, "-at")).endswith("（降序）")
    with translation.override("en"):
        assert str(descending(LivelihoodAppealFilterSet, "-registered_on")) == "Registration date (descending)"


def test_ledger_filtersets_share_their_form_class_but_not_their_filters(users, appeals):
    from django.utils import translation

    # given two FilterSets of one ledger, with different data and different requesting users
    class Requester:
        def __init__(self, user):
            self.user = user

    mine = LivelihoodAppealFilterSet(
        qd("mine=true"), LivelihoodAppeal.objects.all(), request=Requester(users.superuser)
    )
    theirs = LivelihoodAppealFilterSet(
        qd("mine=true"), LivelihoodAppeal.objects.all(), request=Requester(users.township_staff)
    )
    # then the form class is built once for the ledger (its filters are fixed declarations) ...
    assert LivelihoodAppealFilterSet.has_fixed_filters()
    assert type(mine.form) is type(theirs.form)
    assert mine.form.fields["status"] is not theirs.form.fields["status"]
    # ... while each has filters of its own, a method filter calling its own FilterSet
    assert mine.filters["mine"] is not theirs.filters["mine"]
    assert mine.filters["mine"].parent is mine and theirs.filters["mine"].parent is theirs
    assert {a.created_by for a in mine.qs} <= {users.superuser}
    assert theirs.qs.count() == 0
    # and the labels and errors still follow the language of each request
    with translation.override("en"):
        bad = LivelihoodAppealFilterSet(qd("overdue=maybe"), LivelihoodAppeal.objects.all())
        assert bad.is_valid() is False
        assert str(bad.form.fields["overdue"].label) == "Overdue"
    assert str(LivelihoodAppealFilterSet(qd(""), None).form.fields["overdue"].label) == "已逾期"
