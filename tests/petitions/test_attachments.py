"""Attachments: type- and size-checked, downloaded only through the case's scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions.models import PetitionAttachment

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, case, name, content):
    return client.post(
        reverse("petitions:petition_attachments", args=[case.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def test_upload_and_download(client_for, pusers, make_petition):
    case = make_petition()
    c = client_for(pusers.staff)
    assert upload(c, case, "来信.pdf", PDF).status_code == 302
    attachment = PetitionAttachment.objects.get()
    response = c.get(reverse("petitions:petition_attachment", args=[case.pk, attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "来信.pdf" in c.get(reverse("petitions:petition_detail", args=[case.pk])).content.decode()


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "文件内容与扩展名不符"),
        ("script.exe", b"MZ", "附件只能是"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "不能超过 10 MB"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(client_for, pusers, make_petition, name, content, message):
    case = make_petition()
    response = upload(client_for(pusers.staff), case, name, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert PetitionAttachment.objects.count() == 0


def test_named_official_and_sibling_cannot_download(client_for, pusers, make_petition):
    secret = make_petition(petition_type="accusation", named_officials=[{"user": pusers.named}])
    assert upload(client_for(pusers.staff), secret, "检举材料.pdf", PDF).status_code == 302
    attachment = PetitionAttachment.objects.get()
    url = reverse("petitions:petition_attachment", args=[secret.pk, attachment.pk])
    assert client_for(pusers.named).get(url).status_code == 404
    assert client_for(pusers.sibling_staff).get(url).status_code == 404
    assert upload(client_for(pusers.named), secret, "x.pdf", PDF).status_code == 404
    assert PetitionAttachment.objects.count() == 1
