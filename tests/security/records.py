"""Known personal data, entered through the services, for the backup and leak-scan tests.

The ID numbers are valid (GB 11643 check digit, real birth dates) so the services accept them;
the tests then look for these exact strings where they must (restored database) or must not
(dumps, logs, Redis, pages, exports) appear.
"""

import datetime
from types import SimpleNamespace

from core.validators import id_number_check_digit


def valid_id(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


HEAD_IDS = [valid_id("51012119580314023"), valid_id("51012119620707154")]
MEMBER_IDS = [valid_id("51012120150101036"), valid_id("51012119851230118")]  # a child, an adult
ID_NUMBERS = HEAD_IDS + MEMBER_IDS
PHONES = ["13912345678", "18688886666", "15000001111"]


def create_records(*, actor, village) -> SimpleNamespace:
    """Two appeals (one edited), two households (one with two members and a help record)."""
    from ledgers.choices import AppealCategory, HardshipType, HelpKind, Relation
    from ledgers.services import appeal_create, appeal_update, help_record_add, household_create, household_member_add

    promised = datetime.date.today() + datetime.timedelta(days=10)
    appeals = [
        appeal_create(
            actor=actor,
            region=village,
            data={
                "category": AppealCategory.DRINKING_WATER,
                "raiser_name": f"反映人{index}",
                "raiser_phone": phone,
                "title": f"三组自来水管破裂{index}",
                "responsible_person": "刘芳",
                "promised_date": promised,
            },
        )
        for index, phone in enumerate(PHONES[:2])
    ]
    appeals[0] = appeal_update(
        actor=actor, appeal=appeals[0], expected_version=1, data={"raiser_phone": PHONES[1], "title": "水管已报修"}
    )
    households = [
        household_create(
            actor=actor,
            region=village,
            data={"head_name": name, "head_id_number": head_id, "phone": phone, "address": "竹篙村三组"},
            hardship_types=[HardshipType.ELDERLY_ALONE, HardshipType.POOR],
        )
        for name, head_id, phone in (("张秀英", HEAD_IDS[0], PHONES[2]), ("李长贵", HEAD_IDS[1], ""))
    ]
    members = [
        household_member_add(
            actor=actor,
            household=households[0],
            data={"name": "张小明", "relation": Relation.GRANDCHILD, "id_number": MEMBER_IDS[0], "health_note": "哮喘"},
        ),
        household_member_add(
            actor=actor,
            household=households[0],
            data={"name": "张建国", "relation": Relation.CHILD, "id_number": MEMBER_IDS[1]},
        ),
    ]
    help_record_add(
        actor=actor,
        household=households[0],
        data={"given_on": datetime.date.today(), "kind": HelpKind.WARM_WINTER, "amount_fen": 50000, "given_by": "刘芳"},
    )
    return SimpleNamespace(appeals=appeals, households=households, members=members)
