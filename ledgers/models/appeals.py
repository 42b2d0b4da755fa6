from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.sensitive import PersonalData
from core.validators import mask_phone
from ledgers.choices import (
    AppealCategory,
    AppealStatus,
    LedgerKindCode,
    RaisedBy,
    Satisfaction,
    Triage,
)
from ledgers.models.base import LedgerEntry
from ledgers.querysets import LivelihoodAppealQuerySet
from regions.scoping import ScopeSpec


class LivelihoodAppeal(LedgerEntry):
    """民生诉求: a problem a household or a group raised (schooling, medical care, water, roads ...),
    with who answers for it and by when, what it cost, and how it was resolved and rated."""

    ledger_kind_code = LedgerKindCode.LIVELIHOOD

    category = models.CharField(_("类别"), max_length=20, choices=AppealCategory.choices, db_index=True)
    raised_by = models.CharField(_("反映人类型"), max_length=10, choices=RaisedBy.choices, default=RaisedBy.HOUSEHOLD)
    raiser_name = models.CharField(_("反映人"), max_length=100)
    raiser_phone = EncryptedTextField(_("联系电话"), blank=True)
    title = models.CharField(_("诉求事项"), max_length=200)
    description = models.TextField(_("具体情况"), blank=True)
    triage = models.CharField(_("办理方式"), max_length=10, choices=Triage.choices, default=Triage.IMMEDIATE)
    responsible_person = models.CharField(_("责任人"), max_length=50)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_appeals",
    )
    promised_date = models.DateField(_("承诺办结日期"))
    funds_spent_fen = models.BigIntegerField(_("投入资金（分）"), default=0)
    status = models.CharField(_("状态"), max_length=20, choices=AppealStatus.choices, default=AppealStatus.REGISTERED)
    resolution = models.TextField(_("办理结果"), blank=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    disclosed_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)

    objects = LivelihoodAppealQuerySet.as_manager()

    personal_data = PersonalData(
        masked={"raiser_phone": mask_phone}, personal={"raiser_name", "description", "resolution"}
    )

    class Meta:
        verbose_name = _("民生诉求")
        verbose_name_plural = _("民生诉求")
        ordering = ["-registered_on", "-id"]
        indexes = [
            models.Index(fields=["region", "status", "category"], name="appeal_region_status_cat"),
            models.Index(fields=["status", "promised_date"], name="appeal_status_promised"),
            # The list's default order. It carries the village and the voided mark, so a page past the
            # first finds its keys in the index alone (core.paginator.page_rows), filter included;
            # SQLite makes it without the INCLUDE columns.
            models.Index(
                fields=["-registered_on", "-id"], include=["region", "voided_at"], name="appeal_registered_cover"
            ),
            # The list page's overdue count (region prefix, open, promised_date < today): an
            # index-only scan of the open appeals instead of a heap scan of all of them.
            models.Index(
                fields=["region", "promised_date"],
                condition=LivelihoodAppealQuerySet.open_q(),
                name="appeal_open_region_promised",
            ),
            # The dashboards' ten longest-overdue open appeals of a prefecture or the province: an
            # ordered scan that stops at the tenth match of the region's prefix (0.2 ms, where the
            # (region, promised_date) index gave every open appeal of the prefecture to sort: 30 ms).
            models.Index(
                fields=["promised_date", "id"],
                condition=LivelihoodAppealQuerySet.open_q(),
                name="appeal_open_promised",
            ),
            # The list page's bounded count of live appeals under a region prefix: an index-only
            # scan (10,001 entries: about 2 ms) instead of a heap scan past every voided check (20 ms).
            models.Index(fields=["region"], condition=models.Q(voided_at__isnull=True), name="appeal_live_region"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(funds_spent_fen__gte=0), name="appeal_funds_not_negative"),
        ]
        permissions = [
            ("transition_livelihoodappeal", _("变更民生诉求状态")),
            ("import_livelihoodappeal", _("导入民生诉求")),
            ("export_livelihoodappeal", _("导出民生诉求")),
        ]

    def __str__(self):
        return self.title


class RatingInvitation(models.Model):
    """A signed, expiring, single-use link (and its QR code) through which a resident rates how an
    appeal was handled. The token in the link signs `nonce`; the rating is stored on this row."""

    appeal = models.ForeignKey(
        LivelihoodAppeal, verbose_name=_("民生诉求"), on_delete=models.CASCADE, related_name="rating_invitations"
    )
    nonce = models.CharField(_("随机码"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Filled once, when the resident answers.
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices, null=True, blank=True)
    resolved_confirmed = models.BooleanField(_("群众认为已解决"), null=True, blank=True)
    comment = models.TextField(_("评价意见"), blank=True)

    scoping = ScopeSpec(region_field="appeal__region")

    class Meta:
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5), name="rating_score_range"
            ),
        ]

    def __str__(self):
        return f"{self.appeal_id}:{self.nonce[:6]}"
