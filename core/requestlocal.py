"""The client address of the request being served, for the audit trail."""

from contextvars import ContextVar

_current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def current_ip() -> str | None:
    return _current_ip.get()


def client_address(request) -> str | None:
    """The client's address as the application server sees it (`REMOTE_ADDR`). Behind a reverse
    proxy the proxy must pass the real address on, or every client shares the proxy's (README)."""
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
