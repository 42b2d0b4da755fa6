import datetime

import pytest

from ledgers.choices import AppealCategory
from ledgers.services import appeal_create


@pytest.fixture
def appeal_data():
    return {
        "category": AppealCategory.DRINKING_WATER,
        "raiser_name": "王大爷",
        "raiser_phone": "13800001234",
        "title": "三组自来水管破裂",
        "responsible_person": "刘芳",
        "promised_date": datetime.date.today() + datetime.timedelta(days=10),
        "funds_spent_fen": 150000,
    }


@pytest.fixture
def appeal(users, tree, appeal_data):
    return appeal_create(actor=users.township_staff, region=tree.village, data=appeal_data)
