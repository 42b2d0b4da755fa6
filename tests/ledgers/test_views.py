"""Ledger pages: permission matrix per page and per write, filters, forms, bulk, history, query bounds."""

import datetime

import pytest
from django.urls import reverse

from ledgers.choices import AppealCategory
from ledgers.services import appeal_create

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def make_appeal(actor, region, **extra):
    data = {
        "category": AppealCategory.ROADS,
        "raiser_name": "张三",
        "raiser_phone": "13800001234",
        "title": "村道塌方",
        "responsible_person": "李四",
        "promised_date": TODAY + datetime.timedelta(days=5),
    }
    data.update(extra)
    return appeal_create(actor=actor, region=region, data=data)


def test_smoke_appeal_pages(client_for, users, tree):
    appeal = make_appeal(users.township_staff, tree.village)
    c = client_for(users.township_staff)
    for url in [
        reverse("ledgers:livelihoodappeal_list"),
        reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk]),
        reverse("ledgers:livelihoodappeal_create"),
        reverse("ledgers:livelihoodappeal_update", args=[appeal.pk]),
    ]:
        response = c.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:3000])


def test_smoke_other_pages(client_for, users, tree):
    from ledgers.choices import HardshipType, MatterType
    from ledgers.services import household_create, matter_create, profile_update

    household = household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "陈", "head_id_number": "11010519491231002X"},
        hardship_types=[HardshipType.POOR],
    )
    matter = matter_create(
        actor=users.township_staff,
        region=tree.village,
        data={"matter_type": MatterType.LAND, "title": "地界", "parties": "甲"},
    )
    profile_update(actor=users.township_staff, region=tree.village, expected_version=None, data={"problems": "缺水"})
    c = client_for(users.township_staff)
    for url in [
        reverse("ledgers:hardshiphousehold_list"),
        reverse("ledgers:hardshiphousehold_detail", args=[household.pk]),
        reverse("ledgers:hardshiphousehold_create"),
        reverse("ledgers:hardshiphousehold_update", args=[household.pk]),
        reverse("ledgers:stabilitymatter_list"),
        reverse("ledgers:stabilitymatter_detail", args=[matter.pk]),
        reverse("ledgers:stabilitymatter_create"),
        reverse("ledgers:stabilitymatter_update", args=[matter.pk]),
        reverse("ledgers:villageprofile_list"),
        reverse("ledgers:villageprofile_detail", args=[tree.village.code]),
        reverse("ledgers:villageprofile_detail", args=[tree.village2.code]),
        reverse("ledgers:villageprofile_update", args=[tree.village.code]),
    ]:
        response = c.get(url)
        assert response.status_code == 200, (url, response.content.decode()[:3000])
        assert "11010519491231002X" not in response.content.decode()
