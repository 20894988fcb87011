"""The account's citizen record follows the account's email as soon as allauth switches it."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from guichet.accounts.models import User
from guichet.citizens.models import Citizen
from guichet.citizens.services import citizen_update


@receiver(email_changed)
def citizen_follows_account_email(sender, request, user: User, from_email_address, to_email_address, **kwargs) -> None:
    # Notifications go to Citizen.email: the verified new address must reach it now, not at the next page view.
    citizen = Citizen.objects.filter(user=user).first()
    if citizen is not None and citizen.email != to_email_address.email.lower():
        citizen_update(citizen=citizen, email=to_email_address.email)
