"""Permission matrix for the region pages and /api/v1/regions/, and bad input."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# (user attribute, status for 竹篙镇's village page, status for 五凤镇's village page)
MATRIX = [
    ("anonymous", 302, 302),
    ("village_cadre", 200, 404),
    ("township_staff", 200, 404),  # own scope
    ("sibling_staff", 404, 200),  # sibling scope
    ("county_leader", 200, 200),  # parent scope
    ("province", 200, 200),
    ("auditor", 404, 404),
    ("superuser", 200, 200),
]


def _user(users, name):
    return None if name == "anonymous" else getattr(users, name)


@pytest.mark.parametrize(("who", "own_status", "sibling_status"), MATRIX)
def test_region_detail_page_matrix(client_for, users, tree, who, own_status, sibling_status):
    client = client_for(_user(users, who))
    assert client.get(reverse("regions:region_detail", args=[tree.village.code])).status_code == own_status
    assert client.get(reverse("regions:region_detail", args=[tree.sibling_village.code])).status_code == sibling_status


API_MATRIX = [
    ("anonymous", 401, 401),
    ("village_cadre", 200, 404),
    ("township_staff", 200, 404),
    ("sibling_staff", 404, 200),
    ("county_leader", 200, 200),
    ("auditor", 404, 404),
    ("superuser", 200, 200),
]


@pytest.mark.parametrize(("who", "own_status", "sibling_status"), API_MATRIX)
def test_region_api_detail_matrix(api_for, users, tree, who, own_status, sibling_status):
    api = api_for(_user(users, who))
    assert api.get(f"/api/v1/regions/{tree.village.code}/").status_code == own_status
    assert api.get(f"/api/v1/regions/{tree.sibling_village.code}/").status_code == sibling_status


def test_region_api_is_read_only(api_for, users, tree):
    api = api_for(users.superuser)
    response = api.post("/api/v1/regions/", {"code": "519999", "name": "x", "level": 3}, format="json")
    assert response.status_code == 405
    assert not tree.province.__class__.objects.filter(code="519999").exists()


def test_township_staff_page_lists_own_villages(client_for, users, tree):
    response = client_for(users.township_staff).get(reverse("regions:region_detail", args=[tree.town.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "竹篙村" in html and "老君社区" in html
    assert "五凤村" not in html


def test_region_api_list_is_scoped_and_filterable(api_for, users, tree):
    api = api_for(users.township_staff)
    body = api.get("/api/v1/regions/").json()
    assert [row["code"] for row in body["results"]] == ["510121113", "510121113001", "510121113002"]
    body = api.get("/api/v1/regions/", {"level": 5}).json()
    assert body["count"] == 2
    body = api_for(users.province).get("/api/v1/regions/", {"within": "510121106"}).json()
    assert [row["code"] for row in body["results"]] == ["510121106", "510121106001", "510121106002"]
    body = api_for(users.province).get("/api/v1/regions/", {"parent": "510121"}).json()
    assert [row["code"] for row in body["results"]] == ["510121106", "510121113"]


@pytest.mark.parametrize(
    "params",
    [{"level": "abc"}, {"level": "9"}, {"within": "51xx"}, {"parent": "1"}, {"is_community": "maybe"}],
)
def test_region_api_rejects_malformed_filters_with_400(api_for, users, tree, params):
    response = api_for(users.province).get("/api/v1/regions/", params)
    assert response.status_code == 400
    assert set(response.json()) <= {"level", "within", "parent", "is_community"}


@pytest.mark.parametrize("page", ["0", "abc", "999", "-1"])
def test_wrong_page_number_is_404_with_message(api_for, client_for, users, tree, page):
    api_response = api_for(users.province).get("/api/v1/regions/", {"page": page})
    assert api_response.status_code == 404
    assert "页码无效" in api_response.json()["detail"]
    page_response = client_for(users.province).get(reverse("regions:region_detail", args=["510121"]), {"page": page})
    assert page_response.status_code == 404
    assert "页码" in page_response.content.decode()


@pytest.mark.parametrize("code", ["999999", "abc", "51012111300199999"])
def test_unknown_region_code_is_404_not_500(client_for, api_for, users, tree, code):
    assert client_for(users.province).get(f"/regions/{code}/").status_code == 404
    assert api_for(users.province).get(f"/api/v1/regions/{code}/").status_code == 404


def test_html_filter_error_is_shown_not_500(client_for, users, tree):
    response = client_for(users.province).get(reverse("regions:region_list"), {"level": "9"})
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_region_picker_offers_only_scope(client_for, users, tree):
    response = client_for(users.township_staff).get(reverse("regions:region_picker"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "竹篙村" in html and "五凤村" not in html
    # a sibling code in `selected` is ignored, not followed
    response = client_for(users.township_staff).get(
        reverse("regions:region_picker"), {"selected": tree.sibling_village.code}
    )
    assert "五凤村" not in response.content.decode()


def test_region_picker_cascades_to_selected_chain(client_for, users, tree):
    response = client_for(users.county_leader).get(reverse("regions:region_picker"), {"selected": tree.village.code})
    html = response.content.decode()
    assert 'value="510121113001" selected' in html
    assert 'value="510121113" selected' in html
    assert 'data-testid="picker-value"' in html and 'value="510121113001"' in html


def test_list_page_query_count_is_bounded(client_for, users, tree, django_assert_max_num_queries):
    client = client_for(users.province)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("regions:region_list"), {"level": "5"}).status_code == 200


def test_home_page_shows_posts(client_for, users, tree):
    response = client_for(users.township_staff).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "竹篙镇" in html and "竹篙村" in html


def test_ui_is_chinese_by_default_and_english_on_request(client_for, users, tree):
    client = client_for(users.township_staff)
    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Workbench" in client.get("/").content.decode()


def test_login_page_is_chinese_with_site_name_title(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert "<title>登录 · 基层工作信息系统</title>" in html


def test_home_quick_links_follow_role(client_for, users, tree):
    staff_home = client_for(users.township_staff).get("/").content.decode()
    auditor_home = client_for(users.auditor).get("/").content.decode()
    assert 'href="/regions/"' in staff_home
    assert 'href="/regions/"' not in auditor_home


def test_home_links_a_post_to_its_region_only_where_the_role_may_open_it(client_for, users, tree):
    # given a township staff member and the auditor (whose role reads no regions)
    staff_home = client_for(users.township_staff).get("/").content.decode()
    auditor_home = client_for(users.auditor).get("/").content.decode()
    # then staff gets a link into the own township and the auditor none into the province
    assert f'href="/regions/{tree.town.code}/"' in staff_home
    assert f'href="/regions/{tree.province.code}/"' not in auditor_home
    assert client_for(users.auditor).get(f"/regions/{tree.province.code}/").status_code == 404
