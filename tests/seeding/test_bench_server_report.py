"""The server part's report, from stand-in results: the target is 3x the better bare-page p95, every
page is judged against it, and the sign-in floor's note says what the password checks alone asked
of the machine under the 50 users."""

import os

from seeding.benchmarks.loadclient import Result
from seeding.management.commands.bench import Command


def result(name, latencies, seconds=30.0, errors=0):
    return Result(name=name, seconds=seconds, latencies_ms=list(latencies), errors=errors)


def report(results, floor=None):
    command = Command()
    command.figures, command.info = [], {}
    rows = [(r, 1.0, 1.0) for r in results]
    command._server_report(rows)
    if floor is not None:
        command._floor_report(floor, rows)
    return command, {f.name: f for f in command.figures}


def test_pages_are_judged_against_three_times_the_better_bare_page():
    bare_first = result("bare signed-in page (yardstick)", [5.0] * 95 + [12.0] * 5)  # p95 5.0
    bare_last = result("bare signed-in page, again", [5.0] * 90 + [9.0] * 10)  # p95 9.0
    fast = result("dashboard, province 51", [10.0] * 100)
    slow = result("appeals list page 1, prefecture 5101", [10.0] * 90 + [16.0] * 10)
    _command, figures = report([bare_first, fast, slow, bare_last])

    assert figures["dashboard, province 51 p95 (gunicorn, 50 users)"].target == 15.0
    assert figures["dashboard, province 51 p95 (gunicorn, 50 users)"].result == "PASS"
    listed = figures["appeals list page 1, prefecture 5101 p95 (gunicorn, 50 users)"]
    assert (listed.value, listed.result) == (16.0, "FAIL")
    assert figures["bare signed-in page (yardstick) p95 (gunicorn, 50 users)"].target is None
    # 100 requests over 30 s for both: the list's throughput equals the dashboards'
    assert figures["appeals list throughput / dashboards' (median)"].value == 1.0


def test_the_floor_note_gives_the_cores_the_password_checks_took():
    bare = result("bare signed-in page (yardstick)", [10.0] * 100)
    signed = result("sign-in (form + POST, password hash)", [50.0] * 1320, seconds=30.0)  # 44 a second
    floor = {"p50_ms": 38.4, "p95_ms": 49.7, "requests": 247, "errors": 0, "hash_cpu_ms": 20.0,
             "hasher": "argon2", "load": "1.0→1.0"}  # fmt: skip
    command, figures = report([bare, signed], floor)

    note = figures["sign-in floor, one user alone, p50"].note
    assert "the floor is ABOVE it" in note  # 38.4 ms alone against 3 x 10 ms
    assert f"44.0 sign-ins a second x 20.0 ms = 0.88 of the {os.cpu_count()} cores" in note
    assert command.info["sign_in_floor"]["hash_cores"] == 0.88
    assert figures["sign-in (form + POST, password hash) p95 (gunicorn, 50 users)"].result == "FAIL"


def test_a_floor_below_the_target_says_so():
    bare = result("bare signed-in page (yardstick)", [10.0] * 100)
    floor = {"p50_ms": 25.0, "p95_ms": 28.0, "requests": 300, "errors": 0, "hash_cpu_ms": 5.0,
             "hasher": "argon2", "load": "1.0→1.0"}  # fmt: skip
    command, figures = report([bare], floor)

    assert "the floor is below it" in figures["sign-in floor, one user alone, p50"].note
    assert command.info["sign_in_floor"]["hash_cores"] is None  # no 50-user sign-in run to relate it to
