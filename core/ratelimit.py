"""Rate limits per client address for pages anyone may open without signing in.

- `rate_limit_hit(scope, address)`: count one request; `.exceeded` once the address has made more
  than the scope's limit within the window;
- `rate_limit_peek(scope, address)`: whether the address is refused now, without counting (for a
  request that only counts if it fails, such as a rating link that turns out to be bad);
- `too_many_requests(request, state)`: the answer, 429 with `Retry-After` and a Chinese page;
- `RateLimitMixin`: a view whose every request counts.

The key is the one the sign-in lockout uses, the client address (`core.requestlocal.client_address`),
but the count lives in Django's cache rather than in a table like `accounts.LoginThrottle`: these
pages are hit anonymously at any rate, and a row written per request would itself be the load the
limit is there to stop; nor does anyone lift such a limit by hand, it lapses with its window.

A fixed window per scope and address: the key names the window (`now // seconds`), so it expires
by itself and the answer can say exactly when the window ends. Across a window boundary a client
may briefly get up to twice the limit; that is the usual price of fixed windows and harmless here.

Limits come from the setting `JICENG_RATE_LIMITS` (`{scope: {"requests": n, "seconds": s}}`); a
scope not named there gets 30 requests per 600 seconds. With LocMem (the embedded default) each
process counts for itself; with Redis (REDIS_URL) every process shares one count. When the cache
cannot be reached the request goes through (logged): a resident's page matters more than the limit.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.requestlocal import client_address

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    requests: int = 30
    seconds: int = 600


def rate_limit(scope: str) -> RateLimit:
    return RateLimit(**getattr(settings, "JICENG_RATE_LIMITS", {}).get(scope, {}))


@dataclass(frozen=True)
class RateLimitState:
    """Where an address stands in the current window of a scope."""

    scope: str
    count: int
    limit: RateLimit
    retry_after: int  # whole seconds until the window ends (at least 1)
    exceeded: bool


def _window(scope: str, address: str | None, now: float | None) -> tuple[str, RateLimit, int]:
    limit = rate_limit(scope)
    now = time.time() if now is None else now
    index = int(now // limit.seconds)
    retry_after = max(1, math.ceil((index + 1) * limit.seconds - now))
    return f"ratelimit:{scope}:{address or '-'}:{index}", limit, retry_after


def rate_limit_hit(*, scope: str, address: str | None, now: float | None = None) -> RateLimitState:
    """Count one request of `address` in `scope`; exceeded when this one is past the limit."""
    key, limit, retry_after = _window(scope, address, now)
    try:
        # add() creates the counter with its expiry only if it is missing; incr() is atomic in
        # Redis and under LocMem's lock, so two processes never lose a count.
        if cache.add(key, 1, timeout=limit.seconds):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add() and incr(): a new window
                cache.set(key, 1, timeout=limit.seconds)
                count = 1
    except Exception:
        logger.warning("rate limit %s: cache unavailable, request let through", scope, exc_info=True)
        count = 0
    return RateLimitState(scope, count, limit, retry_after, exceeded=count > limit.requests)


def rate_limit_peek(*, scope: str, address: str | None, now: float | None = None) -> RateLimitState:
    """Without counting: is `address` already refused in `scope` (it used up the window's limit)?"""
    key, limit, retry_after = _window(scope, address, now)
    try:
        count = int(cache.get(key, 0))
    except Exception:
        logger.warning("rate limit %s: cache unavailable, request let through", scope, exc_info=True)
        count = 0
    return RateLimitState(scope, count, limit, retry_after, exceeded=count >= limit.requests)


def rate_limit_reset(*, scope: str, address: str | None, now: float | None = None) -> None:
    """Forget the address's count in the current window (tests; an operator's shell)."""
    key, _limit, _retry = _window(scope, address, now)
    cache.delete(key)


def too_many_requests(request, state: RateLimitState, *, template: str = "error.html", context=None):
    """429 with Retry-After; the page says, in the user's language, when to try again."""
    minutes = max(1, math.ceil(state.retry_after / 60))
    response = render(
        request,
        template,
        {
            "status": 429,
            "title": _("请求过于频繁"),
            "message": ngettext(
                "请求过于频繁，请 %(minutes)s 分钟后再试。", "请求过于频繁，请 %(minutes)s 分钟后再试。", minutes
            )
            % {"minutes": minutes},
            **(context or {}),
        },
        status=429,
    )
    response["Retry-After"] = str(state.retry_after)
    return response


class RateLimitMixin:
    """Every request to the view counts against `rate_limit_scope` for its client address; past
    the limit the view answers 429 before doing any work."""

    rate_limit_scope = ""
    rate_limit_template = "error.html"

    def dispatch(self, request, *args, **kwargs):
        state = rate_limit_hit(scope=self.rate_limit_scope, address=client_address(request))
        if state.exceeded:
            return too_many_requests(request, state, template=self.rate_limit_template)
        return super().dispatch(request, *args, **kwargs)
