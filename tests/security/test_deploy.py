"""Deployment: `check --deploy` clean with the production settings, security headers on every
response, no debug page, no inline script anywhere in the templates."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent.parent


def _production_env(**extra):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST", "JICENG_FIELD_KEY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        JICENG_FIELD_KEY=secrets.token_urlsafe(40),
        # Never connected to: the deploy checks read settings only.
        DATABASE_URL="postgres://jiceng@127.0.0.1:1/jiceng",
        REDIS_URL="redis://127.0.0.1:1/0",
        DJANGO_ALLOWED_HOSTS="jiceng.example.gov.cn",
    )
    env.update(extra)
    return env


def _run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_reports_nothing_with_the_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_never_shows_the_debug_page_even_when_asked():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.X_FRAME_OPTIONS)"
    )
    result = _run(["-c", code], _production_env(DJANGO_DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "31536000", "True", "True", "DENY"]


@pytest.mark.parametrize(
    "key",
    ["short-key", "a" * 80],
)
def test_production_refuses_a_weak_secret_key(key):
    result = _run(["manage.py", "check"], _production_env(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be at least 50 random characters" in result.stderr


def test_production_refuses_to_start_without_a_field_key():
    """Never the SECRET_KEY-derived development key in production (issue 9, item 7)."""
    env = _production_env()
    del env["JICENG_FIELD_KEY"]
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Production needs JICENG_FIELD_KEY" in result.stderr


@pytest.mark.parametrize(
    "extra",
    [
        {"JICENG_FIELD_KEY": "short"},
        {"JICENG_FIELD_KEY": "", "JICENG_FIELD_KEYS": secrets.token_urlsafe(40) + ",too-short"},
    ],
)
def test_production_refuses_a_weak_field_key(extra):
    result = _run(["manage.py", "check"], _production_env(**extra))
    assert result.returncode != 0
    assert "must be at least 32 random characters" in result.stderr


def test_production_starts_with_several_field_keys_newest_first():
    new, old = secrets.token_urlsafe(40), secrets.token_urlsafe(40)
    code = "import django; django.setup(); from core.crypto import configured_keys; print(len(configured_keys()))"
    result = _run(["-c", code], _production_env(JICENG_FIELD_KEY="", JICENG_FIELD_KEYS=f"{new}, {old}"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2"]


def test_production_refuses_to_start_without_postgres_and_redis():
    env = _production_env()
    del env["REDIS_URL"]
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "Production needs DATABASE_URL and REDIS_URL" in result.stderr


# --- Headers on every response (test settings too) -------------------------------------------
def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/accounts/login/", 200),
        ("township_staff", "/", 200),
        ("township_staff", "/regions/", 200),
        ("auditor", "/audit/", 200),
        (None, "/api/v1/regions/", 401),
        ("township_staff", "/api/v1/regions/", 200),
        ("township_staff", "/no-such-page/", 404),
        ("township_staff", "/api/docs/", 200),
    ],
)
def test_security_headers_on_every_response(client_for, users, who, path, status):
    response = client_for(getattr(users, who) if who else None).get(path)
    assert response.status_code == status
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert all(source.startswith("'nonce-") for source in policy["script-src"][1:])
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_error_page_is_the_localised_page_not_a_debug_page(client_for, users):
    response = client_for(users.township_staff).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在或不在您的管辖范围内" in html
    assert "Traceback" not in html and "URLconf" not in html


@pytest.mark.django_db
def test_rendered_pages_carry_no_inline_script(client_for, users):
    for who, url in (("township_staff", "/"), ("auditor", reverse("audit:event_list")), (None, "/accounts/login/")):
        html = client_for(getattr(users, who) if who else None).get(url).content.decode()
        assert _inline_scripts(html) == [], url
        assert _inline_handlers(html) == [], url


@pytest.mark.django_db
def test_swagger_ui_loads_its_start_script_as_a_file(client_for, users):
    client = client_for(users.township_staff)
    html = client.get("/api/docs/").content.decode()
    assert _inline_scripts(html) == []
    script = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    response = client.get(script)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")


# --- Templates: no inline script, so the CSP can forbid it ------------------------------------
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _inline_scripts(html: str) -> list[str]:
    found = []
    for match in SCRIPT_TAG.finditer(html):
        attributes = match.group(1)
        if "src=" in attributes or "nonce=" in attributes:
            continue
        if re.search(r'type="application/(ld\+)?json"', attributes):  # data, not code (json_script)
            continue
        found.append(match.group(0))
    return found


def _inline_handlers(html: str) -> list[str]:
    return [m.group(0) for tag in re.findall(r"<[a-z][^>]*>", html) for m in INLINE_HANDLER.finditer(tag)]


def test_templates_have_no_inline_script_handler_or_eval():
    """The CSP forbids inline script: put code in static/js/*.js, or use
    `<script nonce="{{ request.csp_nonce }}">` where it truly must be inline."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        name = path.relative_to(ROOT)
        offenders += [f"{name}: {tag}" for tag in _inline_scripts(text)]
        offenders += [f"{name}: inline handler {handler.strip()}" for handler in _inline_handlers(text)]
        offenders += [f"{name}: hx-on (needs eval)" for _ in re.findall(r"\shx-on[:-]", text)]
        offenders += [f"{name}: javascript: URL" for _ in re.findall(r"javascript:", text, re.IGNORECASE)]
    assert offenders == []


def test_the_convention_check_finds_inline_code():
    assert _inline_scripts('<script>alert(1)</script><script src="/a.js"></script>') == ["<script>"]
    assert _inline_scripts('<script nonce="{{ request.csp_nonce }}">x()</script>') == []
    assert _inline_handlers('<select id="a" onchange="this.form.submit()">') == [" onchange="]
    assert _inline_handlers('<a data-action="x" href="/">') == []
