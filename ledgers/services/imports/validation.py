"""Row checks: every row parsed and checked with the rules the ledger services apply
(ledgers.services.rules and the models' own field rules), without writing anything."""

import datetime
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.crypto import decrypt, encrypt
from core.validators import (
    mask_personal_numbers,
)
from ledgers.models import (
    ImportKind,
)
from ledgers.services.imports.columns import VILLAGE, ImportSpec
from ledgers.services.imports.parsing import (
    CellError,
    parse_bool,
    parse_choice,
    parse_choices,
    parse_date,
    parse_id_number,
    parse_int,
    parse_money_fen,
    parse_phone,
    parse_text,
)
from ledgers.services.rules import (
    appeal_rules,
    check_member_count,
    household_rules,
    matter_rules,
)
from regions.choices import Level
from regions.models import Region
from regions.names import everyday_name, name_variants
from regions.scoping import restrict


@dataclass
class ParsedRow:
    row_number: int
    region: Region | None = None
    data: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    key: tuple | None = None

    def error(self, column: str, message, url: str = "") -> None:
        # A message may quote the cell ("联系电话“…”格式不正确"): an ID or phone number typed in the
        # wrong column must not be stored, nor shown on the batch page, in clear.
        error = {"column": str(column), "message": mask_personal_numbers(str(message))}
        if url:
            error["url"] = url  # the record the message names (the household already registered)
        self.errors.append(error)


def _json_value(value):
    """Cell values as they can be stored in JSON and parsed again identically."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value  # keep the float: an ID number typed as a number must still be caught
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)


SENSITIVE_PARSES = ("id", "phone")


def seal_values(spec: ImportSpec, values: dict) -> dict:
    """A row as stored: ID and phone cells encrypted (a database dump must not reveal them),
    keeping the cell's JSON type so the same checks apply when the row is read back."""
    sealed = dict(values)
    for column in spec.columns:
        value = sealed.get(column.header)
        if column.parse in SENSITIVE_PARSES and value not in (None, ""):
            sealed[column.header] = {"enc": encrypt(json.dumps(value))}
    return sealed


def unseal_values(values: dict) -> dict:
    return {
        key: json.loads(decrypt(value["enc"])) if isinstance(value, dict) and "enc" in value else value
        for key, value in values.items()
    }


class VillageResolver:
    """Villages named in a file, resolved once: by 12-digit code or by name, in the user's scope."""

    def __init__(self, actor, spec: ImportSpec, raw_values):
        self.actor = actor
        allowed = Region.objects.filter(level=Level.VILLAGE)
        allowed = restrict(restrict(allowed, actor, spec.import_permission), actor, spec.add_permission)
        codes = {v for v in raw_values if v.isdigit()}
        names = {v for v in raw_values if not v.isdigit()}
        self.in_scope = {r.code: r for r in allowed.filter(code__in=codes)} if codes else {}
        self.known_codes = set(Region.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
        # By everyday name: "八棵松村" finds "八棵松村村委会" (and the full name still works).
        self.by_name: dict[str, list[Region]] = {}
        if names:
            variants = {variant for name in names for variant in name_variants(name)}
            for region in allowed.filter(name__in=variants).select_related("parent"):
                self.by_name.setdefault(everyday_name(region.name), []).append(region)

    def resolve(self, value: str) -> Region:
        if value.isdigit():
            if len(value) != 12:
                raise CellError(_("区划代码应为 12 位数字（村级）。"))
            if value in self.in_scope:
                return self.in_scope[value]
            if value in self.known_codes:
                raise CellError(
                    _("村（社区）“%(value)s”不在您的管辖范围内，或您没有在此导入的权限。") % {"value": value}
                )
            raise CellError(_("区划代码“%(value)s”不存在。") % {"value": value})
        matches = self.by_name.get(everyday_name(value), [])
        if not matches:
            raise CellError(_("在您的管辖范围内找不到村（社区）“%(value)s”。") % {"value": value[:40]})
        if len(matches) > 1:
            raise CellError(
                _("“%(value)s”有重名（%(places)s），请改填 12 位区划代码。")
                % {
                    "value": value[:40],
                    "places": "、".join(f"{r.parent.name if r.parent else ''}{r.code}" for r in matches),
                }
            )
        return matches[0]


def _parse_row(spec: ImportSpec, villages: VillageResolver, row_number: int, values: dict) -> ParsedRow:
    parsed = ParsedRow(row_number=row_number)
    for column in spec.columns:
        raw = values.get(column.header)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, ""):
            if column.required:
                parsed.error(column.header, _("必填。"))
            continue
        try:
            if column.parse == "village":
                parsed.region = villages.resolve(str(raw).strip())
            elif column.parse == "text":
                parsed.data[column.field] = parse_text(raw, column.max_length)
            elif column.parse == "choice":
                parsed.data[column.field] = parse_choice(raw, column.choices)
            elif column.parse == "choices":
                parsed.extra[column.field] = parse_choices(raw, column.choices)
            elif column.parse == "date":
                parsed.data[column.field] = parse_date(raw)
            elif column.parse == "money":
                parsed.data[column.field] = parse_money_fen(raw)
            elif column.parse == "int":  # the household size: the services' rule
                parsed.data[column.field] = parse_int(raw, minimum=None, maximum=None)
                check_member_count(parsed.data[column.field])
            elif column.parse == "bool":
                parsed.data[column.field] = parse_bool(raw)
            elif column.parse == "id":
                parsed.data[column.field] = parse_id_number(raw)
            elif column.parse == "phone":
                parsed.data[column.field] = parse_phone(raw)
        except CellError as exc:
            parsed.error(column.header, exc.message)
        except ValidationError as exc:
            for message in exc.messages:
                parsed.error(column.header, message)
    if parsed.errors:
        return parsed
    _check_rules(spec, parsed)
    if not parsed.errors:
        parsed.key = spec.duplicate_key(parsed.region.code, parsed.data, parsed.extra)
    return parsed


def _check_rules(spec: ImportSpec, parsed: ParsedRow) -> None:
    """The rules the services enforce (ledgers.services.rules), checked without writing anything."""
    data = parsed.data
    headers = {c.field: c.header for c in spec.columns}
    try:
        RULES[spec.kind](data)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                parsed.error(headers.get(name, name), message)
    # The model's own field rules (lengths, choices, required), as the service's full_clean applies them.
    instance = spec.model(**data)
    try:
        instance.full_clean(
            exclude=["ledger", "region", "created_by", "registered_on"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                parsed.error(headers.get(name, name), message)


RULES = {ImportKind.APPEALS: appeal_rules, ImportKind.HOUSEHOLDS: household_rules, ImportKind.MATTERS: matter_rules}


def validate_rows(*, actor, spec: ImportSpec, rows: list[tuple[int, dict]], exclude_keys=()) -> list[ParsedRow]:
    """Every row checked; duplicates within `rows` and against the ledger are row errors."""
    villages = VillageResolver(
        actor, spec, {str(v.get(VILLAGE)).strip() for _n, v in rows if v.get(VILLAGE) not in (None, "")}
    )
    parsed_rows = [_parse_row(spec, villages, number, values) for number, values in rows]
    keys = {p.key for p in parsed_rows if p.key is not None}
    existing = spec.existing_keys(keys) - set(exclude_keys) if keys else set()
    first_seen: dict[tuple, int] = {}
    for parsed in parsed_rows:
        if parsed.key is None:
            continue
        if parsed.key in first_seen:
            parsed.error("", _("与第 %(row)s 行重复（同一条记录）。") % {"row": first_seen[parsed.key]})
        else:
            first_seen[parsed.key] = parsed.row_number
        if parsed.key in existing:
            _duplicate(actor, spec, parsed)
    return parsed_rows


def _duplicate(actor, spec: ImportSpec, parsed: ParsedRow) -> None:
    """A row already in the ledger: the service's own message when it has one (beside its column,
    with the record's page), else the ledger's generic one."""
    found = spec.duplicate_error(actor, parsed.data) if spec.duplicate_error else None
    if found is None:
        parsed.error("", spec.duplicate_message)
        return
    name, error = found
    header = next((c.header for c in spec.columns if c.field == name), "")
    for message in ValidationError(error).messages:
        parsed.error(header, message, url=(error.params or {}).get("url", ""))
