"""core/xlsx.py: downloads with text ID columns and a UTF-8 file name; bounded, checked uploads."""

import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.xlsx import Sheet, XlsxError, content_disposition, read_all, read_rows, workbook_response, write_workbook

HEADERS = ["姓名", "身份证号", "金额"]


def xlsx_upload(rows, *, name="数据.xlsx", headers=HEADERS):
    workbook = Workbook()
    sheet = workbook.active
    if headers is not None:
        sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def response_workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_workbook_response_writes_text_id_columns_and_utf8_filename():
    # given rows with an 18-digit ID number and a leading-zero code
    rows = [["张三", "51012119800101001X", 12.5], ["李四", "012345678901234567", 0]]
    # when
    response = workbook_response(filename="民生诉求.xlsx", headers=HEADERS, rows=rows, text_columns=["身份证号"])
    # then
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == "attachment; filename=\"download.xlsx\"; filename*=UTF-8''" + quote(
        "民生诉求.xlsx"
    )
    assert response.row_counts == [2]
    sheet = response_workbook(response).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["B2"].value == "51012119800101001X"
    assert sheet["B2"].number_format == "@"
    assert sheet["B3"].value == "012345678901234567"
    assert sheet.column_dimensions["B"].number_format == "@"
    assert sheet["C2"].value == 12.5


def test_content_disposition_has_ascii_fallback_and_rfc5987_name():
    assert content_disposition("appeals-2026.xlsx") == (
        "attachment; filename=\"appeals-2026.xlsx\"; filename*=UTF-8''appeals-2026.xlsx"
    )
    header = content_disposition("民生诉求 导出.xlsx")
    assert header == "attachment; filename=\"download.xlsx\"; filename*=UTF-8''" + quote("民生诉求 导出.xlsx", safe="")
    # what ASCII a Chinese name has is kept behind a plain stem, never as "--2026....xlsx"
    assert 'filename="download-202611260412.xlsx"' in content_disposition("统计-金堂县-202611260412.xlsx")


def test_template_sheet_has_comments_and_dropdowns(tmp_path):
    path = tmp_path / "t.xlsx"
    write_workbook(
        path,
        [
            Sheet(
                title="导入",
                headers=["类别", "身份证号"],
                comments={"类别": "从列表选择"},
                choices={"类别": ["上学", "看病"]},
                text_columns=["身份证号"],
            )
        ],
    )
    sheet = load_workbook(path).worksheets[0]
    assert sheet["A1"].comment.text == "从列表选择"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"上学,看病"'
    assert str(validation.sqref) == "A2:A5001"
    assert sheet.column_dimensions["B"].number_format == "@"


def test_read_rows_yields_row_numbers_and_values_skipping_empty_rows():
    upload = xlsx_upload([[" 张三 ", "51012119800101001X", 3], [None, None, None], ["李四", None, 4]])
    rows = list(read_rows(upload, expected_headers=HEADERS))
    assert rows == [
        (2, {"姓名": "张三", "身份证号": "51012119800101001X", "金额": 3}),
        (4, {"姓名": "李四", "身份证号": None, "金额": 4}),
    ]


def test_read_rows_accepts_required_markers_and_missing_optional_columns():
    upload = xlsx_upload([["张三", 1]], headers=["姓名*", "金额（必填）"])
    rows = list(read_rows(upload, expected_headers=HEADERS, required_headers=["姓名", "金额"]))
    assert rows == [(2, {"姓名": "张三", "金额": 1})]


def test_read_rows_names_missing_unknown_and_duplicate_headers():
    upload = xlsx_upload([["x"]], headers=["姓名", "年龄", "年龄"])
    with pytest.raises(XlsxError) as caught:
        read_rows(upload, expected_headers=HEADERS)
    assert caught.value.code == "xlsx_headers"
    assert caught.value.messages == [
        "表头与导入模板不符。缺少列：身份证号、金额；无法识别的列：年龄、年龄；重复的列：年龄。请使用下载的导入模板。"
    ]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("data.xls", b"\xd0\xcf\x11\xe0rest", "xlsx_type"),
        ("data.csv", b"a,b\n", "xlsx_type"),
        ("data.xlsx", b"not a zip at all", "xlsx_type"),
        ("data.xlsx", b"", "xlsx_empty"),
    ],
)
def test_read_rows_refuses_files_that_are_not_xlsx(name, content, code):
    with pytest.raises(XlsxError) as caught:
        read_rows(SimpleUploadedFile(name, content), expected_headers=HEADERS)
    assert caught.value.code == code


def test_read_rows_refuses_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(XlsxError) as caught:
        read_rows(SimpleUploadedFile("x.xlsx", buffer.getvalue()), expected_headers=HEADERS)
    assert caught.value.code == "xlsx_unreadable"


def test_read_rows_refuses_oversized_files_before_parsing():
    upload = xlsx_upload([["张三", "1", 1]])
    with pytest.raises(XlsxError) as caught:
        read_rows(upload, expected_headers=HEADERS, max_bytes=100)
    assert caught.value.code == "xlsx_too_large"
    assert "最大" in caught.value.messages[0]


def test_read_rows_stops_past_the_row_limit():
    upload = xlsx_upload([["张三", None, i] for i in range(11)])
    with pytest.raises(XlsxError) as caught:
        list(read_rows(upload, expected_headers=HEADERS, max_rows=10))
    assert caught.value.messages == ["数据超过 10 行，请分成几个文件导入。"]


def test_read_all_refuses_header_only_and_empty_sheets():
    with pytest.raises(XlsxError) as caught:
        read_all(xlsx_upload([]), expected_headers=HEADERS)
    assert caught.value.code == "xlsx_no_rows"
    with pytest.raises(XlsxError) as caught:
        read_all(xlsx_upload([], headers=None), expected_headers=HEADERS)
    assert caught.value.code == "xlsx_empty"
