"""Optimistic concurrency for `VersionedModel` records."""

from django.db.models import F

from core.exceptions import ConcurrentEditError


def save_versioned(instance, *, expected_version: int, fields: list[str]) -> None:
    """Write `fields` of `instance` only if the stored version is still `expected_version`.

    One conditional UPDATE: there is no window between the check and the write, on any
    database. A stale version raises ConcurrentEditError and nothing is written.
    """
    model = type(instance)
    values = {name: getattr(instance, model._meta.get_field(name).attname) for name in fields}
    # auto_now is not applied by QuerySet.update(); set it explicitly.
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):
            field.pre_save(instance, add=False)
            values[field.attname] = getattr(instance, field.attname)
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise ConcurrentEditError()
    instance.version = expected_version + 1
