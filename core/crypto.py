"""Personal data at rest: encrypted columns and keyed hashes for exact-match search.

The key comes from the environment (`JICENG_FIELD_KEY`, any string of 32+ characters); without
it a key is derived from SECRET_KEY, which is acceptable only for the demo. A database dump shows
ciphertext (Fernet: AES-128-CBC + HMAC-SHA256) and HMAC-SHA256 digests, never a full number.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _master_key() -> bytes:
    secret = getattr(settings, "JICENG_FIELD_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(("jiceng-field-key:" + secret).encode()).digest()


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    key = hmac.new(_master_key(), b"encrypt", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be read with the configured key") from exc


def keyed_hash(value: str) -> str:
    """Deterministic digest for exact-match lookups; empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_master_key(), b"lookup:" + value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stored encrypted; reads back as plain text in Python. Not searchable: pair it with a
    `<name>_hash` CharField filled with `keyed_hash()` by the service that writes it."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
