"""Passwords are stored with Argon2id at OWASP's parameters; older PBKDF2 hashes still sign in and
are upgraded at that sign-in."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher
from django.test import Client, override_settings

from accounts.hashers import Argon2idPasswordHasher
from config.settings import base

pytestmark = pytest.mark.django_db


def test_production_hashes_with_argon2id_at_owasp_parameters():
    # given the hashers of every environment but the tests (which use a fast one)
    assert base.PASSWORD_HASHERS[0] == "accounts.hashers.Argon2idPasswordHasher"
    # when a password is hashed
    encoded = Argon2idPasswordHasher().encode("Jiceng#2026pass", Argon2idPasswordHasher().salt())
    # then it is Argon2id, 19 MiB, 2 passes, 1 lane (OWASP Password Storage Cheat Sheet)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert Argon2idPasswordHasher().verify("Jiceng#2026pass", encoded)
    assert not Argon2idPasswordHasher().verify("Jiceng#2026pasS", encoded)


def test_a_pbkdf2_hash_signs_in_and_is_upgraded_to_argon2id(users, password):
    # given a user whose password was stored with PBKDF2 (the hasher before)
    user = users.township_staff
    user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    user.save(update_fields=["password"])
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        # when they sign in with it
        response = Client().post("/accounts/login/", {"username": user.username, "password": password})
        # then they are in, and the stored hash is now Argon2id
        assert response.status_code == 302
        user.refresh_from_db()
        assert isinstance(identify_hasher(user.password), Argon2idPasswordHasher)
        assert user.check_password(password)
    # and the test settings keep their fast hasher
    assert settings.PASSWORD_HASHERS != base.PASSWORD_HASHERS
