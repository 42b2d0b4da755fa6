"""Fixtures of the community app: two urban communities (own and sibling), their Party branches,
registered members (one who signs in) and an organisation, and orders at each step.

Own community: 老君社区 510121113002 (竹篙镇, from the shared tree). Sibling: 五凤社区
510121106003 (五凤镇). 竹篙村 510121113001 is a village, not a community.
"""

from types import SimpleNamespace

import pytest

from community import services
from community.choices import OrderCategory
from regions.choices import Level, Role
from tests.conftest import make_user
from tests.factories import RegionFactory, UserFactory

ORDER_DATA = {
    "category": OrderCategory.ELDERLY,
    "need": "帮独居老人买药",
    "details": "每周一次，腿脚不便",
    "place": "老君社区3栋2单元",
    "contact_name": "李阿姨",
    "phone": "13812345678",
}


@pytest.fixture
def community(tree):
    return tree.village2


@pytest.fixture
def sibling_community(tree):
    return RegionFactory(
        code="510121106003",
        name="五凤社区",
        level=Level.VILLAGE,
        parent=tree.sibling_town,
        is_community=True,
        path_name="四川省 / 成都市 / 金堂县 / 五凤镇 / 五凤社区",
    )


@pytest.fixture
def cusers(users, community, sibling_community, tree):
    """The shared users plus the community app's: the branch of each community, a Party member who
    signs in, and a user with no post who is not a member."""
    return SimpleNamespace(
        **vars(users),
        branch=make_user("branch", Role.COMMUNITY_BRANCH, community),
        sibling_branch=make_user("sibbranch", Role.COMMUNITY_BRANCH, sibling_community),
        member_user=UserFactory(username="dangyuan"),
        other_member_user=UserFactory(username="dangyuan2"),
    )


@pytest.fixture
def member(cusers, community):
    return services.member_create(
        actor=cusers.branch,
        region=community,
        data={"name": "张党员", "phone": "13900001111", "workplace": "县财政局", "username": "dangyuan"},
    )


@pytest.fixture
def other_member(cusers, community):
    return services.member_create(
        actor=cusers.branch,
        region=community,
        data={"name": "王党员", "phone": "13900002222", "username": "dangyuan2"},
    )


@pytest.fixture
def organisation(cusers, community):
    return services.organisation_create(
        actor=cusers.branch,
        region=community,
        data={"name": "县财政局机关党支部", "organ_name": "金堂县财政局", "organ_level": "county"},
    )


@pytest.fixture
def roster(cusers, community, member, other_member, organisation):
    return SimpleNamespace(
        member=services.report_register(actor=cusers.branch, community=community, member=member),
        other_member=services.report_register(actor=cusers.branch, community=community, member=other_member),
        organisation=services.report_register(actor=cusers.branch, community=community, organisation=organisation),
    )


@pytest.fixture
def order(community):
    return services.order_place(region=community, data=dict(ORDER_DATA))


@pytest.fixture
def dispatched(order, roster, cusers, member):
    return services.order_dispatch(actor=cusers.branch, order=order, member=member, service_kind="volunteer")


@pytest.fixture
def taken(dispatched, cusers):
    return services.order_take(actor=cusers.member_user, order=dispatched)


@pytest.fixture
def completed(taken, cusers):
    return services.order_complete(actor=cusers.member_user, order=taken, result="已代买药品并送到家")


@pytest.fixture
def rating_link(completed, cusers):
    return services.order_rating_link_create(actor=cusers.branch, order=completed)
