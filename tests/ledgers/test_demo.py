"""The demo ledgers for `make run`: created through the services, idempotent."""

import pytest

from ledgers.demo import seed_demo_ledgers
from ledgers.models import HardshipHousehold, LivelihoodAppeal, StabilityMatter, VillageProfile
from regions.choices import Level, Role
from tests.conftest import make_user
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (LivelihoodAppeal, HardshipHousehold, StabilityMatter, VillageProfile)]


def test_demo_ledgers_are_created_once(tree):
    RegionFactory(code="510121113003", name="第三村", level=Level.VILLAGE, parent=tree.town)
    make_user("zhugao", Role.TOWNSHIP_STAFF, tree.town)
    assert seed_demo_ledgers() == "已创建竹篙镇台账演示数据 / demo ledger items created in 竹篙镇"
    assert counts() == [5, 2, 2, 2]
    assert LivelihoodAppeal.objects.overdue().count() == 1
    # the resolved demo appeals were resolved within their promised dates (on-time rate not 0 %)
    resolved = LivelihoodAppeal.objects.filter(resolved_at__isnull=False)
    assert resolved.count() == 2
    assert all(a.resolved_at.date() <= a.promised_date for a in resolved)
    assert seed_demo_ledgers() == "台账演示数据已存在 / demo ledger items already present"
    assert counts() == [5, 2, 2, 2]


def test_demo_ledgers_skip_without_the_township_user(tree):
    assert seed_demo_ledgers().startswith("跳过台账演示数据")
    assert counts() == [0, 0, 0, 0]
