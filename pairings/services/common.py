"""Steps the pairings services share: personal numbers, validation, versioned updates."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audit.choices import Action
from audit.services import audit_record, diff_fields, snapshot
from core.concurrency import save_versioned
from core.crypto import keyed_hash
from core.exceptions import ServiceError
from core.validators import normalize_id_number, validate_id_number
from regions.scoping import ensure

_PHONE_CHARS = set("0123456789+- ")


def clean_id_number(data: dict, key: str, hash_key: str) -> None:
    """Validate (GB 11643) and normalise an ID number in `data`, and set its keyed hash."""
    if data.get(key):
        number = normalize_id_number(data[key])
        try:
            validate_id_number(number)
        except ValidationError as exc:
            raise ServiceError({key: list(exc.messages)})
        data[key] = number
        data[hash_key] = keyed_hash(number)
    elif key in data:
        data[key] = ""
        data[hash_key] = ""


def clean_phone(data: dict, key: str, hash_key: str | None = None) -> None:
    if data.get(key):
        phone = str(data[key]).strip()
        digits = [c for c in phone if c.isdigit()]
        if not set(phone) <= _PHONE_CHARS or not 6 <= len(digits) <= 20:
            raise ServiceError({key: [_("联系电话格式不正确。")]})
        data[key] = phone
        if hash_key:
            data[hash_key] = keyed_hash("".join(digits))
    elif key in data:
        data[key] = ""
        if hash_key:
            data[hash_key] = ""


def full_clean(instance, exclude=()) -> None:
    """Model validation as a ServiceError (field -> messages), so every caller shows it the same way."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=True)
    except ValidationError as exc:
        raise ServiceError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


def versioned_update(instance, *, actor, expected_version: int, data: dict, audited_fields, clean_exclude=()):
    """Apply `data` to `instance` after a scope check; refuse a stale version; audit the diff."""
    ensure(actor, "change", instance)
    before = snapshot(instance, data.keys())
    for name, value in data.items():
        setattr(instance, name, value)
    full_clean(instance, clean_exclude)
    audited = [name for name in data if name in audited_fields]
    changes = diff_fields({k: before[k] for k in audited}, {k: data[k] for k in audited})
    if not changes:
        return instance
    save_versioned(instance, expected_version=expected_version, fields=list(data))
    audit_record(actor=actor, action=Action.UPDATE, obj=instance, changes=changes)
    return instance
