"""Residents' pages (no sign-in): the community's public page and its order form (rate-limited,
nothing stored on bad input), and the rating page behind a signed single-use link (tampered 400,
used or expired 410, "not done" reopens)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from community import services
from community.choices import OrderStatus
from community.models import OrderRatingInvitation, ServiceOrder
from core.ratelimit import rate_limit_reset
from tests.community.conftest import ORDER_DATA

pytestmark = pytest.mark.django_db
A, B = "10.9.0.1", "10.9.0.2"  # reset before each test by tests/conftest.py


def page(community):
    return reverse("community:public_community", args=[community.code])


def rate_url(token):
    return reverse("community:public_rate", args=[token])


# --- The community's public page ---------------------------------------------------------------
def test_public_page_shows_counts_and_organisations_without_personal_data(client, community, roster, completed):
    response = client.get(page(community))
    assert response.status_code == 200
    html = response.content.decode()
    assert "老君社区" in html and "县财政局机关党支部" in html
    summary = response.context["summary"]
    assert (summary["organisations"], summary["members"], summary["done"]) == (1, 2, 1)
    for private in ("张党员", "王党员", "13900001111", "李阿姨", "13812345678", "老君社区3栋2单元", "帮独居老人买药"):
        assert private not in html
    assert "<svg" in html  # the page's own QR code


def test_public_page_of_a_village_or_unknown_code_is_404(client, tree):
    assert client.get(page(tree.village)).status_code == 404
    assert client.get(reverse("community:public_community", args=["999"])).status_code == 404


def test_resident_places_an_order(client, community):
    response = client.post(page(community), ORDER_DATA)
    assert response.status_code == 201
    order = ServiceOrder.objects.get()
    assert (order.status, order.channel, order.region, order.phone) == ("placed", "public", community, "13812345678")
    assert f"编号 {order.pk}" in response.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        {"phone": "12345"},
        {"phone": ""},
        {"need": ""},
        {"category": "spam"},
        {"place": ""},
        {"contact_name": ""},
        {"need": "长" * 201},
    ],
)
def test_bad_order_input_is_a_clear_error_and_nothing_is_stored(client, community, bad):
    response = client.post(page(community), {**ORDER_DATA, **bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "您的点单尚未保存" in html
    field = next(iter(bad))
    assert f'data-testid="error-{field}"' in html
    assert ServiceOrder.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="community.serviceorder").exists()


def test_order_form_is_rate_limited_and_nothing_is_stored_past_the_limit(settings, community):
    settings.JICENG_RATE_LIMITS = {**settings.JICENG_RATE_LIMITS, "public_order": {"requests": 2, "seconds": 600}}
    for address in (A, B):
        rate_limit_reset(scope="public_order", address=address)
    client = Client()
    for _ in range(2):
        assert client.post(page(community), ORDER_DATA, REMOTE_ADDR=A).status_code == 201
    refused = client.post(page(community), ORDER_DATA, REMOTE_ADDR=A)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "请求过于频繁" in refused.content.decode()
    assert ServiceOrder.objects.count() == 2
    # another address is not affected; reading the page is a different count
    assert client.post(page(community), ORDER_DATA, REMOTE_ADDR=B).status_code == 201
    assert client.get(page(community), REMOTE_ADDR=A).status_code == 200


def test_public_page_views_are_rate_limited(settings, community):
    settings.JICENG_RATE_LIMITS = {**settings.JICENG_RATE_LIMITS, "public_pages": {"requests": 2, "seconds": 600}}
    rate_limit_reset(scope="public_pages", address=A)
    client = Client()
    assert [client.get(page(community), REMOTE_ADDR=A).status_code for _ in range(3)] == [200, 200, 429]


# --- The rating page -----------------------------------------------------------------------------
def test_resident_rates_through_the_link_once(client, rating_link):
    invitation, token = rating_link
    form = client.get(rate_url(token))
    assert form.status_code == 200
    html = form.content.decode()
    assert "帮独居老人买药" in html and "已代买药品并送到家" in html
    assert "13812345678" not in html and "张党员" not in html
    done = client.post(rate_url(token), {"score": "5", "done": "yes", "comment": "谢谢"})
    assert done.status_code == 200 and "感谢您的评价" in done.content.decode()
    order = ServiceOrder.objects.get(pk=invitation.order_id)
    assert (order.status, order.score) == (OrderStatus.RATED, 5)
    again = client.post(rate_url(token), {"score": "1", "done": "no"})
    assert again.status_code == 410
    assert ServiceOrder.objects.get(pk=order.pk).status == OrderStatus.RATED
    assert client.get(rate_url(token)).status_code == 410


def test_not_done_reopens_the_order(client, rating_link):
    invitation, token = rating_link
    response = client.post(rate_url(token), {"score": "2", "done": "no", "comment": "没人来"})
    assert response.status_code == 200 and "重新派单" in response.content.decode()
    order = ServiceOrder.objects.get(pk=invitation.order_id)
    assert (order.status, order.reopen_count) == (OrderStatus.REOPENED, 1)


def test_tampered_link_is_400_and_changes_nothing(client, rating_link):
    _invitation, token = rating_link
    bad = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(rate_url(bad)).status_code == 400
    assert client.post(rate_url(bad), {"score": "5", "done": "yes"}).status_code == 400
    assert client.get(rate_url("x" * 400)).status_code == 400
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED


def test_expired_link_is_410(client, rating_link):
    invitation, token = rating_link
    OrderRatingInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    assert client.get(rate_url(token)).status_code == 410
    assert client.post(rate_url(token), {"score": "5", "done": "yes"}).status_code == 410
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED


def test_incomplete_rating_form_is_400_and_changes_nothing(client, rating_link):
    _invitation, token = rating_link
    response = client.post(rate_url(token), {"score": "9"})
    assert response.status_code == 400
    assert 'data-testid="error-score"' in response.content.decode()
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED
    assert OrderRatingInvitation.objects.get().rated_at is None


def test_refused_links_count_against_the_rating_limit(settings, rating_link):
    settings.JICENG_RATE_LIMITS = {**settings.JICENG_RATE_LIMITS, "public_rating": {"requests": 2, "seconds": 600}}
    rate_limit_reset(scope="public_rating", address=A)
    _invitation, token = rating_link
    client = Client()
    assert client.get(rate_url("bad"), REMOTE_ADDR=A).status_code == 400
    assert client.get(rate_url("bad"), REMOTE_ADDR=A).status_code == 400
    assert client.post(rate_url(token), {"score": "5", "done": "yes"}, REMOTE_ADDR=A).status_code == 429
    assert ServiceOrder.objects.get().status == OrderStatus.COMPLETED


def test_public_page_query_count_is_bounded(client, community, roster, completed, django_assert_max_num_queries):
    client.get(page(community))
    with django_assert_max_num_queries(8):
        assert client.get(page(community)).status_code == 200
    services.order_place(region=community, data=dict(ORDER_DATA))
