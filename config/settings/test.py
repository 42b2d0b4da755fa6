"""Test settings: fast password hashing, no debug, same database choice as the environment."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
REPORTS_REFRESH_BUSY_RETRY_SECONDS = 1  # the worker tests wait for a held refresh lock
# The replica alias points at the primary (core/dbrouter.py); off unless a test turns it on.
if "replica" not in DATABASES and DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
JICENG_REPLICA_OFF = True
