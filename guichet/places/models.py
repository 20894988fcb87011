"""The offline address index: the BAN file of the commune's département, loaded by ``load_ban_addresses``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BanAddress(models.Model):
    """One address of the Base Adresse Nationale (a line of adresses-XX.csv). Public data, nothing personal."""

    ban_id = models.CharField(_("identifiant BAN"), max_length=60, unique=True)
    housenumber = models.CharField(_("numéro"), max_length=20, blank=True, default="")
    street = models.CharField(_("voie"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True, default="")
    citycode = models.CharField(_("code INSEE"), max_length=5)
    city = models.CharField(_("commune"), max_length=100)
    label = models.CharField(_("libellé"), max_length=300)
    # The street's name folded (lower case, no accent, no punctuation) for prefix search on every database.
    street_search = models.CharField(max_length=200, editable=False)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        verbose_name = _("adresse de la BAN")
        verbose_name_plural = _("adresses de la BAN")
        indexes = [
            # Prefix LIKE on PostgreSQL needs the pattern operator class (ignored elsewhere).
            models.Index(
                fields=["street_search", "housenumber"],
                name="ban_street_search",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["latitude", "longitude"], name="ban_position"),
        ]

    def __str__(self) -> str:
        return self.label
