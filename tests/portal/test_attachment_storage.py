"""A photo sent with the online form is stored through the storage API (disk or S3) and served by the app only,
after the permission checks: to the citizen's session and the service's agents, never to anybody else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from guichet.tickets.models import Attachment, Ticket
from tests.portal.test_submission import form_data
from tests.s3 import S3Bucket, stored_names

pytestmark = pytest.mark.django_db


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_web_upload_is_stored_and_served_only_after_the_checks(any_storage, client, request_type, agent, other_agent):
    content = photo()
    upload = SimpleUploadedFile("trou devant l'école.png", content, content_type="image/png")
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), form_data(f_photo=upload))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    attachment = Attachment.objects.get(ticket=ticket)
    assert stored_names("attachments") == {attachment.file.name}
    assert "école" not in attachment.file.name  # random stored names
    if isinstance(any_storage, S3Bucket):
        assert any_storage.keys() == {attachment.file.name}

    citizen_url = reverse("portal:attachment", args=[ticket.reference, attachment.public_id])
    served = client.get(citizen_url)  # the session that submitted has access
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content) == content
    assert Client().get(citizen_url).status_code == 404  # another visitor

    agent_url = reverse("backoffice:attachment", args=[ticket.reference, attachment.public_id])
    other = Client()
    other.force_login(other_agent)
    assert other.get(agent_url).status_code == 404
    client.force_login(agent)
    served = client.get(agent_url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == content
