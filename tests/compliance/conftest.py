import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from guichet.lib.uploads import check_upload
from guichet.organisation.models import Role
from guichet.tickets.services import attachment_store, message_post_by_agent
from tests import factories


@pytest.fixture
def administrator(db):
    return factories.AgentFactory(role=Role.ADMINISTRATOR).user


@pytest.fixture
def dpo(service):
    """A service agent who also holds the data protection officer's right."""
    return factories.AgentFactory(services=[service], is_dpo=True).user


@pytest.fixture
def reception(db):
    return factories.AgentFactory(role=Role.RECEPTION).user


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def full_ticket(ticket, agent):
    """The citizen's ticket with an attachment, an agent reply and an internal note."""
    attachment_store(ticket=ticket, upload=check_upload(png_upload()), field_code="photo")
    message_post_by_agent(ticket=ticket, agent=agent, body="Nous intervenons jeudi.")
    message_post_by_agent(ticket=ticket, agent=agent, body="Voir avec l'équipe B.", internal=True)
    ticket.refresh_from_db()
    return ticket
