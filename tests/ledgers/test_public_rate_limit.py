"""The residents' pages need no sign-in, so they are rate-limited per client address: a rating
link takes a few POSTs or refused links per window, then 429 with Retry-After and nothing changes;
another address is not affected. Disclosure and notice pages count every view."""

import pytest
from django.urls import reverse

from audit.choices import Action
from audit.models import AuditEvent
from core.ratelimit import rate_limit_reset
from ledgers.choices import AppealStatus
from ledgers.models import LivelihoodAppeal
from ledgers.services import appeal_transition, rating_invitation_create

A, B = "10.9.0.1", "10.9.0.2"  # reset before each test by tests/conftest.py
LIMIT = 3
WINDOW = 600


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.JICENG_RATE_LIMITS = {
        "public_rating": {"requests": LIMIT, "seconds": WINDOW},
        "public_pages": {"requests": LIMIT, "seconds": WINDOW},
    }
    for scope in settings.JICENG_RATE_LIMITS:
        for address in (A, B):
            rate_limit_reset(scope=scope, address=address)


@pytest.fixture
def disclosed(appeal, users):
    appeal = appeal_transition(
        actor=users.township_staff, appeal=appeal, target=AppealStatus.RESOLVED, resolution="已修复"
    )
    return appeal_transition(actor=users.township_staff, appeal=appeal, target=AppealStatus.DISCLOSED)


@pytest.fixture
def token(disclosed, users):
    return rating_invitation_create(actor=users.township_staff, appeal=disclosed)[1]


def rate_url(token):
    return reverse("ledgers:public_rate", args=[token])


def tampered(token):
    return token[:-2] + ("AA" if token[-2:] != "AA" else "BB")


def post(client, token, address, **answers):
    return client.post(rate_url(token), {"score": "5", "resolved": "yes", **answers}, REMOTE_ADDR=address)


def assert_429(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    assert [t.name for t in response.templates][0] == "ledgers/public/message.html"  # the residents' page
    html = response.content.decode()
    assert "请求过于频繁" in html
    assert "分钟后再试。" in html


def assert_not_rated(disclosed):
    disclosed.refresh_from_db()
    assert disclosed.status == AppealStatus.DISCLOSED
    assert not disclosed.rating_invitations.filter(rated_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action=Action.RATE).exists()


def test_under_the_limit_a_rating_is_recorded(client, token, disclosed):
    # given an address that already sent two refused links (limit 3)
    for _ in range(LIMIT - 1):
        assert post(client, tampered(token), A).status_code == 400
    # when it sends a good rating, the third request of the window
    response = post(client, token, A)
    # then it is recorded
    assert response.status_code == 200
    assert "感谢您的评价" in response.content.decode()
    disclosed.refresh_from_db()
    assert disclosed.status == AppealStatus.RATED


def test_over_the_limit_a_post_is_429_with_retry_after_and_changes_nothing(client, token, disclosed):
    # given an address that used up its window with tampered links
    for _ in range(LIMIT):
        assert post(client, tampered(token), A).status_code == 400
    # when it sends a good rating
    response = post(client, token, A)
    # then 429, and the rating is not recorded
    assert_429(response)
    assert_not_rated(disclosed)
    # and the good link is still unused: refused on this address, fine from another
    assert post(client, token, B).status_code == 200
    disclosed.refresh_from_db()
    assert disclosed.status == AppealStatus.RATED


def test_refused_links_count_on_get_and_good_links_do_not(client, token, disclosed):
    # given a resident opening a good link more times than the limit
    for _ in range(LIMIT + 2):
        assert client.get(rate_url(token), REMOTE_ADDR=A).status_code == 200
    # when the same address opens refused links up to the limit
    statuses = [client.get(rate_url(tampered(token)), REMOTE_ADDR=A).status_code for _ in range(LIMIT)]
    assert statuses == [400] * LIMIT
    # then every further request of that address is refused, good link included
    assert_429(client.get(rate_url(tampered(token)), REMOTE_ADDR=A))
    assert_429(client.get(rate_url(token), REMOTE_ADDR=A))
    assert_429(post(client, token, A))
    assert_not_rated(disclosed)


def test_used_and_unknown_links_count_too(client, token, disclosed):
    # a used link (410) and a long junk token (400) are refused links like a tampered one
    assert post(client, token, B).status_code == 200
    assert [client.get(rate_url(token), REMOTE_ADDR=A).status_code for _ in range(LIMIT - 1)] == [410] * (LIMIT - 1)
    assert client.get(rate_url("a" * 400), REMOTE_ADDR=A).status_code == 400
    assert_429(client.get(rate_url(token), REMOTE_ADDR=A))


def test_the_count_is_per_address(client, users, token, disclosed):
    # given address A over the limit
    for _ in range(LIMIT + 1):
        post(client, tampered(token), A)
    assert_429(post(client, token, A))
    # when a resident on address B opens and submits a good link
    page = client.get(rate_url(token), REMOTE_ADDR=B)
    response = post(client, token, B, resolved="no", score="2")
    # then B is served and the rating is recorded (reopening the appeal)
    assert page.status_code == 200
    assert response.status_code == 200
    disclosed.refresh_from_db()
    assert (disclosed.status, disclosed.reopen_count) == (AppealStatus.REOPENED, 1)
    assert AuditEvent.objects.filter(action=Action.RATE).count() == 1


def test_an_invalid_form_counts_as_a_post(client, token, disclosed):
    for _ in range(LIMIT):
        assert post(client, token, A, score="9").status_code == 400
    assert_429(post(client, token, A))
    assert_not_rated(disclosed)


# --- disclosure and notice ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["ledgers:public_disclosure", "ledgers:public_notice"])
def test_public_pages_count_every_view_per_address(client, tree, disclosed, name):
    url = reverse(name, args=[tree.village.code])
    # given the limit's worth of views from A
    assert [client.get(url, REMOTE_ADDR=A).status_code for _ in range(LIMIT)] == [200] * LIMIT
    # when A opens the page again, then 429; B still sees it
    assert_429(client.get(url, REMOTE_ADDR=A))
    assert client.get(url, REMOTE_ADDR=B).status_code == 200


def test_public_pages_and_rating_links_have_separate_counts(client, tree, token, disclosed):
    url = reverse("ledgers:public_disclosure", args=[tree.village.code])
    for _ in range(LIMIT):
        client.get(url, REMOTE_ADDR=A)
    assert_429(client.get(url, REMOTE_ADDR=A))
    assert post(client, token, A).status_code == 200
    assert LivelihoodAppeal.objects.get(pk=disclosed.pk).status == AppealStatus.RATED


def test_bad_requests_to_public_pages_count_too(client, tree):
    url = reverse("ledgers:public_notice", args=[tree.village.code])
    assert client.get(url, {"start": "2026-13-01"}, REMOTE_ADDR=A).status_code == 400
    assert client.get("/ledgers/public/510121113999/", REMOTE_ADDR=A).status_code == 404
    assert client.get(url, REMOTE_ADDR=A).status_code == 200
    assert_429(client.get(url, REMOTE_ADDR=A))
