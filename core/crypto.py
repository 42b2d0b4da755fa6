"""Personal data at rest: encrypted columns and keyed hashes for exact-match search.

Keys (any string of 32+ characters each) come from the environment:
- `JICENG_FIELD_KEYS`: several keys, comma-separated, NEWEST FIRST. The newest encrypts and
  computes the search hash of new values; every key decrypts (cryptography's MultiFernet), and
  exact-match lookups compare against the hash under every key (`keyed_hashes`), so search keeps
  working while `manage.py rotate_field_key` moves the stored rows to the newest key.
- `JICENG_FIELD_KEY`: the single-key form, used when `JICENG_FIELD_KEYS` is not set.

`config.settings.production` refuses to start without one of them. Local use and the tests may
run without: a DEVELOPMENT key is then derived from SECRET_KEY (`development_key_in_use()`), which
is never acceptable for real data (changing SECRET_KEY would make every stored number unreadable).

A database dump shows ciphertext (Fernet: AES-128-CBC + HMAC-SHA256) and HMAC-SHA256 digests,
never a full number. Each configured key has a short public id (`key_id`), a digest of the key,
safe to print and to record in the audit trail.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models


def configured_keys() -> list[str]:
    """The configured key strings, newest first (empty: none configured)."""
    keys = getattr(settings, "JICENG_FIELD_KEYS", None) or []
    if isinstance(keys, str):
        keys = [keys]
    keys = [key.strip() for key in keys if key and key.strip()]
    if not keys and getattr(settings, "JICENG_FIELD_KEY", ""):
        keys = [settings.JICENG_FIELD_KEY]
    return keys


def development_key_in_use() -> bool:
    return not configured_keys()


def _derive(secret: str) -> bytes:
    # Unchanged since the single-key version: data written then stays readable with the same string.
    return hashlib.sha256(("jiceng-field-key:" + secret).encode()).digest()


@lru_cache(maxsize=1)
def _master_keys() -> tuple[bytes, ...]:
    return tuple(_derive(secret) for secret in (configured_keys() or [settings.SECRET_KEY]))


def _fernet_for(master: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hmac.new(master, b"encrypt", hashlib.sha256).digest()))


@lru_cache(maxsize=1)
def _fernets() -> tuple[Fernet, ...]:
    return tuple(_fernet_for(master) for master in _master_keys())


@lru_cache(maxsize=1)
def _multi() -> MultiFernet:
    return MultiFernet(list(_fernets()))


def key_id(master: bytes) -> str:
    """A short public name for a key (8 hex digits), never the key itself."""
    return hmac.new(master, b"key-id", hashlib.sha256).hexdigest()[:8]


def key_ids() -> list[str]:
    """The ids of the configured keys, newest first."""
    return [key_id(master) for master in _master_keys()]


def _clear_caches(**kwargs):
    if kwargs.get("setting") in (None, "JICENG_FIELD_KEYS", "JICENG_FIELD_KEY", "SECRET_KEY"):
        for cached in (_master_keys, _fernets, _multi):
            cached.cache_clear()


setting_changed.connect(_clear_caches, dispatch_uid="core.crypto.clear_caches")


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest key."""
    return _multi().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key wrote the value."""
    if not token:
        return ""
    try:
        return _multi().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be read with the configured key") from exc


def is_current(token: str) -> bool:
    """True when the newest key reads `token` (an empty value needs no key)."""
    if not token:
        return True
    try:
        _fernets()[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _digest(master: bytes, value: str) -> str:
    return hmac.new(master, b"lookup:" + value.encode(), hashlib.sha256).hexdigest()


def keyed_hash(value: str) -> str:
    """Deterministic digest under the newest key, stored beside a new value; empty for empty."""
    if not value:
        return ""
    return _digest(_master_keys()[0], value)


def keyed_hashes(value: str) -> list[str]:
    """The digests of `value` under every configured key, newest first: what an exact-match
    lookup compares with (`<name>_hash__in=keyed_hashes(x)`), so a row not yet rotated is found."""
    if not value:
        return []
    return list(dict.fromkeys(_digest(master, value) for master in _master_keys()))


class EncryptedTextField(models.TextField):
    """Stored encrypted; reads back as plain text in Python. Not searchable: pair it with a
    `<name>_hash` CharField filled with `keyed_hash()` by the service that writes it, and name
    that field in `hash_field=` so `manage.py rotate_field_key` recomputes it. (`hash_field` is
    not part of the migration state: it changes nothing in the database.)"""

    def __init__(self, *args, hash_field: str = "", **kwargs):
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
