"""Excel bulk pairing and cadre import: row errors, dry run writes nothing, all-or-nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pairings.models import Cadre, Pair
from pairings.services.imports import CADRE_HEADERS, PAIR_HEADERS, cadre_import, pair_import

# The queued write runs in this process, even where REDIS_URL points at a broker without a worker.
pytestmark = pytest.mark.usefixtures("eager_tasks")


def upload(headers, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("x.xlsx", buffer.getvalue())


def test_pair_import_reports_each_row_and_writes_nothing(tree, users, cadres, households):
    rows = [
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],  # fine
        ["无此人", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "无此户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "黄三户", "", tree.sibling_village.code, "联系帮扶", "2026-02-01"],
        ["李认亲", "", "竹篙镇人民政府", "刘二户", "", tree.village.code, "认亲吧", "2026-02-30"],
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],  # repeat
    ]
    result = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    by_row = {}
    for number, column, _message in result.errors:
        by_row.setdefault(number, set()).add(column)
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert by_row[3] == {"干部姓名"} and by_row[4] == {"户主姓名或名称"}
    assert "村（社区）代码" in by_row[5]
    assert by_row[6] == {"结对类型", "结对日期"}
    assert result.written == 0 and Pair.objects.count() == 0


def test_pair_import_dry_run_then_write(tree, users, cadres, households):
    rows = [
        ["李认亲", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"],
        ["张帮扶", "", "金堂县农业农村局", "刘二户", "", tree.village.code, "help", ""],
    ]
    checked = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=False)
    assert checked.ok and checked.total == 2 and Pair.objects.count() == 0
    written = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    assert written.written == 2 and Pair.objects.count() == 2
    again = pair_import(actor=users.township_staff, upload=upload(PAIR_HEADERS, rows), write=True)
    assert not again.ok and Pair.objects.count() == 2  # already paired: refused per row


def test_cadre_import(tree, users, units):
    rows = [
        ["王一", "竹篙镇人民政府", "科员", "是", "13812345678", "11010519491231002X", tree.town.code],
        ["王二", "五凤镇人民政府", "", "否", "", "", tree.town.code],  # a sibling's unit
        ["王三", "竹篙镇人民政府", "", "也许", "", "110105194912310021", tree.sibling_town.code],
    ]
    result = cadre_import(actor=users.township_staff, upload=upload(CADRE_HEADERS, rows), write=True)
    columns = {(n, c) for n, c, _m in result.errors}
    assert columns == {(3, "所在单位"), (4, "中共党员"), (4, "身份证号"), (4, "所在区划代码")}
    assert Cadre.objects.count() == 0
    result = cadre_import(actor=users.township_staff, upload=upload(CADRE_HEADERS, rows[:1]), write=True)
    assert result.written == 1
    cadre = Cadre.objects.get()
    assert cadre.is_party_member and cadre.id_number == "11010519491231002X"


def test_a_file_that_is_not_a_workbook_is_refused_with_a_clear_message(tree, users):
    from django.core.exceptions import ValidationError

    bad = SimpleUploadedFile("x.xlsx", b"MZ not a workbook")
    try:
        pair_import(actor=users.township_staff, upload=bad, write=True)
    except ValidationError as exc:
        assert exc.messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in exc.messages)
    else:
        raise AssertionError("accepted a file that is not a workbook")
    assert Pair.objects.count() == 0


# --- "Check and write": the write queued to a worker, like the ledgers' imports ---------------------
CADRE_ROW = ["王一", "竹篙镇人民政府", "科员", "是", "13812345678", "11010519491231002X"]


def post_import(client, url_name, file, mode="write"):
    from django.urls import reverse

    return client.post(reverse(url_name), {"file": file, "mode": mode})


def test_check_and_write_queues_a_job_the_worker_writes_in_one_transaction(
    client_for, tree, users, units, django_capture_on_commit_callbacks
):
    from django.db import connection

    from pairings.models import ImportJob

    client = client_for(users.township_staff)
    rows = [CADRE_ROW + [tree.town.code], ["王二", "竹篙镇人民政府", "", "否", "", "", tree.town.code]]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post_import(client, "pairings:cadre_import", upload(CADRE_HEADERS, rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/pairings/imports/{job.pk}/"
    # Given the job queued and not yet run: nothing written, the workbook kept encrypted
    assert job.status == "queued" and job.total_rows == 2 and Cadre.objects.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM pairings_importjob WHERE id = %s", [job.pk])
        stored = cursor.fetchone()[0]
    assert stored and "UEsDB" not in stored  # not the workbook's base64 ("PK\x03\x04") in clear
    assert "排队写入" in client.get(response.url).content.decode()
    # When the worker runs it
    for callback in queued:
        callback()
    job.refresh_from_db()
    # Then every row is written, the workbook dropped, the page says so
    assert job.status == "done" and job.written_rows == 2 and job.content == ""
    assert set(Cadre.objects.values_list("name", flat=True)) == {"王一", "王二"}
    assert "已写入 2 行" in client.get(response.url).content.decode()


def test_running_a_job_twice_writes_nothing_twice(tree, users, units, django_capture_on_commit_callbacks):
    from pairings.services.imports import import_job_execute, import_job_submit

    with django_capture_on_commit_callbacks(execute=True):
        result, job = import_job_submit(
            actor=users.township_staff, kind="cadre", upload=upload(CADRE_HEADERS, [CADRE_ROW + [tree.town.code]])
        )
    assert result.ok and Cadre.objects.count() == 1
    again = import_job_execute(job_id=job.pk)
    assert again.status == "done" and again.written_rows == 1 and Cadre.objects.count() == 1


def test_rows_that_became_invalid_before_the_write_refuse_the_whole_job(
    tree, users, units, django_capture_on_commit_callbacks
):
    from pairings.services.imports import import_job_execute, import_job_submit
    from tests.pairings.conftest import make_cadre

    rows = [["王二", "竹篙镇人民政府", "", "否", "", "", tree.town.code], CADRE_ROW + [tree.town.code]]
    with django_capture_on_commit_callbacks(execute=False):
        _result, job = import_job_submit(actor=users.township_staff, kind="cadre", upload=upload(CADRE_HEADERS, rows))
    # Meanwhile someone registers the second row's cadre
    from core.crypto import keyed_hash

    make_cadre(units.town, "王一", tree.town, id_number="11010519491231002X", id_hash=keyed_hash("11010519491231002X"))
    job = import_job_execute(job_id=job.pk)
    assert job.status == "failed" and job.written_rows == 0 and job.content == ""
    assert [row[:2] for row in job.errors] == [[3, "身份证号"]]
    assert list(Cadre.objects.values_list("name", flat=True)) == ["王一"]  # nothing of the file written


def test_rows_with_problems_make_no_job(client_for, tree, users, cadres, households):
    from pairings.models import ImportJob

    rows = [["无此人", "", "竹篙镇人民政府", "陈一户", "", tree.village.code, "联系帮扶", "2026-02-01"]]
    response = post_import(client_for(users.township_staff), "pairings:pair_import", upload(PAIR_HEADERS, rows))
    assert response.status_code == 400 and "import-errors" in response.content.decode()
    assert ImportJob.objects.count() == 0 and Pair.objects.count() == 0


@pytest.mark.parametrize(("name", "status"), [("anonymous", 302), ("other", 404), ("owner", 200)])
def test_an_import_job_is_its_uploaders_only(client_for, tree, users, units, name, status):
    from pairings.models import ImportJob

    job = ImportJob.objects.create(kind="cadre", file_name="x.xlsx", created_by=users.township_staff)
    user = {"anonymous": None, "other": users.county_leader, "owner": users.township_staff}[name]
    assert client_for(user).get(f"/pairings/imports/{job.pk}/").status_code == status


def test_a_user_who_may_not_import_makes_no_job(client_for, tree, users, units):
    from pairings.models import ImportJob

    file = upload(CADRE_HEADERS, [CADRE_ROW + [tree.town.code]])
    response = post_import(client_for(users.county_leader), "pairings:cadre_import", file)
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0 and Cadre.objects.count() == 0


def test_the_resume_task_queues_only_stale_jobs(tree, users, units):
    import datetime

    from django.utils import timezone

    from pairings.models import ImportJob
    from pairings.services.imports import import_jobs_resume

    old = ImportJob.objects.create(kind="cadre", file_name="x.xlsx", created_by=users.township_staff)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    ImportJob.objects.create(kind="cadre", file_name="y.xlsx", created_by=users.township_staff)
    done = ImportJob.objects.create(kind="cadre", file_name="z.xlsx", created_by=users.township_staff, status="done")
    ImportJob.objects.filter(pk=done.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    assert import_jobs_resume() == [old.pk]
    old.refresh_from_db()
    assert old.status == "failed"  # run eagerly here: its (empty) workbook is refused with a message
    assert old.errors and old.written_rows == 0
