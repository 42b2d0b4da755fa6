"""Forms of the pairings pages. They only clean input: every write goes through
pairings.services. Money is typed in yuan and handed over in integer fen; regions come from the
scoped region picker; edits carry the version they were based on; ID and phone numbers are never
sent back to the browser."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import mask_id_number, mask_phone
from ledgers.forms import (
    BootstrapFormMixin,
    ScopedRegionField,
    SensitiveNumberMixin,
    VersionedFormMixin,
    YuanField,
    date_widget,
)
from pairings.choices import (
    MustVisitKind,
    PairKind,
    ProjectKind,
    ProjectStatus,
    TargetKind,
    UnitKind,
    UnitLevel,
    VisitKind,
)
from pairings.models import Cadre, Unit
from pairings.selectors import unit_pickable
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict


class RegionAtLevelsField(ScopedRegionField):
    """The scoped region picker's code, at one of `levels`."""

    def __init__(self, *, levels=(Level.VILLAGE,), **kwargs):
        self.levels = levels
        super().__init__(**kwargs)

    def clean(self, value):
        code = forms.CharField.clean(self, value)
        if not code:
            return None
        region = None
        if code.isdigit() and self.user is not None:
            region = restrict(Region.objects.filter(code=code), self.user, self.permission).first()
        if region is None:
            raise forms.ValidationError(_("请选择您管辖范围内的区划。"), code="out_of_scope")
        if region.level not in self.levels:
            names = "、".join(str(Level(level).label) for level in self.levels)
            raise forms.ValidationError(_("请选择到以下层级：%(levels)s。") % {"levels": names}, code="level")
        return region


class UnitForm(BootstrapFormMixin, VersionedFormMixin, forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    level = forms.TypedChoiceField(label=_("单位层级"), choices=UnitLevel.choices, coerce=int)
    kind = forms.ChoiceField(label=_("单位性质"), choices=UnitKind.choices)
    parent = forms.ModelChoiceField(label=_("上级单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.instance = user, instance
        self.fields["parent"].queryset = (
            unit_pickable(user=user).select_related("region") if user else Unit.objects.none()
        )
        if instance is None:
            self.fields["region"] = RegionAtLevelsField(
                user=user,
                permission="pairings.add_unit",
                levels=(Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP),
                label=_("所在区划"),
            )
        else:
            self.add_version_field(instance.version)
            if not self.is_bound:
                self.initial.update(
                    {"name": instance.name, "level": instance.level, "kind": instance.kind, "parent": instance.parent}
                )
        self.style_widgets()


class CadreForm(BootstrapFormMixin, VersionedFormMixin, SensitiveNumberMixin, forms.Form):
    sensitive_fields = {"id_number": mask_id_number, "phone": mask_phone}

    name = forms.CharField(label=_("姓名"), max_length=50)
    unit = forms.ModelChoiceField(label=_("所在单位"), queryset=Unit.objects.none())
    post = forms.CharField(label=_("职务"), max_length=100, required=False)
    is_party_member = forms.BooleanField(label=_("中共党员"), required=False)
    is_unit_leader = forms.BooleanField(
        label=_("单位负责人"), required=False, help_text=_("登录后可查看本单位干部的结对、走访和必访情况。")
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.instance, self.instance_pk = user, instance, getattr(instance, "pk", None)
        self.fields["unit"].queryset = unit_pickable(user=user) if user else Unit.objects.none()
        if instance is None:
            self.fields["region"] = RegionAtLevelsField(
                user=user,
                permission="pairings.add_cadre",
                levels=(Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
                label=_("所在区划"),
            )
        else:
            self.add_version_field(instance.version)
            if not self.is_bound:
                self.initial.update(
                    {
                        "name": instance.name,
                        "unit": instance.unit,
                        "post": instance.post,
                        "is_party_member": instance.is_party_member,
                        "is_unit_leader": instance.is_unit_leader,
                    }
                )
        self.blank_sensitive_fields(instance)
        self.style_widgets()

    def service_data(self) -> dict:
        keys = ("name", "unit", "post", "is_party_member", "is_unit_leader", "phone", "id_number")
        data = {k: self.cleaned_data[k] for k in keys}
        if "region" in self.cleaned_data:
            data["home_region"] = self.cleaned_data["region"]
        return self.sensitive_data(data)


class HouseholdForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("对象类型"), choices=TargetKind.choices)
    head_name = forms.CharField(label=_("户主姓名或名称"), max_length=100)
    head_id_number = forms.CharField(label=_("户主身份证号"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    member_count = forms.IntegerField(label=_("家庭人口"), min_value=1, max_value=100, initial=1)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = RegionAtLevelsField(user=user, permission="pairings.add_household")
        self.style_widgets()


class PairForm(BootstrapFormMixin, forms.Form):
    cadre = forms.ModelChoiceField(label=_("帮扶干部"), queryset=Cadre.objects.none())
    kind = forms.ChoiceField(label=_("结对类型"), choices=PairKind.choices)
    started_on = forms.DateField(label=_("结对日期"), widget=date_widget())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = restrict(Cadre.objects.filter(is_active=True), user).select_related("unit")
        self.fields["cadre"].label_from_instance = lambda cadre: f"{cadre.name}（{cadre.unit.name}）"
        self.initial.setdefault("started_on", timezone.localdate())
        self.style_widgets()


class PairEndForm(BootstrapFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    ended_on = forms.DateField(label=_("结束日期"), widget=date_widget())
    end_reason = forms.CharField(label=_("结束原因"), max_length=200)


class BulkPairForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("结对类型"), choices=PairKind.choices)
    started_on = forms.DateField(label=_("结对日期"), widget=date_widget())
    per_cadre = forms.IntegerField(
        label=_("每名干部结对户数"), min_value=0, max_value=50, initial=0, help_text=_("0 表示把全部未结对的户分完。")
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_pickable(user=user) if user else Unit.objects.none()
        self.fields["region"] = RegionAtLevelsField(user=user, permission="pairings.add_pair")
        self.initial.setdefault("started_on", timezone.localdate())
        self.style_widgets()


class BulkPairUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class VisitForm(BootstrapFormMixin, forms.Form):
    """The phone-first visit form: the date defaults to today, the kind is a row of buttons."""

    visited_on = forms.DateField(label=_("走访日期"), widget=date_widget())
    kind = forms.ChoiceField(label=_("走访类型"), choices=VisitKind.choices, widget=forms.RadioSelect)
    found = forms.CharField(
        label=_("了解到的情况"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    help_money_fen = YuanField(label=_("帮扶资金（元）"), required=False)
    help_goods = forms.CharField(label=_("帮扶物资"), max_length=200, required=False)
    help_service = forms.CharField(label=_("帮扶服务"), max_length=200, required=False)
    follow_up_needed = forms.BooleanField(label=_("需要跟进"), required=False)
    follow_up = forms.CharField(label=_("跟进事项"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("visited_on", timezone.localdate())
        self.initial.setdefault("kind", VisitKind.ROUTINE)
        self.style_widgets()


class MustVisitEventForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("事件类型"), choices=MustVisitKind.choices)
    occurred_on = forms.DateField(label=_("发生日期"), widget=date_widget())
    note = forms.CharField(label=_("情况说明"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("occurred_on", timezone.localdate())
        self.style_widgets()


class CampaignForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=date_widget())
    ends_on = forms.DateField(label=_("结束日期"), widget=date_widget())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = RegionAtLevelsField(
            user=user,
            permission="pairings.add_campaign",
            levels=(Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE),
            label=_("范围"),
        )
        self.style_widgets()


# --- 对口支援、联村帮户、蹲点 ---------------------------------------------------------------------------
class _PeriodFormMixin(BootstrapFormMixin, VersionedFormMixin):
    """Start and end dates, a version on edits; `editable` are the fields an edit may change."""

    editable: tuple = ("started_on", "ended_on")

    def setup(self, *, user, instance, region_permission="", region_levels=(Level.VILLAGE,), region_label=None):
        self.user, self.instance = user, instance
        if "unit" in self.fields:
            self.fields["unit"].queryset = (
                unit_pickable(user=user).select_related("region") if user else Unit.objects.none()
            )
        if "cadre" in self.fields:
            self.fields["cadre"].queryset = (
                restrict(Cadre.objects.filter(is_active=True), user).select_related("unit")
                if user
                else Cadre.objects.none()
            )
            self.fields["cadre"].label_from_instance = lambda cadre: f"{cadre.name}（{cadre.unit.name}）"
        if instance is None:
            if region_permission:
                self.fields["region"] = RegionAtLevelsField(
                    user=user, permission=region_permission, levels=region_levels, label=region_label
                )
            self.initial.setdefault("started_on", timezone.localdate())
        else:
            for name in list(self.fields):
                if name not in self.editable:
                    del self.fields[name]
            self.add_version_field(instance.version)
            if not self.is_bound:
                self.initial.update({name: getattr(instance, name) for name in self.editable})
        self.style_widgets()

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class SupportAssignmentForm(_PeriodFormMixin, forms.Form):
    editable = ("started_on", "ended_on", "note")
    unit = forms.ModelChoiceField(label=_("支援单位"), queryset=Unit.objects.none())
    started_on = forms.DateField(label=_("开始日期"), widget=date_widget())
    ended_on = forms.DateField(label=_("结束日期"), widget=date_widget(), required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(user=user, instance=instance, region_permission="pairings.add_supportassignment",
                   region_levels=(Level.COUNTY,), region_label=_("受援县"))  # fmt: skip


class VillageLinkForm(SupportAssignmentForm):
    def __init__(self, *args, user=None, instance=None, **kwargs):
        forms.Form.__init__(self, *args, **kwargs)
        self.fields["unit"].label = _("联系单位")
        self.setup(user=user, instance=instance, region_permission="pairings.add_villagelink",
                   region_levels=(Level.VILLAGE,), region_label=_("联系村"))  # fmt: skip


class SentCadreForm(_PeriodFormMixin, forms.Form):
    """A cadre sent by the supporting or linked unit, with the period."""

    cadre = forms.ModelChoiceField(label=_("干部"), queryset=Cadre.objects.none())
    started_on = forms.DateField(label=_("开始日期"), widget=date_widget())
    ended_on = forms.DateField(label=_("结束日期"), widget=date_widget(), required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(user=user, instance=instance)


class LinkProjectForm(_PeriodFormMixin, forms.Form):
    editable = ("name", "kind", "funds_fen", "planned_on")
    name = forms.CharField(label=_("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=_("项目类型"), choices=ProjectKind.choices)
    funds_fen = YuanField(label=_("项目资金（元）"), required=False)
    planned_on = forms.DateField(label=_("立项日期"), widget=date_widget())

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(user=user, instance=instance)
        if instance is None:
            self.initial.setdefault("planned_on", timezone.localdate())
        elif not self.is_bound:
            self.initial["funds_fen"] = f"{instance.funds_fen / 100:.2f}"


class ProjectAdvanceForm(BootstrapFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(widget=forms.HiddenInput, choices=ProjectStatus.choices)
    on = forms.DateField(label=_("日期"), widget=date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("on", timezone.localdate())
        self.style_widgets()


class TrainingForm(_PeriodFormMixin, forms.Form):
    editable = ("held_on", "topic", "person_times")
    held_on = forms.DateField(label=_("培训日期"), widget=date_widget())
    topic = forms.CharField(label=_("培训内容"), max_length=200)
    person_times = forms.IntegerField(label=_("培训人次"), min_value=1, max_value=100_000)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(user=user, instance=instance)
        if instance is None:
            self.initial.setdefault("held_on", timezone.localdate())


class StayForm(_PeriodFormMixin, forms.Form):
    editable = ("started_on", "ended_on", "purpose", "work_done")
    cadre = forms.ModelChoiceField(label=_("干部"), queryset=Cadre.objects.none())
    started_on = forms.DateField(label=_("开始日期"), widget=date_widget())
    ended_on = forms.DateField(label=_("结束日期"), widget=date_widget(), required=False)
    purpose = forms.CharField(label=_("蹲点目的"), max_length=200)
    work_done = forms.CharField(label=_("主要工作"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup(user=user, instance=instance, region_permission="pairings.add_stay",
                   region_levels=(Level.VILLAGE,), region_label=_("蹲点村（社区）"))  # fmt: skip
