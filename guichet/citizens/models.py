from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.lib.phones import display_phone


class ContactChannel(models.TextChoices):
    EMAIL = "email", _("Courriel")
    SMS = "sms", _("SMS")
    EMAIL_AND_SMS = "email_sms", _("Courriel et SMS")
    POST = "post", _("Courrier postal")


class Citizen(models.Model):
    """A person who asks the town hall something; links their tickets across channels."""

    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone (E.164)"), max_length=20, blank=True)
    preferred_channel = models.CharField(
        _("canal de contact préféré"), max_length=12, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

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
    def wants_email(self) -> bool:
        return bool(self.email) and self.preferred_channel in {ContactChannel.EMAIL, ContactChannel.EMAIL_AND_SMS}

    @property
    def wants_sms(self) -> bool:
        return bool(self.phone) and self.preferred_channel in {ContactChannel.SMS, ContactChannel.EMAIL_AND_SMS}
