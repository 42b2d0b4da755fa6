import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()

from core.warmup import settle_process  # noqa: E402 - after Django is set up

settle_process()
