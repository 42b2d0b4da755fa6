"""The per-ledger column specifications: each ledger's sheet columns, how a row becomes a record
(through the ledger's own service) and how duplicates are found."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.crypto import keyed_hashes
from core.exceptions import ServiceError
from core.xlsx import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
from ledgers.choices import AppealCategory, HardshipType, MatterType, RaisedBy, RiskLevel, Triage
from ledgers.models import (
    HardshipHousehold,
    ImportKind,
    LivelihoodAppeal,
    StabilityMatter,
)
from ledgers.services.appeals import appeal_create
from ledgers.services.households import head_registered_error, household_create
from ledgers.services.matters import matter_create

IMPORT_MAX_ROWS = DEFAULT_MAX_ROWS
IMPORT_MAX_BYTES = DEFAULT_MAX_BYTES
VILLAGE = "村（社区）"


@dataclass(frozen=True)
class Column:
    """One column of an import sheet: header, target field, how the cell is parsed.

    Headers are the file format's fixed Chinese names (like a CSV schema), deliberately not
    translated: a sheet filled in under one UI language must import under any other. They are
    marked (gettext_noop) only because the ledger export, which reads the same columns, shows
    them translated (`export_header`).
    """

    header: str
    field: str
    parse: str  # text | choice | choices | date | money | int | bool | id | phone | village
    required: bool = False
    choices: type | None = None
    max_length: int | None = None
    hint: str = ""  # shown translated (a lazy string)
    example: str = ""
    # How the export reads the value from a record, when it is not the attribute `field`.
    read: Callable | None = None

    @property
    def is_text_cell(self) -> bool:
        return self.parse in ("id", "phone", "village", "text")

    @property
    def export_header(self):
        """The header in the page's language, as the ledger export shows it."""
        return gettext_lazy(self.header)

    @property
    def is_personal_number(self) -> bool:
        """An ID or phone number: a text-formatted cell (in the template and the export)."""
        return self.parse in ("id", "phone")


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    model: type
    columns: tuple[Column, ...]
    create: Callable  # (actor, region, data, extra) -> record
    duplicate_key: Callable  # (region_code, data, extra) -> tuple | None
    existing_keys: Callable  # (keys) -> set of keys already in the ledger
    duplicate_message: str
    # (actor, data) -> (field, ValidationError) | None: the service's own refusal of a row that is
    # already in the ledger, when the service has one (a registered head ID number), so the import
    # says what the form and the API say; else `duplicate_message`.
    duplicate_error: Callable | None = None

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

    def column(self, field: str) -> Column:
        """The ledger field's column (KeyError when the sheet has none)."""
        for column in self.columns:
            if column.field == field:
                return column
        raise KeyError(field)


_DATE_HINT = gettext_lazy("日期，如 2026-11-25、2026/11/25 或 2026年11月25日")
_VILLAGE_HINT = gettext_lazy("村（社区）名称，或 12 位统计用区划代码；须在您的管辖范围内")


def _village_column():
    return Column(VILLAGE, "region", "village", required=True, hint=_VILLAGE_HINT, example="竹篙村")


def _registered_column():
    return Column(
        gettext_noop("登记日期"),
        "registered_on",
        "date",
        hint=gettext_lazy("日期，如 2026-11-25、2026/11/25 或 2026年11月25日；不填为今天"),
        example="2026-11-20",
    )


APPEAL_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column(gettext_noop("类别"), "category", "choice", required=True, choices=AppealCategory, example="饮水"),
    Column(
        gettext_noop("反映人类型"),
        "raised_by",
        "choice",
        choices=RaisedBy,
        hint=gettext_lazy("农户 或 群体；不填为农户"),
        example="农户",
    ),
    Column(gettext_noop("反映人"), "raiser_name", "text", required=True, max_length=100, example="王大爷"),
    Column(
        gettext_noop("联系电话"), "raiser_phone", "phone", hint=gettext_lazy("手机或座机号码"), example="13800001234"
    ),
    Column(gettext_noop("诉求事项"), "title", "text", required=True, max_length=200, example="三组自来水管破裂"),
    Column(gettext_noop("具体情况"), "description", "text", max_length=5000),
    Column(
        gettext_noop("办理方式"),
        "triage",
        "choice",
        choices=Triage,
        hint=gettext_lazy("马上解决 或 纳入规划；不填为马上解决"),
        example="马上解决",
    ),
    Column(gettext_noop("责任人"), "responsible_person", "text", required=True, max_length=50, example="刘芳"),
    Column(gettext_noop("承诺办结日期"), "promised_date", "date", required=True, hint=_DATE_HINT, example="2026-12-10"),
    Column(
        gettext_noop("投入资金（元）"),
        "funds_spent_fen",
        "money",
        hint=gettext_lazy("以元为单位，最多两位小数；不填为 0"),
        example="1500.50",
    ),
)

HOUSEHOLD_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column(gettext_noop("户主姓名"), "head_name", "text", required=True, max_length=50, example="李秀英"),
    Column(
        gettext_noop("户主身份证号"),
        "head_id_number",
        "id",
        hint=gettext_lazy("18 位身份证号码，请保持文本格式"),
        example="51012119500101002X",
    ),
    Column(gettext_noop("联系电话"), "phone", "phone", example="13900002222"),
    Column(gettext_noop("住址"), "address", "text", max_length=200, example="竹篙村三组 12 号"),
    Column(gettext_noop("家庭人口"), "member_count", "int", hint=gettext_lazy("整数；不填为 1"), example="2"),
    Column(
        gettext_noop("困难类型"),
        "hardship_types",
        "choices",
        required=True,
        choices=HardshipType,
        hint=gettext_lazy("可填多个，用顿号“、”或逗号分隔，如：空巢老人、残疾人"),
        example="空巢老人、残疾人",
        read=lambda household: [hardship.type for hardship in household.hardships.all()],
    ),
    Column(gettext_noop("主要困难与需求"), "needs", "text", max_length=5000, example="行动不便，需要定期探访"),
    Column(
        gettext_noop("含敏感信息"),
        "is_sensitive",
        "bool",
        hint=gettext_lazy("是 或 否；家庭中有未成年人或健康信息时填“是”"),
        example="否",
    ),
)

MATTER_COLUMNS = (
    _village_column(),
    _registered_column(),
    Column(gettext_noop("矛盾类型"), "matter_type", "choice", required=True, choices=MatterType, example="邻里纠纷"),
    Column(gettext_noop("事项"), "title", "text", required=True, max_length=200, example="宅基地边界争议"),
    Column(gettext_noop("当事人"), "parties", "text", required=True, max_length=2000, example="张某、李某"),
    Column(gettext_noop("基本情况"), "summary", "text", max_length=5000),
    Column(
        gettext_noop("风险等级"),
        "risk_level",
        "choice",
        choices=RiskLevel,
        hint=gettext_lazy("一般、较大 或 重大；不填为一般"),
        example="一般",
    ),
    Column(gettext_noop("调解人"), "mediator", "text", max_length=50, example="村调委会 周明"),
    Column(gettext_noop("化解期限"), "deadline", "date", hint=_DATE_HINT, example="2026-12-31"),
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


def _household_duplicate_error(actor, data):
    if not data.get("head_id_number"):
        return None
    error = head_registered_error(actor=actor, number=data["head_id_number"])
    return ("head_id_number", error) if error is not None else None


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
        _household_duplicate_error,
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
