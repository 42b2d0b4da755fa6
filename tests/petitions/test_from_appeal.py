"""民生诉求转信访: petition staff open a case from a livelihood appeal; both records link to each
other; ledger staff without the right to register petitions, other regions, voided appeals and a
second transfer are refused and change nothing."""

import pytest
from django.urls import reverse

from ledgers.services.appeals import appeal_void
from petitions.models import Petition, PetitionEvent
from tests.ledgers.test_views import make_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(users, tree):
    return make_appeal(users.township_staff, tree.village, description="三组村道塌方，出行困难。")


def url(appeal):
    return reverse("petitions:petition_from_appeal", args=[appeal.pk])


def test_staff_transfer_an_appeal_and_both_link(client_for, users, pusers, appeal):
    c = client_for(pusers.staff)
    assert "appeal-to-petition" in c.get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])).content.decode()
    response = c.post(url(appeal))
    case = Petition.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("petitions:petition_detail", args=[case.pk])
    assert case.livelihood_appeal_id == appeal.pk and case.region_id == appeal.region_id
    assert case.title == appeal.title and case.content == appeal.description
    person = case.petitioners.get()
    assert person.name == "张三" and person.phone == "13800001234"
    assert PetitionEvent.objects.filter(petition=case, kind="linked").exists()
    detail = c.get(reverse("petitions:petition_detail", args=[case.pk])).content.decode()
    assert 'data-testid="source-appeal"' in detail
    # the appeal shows its case (to anyone who can see both) and no second button
    page = client_for(users.township_staff).get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk]))
    assert case.number in page.content.decode() and "appeal-to-petition" not in page.content.decode()
    again = c.post(url(appeal), follow=True)
    assert "已转为信访件" in again.content.decode() and Petition.objects.count() == 1


@pytest.mark.parametrize(
    "who,status", [("township_staff", 403), ("sibling_staff", 404), ("province", 403), ("anonymous", 302)]
)
def test_refused_transfers_change_nothing(client_for, users, pusers, appeal, who, status):
    user = None if who == "anonymous" else getattr(pusers, who, None) or getattr(users, who)
    assert client_for(user).post(url(appeal)).status_code == status
    assert not Petition.objects.exists()
    if user is not None and status == 403:
        page = client_for(user).get(reverse("ledgers:livelihoodappeal_detail", args=[appeal.pk])).content.decode()
        assert "appeal-to-petition" not in page


def test_a_voided_appeal_is_not_transferred(client_for, users, pusers, appeal):
    appeal_void(actor=users.township_staff, appeal=appeal, reason="重复录入")
    response = client_for(pusers.staff).post(url(appeal), follow=True)
    assert "已作废的民生诉求不能转信访" in response.content.decode()
    assert not Petition.objects.exists()


def test_get_is_not_allowed(client_for, pusers, appeal):
    assert client_for(pusers.staff).get(url(appeal)).status_code == 405
    assert client_for(pusers.staff).post("/petitions/from-appeal/99999999/").status_code == 404
