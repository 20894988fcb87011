import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.lib.phones import display_phone, parse_phone, to_e164


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")
    EMAIL_AND_SMS = "email_sms", _("Courriel et SMS")
    POST = "post", _("Courrier postal")


def validate_e164(value: str) -> None:
    """Stored numbers are valid and in E.164 (+33612345678); the services convert what people type."""
    number = parse_phone(value) if value.startswith("+") else None
    if number is None or to_e164(number) != value:
        raise ValidationError(
            _("Numéro de téléphone invalide : il doit être enregistré au format international (+33612345678)."),
            code="invalid_phone",
        )


def _public_id() -> str:
    return secrets.token_urlsafe(12)


class Citizen(models.Model):
    """A person who asks the town hall something; links their tickets across channels.

    Consent (``citizens.services.citizen_for_submission``): a record made from what the citizen typed
    (online form, email, API) consents to the channel they chose and to each address they gave.
    Agents entering a phone, counter or mail request record the citizen's answer, or the way their
    letter can be answered; ``wants_email``/``wants_sms`` need both the consent and the channel.
    """

    public_id = models.CharField(max_length=20, unique=True, default=_public_id, editable=False)
    # The citizen account this record belongs to (accounts app); agents' records of callers have none.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="citizen",
        verbose_name=_("compte citoyen"),
    )
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone (E.164)"), max_length=20, blank=True, validators=[validate_e164])
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    preferred_channel = models.CharField(
        _("canal de contact préféré"), max_length=12, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    consent_email = models.BooleanField(_("accepte d’être contacté par courriel"), default=True)
    consent_sms = models.BooleanField(_("accepte d’être contacté par SMS"), default=True)
    # Folded name, email, phone and address for the agents' directory search (see citizens.services).
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), default=timezone.now)

    class Meta:
        verbose_name = _("usager")
        verbose_name_plural = _("usagers")
        indexes = [models.Index(fields=["email"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone)

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.street, f"{self.postcode} {self.city}".strip()) if line]

    @property
    def has_postal_address(self) -> bool:
        return bool(self.street and self.postcode and self.city)

    @property
    def wants_email(self) -> bool:
        return (
            bool(self.email)
            and self.consent_email
            and self.preferred_channel in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS}
        )

    @property
    def wants_sms(self) -> bool:
        return (
            bool(self.phone)
            and self.consent_sms
            and self.preferred_channel in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS}
        )


def reachable_condition(prefix: str = "") -> models.Q:
    """A citizen we can tell something: ``wants_email``, ``wants_sms`` or a postal address, as a query (``prefix``:
    the path to the citizen, e.g. ``"citizen__"``). Those outside it are « sans moyen de contact »."""

    def q(**lookups: object) -> models.Q:
        return models.Q(**{prefix + name: value for name, value in lookups.items()})

    email = q(consent_email=True, preferred_channel__in=[ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS]) & ~q(
        email=""
    )
    sms = q(consent_sms=True, preferred_channel__in=[ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS]) & ~q(phone="")
    post = ~q(street="") & ~q(postcode="") & ~q(city="")
    return email | sms | post
