"""The commune's identity (issue 18): colours and their contrast, the logo, and where they show — the pages'
header and stylesheet, the emails' header, the PDFs."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from PIL import Image

from guichet.organisation import identity
from guichet.organisation.models import Commune

pytestmark = pytest.mark.django_db


def png(size=(120, 60), colour=(200, 30, 30), kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=kind)
    return buffer.getvalue()


def set_logo(commune: Commune, data: bytes | None = None, name: str = "logo.png") -> Commune:
    commune.logo.save(name, ContentFile(data or png()), save=False)
    commune.save()
    return Commune.current()


# Contrast ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # and the one just below
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#ffffff", "#ff0000", 4.0),  # symmetric
        ("#FFD700", "#000000", 14.97),  # case does not matter
    ],
)
def test_contrast_ratio_of_known_pairs(first, second, expected):
    assert identity.contrast_ratio(first, second) == pytest.approx(expected, abs=0.01)


def test_the_ratio_is_shown_rounded_down_in_french():
    assert identity.ratio_text(4.4999) == "4,4:1"
    assert identity.ratio_text(21.0) == "21,0:1"


def test_a_light_primary_colour_gets_a_darker_ink_for_links():
    colours = identity.palette("#ffd700", "#000000")
    assert colours.brand == "#ffd700" and colours.on_brand == "#000000"
    for background in ("#ffffff", "#f6f6f6", colours.ink_light):
        assert identity.contrast_ratio(colours.ink, background) >= 4.5
    assert identity.palette("#175e6e", "#ffffff").ink == "#175e6e"  # dark enough already
    # The hover colour moves away from the text colour: the button stays legible.
    assert identity.contrast_ratio(colours.brand_hover, "#000000") >= 4.5


def test_the_default_colours_are_not_the_state_s_blue_and_pass():
    commune = Commune.current()
    assert commune.primary_color.lower() != "#000091"
    assert identity.contrast_ratio(commune.primary_color, commune.primary_text_color) >= 4.5


def test_a_colour_pair_below_aa_is_refused_with_its_ratio(admin_client):
    commune = Commune.current()
    data = {key: value for key, value in model_to_dict(commune).items() if value not in (None, "") and key != "logo"}
    data.update(
        {
            "primary_color": "#ffd700",
            "primary_text_color": "#ffffff",  # 1.4:1
            "opening_ranges-TOTAL_FORMS": "0",
            "opening_ranges-INITIAL_FORMS": "0",
            "opening_ranges-MIN_NUM_FORMS": "0",
            "opening_ranges-MAX_NUM_FORMS": "1000",
        }
    )
    url = reverse("admin:organisation_commune_change", args=[commune.pk])
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Contraste insuffisant" in text and "1,4:1" in text and "au moins 4,5:1" in text
    assert 'value="#ffd700"' in text  # what was typed is kept
    Commune.forget_cached()
    assert Commune.current().primary_color == commune.primary_color
    data["primary_text_color"] = "#000000"
    assert admin_client.post(url, data).status_code == 302
    assert (Commune.current().primary_color, Commune.current().primary_text_color) == ("#ffd700", "#000000")


@pytest.mark.parametrize("value", ["red", "#12345", "#gggggg", "#1234567", "ffd700"])
def test_a_colour_not_in_hex_is_refused(value):
    commune = Commune.current()
    commune.primary_color = value
    with pytest.raises(Exception) as caught:
        commune.full_clean()
    assert "#rrvvbb" in str(caught.value)


# Logo -------------------------------------------------------------------------------------------


SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.svg", SVG_WITH_SCRIPT, "SVG ne sont pas acceptés"),
        ("logo.png", SVG_WITH_SCRIPT, "SVG ne sont pas acceptés"),  # by content, whatever the name
        ("logo.png", b"<?xml version='1.0'?>" + SVG_WITH_SCRIPT, "SVG ne sont pas acceptés"),
        ("logo.png", b"MZ\x90\x00 not an image at all", "PNG ou JPEG lisible"),
        ("logo.png", png()[:60], "PNG ou JPEG lisible"),  # truncated
        ("logo.gif", None, "PNG ou JPEG lisible"),
        ("logo.png", png(size=(2500, 100)), "2500 × 100 pixels"),
        ("logo.png", b"\x89PNG" + b"\x00" * (600 * 1024), "la limite est de 500 Ko"),
    ],
)
def test_bad_logos_are_refused_in_french(name, data, message):
    if data is None:
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, format="GIF")
        data = buffer.getvalue()
    with pytest.raises(Exception) as caught:
        identity.validate_logo(SimpleUploadedFile(name, data))
    assert message in " ".join(caught.value.messages)


def test_png_and_jpeg_logos_are_accepted():
    identity.validate_logo(SimpleUploadedFile("logo.png", png()))
    identity.validate_logo(SimpleUploadedFile("logo.jpg", png(kind="JPEG")))


def test_the_admin_refuses_an_svg_logo(admin_client):
    commune = Commune.current()
    data = {key: value for key, value in model_to_dict(commune).items() if value not in (None, "") and key != "logo"}
    data.update(
        {
            "logo": SimpleUploadedFile("logo.svg", SVG_WITH_SCRIPT, content_type="image/svg+xml"),
            "opening_ranges-TOTAL_FORMS": "0",
            "opening_ranges-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(reverse("admin:organisation_commune_change", args=[commune.pk]), data)
    assert response.status_code == 200 and "SVG ne sont pas acceptés" in response.content.decode()
    Commune.forget_cached()
    assert not Commune.current().logo


def test_replacing_the_logo_in_the_admin_deletes_the_former_file(admin_client, django_capture_on_commit_callbacks):
    commune = set_logo(Commune.current())
    former = commune.logo.name
    assert commune.logo.storage.exists(former)
    data = {key: value for key, value in model_to_dict(commune).items() if value not in (None, "") and key != "logo"}
    data.update(
        {
            "logo": SimpleUploadedFile("nouveau.png", png(colour=(0, 90, 40)), content_type="image/png"),
            "opening_ranges-TOTAL_FORMS": "0",
            "opening_ranges-INITIAL_FORMS": "0",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:organisation_commune_change", args=[commune.pk]), data)
    assert response.status_code == 302
    current = Commune.current()
    assert current.logo.name != former and current.logo.storage.exists(current.logo.name)
    assert not commune.logo.storage.exists(former)


# Pages ------------------------------------------------------------------------------------------


def test_the_header_shows_the_logo_with_the_commune_s_name_as_alt(client, agent):
    commune = set_logo(Commune.current())
    commune.name = "Mairie de Saint-Lô"
    commune.save()
    commune = Commune.current()
    logo_url = reverse("portal:logo", args=[commune.identity_version])
    home = client.get(reverse("portal:home")).content.decode()
    assert f'<img class="site-header__logo" src="{logo_url}" alt="Mairie de Saint-Lô">' in home
    client.force_login(agent)
    inbox = client.get(reverse("backoffice:inbox")).content.decode()
    assert f'src="{logo_url}" alt="Mairie de Saint-Lô"' in inbox and "Espace agents" in inbox


def test_without_a_logo_the_header_shows_the_name(client):
    home = client.get(reverse("portal:home")).content.decode()
    assert "site-header__logo" not in home
    assert f'<span class="site-header__commune">{Commune.current().name}</span>' in home


def test_the_pages_link_the_commune_s_stylesheet_versioned_by_its_colours(client):
    commune = Commune.current()
    commune.primary_color, commune.primary_text_color = "#6a1b4d", "#ffffff"
    commune.save()
    home = client.get(reverse("portal:home"))
    assert "style=" not in home.content.decode() and "<style" not in home.content.decode()  # the CSP stays strict
    [href] = re.findall(r'href="(/identite/theme-[0-9a-f]{12}\.css)"', home.content.decode())
    css = client.get(href)
    assert css.status_code == 200 and css["Content-Type"] == "text/css; charset=utf-8"
    assert "immutable" in css["Cache-Control"]
    assert "--brand: #6a1b4d; --on-brand: #ffffff" in css.content.decode()
    commune = Commune.current()
    commune.primary_color = "#1b4d6a"
    commune.save()
    newer = client.get(reverse("portal:home")).content.decode()
    assert href not in newer and reverse("portal:theme", args=[Commune.current().identity_version]) in newer
    stale = client.get(href)  # a page cached before the change: today's colours, not to be kept
    assert stale.status_code == 200 and stale["Cache-Control"] == "no-cache"
    assert "--brand: #1b4d6a" in stale.content.decode()


def test_the_logo_is_served_by_the_app_cached_and_inert(client):
    data = png()
    commune = set_logo(Commune.current(), data)
    response = client.get(reverse("portal:logo", args=[commune.identity_version]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png" and "immutable" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    stale = client.get(reverse("portal:logo", args=["0" * 12]))
    assert stale.status_code == 200 and stale["Cache-Control"] == "no-cache"


def test_no_logo_is_a_404(client):
    assert client.get(reverse("portal:logo", args=[Commune.current().identity_version])).status_code == 404


# Emails and PDFs --------------------------------------------------------------------------------


def test_the_email_header_carries_the_logo_by_absolute_url_and_the_colours(ticket, settings):
    from guichet.notifications.models import Notification, Template
    from guichet.notifications.rendering import render_notification

    commune = Commune.current()
    commune.primary_color, commune.primary_text_color = "#6a1b4d", "#ffffff"
    commune.save()
    commune = set_logo(Commune.current())
    notification = Notification.objects.filter(ticket=ticket, template=Template.ACKNOWLEDGEMENT).first()
    rendered = render_notification(notification)
    html = rendered.html
    logo_url = settings.SITE_URL + reverse("portal:logo", args=[commune.identity_version])
    assert f'<img src="{logo_url}" alt="{commune.name}"' in html
    assert "background:#6a1b4d;color:#ffffff" in html
    assert "#000091" not in html


def _pdf_text_and_images(pdf: bytes) -> tuple[str, int]:
    from pdfminer.high_level import extract_pages, extract_text
    from pdfminer.layout import LTImage

    def images(element) -> int:
        own = 1 if isinstance(element, LTImage) else 0
        return own + sum(images(child) for child in element) if hasattr(element, "__iter__") else own

    first_page = next(iter(extract_pages(io.BytesIO(pdf))))
    return extract_text(io.BytesIO(pdf)), images(first_page)


def _every_pdf(ticket, agent, administrator) -> dict[str, bytes]:
    from guichet.compliance.rights import citizen_data_access
    from guichet.intake.receipts import counter_receipt_pdf
    from guichet.mailroom.letters import letter_pdf
    from guichet.mailroom.models import Letter
    from guichet.retention.notices import ticket_pdf
    from guichet.tickets.attestation import implicit_acceptance_attestation_pdf
    from guichet.tickets.models import Decision

    letter = Letter(ticket=ticket, template="agent_reply", recipient_name="Hélène Lefèvre", address_lines=["A", "B"])
    letter.save()
    accepted = type(ticket).objects.get(pk=ticket.pk)
    accepted.decision = Decision.IMPLICIT_ACCEPTANCE  # in memory: the attestation only reads it
    return {
        "receipt": counter_receipt_pdf(ticket=ticket, access_url="https://mairie.test/x"),
        "receipt_ticket": counter_receipt_pdf(ticket=ticket, access_url="https://mairie.test/x", layout="ticket80"),
        "letter": letter_pdf(letter),
        "attestation": implicit_acceptance_attestation_pdf(accepted),
        "retention_copy": ticket_pdf(ticket),
        "data_copy": citizen_data_access(citizen=ticket.citizen, actor=administrator, pdf=True),
    }


def test_every_pdf_names_the_commune_and_carries_its_logo(ticket, agent):
    from guichet.organisation.models import Role
    from tests import factories

    administrator = factories.AgentFactory(role=Role.ADMINISTRATOR).user
    commune = Commune.current()
    commune.name = "Mairie de Bourg-Achard"
    commune.save()
    without = {name: _pdf_text_and_images(pdf) for name, pdf in _every_pdf(ticket, agent, administrator).items()}
    set_logo(Commune.current())
    with_logo = {name: _pdf_text_and_images(pdf) for name, pdf in _every_pdf(ticket, agent, administrator).items()}
    for name, (text, images) in with_logo.items():
        assert "Mairie de Bourg-Achard" in text, name
        assert images == without[name][1] + 1, name  # the logo, beside a QR code where there is one
