"""Filters shared by every FilterSet."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES


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


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering on whitelisted columns, always ending with the primary key so pages are stable;
    the descending choices labelled in the project's catalogue (django-filter has no Chinese one)."""

    descending_label = _("{}（降序）")

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
