from reports.demo import seed_demo_summaries
from reports.models import RefreshRun
from tests.reports.conftest import add_appeal, build_dataset, direct_counts, summary_rows


def test_demo_seeder_summarises_the_demo_data_and_reruns_do_nothing(tree):
    dataset = build_dataset(tree, seed=41, appeals=4, households=2, matters=2)
    assert "summaries refreshed" in seed_demo_summaries()
    assert seed_demo_summaries() == ""
    assert RefreshRun.objects.count() == 1
    add_appeal(dataset.rng, dataset.actor, tree.village)
    assert "增量刷新" in seed_demo_summaries()
    assert summary_rows() == direct_counts()


def test_demo_province_fills_every_county_once_and_leaves_hand_entered_places_alone(tree, users):
    import datetime

    from django.utils import timezone

    from ledgers.models import LivelihoodAppeal
    from regions.choices import Level
    from reports.demo import seed_demo_province
    from reports.models import SummaryState
    from tests.factories import RegionFactory
    from tests.ledgers.test_views import make_appeal

    # given a second county beside the demo county (金堂县), and one village with a hand-entered appeal
    other = RegionFactory(code="510122", name="双流区", level=Level.COUNTY, parent=tree.prefecture)
    town = RegionFactory(code="510122001", name="东升街道", level=Level.TOWNSHIP, parent=other)
    RegionFactory(code="510122001001", name="白河社区", level=Level.VILLAGE, parent=town, is_community=True)
    RegionFactory(code="510122001002", name="红石村", level=Level.VILLAGE, parent=town)
    hand = make_appeal(users.township_staff, tree.village2)
    # when the demo province is generated
    message = seed_demo_province(scale=0.0005, county_scale=0.001)
    # then every county has generated figures, none in the hand-entered village, dates in the last 24 months
    assert message.startswith("演示省份数据已生成")
    generated = LivelihoodAppeal.objects.filter(created_by__isnull=True)
    assert generated.filter(region__code__startswith="510122").count() > 100
    assert generated.filter(region__code__startswith="510121").count() > 300
    assert not generated.filter(region=tree.village2).exists()
    assert LivelihoodAppeal.objects.filter(region=tree.village2).get() == hand
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    oldest = generated.order_by("registered_on").first().registered_on
    assert (
        yesterday - datetime.timedelta(days=730) <= oldest
        and generated.latest("registered_on").registered_on <= yesterday
    )
    # resolved appeals mostly on time (plausible on-time rate), and the summaries computed
    resolved = generated.filter(resolved_at__isnull=False)
    on_time = sum(1 for a in resolved if timezone.localtime(a.resolved_at).date() <= a.promised_date)
    assert 0.6 < on_time / resolved.count() < 1
    assert SummaryState.objects.get(pk=1).visible_generation is not None
    # and a second run changes nothing
    count = LivelihoodAppeal.objects.count()
    assert seed_demo_province(scale=0.0005, county_scale=0.001) == ""
    assert LivelihoodAppeal.objects.count() == count


def test_sampled_townships_are_evenly_spread_over_each_county():
    from reports.demo import _sampled_townships
    from seeding.generators import Place

    # given a county of 7 townships and one of 2
    towns = [Place(0, f"510122{i:03d}", "", 4, False, "") for i in range(1, 8)]
    towns += [Place(0, f"510123{i:03d}", "", 4, False, "") for i in (1, 2)]
    # then 3 of the first, spread (first, middle, last third), and both of the second
    assert _sampled_townships(towns, 3) == {"510122001", "510122003", "510122005", "510123001", "510123002"}


def test_seed_demo_twice_fills_every_county_and_the_second_run_adds_nothing(tree, monkeypatch):
    from django.apps import apps
    from django.core.management import call_command

    from regions.choices import Level
    from reports import demo
    from reports.models import RefreshRun, SummaryState
    from seeding.generators import load_generators
    from tests.factories import RegionFactory

    # given a second county with four townships of one village each (the demo samples three of them)
    other = RegionFactory(code="510122", name="双流区", level=Level.COUNTY, parent=tree.prefecture)
    for index in range(1, 5):
        town = RegionFactory(code=f"510122{index:03d}", name=f"镇{index}", level=Level.TOWNSHIP, parent=other)
        RegionFactory(code=f"{town.code}001", name=f"村{index}", level=Level.VILLAGE, parent=town)
    monkeypatch.setattr(demo, "DEMO_SCALE", 0.0005)
    monkeypatch.setattr(demo, "DEMO_COUNTY_SCALE", 0.001)
    models = [model for g in load_generators() for model in g.models]
    models += [apps.get_model(label) for label in ("accounts.User", "regions.Post", "audit.AuditEvent")]
    # when `make run` seeds the demo twice
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = {model._meta.label: model.objects.count() for model in models}
    runs = RefreshRun.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then the second run wrote nothing and refreshed nothing
    assert {model._meta.label: model.objects.count() for model in models} == counts
    assert RefreshRun.objects.count() == runs
    # and both counties have appeals, three of the four sampled townships of the second
    appeals = apps.get_model("ledgers.LivelihoodAppeal").objects
    assert appeals.filter(region__code__startswith="510121").count() > 100
    towns = {code[:9] for code in appeals.filter(region__code__startswith="510122").values_list("region_id", flat=True)}
    assert len(towns) == 3
    assert SummaryState.objects.get(pk=1).visible_generation is not None
    # and the demo users sign in with the demo password
    from accounts.demo import DEMO_PASSWORD
    from accounts.models import User

    assert User.objects.get(username="zhugao").check_password(DEMO_PASSWORD)
