"""Filters shared by every FilterSet."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
