from django.db.models import QuerySet

from guichet.citizens.models import Citizen
from guichet.households.models import HouseholdMember


def household_of(citizen: Citizen, *, include_archived: bool = False) -> QuerySet[HouseholdMember]:
    members = HouseholdMember.objects.filter(citizen=citizen)
    return members if include_archived else members.active()


def member_of(citizen: Citizen, public_id: str) -> HouseholdMember | None:
    return HouseholdMember.objects.filter(citizen=citizen, public_id=public_id).first()
