"""Merging directory records (supervisors) keeps the account link; two accounts are never merged."""

import pytest
from django.core.exceptions import ValidationError

from guichet.accounts.services import account_citizen
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizens_merge
from tests import factories
from tests.accounts.conftest import make_account

pytestmark = pytest.mark.django_db


def test_the_account_follows_its_record_into_the_kept_one(account, supervisor, request_type):
    mine = account_citizen(account)
    factories.make_ticket(request_type=request_type, citizen=mine)
    counter_record = factories.CitizenFactory(first_name="Camille", last_name="Martin", email="")
    kept = citizens_merge(keep=counter_record, merge=mine, actor=supervisor)
    assert kept.user == account
    assert account_citizen(account).pk == counter_record.pk
    assert kept.tickets.count() == 1


def test_two_records_with_accounts_are_not_merged(account, supervisor):
    other = account_citizen(make_account("autre@example.org"))
    with pytest.raises(ValidationError):
        citizens_merge(keep=account_citizen(account), merge=other, actor=supervisor)
    assert Citizen.objects.filter(pk=other.pk, user__isnull=False).exists()
