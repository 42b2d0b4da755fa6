"""The bench's pairings part (`bench --parts pairings`) on the small tree: every figure is
measured, and the checks it prints beside them hold (the refresh equals its bound row for row, the
overdue task is idempotent, the summaries equal a direct count); it leaves no copy behind."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_pairings_part_measures_every_figure_and_its_checks_hold(tree):
    from pairings.models import Pair
    from seeding.benchmarks import pairings
    from seeding.generators import seed_province
    from seeding.management.commands.bench import Command

    # Given the province seeded (pairings only), as `make bench` finds it
    seed_province(scale=0.002, seed=42, province="51", sources=["pairings"])
    command = Command(stdout=io.StringIO())
    command.figures, command.info = [], {}
    # When the part runs
    pairings.run(command, scale=0.002, requests=5, repetitions=1)
    # Then every figure has a value, and the checks beside them hold
    figures = {f.name: f for f in command.figures}
    assert all(f.value is not None for f in command.figures), [f.name for f in command.figures if f.value is None]
    ratio = next(f for name, f in figures.items() if name.startswith("pairings generation / plain COPY"))
    assert ratio.target == 2.0 and "foreign keys built and validated" in ratio.note
    refresh = figures["full refresh including pairings / true lower bound"]
    assert refresh.target == 1.5 and "equal row for row: yes" in refresh.note
    assert "consistent" in figures["daily overdue task, run again (idempotent)"].note
    counted = next(f for name, f in figures.items() if name.startswith("active pairs by prefecture (1)"))
    assert "equal to a direct count: yes" in counted.note
    pages = [name for name in figures if name.endswith("p95 (in process)")]
    assert len(pages) == 3 and any(name.startswith("cadre's home") for name in pages)
    # And the regenerated data is there, the copies are not
    assert Pair.objects.filter(status="active").count() == round(2_200_000 * 0.002)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'bench_copy_%%'")
        assert cursor.fetchone()[0] == 0
    assert not list((Path(settings.BASE_DIR) / "var").glob("bench_copy_*"))
