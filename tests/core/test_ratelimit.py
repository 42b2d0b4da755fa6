"""core.ratelimit: a fixed window per scope and address in Django's cache."""

import pytest

from core import ratelimit
from core.ratelimit import RateLimit, rate_limit, rate_limit_hit, rate_limit_peek, rate_limit_reset

SCOPE = "test_scope"
ADDRESS = "10.9.0.1"
T0 = 1_800_000_000.0  # a window boundary for 600 s windows (1_800_000_000 = 3_000_000 * 600)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.JICENG_RATE_LIMITS = {SCOPE: {"requests": 2, "seconds": 600}}
    for now in (T0, T0 + 600):
        rate_limit_reset(scope=SCOPE, address=ADDRESS, now=now)
        rate_limit_reset(scope=SCOPE, address="10.9.0.2", now=now)


def test_limits_come_from_settings_with_a_default_for_other_scopes():
    assert rate_limit(SCOPE) == RateLimit(requests=2, seconds=600)
    assert rate_limit("unnamed") == RateLimit(requests=30, seconds=600)


def test_the_request_past_the_limit_is_exceeded_and_says_when_the_window_ends():
    first = rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0 + 100.5)
    second = rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0 + 200)
    third = rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0 + 400.2)
    assert [(s.count, s.exceeded) for s in (first, second, third)] == [(1, False), (2, False), (3, True)]
    assert (first.retry_after, third.retry_after) == (500, 200)


def test_peek_does_not_count_and_refuses_once_the_limit_is_used():
    assert rate_limit_peek(scope=SCOPE, address=ADDRESS, now=T0).exceeded is False
    rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0)
    assert rate_limit_peek(scope=SCOPE, address=ADDRESS, now=T0).count == 1
    assert rate_limit_peek(scope=SCOPE, address=ADDRESS, now=T0).exceeded is False
    rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0)
    assert rate_limit_peek(scope=SCOPE, address=ADDRESS, now=T0).exceeded is True


def test_a_new_window_starts_from_zero_and_addresses_count_apart():
    for _ in range(3):
        rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0 + 10)
    assert rate_limit_hit(scope=SCOPE, address="10.9.0.2", now=T0 + 10).count == 1
    after = rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0 + 600)
    assert (after.count, after.exceeded, after.retry_after) == (1, False, 600)


def test_an_unreachable_cache_lets_the_request_through(monkeypatch):
    class Broken:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit, "cache", Broken())
    assert rate_limit_hit(scope=SCOPE, address=ADDRESS, now=T0).exceeded is False
    assert rate_limit_peek(scope=SCOPE, address=ADDRESS, now=T0).exceeded is False


def test_the_answer_is_429_with_retry_after_and_the_minutes_to_wait(rf):
    state = ratelimit.RateLimitState(SCOPE, 3, RateLimit(2, 600), retry_after=200, exceeded=True)
    response = ratelimit.too_many_requests(rf.get("/ledgers/rate/x/"), state, template="ledgers/public/message.html")
    assert response.status_code == 429
    assert response["Retry-After"] == "200"
    html = response.content.decode()
    assert '<h1 class="h4">请求过于频繁</h1>' in html
    assert "请求过于频繁，请 4 分钟后再试。" in html
