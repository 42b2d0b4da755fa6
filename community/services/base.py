"""Checks every community service shares."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from core.exceptions import ConcurrentEditError, ServiceError
from regions.choices import Level
from regions.models import Region

# A mobile number (11 digits, 13x–19x) or a landline with its area code (028-12345678).
PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


# --- Shared checks ----------------------------------------------------------------------------
def check_community(region: Region, field: str = "region") -> None:
    """Double reporting and service orders belong to urban communities (社区), not villages."""
    if region.level != Level.VILLAGE or not region.is_community:
        raise ServiceError({field: [_("“%(name)s”不是城市社区：双报到和三单制只在社区开展。") % {"name": region.name}]})


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "")


def clean_phone(value: str, *, field: str = "phone", required: bool = False) -> str:
    phone = normalize_phone(value)
    if not phone:
        if required:
            raise ServiceError({field: [_("请填写联系电话。")]})
        return ""
    if not PHONE_PATTERN.match(phone):
        raise ServiceError({field: [_("联系电话应为 11 位手机号，或带区号的固定电话（如 028-12345678）。")]})
    return phone


def _text(data: dict, key: str, *, label, max_length: int, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise ServiceError({key: [_("请填写%(label)s。") % {"label": label}]})
    if len(value) > max_length:
        raise ServiceError({key: [_("%(label)s不能超过 %(max)s 个字。") % {"label": label, "max": max_length}]})
    return value


def _choice(data: dict, key: str, choices, *, label) -> str:
    value = data.get(key) or ""
    if value not in choices.values:
        raise ServiceError({key: [_("请选择%(label)s。") % {"label": label}]})
    return value


def _check_version(instance, expected_version) -> None:
    if expected_version is not None and instance.version != expected_version:
        raise ConcurrentEditError()


def _only(data: dict, allowed) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ServiceError(_("不能填写的字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
