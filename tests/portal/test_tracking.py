import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from guichet.lib import references
from guichet.lib.uploads import check_upload
from guichet.tickets import services
from guichet.tickets.credentials import access_token_issue
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import AccessToken, Message
from tests import factories

pytestmark = pytest.mark.django_db


def open_link(client, ticket):
    token = access_token_issue(ticket=ticket)
    return client.get(reverse("portal:access", args=[ticket.reference, token]))


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_track_form_normalises_what_people_type(client, ticket):
    typed = references.display(ticket.reference).lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get(reverse("portal:track"), {"reference": typed})
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket", args=[ticket.reference])


def test_track_form_catches_a_typo_with_the_check_symbol(client, ticket):
    wrong = ("1" if ticket.reference[0] != "1" else "2") + ticket.reference[1:]
    response = client.get(reverse("portal:track"), {"reference": wrong})
    assert response.status_code == 400
    assert "n&#x27;est pas valide" in response.text


def test_grouped_reference_in_the_address_redirects_to_the_canonical_one(client, ticket):
    response = client.get(reverse("portal:ticket", args=[ticket.reference_display.lower()]))
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket", args=[ticket.reference])


def test_status_page_shows_status_and_no_personal_data(client, ticket):
    response = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert response.status_code == 200
    assert "Reçue" in response.text
    assert ticket.request_type.name in response.text
    for private in (ticket.citizen.last_name, ticket.citizen.first_name, ticket.citizen.email, "Trou profond"):
        assert private not in response.text
    assert "Écrire à la mairie" not in response.text


def test_dashboard_and_reply_refused_without_a_valid_link(client, ticket):
    response = client.post(reverse("portal:reply", args=[ticket.reference]), {"body": "Bonjour"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_personal_link_grants_the_session_and_drops_the_token_from_the_address(client, ticket):
    response = open_link(client, ticket)
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket", args=[ticket.reference])
    dashboard = client.get(response.url)
    assert "Écrire à la mairie" in dashboard.text
    assert "Trou profond" in dashboard.text
    assert AccessToken.objects.get(ticket=ticket).last_used_at is not None


def test_unknown_reference_and_bad_token_give_the_same_neutral_page(client, ticket):
    unknown = client.get(reverse("portal:ticket", args=[references.generate()]))
    bad_token = client.get(reverse("portal:access", args=[ticket.reference, "not-the-token"]))
    assert unknown.status_code == bad_token.status_code == 404
    assert unknown.content == bad_token.content
    assert ticket.citizen.last_name not in bad_token.text


def test_another_tickets_token_gives_nothing(client, ticket, request_type):
    other = factories.make_ticket(request_type=request_type, citizen=factories.CitizenFactory(last_name="Martin"))
    token = access_token_issue(ticket=other)
    response = client.get(reverse("portal:access", args=[ticket.reference, token]))
    assert response.status_code == 404
    assert "Écrire à la mairie" not in client.get(reverse("portal:ticket", args=[ticket.reference])).text


def test_failed_lookups_are_rate_limited_but_never_reveal_anything(client, ticket, settings):
    settings.GUICHET_LOOKUP_RATE = "3/m"
    for _ in range(4):
        client.get(reverse("portal:ticket", args=[references.generate()]))
    blocked = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.text
    token = access_token_issue(ticket=ticket)
    assert client.get(reverse("portal:access", args=[ticket.reference, token])).status_code == 429


def test_successful_lookups_do_not_count_against_the_limit(client, ticket, settings):
    settings.GUICHET_LOOKUP_RATE = "3/m"
    for _ in range(10):
        assert client.get(reverse("portal:ticket", args=[ticket.reference])).status_code == 200


def test_citizen_reply_through_the_dashboard_lands_in_the_thread(client, ticket, agent):
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Quel numéro ?", new_status=Status.AWAITING_CITIZEN)
    open_link(client, ticket)
    response = client.post(
        reverse("portal:reply", args=[ticket.reference]), {"body": "Le 12.", "files": [png_upload()]}
    )
    assert response.status_code == 302
    assert response.url.endswith("#fil")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    message = Message.objects.get(ticket=ticket, author_kind="citizen")
    assert (message.body, message.channel, message.attachments.count()) == ("Le 12.", Channel.WEB, 1)
    page = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "Le 12." in page.text and "Quel numéro ?" in page.text
    assert "Votre message a bien été envoyé" in page.text


def test_empty_reply_is_refused_in_french_and_keeps_nothing_half_done(client, ticket):
    open_link(client, ticket)
    response = client.post(reverse("portal:reply", args=[ticket.reference]), {"body": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.text
    assert not Message.objects.exists()


def test_internal_notes_never_reach_the_citizen_dashboard(client, ticket, agent):
    services.message_post_by_agent(ticket=ticket, agent=agent, body="Usager connu du service", internal=True)
    open_link(client, ticket)
    assert "Usager connu du service" not in client.get(reverse("portal:ticket", args=[ticket.reference])).text


def test_attachments_are_served_only_to_a_session_with_access(client, request_type, citizen):
    ticket = factories.make_ticket(
        request_type=request_type, citizen=citizen, uploads=[("photo", check_upload(png_upload("trou.png")))]
    )
    attachment = ticket.attachments.get()
    url = reverse("portal:attachment", args=[ticket.reference, attachment.public_id])
    assert client.get(url).status_code == 404
    open_link(client, ticket)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_pages_send_security_headers(client, ticket):
    response = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_dashboard_query_count_does_not_grow_with_the_thread(client, ticket, agent, django_assert_max_num_queries):
    for index in range(15):
        services.message_post_by_agent(ticket=ticket, agent=agent, body=f"Message {index}")
        services.message_post_by_citizen(ticket=ticket, body=f"Réponse {index}", channel=Channel.WEB)
    open_link(client, ticket)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:ticket", args=[ticket.reference]))
    assert response.text.count('class="message ') == 30


def test_public_status_page_is_served_from_the_cache_and_refreshed_after_a_change(
    client, ticket, agent, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    url = reverse("portal:ticket", args=[ticket.reference])
    assert "Reçue" in client.get(url).text
    with django_assert_max_num_queries(0):  # no database at all: the page comes from the shared cache
        assert "Reçue" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_status(ticket=ticket, to_status=Status.IN_PROGRESS, actor=agent)
    page = client.get(url).text
    assert "En cours" in page and "Reçue</span>" not in page


def test_public_status_page_cache_is_per_language(client, ticket):
    url = reverse("portal:ticket", args=[ticket.reference])
    assert "Reçue" in client.get(url).text
    assert "Received" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text


def test_a_visitors_one_off_message_is_shown_to_them_and_never_cached_for_others(client, ticket):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message as FlashMessage
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import Client, RequestFactory

    url = reverse("portal:ticket", args=[ticket.reference])
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([FlashMessage(constants.INFO, "Vous êtes déconnecté(e).")])
    assert "Vous êtes déconnecté(e)." in client.get(url).text
    assert "Vous êtes déconnecté(e)." not in Client().get(url).text  # the next visitor, from the shared cache
