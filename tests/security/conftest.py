import importlib

import pytest


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration, which a transactional test's flush removes.

    (serialized_rollback would restore them, but collides with the content types that a
    preceding transactional test's flush re-creates.)"""
    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)
