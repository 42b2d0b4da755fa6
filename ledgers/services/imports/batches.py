"""The batch lifecycle: the dry run, the user's start, the crash-safe write, resume and purge."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.choices import Action, Outcome
from audit.services import audit_record
from core.exceptions import ServiceError
from core.validators import (
    mask_id_number,
    mask_phone,
)
from core.xlsx import read_all
from ledgers.models import (
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportRow,
    ImportRowStatus,
    ImportStatus,
)
from ledgers.services.imports.columns import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, ImportSpec, import_spec
from ledgers.services.imports.validation import ParsedRow, _json_value, seal_values, unseal_values, validate_rows
from regions.scoping import scope_prefixes

PROGRESS_EVERY = 50


def can_import(user, kind: str) -> bool:
    spec = import_spec(kind)
    return scope_prefixes(user, spec.import_permission) != [] and scope_prefixes(user, spec.add_permission) != []


def _ensure_can_import(user, spec: ImportSpec) -> None:
    if not can_import(user, spec.kind):
        raise PermissionDenied(_("您没有导入%(label)s的权限。") % {"label": spec.label})


def import_batch_prepare(*, actor, kind: str, upload) -> ImportBatch:
    """The dry run: read and check the whole file, store the rows and their problems.

    A file that cannot be read at all (type, size, headers, too many rows, no rows) raises
    XlsxError and stores nothing. Nothing is written to the ledgers here.
    """
    spec = import_spec(kind)
    _ensure_can_import(actor, spec)
    rows = read_all(
        upload,
        expected_headers=spec.headers,
        required_headers=spec.required_headers,
        max_rows=IMPORT_MAX_ROWS,
        max_bytes=IMPORT_MAX_BYTES,
    )
    rows = [(number, {k: _json_value(v) for k, v in values.items()}) for number, values in rows]
    sealed = {number: seal_values(spec, values) for number, values in rows}
    parsed_rows = validate_rows(actor=actor, spec=spec, rows=rows)
    invalid = sum(1 for p in parsed_rows if p.errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=spec.kind,
            file_name=(getattr(upload, "name", "") or "")[:200],
            file_size=getattr(upload, "size", 0) or 0,
            created_by=actor,
            total_rows=len(rows),
            invalid_rows=invalid,
        )
        ImportRow.objects.bulk_create(
            [
                ImportRow(
                    batch=batch,
                    row_number=p.row_number,
                    values=sealed[p.row_number],
                    errors=p.errors,
                    status=ImportRowStatus.INVALID if p.errors else ImportRowStatus.VALID,
                )
                for p in parsed_rows
            ],
            batch_size=500,
        )
    return batch


def import_batch_get(*, user, pk) -> ImportBatch:
    """A batch of the user's own (the rows hold personal data): anyone else gets 404."""
    from django.http import Http404

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404
    batch = ImportBatch.objects.filter(pk=pk, created_by_id=user.pk).first() if user.is_authenticated else None
    if batch is None:
        raise Http404(_("导入批次不存在。"))
    return batch


def import_batch_recent(*, user, kind: str, limit: int = 10):
    return ImportBatch.objects.filter(created_by_id=user.pk, kind=kind).order_by("-created_at", "-id")[:limit]


# --- Start and write ------------------------------------------------------------------------------
@transaction.atomic
def import_batch_start(*, actor, batch: ImportBatch, mode: str) -> ImportBatch:
    """The user's choice after the dry run. "all" is refused while any row has a problem."""
    if batch.created_by_id != actor.pk:
        raise PermissionDenied
    spec = import_spec(batch.kind)
    _ensure_can_import(actor, spec)
    if mode not in ImportMode.values:
        raise ServiceError(_("请选择导入方式。"), code="import_mode")
    locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if locked is None:  # purged as stale (import_batches_purge_stale) since the page was opened
        from django.http import Http404

        raise Http404(_("导入批次不存在。"))
    if locked.status != ImportStatus.VALIDATED:
        raise ServiceError(
            _("该批次当前状态为“%(status)s”，不能再次导入。请重新上传文件。") % {"status": locked.get_status_display()},
            code="import_state",
        )
    if mode == ImportMode.ALL and locked.invalid_rows:
        raise ServiceError(
            _("有 %(count)s 行存在问题，不能全部导入。请修改后重新上传，或选择“只导入无误的行”。")
            % {"count": locked.invalid_rows},
            code="import_has_errors",
        )
    if locked.valid_rows == 0:
        raise ServiceError(_("没有可导入的行。"), code="import_nothing")
    locked.status, locked.mode = ImportStatus.QUEUED, mode
    locked.save(update_fields=["status", "mode"])
    from ledgers.tasks import import_batch_run

    import_batch_run.delay_on_commit(locked.pk)
    return locked


def import_batches_resume(*, queued_for=datetime.timedelta(minutes=10), running_for=None) -> list[int]:
    """Queue the write again for batches left behind: still "queued" after `queued_for` (their
    message was lost, e.g. Redis restarted without persistence) or "running" for longer than the
    task time limit (their worker died and no other took the task over). Safe at any time: the
    write is idempotent, and a batch that finishes meanwhile is left alone."""
    from django.conf import settings

    from ledgers.tasks import import_batch_run

    if running_for is None:
        running_for = datetime.timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)))
    now = timezone.now()
    stale = ImportBatch.objects.filter(
        models.Q(status=ImportStatus.QUEUED, created_at__lt=now - queued_for)
        | models.Q(status=ImportStatus.RUNNING, started_at__lt=now - running_for)
    )
    ids = list(stale.order_by("id").values_list("id", flat=True))
    for batch_id in ids:
        import_batch_run.delay_on_commit(batch_id)
    return ids


def import_unrun_days() -> int:
    """How long a batch checked but never run is kept (setting JICENG_IMPORT_UNRUN_DAYS)."""
    from django.conf import settings

    return int(getattr(settings, "JICENG_IMPORT_UNRUN_DAYS", 7))


def import_batch_purge_at(batch: ImportBatch) -> datetime.datetime | None:
    """When `import_batches_purge_stale` will delete this batch if it is not run (None once run)."""
    if batch.status != ImportStatus.VALIDATED:
        return None
    return batch.created_at + datetime.timedelta(days=import_unrun_days())


def import_batches_purge_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete the batches checked but never run ("validated": the user saw the dry run and never
    chose to import) once older than JICENG_IMPORT_UNRUN_DAYS (default 7), with their rows: they
    hold the file's personal data for nothing. Batches that were started (queued, running, done,
    failed) are never touched. The file itself is never stored (only its rows), so there is no
    file to remove. Each deletion is audited. Idempotent; returns the number of batches deleted.

    Each batch is locked and checked again before it goes, so a user starting it at that moment
    either wins (the batch is queued and kept) or finds it gone.
    """
    days = import_unrun_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    stale = ImportBatch.objects.filter(status=ImportStatus.VALIDATED, created_at__lt=cutoff)
    purged = 0
    for batch_id in list(stale.order_by("id").values_list("id", flat=True)):
        with transaction.atomic():
            batch = stale.select_for_update().filter(pk=batch_id).first()
            if batch is None:
                continue
            rows = batch.total_rows
            audit_record(
                actor=None,
                action=Action.DELETE,
                obj=batch,
                changes={"status": [batch.status, None], "rows": [rows, None]},
                message=_(
                    "删除超过 %(days)s 天未导入的批次：%(label)s，文件“%(file)s”，%(rows)s 行，"
                    "%(user)s 于 %(created)s 上传。"
                )
                % {
                    "days": days,
                    "label": ImportKind(batch.kind).label,
                    "file": batch.file_name[:80],
                    "rows": rows,
                    "user": batch.created_by,
                    "created": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            batch.delete()
            purged += 1
    return purged


class _RowTaken(Exception):
    """Another run wrote this row first: roll back this attempt."""


def _write_row(spec: ImportSpec, batch: ImportBatch, row: ImportRow, parsed: ParsedRow) -> None:
    record = spec.create(batch.created_by, parsed.region, parsed.data, parsed.extra)
    marked = ImportRow.objects.filter(pk=row.pk, object_id__isnull=True).update(
        status=ImportRowStatus.WRITTEN, object_id=record.pk, errors=[]
    )
    if marked != 1:
        raise _RowTaken


def _service_errors(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"column": str(k), "message": str(m)} for k, ms in exc.message_dict.items() for m in ms]
    return [{"column": "", "message": str(m)} for m in exc.messages]


def _revalidate(spec, batch, rows) -> dict[int, ParsedRow]:
    """The dry-run rules again at write time: the ledger or the user's posts may have changed.

    Records this batch already wrote are not duplicates of its own rows.
    """
    own = set()
    written = list(
        ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).values_list("values", flat=True)
    )
    if written:
        own = {
            p.key
            for p in validate_rows(
                actor=batch.created_by, spec=spec, rows=[(i, unseal_values(v)) for i, v in enumerate(written)]
            )
            if p.key is not None
        }
    parsed = validate_rows(
        actor=batch.created_by,
        spec=spec,
        rows=[(r.row_number, unseal_values(r.values)) for r in rows],
        exclude_keys=own,
    )
    return {p.row_number: p for p in parsed}


def import_batch_execute(*, batch_id: int) -> ImportBatch | None:
    """Write a queued batch. Idempotent: a finished batch is left alone, and a rerun after a
    crash skips the rows already written (each row is marked in its record's transaction)."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    spec = import_spec(batch.kind)
    if batch.mode == ImportMode.ALL:
        _execute_all(spec, batch)
    else:
        _execute_valid_only(spec, batch)
    batch.refresh_from_db()
    return batch


def _execute_all(spec: ImportSpec, batch: ImportBatch) -> None:
    """All rows in one transaction, or none."""
    failures: dict[int, list] = {}
    try:
        with transaction.atomic():
            rows = list(
                ImportRow.objects.select_for_update()
                .filter(batch=batch, object_id__isnull=True)
                .exclude(status=ImportRowStatus.WRITTEN)
                .order_by("row_number")
            )
            parsed = _revalidate(spec, batch, rows)
            failures = {n: p.errors for n, p in parsed.items() if p.errors}
            if failures:
                raise _AllRefused
            for index, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        _write_row(spec, batch, row, parsed[row.row_number])
                except _RowTaken:
                    raise
                except ValidationError as exc:
                    failures[row.row_number] = _service_errors(exc)
                    raise _AllRefused
                if index % PROGRESS_EVERY == 0:
                    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=index)
            _finish(batch, spec)
    except _AllRefused:
        with transaction.atomic():
            for number, errors in failures.items():
                ImportRow.objects.filter(batch=batch, row_number=number).update(
                    status=ImportRowStatus.INVALID, errors=errors
                )
            ImportRow.objects.filter(batch=batch, object_id__isnull=True).exclude(row_number__in=list(failures)).update(
                status=ImportRowStatus.SKIPPED
            )
            message = _("导入时发现 %(count)s 行存在问题（台账或权限在校验后发生了变化），全部未导入。") % {
                "count": len(failures)
            }
            updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                invalid_rows=len(failures),
                skipped_rows=batch.total_rows,
                written_rows=0,
                message=message,
            )
            if updated:
                _scrub_personal_data(batch, spec)
                audit_record(
                    actor=batch.created_by,
                    action=Action.IMPORT,
                    obj=batch,
                    outcome=Outcome.FAILURE,
                    message=_audit_message(spec, batch, written=0, skipped=batch.total_rows) + " " + message,
                )
    except _RowTaken:
        # Another run of this batch wrote it first; that run finishes the batch.
        return


class _AllRefused(Exception):
    pass


def _execute_valid_only(spec: ImportSpec, batch: ImportBatch) -> None:
    """Each valid row in its own transaction; invalid ones are reported as not imported."""
    pending = list(
        ImportRow.objects.filter(batch=batch, status=ImportRowStatus.VALID, object_id__isnull=True).order_by(
            "row_number"
        )
    )
    parsed = _revalidate(spec, batch, pending) if pending else {}
    for index, row in enumerate(pending, start=1):
        result = parsed[row.row_number]
        try:
            with transaction.atomic():
                locked = ImportRow.objects.select_for_update().get(pk=row.pk)
                if locked.object_id is not None:
                    continue
                if result.errors:
                    ImportRow.objects.filter(pk=row.pk).update(status=ImportRowStatus.SKIPPED, errors=result.errors)
                    continue
                try:
                    with transaction.atomic():
                        _write_row(spec, batch, locked, result)
                except ValidationError as exc:
                    ImportRow.objects.filter(pk=row.pk).update(
                        status=ImportRowStatus.SKIPPED, errors=_service_errors(exc)
                    )
        except _RowTaken:
            continue
        if index % PROGRESS_EVERY == 0:
            ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=index)
    ImportRow.objects.filter(batch=batch, status=ImportRowStatus.INVALID).update(status=ImportRowStatus.SKIPPED)
    with transaction.atomic():
        _finish(batch, spec)


def _finish(batch: ImportBatch, spec: ImportSpec) -> None:
    written = ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).count()
    skipped = ImportRow.objects.filter(batch=batch).exclude(status=ImportRowStatus.WRITTEN).count()
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE,
        finished_at=timezone.now(),
        processed_rows=batch.total_rows,
        written_rows=written,
        skipped_rows=skipped,
    )
    if updated:
        _scrub_personal_data(batch, spec)
        audit_record(
            actor=batch.created_by,
            action=Action.IMPORT,
            obj=batch,
            region_code=_common_region(batch, spec),
            message=_audit_message(spec, batch, written=written, skipped=skipped),
        )


def _scrub_personal_data(batch: ImportBatch, spec: ImportSpec) -> None:
    """Once a batch is finished its rows are only a report: keep ID and phone numbers masked."""
    sensitive = {c.header: c.parse for c in spec.columns if c.parse in ("id", "phone")}
    rows = list(ImportRow.objects.filter(batch=batch).only("id", "values"))
    for row in rows:
        row.values = unseal_values(row.values)
        for header, parse in sensitive.items():
            value = row.values.get(header)
            if value not in (None, ""):
                row.values[header] = mask_id_number(str(value)) if parse == "id" else mask_phone(str(value))
    ImportRow.objects.bulk_update(rows, ["values"], batch_size=500)


def _common_region(batch: ImportBatch, spec: ImportSpec) -> str:
    """The smallest region holding every record the batch wrote (for the audit trail's scope)."""
    ids = ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).values("object_id")
    codes = set(spec.model.objects.filter(pk__in=ids).values_list("region_id", flat=True).distinct()[:1000])
    if not codes:
        return ""
    prefix = min(codes)
    for code in codes:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    for length in (12, 9, 6, 4, 2):  # cut back to a real level boundary
        if len(prefix) >= length:
            return prefix[:length]
    return ""


def _audit_message(spec: ImportSpec, batch: ImportBatch, *, written: int, skipped: int) -> str:
    return _(
        "导入%(label)s：文件“%(file)s”，共 %(total)s 行，导入 %(written)s 行，未导入 %(skipped)s 行（%(mode)s）。"
    ) % {
        "label": spec.label,
        "file": batch.file_name[:80],
        "total": batch.total_rows,
        "written": written,
        "skipped": skipped,
        "mode": ImportMode(batch.mode).label if batch.mode else "",
    }
