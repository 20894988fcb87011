"""Espace famille: members of the household, requests about one of them, what agents see."""

import datetime
import uuid

import pytest
from django.urls import reverse

from guichet.accounts.services import account_citizen
from guichet.households.models import HouseholdMember
from guichet.households.services import member_create
from guichet.tickets.models import Ticket
from tests import factories
from tests.accounts.conftest import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def child(account):
    return member_create(
        citizen=account_citizen(account),
        first_name="Noé",
        last_name="Martin",
        birth_date=datetime.date(2017, 5, 4),
        relationship="child",
    )


@pytest.fixture
def canteen(service, commune):
    request_type = factories.RequestTypeFactory(
        name="Inscription à la cantine", slug="cantine", service=service, requires_family_member=True
    )
    factories.FieldFactory(request_type=request_type, code="regime", label="Régime alimentaire", required=False)
    return request_type


def family_request(member_public_id: str | None, **extra) -> dict:
    data = {
        "submission_key": str(uuid.uuid4()),
        "f_regime": "sans porc",
        "contact-first_name": "Camille",
        "contact-last_name": "Martin",
        "contact-email": "pirate@example.org",  # ignored: the account's verified email is kept
        "contact-phone": "",
        "contact-ack_channel": "email",
        **extra,
    }
    if member_public_id:
        data["household_member"] = member_public_id
    return data


def test_member_is_added_edited_and_archived(signed_in, account):
    response = signed_in.post(
        reverse("households:member_add"),
        {"first_name": "Inès", "last_name": "Martin", "birth_date": "2019-09-01", "relationship": "child"},
    )
    assert response.status_code == 302
    member = HouseholdMember.objects.get(first_name="Inès")
    assert member.citizen == account_citizen(account)
    signed_in.post(
        reverse("households:member_edit", args=[member.public_id]),
        {"first_name": "Inès", "last_name": "Martin-Roux", "birth_date": "01/09/2019", "relationship": "child"},
    )
    member.refresh_from_db()
    assert member.last_name == "Martin-Roux"
    signed_in.post(reverse("households:member_archive", args=[member.public_id]))
    member.refresh_from_db()
    assert member.is_archived
    assert "archivé" in signed_in.get(reverse("households:household")).text


def test_member_form_refuses_a_future_birth_date(signed_in):
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = signed_in.post(
        reverse("households:member_add"),
        {"first_name": "X", "last_name": "Y", "birth_date": future, "relationship": "child"},
    )
    assert response.status_code == 400
    assert "dans le futur" in response.text
    assert not HouseholdMember.objects.exists()


def test_someone_elses_member_is_out_of_reach(client, child):
    client.force_login(make_account("voisin@example.org"))
    assert client.get(reverse("households:member_edit", args=[child.public_id])).status_code == 404
    assert client.post(reverse("households:member_archive", args=[child.public_id])).status_code == 404
    child.refresh_from_db()
    assert not child.is_archived


def test_family_space_needs_a_sign_in(client, commune):
    response = client.get(reverse("households:household"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_family_request_sends_anonymous_visitors_to_sign_in_and_back(client, canteen):
    url = reverse("portal:request_form", args=[canteen.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_family_request_asks_which_member_and_stores_it(signed_in, account, canteen, child):
    url = reverse("portal:request_form", args=[canteen.slug])
    page = signed_in.get(url)
    assert "Pour quel membre de votre foyer ?" in page.text
    assert "Noé Martin" in page.text
    assert 'value="camille.martin@example.org"' in page.text  # prefilled from the account
    response = signed_in.post(url, family_request(child.public_id))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.household_member == child
    assert ticket.citizen == account_citizen(account)
    assert ticket.citizen.email == "camille.martin@example.org"


def test_family_request_without_a_member_is_refused(signed_in, canteen, child):
    url = reverse("portal:request_form", args=[canteen.slug])
    response = signed_in.post(url, family_request(None))
    assert response.status_code == 400
    assert "Choisissez le membre de votre foyer" in response.text
    assert not Ticket.objects.exists()


def test_member_of_another_household_or_archived_cannot_be_chosen(signed_in, canteen, child, commune):
    other = make_account("autre@example.org")
    stranger = member_create(
        citizen=account_citizen(other),
        first_name="Autre",
        last_name="Enfant",
        birth_date=datetime.date(2016, 1, 1),
        relationship="child",
    )
    url = reverse("portal:request_form", args=[canteen.slug])
    assert signed_in.post(url, family_request(stranger.public_id)).status_code == 400
    child.archived_at = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    child.save()
    assert signed_in.post(url, family_request(child.public_id)).status_code == 400
    assert not Ticket.objects.exists()


def test_family_request_with_no_member_yet_offers_to_add_one(signed_in, canteen):
    page = signed_in.get(reverse("portal:request_form", args=[canteen.slug]))
    assert "Ajoutez d’abord le membre de votre foyer concerné" in page.text
    assert reverse("households:member_add") in page.text


def test_requires_account_type_is_owned_by_the_signed_in_account(signed_in, account, service, commune):
    request_type = factories.RequestTypeFactory(slug="attestation", service=service, requires_account=True)
    response = signed_in.post(
        reverse("portal:request_form", args=[request_type.slug]),
        {
            "submission_key": str(uuid.uuid4()),
            "contact-first_name": "Camille",
            "contact-last_name": "Martin",
            "contact-phone": "06 11 22 33 44",
            "contact-ack_channel": "email_sms",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.citizen.user == account
    assert ticket.citizen.phone == "+33611223344"


def test_agent_sees_the_member_on_the_ticket_and_the_household_on_the_citizen_page(
    client, agent, account, canteen, child
):
    ticket = factories.make_ticket(request_type=canteen, citizen=account_citizen(account), household_member=child)
    client.force_login(agent)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert "Membre du foyer concerné" in page.text
    assert "Noé Martin" in page.text
    page = client.get(reverse("backoffice:citizen", args=[account_citizen(account).public_id]))
    assert "Foyer (espace famille)" in page.text
    assert "Noé Martin" in page.text
    assert "households:member_edit" not in page.text and "/modifier/" not in page.text


def test_reception_agent_types_a_family_request_for_a_caller_with_or_without_a_household(
    client, service, canteen, account, child
):
    from guichet.organisation.models import Role

    client.force_login(factories.AgentFactory(role=Role.RECEPTION, services=[service]).user)
    citizen = account_citizen(account)
    url = reverse("backoffice:new_request") + f"?canal=phone&demarche={canteen.slug}&usager={citizen.public_id}"
    page = client.get(url)
    assert "Noé Martin" in page.text  # the caller's household is offered, not required
    data = {"submission_key": str(uuid.uuid4()), "f_regime": "", "ack": "none"}
    assert client.post(url, data | {"household_member": child.public_id}).status_code == 302
    assert Ticket.objects.get().household_member == child

    walk_in = factories.CitizenFactory(first_name="Jean", last_name="Sansfoyer", email="jean@example.org")
    url = reverse("backoffice:new_request") + f"?canal=counter&demarche={canteen.slug}&usager={walk_in.public_id}"
    assert client.post(url, data | {"submission_key": str(uuid.uuid4())}).status_code == 302
    assert Ticket.objects.filter(citizen=walk_in, household_member__isnull=True).exists()
