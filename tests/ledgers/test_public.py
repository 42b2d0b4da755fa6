"""Residents' pages: the village's public disclosure, the printable notice, rating through a
signed single-use link; and the staff view that makes the link and its QR code."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ledgers.choices import AppealStatus, Satisfaction
from ledgers.models import LivelihoodAppeal, RatingInvitation
from ledgers.services import appeal_create, appeal_transition, rating_invitation_create

RESOLUTION = "已更换三组主水管 120 米，恢复供水"


def disclose(appeal, user):
    appeal = appeal_transition(actor=user, appeal=appeal, target=AppealStatus.RESOLVED, resolution=RESOLUTION)
    return appeal_transition(actor=user, appeal=appeal, target=AppealStatus.DISCLOSED)


@pytest.fixture
def disclosed(appeal, users):
    return disclose(appeal, users.township_staff)


@pytest.fixture
def link(disclosed, users):
    invitation, token = rating_invitation_create(actor=users.township_staff, appeal=disclosed)
    return invitation, token


def rate_url(token):
    return reverse("ledgers:public_rate", args=[token])


# --- disclosure page ------------------------------------------------------------------------
def test_public_page_lists_disclosed_items_without_personal_data(client, disclosed, tree, users, appeal_data):
    # given a second appeal that is only registered (not public)
    appeal_create(actor=users.township_staff, region=tree.village, data={**appeal_data, "title": "尚未办结的诉求"})
    # when an anonymous resident opens the village page
    response = client.get(reverse("ledgers:public_disclosure", args=[tree.village.code]))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "三组自来水管破裂" in html
    assert RESOLUTION in html
    assert "刘芳" in html  # the official in charge may show
    assert "饮水" in html
    assert "1,500.00" in html
    assert "王大爷" not in html
    assert "13800001234" not in html
    assert "1234" not in html
    assert "尚未办结的诉求" not in html


def test_public_page_shows_the_rating_summary(client, link, tree):
    _invitation, token = link
    client.post(rate_url(token), {"score": Satisfaction.SATISFIED, "resolved": "yes", "comment": "很及时"})
    html = client.get(reverse("ledgers:public_disclosure", args=[tree.village.code])).content.decode()
    assert "群众评价 1 次，平均“满意”，满意率 100%" in html
    assert "很及时" not in html  # comments are for staff; they may name people


@pytest.mark.parametrize("code", ["510121113999", "510121113", "51", "abc", "5101211130011"])
def test_unknown_or_non_village_codes_are_404(client, tree, code):
    assert client.get(f"/ledgers/public/{code}/").status_code == 404


def test_public_page_of_another_village_does_not_show_the_item(client, disclosed, tree):
    html = client.get(reverse("ledgers:public_disclosure", args=[tree.village2.code])).content.decode()
    assert "三组自来水管破裂" not in html


def test_public_page_bad_page_number_is_404(client, disclosed, tree):
    assert client.get(reverse("ledgers:public_disclosure", args=[tree.village.code]), {"page": "x"}).status_code == 404
    assert client.get(reverse("ledgers:public_disclosure", args=[tree.village.code]), {"page": "9"}).status_code == 404


def test_public_page_query_count_is_bounded(client, tree, users, appeal_data, django_assert_max_num_queries):
    for index in range(25):
        appeal = appeal_create(
            actor=users.township_staff, region=tree.village, data={**appeal_data, "title": f"事项{index}"}
        )
        disclose(appeal, users.township_staff)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("ledgers:public_disclosure", args=[tree.village.code]))
    assert response.status_code == 200
    assert response.content.decode().count("list-group-item") == 20


# --- notice -----------------------------------------------------------------------------------
def test_printable_notice_has_title_table_date_and_signature(client, disclosed, tree):
    response = client.get(reverse("ledgers:public_notice", args=[tree.village.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "竹篙村民生诉求办理情况公示" in html
    assert "@page { size: A4 portrait" in html
    assert "竹篙村村民委员会（盖章）" in html
    assert timezone.localdate().strftime("%Y年%-m月%-d日") in html
    assert "三组自来水管破裂" in html
    assert "王大爷" not in html
    assert 'data-testid="notice-qr"><svg' in html


def test_community_notice_is_signed_by_the_residents_committee(client, tree):
    html = client.get(reverse("ledgers:public_notice", args=[tree.village2.code])).content.decode()
    assert "老君社区居民委员会（盖章）" in html
    assert "本期无公开事项。" in html


def test_notice_period_filters_and_bad_dates_are_400(client, disclosed, tree):
    url = reverse("ledgers:public_notice", args=[tree.village.code])
    old = client.get(url, {"start": "2020-01-01", "end": "2020-03-31"}).content.decode()
    assert "本期无公开事项。" in old
    assert "2020年1月1日至2020年3月31日" in old
    bad = client.get(url, {"start": "2026-13-01"})
    assert bad.status_code == 400
    assert "开始日期“2026-13-01”不是有效日期" in bad.content.decode()
    reversed_period = client.get(url, {"start": "2026-05-01", "end": "2026-04-01"})
    assert reversed_period.status_code == 400


# --- rating -------------------------------------------------------------------------------------
def test_rating_form_shows_the_item_without_the_raiser(client, link):
    _invitation, token = link
    response = client.get(rate_url(token))
    html = response.content.decode()
    assert response.status_code == 200
    assert "三组自来水管破裂" in html
    assert "非常满意" in html and "非常不满意" in html
    assert "王大爷" not in html
    assert "csrfmiddlewaretoken" in html


def test_resident_rates_once_and_the_appeal_is_rated(client, link, disclosed):
    invitation, token = link
    response = client.post(rate_url(token), {"score": "5", "resolved": "yes", "comment": "感谢村里"})
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    invitation.refresh_from_db()
    disclosed.refresh_from_db()
    assert (invitation.score, invitation.resolved_confirmed, invitation.comment) == (5, True, "感谢村里")
    assert disclosed.status == AppealStatus.RATED


def test_not_resolved_reopens_the_appeal(client, link, disclosed):
    _invitation, token = link
    response = client.post(rate_url(token), {"score": "2", "resolved": "no"})
    assert "村（社区）将重新办理" in response.content.decode()
    disclosed.refresh_from_db()
    assert (disclosed.status, disclosed.reopen_count) == (AppealStatus.REOPENED, 1)


def test_a_used_link_is_refused_with_410_and_changes_nothing(client, link, disclosed):
    invitation, token = link
    client.post(rate_url(token), {"score": "5", "resolved": "yes"})
    # double submit, then a later visit
    again = client.post(rate_url(token), {"score": "1", "resolved": "no"})
    visit = client.get(rate_url(token))
    assert (again.status_code, visit.status_code) == (410, 410)
    assert "该评价链接已使用过，每个链接只能评价一次。" in again.content.decode()
    invitation.refresh_from_db()
    disclosed.refresh_from_db()
    assert (invitation.score, disclosed.status, disclosed.reopen_count) == (5, AppealStatus.RATED, 0)
    assert RatingInvitation.objects.filter(rated_at__isnull=False).count() == 1


def test_an_expired_link_is_refused_with_410(client, link, disclosed):
    invitation, token = link
    RatingInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    get = client.get(rate_url(token))
    post = client.post(rate_url(token), {"score": "5", "resolved": "yes"})
    assert (get.status_code, post.status_code) == (410, 410)
    assert "评价链接已过期，请向村（社区）索取新的链接。" in get.content.decode()
    invitation.refresh_from_db()
    assert invitation.rated_at is None
    assert LivelihoodAppeal.objects.get(pk=disclosed.pk).status == AppealStatus.DISCLOSED


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"), lambda t: "x" + t, lambda t: "a" * 400]
)
def test_a_tampered_link_is_refused_with_400(client, link, disclosed, mangle):
    invitation, token = link
    response = client.post(rate_url(mangle(token)), {"score": "5", "resolved": "yes"})
    assert response.status_code == 400
    assert "评价链接无效，请向村（社区）索取新的链接。" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.rated_at is None


def test_missing_answers_are_400_with_chinese_messages(client, link):
    invitation, token = link
    response = client.post(rate_url(token), {"score": "9", "comment": "x" * 501})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请选择满意程度。" in html
    assert "请选择问题是否已解决。" in html
    invitation.refresh_from_db()
    assert invitation.rated_at is None


def test_rating_form_keeps_csrf_protection(link):
    _invitation, token = link
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(rate_url(token), {"score": "5", "resolved": "yes"})
    assert response.status_code == 403
    _invitation.refresh_from_db()
    assert _invitation.rated_at is None


# --- staff: rating link --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 302),
        ("township_staff", 200),
        ("village_cadre", 200),
        ("township_leader", 403),
        ("county_leader", 403),
        ("sibling_staff", 404),
        ("superuser", 200),
    ],
)
def test_rating_link_permission_matrix(client_for, users, disclosed, who, status):
    user = getattr(users, who) if who else None
    response = client_for(user).post(reverse("ledgers:livelihoodappeal_rating_link", args=[disclosed.pk]))
    assert response.status_code == status
    assert RatingInvitation.objects.count() == (1 if status == 200 else 0)


def test_rating_link_page_has_the_link_and_an_inline_qr_code(client_for, users, disclosed):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_rating_link", args=[disclosed.pk])
    )
    html = response.content.decode()
    invitation = RatingInvitation.objects.get()
    assert "<svg" in html
    assert "data:image/png;base64," in html
    assert "http://testserver/ledgers/rate/" in html
    assert invitation.created_by == users.township_staff


def test_htmx_rating_link_returns_the_panel_only(client_for, users, disclosed):
    response = client_for(users.township_staff).post(
        reverse("ledgers:livelihoodappeal_rating_link", args=[disclosed.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="rating-link-panel"')
    assert "<html" not in html


def test_rating_link_for_an_appeal_not_yet_disclosed_is_400(client_for, users, appeal):
    response = client_for(users.township_staff).post(reverse("ledgers:livelihoodappeal_rating_link", args=[appeal.pk]))
    assert response.status_code == 400
    assert "事项公开后才能请群众评价。" in response.content.decode()
    assert RatingInvitation.objects.count() == 0


def test_rating_link_view_refuses_get(client_for, users, disclosed):
    assert (
        client_for(users.township_staff)
        .get(reverse("ledgers:livelihoodappeal_rating_link", args=[disclosed.pk]))
        .status_code
        == 405
    )


# --- the rating panel on the appeal's detail page -------------------------------------------------
def test_detail_page_offers_the_rating_link_and_shows_ratings(client_for, client, users, link, disclosed):
    _invitation, token = link
    client.post(rate_url(token), {"score": "4", "resolved": "yes", "comment": "修得很快"})
    response = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_detail", args=[disclosed.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="rating-panel"' in html
    assert 'data-testid="rating-link-create"' in html
    assert "满意" in html and "修得很快" in html
    assert "已生成评价链接 1 个。" in html


def test_detail_page_of_a_registered_appeal_explains_when_rating_is_possible(client_for, users, appeal):
    html = (
        client_for(users.township_staff)
        .get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk]))
        .content.decode()
    )
    assert "事项办结并公开后，可以生成评价链接请群众评价。" in html
    assert 'data-testid="rating-link-create"' not in html


def test_detail_page_hides_the_link_button_from_read_only_roles(client_for, users, disclosed):
    html = (
        client_for(users.county_leader)
        .get(reverse("ledgers:livelihoodappeal_detail", args=[disclosed.pk]))
        .content.decode()
    )
    assert 'data-testid="rating-panel"' in html
    assert 'data-testid="rating-link-create"' not in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_submissions_of_one_link_give_one_rating(ledger_kinds, users, tree, appeal_data):
    import threading

    from django.db import connection

    appeal = appeal_create(actor=users.township_staff, region=tree.village, data=appeal_data)
    appeal = disclose(appeal, users.township_staff)
    _invitation, token = rating_invitation_create(actor=users.township_staff, appeal=appeal)
    barrier = threading.Barrier(2)
    statuses = []

    def submit(score):
        try:
            barrier.wait()
            statuses.append(Client().post(rate_url(token), {"score": score, "resolved": "yes"}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(score,)) for score in ("5", "1")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410]
    assert RatingInvitation.objects.filter(rated_at__isnull=False).count() == 1
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == (AppealStatus.RATED, 4)


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration: a transactional test's flush removes them."""
    import importlib

    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)
