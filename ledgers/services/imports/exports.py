"""Ledger exports: their columns, read from the ledgers' column specifications, and the audit trace
every export leaves.

One column specification per ledger (`columns.SPECS`) serves the import template, the import and
the export: an export column named by its field takes the spec column's header (translated), its
cell format (ID and phone numbers as text) and how its value is shown from its parse type —
choices by their labels, money in yuan, yes/no, ID and phone numbers masked as the model declares
them (core.sensitive). Only what an import never fills (identity, place, status, outcome) is
declared here, as an export-only column.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.choices import Action
from audit.services import audit_record
from core.validators import (
    mask_personal_numbers,
)
from ledgers.models import ImportKind
from ledgers.querysets import LivelihoodAppealQuerySet, StabilityMatterQuerySet
from ledgers.services.imports.columns import Column, ImportSpec, import_spec
from regions.scoping import scope_prefixes


class ExportContext:
    """What every row of one export shares: the day (for "overdue"), yes/no, and each choice
    field's {value: label}, built once: get_FOO_display() rebuilds and re-translates the whole
    choice list on every call (most of an export's time once)."""

    def __init__(self, model, today):
        self.model, self.today = model, today
        self.yes, self.no = _("是"), _("否")
        self._labels: dict = {}

    def labels(self, key, choices) -> dict:
        if key not in self._labels:
            self._labels[key] = {value: str(label) for value, label in choices}
        return self._labels[key]

    def field_label(self, record, name: str):
        value = getattr(record, name)
        flat = self.model._meta.get_field(name).flatchoices
        return self.labels(name, flat).get(value, value)

    def yes_no(self, value) -> str:
        return self.yes if value else self.no


@dataclass(frozen=True)
class ExportColumn:
    header: str  # a lazy string, translated when the sheet is written
    value: Callable  # (record, ExportContext) -> cell value
    text: bool = False  # a text-formatted cell (codes, ID and phone numbers)


def _local(value):
    return timezone.localtime(value) if value and getattr(value, "tzinfo", None) else value


def _spec_value(spec: ImportSpec, column: Column) -> Callable:
    """How the export shows a spec column's value, from the column's parse type."""
    name = column.field

    def read(record):
        return column.read(record) if column.read else getattr(record, name)

    if column.parse == "choice":
        return lambda record, ctx: ctx.field_label(record, name)
    if column.parse == "choices":
        return lambda record, ctx: "、".join(
            ctx.labels(name, column.choices.choices).get(value, value) for value in read(record)
        )
    if column.parse == "money":
        return lambda record, ctx: round((read(record) or 0) / 100, 2)
    if column.parse == "bool":
        return lambda record, ctx: ctx.yes_no(read(record))
    if column.is_personal_number:
        return lambda record, ctx: spec.model.personal_data.mask(name, read(record))
    return lambda record, ctx: _local(read(record))


def export_columns(spec: ImportSpec, *entries) -> tuple[ExportColumn, ...]:
    """A ledger's export columns in order: a field name is the spec's column of that field; an
    ExportColumn is an export-only column."""
    columns = []
    for entry in entries:
        if isinstance(entry, ExportColumn):
            columns.append(entry)
            continue
        column = spec.column(entry)
        columns.append(ExportColumn(column.export_header, _spec_value(spec, column), column.is_personal_number))
    return tuple(columns)


def _attribute(header, name, *, label=False):
    if label:
        return ExportColumn(header, lambda record, ctx: ctx.field_label(record, name))
    return ExportColumn(header, lambda record, ctx: _local(getattr(record, name)))


PLACE = (
    ExportColumn(gettext_lazy("编号"), lambda record, ctx: record.pk),
    ExportColumn(
        gettext_lazy("乡镇（街道）"), lambda record, ctx: record.region.parent.name if record.region.parent_id else ""
    ),
    ExportColumn(gettext_lazy("村（社区）"), lambda record, ctx: record.region.name),
    ExportColumn(gettext_lazy("区划代码"), lambda record, ctx: record.region_id, text=True),
)
STATUS = _attribute(gettext_lazy("状态"), "status", label=True)


def _overdue(queryset_class):
    return ExportColumn(
        gettext_lazy("是否逾期"), lambda record, ctx: ctx.yes_no(queryset_class.is_overdue(record, ctx.today))
    )


def _layouts() -> dict:
    return {
        ImportKind.APPEALS: export_columns(
            import_spec(ImportKind.APPEALS),
            *PLACE,
            "registered_on",
            "category",
            "raised_by",
            "raiser_name",
            "raiser_phone",
            "title",
            "description",
            "triage",
            "responsible_person",
            "promised_date",
            "funds_spent_fen",
            STATUS,
            _overdue(LivelihoodAppealQuerySet),
            _attribute(gettext_lazy("办理结果"), "resolution"),
            _attribute(gettext_lazy("办结时间"), "resolved_at"),
            _attribute(gettext_lazy("公开时间"), "disclosed_at"),
        ),
        ImportKind.HOUSEHOLDS: export_columns(
            import_spec(ImportKind.HOUSEHOLDS),
            *PLACE,
            "registered_on",
            "head_name",
            "head_id_number",
            "phone",
            "address",
            "member_count",
            "hardship_types",
            "needs",
            "is_sensitive",
            STATUS,
            _attribute(gettext_lazy("退出日期"), "exited_on"),
            _attribute(gettext_lazy("退出原因"), "exit_reason"),
        ),
        ImportKind.MATTERS: export_columns(
            import_spec(ImportKind.MATTERS),
            *PLACE,
            "registered_on",
            "matter_type",
            "title",
            "parties",
            "summary",
            "risk_level",
            "mediator",
            "deadline",
            STATUS,
            _overdue(StabilityMatterQuerySet),
            _attribute(gettext_lazy("化解结果"), "outcome", label=True),
            _attribute(gettext_lazy("结果说明"), "outcome_note"),
            _attribute(gettext_lazy("转信访编号"), "escalated_reference"),
        ),
    }


EXPORT_COLUMNS: dict[str, tuple[ExportColumn, ...]] = _layouts()


def export_headers(kind: str) -> tuple[list, list]:
    """(every header, the headers of text-formatted columns) of a ledger's export."""
    columns = EXPORT_COLUMNS[kind]
    return [c.header for c in columns], [c.header for c in columns if c.text]


def export_rows(kind: str, records, today):
    """Each record as the export's cells, in the ledger's export column order."""
    columns = EXPORT_COLUMNS[kind]
    ctx = ExportContext(import_spec(kind).model, today)
    for record in records:
        yield [column.value(record, ctx) for column in columns]


def ledger_export_audit(*, actor, model, count: int, filters: str) -> None:
    """Every export leaves a trace: who, which ledger, how many rows, with which filters."""
    permission = f"ledgers.export_{model._meta.model_name}"
    prefixes = scope_prefixes(actor, permission) or []
    region_code = prefixes[0] if len(prefixes) == 1 else ""
    audit_record(
        actor=actor,
        action=Action.EXPORT,
        object_type=model._meta.label_lower,
        region_code=region_code,
        # The filters as typed (URL-decoded), then masked by audit_record like every message: an ID
        # number searched with spaces or full-width digits never reaches the trail in clear.
        message=_("导出%(label)s %(count)s 行；筛选条件：%(filters)s")
        % {
            "label": model._meta.verbose_name,
            "count": count,
            "filters": mask_personal_numbers(unquote_plus(filters))[:300] or _("无"),
        },
    )
