from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.organisation.models import Priority, Service


class Theme(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class RequestTypeQuerySet(models.QuerySet["RequestType"]):
    def active(self) -> "RequestTypeQuerySet":
        return self.filter(is_active=True)

    def open_to_anyone(self) -> "RequestTypeQuerySet":
        """Types anyone may file without an account (the counterpart of ``RequestType.needs_account``)."""
        return self.filter(requires_account=False, requires_family_member=False)


class LegalRegime(models.TextChoices):
    """What the commune's silence means for a request of this type (CRPA, articles L231-1 and L231-4)."""

    REPORT = "report", _("Signalement ou information (pas de décision)")
    SVA = "sva", _("Silence vaut acceptation")
    SVR = "svr", _("Silence vaut rejet")


class LocationMode(models.TextChoices):
    """Whether a request type asks where (issue 17). The address path always works without the map."""

    NONE = "", _("Pas de localisation")
    ADDRESS = "address", _("Adresse")
    MAP = "map", _("Point sur une carte (ou adresse)")
    BOTH = "both", _("Adresse et point sur une carte")


class RequestType(models.Model):
    """A démarche: what a citizen can ask for, which service handles it and how fast."""

    name = models.CharField(_("nom"), max_length=160)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="request_types", verbose_name=_("thème"))
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="request_types", verbose_name=_("service responsable")
    )
    deadline_days = models.PositiveSmallIntegerField(_("délai de traitement (jours ouvrés)"), default=10)
    priority = models.ForeignKey(
        Priority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request_types",
        verbose_name=_("priorité"),
        help_text=_("Vide : la priorité par défaut (Normale). Les agents peuvent la changer pour une demande."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    requires_account = models.BooleanField(
        _("compte citoyen obligatoire"),
        default=False,
        help_text=_("Démarches liées à l'espace famille : la demande anonyme est refusée."),
    )
    requires_family_member = models.BooleanField(
        _("concerne un membre du foyer"),
        default=False,
        help_text=_(
            "Espace famille : l'usager choisit le membre de son foyer concerné (cantine, périscolaire…). "
            "Implique un compte citoyen."
        ),
    )
    legal_regime = models.CharField(
        _("régime juridique"),
        max_length=10,
        choices=LegalRegime.choices,
        default=LegalRegime.REPORT,
        help_text=_(
            "Une demande qui appelle une décision : le silence de la mairie vaut acceptation ou rejet "
            "à la fin du délai ci-dessous."
        ),
    )
    implicit_decision_months = models.PositiveSmallIntegerField(
        _("délai de décision implicite (mois)"),
        default=2,
        help_text=_("Deux mois sauf texte particulier. Ignoré pour un signalement."),
    )
    implicit_decision_days = models.PositiveSmallIntegerField(
        _("délai de décision implicite (jours en plus)"),
        default=0,
        help_text=_("Pour un délai fixé en jours par un texte particulier (mettre alors 0 mois)."),
    )
    acknowledgement_exempt = models.BooleanField(
        _("dispensée d'accusé de réception"),
        default=False,
        help_text=_("Cas prévus par décret (article L112-3 du CRPA)."),
    )
    location_mode = models.CharField(
        _("localisation"), max_length=10, choices=LocationMode.choices, blank=True, default=LocationMode.NONE
    )
    duplicate_radius_m = models.PositiveSmallIntegerField(
        _("rayon des demandes semblables (mètres)"),
        default=50,
        help_text=_("Les demandes ouvertes de ce type à moins de cette distance sont proposées avant le dépôt."),
    )
    position_public = models.BooleanField(
        _("position publique"),
        default=True,
        help_text=_(
            "La position et l’adresse de ces demandes sont publiées par l’API Open311 (carte des signalements). "
            "Décochez pour une démarche qui concerne un domicile (encombrants à enlever chez soi, nuisances, "
            "demande à son adresse) : la position d’un domicile désigne une personne."
        ),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # Open311 clients refresh their copy of the catalogue when this moves (discovery "changeset").
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = RequestTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("démarche")
        verbose_name_plural = _("démarches")
        ordering = ["theme__order", "order", "name"]
        indexes = [models.Index(fields=["is_active", "theme"])]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_account(self) -> bool:
        return self.requires_account or self.requires_family_member

    @property
    def has_implicit_decision(self) -> bool:
        """Silence means a decision (acceptance or rejection) at the end of the delay."""
        return self.legal_regime in (LegalRegime.SVA, LegalRegime.SVR)


class FieldKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    NUMBER = "number", _("Nombre")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choix unique")
    MULTIPLE_CHOICE = "multiple_choice", _("Choix multiple")
    EMAIL = "email", _("Adresse électronique")
    PHONE = "phone", _("Téléphone")
    ADDRESS = "address", _("Adresse postale")
    FILE = "file", _("Fichier")


class Field(models.Model):
    request_type = models.ForeignKey(
        RequestType, on_delete=models.CASCADE, related_name="fields", verbose_name=_("démarche")
    )
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Identifiant technique, stable (utilisé dans les exports et l'API).")
    )
    label = models.CharField(_("libellé"), max_length=200)
    help_text = models.CharField(_("aide"), max_length=300, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=FieldKind.choices, default=FieldKind.SHORT_TEXT)
    required = models.BooleanField(_("obligatoire"), default=True)
    choices = models.TextField(_("choix proposés"), blank=True, help_text=_("Un choix par ligne."))
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("champ")
        verbose_name_plural = _("champs")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["request_type", "code"], name="field_code_unique_per_type")]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]
