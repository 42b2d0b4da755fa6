import datetime
from types import SimpleNamespace

import pytest

from core.validators import id_number_check_digit
from petitions.models import PetitionCategory
from petitions.services import petition_create
from regions.choices import Role
from tests.conftest import make_user


def id_number(serial: int, birth: str = "19700101") -> str:
    first17 = f"510121{birth}{serial:03d}"
    return first17 + id_number_check_digit(first17)


@pytest.fixture(autouse=True)
def _calendar_and_categories(request):
    """Transactional tests start after a flush that emptied the tables the migrations filled."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from core.calendar import seed_year
    from petitions.selectors import ensure_default_categories

    seed_year(2025, notify=False)
    seed_year(2026, notify=False)
    ensure_default_categories()


@pytest.fixture
def pusers(users, tree):
    """The petition positions: staff of the township and the county office, owners, a named official."""
    return SimpleNamespace(
        staff=make_user("xf_town", Role.PETITION_STAFF, tree.town),
        county_staff=make_user("xf_county", Role.PETITION_STAFF, tree.county),
        sibling_staff=make_user("xf_sibling", Role.PETITION_STAFF, tree.sibling_town),
        sibling_leader=make_user("sibling_leader", Role.TOWNSHIP_LEADER, tree.sibling_town),
        named=make_user("named_leader", Role.COUNTY_LEADER, tree.county),
        named_staff=make_user("named_staff", Role.PETITION_STAFF, tree.town),
    )


@pytest.fixture
def category(db):
    return PetitionCategory.objects.get(code="land")


@pytest.fixture
def make_petition(pusers, tree, category):
    def build(actor=None, region=None, petitioners=None, **data):
        values = {
            "channel": "visit",
            "received_on": datetime.date(2026, 11, 20),
            "title": "征地补偿款未发放",
            "content": "三组村民反映征地补偿款至今未发放到户。",
            "category": category,
            "petition_type": "claim",
            "conflict_level": "township",
        }
        values.update(data)
        named = values.pop("named_officials", None)
        earlier = values.pop("earlier", None)
        return petition_create(
            actor=actor or pusers.staff,
            region=region or tree.village,
            data=values,
            petitioners=petitioners
            if petitioners is not None
            else [{"name": "张三", "id_number": id_number(11), "phone": "13800001234", "address": "竹篙村三组"}],
            named_officials=named,
            earlier=earlier,
        )

    return build
