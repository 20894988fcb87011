"""Photos in the nearby panel (issue 17): shown only once the citizen accepted it and an agent published it,
served by the app as a small JPEG with no metadata, and gone (404) the moment it is withdrawn."""

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from guichet.catalogue.models import LocationMode
from guichet.tickets.lifecycle import Status
from guichet.tickets.models import Attachment, Ticket
from guichet.tickets.services import attachment_publish, attachment_unpublish, ticket_change_status
from tests.places.test_photos import assert_no_metadata, photo
from tests.portal.test_nearby import HERE, panel
from tests.portal.test_submission import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def located_type(request_type):
    request_type.location_mode = LocationMode.BOTH
    request_type.save()
    return request_type


def submit(client, request_type, *, consent: bool, image: bytes | None = None) -> Ticket:
    data = form_data(
        f_photo=SimpleUploadedFile("lampadaire.jpg", image or photo(), content_type="image/jpeg"),
        location_address="3 Rue de la République 69001 Lyon",
        location_lat=str(HERE[0]),
        location_lon=str(HERE[1]),
    )
    if consent:
        data["photo_public"] = "on"
    response = client.post(reverse("portal:request_form", args=[request_type.slug]), data)
    assert response.status_code == 302, response.content
    return Ticket.objects.latest("pk")


def big_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1200, 900), 60).convert("RGB").save(out, format="JPEG", quality=95)
    return out.getvalue()


def photo_url(attachment: Attachment) -> str:
    return reverse("portal:published_photo", args=[attachment.public_id])


def test_the_form_asks_for_consent_and_stores_it(client, located_type):
    page = client.get(reverse("portal:request_form", args=[located_type.slug]))
    assert "J’accepte que cette photo soit montrée publiquement" in page.text
    assert submit(client, located_type, consent=True).attachments.get().public_consent is True
    assert submit(Client(), located_type, consent=False).attachments.get().public_consent is False


def test_a_type_without_files_does_not_ask(client, located_type):
    located_type.fields.filter(kind="file").delete()
    page = client.get(reverse("portal:request_form", args=[located_type.slug]))
    assert page.status_code == 200 and "photo_public" not in page.text


def test_an_unpublished_photo_is_not_served(client, located_type, agent):
    ticket = submit(client, located_type, consent=True)
    attachment = ticket.attachments.get()
    assert Client().get(photo_url(attachment)).status_code == 404
    assert Client().get(reverse("portal:published_photo", args=["inconnue"])).status_code == 404
    assert "public-photo" not in panel(Client(), located_type).text


def test_a_published_photo_is_a_small_clean_jpeg_shown_in_the_panel(any_storage, client, located_type, agent):
    ticket = submit(client, located_type, consent=True, image=big_photo())
    attachment = attachment_publish(
        attachment=ticket.attachments.get(), actor=agent, description="lampadaire penché au coin de la rue"
    )
    visitor = Client()
    response = visitor.get(photo_url(attachment))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=300"
    assert "sandbox" in response["Content-Security-Policy"]
    assert_no_metadata(response.content)
    with Image.open(io.BytesIO(response.content)) as thumbnail:
        assert max(thumbnail.size) == 320
    with attachment.file.open("rb") as stored:
        assert response.content != stored.read()  # never the stored file itself

    text = panel(visitor, located_type).text
    assert f'src="{photo_url(attachment)}"' in text
    assert 'alt="Photo : lampadaire penché au coin de la rue"' in text
    me_too = visitor.get(reverse("portal:me_too", args=[located_type.slug, ticket.reference]))
    assert f'src="{photo_url(attachment)}"' in me_too.text


def test_withdrawing_a_photo_makes_its_address_404_at_once(client, located_type, agent):
    ticket = submit(client, located_type, consent=True)
    attachment = attachment_publish(attachment=ticket.attachments.get(), actor=agent)
    url = photo_url(attachment)
    assert Client().get(url).status_code == 200  # now in the shared cache
    attachment_unpublish(attachment=attachment, actor=agent)
    assert Client().get(url).status_code == 404
    assert "public-photo" not in panel(Client(), located_type).text


def test_a_closed_requests_photo_is_no_longer_served(client, located_type, agent):
    ticket = submit(client, located_type, consent=True)
    attachment = attachment_publish(attachment=ticket.attachments.get(), actor=agent)
    ticket_change_status(ticket=ticket, to_status=Status.REJECTED, actor=agent)
    assert Client().get(photo_url(attachment)).status_code == 404
    attachment_unpublish(attachment=attachment, actor=agent)
    with pytest.raises(ValidationError, match="n’est plus ouverte"):
        attachment_publish(attachment=attachment, actor=agent)


def test_the_alt_text_defaults_to_the_request_type(client, located_type, agent):
    ticket = submit(client, located_type, consent=True)
    attachment_publish(attachment=ticket.attachments.get(), actor=agent)
    assert f'alt="Photo jointe à la demande « {located_type.name} »"' in panel(Client(), located_type).text


def test_the_panel_reads_the_photos_in_one_query(client, located_type, agent, django_assert_num_queries):
    for _ in range(4):
        ticket = submit(Client(), located_type, consent=True)
        attachment_publish(attachment=ticket.attachments.get(), actor=agent)
    visitor = Client()
    panel(visitor, located_type)  # warm caches (commune, sessions)
    with django_assert_num_queries(4):  # the type, its text fields, the nearby candidates, their photos
        text = panel(visitor, located_type).text
    assert text.count('class="public-photo"') == 4


def test_the_thumbnails_are_rate_limited(client, located_type, agent, settings):
    settings.GUICHET_PUBLIC_PHOTO_RATE = "2/m"
    ticket = submit(client, located_type, consent=True)
    url = photo_url(attachment_publish(attachment=ticket.attachments.get(), actor=agent))
    visitor = Client()
    assert [visitor.get(url).status_code for _ in range(3)] == [200, 200, 429]
