"""Forms of the ledger pages. They only clean input: every write goes through ledgers.services.

Conventions shared by all the forms here:
- money is typed in yuan with at most two decimals and handed to the services in integer fen;
- the region is picked with the scoped region picker and must be a village or township in
  the user's scope where they may add this kind of record;
- edits carry the hidden `version` they were based on, so a stale save is refused;
- ID and phone numbers are never sent back to the browser: on an edit form they are blank
  ("leave blank to keep"), with the masked value shown as a hint.
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import normalize_id_number
from ledgers.choices import (
    AppealStatus,
    HardshipType,
    MatterOutcome,
    MatterStatus,
)
from ledgers.models import (
    HardshipHousehold,
    HelpRecord,
    HouseholdMember,
    LivelihoodAppeal,
    MediationStep,
    StabilityMatter,
    VillageProfile,
)
from ledgers.services import APPEAL_EDITABLE_FIELDS, HOUSEHOLD_EDITABLE_FIELDS, MATTER_EDITABLE_FIELDS, PROFILE_FIELDS
from ledgers.services.rules import MAX_FEN
from regions.choices import Level
from regions.models import Region
from regions.scoping import restrict


def date_widget():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


MAX_PK = 2**63 - 1


def fen_to_yuan(fen) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


class YuanField(forms.DecimalField):
    """An amount of money in yuan (两位小数), cleaned to integer fen. Its bounds are the services'
    money rule (ledgers.services.rules), so the page says what the API and the import say."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("error_messages", {"invalid": _("请输入金额（元），最多两位小数。")})
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}))
        super().__init__(*args, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        if amount is None:
            return 0 if not self.required else amount
        if amount.copy_abs() > MAX_FEN:  # far beyond the bound: no need to compute the fen exactly
            return MAX_FEN + 1 if amount > 0 else -1
        return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


class IdNumberField(forms.CharField):
    """An ID number as typed or pasted (spaces, full-width digits and Ｘ are forgiven); the
    services check it (GB 11643)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"maxlength": "40", "autocomplete": "off"})

    def to_python(self, value):
        return normalize_id_number(super().to_python(value))


class PhoneField(forms.CharField):
    """A phone number as typed; the services check it (one phone rule for every entry point)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)


class ScopedRegionField(forms.CharField):
    """A division code from the region picker: a village or township where the user may add."""

    default_error_messages = {
        "out_of_scope": _("请选择您管辖范围内的村（社区）或乡镇（街道）。"),
        "level": _("请选择到村（社区）或乡镇（街道）一级。"),
    }

    def __init__(self, *, user=None, permission="", **kwargs):
        kwargs.setdefault("label", _("村（社区）"))
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.HiddenInput)
        self.user, self.permission = user, permission
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        region = None
        if code.isdigit() and self.user is not None:
            region = restrict(Region.objects.filter(code=code), self.user, self.permission).first()
        if region is None:
            raise forms.ValidationError(self.error_messages["out_of_scope"], code="out_of_scope")
        if region.level not in (Level.VILLAGE, Level.TOWNSHIP):
            raise forms.ValidationError(self.error_messages["level"], code="level")
        return region


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and `is-invalid` on the fields that have errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self):
        for name, field in self.fields.items():
            widget = field.widget
            # Phones bring up the phone keypad, whole numbers the numeric one.
            if name.endswith("phone") and isinstance(widget, forms.TextInput):
                widget.input_type = "tel"
                widget.attrs.setdefault("inputmode", "tel")
                widget.attrs.setdefault("autocomplete", "off")
            elif isinstance(widget, forms.NumberInput):
                widget.attrs.setdefault("inputmode", "numeric")
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput | forms.MultipleHiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "is-invalid"])

    def add_error(self, field, error):
        super().add_error(field, error)
        if getattr(self, "cleaned_data", None) is not None:
            self.mark_invalid()


class VersionedFormMixin:
    """The hidden version the edit was based on."""

    def add_version_field(self, version):
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        if version is not None and not self.is_bound:
            self.initial["version"] = version


class SensitiveNumberMixin:
    """Sensitive numbers (ID, phone) on an edit form: blank keeps the stored value."""

    sensitive_fields: dict = {}

    def blank_sensitive_fields(self, instance):
        for name, mask in self.sensitive_fields.items():
            if name not in self.fields:
                continue
            stored = getattr(instance, name, "") if instance is not None else ""
            self.initial[name] = ""
            if stored:
                self.fields[name].required = False
                self.fields[name].help_text = _("当前：%(masked)s。不修改请留空。") % {"masked": mask(stored)}

    def sensitive_data(self, data: dict) -> dict:
        """Drop blank sensitive fields from an edit, so the stored values are kept."""
        if self.instance_pk is None:
            return data
        return {k: v for k, v in data.items() if not (k in self.sensitive_fields and not v)}


class LedgerEntryForm(BootstrapFormMixin, VersionedFormMixin, SensitiveNumberMixin, forms.ModelForm):
    """Create (with a region) or edit (with a version) one ledger entry."""

    service_fields: tuple = ()
    add_permission = ""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance_pk = self.instance.pk
        if self.instance_pk is None:
            self.fields["region"] = ScopedRegionField(user=user, permission=self.add_permission)
        else:
            self.add_version_field(self.instance.version)
        self.blank_sensitive_fields(self.instance if self.instance_pk else None)
        for field in self.fields.values():
            if isinstance(field.widget, forms.DateInput):
                field.widget = date_widget()

    def _post_clean(self):
        # The services run the model's validation on the real record; the form only checks
        # its own fields (and must not touch the instance the view fetched).
        pass

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.service_fields if name in self.cleaned_data}
        return self.sensitive_data(data)


class LivelihoodAppealForm(LedgerEntryForm):
    service_fields = tuple(f for f in APPEAL_EDITABLE_FIELDS if f != "responsible_user")
    add_permission = "ledgers.add_livelihoodappeal"
    sensitive_fields = LivelihoodAppeal.personal_data.masked

    funds_spent_fen = YuanField(label=_("投入资金（元）"), required=False)
    raiser_phone = PhoneField(label=_("联系电话"), required=False)

    class Meta:
        model = LivelihoodAppeal
        fields = [
            "category",
            "title",
            "raised_by",
            "raiser_name",
            "raiser_phone",
            "description",
            "triage",
            "responsible_person",
            "registered_on",
            "promised_date",
            "funds_spent_fen",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].required = False
        if self.instance_pk is None:
            self.fields["registered_on"].help_text = _("不填则为今天。")
        if self.instance_pk and not self.is_bound:
            self.initial["funds_spent_fen"] = fen_to_yuan(self.instance.funds_spent_fen)

    def service_data(self):
        data = super().service_data()
        if not data.get("registered_on"):
            data.pop("registered_on", None)
        return data


class HardshipHouseholdForm(LedgerEntryForm):
    service_fields = HOUSEHOLD_EDITABLE_FIELDS
    add_permission = "ledgers.add_hardshiphousehold"
    sensitive_fields = HardshipHousehold.personal_data.masked

    head_id_number = IdNumberField(label=_("户主身份证号"), required=False)
    phone = PhoneField(label=_("联系电话"), required=False)
    # Bounds are the services' rule (1–30), so the page says what the API and the import say.
    member_count = forms.IntegerField(
        label=_("家庭人口"), initial=1, widget=forms.NumberInput(attrs={"min": "1", "inputmode": "numeric"})
    )
    hardship_types = forms.MultipleChoiceField(
        label=_("困难类型"),
        choices=HardshipType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一种困难类型。")},
    )

    class Meta:
        model = HardshipHousehold
        fields = [
            "head_name",
            "head_id_number",
            "phone",
            "address",
            "member_count",
            "needs",
            "registered_on",
            "is_sensitive",
        ]
        widgets = {"needs": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].required = False
        if self.instance_pk is None:
            self.fields["registered_on"].help_text = _("不填则为今天。")
        if self.instance_pk and not self.is_bound:
            self.initial["hardship_types"] = [h.type for h in self.instance.hardships.all()]

    def service_data(self):
        data = super().service_data()
        if not data.get("registered_on"):
            data.pop("registered_on", None)
        return data


class StabilityMatterForm(LedgerEntryForm):
    service_fields = MATTER_EDITABLE_FIELDS
    add_permission = "ledgers.add_stabilitymatter"

    class Meta:
        model = StabilityMatter
        fields = list(MATTER_EDITABLE_FIELDS)
        widgets = {"parties": forms.Textarea(attrs={"rows": 2}), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].required = False
        if self.instance_pk is None:
            self.fields["registered_on"].help_text = _("不填则为今天。")

    def service_data(self):
        data = super().service_data()
        if not data.get("registered_on"):
            data.pop("registered_on", None)
        return data


class VillageProfileForm(BootstrapFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = VillageProfile
        fields = list(PROFILE_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in PROFILE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version_field(self.instance.version if self.instance.pk else None)
        if not self.instance.pk:
            self.fields["version"].required = False

    def _post_clean(self):
        pass

    def service_data(self):
        return {name: self.cleaned_data.get(name, "") for name in PROFILE_FIELDS}


# --- Transitions ---------------------------------------------------------------------------------
class TransitionForm(BootstrapFormMixin, forms.Form):
    target = forms.ChoiceField(label=_("变更为"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(choices)
        self.fields["target"].error_messages["invalid_choice"] = _("该状态变更不存在：%(value)s。")


class AppealTransitionForm(TransitionForm):
    """Any status: the service refuses what the status machine does not allow (including the
    statuses only a resident's rating sets) and a resolution without its result."""

    resolution = forms.CharField(label=_("办理结果"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=AppealStatus.choices, **kwargs)


class MatterTransitionForm(TransitionForm):
    outcome = forms.ChoiceField(
        label=_("化解结果"), required=False, choices=[("", "---------"), *MatterOutcome.choices]
    )
    note = forms.CharField(label=_("结果说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=MatterStatus.choices, **kwargs)


class VoidForm(BootstrapFormMixin, forms.Form):
    """作废: why this record was entered by mistake (the service requires a reason)."""

    void_reason = forms.CharField(label=_("作废原因"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HouseholdExitForm(BootstrapFormMixin, forms.Form):
    exited_on = forms.DateField(label=_("退出日期"), widget=date_widget())
    reason = forms.CharField(label=_("退出原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class IdListField(forms.Field):
    """Several record ids (checkboxes named `ids`); which of them the user may see is the selector's business."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("请先勾选记录。"), "invalid": _("记录编号无效。")}

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if any(not 1 <= pk <= MAX_PK for pk in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class BulkTransitionForm(forms.Form):
    """Several rows of one list, one target status. Each row succeeds or fails on its own."""

    MAX_ROWS = 200

    ids = IdListField(label=_("所选记录"))
    target = forms.ChoiceField(label=_("批量变更为"))
    resolution = forms.CharField(label=_("办理结果"), required=False, max_length=2000)
    outcome = forms.ChoiceField(
        label=_("化解结果"), required=False, choices=[("", "---------"), *MatterOutcome.choices]
    )
    exited_on = forms.DateField(label=_("退出日期"), required=False)
    reason = forms.CharField(label=_("退出原因"), required=False, max_length=200)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > self.MAX_ROWS:
            raise forms.ValidationError(_("一次最多批量处理 %(max)s 条。") % {"max": self.MAX_ROWS})
        return sorted(set(ids))


# --- Child records -------------------------------------------------------------------------------
class HouseholdMemberForm(BootstrapFormMixin, forms.ModelForm):
    id_number = IdNumberField(label=_("身份证号"), required=False)
    health_note = forms.CharField(label=_("健康状况"), max_length=500, required=False)

    class Meta:
        model = HouseholdMember
        fields = ["name", "relation", "id_number", "birth_date", "health_note", "hardship_types"]
        widgets = {"birth_date": date_widget()}

    def _post_clean(self):
        pass

    def service_data(self):
        return dict(self.cleaned_data)


class HelpRecordForm(BootstrapFormMixin, forms.ModelForm):
    amount_fen = YuanField(label=_("金额（元）"), required=False)

    class Meta:
        model = HelpRecord
        fields = ["given_on", "kind", "amount_fen", "description", "given_by"]
        widgets = {"given_on": date_widget()}

    def _post_clean(self):
        pass

    def service_data(self):
        return dict(self.cleaned_data)


class MediationStepForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = MediationStep
        fields = ["happened_on", "action", "by"]
        widgets = {"happened_on": date_widget(), "action": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass

    def service_data(self):
        return dict(self.cleaned_data)
