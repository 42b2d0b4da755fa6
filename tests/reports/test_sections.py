"""Each mechanism's own section on the dashboard, declared by its metric source (`Source.headline`)."""

import datetime

import pytest

from reports.metrics import load_sources
from reports.services import summary_refresh_full


def _petition(users, village):
    from petitions.selectors import default_category
    from petitions.services import petition_create

    return petition_create(
        actor=users.township_leader,
        region=village,
        data={
            "channel": "visit",
            "received_on": datetime.date(2026, 11, 2),
            "title": "征地补偿",
            "content": "补偿未发放",
            "category": default_category(),
            "petition_type": "claim",
            "conflict_level": "township",
        },
        petitioners=[{"name": "王大爷", "id_number": "", "phone": "13800001234"}],
    )


def test_every_source_with_a_headline_names_known_metrics():
    registry = load_sources()
    shown = {key: source.headline for key, source in registry.sources.items() if source.headline}
    assert set(shown) == {"petitions", "pairings", "community"}
    for keys in shown.values():
        assert all(key in registry.metrics for key in keys)


@pytest.mark.django_db
def test_dashboard_shows_a_section_per_mechanism_with_its_figures(tree, users, client_for):
    # given one petition in the staff's village and fresh summaries
    _petition(users, tree.village)
    summary_refresh_full()
    # when the provincial office opens the province dashboard
    response = client_for(users.province).get("/reports/51/")
    # then each mechanism has its section, and the petition is counted in the petitions section
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("petitions", "pairings", "community"):
        assert f'data-testid="section-{key}"' in page
    sections = {section["source"].key: section for section in response.context["sections"]}
    figures = {fig.metric.key: fig.value for fig in sections["petitions"]["figures"]}
    assert figures["petitions_registered"] == 1
    # and the sibling township's board does not count it
    sibling = client_for(users.province).get(f"/reports/{tree.sibling_town.code}/")
    sibling_sections = {section["source"].key: section for section in sibling.context["sections"]}
    assert {f.metric.key: f.value for f in sibling_sections["petitions"]["figures"]}["petitions_registered"] in (
        0,
        None,
    )
