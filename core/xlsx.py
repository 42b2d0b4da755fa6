"""Excel (xlsx) downloads and uploads, bounded in memory and size.

Writing: `workbook_response()` builds the workbook with openpyxl's write-only mode (rows go
to a temporary file, not to memory), then streams that file as the download, with a UTF-8
file name in the Content-Disposition header (RFC 6266 / RFC 5987) and the ID and phone
columns formatted as text so Excel neither rounds 18-digit numbers nor drops leading zeros.

Reading: `read_rows()` refuses anything that is not a real, reasonably small .xlsx file, checks
the header row against the expected headers (naming the missing and unknown ones), and yields
`(row_number, {header: value})` for each non-empty row, refusing files past `max_rows`.
"""

from __future__ import annotations

import datetime
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_FORMAT = "@"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000
# A header row wider than this is not one of our sheets; it also bounds the work per row.
MAX_COLUMNS = 60
ZIP_MAGIC = b"PK\x03\x04"
# Data validations cover this many rows below the header in templates.
VALIDATION_ROWS = 5000

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)


class XlsxError(ValidationError):
    """The upload cannot be read as the expected sheet; the message says why, in Chinese."""


@dataclass
class Sheet:
    """One worksheet to write: a header row, then `rows` (any iterable, consumed once).

    `text_columns`: headers whose cells are text-formatted (ID numbers, phones, codes).
    `comments`: header -> hint shown as a cell comment on the header.
    `choices`: header -> allowed values, offered as a drop-down list (data validation).
    `widths`: header -> column width in characters.
    """

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence] = ()
    text_columns: Iterable[str] = ()
    comments: dict[str, str] = field(default_factory=dict)
    choices: dict[str, Sequence[str]] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real UTF-8 name (RFC 5987 `filename*`).
    The fallback keeps what ASCII there is of a Chinese name behind a plain stem:
    "统计-金堂县-202611260412.xlsx" -> "download-202611260412.xlsx", "民生诉求.xlsx" -> "download.xlsx"."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip()
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, "xlsx"
    stem = stem.strip("-_ .")
    if not stem:
        ascii_name = f"download.{extension}"
    elif not filename.isascii():
        ascii_name = f"download-{stem}.{extension}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _cell_value(value):
    if value is None:
        return None
    if isinstance(value, (bool, int, float, datetime.date, datetime.datetime)):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            from django.utils import timezone

            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return str(value)


def _write_sheet(workbook: Workbook, sheet: Sheet) -> int:
    ws = workbook.create_sheet(title=str(sheet.title)[:31])
    headers = [str(h) for h in sheet.headers]
    text_columns = {str(h) for h in sheet.text_columns}
    text_indexes = {i for i, h in enumerate(headers) if h in text_columns}
    comments = {str(k): str(v) for k, v in sheet.comments.items()}
    widths = {str(k): v for k, v in sheet.widths.items()}
    for index, header in enumerate(headers):
        letter = get_column_letter(index + 1)
        ws.column_dimensions[letter].width = widths.get(header, max(10, min(40, len(header) * 2 + 4)))
        if index in text_indexes:
            # The whole column, so values typed later into a template stay text too.
            ws.column_dimensions[letter].number_format = TEXT_FORMAT
    for header, values in sheet.choices.items():
        if str(header) not in headers or not values:
            continue
        letter = get_column_letter(headers.index(str(header)) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(str(v) for v in values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=str(_("取值无效")),
            error=str(_("请从下拉列表中选择。")),
        )
        ws.data_validations.append(validation)
        validation.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")
    ws.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
        if header in comments:
            cell.comment = Comment(comments[header], str(_("填写说明")), width=260, height=120)
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for row in sheet.rows:
        values = []
        for index, value in enumerate(row):
            value = _cell_value(value)
            if index in text_indexes:
                cell = WriteOnlyCell(ws, value=None if value is None else str(value))
                cell.number_format = TEXT_FORMAT
                values.append(cell)
            elif isinstance(value, (datetime.date, datetime.datetime)):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd" if not isinstance(value, datetime.datetime) else "yyyy-mm-dd hh:mm"
                values.append(cell)
            else:
                values.append(value)
        ws.append(values)
        count += 1
    return count


def write_workbook(target, sheets: Sequence[Sheet]) -> list[int]:
    """Write `sheets` to `target` (a path or a binary file); returns the data-row count per sheet."""
    workbook = Workbook(write_only=True)
    counts = [_write_sheet(workbook, sheet) for sheet in sheets]
    workbook.save(target)
    return counts


def workbook_response(
    *,
    filename: str,
    sheets: Sequence[Sheet] | None = None,
    headers: Sequence[str] | None = None,
    rows: Iterable[Sequence] = (),
    text_columns: Iterable[str] = (),
    title: str | None = None,
) -> FileResponse:
    """An .xlsx download. Give either `sheets`, or `headers` + `rows` (+ `text_columns`) for one sheet.

    Rows are consumed once, written in write-only mode to a temporary file, and the file is
    streamed in chunks, so memory stays flat whatever the row count. The caller bounds the rows.
    `response.row_counts` holds the data rows written per sheet (for the audit message).
    """
    if sheets is None:
        if headers is None:
            raise ValueError("give sheets, or headers and rows")
        sheets = [Sheet(title=title or "Sheet1", headers=headers, rows=rows, text_columns=text_columns)]
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    counts = write_workbook(handle, sheets)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    response.row_counts = counts
    return response


# --- Reading --------------------------------------------------------------------------------
def normalize_header(value) -> str:
    """Header text as typed: spaces, a required-marker star and "（必填）" do not matter."""
    text = "" if value is None else str(value)
    text = text.replace("\u3000", " ").strip()
    for suffix in ("（必填）", "(必填)", "*", "＊"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    return text.lstrip("*＊").strip()


def _clean_value(value):
    if isinstance(value, str):
        value = value.replace("\u3000", " ").strip()
        return value or None
    return value


def check_upload(upload, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Name, size and zip signature of an uploaded file; raises XlsxError with the reason."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        if name.endswith((".xls", ".et", ".csv", ".wps")):
            raise XlsxError(
                _("只支持 .xlsx 格式的 Excel 文件，请在 Excel 中“另存为 .xlsx”后再上传。"), code="xlsx_type"
            )
        raise XlsxError(_("只支持 .xlsx 格式的 Excel 文件。"), code="xlsx_type")
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size == 0:
        raise XlsxError(_("上传的文件是空的。"), code="xlsx_empty")
    if size > max_bytes:
        raise XlsxError(
            _("文件太大（%(size)s MB），最大 %(max)s MB。请分成几个文件上传。")
            % {"size": f"{size / 1048576:.1f}", "max": f"{max_bytes / 1048576:.0f}"},
            code="xlsx_too_large",
        )
    upload.seek(0)
    magic = upload.read(4)
    upload.seek(0)
    if magic != ZIP_MAGIC:
        raise XlsxError(_("文件内容不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。"), code="xlsx_type")


def read_rows(
    upload,
    *,
    expected_headers: Sequence[str],
    required_headers: Sequence[str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[tuple[int, dict]]:
    """Rows of the first worksheet of an uploaded .xlsx as `(row_number, {header: value})`.

    The file type, size and header row are checked before this returns (XlsxError); the
    row limit is checked while iterating (XlsxError from the iterator). Row numbers are
    Excel's (the header is row 1). Empty rows are skipped; strings are stripped; a column
    whose header is absent from the file is absent from the dict. `required_headers`
    (default: all expected) must be present; headers not in `expected_headers` are refused.
    """
    check_upload(upload, max_bytes=max_bytes)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, Exception):  # openpyxl raises assorted errors on malformed files
        raise XlsxError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"), code="xlsx_unreadable")
    if not workbook.worksheets:
        workbook.close()
        raise XlsxError(_("文件中没有工作表。"), code="xlsx_empty")
    sheet = workbook.worksheets[0]
    try:
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header_row = next(rows, None)
    except Exception:
        workbook.close()
        raise XlsxError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"), code="xlsx_unreadable")
    columns = _check_headers(header_row, expected_headers, required_headers)
    return _iter_data(workbook, rows, columns, max_rows)


def _check_headers(header_row, expected_headers, required_headers) -> list[tuple[int, str]]:
    if header_row is None or not any(_clean_value(v) is not None for v in header_row):
        raise XlsxError(_("文件是空的：第 1 行应为表头。请使用下载的导入模板。"), code="xlsx_empty")
    expected = [str(h) for h in expected_headers]
    required = [str(h) for h in (required_headers if required_headers is not None else expected)]
    found = [(index, normalize_header(value)) for index, value in enumerate(header_row)]
    found = [(index, header) for index, header in found if header]
    names = [header for _index, header in found]
    duplicated = sorted({h for h in names if names.count(h) > 1}, key=names.index)
    missing = [h for h in required if h not in names]
    unknown = [h for h in names if h not in expected]
    problems = []
    if missing:
        problems.append(_("缺少列：%(headers)s") % {"headers": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(headers)s") % {"headers": "、".join(unknown)})
    if duplicated:
        problems.append(_("重复的列：%(headers)s") % {"headers": "、".join(duplicated)})
    if problems:
        raise XlsxError(
            _("表头与导入模板不符。%(problems)s。请使用下载的导入模板。") % {"problems": "；".join(map(str, problems))},
            code="xlsx_headers",
        )
    return found


def _iter_data(workbook, rows, columns, max_rows) -> Iterator[tuple[int, dict]]:
    count = 0
    try:
        for row_number, row in enumerate(rows, start=2):
            values = {header: _clean_value(row[index]) if index < len(row) else None for index, header in columns}
            if all(v is None for v in values.values()):
                continue
            count += 1
            if count > max_rows:
                raise XlsxError(
                    _("数据超过 %(max)s 行，请分成几个文件导入。") % {"max": max_rows}, code="xlsx_too_many_rows"
                )
            yield row_number, values
    except XlsxError:
        raise
    except Exception:
        raise XlsxError(_("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"), code="xlsx_unreadable")
    finally:
        workbook.close()


def read_all(upload, **kwargs) -> list[tuple[int, dict]]:
    """`read_rows` materialised: every error (type, size, headers, row limit) raised here."""
    rows = list(read_rows(upload, **kwargs))
    if not rows:
        raise XlsxError(_("文件中没有数据行（只有表头）。"), code="xlsx_no_rows")
    return rows
