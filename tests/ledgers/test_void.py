"""作废: a record entered by mistake is voided with a reason (audited), leaves every list, count
and figure by default, is visible with `voided=true`, can no longer be changed, and is never deleted."""

import datetime

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from core.exceptions import OutOfScope, ServiceError
from ledgers.choices import AppealCategory, AppealStatus, HardshipType, MatterType
from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter
from ledgers.selectors import appeal_list, ledger_overview
from ledgers.services import (
    appeal_create,
    appeal_transition,
    appeal_update,
    appeal_void,
    household_create,
    household_void,
    matter_create,
    matter_void,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def make_appeal(users, tree, title="村道塌方"):
    return appeal_create(
        actor=users.township_staff,
        region=tree.village,
        data={
            "category": AppealCategory.ROADS,
            "raiser_name": "张三",
            "title": title,
            "responsible_person": "李四",
            "registered_on": TODAY - 10 * DAY,
            "promised_date": TODAY - DAY,
        },
    )


def test_a_voided_appeal_leaves_lists_counts_and_overdue_but_is_kept(users, tree):
    # given two overdue appeals, one entered twice by mistake
    kept = make_appeal(users, tree)
    twice = make_appeal(users, tree, title="村道塌方（重复）")
    # when it is voided with a reason
    voided = appeal_void(actor=users.township_staff, appeal=twice, reason="重复录入", expected_version=1)
    # then it is kept, with who, when and why, and the trail says so
    assert (voided.void_reason, voided.voided_by, voided.version) == ("重复录入", users.township_staff, 2)
    assert voided.voided_at is not None and LivelihoodAppeal.objects.count() == 2
    event = ChangeRecord.objects.filter(object_id=str(twice.pk), action="transition").get()
    assert event.changes["void_reason"] == [None, "重复录入"]
    # and it is in no list, count or overdue figure by default, only with voided=true
    assert [a.pk for a in appeal_list(user=users.township_staff)[1]] == [kept.pk]
    assert [a.pk for a in appeal_list(user=users.township_staff, filters={"voided": "true"})[1]] == [twice.pk]
    assert list(LivelihoodAppeal.objects.overdue()) == [kept]
    overview = ledger_overview(user=users.township_staff, region=tree.village)
    assert (overview["appeals"]["total"], overview["appeals"]["overdue"]) == (1, 1)


def test_a_voided_record_cannot_be_changed_nor_voided_again(users, tree):
    appeal = appeal_void(actor=users.township_staff, appeal=make_appeal(users, tree), reason="录错村")
    message = ["该记录已作废，不能再修改或变更状态。"]
    with pytest.raises(ServiceError) as refused:
        appeal_update(actor=users.township_staff, appeal=appeal, expected_version=appeal.version, data={"title": "x"})
    assert refused.value.messages == message
    with pytest.raises(ServiceError) as refused:
        appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.IN_PROGRESS)
    assert refused.value.messages == message
    with pytest.raises(ServiceError) as refused:
        appeal_void(actor=users.township_staff, appeal=appeal, reason="再次")
    assert refused.value.messages == message


def test_voiding_needs_a_reason_the_right_and_the_scope(users, tree):
    appeal = make_appeal(users, tree)
    with pytest.raises(ServiceError) as refused:
        appeal_void(actor=users.township_staff, appeal=appeal, reason="  ")
    assert refused.value.message_dict == {"void_reason": ["请填写作废原因。"]}
    for outsider in (users.sibling_staff, users.county_leader):
        with pytest.raises(OutOfScope):
            appeal_void(actor=outsider, appeal=appeal, reason="重复")
    appeal.refresh_from_db()
    assert appeal.voided_at is None


def test_households_and_matters_are_voided_too_and_a_voided_head_id_may_be_registered_again(users, tree):
    from core.validators import id_number_check_digit

    id_number = "51012119640728047" + id_number_check_digit("51012119640728047")
    household = household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "陈大妈", "head_id_number": id_number},
        hardship_types=[HardshipType.POOR],
    )
    household_void(actor=users.township_staff, household=household, reason="录错村")
    again = household_create(
        actor=users.township_staff,
        region=tree.village2,
        data={"head_name": "陈大妈", "head_id_number": id_number},
        hardship_types=[HardshipType.POOR],
    )
    assert list(HardshipHousehold.objects.live()) == [again]
    matter = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.LAND, "title": "界址", "parties": "甲"},
    )
    matter_void(actor=users.township_staff, matter=matter, reason="重复录入")
    assert StabilityMatter.objects.live().count() == 0 and StabilityMatter.objects.count() == 1


def test_the_api_voids_lists_with_a_filter_and_never_deletes(api_for, users, tree):
    appeal = make_appeal(users, tree)
    client = api_for(users.township_staff)
    url = f"/api/v1/livelihood-appeals/{appeal.pk}/"
    # a reason is required
    assert client.post(f"{url}void/", {}, format="json").json() == {"reason": ["该字段是必填项。"]}
    response = client.post(f"{url}void/", {"reason": "重复录入", "version": 1}, format="json")
    assert (response.status_code, response.json()["version"]) == (200, 2)
    assert client.get("/api/v1/livelihood-appeals/").json()["count"] == 0
    listed = client.get("/api/v1/livelihood-appeals/?voided=true").json()
    assert [row["id"] for row in listed["results"]] == [appeal.pk]
    assert client.delete(url).status_code == 405
    # a leader who may only read cannot void
    assert api_for(users.county_leader).post(f"{url}void/", {"reason": "x"}, format="json").status_code in (403, 404)


def test_the_page_voids_with_a_reason_and_shows_it(client_for, users, tree):
    appeal = make_appeal(users, tree)
    c = client_for(users.township_staff)
    url = reverse("ledgers:livelihoodappeal_void", args=[appeal.pk])
    missing = c.post(url, {"void-void_reason": "", "void-version": 1})
    assert missing.status_code == 400
    assert missing.context["void_form"].errors["void_reason"] == ["请填写作废原因。"]
    assert c.post(url, {"void-void_reason": "重复录入", "void-version": 1}).status_code == 302
    detail = c.get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])).content.decode()
    assert 'data-testid="voided-banner"' in detail and "重复录入" in detail
    assert 'data-testid="edit-link"' not in detail
    listing = c.get(reverse("ledgers:livelihoodappeal_list"))
    assert listing.context["rows"] == []
    assert [a.pk for a in c.get(reverse("ledgers:livelihoodappeal_list") + "?voided=true").context["rows"]] == [
        appeal.pk
    ]


def test_voided_records_count_in_no_figure(users, tree):
    from reports.models import Summary
    from reports.services import summary_refresh_full, summary_refresh_incremental

    kept = make_appeal(users, tree)
    twice = make_appeal(users, tree, title="重复")
    summary_refresh_full()

    def registered():
        row = Summary.objects.filter(
            region_code=tree.village.code, period="", metric="appeals_registered", generation=_active()
        ).first()
        return row.value if row else 0

    assert registered() == 2
    appeal_void(actor=users.township_staff, appeal=twice, reason="重复录入")
    summary_refresh_incremental()
    assert registered() == 1
    summary_refresh_full()
    assert registered() == 1
    assert kept.pk


def _active():
    from reports.models import SummaryState

    return SummaryState.objects.get(pk=1).active_generation


def test_a_voided_record_is_not_a_duplicate_for_the_import(users, tree):
    from tests.ledgers.test_rules import ID_NUMBER, household_data, import_errors

    household = household_create(
        actor=users.township_staff,
        region=tree.village,
        data=household_data(head_id_number=ID_NUMBER),
        hardship_types=[HardshipType.POOR],
    )
    assert import_errors("household", users.township_staff, {"户主身份证号": ID_NUMBER}) != {}
    household_void(actor=users.township_staff, household=household, reason="录错村")
    assert import_errors("household", users.township_staff, {"户主身份证号": ID_NUMBER}) == {}


def test_a_voided_record_offers_no_edit_nor_transition_on_its_page(client_for, users, tree):
    appeal = appeal_void(actor=users.township_staff, appeal=make_appeal(users, tree), reason="重复录入")
    response = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk]))
    assert (response.context["can_change"], response.context["can_transition"]) == (False, False)
    assert 'data-testid="void-panel"' not in response.content.decode()


def test_a_voided_appeal_leaves_the_public_disclosure(users, tree):
    from ledgers.selectors_public import public_appeal_list, public_village_summary

    appeal = make_appeal(users, tree)
    for target in (AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
        appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, resolution="已修复")
    assert public_village_summary(region=tree.village)["disclosed"] == 1
    appeal_void(actor=users.township_staff, appeal=appeal, reason="录错村")
    assert public_village_summary(region=tree.village)["disclosed"] == 0
    assert list(public_appeal_list(region=tree.village)) == []
