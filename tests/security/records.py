"""Known personal data, entered through the services, for the backup and leak-scan tests.

The ID numbers are valid (GB 11643 check digit, real birth dates) so the services accept them;
the tests then look for these exact strings where they must (restored database) or must not
(dumps, logs, Redis, pages, exports) appear.
"""

import datetime
from types import SimpleNamespace

from core.validators import id_number_check_digit


def valid_id(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


HEAD_IDS = [valid_id("51012119580314023"), valid_id("51012119620707154")]
MEMBER_IDS = [valid_id("51012120150101036"), valid_id("51012119851230118")]  # a child, an adult
# Entered through an .xlsx import (the leak scan only).
IMPORT_ID = valid_id("51012119700505201")
IMPORT_PHONE = "17700009999"
ID_NUMBERS = HEAD_IDS + MEMBER_IDS + [IMPORT_ID]
PHONES = ["13912345678", "18688886666", "15000001111", IMPORT_PHONE]


def create_records(*, actor, village) -> SimpleNamespace:
    """Two appeals (one edited), two households (one with two members and a help record)."""
    from ledgers.choices import AppealCategory, HardshipType, HelpKind, Relation
    from ledgers.services import appeal_create, appeal_update, help_record_add, household_create, household_member_add

    promised = datetime.date.today() + datetime.timedelta(days=10)
    appeals = [
        appeal_create(
            actor=actor,
            region=village,
            data={
                "category": AppealCategory.DRINKING_WATER,
                "raiser_name": f"反映人{index}",
                "raiser_phone": phone,
                "title": f"三组自来水管破裂{index}",
                "responsible_person": "刘芳",
                "promised_date": promised,
            },
        )
        for index, phone in enumerate(PHONES[:2])
    ]
    appeals[0] = appeal_update(
        actor=actor, appeal=appeals[0], expected_version=1, data={"raiser_phone": PHONES[1], "title": "水管已报修"}
    )
    households = [
        household_create(
            actor=actor,
            region=village,
            data={"head_name": name, "head_id_number": head_id, "phone": phone, "address": "竹篙村三组"},
            hardship_types=[HardshipType.ELDERLY_ALONE, HardshipType.POOR],
        )
        for name, head_id, phone in (("张秀英", HEAD_IDS[0], PHONES[2]), ("李长贵", HEAD_IDS[1], ""))
    ]
    members = [
        household_member_add(
            actor=actor,
            household=households[0],
            data={"name": "张小明", "relation": Relation.GRANDCHILD, "id_number": MEMBER_IDS[0], "health_note": "哮喘"},
        ),
        household_member_add(
            actor=actor,
            household=households[0],
            data={"name": "张建国", "relation": Relation.CHILD, "id_number": MEMBER_IDS[1]},
        ),
    ]
    help_record_add(
        actor=actor,
        household=households[0],
        data={"given_on": datetime.date.today(), "kind": HelpKind.WARM_WINTER, "amount_fen": 50000, "given_by": "刘芳"},
    )
    return SimpleNamespace(appeals=appeals, households=households, members=members)


def import_household(*, actor, village_name: str):
    """One household imported from an .xlsx through the import services (dry run, then "valid
    only"), written by a Celery worker if one is listening, else here. Returns the batch."""
    import io
    import time

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from config.celery import app
    from ledgers.models import ImportBatch, ImportKind, ImportMode
    from ledgers.services import import_batch_execute, import_batch_prepare, import_batch_start
    from ledgers.services.imports import import_spec

    spec = import_spec(ImportKind.HOUSEHOLDS)
    values = {column.field: column.example for column in spec.columns}
    values.update(region=village_name, head_name="王秀兰", head_id_number=IMPORT_ID, phone=IMPORT_PHONE)
    values["registered_on"] = datetime.date.today().isoformat()
    workbook = Workbook()
    workbook.active.append(spec.headers)
    workbook.active.append([values.get(column.field, "") for column in spec.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("困难群众.xlsx", buffer.getvalue())
    batch = import_batch_prepare(actor=actor, kind=ImportKind.HOUSEHOLDS, upload=upload)
    assert batch.invalid_rows == 0, list(batch.rows.values_list("errors", flat=True))
    import_batch_start(actor=actor, batch=batch, mode=ImportMode.VALID_ONLY)
    if not settings.CELERY_TASK_ALWAYS_EAGER and app.control.ping(timeout=1.0):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and ImportBatch.objects.get(pk=batch.pk).finished_at is None:
            time.sleep(0.2)
    import_batch_execute(batch_id=batch.pk)  # a no-op when the batch is already finished
    batch.refresh_from_db()
    assert batch.finished_at is not None and batch.written_rows == 1, (batch.status, batch.message)
    return batch
