"""English is complete: every page a user can reach, rendered in English over data written in
English (region names, titles, people), shows no Han character. A Han character left is an
untranslated string of the interface. The language menu names each language in itself."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import translation

from ledgers.choices import AppealStatus, HardshipType, MatterType
from ledgers.services import (
    appeal_create,
    appeal_rate,
    appeal_transition,
    help_record_add,
    household_create,
    household_member_add,
    matter_create,
    matter_step_add,
    profile_update,
    rating_invitation_create,
)
from regions.choices import Level, Role
from reports.services import summary_refresh_full
from tests.conftest import make_user
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
TODAY = datetime.date.today()


@pytest.fixture
def english_world(db):
    """A small province written in English: every Han character on a page then comes from the UI."""
    with translation.override("en"):
        province = RegionFactory(code="51", name="Sichuan", level=Level.PROVINCE, path_name="Sichuan")
        prefecture = RegionFactory(code="5101", name="Chengdu", level=Level.PREFECTURE, parent=province)
        county = RegionFactory(code="510121", name="Jintang", level=Level.COUNTY, parent=prefecture)
        town = RegionFactory(code="510121113", name="Zhugao", level=Level.TOWNSHIP, parent=county)
        village = RegionFactory(
            code="510121113001", name="Bamboo Village", level=Level.VILLAGE, parent=town, path_name="Zhugao / Bamboo"
        )
        users = SimpleNamespace(
            staff=make_user("staff", Role.TOWNSHIP_STAFF, town),
            leader=make_user("leader", Role.COUNTY_LEADER, county),
            province=make_user("province", Role.PROVINCIAL_OFFICE, province),
            auditor=make_user("auditor", Role.AUDITOR, province),
            sysadmin=make_user("sysadmin", Role.SYSTEM_ADMIN, province),
            secadmin=make_user("secadmin", Role.SECURITY_ADMIN, province),
        )
        staff = users.staff
        appeal = appeal_create(
            actor=staff,
            region=village,
            data={
                "category": "roads",
                "raiser_name": "Wang",
                "raiser_phone": "13800001234",
                "title": "Road washed out",
                "responsible_person": "Liu",
                "promised_date": TODAY + datetime.timedelta(days=5),
                "funds_spent_fen": 1_200_050,
            },
        )
        for target in (AppealStatus.IN_PROGRESS, AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
            appeal = appeal_transition(actor=staff, appeal=appeal, target=target, resolution="Repaired.")
        _invitation, token = rating_invitation_create(actor=staff, appeal=appeal)
        appeal_rate(token=token, score=5, resolved_confirmed=True, comment="Good")
        _invitation, open_token = rating_invitation_create(actor=staff, appeal=appeal)
        household = household_create(
            actor=staff,
            region=village,
            data={"head_name": "Chen", "head_id_number": "11010519491231002X", "address": "Group 3", "member_count": 2},
            hardship_types=[HardshipType.POOR],
        )
        household_member_add(actor=staff, household=household, data={"name": "Chen Jr", "relation": "child"})
        help_record_add(
            actor=staff,
            household=household,
            data={"given_on": TODAY, "kind": "cash", "amount_fen": 50_000, "description": "Coal"},
        )
        matter = matter_create(
            actor=staff, region=village, data={"matter_type": MatterType.LAND, "title": "Boundary", "parties": "A, B"}
        )
        matter_step_add(actor=staff, matter=matter, data={"happened_on": TODAY, "action": "Visited both"})
        profile_update(
            actor=staff,
            region=village,
            expected_version=None,
            data={"village_conditions": "Hills", "problems": "Water"},
        )
        summary_refresh_full()
    return SimpleNamespace(
        users=users, village=village, town=town, appeal=appeal, household=household, matter=matter, token=open_token
    )


def visible_text(html: str) -> list[str]:
    """Text nodes and the attributes people read (title, placeholder, aria-label, alt), without
    scripts, styles, JSON data islands and elements marked as another language (the language menu)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r'(?is)<option[^>]*\blang="zh[^"]*"[^>]*>.*?</option>', " ", html)
    # The import file's fixed Chinese headers, and the hints quoting the Chinese values a cell accepts
    # (the file format is Chinese under every UI language, so a sheet imports whoever filled it in).
    html = re.sub(r'(?is)<span lang="zh-hans">[^<]*</span>', " ", html)
    html = re.sub(r"(?is)<td[^>]*\bdata-file-values\b[^>]*>.*?</td>", " ", html)
    texts = re.findall(r">([^<>]+)<", html)
    texts += re.findall(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"', html)
    return [t.strip() for t in texts if t.strip()]


def han_in(html: str) -> list[str]:
    return sorted({text[:80] for text in visible_text(html) if HAN.search(text)})


def pages_for(world):
    a, h, m, v, t = world.appeal.pk, world.household.pk, world.matter.pk, world.village.code, world.town.code
    staff_pages = [
        "/",
        "/regions/",
        f"/regions/{t}/",
        f"/regions/{v}/",
        "/regions/picker/",
        "/ledgers/appeals/",
        "/ledgers/appeals/new/",
        f"/ledgers/appeals/{a}/",
        f"/ledgers/appeals/{a}/edit/",
        "/ledgers/appeals/import/",
        "/ledgers/households/",
        "/ledgers/households/new/",
        f"/ledgers/households/{h}/",
        f"/ledgers/households/{h}/edit/",
        "/ledgers/households/import/",
        "/ledgers/matters/",
        "/ledgers/matters/new/",
        f"/ledgers/matters/{m}/",
        f"/ledgers/matters/{m}/edit/",
        "/ledgers/matters/import/",
        "/ledgers/profiles/",
        f"/ledgers/profiles/{v}/",
        f"/ledgers/profiles/{v}/edit/",
        f"/reports/{t}/",
        f"/reports/{t}/monthly/",
        "/accounts/password/",
        "/accounts/totp/",
        "/ledgers/appeals/999999/",  # the 404 page
    ]
    return {
        "staff": staff_pages,
        "leader": [
            "/",
            "/reports/510121/",
            "/reports/510121/monthly/",
            "/ledgers/appeals/",
            # petitions (leaders own cases), pairings and community service, as a leader reads them
            "/petitions/",
            "/petitions/mine/",
            "/petitions/new/",
            "/petitions/workload/",
            "/petitions/receptions/",
            "/petitions/receptions/new/",
            "/petitions/down-visits/",
            "/petitions/down-visits/new/",
            "/pairings/units/",
            "/pairings/cadres/",
            "/pairings/households/",
            "/pairings/pairs/",
            "/pairings/visits/",
            "/pairings/events/",
            "/pairings/owed/",
            "/pairings/campaigns/",
            "/community/orders/",
            "/community/reports/",
        ],
        "province": ["/", "/reports/51/", "/reports/51/monthly/"],
        "auditor": ["/audit/", "/audit/1/"],
        "sysadmin": ["/accounts/users/", f"/accounts/users/{world.users.staff.pk}/", "/accounts/users/new/"],
        "secadmin": ["/accounts/security/"],
        None: [
            "/accounts/login/",
            f"/ledgers/public/{v}/",
            f"/ledgers/public/{v}/notice/",
            f"/ledgers/rate/{world.token}/",
        ],
    }


def english_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_in_english_has_no_chinese_outside_data(english_world, settings):
    found = {}
    for who, urls in pages_for(english_world).items():
        user = getattr(english_world.users, who) if who else None
        client = english_client(user)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code in (200, 404), (who, url, response.status_code)
            left = han_in(response.content.decode())
            if left:
                found[f"{who} {url}"] = left
    assert found == {}


def test_language_menu_names_each_language_in_itself(english_world):
    for language in ("zh-hans", "en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        page = client.get("/accounts/login/").content.decode()
        options = re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', page)
        assert dict(options) == {"zh-hans": "中文", "en": "English"}, language


@pytest.fixture
def english_modules(english_world):
    """The petitions, pairings and community service records of the English province, in English."""
    from community import services as community_services
    from pairings.choices import UnitLevel
    from pairings.models import Cadre, Household, Pair, Unit
    from petitions.models import PetitionCategory
    from petitions.selectors import ensure_default_categories
    from petitions.services import petition_create

    ensure_default_categories()
    with translation.override("en"):
        county = english_world.users.leader.posts.get().region
        village, town = english_world.village, english_world.town
        community = RegionFactory(
            code="510121113002", name="East Street", level=Level.VILLAGE, parent=town, is_community=True
        )
        petition_staff = make_user("xfstaff", Role.PETITION_STAFF, county)
        branch = make_user("branch", Role.COMMUNITY_BRANCH, community)
        petition = petition_create(
            actor=petition_staff,
            region=village,
            data={
                "channel": "visit",
                "received_on": TODAY - datetime.timedelta(days=3),
                "title": "Compensation unpaid",
                "content": "Group 3 says the land compensation is unpaid.",
                "category": PetitionCategory.objects.get(code="land"),
                "petition_type": "claim",
                "conflict_level": "township",
            },
            petitioners=[{"name": "Zhang", "id_number": "11010519491231002X", "phone": "13800001234", "address": "G3"}],
        )
        unit = Unit.objects.create(name="Farm Bureau", level=UnitLevel.COUNTY, region=county)
        cadre = Cadre.objects.create(name="Helper Li", unit=unit, home_region=town, post="Clerk")
        household = Household.objects.create(region=village, head_name="Chen", member_count=3)
        pair = Pair.objects.create(cadre=cadre, household=household, region=village, started_on=TODAY)
        order = community_services.order_place(
            region=community,
            data={
                "category": "elderly",
                "need": "Buy medicine",
                "details": "Weekly",
                "place": "Block 3",
                "contact_name": "Li",
                "phone": "13812345678",
            },
        )
    return SimpleNamespace(
        petition=petition,
        petition_staff=petition_staff,
        branch=branch,
        unit=unit,
        cadre=cadre,
        household=household,
        pair=pair,
        order=order,
        community=community,
    )


def test_petition_pairing_and_community_pages_in_english_have_no_chinese_outside_data(english_world, english_modules):
    m = english_modules
    pages = {
        m.petition_staff: [
            "/petitions/",
            f"/petitions/{m.petition.pk}/",
            f"/petitions/{m.petition.pk}/edit/",
            "/petitions/new/",
            "/petitions/receptions/",
            "/petitions/down-visits/",
        ],
        english_world.users.leader: [
            "/pairings/",
            f"/pairings/units/{m.unit.pk}/",
            f"/pairings/units/{m.unit.pk}/edit/",
            "/pairings/units/new/",
            f"/pairings/cadres/{m.cadre.pk}/",
            f"/pairings/cadres/{m.cadre.pk}/edit/",
            "/pairings/cadres/new/",
            "/pairings/cadres/import/",
            f"/pairings/households/{m.household.pk}/",
            f"/pairings/households/{m.household.pk}/pair/",
            f"/pairings/households/{m.household.pk}/event/",
            "/pairings/households/new/",
            f"/pairings/pairs/{m.pair.pk}/",
            f"/pairings/pairs/{m.pair.pk}/visit/",
            f"/pairings/pairs/{m.pair.pk}/end/",
            "/pairings/pairs/bulk/",
            "/pairings/pairs/import/",
            "/pairings/campaigns/new/",
            "/pairings/support/",
            "/pairings/village-links/",
            "/pairings/link-projects/",
            "/pairings/trainings/",
            "/pairings/stays/",
        ],
        m.branch: [
            "/community/orders/",
            "/community/orders/board/",
            "/community/orders/new/",
            f"/community/orders/{m.order.pk}/",
            "/community/reports/",
            "/community/reports/new/",
        ],
        None: [f"/community/public/{m.community.code}/"],
    }
    # each page as the first of these users who may open it (a form as one who may write there)
    users = [english_world.users.leader, english_world.users.staff, m.petition_staff, m.branch, None]
    found, unreachable = {}, []
    for user, urls in pages.items():
        for url in urls:
            for reader in [user] + [u for u in users if u is not user]:
                response = english_client(reader).get(url, follow=True)
                if response.status_code == 200:
                    break
            else:
                unreachable.append(url)
                continue
            left = han_in(response.content.decode())
            if left:
                found[f"{reader} {url}"] = left
    assert unreachable == []
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_every_export_in_english_has_no_chinese_outside_data(english_world, english_modules):
    import io

    from openpyxl import load_workbook

    w, m = english_world.users, english_modules
    exports = [
        "/ledgers/appeals/export/",
        "/ledgers/households/export/",
        "/ledgers/matters/export/",
        "/reports/510121/export.xlsx",
        "/reports/51/export.xlsx",
        "/audit/export/",
        "/pairings/units/export/",
        "/pairings/cadres/export/",
        "/pairings/households/export/",
        "/pairings/pairs/export/",
        "/pairings/visits/export/",
        "/pairings/events/export/",
        "/pairings/owed/export/",
        "/community/orders/export/",
        "/community/reports/export/",
        "/petitions/export/",
    ]
    readers = [w.staff, w.leader, w.province, w.auditor, m.petition_staff, m.branch]
    found, unreachable = {}, []
    for url in exports:
        for reader in readers:
            response = english_client(reader).get(url)
            if response.status_code == 200:
                break
        else:
            unreachable.append(url)
            continue
        # given an export in English, when it is opened, then no sheet name, header, label or note is Chinese
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        cells = {ws.title for ws in book.worksheets}
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells.update(value for value in row if isinstance(value, str))
        left = sorted(text[:60] for text in cells if HAN.search(text))
        if left:
            found[f"{reader} {url}"] = left
        assert response["Content-Disposition"].isascii() or "filename*=" in response["Content-Disposition"]
    assert unreachable == []
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
