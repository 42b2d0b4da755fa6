"""The rough edges a new user met (issue 10, item 5), one test each."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from core.money import format_headline, format_money, format_yuan, format_yuan_amount
from core.navigation import NAVIGATION
from ledgers.choices import AppealStatus
from ledgers.models import LivelihoodAppeal
from ledgers.services import appeal_transition
from ledgers.services.imports import VillageResolver, import_spec, import_template
from regions.choices import Level
from regions.names import committee_name, everyday_name
from reports.services import summary_refresh_full
from tests.factories import RegionFactory
from tests.ledgers.test_views import make_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def baikesong(tree):
    """A village named as the division list names it: by its committee."""
    return RegionFactory(code="510121113003", name="八棵松村村委会", level=Level.VILLAGE, parent=tree.town)


def test_import_matches_a_village_by_its_everyday_name(users, baikesong):
    spec = import_spec("appeals")
    written = ["八棵松村", "八棵松村村委会", " 八棵松村 ", "八棵松村村民委员会"]
    resolver = VillageResolver(users.township_staff, spec, [w.strip() for w in written])
    assert {resolver.resolve(w.strip()).code for w in written} == {baikesong.code}
    assert everyday_name("竹篙寺社区居委会") == "竹篙寺社区" and everyday_name("八棵松") == "八棵松"


@pytest.mark.parametrize("who, example", [("township_staff", "竹篙村"), ("sibling_staff", "五凤村")])
def test_import_template_example_is_one_of_the_users_own_villages(users, tree, who, example):
    _name, sheets = import_template("appeals", getattr(users, who))
    guide = {row[0]: row[3] for row in sheets[1].rows if row}
    assert guide["村（社区）"] == example


def test_notice_is_signed_by_the_committee_once(client, baikesong):
    assert committee_name("八棵松村村委会", is_community=False) == "八棵松村村民委员会"
    assert committee_name("老君社区居委会", is_community=True) == "老君社区居民委员会"
    page = client.get(reverse("ledgers:public_notice", args=[baikesong.code])).content.decode()
    assert "八棵松村村民委员会（盖章）" in page and "村委会村民委员会" not in page


def test_rating_link_count_follows_a_new_link(users, tree, client_for):
    appeal = make_appeal(users.township_staff, tree.village)
    for target in (AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
        appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, resolution="已修复。")
    client = client_for(users.township_staff)
    detail = client.get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])).content.decode()
    assert "已生成评价链接 0 个" in detail
    response = client.post(reverse("ledgers:livelihoodappeal_rating_link", args=[appeal.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # the count above the panel is replaced out of band in the same response
    assert 'id="rating-link-count"' in body and 'hx-swap-oob="true"' in body and "已生成评价链接 1 个" in body


def test_four_knowings_card_does_not_call_a_registered_appeal_in_progress(users, tree, client_for):
    make_appeal(users.township_staff, tree.village)  # registered, nobody has started on it
    page = client_for(users.township_staff).get(reverse("ledgers:villageprofile_detail", args=[tree.village.code]))
    overview = page.content.decode()
    assert "1 件，未办结 1 件" in overview and "办理中 1 件" not in overview


def test_menu_and_pages_say_the_same_word_for_stability_matters(users, client_for):
    entry = next(e for e in NAVIGATION if e.url_name == "ledgers:stabilitymatter_list")
    assert str(entry.label) == "稳定事项"
    page = client_for(users.township_staff).get(reverse("ledgers:stabilitymatter_list")).content.decode()
    assert re.search(r"<h1[^>]*>稳定事项</h1>", page)
    assert "稳定工作" not in page.split("<main", 1)[1]


def test_one_money_format_everywhere(users, tree, client_for):
    assert format_yuan(1_200_050) == "12,000.50" and format_money(400_000) == "4,000.00 元"
    assert format_yuan_amount(12000.5) == "12,000.50"
    assert format_headline(11_000_00) == "1.10 万元" and format_headline(268_000_000_000) == "26.80 亿元"
    appeal = make_appeal(users.township_staff, tree.village, funds_spent_fen=1_200_050)
    for target in (AppealStatus.RESOLVED, AppealStatus.DISCLOSED):
        appeal = appeal_transition(actor=users.township_staff, appeal=appeal, target=target, resolution="已修复。")
    summary_refresh_full()
    client = client_for(users.county_leader)
    pages = {
        "list": client.get(reverse("ledgers:livelihoodappeal_list")),
        "detail": client.get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])),
        "disclosure": client.get(reverse("ledgers:public_disclosure", args=[tree.village.code])),
        "notice": client.get(reverse("ledgers:public_notice", args=[tree.village.code])),
        "dashboard children": client.get(reverse("reports:region_dashboard", args=["510121"])),
    }
    for name, response in pages.items():
        body = response.content.decode()
        assert "12,000.50" in body, name
        assert not re.search(r">[^<]*12000\.50", body), name  # in a text node (chart data is JSON)
    child_table = pages["dashboard children"].content.decode().split('data-testid="child-table"', 1)[1]
    child_table = child_table.split("<tbody>", 1)[1].split("</table>", 1)[0]
    assert "12,000.50 元" in child_table and "万元" not in child_table
    # 万元 only on the headline card
    assert 'data-testid="value-funds_invested_fen" title="' in pages["dashboard children"].content.decode()
    assert re.search(
        r'data-testid="value-funds_invested_fen"[^>]*>1\.20 万元<', pages["dashboard children"].content.decode()
    )


@pytest.mark.parametrize(
    "language, expected",
    [("zh-hans", "未找到编号为 999999 的民生诉求，或它不在您的管辖范围内。"), ("en", "No record with ID 999999")],
)
def test_api_not_found_speaks_the_requests_language(users, client_for, language, expected):
    response = client_for(users.county_leader).get("/api/v1/livelihood-appeals/999999/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.json()["detail"].startswith(expected)


def test_api_root_lists_every_router(users, client_for):
    body = client_for(users.county_leader).get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert set(body) >= {
        "regions",
        "livelihood-appeals",
        "hardship-households",
        "stability-matters",
        "village-profiles",
        "stats",
        "metrics",
        "audit-events",
    }


def test_audit_list_names_record_types_in_words(users, tree, client_for):
    make_appeal(users.township_staff, tree.village)
    assert AuditEvent.objects.filter(object_type="ledgers.livelihoodappeal").exists()
    page = client_for(users.auditor).get(reverse("audit:event_list")).content.decode()
    assert '<td class="small text-muted" title="ledgers.livelihoodappeal">民生诉求</td>' in page


def test_favicon_is_a_static_file_linked_from_every_page(client, users, client_for):
    icon = Path(settings.BASE_DIR) / "static" / "favicon.svg"
    assert icon.read_text().startswith("<svg")
    for page in (client.get(reverse("accounts:login")), client_for(users.township_staff).get("/")):
        assert re.search(r'<link rel="icon" href="/static/favicon[^"]*\.svg"', page.content.decode())
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect["Location"].endswith(".svg")
    assert LivelihoodAppeal.objects.count() == 0
