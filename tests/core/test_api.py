"""The API shell: schema, offline documentation, token sign-in, authentication by default."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_generates_and_lists_regions(api_for, users):
    response = api_for(users.province).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/regions/" in schema["paths"]
    assert "/api/v1/regions/{code}/" in schema["paths"]


def test_api_docs_are_served_offline(client_for, users):
    response = client_for(users.province).get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets, "the docs page loads its assets"
    assert all(asset.startswith("/static/") for asset in assets), assets


def test_token_authentication(api_for, users, password):
    anonymous = api_for(None)
    token = anonymous.post("/api/v1/auth/token/", {"username": "staff", "password": password}, format="json")
    assert token.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert anonymous.get("/api/v1/regions/").json()["count"] == 3


def test_token_with_wrong_password_is_400_with_message(api_for, users):
    response = api_for(None).post("/api/v1/auth/token/", {"username": "staff", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


def test_api_requires_authentication(api_for, tree):
    response = api_for(None).get("/api/v1/regions/")
    assert response.status_code == 401
