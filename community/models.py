"""双报到 and 三单制 in urban communities (城市社区).

- `ReportingOrganisation`: an organ's Party organisation (机关党组织) that reports to the community
  where the organ sits;
- `ReportingMember`: a serving Party member (在职党员) who reports to the community where they live:
  a person registered for this only, or (later) a cadre record flagged as Party member;
- `CommunityReport`: one registration (报到) of either with a community, until withdrawn; the
  community's roster is its active registrations;
- `ServiceOrder`: a resident's order (居民点单), dispatched by the branch (支部下单), taken by a Party
  member (党员接单), completed, and rated by the resident through `OrderRatingInvitation`.

Every row belongs to a community (a village-level region with `is_community`), which scopes it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.choices import (
    ORDER_WAITING_STATUSES,
    OrderCategory,
    OrderChannel,
    OrderStatus,
    OrganLevel,
    ReportBasis,
    ReporterKind,
    ReportStatus,
    Satisfaction,
    ServiceKind,
)
from community.querysets import CommunityReportQuerySet, ServiceOrderQuerySet
from core.crypto import EncryptedTextField
from core.models import VersionedModel
from core.sensitive import PersonalData
from core.validators import mask_phone
from regions.models import Region
from regions.scoping import ScopeSpec


class ReportingOrganisation(VersionedModel):
    """An organ's (or unit's) Party organisation that reports to a community. Kept by the branch of
    the community where the organ sits (`region`)."""

    region = models.ForeignKey(Region, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("党组织名称"), max_length=100)
    organ_name = models.CharField(_("所属机关（单位）"), max_length=100)
    organ_level = models.CharField(_("机关层级"), max_length=12, choices=OrganLevel.choices, default=OrganLevel.OTHER)
    party_member_count = models.PositiveIntegerField(_("党员人数"), default=0)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)

    scoping = ScopeSpec(region_field="region")
    personal_data = PersonalData(masked={"phone": mask_phone}, personal={"contact_name"})

    class Meta:
        verbose_name = _("报到党组织")
        verbose_name_plural = _("报到党组织")
        ordering = ["region_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="community_org_unique_region_name"),
        ]

    def __str__(self):
        return self.name


class ReportingMember(VersionedModel):
    """A serving Party member who reports to the community where they live (`region`): a cadre record
    flagged as Party member (`cadre`), or a person registered for this only.

    `user`: their sign-in, if they have one, so they see the orders dispatched to them. The phone
    is stored encrypted, with a keyed hash to find the same person again; shown masked.
    """

    region = models.ForeignKey(Region, verbose_name=_("居住地社区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_hash = models.CharField(_("电话索引"), max_length=64, blank=True, db_index=True, editable=False)
    workplace = models.CharField(_("工作单位"), max_length=100, blank=True)
    personal_data = PersonalData(masked={"phone": mask_phone}, hidden={"phone_hash"})
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_memberships",
    )
    # A cadre record flagged as Party member (pairings), when the member is one; else a person
    # registered for double reporting only.
    cadre = models.ForeignKey(
        "pairings.Cadre",
        verbose_name=_("干部档案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_memberships",
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("user",))

    class Meta:
        verbose_name = _("报到党员")
        verbose_name_plural = _("报到党员")
        ordering = ["region_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "cadre"],
                condition=models.Q(cadre__isnull=False),
                name="community_member_one_per_cadre",
            ),
        ]

    def __str__(self):
        return self.name


class CommunityReport(VersionedModel):
    """One registration (报到) of an organisation or a member with a community, until withdrawn.

    One active registration per reporter per basis (where the organ sits / where one lives):
    enforced by partial unique constraints, so two branches registering the same member at once
    cannot both succeed.
    """

    community = models.ForeignKey(Region, verbose_name=_("报到社区"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("报到类型"), max_length=12, choices=ReporterKind.choices)
    basis = models.CharField(_("报到依据"), max_length=12, choices=ReportBasis.choices)
    organisation = models.ForeignKey(
        ReportingOrganisation,
        verbose_name=_("报到党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    member = models.ForeignKey(
        ReportingMember,
        verbose_name=_("报到党员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.ACTIVE, db_index=True
    )
    reported_on = models.DateField(_("报到日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CommunityReportQuerySet.as_manager()
    scoping = ScopeSpec(region_field="community")

    class Meta:
        verbose_name = _("双报到")
        verbose_name_plural = _("双报到")
        ordering = ["-reported_on", "-id"]
        indexes = [models.Index(fields=["community", "status", "kind"], name="community_report_roster")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="organisation", organisation__isnull=False, member__isnull=True)
                | models.Q(kind="member", member__isnull=False, organisation__isnull=True),
                name="community_report_one_reporter",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", withdrawn_on__isnull=True)
                | models.Q(status="withdrawn", withdrawn_on__isnull=False),
                name="community_report_withdrawn_date",
            ),
            models.UniqueConstraint(
                fields=["member", "basis"],
                condition=models.Q(status="active", member__isnull=False),
                name="community_report_one_active_member",
            ),
            models.UniqueConstraint(
                fields=["organisation", "basis"],
                condition=models.Q(status="active", organisation__isnull=False),
                name="community_report_one_active_org",
            ),
        ]
        permissions = [
            ("transition_communityreport", _("撤回双报到")),
            ("export_communityreport", _("导出双报到")),
        ]

    def __str__(self):
        return str(self.reporter)

    @property
    def reporter(self):
        return self.organisation if self.kind == ReporterKind.ORGANISATION else self.member


class ServiceOrder(VersionedModel):
    """A resident's service order (居民点单) in a community and its way through the branch and a
    Party member. `waiting_since` is when it last started waiting to be taken (placed, or
    reopened): an order still waiting `take_hours()` later is flagged to the branch."""

    region = models.ForeignKey(Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("点单方式"), max_length=10, choices=OrderChannel.choices, default=OrderChannel.PUBLIC)
    category = models.CharField(_("需求类别"), max_length=20, choices=OrderCategory.choices, db_index=True)
    need = models.CharField(_("服务需求"), max_length=200)
    details = models.TextField(_("具体情况"), blank=True)
    place = models.CharField(_("服务地点"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=50)
    phone = EncryptedTextField(_("联系电话"))
    personal_data = PersonalData(masked={"phone": mask_phone}, personal={"contact_name", "details"})
    service_kind = models.CharField(
        _("服务方式"), max_length=12, choices=ServiceKind.choices, default=ServiceKind.VOLUNTEER
    )
    status = models.CharField(_("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    assigned_member = models.ForeignKey(
        ReportingMember,
        verbose_name=_("接单党员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    assigned_organisation = models.ForeignKey(
        ReportingOrganisation,
        verbose_name=_("接单党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    dispatch_note = models.CharField(_("派单说明"), max_length=200, blank=True)
    result = models.TextField(_("服务情况"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    placed_at = models.DateTimeField(_("点单时间"), db_index=True)
    waiting_since = models.DateTimeField(_("待接单起始时间"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    taken_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    # The last rating (the invitation keeps each one).
    score = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices, null=True, blank=True)

    objects = ServiceOrderQuerySet.as_manager()
    # A member who signs in sees the orders dispatched to them, wherever they are.
    scoping = ScopeSpec(region_field="region", owner_fields=("assigned_member__user",))

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="order_region_status"),
            models.Index(fields=["-placed_at", "-id"], name="order_placed_desc"),
            # The take-deadline flag: waiting orders by region and since when.
            models.Index(
                fields=["region", "waiting_since"],
                condition=models.Q(status__in=ORDER_WAITING_STATUSES),
                name="order_waiting_region_since",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assigned_member__isnull=True) | models.Q(assigned_organisation__isnull=True),
                name="order_one_assignee",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="order_score_range",
            ),
        ]
        permissions = [
            ("transition_serviceorder", _("派单、接单、完成服务订单")),
            ("export_serviceorder", _("导出服务订单")),
        ]

    def __str__(self):
        return self.need

    @property
    def assignee(self):
        return self.assigned_member or self.assigned_organisation


class OrderRatingInvitation(models.Model):
    """A signed, expiring, single-use link through which the resident rates a completed order (the
    mechanism of the ledgers' rating links). The token signs `nonce`; the rating is stored here."""

    order = models.ForeignKey(
        ServiceOrder, verbose_name=_("服务订单"), on_delete=models.CASCADE, related_name="rating_invitations"
    )
    nonce = models.CharField(_("随机码"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices, null=True, blank=True)
    done_confirmed = models.BooleanField(_("群众认为已办好"), null=True, blank=True)
    comment = models.TextField(_("评价意见"), blank=True)

    scoping = ScopeSpec(region_field="order__region")

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="order_rating_score_range",
            ),
        ]

    def __str__(self):
        return f"{self.order_id}:{self.nonce[:6]}"
