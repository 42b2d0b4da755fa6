"""Fuzz every operation of /api/schema/ in-process, as each kind of caller.

For each role, schemathesis generates requests for every operation (valid and invalid data;
path ids, region codes and filters are often steered to the records that exist, so the
fuzzer reaches the handlers instead of only 404s) and each response must: not be a 5xx, have a
documented status code and content type, conform to the documented response schema, and hold
no object outside the caller's jurisdiction (`regions.scoping.scope_prefixes`).

`make test` runs a short, derandomized pass (JICENG_FUZZ_EXAMPLES, default 10 per operation
and mode); `make fuzz` runs a long one (200). The database is rolled back after each role.
"""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from regions.scoping import scope_prefixes
from tests.fuzz.conftest import credentials

EXAMPLES = int(os.environ.get("JICENG_FUZZ_EXAMPLES", "10"))

# (role fixture attribute, signs in with a session instead of a token)
ROLES = {
    "anonymous": (None, False),
    "township_staff": ("township_staff", False),
    "county_leader": ("county_leader", True),
    "provincial_office": ("province", False),
    # Administrators (the auditor, the superuser) sign in through the web with a second factor only.
    "auditor": ("auditor", True),
    "superuser": ("superuser", True),
}

# Which view permission decides what a caller may see at each endpoint; the key that names an
# object's region in its payload.
SCOPED_PATHS = {
    "/api/v1/regions/": ("regions.view_region", "code"),
    "/api/v1/livelihood-appeals/": ("ledgers.view_livelihoodappeal", "region"),
    "/api/v1/hardship-households/": ("ledgers.view_hardshiphousehold", "region"),
    "/api/v1/stability-matters/": ("ledgers.view_stabilitymatter", "region"),
    "/api/v1/village-profiles/": ("ledgers.view_villageprofile", "region"),
    "/api/v1/stats/": ("reports.view_summary", "region_code"),
    "/api/v1/audit-events/": ("audit.view_auditevent", "region_code"),
    "/api/v1/service-orders/": ("community.view_serviceorder", "region"),
    "/api/v1/community-reports/": ("community.view_communityreport", "community"),
}
REGION_KEYS = {"region", "within", "parent", "code"}
OK = set(range(200, 300))


def scope_violations(path: str, user, payload) -> list[str]:
    """Objects in a successful response whose region lies outside the caller's scope."""
    rule = next((rule for prefix, rule in SCOPED_PATHS.items() if path.startswith(prefix)), None)
    if rule is None:
        return []
    permission, key = rule
    prefixes = scope_prefixes(user, permission) if user is not None else []
    if prefixes is None:  # superuser: everywhere
        return []
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        items = payload["results"]
    elif isinstance(payload, list):
        items = payload
    else:
        items = [payload]
    bad = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get(key)
        if code in (None, ""):  # audit events without a region (sign-ins) carry no region
            continue
        if not any(str(code).startswith(prefix) for prefix in prefixes):
            bad.append(f"{key}={code!r} outside {prefixes}")
    return bad


def _steer(case, draw, world) -> None:
    """Point some generated identifiers at records and regions that exist."""
    codes = st.sampled_from(world.region_codes)
    ids = next((ids for prefix, ids in world.ids.items() if case.operation.path.startswith(prefix)), None)
    for name in list(case.path_parameters or {}):
        if name == "id" and ids and draw(st.booleans()):
            case.path_parameters[name] = draw(st.sampled_from(ids))
        elif name == "code" and draw(st.booleans()):
            case.path_parameters[name] = draw(codes)
        elif name == "key" and draw(st.booleans()):
            case.path_parameters[name] = draw(st.sampled_from(world.metric_keys))
    for container in (case.query, case.body):
        if isinstance(container, dict):
            for name in list(container):
                if name in REGION_KEYS and draw(st.booleans()):
                    container[name] = draw(codes)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _run_operation(operation, mode, world, callers, statuses: set) -> None:
    checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    def fuzz(case, data):
        if mode == GenerationMode.POSITIVE:
            _steer(case, data.draw, world)
        # An empty query value means "not given" to the shared FilterSets (HTML forms send empty
        # fields), so `?registered_after=` is answered, not refused: not a failure.
        blank_filter = any(value in ("", [""]) for value in (case.query or {}).values())
        case_checks = [c for c in checks if not (blank_filter and c is negative_data_rejection)]
        # The same request from every kind of caller: generating it is the expensive part.
        for role, user, auth in callers:
            response = case.call(headers=dict(auth["headers"]), cookies=dict(auth["cookies"]))
            statuses.add(response.status_code)
            try:
                case.validate_response(response, checks=case_checks)
            except BaseExceptionGroup as exc:
                raise AssertionError(f"as {role}: {exc}") from None
            if 200 <= response.status_code < 300 and response.content:
                bad = scope_violations(operation.path, user, response.json())
                assert not bad, f"as {role}: {operation.label} answered out of scope: {bad[:5]}"

    fuzz()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_operation_as_every_role(mode, api_schema, fuzz_world, caplog):
    # given one caller per role (token or session) over a small scoped data set
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 4xx warnings
    callers = []
    for role, (attribute, session) in ROLES.items():
        user = getattr(fuzz_world.users, attribute) if attribute else None
        callers.append((role, user, credentials(user, session=session)))
    failures = []
    statuses: dict[str, set] = {}
    # when every operation is fuzzed with valid (or invalid) data, each request sent by every caller
    for result in api_schema.get_all_operations():
        operation = result.ok()
        statuses[operation.label] = set()
        try:
            _run_operation(operation, mode, fuzz_world, callers, statuses[operation.label])
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            assert mode == GenerationMode.NEGATIVE, operation.label
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"--- {operation.label} [{mode.value}]\n{exc}")
    # then no response was a 5xx, undocumented, off-schema or out of scope
    assert not failures, "\n".join(failures)
    # and the checks had something to check: every read answered 2xx to someone at least once
    if mode == GenerationMode.POSITIVE:
        unreached = [label for label, seen in statuses.items() if label.startswith("GET") and not seen & OK]
        assert unreached == []
