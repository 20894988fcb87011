import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.citizens.models import Citizen


class Relationship(models.TextChoices):
    CHILD = "child", _("Enfant")
    SPOUSE = "spouse", _("Conjoint ou conjointe")
    PARENT = "parent", _("Parent")
    OTHER_DEPENDANT = "dependant", _("Autre personne à charge")


def _public_id() -> str:
    return secrets.token_urlsafe(9)


class HouseholdMemberQuerySet(models.QuerySet["HouseholdMember"]):
    def active(self) -> "HouseholdMemberQuerySet":
        return self.filter(archived_at__isnull=True)


class HouseholdMember(models.Model):
    """Someone of a citizen's household a request can be about (espace famille): a child, a dependant…

    Archived rather than deleted: past requests keep pointing at the member.
    """

    citizen = models.ForeignKey(
        Citizen, on_delete=models.CASCADE, related_name="household_members", verbose_name=_("usager")
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    relationship = models.CharField(_("lien avec vous"), max_length=12, choices=Relationship.choices)
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)

    objects = HouseholdMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre du foyer")
        verbose_name_plural = _("membres du foyer")
        ordering = ["birth_date", "first_name", "pk"]
        indexes = [models.Index(fields=["citizen", "archived_at"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
