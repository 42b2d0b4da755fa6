"""Production: PostgreSQL and Redis are required; secure cookies and headers; never a debug page.

`DJANGO_SETTINGS_MODULE=config.settings.production manage.py check --deploy` reports nothing
(tests/security/test_deploy.py holds that). Behind a TLS-terminating proxy that sets
X-Forwarded-Proto; set DJANGO_ALLOWED_HOSTS to the site's host names.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, JICENG_FIELD_KEY, JICENG_FIELD_KEYS, REDIS_URL, env_bool

# Never a debug page in production, whatever DJANGO_DEBUG says: errors show the Chinese error
# pages (templates/error.html) and go to the log.
DEBUG = False
if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured("Production needs DATABASE_URL and REDIS_URL.")
if "DJANGO_SECRET_KEY" not in os.environ:
    raise ImproperlyConfigured("Production needs DJANGO_SECRET_KEY.")
if len(os.environ["DJANGO_SECRET_KEY"]) < 50 or len(set(os.environ["DJANGO_SECRET_KEY"])) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")
# The key of the encrypted ID and phone numbers: never derived from SECRET_KEY here (rotating the
# secret key would make every stored number unreadable). See README "Rotating the field key".
_field_keys = JICENG_FIELD_KEYS or ([JICENG_FIELD_KEY] if JICENG_FIELD_KEY else [])
if not _field_keys:
    raise ImproperlyConfigured(
        "Production needs JICENG_FIELD_KEY (or JICENG_FIELD_KEYS, newest first): the key of the "
        "encrypted ID and phone numbers; it is never derived from DJANGO_SECRET_KEY in production."
    )
if any(len(key) < 32 or len(set(key)) < 5 for key in _field_keys):
    raise ImproperlyConfigured(
        "Each field key (JICENG_FIELD_KEY / JICENG_FIELD_KEYS) must be at least 32 random characters."
    )
if len(set(_field_keys)) != len(_field_keys):
    raise ImproperlyConfigured("JICENG_FIELD_KEYS lists the same key twice.")

# HTTPS only: redirect plain HTTP, and tell browsers to use HTTPS for a year (HSTS).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Headers (also Django's defaults; stated so a change is deliberate). CSP and Permissions-Policy
# come from core.middleware.SecurityHeadersMiddleware in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Cookies: HTTPS only; the session cookie is not readable by scripts. (The CSRF cookie stays
# readable: Swagger UI's "try it out" sends it, and hiding it protects nothing, see Django's docs.)
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"

# Sessions read from the Redis cache (each under its own session key), written through to the
# database: one query less on every signed-in request, and sessions survive a cache flush.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
