import time
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.organisation.calendar import WorkingCalendar


class Commune(models.Model):
    """The town hall running this instance (one row)."""

    name = models.CharField(_("nom"), max_length=200, default="Mairie")
    address = models.TextField(_("adresse postale"), blank=True)
    email = models.EmailField(_("courriel de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    holiday_subdivision = models.CharField(
        _("jours fériés locaux"),
        max_length=8,
        blank=True,
        help_text=_("Vide pour la métropole ; « 57 » (Moselle) ou « 6AE » (Alsace) pour l'Alsace-Moselle."),
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("relance de l'usager après (jours)"),
        default=7,
        help_text=_(
            "Quand la mairie attend une réponse de l'usager depuis ce nombre de jours, il reçoit un rappel. 0 : jamais."
        ),
    )
    reopen_delay_days = models.PositiveSmallIntegerField(
        _("délai de réouverture (jours)"),
        default=30,
        help_text=_("Pendant ce délai après la clôture, une réponse de l'usager rouvre sa demande."),
    )

    # GDPR article 13 notice (compliance/notice.py): the fixed parts the commune writes.
    dpo_name = models.CharField(
        _("délégué à la protection des données"),
        max_length=200,
        blank=True,
        help_text=_("Nom de la personne ou de l'organisme désigné (par exemple le centre de gestion)."),
    )
    dpo_email = models.EmailField(_("courriel du délégué à la protection des données"), blank=True)
    dpo_address = models.TextField(_("adresse postale du délégué à la protection des données"), blank=True)
    privacy_recipients = models.TextField(
        _("autres destinataires des données"),
        blank=True,
        help_text=_("Prestataires, partenaires : un par ligne. Les services de la mairie sont toujours cités."),
    )
    privacy_notice_extra = models.TextField(_("informations complémentaires sur les données personnelles"), blank=True)
    # Accessibility declaration (loi 2005-102 art. 47, décret 2019-768): the last audit, entered here.
    accessibility_audit_date = models.DateField(_("date du dernier audit d'accessibilité"), null=True, blank=True)
    accessibility_audit_rate = models.DecimalField(
        _("taux de conformité du dernier audit (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    accessibility_rgaa_version = models.CharField(_("version du RGAA de l'audit"), max_length=10, default="4.1")
    accessibility_auditor = models.CharField(_("audit réalisé par"), max_length=200, blank=True)
    accessibility_non_accessible = models.TextField(
        _("contenus non accessibles"), blank=True, help_text=_("Un contenu par ligne.")
    )
    accessibility_derogations = models.TextField(
        _("dérogations pour charge disproportionnée"), blank=True, help_text=_("Une dérogation par ligne.")
    )
    accessibility_multi_year_plan_url = models.URLField(_("schéma pluriannuel de mise en accessibilité"), blank=True)
    accessibility_action_plan_url = models.URLField(_("plan d'actions de l'année"), blank=True)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("commune")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        type(self).forget_cached()

    # Read on every page: kept per process for a short while (an admin edit shows within this delay).
    CACHE_SECONDS: ClassVar[float] = 30.0
    calendar: WorkingCalendar  # set by current(): holidays of the subdivision plus closure days
    _cached: ClassVar[tuple[float, "Commune"] | None] = None

    @classmethod
    def current(cls) -> "Commune":
        cached = cls._cached
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        commune = cls.objects.order_by("pk").first() or cls.objects.create()
        commune.calendar = WorkingCalendar(
            subdivision=commune.holiday_subdivision,
            closures=frozenset(ClosureDay.objects.values_list("date", flat=True)),
        )
        cls._cached = (time.monotonic() + cls.CACHE_SECONDS, commune)
        return commune

    @classmethod
    def forget_cached(cls) -> None:
        cls._cached = None


class ClosureDay(models.Model):
    """A day the town hall is closed (bridge day, local holiday): deadlines skip it."""

    date = models.DateField(_("date"), unique=True)
    label = models.CharField(_("motif"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("jour de fermeture")
        verbose_name_plural = _("jours de fermeture")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.label}".strip()

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Commune.forget_cached()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        Commune.forget_cached()
        return result


class Service(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    email = models.EmailField(_("courriel du service"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RECEPTION = "reception", _("Agent d'accueil")
    MAIL_ROOM = "mail_room", _("Service courrier")
    SERVICE_AGENT = "service_agent", _("Agent instructeur")
    SUPERVISOR = "supervisor", _("Responsable")
    ADMINISTRATOR = "administrator", _("Administrateur")


class AlertMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Un courriel à chaque fois")
    DIGEST = "digest", _("Un récapitulatif par jour")


class Agent(models.Model):
    """A town-hall employee: a user with a role and the services they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent", verbose_name=_("utilisateur")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.SERVICE_AGENT)
    services = models.ManyToManyField(Service, related_name="agents", blank=True, verbose_name=_("services"))
    alert_mode = models.CharField(
        _("alertes par courriel"), max_length=10, choices=AlertMode.choices, default=AlertMode.IMMEDIATE
    )
    # The data protection officer's right, whatever the role: the register, the access log, citizens' rights.
    is_dpo = models.BooleanField(
        _("délégué à la protection des données"),
        default=False,
        help_text=_("Tient le registre des traitements, lit le journal des accès et répond aux demandes des usagers."),
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @cached_property
    def service_ids(self) -> frozenset[int]:
        return frozenset(self.services.values_list("pk", flat=True))
