"""Choices of the petitions module, with the case's status machine beside them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import StateMachine


class Channel(models.TextChoices):
    """How the petition arrived (art. 17)."""

    ONLINE = "online", _("网上信访")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    FAX = "fax", _("传真")
    VISIT = "visit", _("来访")


class PetitionType(models.TextChoices):
    """Art. 29–31: what the petitioner asks for decides how it is handled."""

    SUGGESTION = "suggestion", _("建议意见类")
    ACCUSATION = "accusation", _("检举控告类")
    CLAIM = "claim", _("申诉求决类")


class ConflictLevel(models.TextChoices):
    """分层: the level that must resolve it (the campaign screens by level and by type)."""

    VILLAGE = "village", _("村级")
    TOWNSHIP = "township", _("乡镇级")
    COUNTY = "county", _("县级")
    PREFECTURE = "prefecture", _("市级及以上")


class PetitionStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    TRANSFERRED = "transferred", _("已转送交办")
    IN_HANDLING = "in_handling", _("办理中")
    REPLIED = "replied", _("已答复")
    REVIEW_REQUESTED = "review_requested", _("复查中")
    REVIEW_ANSWERED = "review_answered", _("已复查")
    REREVIEW_REQUESTED = "rereview_requested", _("复核中")
    REREVIEW_ANSWERED = "rereview_answered", _("已复核")
    CLOSED = "closed", _("已办结")


S = PetitionStatus
PETITION_TRANSITIONS = StateMachine(
    PetitionStatus,
    {
        S.REGISTERED: {S.ACCEPTED, S.NOT_ACCEPTED, S.TRANSFERRED},
        # The receiving body accepts it, or objects within 5 working days and it returns (art. 23 §3).
        S.TRANSFERRED: {S.ACCEPTED, S.REGISTERED},
        S.ACCEPTED: {S.IN_HANDLING, S.REPLIED},
        S.IN_HANDLING: {S.REPLIED},
        S.REPLIED: {S.REVIEW_REQUESTED, S.CLOSED},
        S.REVIEW_REQUESTED: {S.REVIEW_ANSWERED},
        S.REVIEW_ANSWERED: {S.REREVIEW_REQUESTED, S.CLOSED},
        S.REREVIEW_REQUESTED: {S.REREVIEW_ANSWERED},
        S.REREVIEW_ANSWERED: {S.CLOSED},
        S.NOT_ACCEPTED: {S.CLOSED},
        S.CLOSED: set(),
    },
)
OPEN_STATUSES = tuple(s for s in PetitionStatus if s != S.CLOSED)
# Statuses where the office owes the next step (a deadline runs against it).
OFFICE_OWES = (S.REGISTERED, S.TRANSFERRED, S.ACCEPTED, S.IN_HANDLING, S.REVIEW_REQUESTED, S.REREVIEW_REQUESTED)


class TransferKind(models.TextChoices):
    FORWARD = "forward", _("转送")
    ASSIGN = "assign", _("交办")


class ReplyOpinion(models.TextChoices):
    """Art. 32: the written opinion (信访处理意见书)."""

    SUPPORTED = "supported", _("予以支持")
    EXPLAINED = "explained", _("解释说明")
    NOT_SUPPORTED = "not_supported", _("不予支持")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("已化解")
    UNRESOLVED = "unresolved", _("未化解")


class OwnerLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇级")
    COUNTY = "county", _("县级")
    PREFECTURE = "prefecture", _("市级")


class EventKind(models.TextChoices):
    """The case's timeline."""

    CREATED = "created", _("登记")
    UPDATED = "updated", _("修改")
    TRANSITION = "transition", _("状态变更")
    PROGRESS = "progress", _("办理进展")
    EXTENSION = "extension", _("延期")
    OWNER_ADDED = "owner_added", _("包案领导")
    OWNER_REMOVED = "owner_removed", _("撤销包案")
    LINKED = "linked", _("关联")
    OVERRIDE = "override", _("领导批准受理")
    HEARING = "hearing", _("听证")
    RECEPTION = "reception", _("接访")
    DOWN_VISIT = "down_visit", _("带案下访")
    DEADLINES = "deadlines", _("期限重算")


class DeadlineKind(models.TextChoices):
    REGISTER = "register", _("登记处理告知")
    OBJECTION = "objection", _("异议期限")
    HANDLING = "handling", _("办理期限")
    REVIEW_REQUEST = "review_request", _("申请复查期限")
    REVIEW_ANSWER = "review_answer", _("复查答复期限")
    REREVIEW_REQUEST = "rereview_request", _("申请复核期限")
    REREVIEW_ANSWER = "rereview_answer", _("复核答复期限")


# The subject categories offered when an administrator has not maintained a list of their own.
DEFAULT_CATEGORIES = [
    ("land", "土地征收"),
    ("relocation", "拆迁安置"),
    ("labour", "劳动社保"),
    ("rural", "涉农"),
    ("urban", "城建"),
    ("environment", "环保"),
    ("education_health", "教育医疗"),
    ("legal", "涉法涉诉"),
    ("conduct", "干部作风"),
    ("other", "其他"),
]

MAX_REPRESENTATIVES = 5  # art. 20 §3
MAX_EXTENSION_DAYS = 30  # art. 34
