"""Celery application. Without REDIS_URL tasks run eagerly (see settings.base)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("jiceng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
