import pytest
from allauth.account.models import EmailAddress

from guichet.accounts.services import account_citizen
from tests import factories

PASSWORD = "Un-mot-de-passe-solide-42"


def make_account(email: str = "camille.martin@example.org", *, verified: bool = True, **names):
    user = factories.UserFactory(
        username=email.split("@")[0],
        email=email,
        first_name=names.get("first_name", "Camille"),
        last_name=names.get("last_name", "Martin"),
        password=PASSWORD,
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def account(commune):
    """A citizen account with a verified email, and its citizen record."""
    user = make_account()
    account_citizen(user)
    return user


@pytest.fixture
def signed_in(client, account):
    client.force_login(account)
    return client
