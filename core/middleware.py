"""Security headers every response carries, in every environment (tests included).

Content-Security-Policy: scripts only from this site (no inline script, no eval); a per-request
nonce (`request.csp_nonce`, `<script nonce="{{ request.csp_nonce }}">`) is the one sanctioned
way to run an inline script. Inline *styles* stay allowed: Bootstrap components, ECharts and
htmx set style attributes, and a style cannot run code. Framing is refused (frame-ancestors
'none', like X-Frame-Options: DENY). Override a directive with the JICENG_CSP setting.
"""

import secrets

from django.conf import settings
from django.utils.functional import SimpleLazyObject

DEFAULT_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'", "'unsafe-inline'"),
    # Bootstrap draws select arrows and check marks as data: SVG; charts export as data: PNG.
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    # ReDoc (API documentation) parses the schema in a blob: worker.
    "worker-src": ("'self'", "blob:"),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def build_policy(nonce: str | None = None) -> str:
    policy = {**DEFAULT_POLICY, **getattr(settings, "JICENG_CSP", {})}
    parts = []
    for directive, sources in policy.items():
        sources = list(sources)
        if nonce and directive == "script-src":
            sources.append(f"'nonce-{nonce}'")
        parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy (Django's SecurityMiddleware adds
    nosniff, Referrer-Policy and Cross-Origin-Opener-Policy; XFrameOptionsMiddleware adds
    X-Frame-Options). A view that sets its own CSP keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce_holder = {}

        def make_nonce():
            nonce_holder["value"] = secrets.token_urlsafe(16)
            return nonce_holder["value"]

        request.csp_nonce = SimpleLazyObject(make_nonce)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = build_policy(nonce_holder.get("value"))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
