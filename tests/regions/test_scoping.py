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


def test_restrict_within_is_the_scope_and_the_subtree_intersected(users, tree):
    # given the region tree and users scoped above, at and beside 竹篙镇
    def within(user, code):
        return codes(restrict(Region.objects.all(), user, within=code))

    # when narrowed to a subtree, then: the scope's part of it, exactly as restrict + a prefix filter
    for user in (users.province, users.county_leader, users.township_staff, users.sibling_staff, users.superuser):
        for code in ("51", "510121", "510121113", "510121113002", "510121106"):
            assert within(user, code) == codes(restrict(Region.objects.all(), user).filter(code__startswith=code))
    assert within(users.county_leader, "510121113") == ["510121113", "510121113001", "510121113002"]
    assert within(users.township_staff, "51") == ["510121113", "510121113001", "510121113002"]
    assert within(users.sibling_staff, "510121113") == []
    assert within(users.no_post, "51") == []


def test_restrict_within_names_each_prefix_once(users, tree):
    # given a prefecture leader looking at their own prefecture (the dashboards' and lists' case)
    sql = str(restrict(Region.objects.all(), users.prefecture_leader, within="5101").query)
    # then the database sees one prefix condition, not the scope's and the region's both
    assert sql.count("LIKE") == 1 and "5101%" in sql
    # and a region below the scope root is that region's prefix alone
    sql = str(restrict(Region.objects.all(), users.prefecture_leader, within="510121113").query)
    assert sql.count("LIKE") == 1 and "510121113%" in sql


def test_restrict_within_keeps_owned_records_inside_the_subtree_only(users, tree):
    # given a model whose own records reach beyond the scope (a pair's cadre sees their pairs)
    from pairings.models import Pair

    def sql(code):
        query = str(restrict(Pair.objects.all(), users.township_staff, "view", within=code).query)
        return query.split(" WHERE ", 1)[1]  # the conditions only (the select list names cadre_user_id)

    # when narrowed to the other township: no scope root lies in it, only the user's own records, there
    beside = sql("510121106")
    assert "cadre_user_id" in beside and "510121106%" in beside and "510121113%" not in beside
    # when narrowed to the own township: the whole subtree is in scope, one prefix and nothing else
    own = sql("510121113")
    assert own.count("LIKE") == 1 and "cadre_user_id" not in own
    # when narrowed to the county: the scope root inside it, or the own records inside it
    county = sql("510121")
    assert "510121113%" in county and "cadre_user_id" in county and "510121%" in county
