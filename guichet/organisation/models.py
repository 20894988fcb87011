import datetime
import time
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.organisation import identity
from guichet.organisation.calendar import DEFAULT_OPENING, OpeningRange, WorkingCalendar


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymiser (les statistiques restent)")
    DELETE = "delete", _("Supprimer la demande")


class PositionPrecision(models.TextChoices):
    """How precisely Open311's public GET publishes a located request's place (docs/API.md, "What is public")."""

    EXACT = "exact", _("Exacte : le point et l’adresse, tels quels")
    APPROXIMATE = "approximate", _("Approchée : le point arrondi à environ 100 m, la rue sans numéro")


def _logo_path(instance: "Commune", filename: str) -> str:
    # A new name for every upload: the logo's URL is versioned by it (organisation.identity).
    extension = "jpg" if filename.lower().endswith((".jpg", ".jpeg")) else "png"
    return f"identite/logo-{uuid.uuid4().hex[:12]}.{extension}"


class Commune(models.Model):
    """The town hall running this instance (one row)."""

    name = models.CharField(_("nom"), max_length=200, default="Mairie")
    # Its identity (organisation.identity): on every page, email and PDF. Not the State's design system.
    logo = models.FileField(
        _("logo"),
        upload_to=_logo_path,
        max_length=200,
        blank=True,
        validators=[identity.validate_logo],
        help_text=_(
            "PNG ou JPEG, 500 Ko et 2000 pixels de côté au plus ; affiché dans l’en-tête des pages, des courriels "
            "et des documents PDF, avec le nom de la commune comme texte de remplacement."
        ),
    )
    primary_color = models.CharField(
        _("couleur principale"),
        max_length=7,
        default=identity.DEFAULT_PRIMARY,
        validators=[identity.validate_colour],
        help_text=_("Bandeau d’en-tête et boutons principaux, au format #rrvvbb."),
    )
    primary_text_color = models.CharField(
        _("couleur du texte sur la couleur principale"),
        max_length=7,
        default=identity.DEFAULT_PRIMARY_TEXT,
        validators=[identity.validate_colour],
        help_text=_("Contraste d’au moins 4,5:1 avec la couleur principale (WCAG 2.1 AA)."),
    )
    address = models.TextField(_("adresse postale"), blank=True)
    email = models.EmailField(_("courriel de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    website = models.URLField(_("site internet"), blank=True)
    opening_hours = models.TextField(_("horaires d'ouverture"), blank=True)
    # Named in the acknowledgement of requests whose silence means rejection (CRPA R112-5: appeal routes).
    administrative_court = models.TextField(
        _("tribunal administratif compétent"),
        blank=True,
        help_text=_(
            "Nom et adresse du tribunal administratif dont relève la commune : cité dans l'accusé de réception "
            "des demandes dont le silence vaut rejet (voies de recours)."
        ),
    )
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
    open311_position = models.CharField(
        _("position publiée par Open311"),
        max_length=12,
        choices=PositionPrecision.choices,
        default=PositionPrecision.EXACT,
        help_text=_(
            "Pour les démarches dont la position est publique (réglage de chaque démarche). Une voirie ou un "
            "lampadaire ne sont pas des données personnelles ; approchée, la position ne désigne plus une maison."
        ),
    )
    implicit_decision_warning_days = models.PositiveSmallIntegerField(
        _("alerte avant décision implicite (jours ouvrés)"),
        default=5,
        help_text=_(
            "Les agents sont prévenus ce nombre de jours ouvrés avant la date à laquelle le silence de la mairie "
            "vaudra acceptation ou rejet. 0 : le jour même."
        ),
    )
    escalation_warning_percent = models.PositiveSmallIntegerField(
        _("alerte avant échéance (%)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "L'agent en charge est alerté quand il reste ce pourcentage du temps ouvré d'un objectif "
            "(première réponse ou résolution) ; le responsable du service l'est quand l'objectif est dépassé."
        ),
    )
    # Retention (guichet.retention): the default of every request type without a policy of its own.
    retention_months = models.PositiveSmallIntegerField(
        _("conservation des données personnelles (mois après la clôture)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Passé ce délai, les données personnelles des demandes clôturées sont effacées."),
    )
    retention_action = models.CharField(
        _("à l'échéance"), max_length=10, choices=RetentionAction.choices, default=RetentionAction.ANONYMISE
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

    def clean(self) -> None:
        super().clean()
        if identity.HEX_COLOUR.match(self.primary_color or "") and identity.HEX_COLOUR.match(
            self.primary_text_color or ""
        ):
            try:
                identity.check_text_contrast(self.primary_color, self.primary_text_color)
            except ValidationError as error:
                raise ValidationError({"primary_text_color": error}) from None

    @cached_property
    def palette(self) -> identity.Palette:
        """The colours derived from the two the commune sets, for emails and PDFs (pages read its stylesheet)."""
        return identity.palette(self.primary_color, self.primary_text_color)

    @cached_property
    def default_priority(self) -> "Priority | None":
        return Priority.objects.filter(is_default=True).first()

    @cached_property
    def identity_version(self) -> str:
        """In the URLs of the commune's stylesheet and logo: they change when the colours or the logo do."""
        return identity.identity_version(
            primary=self.primary_color, text=self.primary_text_color, logo_name=self.logo.name or ""
        )

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
        closures, ranges = _calendar_rows()
        commune.calendar = WorkingCalendar(
            subdivision=commune.holiday_subdivision,
            closures=closures,
            opening=ranges or DEFAULT_OPENING,
            time_zone=settings.TIME_ZONE,
        )
        cls._cached = (time.monotonic() + cls.CACHE_SECONDS, commune)
        return commune

    @classmethod
    def forget_cached(cls) -> None:
        cls._cached = None


class KeptWithCommune:
    """Rows read with the commune (``Commune.current()``, kept per process): a change makes this process read them
    again at once, the others within ``Commune.CACHE_SECONDS``."""

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)  # type: ignore[misc]
        Commune.forget_cached()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        Commune.forget_cached()
        return result


class ClosureDay(KeptWithCommune, models.Model):
    """A day the town hall is closed (bridge day, local holiday): deadlines skip it."""

    date = models.DateField(_("date"), unique=True)
    label = models.CharField(_("motif"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("jour de fermeture")
        verbose_name_plural = _("jours de fermeture")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.label}".strip()


@dataclass(frozen=True)
class Contact:
    """How to reach the service in charge of a request (CRPA R112-5, 2°): its own details, else the commune's."""

    designation: str
    postal_address: str
    email: str
    phone: str


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class OpeningHours(models.Model):
    """One range of the town hall's weekly opening hours: working hours (targets in hours) count only these.

    With none entered, the calendar uses ``calendar.DEFAULT_OPENING`` (8 h 30 – 12 h, 13 h 30 – 17 h 30 on
    weekdays). Saturdays and Sundays never count, even when the town hall opens.
    """

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="opening_ranges")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    start = models.TimeField(_("ouverture"))
    end = models.TimeField(_("fermeture"))

    class Meta:
        verbose_name = _("plage d'ouverture")
        verbose_name_plural = _("horaires d'ouverture (plages)")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="openinghours_end_after_start"),
            models.CheckConstraint(condition=models.Q(weekday__gte=0, weekday__lte=6), name="openinghours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def duration(self) -> datetime.timedelta:
        day = datetime.date(2000, 1, 3)
        return datetime.datetime.combine(day, self.end) - datetime.datetime.combine(day, self.start)


class TargetUnit(models.TextChoices):
    WORKING_DAYS = "days", _("jours ouvrés")
    WORKING_HOURS = "hours", _("heures ouvrées")


class Priority(KeptWithCommune, models.Model):
    """How fast a request is handled: a first-response target and a resolution target, in working time."""

    name = models.CharField(_("nom"), max_length=60, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0, help_text=_("De la moins à la plus urgente."))
    is_default = models.BooleanField(
        _("par défaut"), default=False, help_text=_("La priorité des démarches qui n'en fixent pas.")
    )
    first_response_target = models.PositiveSmallIntegerField(_("objectif de première réponse"), default=2)
    first_response_unit = models.CharField(
        _("unité"), max_length=5, choices=TargetUnit.choices, default=TargetUnit.WORKING_DAYS
    )
    resolution_target = models.PositiveSmallIntegerField(
        _("objectif de résolution"),
        null=True,
        blank=True,
        help_text=_("Vide : le délai de traitement de la démarche (en jours ouvrés)."),
    )
    resolution_unit = models.CharField(
        _("unité"), max_length=5, choices=TargetUnit.choices, default=TargetUnit.WORKING_DAYS
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("priorité")
        verbose_name_plural = _("priorités")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="priority_one_default",
                violation_error_message=_("Une seule priorité peut être la priorité par défaut."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> "Priority | None":
        """Read with the commune (kept per process for a short while): every new request asks for it."""
        return Commune.current().default_priority


def _calendar_rows() -> tuple[frozenset[datetime.date], tuple[OpeningRange, ...]]:
    """Closure days and opening hours in one query (every page reads the calendar through ``current()``)."""
    no_time = models.Value(None, output_field=models.TimeField())
    closures = (
        ClosureDay.objects.order_by()
        .annotate(weekday_=models.Value(None, output_field=models.IntegerField()), start_=no_time, end_=no_time)
        .values_list("date", "weekday_", "start_", "end_")
    )
    openings = (
        OpeningHours.objects.order_by()
        .annotate(date_=models.Value(None, output_field=models.DateField()))
        .values_list("date_", "weekday", "start", "end")
    )
    rows = list(closures.union(openings, all=True))
    return (
        frozenset(day for day, *_rest in rows if day is not None),
        tuple(OpeningRange(weekday, start, end) for day, weekday, start, end in rows if day is None),
    )


class Service(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    email = models.EmailField(_("courriel du service"), blank=True)
    postal_address = models.TextField(
        _("adresse postale du service"), blank=True, help_text=_("Vide : l'adresse de la commune.")
    )
    phone = models.CharField(
        _("téléphone du service"), max_length=40, blank=True, help_text=_("Vide : le téléphone de la commune.")
    )
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def contact(self) -> Contact:
        """What every acknowledgement prints; a blank field falls back to the commune's."""
        commune = Commune.current()
        return Contact(
            designation=f"{self.name} — {commune.name}",
            postal_address=(self.postal_address or commune.address).strip(),
            email=self.email or commune.email,
            phone=self.phone or commune.phone,
        )


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
