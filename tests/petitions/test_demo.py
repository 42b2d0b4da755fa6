"""The demo petitions for `make run`: a leader who signs in has cases to work on."""

import pytest
from django.urls import reverse

from petitions.demo import seed_demo_petitions
from petitions.models import DownVisit, Petition, ReceptionDay
from regions.choices import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_demo_petitions_are_created_once(tree, client_for):
    leader = make_user("jintang", Role.COUNTY_LEADER, tree.county)
    town_leader = make_user("zhugao_leader", Role.TOWNSHIP_LEADER, tree.town)
    assert seed_demo_petitions().startswith("信访演示数据：5 件")
    assert (Petition.objects.count(), ReceptionDay.objects.count(), DownVisit.objects.count()) == (5, 1, 1)
    assert seed_demo_petitions() == "信访演示数据已存在 / demo petitions already present"
    assert Petition.objects.count() == 5
    # the county leader's inbox: the overdue case first
    body = client_for(leader).get(reverse("petitions:my_cases")).content.decode()
    assert body.index("征地补偿款未足额发放") < body.index("养老保险待遇核定有误")
    # the township leader named by the accusation never sees it
    listing = client_for(town_leader).get(reverse("petitions:petition_list")).content.decode()
    assert "反映镇干部违规插手工程" not in listing and "拆迁安置房逾期未交付" in listing


def test_demo_petitions_skip_without_the_demo_leaders(tree):
    assert seed_demo_petitions().startswith("跳过信访演示数据")
