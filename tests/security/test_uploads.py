"""The shared upload gate for spreadsheets: type, size, content, no executable content."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.uploads import validate_xlsx_upload
from core.xlsx import XlsxError


def _xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["户主姓名", "联系电话"])
    workbook.active.append(["张秀英", "13912345678"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_member(name: str, data: bytes, *, base: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base or _xlsx_bytes())) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "households.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _code(upload, **kwargs) -> str:
    with pytest.raises(XlsxError) as excinfo:
        validate_xlsx_upload(upload, **kwargs)
    return excinfo.value.code


def test_a_plain_workbook_passes_and_is_left_readable_from_the_start():
    upload = _upload(_xlsx_bytes())
    validate_xlsx_upload(upload)
    assert upload.read(4) == b"PK\x03\x04"


def test_a_workbook_with_printer_settings_passes():
    validate_xlsx_upload(_upload(_with_member("xl/printerSettings/printerSettings1.bin", b"\x00" * 200)))


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "households.xlsx", "xlsx_type"),  # a Windows program renamed
        (b"\x7fELF" + b"\x00" * 100, "households.xlsx", "xlsx_type"),
        (b"#!/bin/sh\nrm -rf /\n", "households.xlsx", "xlsx_type"),
        (None, "households.exe", "xlsx_type"),
        (None, "households.xls", "xlsx_type"),
        (b"", "households.xlsx", "xlsx_empty"),
    ],
)
def test_wrong_type_or_renamed_programs_are_refused(content, name, code):
    assert _code(_upload(_xlsx_bytes() if content is None else content, name)) == code


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _code(_upload(buffer.getvalue())) == "xlsx_type"


def test_a_workbook_with_macros_is_refused():
    assert _code(_upload(_with_member("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 100))) == "xlsx_macro"


@pytest.mark.parametrize("member", ["xl/embeddings/oleObject1.bin", "xl/media/run.exe", "docProps/x.js"])
def test_embedded_programs_are_refused(member):
    assert _code(_upload(_with_member(member, b"MZ" + b"\x00" * 100))) == "xlsx_embedded"


def test_a_path_outside_the_archive_is_refused():
    assert _code(_upload(_with_member("../../etc/cron.d/x", b"x"))) == "xlsx_path"


def test_a_zip_bomb_is_refused():
    assert _code(_upload(_with_member("xl/worksheets/sheet9.xml", b"\x00" * (8 * 1024 * 1024)))) == "xlsx_bomb"


def test_a_file_over_the_size_limit_is_refused_with_its_size():
    with pytest.raises(XlsxError) as excinfo:
        validate_xlsx_upload(_upload(_xlsx_bytes()), max_bytes=1000)
    assert excinfo.value.code == "xlsx_too_large"
    assert "最大" in excinfo.value.messages[0]


def test_the_default_size_limit_comes_from_settings(settings):
    settings.JICENG_UPLOAD_MAX_BYTES = 100
    assert _code(_upload(_xlsx_bytes())) == "xlsx_too_large"
