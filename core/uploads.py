"""One gate for every uploaded spreadsheet: `validate_xlsx_upload(upload)`.

On top of `core.xlsx.check_upload` (the .xlsx extension, a size limit, the zip signature, which
already refuses renamed programs: MZ, ELF and #! files do not start with it), it
opens the zip directory without extracting anything and refuses:
- a zip that is not an Office Open XML workbook (no [Content_Types].xml or xl/workbook.xml);
- macros (xl/vbaProject.bin), embedded executables or scripts, OLE objects;
- encrypted members, absolute or parent-directory paths;
- zip bombs: too many members, too large when unpacked, or an absurd compression ratio.
Every refusal is a ValidationError with a Chinese message (XlsxError), so forms show it and the
API answers 400. Importers call it before `core.xlsx.read_rows`.
"""

import zipfile

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.xlsx import XlsxError, check_upload

MAX_MEMBERS = 2000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
# Not ".bin": Excel stores printer settings as xl/printerSettings/*.bin. Macros, ActiveX and OLE
# objects (also .bin) are caught by their paths below.
FORBIDDEN_SUFFIXES = (
    ".exe",
    ".dll",
    ".com",
    ".bat",
    ".cmd",
    ".ps1",
    ".vbs",
    ".js",
    ".jar",
    ".sh",
    ".msi",
    ".scr",
    ".hta",
)
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")


def max_upload_bytes() -> int:
    return getattr(settings, "JICENG_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)


def _refuse(message, code):
    raise XlsxError(message, code=code)


def validate_xlsx_upload(upload, *, max_bytes: int | None = None) -> None:
    """Raise XlsxError unless `upload` (an UploadedFile or a binary file) is a plain .xlsx workbook."""
    check_upload(upload, max_bytes=max_bytes or max_upload_bytes())
    # check_upload has refused anything not starting with the zip signature: renamed programs
    # (MZ, ELF, #!) and other formats never get this far.
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        upload.seek(0)
        _refuse(_("文件内容不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。"), "xlsx_type")
    try:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            _refuse(_("文件结构异常（压缩包内文件过多），已拒绝。"), "xlsx_bomb")
        names = {member.filename for member in members}
        if not all(name in names for name in REQUIRED_MEMBERS):
            _refuse(_("文件内容不是有效的 .xlsx 文件（可能是改了扩展名的其他文件）。"), "xlsx_type")
        unpacked = 0
        for member in members:
            name = member.filename
            lowered = name.lower()
            if member.flag_bits & 0x1:
                _refuse(_("不支持加密的 Excel 文件，请取消密码保护后再上传。"), "xlsx_encrypted")
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
                _refuse(_("文件结构异常，已拒绝。"), "xlsx_path")
            if "vbaproject" in lowered or lowered.endswith((".xlsm", ".xlam")):
                _refuse(_("不允许上传含宏的 Excel 文件，请另存为不含宏的 .xlsx 文件。"), "xlsx_macro")
            if lowered.endswith(FORBIDDEN_SUFFIXES) or "/embeddings/" in lowered or "activex" in lowered:
                _refuse(_("文件中嵌入了程序或对象，已拒绝。请只保留表格数据后再上传。"), "xlsx_embedded")
            unpacked += member.file_size
            if member.file_size > 1024 * 1024 and member.file_size / max(member.compress_size, 1) > MAX_RATIO:
                _refuse(_("文件结构异常（压缩比异常），已拒绝。"), "xlsx_bomb")
        if unpacked > MAX_UNPACKED_BYTES:
            _refuse(_("文件解压后过大，已拒绝。请分成几个文件上传。"), "xlsx_bomb")
    finally:
        archive.close()
        upload.seek(0)


def xlsx_upload_validator(upload) -> None:
    """The same check as a Django form/model field validator: `validators=[xlsx_upload_validator]`."""
    validate_xlsx_upload(upload)
