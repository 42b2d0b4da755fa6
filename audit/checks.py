from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def retention_period_check(app_configs=None, **kwargs):
    """`manage.py check` fails when the audit retention period is shorter than the legal minimum."""
    from audit.services import retention_days

    try:
        retention_days()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="audit.E001")]
    return []
