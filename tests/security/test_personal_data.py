"""Personal data declared once on the model (core.sensitive.PersonalData), and no full ID or phone
number in the audit trail, a URL (the server's access log), a page or a stored import error — even
when it is typed with spaces or full-width digits (issue 9, item 6)."""

import io
from urllib.parse import unquote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from audit.choices import Action
from audit.models import AuditEvent
from audit.services import audit_record, diff_fields
from ledgers.models import ImportKind
from ledgers.services import household_create, import_batch_prepare, imports

pytestmark = pytest.mark.django_db

NUMBER = "510121196407280476"
TYPED = ["510121 19640728 0476", "５１０１２１１９６４０７２８０４７６", "510121\u300019640728\u30000476"]
PHONE = "13912345678"
MASKED = "5101**********0476"


def _no_number(text: str) -> bool:
    return NUMBER not in text and NUMBER[:17] not in text and PHONE not in text


@pytest.fixture
def household(users, tree):
    return household_create(
        actor=users.township_staff,
        region=tree.village,
        data={"head_name": "张秀英", "head_id_number": NUMBER, "phone": PHONE},
        hardship_types=["poor"],
    )


def test_audit_changes_follow_the_declaration():
    changes = diff_fields(
        {"head_id_number": "", "phone": "", "head_id_hash": "", "health_note": ""},
        {"head_id_number": NUMBER, "phone": PHONE, "head_id_hash": "ab" * 32, "health_note": "哮喘"},
    )
    assert changes == {
        "head_id_number": ["", MASKED],
        "phone": ["", "139****5678"],
        "head_id_hash": ["", "***"],
        "health_note": ["", "***"],
    }


@pytest.mark.parametrize("typed", [*TYPED, "510121+19640728+0476", "510121%2019640728%200476"])
def test_a_number_typed_with_spaces_or_full_width_digits_is_masked_in_the_audit_trail(users, typed):
    event = audit_record(
        actor=users.township_staff,
        action=Action.EXPORT,
        message=f"筛选条件：q={typed}",
        changes={"filters": [None, f"q={typed.replace(' ', '+')}"]},
    )
    assert event.message == f"筛选条件：q={MASKED}"
    assert event.changes == {"filters": [None, f"q={MASKED}"]}


@pytest.mark.parametrize("typed", TYPED)
def test_an_export_filtered_by_a_typed_number_finds_the_household_and_records_it_masked(
    client_for, users, household, typed
):
    response = client_for(users.township_staff).get(reverse("ledgers:hardshiphousehold_export"), {"q": typed})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and "张秀英" in rows[1]
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.message == f"导出困难群众 1 行；筛选条件：q={MASKED}"
    assert _no_number(event.message + str(event.changes))


def test_a_search_by_id_number_is_posted_and_never_in_a_url_nor_echoed(client_for, users, household):
    client = client_for(users.township_staff)
    list_url = reverse("ledgers:hardshiphousehold_list")
    access_log = []

    # When the filter form is posted with the number typed with spaces
    response = client.post(list_url, {"q": TYPED[0], "status": ""})
    access_log.append(f"POST {list_url}")
    # Then the answer is a redirect whose URL carries a sealed token, not the number
    assert response.status_code == 302
    location = response["Location"]
    assert _no_number(unquote_plus(location)) and "q=enc%3A" in location
    page = client.get(location)
    access_log.append(f"GET {location}")
    html = page.content.decode()
    # ... the household is found, the box shows the number masked, and no link carries it
    assert page.status_code == 200 and "张秀英" in html
    assert f'value="{MASKED}"' in html
    assert _no_number(html)
    # Posting the form again as shown (masked keyword) repeats the same search
    sealed = page.context["sealed_search"]
    again = client.post(list_url, {"q": MASKED, "q_sealed": sealed})
    assert "张秀英" in client.get(again["Location"]).content.decode()
    # The export link of the page keeps the token; the export finds the household
    export_url = f"{reverse('ledgers:hardshiphousehold_export')}?{page.context['filter_querystring']}"
    export = client.get(export_url)
    access_log.append(f"GET {export_url}")
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2
    # Nothing in the access log, the audit trail or the pages shows the number
    assert _no_number(unquote_plus("\n".join(access_log)))
    assert _no_number("\n".join(str(row) for row in AuditEvent.objects.values()))


def test_a_sealed_token_that_is_not_ours_finds_nothing_and_is_not_a_500(client_for, users, household):
    response = client_for(users.township_staff).get(reverse("ledgers:hardshiphousehold_list"), {"q": "enc:garbage"})
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_import_row_errors_never_keep_a_full_number(client_for, users, tree):
    """A phone column holding an ID number: the error names the problem, the number masked, in
    the stored row errors and on the batch page."""
    headers = [c.header for c in imports.HOUSEHOLD_COLUMNS]
    workbook = Workbook()
    workbook.active.append(headers)
    workbook.active.append([tree.village.name, None, "甲", None, f"{NUMBER}号", "三组", 1, "其他", None, None])
    workbook.active.append([tree.village.name, None, "乙", None, f"身份证 {NUMBER}", "三组", 1, "其他", None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = import_batch_prepare(
        actor=users.township_staff,
        kind=ImportKind.HOUSEHOLDS,
        upload=SimpleUploadedFile("导入.xlsx", buffer.getvalue()),
    )
    errors = [row.errors for row in batch.rows.order_by("row_number")]
    # The one phone rule's message (core.validators.PHONE_MESSAGE) quotes no value at all.
    from core.validators import PHONE_MESSAGE

    assert errors == [[{"column": "联系电话", "message": str(PHONE_MESSAGE)}]] * 2
    assert _no_number(str(errors))
    html = client_for(users.township_staff).get(reverse("ledgers:importbatch_detail", args=[batch.pk])).content.decode()
    assert _no_number(html)
