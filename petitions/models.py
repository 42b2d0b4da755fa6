"""Petition cases (信访件/信访事项), their petitioners, owners (包案), deadlines and timeline;
reception days (领导接访) and down-visits (带案下访)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import TimeStampedModel, VersionedModel
from core.sensitive import PersonalData
from core.validators import mask_id_number, mask_phone
from petitions.choices import (
    OFFICE_OWES,
    OPEN_STATUSES,
    Channel,
    ConflictLevel,
    DeadlineKind,
    EventKind,
    Outcome,
    OwnerLevel,
    PetitionStatus,
    PetitionType,
    ReplyOpinion,
    TransferKind,
)
from petitions.querysets import PetitionQuerySet
from regions.models import Region
from regions.scoping import ScopeSpec

# The officials an accusation names never see it (art. 30 §3), whatever their posts or ownership.
_NAMED = "named_officials__user"


class PetitionCategory(models.Model):
    """A subject category (土地征收、拆迁安置 …), maintained by an administrator."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("信访事项类别")
        verbose_name_plural = _("信访事项类别")
        ordering = ["sort_order", "code"]

    def __str__(self):
        # The default categories (seeded in Chinese) read in the page's language; an
        # administrator's own names are shown as typed.
        from petitions.choices import DEFAULT_CATEGORIES

        if (self.code, self.name) in DEFAULT_CATEGORIES:
            return gettext(self.name)
        return self.name


class BacklogCampaign(models.Model):
    """A special campaign to resolve backlog cases (信访积案化解专项行动)."""

    name = models.CharField(_("专项行动"), max_length=100, unique=True)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("积案化解专项行动")
        verbose_name_plural = _("积案化解专项行动")
        ordering = ["-started_on", "name"]

    def __str__(self):
        return self.name


class Petition(VersionedModel):
    """A petition case: what was asked, by whom, how it arrived, where it belongs, and every step
    of the 2022 regulation's workflow with the deadlines each step sets (computed, never typed)."""

    number = models.CharField(_("信访件编号"), max_length=20, unique=True, null=True, blank=True, editable=False)
    channel = models.CharField(_("信访形式"), max_length=10, choices=Channel.choices, db_index=True)
    received_on = models.DateField(_("收到日期"), db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("涉及村（社区）或乡镇"), on_delete=models.PROTECT, related_name="petitions"
    )
    title = models.CharField(_("信访事由"), max_length=200)
    content = models.TextField(_("信访内容"))
    category = models.ForeignKey(
        PetitionCategory, verbose_name=_("事项类别"), on_delete=models.PROTECT, related_name="petitions"
    )
    petition_type = models.CharField(_("事项性质"), max_length=12, choices=PetitionType.choices, db_index=True)
    conflict_level = models.CharField(
        _("矛盾层级"), max_length=12, choices=ConflictLevel.choices, default=ConflictLevel.TOWNSHIP
    )
    is_group = models.BooleanField(_("集体访"), default=False)
    group_size = models.PositiveIntegerField(_("集体访人数"), null=True, blank=True)
    # Computed by the services: repeat when the same petitioner (ID hash) or a linked earlier case came before.
    earlier = models.ForeignKey(
        "self", verbose_name=_("关联前案"), on_delete=models.SET_NULL, null=True, blank=True, related_name="later_cases"
    )
    is_repeat = models.BooleanField(_("重复信访"), default=False, editable=False)
    is_first_time = models.BooleanField(_("初信初访"), default=True, editable=False)
    is_backlog = models.BooleanField(_("信访积案"), default=False)
    backlog_campaign = models.ForeignKey(
        BacklogCampaign, verbose_name=_("专项行动"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    backlog_disposed_on = models.DateField(_("化解销号日期"), null=True, blank=True)
    stability_matter = models.OneToOneField(
        "ledgers.StabilityMatter",
        verbose_name=_("来源稳定事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petition",
    )
    livelihood_appeal = models.OneToOneField(
        "ledgers.LivelihoodAppeal",
        verbose_name=_("来源民生诉求"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petition",
    )

    status = models.CharField(
        _("状态"), max_length=20, choices=PetitionStatus.choices, default=PetitionStatus.REGISTERED, db_index=True
    )
    decided_on = models.DateField(_("处理决定日期"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由"), blank=True)
    transfer_kind = models.CharField(_("转送/交办"), max_length=10, choices=TransferKind.choices, blank=True)
    transferred_to = models.CharField(_("转送交办机关"), max_length=100, blank=True)
    transferred_on = models.DateField(_("转送交办日期"), null=True, blank=True)
    objection_reason = models.TextField(_("异议理由"), blank=True)
    objected_on = models.DateField(_("提出异议日期"), null=True, blank=True)
    handling_unit = models.CharField(_("承办单位"), max_length=100, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准延期的负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    reply_opinion = models.CharField(_("处理意见"), max_length=15, choices=ReplyOpinion.choices, blank=True)
    reply_text = models.TextField(_("信访处理意见书"), blank=True)
    review_requested_on = models.DateField(_("申请复查日期"), null=True, blank=True)
    review_answered_on = models.DateField(_("复查答复日期"), null=True, blank=True)
    review_opinion = models.TextField(_("复查意见"), blank=True)
    rereview_requested_on = models.DateField(_("申请复核日期"), null=True, blank=True)
    rereview_answered_on = models.DateField(_("复核答复日期"), null=True, blank=True)
    rereview_opinion = models.TextField(_("复核意见"), blank=True)
    hearing_days = models.PositiveSmallIntegerField(_("听证天数"), default=0)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    outcome = models.CharField(_("化解结果"), max_length=10, choices=Outcome.choices, blank=True)
    override_reason = models.TextField(_("不再受理的领导批准理由"), blank=True)

    # The highest level among the case's owners (kept by the ownership services, for the figures:
    # cases owned by leaders at county level and above, 县级以上领导包案).
    top_owner_level = models.CharField(_("包案最高层级"), max_length=12, choices=OwnerLevel.choices, blank=True)

    # The deadline that runs against the office now (denormalised from PetitionDeadline for lists).
    current_due = models.DateField(_("当前期限"), null=True, blank=True)
    current_rule = models.CharField(_("期限规则"), max_length=40, blank=True)
    due_provisional = models.BooleanField(_("期限暂定"), default=False)

    objects = PetitionQuerySet.as_manager()

    scoping = ScopeSpec(region_field="region", owner_fields=("owners__leader",), exclude_fields=(_NAMED,))

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="petition_region_status"),
            models.Index(
                fields=["region", "current_due"],
                condition=models.Q(status__in=OFFICE_OWES),
                name="petition_owed_region_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_days__lte=30), name="petition_extension_at_most_30_days"
            ),
            models.CheckConstraint(
                condition=models.Q(is_group=False) | models.Q(group_size__gte=2), name="petition_group_size"
            ),
        ]
        permissions = [
            ("transition_petition", _("变更信访件状态")),
            ("export_petition", _("导出信访件")),
            ("assign_petition", _("指定包案领导")),
        ]

    def __str__(self):
        return f"{self.number or ''} {self.title}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Petitioner(models.Model):
    """A petitioner (信访人) of a case; ID and phone stored encrypted, with a keyed hash of the ID
    for finding the same person's earlier petitions."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="petitioners")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_hash = models.CharField(_("身份证号索引"), max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    is_representative = models.BooleanField(_("代表"), default=False)

    scoping = ScopeSpec(region_field="petition__region", exclude_fields=(f"petition__{_NAMED}",))
    personal_data = PersonalData(
        masked={"id_number": mask_id_number, "phone": mask_phone},
        hidden={"id_hash"},
        personal={"address"},
    )

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ["petition_id", "id"]

    def __str__(self):
        return self.name


class NamedOfficial(models.Model):
    """An official an accusation names (被反映人): a user of the system or a free name with a unit."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="named_officials")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.CharField(_("单位职务"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("被反映人")
        verbose_name_plural = _("被反映人")
        indexes = [models.Index(fields=["user", "petition"], name="named_official_user")]

    def __str__(self):
        return self.name


class PetitionOwner(models.Model):
    """A leader who owns the case (包案领导), with the responsible unit; one is the lead owner.
    Current ownership only: every change is on the case's timeline and in the audit trail."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="owners")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("包案领导"), on_delete=models.PROTECT, related_name="owned_petitions"
    )
    level = models.CharField(_("领导层级"), max_length=12, choices=OwnerLevel.choices)
    unit = models.CharField(_("责任单位"), max_length=100, blank=True)
    is_lead = models.BooleanField(_("牵头包案"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指定人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指定时间"), auto_now_add=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("包案领导")
        verbose_name_plural = _("包案领导")
        ordering = ["-is_lead", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "leader"], name="petition_owner_unique"),
            models.UniqueConstraint(
                fields=["petition"], condition=models.Q(is_lead=True), name="petition_one_lead_owner"
            ),
        ]

    def __str__(self):
        return str(self.leader)


class PetitionDeadline(models.Model):
    """One deadline of a case: the rule that makes it, from which day, due when; when it was met."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("期限"), max_length=20, choices=DeadlineKind.choices)
    rule = models.CharField(_("规则"), max_length=40)
    start = models.DateField(_("起算日"))
    due = models.DateField(_("到期日"))
    provisional = models.BooleanField(_("暂定"), default=False)
    met_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")
        ordering = ["petition_id", "start", "id"]
        constraints = [models.UniqueConstraint(fields=["petition", "kind"], name="petition_deadline_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due}"

    @property
    def on_time(self) -> bool | None:
        return None if self.met_on is None else self.met_on <= self.due


class PetitionEvent(models.Model):
    """The case's timeline: transitions, progress notes, extensions, ownership, links."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    text = models.TextField(_("内容"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return self.get_kind_display()


class ReceptionDay(TimeStampedModel):
    """领导接访: a leader receives petitioners on a day at a place; the cases created or linked there."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接访领导"),
        on_delete=models.PROTECT,
        related_name="reception_days",
        null=True,
        blank=True,
    )
    # The leader's name as recorded (kept when the leader has no account, e.g. in imported data).
    leader_name = models.CharField(_("领导姓名"), max_length=50, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("接访日期"), db_index=True)
    place = models.CharField(_("接访地点"), max_length=100)
    person_times = models.PositiveIntegerField(_("接待群众人次"), default=0)
    notes = models.TextField(_("情况记录"), blank=True)
    cases = models.ManyToManyField(
        Petition, verbose_name=_("登记或关联的信访件"), blank=True, related_name="receptions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("leader",))

    class Meta:
        verbose_name = _("领导接访")
        verbose_name_plural = _("领导接访")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.place}"


class DownVisit(TimeStampedModel):
    """带案下访: a leader takes cases down to the villages concerned."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下访领导"),
        on_delete=models.PROTECT,
        related_name="down_visits",
        null=True,
        blank=True,
    )
    # The leader's name as recorded (kept when the leader has no account, e.g. in imported data).
    leader_name = models.CharField(_("领导姓名"), max_length=50, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("下访日期"), db_index=True)
    villages = models.ManyToManyField(Region, verbose_name=_("走访村（社区）"), related_name="+")
    cases = models.ManyToManyField(Petition, verbose_name=_("所带信访件"), blank=True, related_name="down_visits")
    person_times = models.PositiveIntegerField(_("接待群众人次"), default=0)
    outcome = models.TextField(_("下访成效"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    scoping = ScopeSpec(region_field="region", owner_fields=("leader",))

    class Meta:
        verbose_name = _("带案下访")
        verbose_name_plural = _("带案下访")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d}"


class PetitionAttachment(models.Model):
    """A document of the case (the letter, a photo, a scanned decision): type- and size-checked by
    the service; downloaded only through the case's scope (never by the officials it names)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="petitions/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=60)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name
