"""Audit log and change history apart (issue 9, item 5).

The audit trail says who did what to which record, when, from where, with which outcome and which
fields changed, never the values; the values live in the record's change history (ChangeRecord),
read through the record, so only those who may see the record read them. The auditor (三员分立)
reads no case content. Rule changed by this issue: a record event's `changes` is now
{"fields": [...]}, its `message` is empty and its `object_repr` is "民生诉求 #12" (they held the
values, the typed text and the title).
"""

import datetime
import io

import pytest
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from openpyxl import load_workbook

from audit.choices import Action
from audit.models import AuditEvent, ChangeRecord
from audit.services import audit_record
from ledgers.choices import AppealCategory
from ledgers.selectors import entry_history
from ledgers.services import appeal_create, appeal_update, household_create
from regions.scoping import restrict

TITLE = "三组自来水管破裂-独特标题"
RAISER = "王独特"
DESCRIPTION = "水管老化独特描述"


@pytest.fixture
def appeal(users, tree):
    return appeal_create(
        actor=users.township_staff,
        region=tree.village,
        data={
            "category": AppealCategory.DRINKING_WATER,
            "raiser_name": RAISER,
            "raiser_phone": "13800001234",
            "title": TITLE,
            "description": DESCRIPTION,
            "responsible_person": "刘芳",
            "promised_date": datetime.date.today() + datetime.timedelta(days=10),
            "funds_spent_fen": 150000,
        },
    )


@pytest.mark.django_db
def test_the_trail_names_the_changed_fields_and_the_history_keeps_the_values(users, appeal):
    appeal = appeal_update(
        actor=users.township_staff,
        appeal=appeal,
        expected_version=appeal.version,
        data={"title": "水管已报修", "raiser_phone": "13900005678"},
    )
    event = AuditEvent.objects.filter(action=Action.UPDATE).get()
    assert event.changes == {"fields": ["title", "raiser_phone"]}
    assert (event.message, event.object_repr) == ("", f"民生诉求 #{appeal.pk}")
    assert (event.object_type, event.object_id, event.actor_name) == (
        "ledgers.livelihoodappeal",
        str(appeal.pk),
        "staff",
    )
    record = ChangeRecord.objects.get(audit_event_id=event.pk)
    assert record.changes == {"title": [TITLE, "水管已报修"], "raiser_phone": ["138****1234", "139****5678"]}
    assert (record.region_code, record.actor_name, record.at) == (appeal.region_id, "staff", event.at)


@pytest.mark.django_db
def test_text_typed_with_a_change_goes_to_the_history_only(users, appeal):
    event = audit_record(
        actor=None, action=Action.RATE, obj=appeal, changes={"score": [None, 5]}, message="很满意，谢谢"
    )
    assert (event.message, event.changes) == ("", {"fields": ["score"]})
    assert ChangeRecord.objects.get(audit_event_id=event.pk).message == "很满意，谢谢"


@pytest.mark.django_db
def test_events_that_are_not_record_changes_keep_their_details(users, appeal):
    export = audit_record(actor=users.township_staff, action=Action.EXPORT, changes={"rows": [None, 3]}, message="导出")
    reveal = audit_record(actor=users.township_staff, action=Action.REVEAL, obj=appeal, changes={"field": [None, "x"]})
    assert (export.changes, export.message) == ({"rows": [None, 3]}, "导出")
    assert reveal.changes == {"field": [None, "x"]}
    assert not ChangeRecord.objects.filter(audit_event_id__in=[export.pk, reveal.pk]).exists()


@pytest.mark.django_db
def test_the_history_shows_labels_yuan_and_a_complete_creation_entry(users, appeal):
    (create,) = entry_history(appeal)
    rows = {row["field"]: row for row in create["changes"]}
    # Defaults the caller did not pass are part of the creation entry.
    assert rows["status"]["new"] == "已登记"
    assert rows["registered_on"]["new"] == str(datetime.date.today())
    assert rows["funds_spent_fen"] == {
        "field": "funds_spent_fen",
        "label": "投入资金",
        "old": "—",
        "new": "1,500.00 元",
    }
    assert rows["raiser_phone"]["new"] == "138****1234"
    assert all(row["label"] != row["field"] for row in create["changes"])


@pytest.mark.django_db
def test_a_household_history_names_fields_by_label_never_raw_names(users, tree):
    household = household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "张三", "head_id_number": "11010519491231002X"},
        hardship_types=["poor"],
    )
    (create,) = entry_history(household)
    labels = {row["field"]: str(row["label"]) for row in create["changes"]}
    assert labels["head_id_number"] == "户主身份证号"
    assert "head_id_hash" not in labels
    assert {row["field"]: row["new"] for row in create["changes"]}["head_id_number"] == "1101**********002X"


@pytest.mark.django_db
def test_only_those_who_may_see_the_record_read_its_history(client_for, users, appeal):
    url = reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])
    assert TITLE in client_for(users.township_staff).get(url).content.decode()
    assert client_for(users.sibling_staff).get(url).status_code == 404
    # The history is not a list of its own: no role reads it other than through the record.
    for who in ("auditor", "sibling_staff", "township_staff"):
        assert not restrict(ChangeRecord.objects.all(), getattr(users, who)).exists()


def _all_the_auditor_reads(client_for, api_for, users) -> str:
    """Every page, event, export and API answer of the trail, as the auditor gets them."""
    client = client_for(users.auditor)
    pages = [client.get(reverse("audit:event_list")).content.decode()]
    for event in AuditEvent.objects.all():
        pages.append(client.get(reverse("audit:event_detail", args=[event.pk])).content.decode())
    export = client.get(reverse("audit:event_export"))
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    pages.append(str([list(row) for row in book.worksheets[0].iter_rows(values_only=True)]))
    pages.append(api_for(users.auditor).get("/api/v1/audit-events/").content.decode())
    return "\n".join(pages)


@pytest.mark.django_db
def test_the_auditor_reads_no_case_content(client_for, api_for, users, appeal):
    appeal_update(actor=users.township_staff, appeal=appeal, expected_version=1, data={"description": "新的独特描述"})
    text = _all_the_auditor_reads(client_for, api_for, users)
    # The auditor still sees who did what to which record, and which fields changed
    assert f"民生诉求 #{appeal.pk}" in text and "具体情况" in text and "staff" in text
    for content in (TITLE, RAISER, DESCRIPTION, "新的独特描述", "13800001234"):
        assert content not in text


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


# Transactional (the migration runs for real); serialized_rollback, so the database is put back as
# the other transactional tests expect it (content types included).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_moves_past_values_to_the_history_without_losing_any(users, tree):
    old_apps = _migrate(("audit", "0004_change_history"))
    try:
        OldEvent = old_apps.get_model("audit", "AuditEvent")
        changed = OldEvent.objects.create(
            action="update",
            actor_id=users.township_staff.pk,
            actor_name="staff",
            object_type="ledgers.livelihoodappeal",
            object_id="7",
            object_repr=TITLE,
            region_code=tree.village.code,
            changes={"title": ["旧", "新"]},
            message="",
        )
        rated = OldEvent.objects.create(
            action="rate",
            object_type="ledgers.livelihoodappeal",
            object_id="7",
            object_repr=TITLE,
            region_code=tree.village.code,
            changes={"score": [None, 4]},
            message="满意",
        )
        login = OldEvent.objects.create(action="login", actor_name="staff", message="登录成功", region_code="51")
    finally:
        _migrate(("audit", "0005_split_change_history"))
    changed, rated, login = (AuditEvent.objects.get(pk=e.pk) for e in (changed, rated, login))
    assert (changed.changes, changed.object_repr, changed.message) == ({"fields": ["title"]}, "民生诉求 #7", "")
    assert (rated.changes, rated.message) == ({"fields": ["score"]}, "")
    assert (login.changes, login.message) == ({}, "登录成功")
    history = {r.audit_event_id: r for r in ChangeRecord.objects.all()}
    assert set(history) == {changed.pk, rated.pk}
    assert history[changed.pk].changes == {"title": ["旧", "新"]}
    assert (history[rated.pk].message, history[rated.pk].at) == ("满意", rated.at)
    assert history[changed.pk].region_code == tree.village.code
    # The trail is append-only again after the migration.
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET message = 'x' WHERE id = %s", [login.pk])


HEAD = "赵独特户主"
NEEDS = "独特的困难与需求"


@pytest.fixture
def household(users, tree):
    return household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": HEAD, "head_id_number": "11010519491231002X", "needs": NEEDS, "member_count": 2},
        hardship_types=["poor", "disabled"],
    )


@pytest.mark.django_db
def test_a_household_creation_entry_is_complete_with_its_hardship_types(household):
    (create,) = entry_history(household)
    rows = {row["field"]: row for row in create["changes"]}
    assert rows["hardship_types"] == {
        "field": "hardship_types",
        "label": "困难类型",
        "old": "—",
        "new": "残疾人、低收入困难",
    }
    assert rows["member_count"]["new"] == "2" and rows["status"]["new"] == "帮扶中"


@pytest.mark.django_db
def test_help_amounts_and_voids_read_in_yuan_and_labels(users, household):
    from ledgers.services import help_record_add, household_void

    help_record_add(
        actor=users.township_staff,
        household=household,
        data={"given_on": datetime.date.today(), "kind": "cash", "amount_fen": 150050, "description": "慰问金"},
    )
    household.refresh_from_db()
    household_void(actor=users.township_staff, household=household, reason="录重了")
    void, help_, _create = entry_history(household)
    assert [(row["label"], row["new"]) for row in help_["changes"]] == [
        ("新增帮扶记录", f"{datetime.date.today()} 资金 1,500.50 元")
    ]
    assert {str(row["label"]): row["new"] for row in void["changes"]} == {"作废": "是", "作废原因": "录重了"}
    assert all(str(row["label"]) != row["field"] for entry in (void, help_, _create) for row in entry["changes"])


@pytest.mark.django_db
def test_the_auditor_reads_no_household_content_even_after_a_reveal(client_for, api_for, users, household):
    # given the household's ID number revealed (audited), a member added and its needs changed
    from ledgers.services import household_member_add, household_update

    response = client_for(users.township_staff).post(
        reverse("ledgers:hardshiphousehold_reveal", args=[household.pk]), {"reason": "核对低保申请"}
    )
    assert response.status_code == 200
    household_member_add(
        actor=users.township_staff, household=household, data={"name": "钱独特成员", "relation": "spouse"}
    )
    household_update(
        actor=users.township_staff, household=household, expected_version=1, data={"needs": "新的独特需求"}
    )
    # when the auditor reads every page, event, export and API answer of the trail
    text = _all_the_auditor_reads(client_for, api_for, users)
    # then they see who revealed which field of which record, and no content
    assert f"困难群众 #{household.pk}" in text and "查看完整敏感信息" in text and "户主身份证号" in text
    for content in (HEAD, NEEDS, "新的独特需求", "钱独特成员", "11010519491231002X"):
        assert content not in text, content
