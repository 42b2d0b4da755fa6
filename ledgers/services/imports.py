"""Excel imports into the three ledgers: template, dry run, and the crash-safe write.

1. `import_template(kind)` — the workbook users fill in (Chinese headers with hints, drop-down
   lists for choices, text-formatted ID and phone columns, a sheet of instructions).
2. `import_batch_prepare(actor, kind, upload)` — the dry run: reads the file (bounded), checks
   every row with the same rules the services apply (choices by their Chinese labels, dates in
   common formats, yuan to fen, ID numbers by GB 11643, the village by name or code and in the
   user's scope, duplicates within the file and against the ledger) and stores the rows and
   their problems in an `ImportBatch`. Nothing is written to the ledgers.
3. `import_batch_start(actor, batch, mode)` — the user's choice: "all" (only when no row has a
   problem; one transaction) or "valid only"; queues `ledgers.tasks.import_batch_run`.
4. `import_batch_execute(batch_id)` — the write, run by the task. Each row's record is created
   through the ledger's own service and the row is marked written in the same transaction,
   guarded by a compare-and-set, so rerunning the task never doubles nor loses a row.
5. `import_batches_purge_stale()` — daily: batches checked but never run are deleted, rows and
   all, after JICENG_IMPORT_UNRUN_DAYS (7).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import unquote_plus

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from audit.choices import Action, Outcome
from audit.services import audit_record
from core.crypto import decrypt, encrypt, keyed_hashes
from core.exceptions import ServiceError
from core.validators import (
    mask_id_number,
    mask_personal_numbers,
    mask_phone,
    normalize_id_number,
    validate_id_number,
)
from core.xlsx import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, Sheet, read_all
from ledgers.choices import AppealCategory, HardshipType, MatterType, RaisedBy, RiskLevel, Triage
from ledgers.models import (
    HardshipHousehold,
    ImportBatch,
    ImportKind,
    ImportMode,
    ImportRow,
    ImportRowStatus,
    ImportStatus,
    LivelihoodAppeal,
    StabilityMatter,
)
from ledgers.services.appeals import appeal_create
from ledgers.services.households import household_create
from ledgers.services.matters import matter_create
from ledgers.services.rules import (
    MAX_FEN,
    appeal_rules,
    check_member_count,
    check_money,
    clean_phone,
    household_rules,
    matter_rules,
)
from regions.choices import Level
from regions.models import Region
from regions.names import everyday_name, name_variants
from regions.scoping import restrict, scope_prefixes

IMPORT_MAX_ROWS = DEFAULT_MAX_ROWS
IMPORT_MAX_BYTES = DEFAULT_MAX_BYTES
PROGRESS_EVERY = 50
VILLAGE = "村（社区）"


# --- Columns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of an import sheet: header, target field, how the cell is parsed.

    Headers are the file format's fixed Chinese names (like a CSV schema), deliberately not
    translated: a sheet filled in under one UI language must import under any other.
    """

    header: str
    field: str
    parse: str  # text | choice | choices | date | money | int | bool | id | phone | village
    required: bool = False
    choices: type | None = None
    max_length: int | None = None
    hint: str = ""  # shown translated (a lazy string)
    example: str = ""

    @property
    def is_text_cell(self) -> bool:
        return self.parse in ("id", "phone", "village", "text")


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    model: type
    columns: tuple[Column, ...]
    create: Callable  # (actor, region, data, extra) -> record
    duplicate_key: Callable  # (region_code, data, extra) -> tuple | None
    existing_keys: Callable  # (keys) -> set of keys already in the ledger
    duplicate_message: str

    @property
    def label(self) -> str:
        return str(ImportKind(self.kind).label)

    @property
    def import_permission(self) -> str:
        return f"ledgers.import_{self.model._meta.model_name}"

    @property
    def add_permission(self) -> str:
        return f"ledgers.add_{self.model._meta.model_name}"

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


_DATE_HINT = gettext_lazy("日期，如 2026-11-25、2026/11/25 或 2026年11月25日")
_VILLAGE_HINT = gettext_lazy("村（社区）名称，或 12 位统计用区划代码；须在您的管辖范围内")


def _village_column():
    return Column(VILLAGE, "region", "village", required=True, hint=_VILLAGE_HINT, example="竹篙村")


def _registered_column():
    return Column(
        "登记日期",
        "registered_on",
        "date",
        hint=gettext_lazy("日期，如 2026-11-25、2026/11/25 或 2026年11月25日；不填为今天"),
        example="2026-11-20",
    )


APPEAL_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column("类别", "category", "choice", required=True, choices=AppealCategory, example="饮水"),
    Column(
        "反映人类型",
        "raised_by",
        "choice",
        choices=RaisedBy,
        hint=gettext_lazy("农户 或 群体；不填为农户"),
        example="农户",
    ),
    Column("反映人", "raiser_name", "text", required=True, max_length=100, example="王大爷"),
    Column("联系电话", "raiser_phone", "phone", hint=gettext_lazy("手机或座机号码"), example="13800001234"),
    Column("诉求事项", "title", "text", required=True, max_length=200, example="三组自来水管破裂"),
    Column("具体情况", "description", "text", max_length=5000),
    Column(
        "办理方式",
        "triage",
        "choice",
        choices=Triage,
        hint=gettext_lazy("马上解决 或 纳入规划；不填为马上解决"),
        example="马上解决",
    ),
    Column("责任人", "responsible_person", "text", required=True, max_length=50, example="刘芳"),
    Column("承诺办结日期", "promised_date", "date", required=True, hint=_DATE_HINT, example="2026-12-10"),
    Column(
        "投入资金（元）",
        "funds_spent_fen",
        "money",
        hint=gettext_lazy("以元为单位，最多两位小数；不填为 0"),
        example="1500.50",
    ),
)

HOUSEHOLD_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column("户主姓名", "head_name", "text", required=True, max_length=50, example="李秀英"),
    Column(
        "户主身份证号",
        "head_id_number",
        "id",
        hint=gettext_lazy("18 位身份证号码，请保持文本格式"),
        example="51012119500101002X",
    ),
    Column("联系电话", "phone", "phone", example="13900002222"),
    Column("住址", "address", "text", max_length=200, example="竹篙村三组 12 号"),
    Column("家庭人口", "member_count", "int", hint=gettext_lazy("整数；不填为 1"), example="2"),
    Column(
        "困难类型",
        "hardship_types",
        "choices",
        required=True,
        choices=HardshipType,
        hint=gettext_lazy("可填多个，用顿号“、”或逗号分隔，如：空巢老人、残疾人"),
        example="空巢老人、残疾人",
    ),
    Column("主要困难与需求", "needs", "text", max_length=5000, example="行动不便，需要定期探访"),
    Column(
        "含敏感信息",
        "is_sensitive",
        "bool",
        hint=gettext_lazy("是 或 否；家庭中有未成年人或健康信息时填“是”"),
        example="否",
    ),
)

MATTER_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column("矛盾类型", "matter_type", "choice", required=True, choices=MatterType, example="邻里纠纷"),
    Column("事项", "title", "text", required=True, max_length=200, example="宅基地边界争议"),
    Column("当事人", "parties", "text", required=True, max_length=2000, example="张某、李某"),
    Column("基本情况", "summary", "text", max_length=5000),
    Column(
        "风险等级",
        "risk_level",
        "choice",
        choices=RiskLevel,
        hint=gettext_lazy("一般、较大 或 重大；不填为一般"),
        example="一般",
    ),
    Column("调解人", "mediator", "text", max_length=50, example="村调委会 周明"),
    Column("化解期限", "deadline", "date", hint=_DATE_HINT, example="2026-12-31"),
)


def _appeal_create(actor, region, data, extra):
    return appeal_create(actor=actor, region=region, data=data)


def _household_create(actor, region, data, extra):
    return household_create(actor=actor, region=region, data=data, hardship_types=extra["hardship_types"])


def _matter_create(actor, region, data, extra):
    return matter_create(actor=actor, region=region, data=data)


def _appeal_key(region_code, data, extra):
    return ("appeal", region_code, data["raiser_name"], data["title"])


def _household_key(region_code, data, extra):
    if data.get("head_id_number"):
        # Every configured key's digest: a household stored before a key rotation is still found.
        return ("id", tuple(keyed_hashes(data["head_id_number"])))
    return ("name", region_code, data["head_name"], data.get("address", ""))


def _matter_key(region_code, data, extra):
    return ("matter", region_code, data["title"], data["parties"])


def _existing_appeals(keys):
    regions = {k[1] for k in keys}
    titles = {k[3] for k in keys}
    rows = (
        LivelihoodAppeal.objects.live()
        .filter(region_id__in=regions, title__in=titles)
        .values_list("region_id", "raiser_name", "title")
    )
    return {("appeal", *row) for row in rows}


def _existing_households(keys):
    by_hash = {digest: k for k in keys if k[0] == "id" for digest in k[1]}
    found = {
        by_hash[h]
        for h in HardshipHousehold.objects.live()
        .filter(head_id_hash__in=by_hash)
        .values_list("head_id_hash", flat=True)
    }
    named = [k for k in keys if k[0] == "name"]
    if named:
        rows = (
            HardshipHousehold.objects.live()
            .filter(region_id__in={k[1] for k in named}, head_name__in={k[2] for k in named})
            .values_list("region_id", "head_name", "address")
        )
        found |= {("name", *row) for row in rows}
    return found


def _existing_matters(keys):
    rows = (
        StabilityMatter.objects.live()
        .filter(region_id__in={k[1] for k in keys}, title__in={k[2] for k in keys})
        .values_list("region_id", "title", "parties")
    )
    return {("matter", *row) for row in rows}


SPECS: dict[str, ImportSpec] = {
    ImportKind.APPEALS: ImportSpec(
        ImportKind.APPEALS,
        LivelihoodAppeal,
        APPEAL_COLUMNS,
        _appeal_create,
        _appeal_key,
        _existing_appeals,
        gettext_lazy("台账中已有同一村（社区）、同一反映人的相同诉求事项"),
    ),
    ImportKind.HOUSEHOLDS: ImportSpec(
        ImportKind.HOUSEHOLDS,
        HardshipHousehold,
        HOUSEHOLD_COLUMNS,
        _household_create,
        _household_key,
        _existing_households,
        gettext_lazy("台账中已有该户（相同户主身份证号，或同村同名同住址）"),
    ),
    ImportKind.MATTERS: ImportSpec(
        ImportKind.MATTERS,
        StabilityMatter,
        MATTER_COLUMNS,
        _matter_create,
        _matter_key,
        _existing_matters,
        gettext_lazy("台账中已有同一村（社区）、相同当事人的相同事项"),
    ),
}


def import_spec(kind: str) -> ImportSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ServiceError(_("不支持导入该台账。"), code="import_kind")


# --- Cell parsers -------------------------------------------------------------------------------
class CellError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date typed into a cell formatted as a number: Excel's serial day count.
        if 20000 <= value <= 80000:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(_("日期格式不正确，请填写如 2026-11-25 的日期。"))
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", text):  # stored from a datetime cell
        text = text[:10]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise CellError(_("日期“%(value)s”不存在。") % {"value": text[:20]})
    raise CellError(_("日期“%(value)s”格式不正确，请填写如 2026-11-25 的日期。") % {"value": text[:20]})


def parse_money_fen(value) -> int:
    """Yuan (as typed, up to two decimals) to integer fen."""
    if isinstance(value, bool):
        raise CellError(_("金额应为数字。"))
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").replace("￥", "").replace("¥", "")
    text = text.removesuffix("元").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(_("金额“%(value)s”不是数字（以元为单位，如 1500.50）。") % {"value": str(value)[:20]})
    if not amount.is_finite():
        raise CellError(_("金额应为数字。"))
    if amount.copy_abs() > MAX_FEN:  # far beyond the bound: the rule below refuses it
        return _money_rule(MAX_FEN + 1 if amount > 0 else -1)
    fen = amount * 100
    if amount >= 0 and fen != fen.to_integral_value():
        raise CellError(_("金额最多保留两位小数（到分）。"))
    return _money_rule(int(fen))


def _money_rule(fen: int) -> int:
    """The services' money rule (ledgers.services.rules), as a cell error."""
    try:
        return check_money(fen)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages))


def parse_int(value, *, minimum=1, maximum=100) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为整数。"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CellError(_("“%(value)s”不是整数。") % {"value": str(value)[:20]})
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise CellError(_("应在 %(min)s 到 %(max)s 之间。") % {"min": minimum, "max": maximum})
    return number


_TRUE = {"是", "有", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("请填写“是”或“否”。"))


def _choice_lookup(choices) -> dict[str, str]:
    """Chinese label (also its short form before a bracket) or the code itself -> code."""
    return _choice_lookup_for(choices, get_language())


@lru_cache(maxsize=64)
def _choice_lookup_for(choices, language) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        label = str(label)
        lookup[label] = value
        lookup[re.split(r"[（(]", label)[0].strip()] = value
        lookup[str(value).lower()] = value
    return lookup


def _choice_names(choices) -> str:
    return "、".join(re.split(r"[（(]", str(label))[0] for _value, label in choices.choices)


def parse_choice(value, choices) -> str:
    text = str(value).strip()
    lookup = _choice_lookup(choices)
    code = lookup.get(text) or lookup.get(text.lower())
    if code is None:
        raise CellError(
            _("“%(value)s”不是可选的值，可选：%(names)s。") % {"value": text[:20], "names": _choice_names(choices)}
        )
    return code


def parse_choices(value, choices) -> list[str]:
    parts = [p.strip() for p in re.split(r"[、,，;；/\s]+", str(value)) if p.strip()]
    codes, bad = [], []
    lookup = _choice_lookup(choices)
    for part in parts:
        code = lookup.get(part) or lookup.get(part.lower())
        if code is None:
            bad.append(part)
        elif code not in codes:
            codes.append(code)
    if bad:
        raise CellError(
            _("“%(value)s”不是可选的值，可选：%(names)s（多个用“、”分隔）。")
            % {"value": "、".join(bad)[:40], "names": _choice_names(choices)}
        )
    return codes


def parse_id_number(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(_("身份证号被 Excel 当成了数字，末几位可能已丢失。请把该列设为“文本”格式后重新填写。"))
    number = normalize_id_number(str(value))
    try:
        validate_id_number(number)
    except ValidationError as exc:
        raise CellError(" ".join(str(m) for m in exc.messages))
    return number


def parse_phone(value) -> str:
    """The services' one phone rule (core.validators.validate_phone); the value is not echoed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return clean_phone(str(value))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages))


def parse_text(value, max_length) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if max_length and len(text) > max_length:
        raise CellError(_("不能超过 %(max)s 个字（现有 %(len)s 个）。") % {"max": max_length, "len": len(text)})
    return text


# --- Validation ---------------------------------------------------------------------------------
@dataclass
class ParsedRow:
    row_number: int
    region: Region | None = None
    data: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    key: tuple | None = None

    def error(self, column: str, message) -> None:
        # A message may quote the cell ("联系电话“…”格式不正确"): an ID or phone number typed in the
        # wrong column must not be stored, nor shown on the batch page, in clear.
        self.errors.append({"column": str(column), "message": mask_personal_numbers(str(message))})


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
            parsed.error("", spec.duplicate_message)
    return parsed_rows


# --- Template -----------------------------------------------------------------------------------
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


# --- Dry run --------------------------------------------------------------------------------------
def can_import(user, kind: str) -> bool:
    spec = import_spec(kind)
    return scope_prefixes(user, spec.import_permission) != [] and scope_prefixes(user, spec.add_permission) != []


def _ensure_can_import(user, spec: ImportSpec) -> None:
    if not can_import(user, spec.kind):
        raise PermissionDenied(_("您没有导入%(label)s的权限。") % {"label": spec.label})


def import_batch_prepare(*, actor, kind: str, upload) -> ImportBatch:
    """The dry run: read and check the whole file, store the rows and their problems.

    A file that cannot be read at all (type, size, headers, too many rows, no rows) raises
    XlsxError and stores nothing. Nothing is written to the ledgers here.
    """
    spec = import_spec(kind)
    _ensure_can_import(actor, spec)
    rows = read_all(
        upload,
        expected_headers=spec.headers,
        required_headers=spec.required_headers,
        max_rows=IMPORT_MAX_ROWS,
        max_bytes=IMPORT_MAX_BYTES,
    )
    rows = [(number, {k: _json_value(v) for k, v in values.items()}) for number, values in rows]
    sealed = {number: seal_values(spec, values) for number, values in rows}
    parsed_rows = validate_rows(actor=actor, spec=spec, rows=rows)
    invalid = sum(1 for p in parsed_rows if p.errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=spec.kind,
            file_name=(getattr(upload, "name", "") or "")[:200],
            file_size=getattr(upload, "size", 0) or 0,
            created_by=actor,
            total_rows=len(rows),
            invalid_rows=invalid,
        )
        ImportRow.objects.bulk_create(
            [
                ImportRow(
                    batch=batch,
                    row_number=p.row_number,
                    values=sealed[p.row_number],
                    errors=p.errors,
                    status=ImportRowStatus.INVALID if p.errors else ImportRowStatus.VALID,
                )
                for p in parsed_rows
            ],
            batch_size=500,
        )
    return batch


def import_batch_get(*, user, pk) -> ImportBatch:
    """A batch of the user's own (the rows hold personal data): anyone else gets 404."""
    from django.http import Http404

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404
    batch = ImportBatch.objects.filter(pk=pk, created_by_id=user.pk).first() if user.is_authenticated else None
    if batch is None:
        raise Http404(_("导入批次不存在。"))
    return batch


def import_batch_recent(*, user, kind: str, limit: int = 10):
    return ImportBatch.objects.filter(created_by_id=user.pk, kind=kind).order_by("-created_at", "-id")[:limit]


# --- Start and write ------------------------------------------------------------------------------
@transaction.atomic
def import_batch_start(*, actor, batch: ImportBatch, mode: str) -> ImportBatch:
    """The user's choice after the dry run. "all" is refused while any row has a problem."""
    if batch.created_by_id != actor.pk:
        raise PermissionDenied
    spec = import_spec(batch.kind)
    _ensure_can_import(actor, spec)
    if mode not in ImportMode.values:
        raise ServiceError(_("请选择导入方式。"), code="import_mode")
    locked = ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
    if locked is None:  # purged as stale (import_batches_purge_stale) since the page was opened
        from django.http import Http404

        raise Http404(_("导入批次不存在。"))
    if locked.status != ImportStatus.VALIDATED:
        raise ServiceError(
            _("该批次当前状态为“%(status)s”，不能再次导入。请重新上传文件。") % {"status": locked.get_status_display()},
            code="import_state",
        )
    if mode == ImportMode.ALL and locked.invalid_rows:
        raise ServiceError(
            _("有 %(count)s 行存在问题，不能全部导入。请修改后重新上传，或选择“只导入无误的行”。")
            % {"count": locked.invalid_rows},
            code="import_has_errors",
        )
    if locked.valid_rows == 0:
        raise ServiceError(_("没有可导入的行。"), code="import_nothing")
    locked.status, locked.mode = ImportStatus.QUEUED, mode
    locked.save(update_fields=["status", "mode"])
    from ledgers.tasks import import_batch_run

    import_batch_run.delay_on_commit(locked.pk)
    return locked


def import_batches_resume(*, queued_for=datetime.timedelta(minutes=10), running_for=None) -> list[int]:
    """Queue the write again for batches left behind: still "queued" after `queued_for` (their
    message was lost, e.g. Redis restarted without persistence) or "running" for longer than the
    task time limit (their worker died and no other took the task over). Safe at any time: the
    write is idempotent, and a batch that finishes meanwhile is left alone."""
    from django.conf import settings

    from ledgers.tasks import import_batch_run

    if running_for is None:
        running_for = datetime.timedelta(seconds=int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800)))
    now = timezone.now()
    stale = ImportBatch.objects.filter(
        models.Q(status=ImportStatus.QUEUED, created_at__lt=now - queued_for)
        | models.Q(status=ImportStatus.RUNNING, started_at__lt=now - running_for)
    )
    ids = list(stale.order_by("id").values_list("id", flat=True))
    for batch_id in ids:
        import_batch_run.delay_on_commit(batch_id)
    return ids


def import_unrun_days() -> int:
    """How long a batch checked but never run is kept (setting JICENG_IMPORT_UNRUN_DAYS)."""
    from django.conf import settings

    return int(getattr(settings, "JICENG_IMPORT_UNRUN_DAYS", 7))


def import_batch_purge_at(batch: ImportBatch) -> datetime.datetime | None:
    """When `import_batches_purge_stale` will delete this batch if it is not run (None once run)."""
    if batch.status != ImportStatus.VALIDATED:
        return None
    return batch.created_at + datetime.timedelta(days=import_unrun_days())


def import_batches_purge_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete the batches checked but never run ("validated": the user saw the dry run and never
    chose to import) once older than JICENG_IMPORT_UNRUN_DAYS (default 7), with their rows: they
    hold the file's personal data for nothing. Batches that were started (queued, running, done,
    failed) are never touched. The file itself is never stored (only its rows), so there is no
    file to remove. Each deletion is audited. Idempotent; returns the number of batches deleted.

    Each batch is locked and checked again before it goes, so a user starting it at that moment
    either wins (the batch is queued and kept) or finds it gone.
    """
    days = import_unrun_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    stale = ImportBatch.objects.filter(status=ImportStatus.VALIDATED, created_at__lt=cutoff)
    purged = 0
    for batch_id in list(stale.order_by("id").values_list("id", flat=True)):
        with transaction.atomic():
            batch = stale.select_for_update().filter(pk=batch_id).first()
            if batch is None:
                continue
            rows = batch.total_rows
            audit_record(
                actor=None,
                action=Action.DELETE,
                obj=batch,
                changes={"status": [batch.status, None], "rows": [rows, None]},
                message=_(
                    "删除超过 %(days)s 天未导入的批次：%(label)s，文件“%(file)s”，%(rows)s 行，"
                    "%(user)s 于 %(created)s 上传。"
                )
                % {
                    "days": days,
                    "label": ImportKind(batch.kind).label,
                    "file": batch.file_name[:80],
                    "rows": rows,
                    "user": batch.created_by,
                    "created": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            batch.delete()
            purged += 1
    return purged


class _RowTaken(Exception):
    """Another run wrote this row first: roll back this attempt."""


def _write_row(spec: ImportSpec, batch: ImportBatch, row: ImportRow, parsed: ParsedRow) -> None:
    record = spec.create(batch.created_by, parsed.region, parsed.data, parsed.extra)
    marked = ImportRow.objects.filter(pk=row.pk, object_id__isnull=True).update(
        status=ImportRowStatus.WRITTEN, object_id=record.pk, errors=[]
    )
    if marked != 1:
        raise _RowTaken


def _service_errors(exc: ValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"column": str(k), "message": str(m)} for k, ms in exc.message_dict.items() for m in ms]
    return [{"column": "", "message": str(m)} for m in exc.messages]


def _revalidate(spec, batch, rows) -> dict[int, ParsedRow]:
    """The dry-run rules again at write time: the ledger or the user's posts may have changed.

    Records this batch already wrote are not duplicates of its own rows.
    """
    own = set()
    written = list(
        ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).values_list("values", flat=True)
    )
    if written:
        own = {
            p.key
            for p in validate_rows(
                actor=batch.created_by, spec=spec, rows=[(i, unseal_values(v)) for i, v in enumerate(written)]
            )
            if p.key is not None
        }
    parsed = validate_rows(
        actor=batch.created_by,
        spec=spec,
        rows=[(r.row_number, unseal_values(r.values)) for r in rows],
        exclude_keys=own,
    )
    return {p.row_number: p for p in parsed}


def import_batch_execute(*, batch_id: int) -> ImportBatch | None:
    """Write a queued batch. Idempotent: a finished batch is left alone, and a rerun after a
    crash skips the rows already written (each row is marked in its record's transaction)."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    spec = import_spec(batch.kind)
    if batch.mode == ImportMode.ALL:
        _execute_all(spec, batch)
    else:
        _execute_valid_only(spec, batch)
    batch.refresh_from_db()
    return batch


def _execute_all(spec: ImportSpec, batch: ImportBatch) -> None:
    """All rows in one transaction, or none."""
    failures: dict[int, list] = {}
    try:
        with transaction.atomic():
            rows = list(
                ImportRow.objects.select_for_update()
                .filter(batch=batch, object_id__isnull=True)
                .exclude(status=ImportRowStatus.WRITTEN)
                .order_by("row_number")
            )
            parsed = _revalidate(spec, batch, rows)
            failures = {n: p.errors for n, p in parsed.items() if p.errors}
            if failures:
                raise _AllRefused
            for index, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        _write_row(spec, batch, row, parsed[row.row_number])
                except _RowTaken:
                    raise
                except ValidationError as exc:
                    failures[row.row_number] = _service_errors(exc)
                    raise _AllRefused
                if index % PROGRESS_EVERY == 0:
                    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=index)
            _finish(batch, spec)
    except _AllRefused:
        with transaction.atomic():
            for number, errors in failures.items():
                ImportRow.objects.filter(batch=batch, row_number=number).update(
                    status=ImportRowStatus.INVALID, errors=errors
                )
            ImportRow.objects.filter(batch=batch, object_id__isnull=True).exclude(row_number__in=list(failures)).update(
                status=ImportRowStatus.SKIPPED
            )
            message = _("导入时发现 %(count)s 行存在问题（台账或权限在校验后发生了变化），全部未导入。") % {
                "count": len(failures)
            }
            updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                invalid_rows=len(failures),
                skipped_rows=batch.total_rows,
                written_rows=0,
                message=message,
            )
            if updated:
                _scrub_personal_data(batch, spec)
                audit_record(
                    actor=batch.created_by,
                    action=Action.IMPORT,
                    obj=batch,
                    outcome=Outcome.FAILURE,
                    message=_audit_message(spec, batch, written=0, skipped=batch.total_rows) + " " + message,
                )
    except _RowTaken:
        # Another run of this batch wrote it first; that run finishes the batch.
        return


class _AllRefused(Exception):
    pass


def _execute_valid_only(spec: ImportSpec, batch: ImportBatch) -> None:
    """Each valid row in its own transaction; invalid ones are reported as not imported."""
    pending = list(
        ImportRow.objects.filter(batch=batch, status=ImportRowStatus.VALID, object_id__isnull=True).order_by(
            "row_number"
        )
    )
    parsed = _revalidate(spec, batch, pending) if pending else {}
    for index, row in enumerate(pending, start=1):
        result = parsed[row.row_number]
        try:
            with transaction.atomic():
                locked = ImportRow.objects.select_for_update().get(pk=row.pk)
                if locked.object_id is not None:
                    continue
                if result.errors:
                    ImportRow.objects.filter(pk=row.pk).update(status=ImportRowStatus.SKIPPED, errors=result.errors)
                    continue
                try:
                    with transaction.atomic():
                        _write_row(spec, batch, locked, result)
                except ValidationError as exc:
                    ImportRow.objects.filter(pk=row.pk).update(
                        status=ImportRowStatus.SKIPPED, errors=_service_errors(exc)
                    )
        except _RowTaken:
            continue
        if index % PROGRESS_EVERY == 0:
            ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=index)
    ImportRow.objects.filter(batch=batch, status=ImportRowStatus.INVALID).update(status=ImportRowStatus.SKIPPED)
    with transaction.atomic():
        _finish(batch, spec)


def _finish(batch: ImportBatch, spec: ImportSpec) -> None:
    written = ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).count()
    skipped = ImportRow.objects.filter(batch=batch).exclude(status=ImportRowStatus.WRITTEN).count()
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE,
        finished_at=timezone.now(),
        processed_rows=batch.total_rows,
        written_rows=written,
        skipped_rows=skipped,
    )
    if updated:
        _scrub_personal_data(batch, spec)
        audit_record(
            actor=batch.created_by,
            action=Action.IMPORT,
            obj=batch,
            region_code=_common_region(batch, spec),
            message=_audit_message(spec, batch, written=written, skipped=skipped),
        )


def _scrub_personal_data(batch: ImportBatch, spec: ImportSpec) -> None:
    """Once a batch is finished its rows are only a report: keep ID and phone numbers masked."""
    sensitive = {c.header: c.parse for c in spec.columns if c.parse in ("id", "phone")}
    rows = list(ImportRow.objects.filter(batch=batch).only("id", "values"))
    for row in rows:
        row.values = unseal_values(row.values)
        for header, parse in sensitive.items():
            value = row.values.get(header)
            if value not in (None, ""):
                row.values[header] = mask_id_number(str(value)) if parse == "id" else mask_phone(str(value))
    ImportRow.objects.bulk_update(rows, ["values"], batch_size=500)


def _common_region(batch: ImportBatch, spec: ImportSpec) -> str:
    """The smallest region holding every record the batch wrote (for the audit trail's scope)."""
    ids = ImportRow.objects.filter(batch=batch, status=ImportRowStatus.WRITTEN).values("object_id")
    codes = set(spec.model.objects.filter(pk__in=ids).values_list("region_id", flat=True).distinct()[:1000])
    if not codes:
        return ""
    prefix = min(codes)
    for code in codes:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    for length in (12, 9, 6, 4, 2):  # cut back to a real level boundary
        if len(prefix) >= length:
            return prefix[:length]
    return ""


def _audit_message(spec: ImportSpec, batch: ImportBatch, *, written: int, skipped: int) -> str:
    return _(
        "导入%(label)s：文件“%(file)s”，共 %(total)s 行，导入 %(written)s 行，未导入 %(skipped)s 行（%(mode)s）。"
    ) % {
        "label": spec.label,
        "file": batch.file_name[:80],
        "total": batch.total_rows,
        "written": written,
        "skipped": skipped,
        "mode": ImportMode(batch.mode).label if batch.mode else "",
    }


# --- Export audit ---------------------------------------------------------------------------------
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
