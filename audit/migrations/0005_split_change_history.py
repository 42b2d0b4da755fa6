"""Audit log and change history apart (issue 9, item 5), for the events recorded before.

Every past event that changed a case record (create, update, transition, delete or rating of a
record of a scoped model) is copied, values and message included, to the record's change history
(`ChangeRecord`, with the event's time, actor and region). The event then keeps only the names of
the fields that changed ({"fields": [...]}), no message, and names the record by type and number
("民生诉求 #12"): the auditor no longer reads case content in the trail. Nothing of the history is
lost. The append-only triggers are lifted for this one rewrite, inside the migration's
transaction on PostgreSQL, and re-created.

Not reversible into the old form (the values stay in the history): reversing leaves both tables.
"""

import importlib

from django.conf import settings
from django.db import migrations

HISTORY_ACTIONS = ("create", "update", "transition", "delete", "rate")
BATCH = 2000
triggers = importlib.import_module("audit.migrations.0003_append_only_triggers")


def _scoped_models(labels):
    """The record models among `labels` that are scoped (their changes are case history)."""
    from django.apps import apps as current_apps

    from regions.scoping import is_scoped_model

    found = {}
    for label in labels:
        try:
            model = current_apps.get_model(label)
        except (LookupError, ValueError):
            continue
        if is_scoped_model(model):
            found[label] = model
    return found


def split(apps, schema_editor):
    from django.utils import translation

    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    candidates = AuditEvent.objects.filter(action__in=HISTORY_ACTIONS).exclude(object_id="")
    models = _scoped_models(set(candidates.values_list("object_type", flat=True).distinct()))
    if not models:
        return
    with translation.override(settings.LANGUAGE_CODE):
        names = {label: str(model._meta.verbose_name) for label, model in models.items()}
    triggers.drop_triggers(apps, schema_editor)
    last = 0
    while True:
        events = list(candidates.filter(object_type__in=models, pk__gt=last).order_by("pk")[:BATCH])
        if not events:
            break
        ChangeRecord.objects.bulk_create(
            ChangeRecord(
                at=event.at,
                actor_id=event.actor_id,
                actor_name=event.actor_name,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                region_code=event.region_code,
                changes=event.changes or {},
                message=event.message,
                audit_event_id=event.pk,
            )
            for event in events
        )
        for event in events:
            event.changes = {"fields": list(event.changes)} if event.changes else {}
            event.message = ""
            event.object_repr = f"{names[event.object_type]} #{event.object_id}"
        AuditEvent.objects.bulk_update(events, ["changes", "message", "object_repr"])
        last = events[-1].pk
    triggers.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_change_history")]

    operations = [migrations.RunPython(split, migrations.RunPython.noop, elidable=False)]
