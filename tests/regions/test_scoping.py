"""The one scoping mechanism: who sees which regions, through every entry point."""

import pytest

from regions.models import Region
from regions.scoping import collapse_prefixes, restrict, scope_prefixes

pytestmark = pytest.mark.django_db


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_collapse_prefixes_drops_nested_codes():
    assert collapse_prefixes(["510121113", "5101", "510121", "5102"]) == ["5101", "5102"]


def test_township_staff_sees_own_township_and_its_villages_only(users, tree):
    # given a township staff member of 竹篙镇
    # when their region queryset is scoped
    visible = codes(restrict(Region.objects.all(), users.township_staff))
    # then it is the township and its two villages, nothing of 五凤镇 or above
    assert visible == ["510121113", "510121113001", "510121113002"]


def test_village_cadre_sees_only_own_village(users, tree):
    assert codes(restrict(Region.objects.all(), users.village_cadre)) == ["510121113001"]


def test_provincial_office_sees_whole_province(users, tree):
    assert codes(restrict(Region.objects.all(), users.province)) == codes(Region.objects.all())


def test_anonymous_and_postless_users_see_nothing(users, tree):
    from django.contrib.auth.models import AnonymousUser

    assert codes(restrict(Region.objects.all(), AnonymousUser())) == []
    assert codes(restrict(Region.objects.all(), users.no_post)) == []


def test_auditor_role_grants_no_region_reading(users, tree):
    # 三员分立: the auditor reads the audit log and nothing else
    assert scope_prefixes(users.auditor, "regions.view_region") == []
    assert scope_prefixes(users.auditor, "audit.view_auditevent") == ["51"]


def test_expired_post_grants_nothing(users, tree):
    import datetime

    post = users.township_staff.posts.get()
    post.valid_until = datetime.date(2020, 1, 1)
    post.save()
    from accounts.models import User

    fresh = User.objects.get(pk=users.township_staff.pk)
    assert codes(restrict(Region.objects.all(), fresh)) == []


def test_has_perm_checks_object_region(users, tree):
    assert users.township_staff.has_perm("regions.view_region", tree.village)
    assert not users.township_staff.has_perm("regions.view_region", tree.sibling_village)
    assert users.county_leader.has_perm("regions.view_region", tree.sibling_village)


def test_subtree_is_a_single_prefix_lookup(tree):
    sql = str(Region.objects.subtree("510121113").query)
    assert "LIKE" in sql and "510121113%" in sql and "JOIN" not in sql


def test_models_keyed_by_a_code_column_are_scoped_by_prefix(users, tree):
    # given audit events recorded in the own township, a sibling township and the county
    from audit.models import AuditEvent

    for code in ("510121113001", "510121106001", "510121"):
        AuditEvent.objects.create(action="update", region_code=code, object_repr=code)
    auditor_posts_region = users.auditor
    # when the auditor (province) and a township user are scoped
    seen_by_auditor = sorted(
        restrict(AuditEvent.objects.all(), auditor_posts_region).values_list("region_code", flat=True)
    )
    seen_by_staff = list(restrict(AuditEvent.objects.all(), users.township_staff, "audit.view_auditevent"))
    # then the auditor sees all three, and staff (no audit permission) sees none
    assert seen_by_auditor == ["510121", "510121106001", "510121113001"]
    assert seen_by_staff == []
