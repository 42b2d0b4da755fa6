"""What the API fuzzer found, pinned down as plain tests (each was a failure of tests/fuzz)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from ledgers.choices import MatterType
from ledgers.services import matter_create


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_an_unknown_api_path_answers_json_not_a_page(api_for, users):
    # given a signed-in caller; when a path matches no API route (a metric key the route refuses)
    response = api_for(users.township_staff).get("/api/v1/metrics/BAD%20KEY/")
    # then the answer is the API's JSON error, not the site's HTML 404 page
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "页面不存在或不在您的管辖范围内"}


def test_a_page_past_the_end_names_the_page(api_for, users):
    response = api_for(users.township_staff).get("/api/v1/regions/", {"page": 7})
    assert response.status_code == 404
    assert response.json() == {"detail": "页码无效：7。请使用 1 到总页数之间的整数。"}


@pytest.mark.parametrize("query", ["page_size=abc", "page_size=0", "page_size=-3", "page_size=1&page_size=2"])
def test_a_bad_page_size_is_refused_not_ignored(api_for, users, query):
    response = api_for(users.township_staff).get(f"/api/v1/regions/?{query}")
    assert response.status_code == 400
    assert response.json() == {"page_size": ["每页条数应为 1 到 500 之间的整数。"]}


def test_a_large_page_size_is_capped_and_two_page_numbers_refused(api_for, users):
    client = api_for(users.province)
    assert client.get("/api/v1/regions/?page_size=100000").status_code == 200
    response = client.get("/api/v1/regions/?page=1&page=2")
    assert (response.status_code, response.json()) == (400, {"page": ["只能给出一个页码。"]})


def test_an_open_matter_has_an_empty_outcome_and_the_schema_allows_it(api_for, users, tree, schema):
    # given a matter not yet resolved
    matter = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.NEIGHBOUR, "title": "宅基地边界争议", "parties": "张某、李某"},
    )
    # when it is read, its outcome is ""
    response = api_for(users.township_staff).get(f"/api/v1/stability-matters/{matter.pk}/")
    assert response.json()["outcome"] == ""
    # then the schema documents "" as a possible value (it listed only the five outcomes)
    outcome = schema["components"]["schemas"]["StabilityMatter"]["properties"]["outcome"]
    assert outcome["oneOf"] == [
        {"$ref": "#/components/schemas/MatterOutcomeEnum"},
        {"$ref": "#/components/schemas/BlankEnum"},
    ]


def test_the_metric_key_parameter_carries_the_routes_pattern(schema):
    (parameter,) = schema["paths"]["/api/v1/metrics/{key}/"]["get"]["parameters"]
    assert parameter["schema"] == {"type": "string", "pattern": "^[a-z][a-z0-9_.]*$"}


def test_every_operation_documents_its_error_answers(schema):
    # 401/403 wherever signing in is required, 404 wherever a path names an object or a page
    # number is taken, 400 wherever there is something to validate
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path or ("query", "page") in names:
                assert "404" in codes, (method, path)
            if any(where == "query" for where, _name in names) or "requestBody" in operation:
                assert "400" in codes, (method, path)
    detail = schema["paths"]["/api/v1/regions/{code}/"]["get"]["responses"]["404"]
    assert detail["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_regions_have_no_search_parameter_that_answers_a_bare_list(api_for, users, schema):
    # `search` (DRF's SearchFilter, which had no fields here) answered a null character with a
    # bare JSON list; searching is the FilterSet's `q`
    parameters = {p["name"] for p in schema["paths"]["/api/v1/regions/"]["get"]["parameters"]}
    assert "search" not in parameters and "q" in parameters
    response = api_for(users.township_staff).get("/api/v1/regions/", {"q": "\x00"})
    assert response.status_code == 400 and isinstance(response.json(), dict)


@pytest.mark.parametrize("query", ["at_after=0001-01-01", "at_before=9999-12-31", "at_after=1899-12-31"])
def test_audit_dates_out_of_range_are_refused_not_a_server_error(api_for, users, query):
    response = api_for(users.auditor).get(f"/api/v1/audit-events/?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert response.json() == {field: ["日期应在 1900-01-01 到 2999-12-31 之间。"]}
    assert api_for(users.auditor).get("/api/v1/audit-events/?at_after=1900-01-01").status_code == 200


@pytest.mark.parametrize("ordering", [",", "registered_on,", ",,-registered_on"])
def test_an_ordering_with_an_empty_item_is_refused(api_for, users, ordering):
    response = api_for(users.township_staff).get("/api/v1/hardship-households/", {"ordering": ordering})
    assert response.status_code == 400
    assert response.json() == {"ordering": ["排序字段不能为空；多个字段用英文逗号分隔。"]}


@pytest.mark.parametrize("path", ["/api/v1/stats/", "/api/v1/regions/", "/api/v1/livelihood-appeals/"])
def test_an_empty_page_number_is_refused_not_read_as_page_one(api_for, users, path):
    response = api_for(users.township_staff).get(f"{path}?page=")
    assert (response.status_code, response.json()) == (400, {"page": ["页码应为正整数。"]})
