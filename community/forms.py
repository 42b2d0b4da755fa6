"""Forms of the community pages. They only clean input; every write goes through
community.services, whose refusals are shown beside the field they name."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.choices import OrderCategory, OrganLevel, ReportBasis, ReporterKind, ServiceKind
from community.selectors import communities_for

TEXT = {"class": "form-control"}


def date_widget():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class TelInput(forms.TextInput):
    """A phone number: the phone keypad on a phone (type=tel as well as inputmode)."""

    input_type = "tel"


class OrderForm(forms.Form):
    """居民点单: what a resident asks for. The public form and the branch's form share it."""

    category = forms.ChoiceField(
        label=_("需求类别"),
        choices=[("", _("请选择"))] + list(OrderCategory.choices),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择需求类别。"), "invalid_choice": _("请选择需求类别。")},
    )
    need = forms.CharField(
        label=_("服务需求"),
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("例如：帮行动不便的老人取药")}),
        error_messages={"required": _("请填写服务需求。")},
    )
    details = forms.CharField(
        label=_("具体情况（可不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3, "maxlength": 2000}),
    )
    place = forms.CharField(
        label=_("服务地点"),
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": _("小区、楼栋或门牌")}),
        error_messages={"required": _("请填写服务地点。")},
    )
    contact_name = forms.CharField(
        label=_("联系人"),
        max_length=50,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("请填写联系人。")},
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=TelInput(attrs={**TEXT, "inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("请填写联系电话。")},
        help_text=_("只用于社区和接单党员联系您，不会公开。"),
    )

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("category", "need", "details", "place", "contact_name", "phone")
        }


class StaffOrderForm(OrderForm):
    """The branch registers an order for a resident who called or came in."""

    region = forms.ModelChoiceField(
        label=_("社区"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择您管辖范围内的社区。")},
    )
    field_order = ["region"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = communities_for(user=user, permission="community.add_serviceorder")
        self.fields["region"].queryset = queryset
        only = list(queryset[:2])
        if len(only) == 1:
            self.fields["region"].initial = only[0].pk


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DispatchForm(VersionForm):
    """支部下单: to one registered member ("m:<id>") or organisation ("o:<id>")."""

    assignee = forms.ChoiceField(
        label=_("接单人"),
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": _("请选择接单的党员或党组织。"),
            "invalid_choice": _("请选择本社区报到的党员或党组织。"),
        },
    )
    service_kind = forms.ChoiceField(
        label=_("服务方式"),
        choices=ServiceKind.choices,
        initial=ServiceKind.VOLUNTEER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(label=_("派单说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, members=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {f"m:{m.pk}": m for m in members}
        self.organisations = {f"o:{o.pk}": o for o in organisations}
        self.fields["assignee"].choices = [("", _("请选择"))] + [
            (_("报到党员"), [(key, m.name) for key, m in self.members.items()]),
            (_("报到党组织"), [(key, o.name) for key, o in self.organisations.items()]),
        ]

    def assignee_kwargs(self) -> dict:
        key = self.cleaned_data["assignee"]
        if key in self.members:
            return {"member": self.members[key]}
        return {"organisation": self.organisations[key]}


class ReasonForm(VersionForm):
    text = forms.CharField(
        label=_("原因"),
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("请填写原因。")},
    )


class CompleteForm(VersionForm):
    text = forms.CharField(
        label=_("服务情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
        error_messages={"required": _("请填写做了什么。")},
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对这次服务是否满意？"),
        choices=[(5, _("非常满意")), (4, _("满意")), (3, _("基本满意")), (2, _("不满意")), (1, _("非常不满意"))],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意程度。"), "invalid_choice": _("请选择满意程度。")},
    )
    done = forms.TypedChoiceField(
        label=_("您点的服务办好了吗？"),
        choices=(("yes", _("已办好")), ("no", _("没有办好"))),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择服务是否已办好。"), "invalid_choice": _("请选择服务是否已办好。")},
    )
    comment = forms.CharField(
        label=_("意见建议（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )


class ReportForm(forms.Form):
    """Register a new organisation or member with a community in one step (or an existing one)."""

    community = forms.ModelChoiceField(
        label=_("报到社区"),
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": _("请选择社区。"), "invalid_choice": _("请选择您管辖范围内的社区。")},
    )
    basis = forms.ChoiceField(
        label=_("报到依据"), choices=ReportBasis.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    reported_on = forms.DateField(label=_("报到日期"), widget=date_widget(), initial=timezone.localdate)
    note = forms.CharField(label=_("备注"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, user=None, kind=ReporterKind.MEMBER, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        queryset = communities_for(user=user, permission="community.add_communityreport")
        self.fields["community"].queryset = queryset
        only = list(queryset[:2])
        if len(only) == 1:
            self.fields["community"].initial = only[0].pk
        self.fields["basis"].initial = ReportBasis.RESIDENCE if kind == ReporterKind.MEMBER else ReportBasis.WORKPLACE
        if kind == ReporterKind.MEMBER:
            self.fields["name"] = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT))
            self.fields["phone"] = forms.CharField(
                label=_("联系电话"), max_length=20, widget=TelInput(attrs={**TEXT, "inputmode": "tel"})
            )
            self.fields["workplace"] = forms.CharField(
                label=_("工作单位"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT)
            )
            self.fields["username"] = forms.CharField(
                label=_("登录账号（可不填）"),
                required=False,
                max_length=150,
                widget=forms.TextInput(attrs=TEXT),
                help_text=_("填写后，该党员登录即可在手机上看到派给自己的服务订单。"),
            )
        else:
            self.fields["name"] = forms.CharField(
                label=_("党组织名称"), max_length=100, widget=forms.TextInput(attrs=TEXT)
            )
            self.fields["organ_name"] = forms.CharField(
                label=_("所属机关（单位）"), max_length=100, widget=forms.TextInput(attrs=TEXT)
            )
            self.fields["organ_level"] = forms.ChoiceField(
                label=_("机关层级"), choices=OrganLevel.choices, widget=forms.Select(attrs={"class": "form-select"})
            )
            self.fields["party_member_count"] = forms.IntegerField(
                label=_("党员人数"), min_value=0, max_value=100_000, initial=0, widget=forms.NumberInput(attrs=TEXT)
            )
            self.fields["contact_name"] = forms.CharField(
                label=_("联系人"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT)
            )
            self.fields["phone"] = forms.CharField(
                label=_("联系电话"),
                required=False,
                max_length=20,
                widget=TelInput(attrs={**TEXT, "inputmode": "tel"}),
            )

    def reporter_data(self) -> dict:
        skip = {"community", "basis", "reported_on", "note"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=200,
        widget=forms.TextInput(attrs=TEXT),
        error_messages={"required": _("请填写撤回原因。")},
    )
    withdrawn_on = forms.DateField(label=_("撤回日期"), widget=date_widget(), initial=timezone.localdate)
