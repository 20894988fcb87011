import pytest

from guichet.citizens.models import ContactChannel
from guichet.citizens.services import citizen_create


def make_citizen(last_name: str, first_name: str = "", **kwargs):
    kwargs.setdefault("consent_email", True)
    kwargs.setdefault("consent_sms", True)
    kwargs.setdefault("preferred_channel", ContactChannel.EMAIL)
    return citizen_create(last_name=last_name, first_name=first_name, **kwargs)


@pytest.fixture
def helene(db):
    return make_citizen(
        "Lefèvre",
        "Hélène",
        email="helene.lefevre@example.org",
        phone="06 12 34 56 78",
        street="12 rue de la République",
        postcode="45000",
        city="Orléans",
    )
