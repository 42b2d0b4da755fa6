import importlib

import pytest


@pytest.fixture
def ledger_kinds(db):
    """The three ledger kinds of the data migration, for tests that need them whatever ran before
    (every transactional test uses serialized_rollback, which restores them too)."""
    from django.apps import apps

    importlib.import_module("ledgers.migrations.0002_ledger_kinds").create_kinds(apps, None)
