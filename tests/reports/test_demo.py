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
