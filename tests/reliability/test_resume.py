"""Imports keep their state in the database, so work Redis lost is queued again by a beat task."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from ledgers.models import (
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportStatus,
    LivelihoodAppeal,
)
from ledgers.services import import_batch_prepare, imports
from ledgers.services.imports import import_batches_resume
from ledgers.tasks import import_batch_run
from tests.ledgers.test_import import APPEAL_HEADERS, appeal_row, upload


def make_batch(user, name, *, status, age_minutes, rows=2):
    batch = import_batch_prepare(
        actor=user,
        kind=ImportKind.APPEALS,
        upload=upload(APPEAL_HEADERS, [appeal_row(title=f"{name}{i}") for i in range(rows)]),
    )
    when = timezone.now() - datetime.timedelta(minutes=age_minutes)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status, mode=ImportMode.VALID_ONLY, created_at=when, started_at=when
    )
    return batch


def die_on_second_row(monkeypatch):
    spec = imports.SPECS[ImportKind.APPEALS]
    calls = []

    def create(actor, region, data, extra):
        calls.append(data["title"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return spec.create(actor, region, data, extra)

    monkeypatch.setitem(imports.SPECS, ImportKind.APPEALS, imports.ImportSpec(**{**spec.__dict__, "create": create}))


def test_resume_queues_only_batches_left_behind_and_each_row_is_written_once(
    users, tree, monkeypatch, django_capture_on_commit_callbacks
):
    # given batches in every state; two were left behind: a queued one whose message Redis lost,
    # and a running one whose worker died long ago (after writing one of its rows)
    user = users.township_staff
    lost = make_batch(user, "丢失", status=ImportStatus.QUEUED, age_minutes=30)
    dead = make_batch(user, "中断", status=ImportStatus.RUNNING, age_minutes=45)
    die_on_second_row(monkeypatch)
    with pytest.raises(RuntimeError):
        import_batch_run.run(dead.pk)  # the worker died after committing the first row
    monkeypatch.undo()
    ImportBatch.objects.filter(pk=dead.pk).update(started_at=timezone.now() - datetime.timedelta(minutes=45))
    assert list(LivelihoodAppeal.objects.values_list("title", flat=True)) == ["中断0"]
    fresh_queued = make_batch(user, "刚排队", status=ImportStatus.QUEUED, age_minutes=1)
    running_now = make_batch(user, "进行中", status=ImportStatus.RUNNING, age_minutes=5)
    finished = make_batch(user, "已完成", status=ImportStatus.DONE, age_minutes=600)
    # when the beat task looks for work to resume
    with django_capture_on_commit_callbacks() as queued:
        resumed = import_batches_resume()
    # then exactly the two left behind are queued again, once each
    assert resumed == [lost.pk, dead.pk]
    assert len(queued) == 2
    assert {fresh_queued.pk, running_now.pk, finished.pk}.isdisjoint(resumed)
    # and when a worker runs them (twice, as a duplicate delivery would), every row is written once
    for batch_id in resumed + resumed:
        import_batch_run.run(batch_id)
    titles = Counter(LivelihoodAppeal.objects.values_list("title", flat=True))
    assert titles == Counter({"丢失0": 1, "丢失1": 1, "中断0": 1, "中断1": 1})
    assert ImportBatch.objects.get(pk=lost.pk).status == ImportBatch.objects.get(pk=dead.pk).status == ImportStatus.DONE
    # and nothing is left to resume
    with django_capture_on_commit_callbacks() as queued:
        assert import_batches_resume() == []
    assert queued == []
