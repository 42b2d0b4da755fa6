"""三员分立: the system administrator, the security administrator and the auditor each reach their
own pages only, none reaches the others' pages, and none reads case data (regions stand in for it)."""

import pytest
from django.test import Client

from accounts.choices import ThrottleKind
from accounts.models import LoginThrottle, User
from regions.models import Post

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "system_admin", "security_admin", "auditor", "township_staff", "superuser"]

# path template -> expected status per role, in the order of ROLES
PAGES = {
    "/accounts/users/": (302, 200, 403, 403, 403, 200),
    "/accounts/users/new/": (302, 200, 403, 403, 403, 200),
    "/accounts/users/{staff}/": (302, 200, 403, 403, 403, 200),
    "/accounts/security/": (302, 403, 200, 403, 403, 200),
    "/audit/": (302, 403, 403, 200, 403, 200),
    "/api/v1/audit-events/": (401, 403, 403, 200, 403, 200),
    "/regions/{village}/": (302, 404, 404, 404, 200, 200),
    "/api/v1/regions/{village}/": (401, 404, 404, 404, 200, 200),
    "/admin/accounts/user/": (302, 403, 403, 403, 403, 200),
    "/admin/regions/post/": (302, 403, 403, 403, 403, 200),
    "/admin/regions/region/": (302, 403, 403, 403, 200, 200),  # staff: their own scope
    "/admin/audit/auditevent/": (302, 403, 403, 200, 403, 200),
}


def client_as(users, who):
    if who == "anonymous":
        return Client()
    user = getattr(users, who)
    # staff status lets them into the admin site; what they see there is what their posts grant
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ROLES)
def test_separation_matrix(users, tree, who):
    client = client_as(users, who)
    expected = {path: statuses[ROLES.index(who)] for path, statuses in PAGES.items()}
    seen = {}
    for template in PAGES:
        path = template.format(staff=users.township_staff.pk, village=tree.village.code)
        seen[template] = client.get(path).status_code
    assert seen == expected


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "auditor"])
def test_administrators_list_no_regions(client_for, users, tree, who):
    client = client_for(getattr(users, who))
    assert client.get("/api/v1/regions/").json()["count"] == 0
    page = client.get("/regions/").content.decode()
    assert tree.village.name not in page and tree.town.name not in page


@pytest.mark.parametrize("who", ["system_admin", "security_admin", "auditor"])
def test_administrators_hold_no_case_permission(users, who):
    user = getattr(users, who)
    for permission in (
        "regions.view_region",
        "ledgers.view_livelihoodappeal",
        "ledgers.view_hardshiphousehold",
        "petitions.view_petition",
        "pairings.view_pairing",
        "reports.view_summary",
    ):
        assert not user.has_perm(permission), permission


def test_django_groups_grant_nothing(users):
    # given a Django group with every accounts permission (the admin could be misused this way)
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="all")
    group.permissions.set(Permission.objects.all())
    users.auditor.groups.add(group)
    auditor = User.objects.get(pk=users.auditor.pk)
    # then the permission still comes from posts only
    assert not auditor.has_perm("accounts.add_user")
    assert auditor.has_perm("audit.view_auditevent")


def test_denied_writes_change_nothing(users, tree):
    lock = LoginThrottle.objects.create(
        kind=ThrottleKind.ACCOUNT, key="staff", failures=5, locked_until="2099-01-01T00:00Z"
    )
    staff = users.township_staff
    for who in ("security_admin", "auditor"):
        client = client_as(users, who)
        # not the system administrator: no user is created, reset, deactivated or given a post
        new = {"username": "intruder", "display_name": "x", "password1": "Zz#12345x", "password2": "Zz#12345x"}
        assert client.post("/accounts/users/new/", new).status_code == 403
        assert client.post(f"/accounts/users/{staff.pk}/active/", {"active": "0"}).status_code == 403
        reset = {"password1": "Zz#12345x", "password2": "Zz#12345x"}
        assert client.post(f"/accounts/users/{staff.pk}/password/", reset).status_code == 403
        grant = {"role": "township_staff", "region": tree.sibling_town.code}
        assert client.post(f"/accounts/users/{staff.pk}/posts/", grant).status_code == 403
    for who in ("system_admin", "auditor"):
        client = client_as(users, who)
        # not the security administrator: no lock released, no administrator post granted
        assert client.post(f"/accounts/security/locks/{lock.pk}/release/").status_code == 403
        grant = {"username": "staff", "role": "auditor", "region": "51"}
        assert client.post("/accounts/security/admin-posts/", grant).status_code == 403
        assert client.post("/accounts/security/totp-reset/", {"username": "sysadmin"}).status_code == 403
    staff.refresh_from_db()
    lock.refresh_from_db()
    assert not User.objects.filter(username="intruder").exists()
    assert staff.is_active and staff.check_password("Test#Pass2026") and not staff.must_change_password
    assert list(Post.objects.filter(user=staff).values_list("region_id", flat=True)) == [tree.town.code]
    assert lock.locked_until is not None and lock.failures == 5
    assert not Post.objects.filter(user=staff, role="auditor").exists()
    assert User.objects.get(username="sysadmin").totp_enrolled
