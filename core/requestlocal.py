"""The client address of the request being served, for the audit trail."""

from contextvars import ContextVar

_current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
