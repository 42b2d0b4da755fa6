"""Pages: a permission matrix for each page, denied writes change nothing, bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairings.models import MustVisitEvent, OwedVisit, Pair, Visit
from pairings.services import must_visit_event_record

TODAY = datetime.date.today()

LIST_PAGES = [
    "pairings:unit_list",
    "pairings:cadre_list",
    "pairings:household_list",
    "pairings:pair_list",
    "pairings:visit_list",
    "pairings:event_list",
    "pairings:owedvisit_list",
    "pairings:campaign_list",
]


def who(users, cadre_user, name):
    return cadre_user if name == "cadre" else getattr(users, name, None)


@pytest.mark.parametrize("page", LIST_PAGES)
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("anonymous", 302),
        ("cadre", 200),
        ("township_staff", 200),
        ("county_leader", 200),
        ("sibling_staff", 200),
        ("province", 200),
        ("system_admin", 200),
        ("superuser", 200),
    ],
)
def test_list_pages_answer_everyone_signed_in_with_their_scope(
    client_for, users, cadre_user, pairs, page, name, status
):
    response = client_for(who(users, cadre_user, name)).get(reverse(page))
    assert response.status_code == status


def test_lists_show_only_the_scope(client_for, users, cadre_user, pairs):
    url = reverse("pairings:pair_list")
    assert "黄三户" not in client_for(users.township_staff).get(url).content.decode()
    assert "黄三户" in client_for(users.sibling_staff).get(url).content.decode()
    assert "黄三户" in client_for(users.county_leader).get(url).content.decode()
    own = client_for(cadre_user).get(url).content.decode()
    assert "陈一户" in own and "黄三户" not in own and "李认亲" not in own
    assert "没有符合条件的记录" in client_for(users.system_admin).get(url).content.decode()


@pytest.mark.parametrize(
    ("name", "own", "sibling"),
    [
        ("cadre", 200, 404),
        ("township_staff", 200, 404),
        ("county_leader", 200, 200),
        ("sibling_staff", 404, 200),
        ("province", 200, 200),
        ("system_admin", 404, 404),
        ("superuser", 200, 200),
    ],
)
def test_pair_detail_matrix(client_for, users, cadre_user, pairs, name, own, sibling):
    client = client_for(who(users, cadre_user, name))
    assert client.get(reverse("pairings:pair_detail", args=[pairs.own.pk])).status_code == own
    assert client.get(reverse("pairings:pair_detail", args=[pairs.sibling.pk])).status_code == sibling


@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("township_staff", 200), ("county_leader", 200), ("sibling_staff", 404), ("superuser", 200)],
)
def test_detail_pages_matrix(client_for, users, cadre_user, cadres, households, pairs, name, status):
    event = must_visit_event_record(actor=users.superuser, household=households.own, kind="illness", occurred_on=TODAY)
    client = client_for(who(users, cadre_user, name))
    for url in (
        reverse("pairings:household_detail", args=[households.own.pk]),
        reverse("pairings:cadre_detail", args=[cadres.other.pk]),
        reverse("pairings:event_detail", args=[event.pk]),
        reverse("pairings:unit_detail", args=[cadres.other.unit_id]),
    ):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [
        ("anonymous", 302, 0),
        ("cadre", 302, 1),  # the pair's own cadre
        ("township_staff", 302, 1),
        ("county_leader", 403, 0),  # reads the township, may not write
        ("sibling_staff", 404, 0),
        ("province", 403, 0),
        ("system_admin", 404, 0),
        ("superuser", 302, 1),
    ],
)
def test_visit_form_matrix_and_denied_writes_change_nothing(
    client_for, users, cadre_user, pairs, name, status, written
):
    client = client_for(who(users, cadre_user, name))
    url = reverse("pairings:visit_create", args=[pairs.own.pk])
    response = client.post(url, {"visited_on": TODAY.isoformat(), "kind": "routine", "help_money_fen": "12.5"})
    assert response.status_code == status
    assert Visit.objects.count() == written
    if written:
        assert Visit.objects.get().help_money_fen == 1250


@pytest.mark.parametrize(
    ("name", "status", "written"),
    [
        ("anonymous", 302, 0),
        ("cadre", 404, 0),
        ("township_staff", 302, 1),
        ("county_leader", 403, 0),
        ("sibling_staff", 404, 0),
        ("superuser", 302, 1),
    ],
)
def test_event_form_matrix(client_for, users, cadre_user, households, pairs, name, status, written):
    client = client_for(who(users, cadre_user, name))
    url = reverse("pairings:household_event", args=[households.own.pk])
    response = client.post(url, {"event-kind": "death", "event-occurred_on": TODAY.isoformat()})
    assert response.status_code == status
    assert MustVisitEvent.objects.count() == written
    assert OwedVisit.objects.count() == 2 * written


def test_duplicate_event_on_the_page_is_a_400_with_the_message(client_for, users, households, pairs):
    client = client_for(users.township_staff)
    url = reverse("pairings:household_event", args=[households.own.pk])
    data = {"event-kind": "death", "event-occurred_on": TODAY.isoformat()}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 400 and "重复" in response.content.decode()
    assert MustVisitEvent.objects.count() == 1


def test_cadre_home_shows_overdue_first_and_a_visit_fulfils(client_for, users, cadre_user, households, pairs):
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="illness", occurred_on=TODAY)
    must_visit_event_record(
        actor=users.township_staff,
        household=households.other,
        kind="death",
        occurred_on=TODAY - datetime.timedelta(days=4),
    )
    client = client_for(cadre_user)
    page = client.get(reverse("pairings:home")).content.decode()
    assert page.index("刘二户") < page.index("陈一户")  # the overdue one first
    response = client.post(
        reverse("pairings:visit_create", args=[pairs.own_second.pk]),
        {"visited_on": TODAY.isoformat(), "kind": "must_visit", "found": "已慰问"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("pairings:home")
    assert OwedVisit.objects.get(household=households.other).status == "fulfilled"


def test_pair_on_household_page_and_duplicate_refused(client_for, users, cadres, households):
    client = client_for(users.township_staff)
    url = reverse("pairings:household_pair", args=[households.other.pk])
    data = {"pair-cadre": cadres.other.pk, "pair-kind": "help", "pair-started_on": TODAY.isoformat()}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 400
    assert Pair.objects.count() == 1
    # A cadre out of the staff's scope is not a choice.
    data["pair-cadre"] = cadres.sibling.pk
    assert client.post(url, data).status_code == 400
    assert Pair.objects.count() == 1


def test_bulk_pairing_preview_then_confirm(client_for, users, tree, units, cadres, households):
    client = client_for(users.township_staff)
    data = {
        "unit": units.town.pk,
        "region": tree.village.code,
        "kind": "help",
        "started_on": TODAY.isoformat(),
        "per_cadre": "0",
    }
    preview = client.post(reverse("pairings:pair_bulk"), data)
    assert preview.status_code == 200 and "bulk-plan" in preview.content.decode()
    assert Pair.objects.count() == 0
    confirmed = client.post(reverse("pairings:pair_bulk"), dict(data, confirm="1"))
    assert confirmed.status_code == 302
    assert Pair.objects.filter(cadre=cadres.other).count() == 2


@pytest.mark.parametrize("page", [p for p in LIST_PAGES if p != "pairings:campaign_list"])
def test_list_query_count_is_bounded(client_for, users, tree, cadres, households, page):
    from pairings.services import visit_record

    client = client_for(users.township_staff)
    client.get(reverse(page))  # warm up (session, posts)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(page)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for index in range(6):
        pair = Pair.objects.create(
            cadre=cadres.other if index % 2 else cadres.own,
            household=households.own if index < 2 else households.other,
            region=tree.village,
            started_on=TODAY,
            status="active" if index < 4 else "ended",
            ended_on=None if index < 4 else TODAY,
        )
        if pair.status == "active":
            visit_record(actor=users.township_staff, pair=pair, data={"visited_on": TODAY, "kind": "must_visit"})
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    must_visit_event_record(actor=users.township_staff, household=households.other, kind="illness", occurred_on=TODAY)
    assert count() <= before + 2


@pytest.mark.parametrize(
    ("name", "status"),
    [("anonymous", 302), ("cadre", 403), ("township_staff", 200), ("county_leader", 200), ("system_admin", 403)],
)
def test_exports_are_masked_and_audited(client_for, users, cadre_user, tree, units, name, status):
    from audit.models import AuditEvent
    from pairings.services import cadre_create

    cadre_create(
        actor=users.township_staff,
        data={
            "name": "赵",
            "unit": units.town,
            "home_region": tree.town,
            "phone": "13812345678",
            "id_number": "11010519491231002X",
        },
    )
    response = client_for(who(users, cadre_user, name)).get(reverse("pairings:cadre_export"))
    assert response.status_code == status
    if status == 200:
        import io

        from openpyxl import load_workbook

        content = b"".join(response.streaming_content)
        values = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]
        assert "138****5678" in values and "13812345678" not in values
        assert "11010519491231002X" not in values
        assert AuditEvent.objects.filter(action="export", object_type="pairings.cadre").count() == 1


@pytest.mark.parametrize(
    "page",
    [
        "pairings:unit_create",
        "pairings:cadre_create",
        "pairings:household_create",
        "pairings:pair_bulk",
        "pairings:pair_import",
        "pairings:cadre_import",
        "pairings:home",
    ],
)
def test_form_pages_render_for_staff_and_refuse_leaders(client_for, users, pairs, page):
    assert client_for(users.township_staff).get(reverse(page)).status_code == 200
    if page != "pairings:home":
        assert client_for(users.county_leader).get(reverse(page)).status_code == 403


def test_visit_form_renders_for_the_cadre(client_for, cadre_user, pairs):
    response = client_for(cadre_user).get(reverse("pairings:visit_create", args=[pairs.own.pk]) + "?kind=must_visit")
    assert response.status_code == 200
    assert 'value="must_visit" autocomplete="off" checked' in response.content.decode()


def test_import_template_downloads(client_for, users):
    response = client_for(users.township_staff).get(reverse("pairings:pair_import") + "?template=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_hardship_ledger_page_shows_pairs_and_raises_an_event(client_for, users, tree, cadres):
    from ledgers.services import household_create
    from pairings.services import household_for_hardship, pair_create, visit_record

    hardship = household_create(
        actor=users.township_staff, region=tree.village, data={"head_name": "困难户"}, hardship_types=["disabled"]
    )
    target = household_for_hardship(actor=users.township_staff, hardship=hardship)
    pair = pair_create(actor=users.township_staff, cadre=cadres.other, household=target, kind="help", started_on=TODAY)
    visit_record(actor=users.township_staff, pair=pair, data={"visited_on": TODAY, "kind": "routine"})
    client = client_for(users.township_staff)
    page = client.get(reverse("ledgers:hardshiphousehold_detail", args=[hardship.pk])).content.decode()
    assert "李认亲" in page and 'data-testid="panel-visits"' in page
    response = client.post(
        reverse("pairings:hardship_event", args=[hardship.pk]),
        {"event-kind": "illness", "event-occurred_on": TODAY.isoformat()},
    )
    event = MustVisitEvent.objects.get()
    assert response.status_code == 302 and event.source_hardship == hardship
    assert OwedVisit.objects.filter(event=event, cadre=cadres.other).exists()
    # A leader who reads the ledger may not raise an event: nothing is written.
    denied = client_for(users.county_leader).post(
        reverse("pairings:hardship_event", args=[hardship.pk]),
        {"event-kind": "death", "event-occurred_on": TODAY.isoformat()},
    )
    assert denied.status_code == 302 and MustVisitEvent.objects.count() == 1


def test_event_raised_from_a_stability_matter(client_for, users, tree, cadres, households, pairs):
    from ledgers.services import matter_create
    from pairings.services import pair_counters_refresh

    pair_counters_refresh(cadre_ids=[cadres.own.pk], household_ids=[households.own.pk])
    matter = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": "neighbour", "title": "纠纷", "parties": "甲、乙"},
    )
    client = client_for(users.township_staff)
    page = client.get(reverse("ledgers:stabilitymatter_detail", args=[matter.pk])).content.decode()
    assert 'data-testid="matter-event-form"' in page and "陈一户" in page
    data = {"household": households.own.pk, "event-kind": "thinking", "event-occurred_on": TODAY.isoformat()}
    response = client.post(reverse("pairings:matter_event", args=[matter.pk]), data)
    event = MustVisitEvent.objects.get()
    assert response.status_code == 302 and event.source_matter == matter and event.owed_visits.count() == 2
    assert "matter-events" in client.get(reverse("ledgers:stabilitymatter_detail", args=[matter.pk])).content.decode()
    # A household of another village, or a leader who only reads: refused, nothing written.
    client.post(reverse("pairings:matter_event", args=[matter.pk]), dict(data, household=households.sibling.pk))
    assert (
        client_for(users.county_leader).post(reverse("pairings:matter_event", args=[matter.pk]), data).status_code
        == 403
    )
    assert MustVisitEvent.objects.count() == 1


def test_campaign_create_and_coverage(client_for, users, tree, pairs, cadre_user, settings):
    from pairings.models import Campaign
    from pairings.services import visit_record

    start = TODAY - datetime.timedelta(days=10)
    client = client_for(users.township_staff)
    response = client.post(
        reverse("pairings:campaign_create"),
        {"name": "春节暖冬", "region": tree.town.code, "starts_on": start.isoformat(), "ends_on": TODAY.isoformat()},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "warm_winter"})
    page = client.get(reverse("pairings:campaign_detail", args=[campaign.pk])).content.decode()
    assert 'data-testid="coverage-rate">33%' in page  # 1 of the township's 3 active pairs
    # Past the list cap the pairs are not counted in full and no rate is shown.
    settings.JICENG_LIST_COUNT_CAP = 2
    capped = client.get(reverse("pairings:campaign_detail", args=[campaign.pk])).content.decode()
    assert "超过 2" in capped
    assert 'data-testid="coverage-rate">—' in capped
    settings.JICENG_LIST_COUNT_CAP = 10_000
    assert (
        client_for(users.sibling_staff).get(reverse("pairings:campaign_detail", args=[campaign.pk])).status_code == 404
    )
    bad = client.post(
        reverse("pairings:campaign_create"),
        {"name": "x", "region": tree.town.code, "starts_on": TODAY.isoformat(), "ends_on": start.isoformat()},
    )
    assert bad.status_code == 400 and Campaign.objects.count() == 1


def test_unit_and_cadre_forms(client_for, users, tree, units):
    from pairings.models import Cadre

    client = client_for(users.township_staff)
    response = client.post(
        reverse("pairings:cadre_create"),
        {"name": "钱干部", "unit": units.county.pk, "region": tree.town.code, "phone": "13812345678",
         "id_number": "11010519491231002X", "is_party_member": "on"},
    )  # fmt: skip
    cadre = Cadre.objects.get(name="钱干部")
    assert response.status_code == 302 and cadre.is_party_member
    detail = client.get(reverse("pairings:cadre_detail", args=[cadre.pk])).content.decode()
    assert "138****5678" in detail and "13812345678" not in detail and "11010519491231002X" not in detail
    edit = client.post(
        reverse("pairings:cadre_update", args=[cadre.pk]),
        {"name": "钱干部", "unit": units.county.pk, "post": "科长", "version": 1},
    )
    cadre.refresh_from_db()
    assert edit.status_code == 302 and cadre.post == "科长" and cadre.phone == "13812345678"  # blank keeps
    stale = client.post(
        reverse("pairings:cadre_update", args=[cadre.pk]), {"name": "x", "unit": units.county.pk, "version": 1}
    )
    assert stale.status_code == 409
    bad_id = client.post(
        reverse("pairings:cadre_create"),
        {"name": "孙", "unit": units.town.pk, "region": tree.town.code, "id_number": "110105194912310021"},
    )
    assert bad_id.status_code == 400 and not Cadre.objects.filter(name="孙").exists()
    unit = client.post(
        reverse("pairings:unit_update", args=[units.town.pk]),
        {"name": "竹篙镇党委", "level": 4, "kind": "party_government", "version": 1},
    )
    assert unit.status_code == 302
    assert client_for(users.sibling_staff).get(reverse("pairings:unit_update", args=[units.town.pk])).status_code == 404


def test_cadre_home_query_count_is_bounded(client_for, users, cadre_user, tree, cadres, households, pairs):
    from pairings.services import visit_record

    client = client_for(cadre_user)
    client.get(reverse("pairings:home"))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("pairings:home")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for household in (households.own, households.other):
        must_visit_event_record(actor=users.township_staff, household=household, kind="illness", occurred_on=TODAY)
    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "routine"})
    assert count() <= before


@pytest.mark.parametrize("name", ["unit", "cadre", "household", "pair", "visit", "event", "owedvisit"])
def test_every_export_answers_and_is_audited(client_for, users, households, pairs, cadre_user, name):
    from audit.models import AuditEvent
    from pairings.services import visit_record

    visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "routine", "help_money_fen": 100})
    must_visit_event_record(actor=users.township_staff, household=households.own, kind="death", occurred_on=TODAY)
    response = client_for(users.township_staff).get(reverse(f"pairings:{name}_export"))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(action="export").count() == 1
    bad = client_for(users.township_staff).get(reverse(f"pairings:{name}_export") + "?region=abc")
    assert bad.status_code == 400


def test_remaining_pages_render(client_for, users, cadre_user, tree, households, pairs):
    from pairings.services import visit_record

    visit = visit_record(actor=cadre_user, pair=pairs.own, data={"visited_on": TODAY, "kind": "sending"})
    client = client_for(users.township_staff)
    assert client.get(reverse("pairings:visit_detail", args=[visit.pk])).status_code == 200
    assert client_for(users.sibling_staff).get(reverse("pairings:visit_detail", args=[visit.pk])).status_code == 404
    created = client.post(
        reverse("pairings:household_create"),
        {"kind": "household", "head_name": "新户", "member_count": "2", "region": tree.village.code},
    )
    assert created.status_code == 302
    refused = client.post(
        reverse("pairings:household_create"),
        {"kind": "household", "head_name": "外村户", "member_count": "2", "region": tree.sibling_village.code},
    )
    assert refused.status_code == 400
    end = client.post(
        reverse("pairings:pair_end", args=[pairs.own.pk]),
        {"version": 1, "ended_on": TODAY.isoformat(), "end_reason": "调动"},
    )
    assert end.status_code == 302
    stale = client.post(
        reverse("pairings:pair_end", args=[pairs.other.pk]),
        {"version": 9, "ended_on": TODAY.isoformat(), "end_reason": "调动"},
    )
    assert stale.status_code == 409
    ended_visit = client_for(cadre_user).post(
        reverse("pairings:visit_create", args=[pairs.own.pk]), {"visited_on": TODAY.isoformat(), "kind": "routine"}
    )
    assert ended_visit.status_code == 400 and "该结对已结束" in ended_visit.content.decode()
    assert Visit.objects.count() == 1
    assert client.get(reverse("pairings:owedvisit_list") + "?status=bogus").status_code == 400
    assert client.get(reverse("pairings:pair_list") + "?ordering=-started_on&kind=help").status_code == 200


def test_a_search_by_id_number_is_posted_and_never_in_a_url_nor_the_trail(client_for, users, tree):
    # Issue 9: the pairings lists' filter form is POSTed; the redirect, the links and the export carry it sealed
    from audit.models import AuditEvent
    from pairings.services.pairs import household_register

    number = "11010519491231002X"
    household = household_register(
        actor=users.township_staff, region=tree.village, data={"head_name": "牧民户", "head_id_number": number}
    )
    c = client_for(users.township_staff)
    posted = c.post(reverse("pairings:household_list"), {"q": "110105 19491231 002x"})
    assert posted.status_code == 302 and "q=enc" in posted["Location"] and "110105" not in posted["Location"]
    page = c.get(posted["Location"])
    html = page.content.decode()
    assert "牧民户" in html and number not in html and number[:17] not in html
    assert 'name="q_sealed"' in html  # the masked keyword in the box sends back the same search
    export = c.get(f"{reverse('pairings:household_export')}?{page.context['filter_querystring']}")
    assert export.status_code == 200
    trail = "\n".join(str(row) for row in AuditEvent.objects.values())
    assert "1 行" in trail and number[:14] not in trail
    assert household.pk
