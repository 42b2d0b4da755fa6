"""The blank import workbook users fill in."""

import re

from django.utils.translation import gettext as _

from core.xlsx import Sheet
from ledgers.services.imports.columns import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, import_spec
from ledgers.services.imports.parsing import _choice_names
from regions.choices import Level
from regions.models import Region
from regions.names import everyday_name
from regions.scoping import restrict


def example_village(user, spec) -> str:
    """The everyday name of a village the user may import into: the template's example."""
    if user is None:
        return ""
    allowed = restrict(Region.objects.filter(level=Level.VILLAGE), user, spec.import_permission)
    first = allowed.order_by("code").values_list("name", flat=True).first()
    return everyday_name(first) if first else ""


def import_template(kind: str, user=None) -> tuple[str, list[Sheet]]:
    """(file name, sheets) of the blank import workbook for `kind`; the village example is one of
    `user`'s own villages."""
    spec = import_spec(kind)
    own_village = example_village(user, spec)
    headers = [c.header + ("*" if c.required else "") for c in spec.columns]
    comments, choices, widths = {}, {}, {}
    for column, header in zip(spec.columns, headers, strict=True):
        hint = column.hint
        if column.parse in ("choice", "choices") and not hint:
            hint = _("可选：%(names)s") % {"names": _choice_names(column.choices)}
        if column.required:
            hint = (_("必填。") + " " + str(hint)).strip()
        if hint:
            comments[header] = str(hint)
        if column.parse == "choice":
            choices[header] = [re.split(r"[（(]", str(label))[0] for _v, label in column.choices.choices]
        widths[header] = 24 if column.parse in ("id", "village", "choices") or (column.max_length or 0) > 100 else 14
    data_sheet = Sheet(
        title=spec.label,
        headers=headers,
        text_columns=[h for c, h in zip(spec.columns, headers, strict=True) if c.parse in ("id", "phone", "village")],
        comments=comments,
        choices=choices,
        widths=widths,
    )
    guide_rows = [
        [
            c.header,
            _("是") if c.required else _("否"),
            str(c.hint) or (_("可选：%(names)s") % {"names": _choice_names(c.choices)} if c.choices else ""),
            (own_village or c.example) if c.parse == "village" else c.example,
        ]
        for c in spec.columns
    ]
    guide_rows.append([])
    guide_rows.append(
        [
            _("说明"),
            "",
            _(
                "第 1 行为表头，请勿修改；从第 2 行起每行一条记录，最多 %(rows)s 行，文件不超过 %(mb)s MB。带 * 的列必填。"
            )
            % {"rows": IMPORT_MAX_ROWS, "mb": IMPORT_MAX_BYTES // 1048576},
            "",
        ]
    )
    guide = Sheet(
        title=_("填写说明"),
        headers=[_("列名"), _("必填"), _("填写要求"), _("示例")],
        rows=guide_rows,
        widths={_("列名"): 18, _("必填"): 8, _("填写要求"): 60, _("示例"): 24},
        text_columns=[_("示例")],
    )
    return f"{spec.label}导入模板.xlsx", [data_sheet, guide]
