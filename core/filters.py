"""Filters shared by every FilterSet."""

import copy
import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import BaseCSVField


class DateRangeForm(forms.Form):
    """A filter form's cross-field check: a date range whose end comes before its start is an error
    on the end. `RANGES`: the (start, end) field names; a range the form lacks is passed over."""

    RANGES: tuple = ()

    def clean(self):
        cleaned = super().clean()
        for start, end in self.RANGES:
            low, high = cleaned.get(start), cleaned.get(end)
            if low and high and low > high:
                self.add_error(end, _("结束日期不能早于开始日期。"))
        return cleaned


class StrictBooleanField(forms.Field):
    """true/false/1/0 only; anything else is a clear error instead of being ignored."""

    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("应为 true 或 false。"), code="invalid_boolean")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class BoundedDateField(forms.DateField):
    """A date within years 1900–2999: a whole day turned into a time range in the local zone stays
    representable (0001-01-01 less 8 hours is before year 1, 9999-12-31 plus a day after 9999)."""

    FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not self.FIRST <= value <= self.LAST:
            raise ValidationError(
                _("日期应在 %(first)s 到 %(last)s 之间。"),
                code="date_out_of_range",
                params={"first": self.FIRST.isoformat(), "last": self.LAST.isoformat()},
            )


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class NoEmptyItemsCSVField(BaseCSVField):
    """A comma-separated value whose every item is given: "," or "a,,b" is an error, not ignored."""

    def clean(self, value):
        if value and any(item in ("", None) for item in value):
            raise ValidationError(_("排序字段不能为空；多个字段用英文逗号分隔。"), code="empty_item")
        return super().clean(value)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering on whitelisted columns, always ending with the primary key so pages are stable;
    the descending choices labelled in the project's catalogue (django-filter has no Chinese one)."""

    descending_label = _("{}（降序）")
    base_field_class = NoEmptyItemsCSVField

    def build_choices(self, fields, labels):
        # django-filter formats the descending labels once, at import, in whatever language is
        # active then; lazy labels follow the language of each request.
        ascending = [(param, labels.get(field, _(pretty_name(param)))) for field, param in fields.items()]
        descending = [
            (f"-{param}", labels.get(f"-{param}", format_lazy(self.descending_label, label)))
            for param, label in ascending
        ]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param not in ("", None)]
        if not ordering:
            return qs
        tie = "-id" if ordering[0].startswith("-") else "id"
        return qs.order_by(*ordering, tie)


class FixedFiltersMixin:
    """A FilterSet whose filters are fixed declarations: each labelled, none making its form field
    from the request or a queryset (no model choice, no "all values" filter). For such a
    FilterSet django-filter's per-request work is the same every time: it deep-copies every
    declared filter (choices and all) and builds a new form class, fields and all, for each
    instance (0.6 ms of a ledger list page). Here each instance gets shallow copies of the
    declared filters (each with its own `parent`, `model` and method binding), and the form class
    is built once per FilterSet class; the form itself, its validation and the filtering are per
    request as before. A FilterSet with any other filter keeps django-filter's way."""

    @classmethod
    def has_fixed_filters(cls) -> bool:
        fixed = cls.__dict__.get("_fixed_filters")
        if fixed is None:
            fixed = all(
                type(f).field is django_filters.Filter.field and f._label is not None for f in cls.base_filters.values()
            )
            cls._fixed_filters = fixed
        return fixed

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if not self.has_fixed_filters():
            super().__init__(data, queryset, request=request, prefix=prefix)
            return
        # django-filter's BaseFilterSet.__init__, the filters copied rather than deep-copied.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {}
        for name, declared in self.base_filters.items():
            filter_ = copy.copy(declared)
            if filter_.method is not None:
                filter_.method = filter_.method  # a FilterMethod of its own, bound to this copy
            filter_.model = queryset.model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        if not self.has_fixed_filters():
            return super().get_form_class()
        form_class = type(self).__dict__.get("_fixed_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._fixed_form_class = form_class
        return form_class
