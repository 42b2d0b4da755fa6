"""Excel bulk pairing and cadre import: template, dry run with row errors, write in one
transaction. Cells are parsed with the ledgers' import parsers (dates in common formats, ID
numbers by GB 11643, choices by their Chinese labels); cadres, households and existing pairs are
looked up with one query per kind of key, never one per row.

A file is written only when every row is valid: the whole file in one transaction, or nothing.
"Check" runs in the request; "check and write" checks in the request and, when every row passes,
queues the write in an `ImportJob` run by a worker (`import_job_submit`, `import_job_execute`),
like the ledgers' imports: a large file never holds a request for the minute its writes take.
"""

from __future__ import annotations

import base64
import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.crypto import keyed_hashes
from core.exceptions import ServiceError
from core.xlsx import Sheet, read_all
from ledgers.services.imports import (
    CellError,
    parse_bool,
    parse_choice,
    parse_date,
    parse_id_number,
    parse_phone,
    parse_text,
)
from pairings.choices import ImportJobStatus, PairKind, PairStatus
from pairings.models import Cadre, Household, ImportJob, Pair
from pairings.selectors import unit_pickable
from pairings.services.pairs import pair_bulk_create_rows
from pairings.services.units import cadre_create
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict

PAIR_HEADERS = [
    "干部姓名",
    "干部身份证号",
    "所在单位",
    "户主姓名或名称",
    "户主身份证号",
    "村（社区）代码",
    "结对类型",
    "结对日期",
]
PAIR_REQUIRED = ["干部姓名", "所在单位", "户主姓名或名称", "村（社区）代码", "结对类型"]
CADRE_HEADERS = ["姓名", "所在单位", "职务", "中共党员", "联系电话", "身份证号", "所在区划代码"]
CADRE_REQUIRED = ["姓名", "所在单位", "所在区划代码"]
MAX_ROWS = 5000
logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    total: int = 0
    errors: list = field(default_factory=list)  # (row number, column, message)
    written: int = 0
    checked_only: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


def import_template(kind: str) -> tuple[str, list[Sheet]]:
    if kind == "pair":
        headers, required, name = PAIR_HEADERS, PAIR_REQUIRED, _("批量结对导入模板.xlsx")
        choices = {"结对类型*": [str(label) for _v, label in PairKind.choices]}
    else:
        headers, required, name = CADRE_HEADERS, CADRE_REQUIRED, _("帮扶干部导入模板.xlsx")
        choices = {"中共党员": ["是", "否"]}
    shown = [h + ("*" if h in required else "") for h in headers]
    text = [h for h in shown if "身份证号" in h or "代码" in h or "电话" in h]
    return name, [
        Sheet(title=_("导入"), headers=shown, text_columns=text, choices=choices, widths=dict.fromkeys(shown, 18))
    ]


def _read(upload, headers, required):
    from core.uploads import validate_xlsx_upload

    validate_xlsx_upload(upload)  # the one gate for uploaded workbooks (macros, zip bombs, ...)
    upload.seek(0)
    return read_all(upload, expected_headers=headers, required_headers=required, max_rows=MAX_ROWS)


def _regions(actor, codes, permission):
    codes = {c for c in codes if c and c.isdigit()}
    return {r.code: r for r in restrict(Region.objects.filter(code__in=codes), actor, permission)}


# --- Bulk pairing from a workbook ---------------------------------------------------------------------
def pair_import(*, actor, upload, write: bool) -> ImportResult:
    """Check every row; with `write` and no errors, create all the pairs in one transaction."""
    rows = _read(upload, PAIR_HEADERS, PAIR_REQUIRED)
    result = ImportResult(total=len(rows), checked_only=not write)
    parsed = []
    for number, values in rows:
        row, problems = {"number": number}, []

        def take(header, parse, required=False, row=row, values=values, problems=problems):
            value = values.get(header)
            if value in (None, ""):
                if required:
                    problems.append((header, _("必填。")))
                return None
            try:
                return parse(value)
            except CellError as exc:
                problems.append((header, exc.message))
                return None

        row["cadre_name"] = take("干部姓名", lambda v: parse_text(v, 50), True)
        row["cadre_id"] = take("干部身份证号", parse_id_number)
        row["unit_name"] = take("所在单位", lambda v: parse_text(v, 100), True)
        row["head_name"] = take("户主姓名或名称", lambda v: parse_text(v, 100), True)
        row["head_id"] = take("户主身份证号", parse_id_number)
        row["village"] = take("村（社区）代码", lambda v: parse_text(v, 12), True)
        row["kind"] = take("结对类型", lambda v: parse_choice(v, PairKind), True)
        row["started_on"] = take("结对日期", parse_date) or timezone.localdate()
        if row["started_on"] > timezone.localdate():
            problems.append(("结对日期", _("结对日期不能晚于今天。")))
        row["problems"] = problems
        parsed.append(row)

    villages = _regions(actor, [r["village"] for r in parsed], "pairings.add_pair")
    visible_cadres = restrict(Cadre.objects.filter(is_active=True), actor).select_related("unit")
    # Every configured key's digest, so records stored before a key rotation are matched too.
    numbers = {r[k] for r in parsed for k in ("cadre_id", "head_id") if r[k]}
    digest_of = {digest: n for n in numbers for digest in keyed_hashes(n)}  # digest -> the number typed
    id_hashes = {d for d, n in digest_of.items() if n in {r["cadre_id"] for r in parsed}}
    names = {r["cadre_name"] for r in parsed if r["cadre_name"] and not r["cadre_id"]}
    by_hash = {digest_of[c.id_hash]: c for c in visible_cadres.filter(id_hash__in=id_hashes)} if id_hashes else {}
    by_name: dict = {}
    for cadre in visible_cadres.filter(name__in=names) if names else []:
        by_name.setdefault((cadre.name, cadre.unit.name), []).append(cadre)
    head_hashes = {d for d, n in digest_of.items() if n in {r["head_id"] for r in parsed}}
    visible_households = restrict(Household.objects.all(), actor).select_related("region")
    households_by_hash = (
        {digest_of[h.head_id_hash]: h for h in visible_households.filter(head_id_hash__in=head_hashes)}
        if head_hashes
        else {}
    )
    name_keys = {(r["head_name"], r["village"]) for r in parsed if r["head_name"] and not r["head_id"]}
    households_by_name: dict = {}
    if name_keys:
        condition = Q(pk__in=[])
        for name, code in name_keys:
            condition |= Q(head_name=name, region_id=code)
        for household in visible_households.filter(condition):
            households_by_name.setdefault((household.head_name, household.region_id), []).append(household)

    seen = set()
    for row in parsed:
        problems = row["problems"]
        village = villages.get(row["village"] or "")
        if row["village"] and (village is None or village.level != Level.VILLAGE):
            problems.append(("村（社区）代码", _("不是您可结对的村（社区）代码。")))
        cadre = None
        if row["cadre_id"]:
            cadre = by_hash.get(row["cadre_id"])
            if cadre is None:
                problems.append(("干部身份证号", _("未找到该身份证号的在岗干部（或不在您的管辖范围内）。")))
        elif row["cadre_name"] and row["unit_name"]:
            found = by_name.get((row["cadre_name"], row["unit_name"]), [])
            if len(found) == 1:
                cadre = found[0]
            elif not found:
                problems.append(("干部姓名", _("未找到该单位的这名在岗干部，请先登记干部。")))
            else:
                problems.append(("干部姓名", _("该单位有同名干部，请填写干部身份证号。")))
        household = None
        if row["head_id"]:
            household = households_by_hash.get(row["head_id"])
            if household is None:
                problems.append(("户主身份证号", _("未找到该身份证号的结对对象，请先登记。")))
        elif row["head_name"] and row["village"]:
            found = households_by_name.get((row["head_name"], row["village"]), [])
            if len(found) == 1:
                household = found[0]
            elif not found:
                problems.append(("户主姓名或名称", _("该村（社区）没有这个结对对象，请先登记。")))
            else:
                problems.append(("户主姓名或名称", _("该村（社区）有同名户主，请填写户主身份证号。")))
        if household is not None and village is not None and household.region_id != village.code:
            problems.append(("村（社区）代码", _("结对对象不在该村（社区）。")))
        if household is not None and row["kind"] == PairKind.KIN and not household.region.is_tibetan_area:
            problems.append(("结对类型", _("结对认亲只在涉藏地区县开展。")))
        if household is not None and household.kind != "household" and row["kind"] == PairKind.HELP:
            problems.append(("结对类型", _("寺庙或机构只能结对认亲。")))
        if cadre is not None and household is not None:
            key = (cadre.pk, household.pk)
            if key in seen:
                problems.append(("干部姓名", _("与文件中前面的行重复。")))
            seen.add(key)
        row["cadre"], row["household"] = cadre, household
    pairs_wanted = [(r["cadre"].pk, r["household"].pk) for r in parsed if r["cadre"] and r["household"]]
    if pairs_wanted:
        condition = Q(pk__in=[])
        for cadre_pk, household_pk in pairs_wanted:
            condition |= Q(cadre_id=cadre_pk, household_id=household_pk)
        existing = set(Pair.objects.filter(condition, status=PairStatus.ACTIVE).values_list("cadre_id", "household_id"))
        for row in parsed:
            if row["cadre"] and row["household"] and (row["cadre"].pk, row["household"].pk) in existing:
                row["problems"].append(("干部姓名", _("该干部与该户已有进行中的结对。")))
    for row in parsed:
        for column, message in row["problems"]:
            result.errors.append((row["number"], column, message))
    if write and result.ok and parsed:
        with transaction.atomic():
            created = pair_bulk_create_rows(
                actor=actor,
                rows=[
                    {"cadre": r["cadre"], "household": r["household"], "kind": r["kind"], "started_on": r["started_on"]}
                    for r in parsed
                ],
            )
        result.written = len(created)
    return result


# --- Cadres from a workbook -------------------------------------------------------------------------
def cadre_import(*, actor, upload, write: bool) -> ImportResult:
    """Check every row; with `write` and no errors, register all the cadres in one transaction
    (each through `cadre_create`, so the same rules and history apply)."""
    rows = _read(upload, CADRE_HEADERS, CADRE_REQUIRED)
    result = ImportResult(total=len(rows), checked_only=not write)
    units = {}
    for unit in unit_pickable(user=actor):
        units.setdefault(unit.name, []).append(unit)
    regions = _regions(actor, [str(v.get("所在区划代码") or "").strip() for _n, v in rows], "pairings.add_cadre")
    prepared, seen = [], set()
    for number, values in rows:
        data, problems = {}, []
        for header, key, parse in (
            ("姓名", "name", lambda v: parse_text(v, 50)),
            ("职务", "post", lambda v: parse_text(v, 100)),
            ("中共党员", "is_party_member", parse_bool),
            ("联系电话", "phone", parse_phone),
            ("身份证号", "id_number", parse_id_number),
        ):
            value = values.get(header)
            if value in (None, ""):
                if header == "姓名":
                    problems.append((header, _("必填。")))
                continue
            try:
                data[key] = parse(value)
            except CellError as exc:
                problems.append((header, exc.message))
        unit_name = str(values.get("所在单位") or "").strip()
        found = units.get(unit_name, [])
        if len(found) == 1:
            data["unit"] = found[0]
        else:
            problems.append(("所在单位", _("未找到该单位（或有同名单位，或不在您可选择的范围内）。")))
        code = str(values.get("所在区划代码") or "").strip()
        if code in regions:
            data["home_region"] = regions[code]
        else:
            problems.append(("所在区划代码", _("不是您可登记干部的区划代码。")))
        if data.get("id_number"):
            if data["id_number"] in seen:
                problems.append(("身份证号", _("与文件中前面的行重复。")))
            seen.add(data["id_number"])
        prepared.append((number, data, problems))
    hashes = {digest: n for n, d, _p in prepared if d.get("id_number") for digest in keyed_hashes(d["id_number"])}
    for id_hash in Cadre.objects.filter(id_hash__in=list(hashes)).values_list("id_hash", flat=True):
        for number, _d, problems in prepared:
            if number == hashes[id_hash]:
                problems.append(("身份证号", _("该身份证号的干部已登记。")))
    for number, _d, problems in prepared:
        for column, message in problems:
            result.errors.append((number, column, message))
    if write and result.ok and prepared:
        try:
            with transaction.atomic():
                for _number, data, _problems in prepared:
                    cadre_create(actor=actor, data=data)
        except ServiceError as exc:
            result.errors.append((0, "", " ".join(exc.messages)))
            return result
        result.written = len(prepared)
    return result


# --- The write, by a worker -------------------------------------------------------------------------
RUNNERS = {"cadre": cadre_import, "pair": pair_import}
RESUME_AFTER = datetime.timedelta(minutes=5)


def import_job_submit(*, actor, kind: str, upload) -> tuple[ImportResult, ImportJob | None]:
    """ "Check and write": the dry run now (every row checked, nothing written); when every row
    passes, the workbook is kept, encrypted, in a job whose write is queued after this commit
    (`pairings.tasks.import_job_run`), as the ledgers' imports do. Row problems: no job."""
    runner = RUNNERS.get(kind)
    if runner is None:
        raise ServiceError(_("不支持该导入类型。"), code="import_kind")
    result = runner(actor=actor, upload=upload, write=False)
    if not result.ok:
        return result, None
    upload.seek(0)
    job = ImportJob.objects.create(
        kind=kind,
        file_name=str(getattr(upload, "name", "") or "")[:200],
        content=base64.b64encode(upload.read()).decode("ascii"),
        created_by=actor,
        total_rows=result.total,
    )
    from pairings.tasks import import_job_run

    transaction.on_commit(lambda: import_job_run.delay(job.pk))
    return result, job


def import_job_execute(*, job_id: int) -> ImportJob | None:
    """Write a queued job: every row checked again (the data may have changed since the dry run)
    and written in one transaction through the same services, as its uploader. The job row is
    locked and marked in the same transaction, so running it twice writes nothing twice; a worker
    that dies mid-way leaves the job queued and nothing written (the task is redelivered). The
    workbook is dropped once written or refused."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").filter(pk=job_id).first()
        if job is None or job.status != ImportJobStatus.QUEUED:
            return job
        upload = SimpleUploadedFile(job.file_name or "import.xlsx", base64.b64decode(job.content or ""))
        errors: list = []
        try:
            with transaction.atomic():
                result = RUNNERS[job.kind](actor=job.created_by, upload=upload, write=True)
                if not result.ok:
                    raise _Refused
        except _Refused:
            errors = [list(error) for error in result.errors]
        except (ValidationError, ServiceError) as exc:
            result, errors = None, [[0, "", " ".join(str(m) for m in exc.messages)]]
        except DatabaseError:
            logger.exception("pairings import job %s failed", job.pk)
            result, errors = None, [[0, "", _("写入时数据库出错，未写入任何数据。请重新上传。")]]
        job.status = ImportJobStatus.FAILED if errors else ImportJobStatus.DONE
        job.written_rows = 0 if errors or result is None else result.written
        job.errors = [[number, str(column), str(message)] for number, column, message in errors]
        job.content = ""
        job.finished_at = timezone.now()
        job.save()
    return job


class _Refused(Exception):
    """A row failed the checks at write time: roll the savepoint back (nothing written)."""


def import_jobs_resume() -> list[int]:
    """Beat: queue again the jobs still queued after RESUME_AFTER (a lost message). Idempotent:
    a job already written is left alone by `import_job_execute`."""
    from pairings.tasks import import_job_run

    stale = list(
        ImportJob.objects.filter(
            status=ImportJobStatus.QUEUED, created_at__lt=timezone.now() - RESUME_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        import_job_run.delay(pk)
    return stale
