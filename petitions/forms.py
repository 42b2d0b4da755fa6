"""Forms of the petition pages. They only clean input; every write goes through petitions.services.

ID and phone numbers are never sent back to the browser: on an edit form the petitioners' rows
show the masked numbers as hints, and a blank number keeps the stored one.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.validators import mask_id_number, mask_phone
from ledgers.forms import BootstrapFormMixin, ScopedRegionField, date_widget
from petitions.choices import MAX_EXTENSION_DAYS, Outcome, PetitionStatus, ReplyOpinion, TransferKind
from petitions.models import BacklogCampaign, Petition, PetitionCategory
from petitions.services import PETITION_FIELDS
from regions.choices import Role
from regions.models import Region
from regions.scoping import restrict

MAX_PETITIONERS = 8
MAX_NAMED = 3


def leaders_queryset(user, permission: str = "petitions.assign_petition"):
    """Leaders the user may pick as owners and approvers: those whose posts lie in the user's scope
    for `permission`, or above it (a county leader owns a township's case)."""
    from django.db.models import Q

    from regions.choices import CODE_LENGTH
    from regions.models import Post
    from regions.scoping import scope_prefixes

    posts = Post.objects.active().filter(role__in=[Role.TOWNSHIP_LEADER, Role.COUNTY_LEADER, Role.PREFECTURE_LEADER])
    prefixes = scope_prefixes(user, permission)
    if prefixes is not None:
        condition = Q(pk__in=[])
        for prefix in prefixes:
            above = [prefix[:n] for n in CODE_LENGTH.values() if n < len(prefix)]
            condition |= Q(region__code__startswith=prefix) | Q(region_id__in=above)
        posts = posts.filter(condition)
    return get_user_model().objects.filter(pk__in=posts.values("user_id"), is_active=True).order_by("username")


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class PetitionForm(BootstrapFormMixin, forms.ModelForm):
    """Register or correct a petition; petitioners and named officials are rows below it."""

    class Meta:
        model = Petition
        fields = list(PETITION_FIELDS)  # what the services accept on a case, in that order
        widgets = {"received_on": date_widget(), "content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = PetitionCategory.objects.filter(is_active=True)
        self.fields["backlog_campaign"].queryset = BacklogCampaign.objects.all()
        if self.instance.pk is None:
            self.fields["region"] = ScopedRegionField(
                user=user, permission="petitions.add_petition", label=_("涉及村（社区）或乡镇")
            )
        else:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
            if not self.is_bound:
                self.initial["version"] = self.instance.version
        self.style_widgets()

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class PetitionerForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    is_representative = forms.BooleanField(label=_("代表"), required=False)
    keep = forms.CharField(widget=forms.HiddenInput, required=False)  # index of the stored row, for a kept number


PetitionerFormSet = forms.formset_factory(PetitionerForm, extra=0, max_num=MAX_PETITIONERS, validate_max=True)


class NamedOfficialForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("被反映人姓名"), max_length=50, required=False)
    unit = forms.CharField(label=_("单位职务"), max_length=100, required=False)
    user = forms.ModelChoiceField(label=_("系统账号（如有）"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any active account may be named (an official of another region, too); shown by name.
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["user"].widget = forms.TextInput(attrs={"class": "form-control", "placeholder": _("账号名")})
        self.fields["user"].to_field_name = "username"


NamedOfficialFormSet = forms.formset_factory(NamedOfficialForm, extra=0, max_num=MAX_NAMED, validate_max=True)


def petitioner_initial(petition) -> list[dict]:
    rows = []
    for index, p in enumerate(petition.petitioners.all()):
        rows.append(
            {
                "name": p.name,
                "id_number": "",
                "phone": "",
                "address": p.address,
                "is_representative": p.is_representative,
                "keep": str(index),
                "masked_id": mask_id_number(p.id_number) if p.id_number else "",
                "masked_phone": mask_phone(p.phone) if p.phone else "",
            }
        )
    return rows


def petitioner_rows(formset, stored=None) -> list[dict]:
    """The service's rows; a blank ID or phone on an edit keeps the stored one."""
    stored = list(stored or [])
    rows = []
    for form in formset.forms:
        data = form.cleaned_data if form.is_valid() else {}
        if not data.get("name"):
            continue
        row = {k: data.get(k) for k in ("name", "id_number", "phone", "address", "is_representative")}
        keep = data.get("keep") or ""
        if keep.isdigit() and int(keep) < len(stored):
            old = stored[int(keep)]
            row["id_number"] = row["id_number"] or old.id_number
            row["phone"] = row["phone"] or old.phone
        rows.append(row)
    return rows


def named_rows(formset) -> list[dict]:
    return [
        {"name": f.cleaned_data.get("name"), "unit": f.cleaned_data.get("unit"), "user": f.cleaned_data.get("user")}
        for f in formset.forms
        if f.is_valid() and (f.cleaned_data.get("name") or f.cleaned_data.get("user"))
    ]


class TransitionForm(BootstrapFormMixin, forms.Form):
    """One form for every step: the fields a step needs are checked by its service."""

    target = forms.ChoiceField(label=_("操作"), choices=PetitionStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    on = forms.DateField(label=_("日期"), required=False, widget=date_widget(), help_text=_("不填为今天"))
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("转送/交办"), choices=[("", "—"), *TransferKind.choices], required=False)
    to_body = forms.CharField(label=_("转送交办机关"), max_length=100, required=False)
    handling_unit = forms.CharField(label=_("承办单位"), max_length=100, required=False)
    opinion = forms.ChoiceField(label=_("处理意见"), choices=[("", "—"), *ReplyOpinion.choices], required=False)
    text = forms.CharField(label=_("意见书内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    hearing_days = forms.IntegerField(label=_("听证天数"), required=False, min_value=0, max_value=365)
    outcome = forms.ChoiceField(label=_("化解结果"), choices=[("", "—"), *Outcome.choices], required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
    override_reason = forms.CharField(label=_("领导批准受理理由（不再受理情形）"), required=False, max_length=500)


class ExtensionForm(BootstrapFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=MAX_EXTENSION_DAYS)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))
    approved_by = LeaderChoiceField(label=_("批准领导"), queryset=get_user_model().objects.none())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = leaders_queryset(user)
        if user is not None and user.is_authenticated:
            queryset = get_user_model().objects.filter(pk__in=list(queryset.values_list("pk", flat=True)) + [user.pk])
        self.fields["approved_by"].queryset = queryset.order_by("username")
        if user is not None and not self.is_bound:
            self.initial["approved_by"] = user.pk
        self.style_widgets()


class ProgressForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OwnerForm(BootstrapFormMixin, forms.Form):
    leader = LeaderChoiceField(label=_("包案领导"), queryset=get_user_model().objects.none())
    unit = forms.CharField(label=_("责任单位"), max_length=100, required=False)
    is_lead = forms.BooleanField(label=_("牵头包案"), required=False)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders_queryset(user)
        self.style_widgets()


class OwnerRemoveForm(forms.Form):
    leader = forms.IntegerField(min_value=1)
    reason = forms.CharField(label=_("撤销原因"), max_length=200)


class LinkForm(BootstrapFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    earlier = forms.CharField(label=_("前案编号"), max_length=20, required=False, help_text=_("留空为取消关联"))


class ReceptionDayForm(BootstrapFormMixin, forms.Form):
    held_on = forms.DateField(label=_("接访日期"), widget=date_widget())
    place = forms.CharField(label=_("接访地点"), max_length=100)
    person_times = forms.IntegerField(label=_("接待群众人次"), min_value=0, max_value=100000)
    notes = forms.CharField(label=_("情况记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cases = forms.CharField(label=_("登记或关联的信访件编号"), required=False, help_text=_("多个编号用逗号或空格分隔"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = ScopedRegionField(
            user=user, permission="petitions.add_receptionday", label=_("所属区划"), required=True
        )
        self.fields["region"].clean = self._region_clean(self.fields["region"])

    @staticmethod
    def _region_clean(field):
        # Held at a township, county or prefecture office: any level in scope.
        def clean(value):
            code = forms.CharField.clean(field, value)
            region = (
                restrict(Region.objects.filter(code=code), field.user, field.permission).first()
                if code and code.isdigit()
                else None
            )
            if region is None:
                raise forms.ValidationError(field.error_messages["out_of_scope"], code="out_of_scope")
            return region

        return clean


class DownVisitForm(ReceptionDayForm):
    held_on = None
    place = None
    notes = None
    visited_on = forms.DateField(label=_("下访日期"), widget=date_widget())
    villages = forms.CharField(label=_("走访村（社区）代码"), help_text=_("12 位区划代码，多个用逗号或空格分隔"))
    outcome = forms.CharField(label=_("下访成效"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["visited_on", "villages", "person_times", "cases", "outcome"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].permission = "petitions.add_downvisit"


def split_codes(value: str) -> list[str]:
    return [part for part in (value or "").replace("，", ",").replace(",", " ").split() if part][:50]
