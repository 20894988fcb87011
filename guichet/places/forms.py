"""The location block of a located request type's form (citizen's form, agents' intake form)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guichet.catalogue.models import LocationMode
from guichet.places.geocoding import place_from_form
from guichet.places.place import Place, parse_position


class LocationForm(forms.Form):
    """An address (suggested by the BAN or typed freely) and/or a point; the map only fills the point.

    Inputs ``location_address``, ``location_lat``, ``location_lon`` (ids ``id_location_…``): the script
    of the map and of the autocompletion fills them, and announces each change (``guichet:location-changed``).
    """

    location_address = forms.CharField(
        label=_("Adresse ou lieu"),
        max_length=300,
        required=False,
        help_text=_(
            "Tapez le numéro et la rue : des adresses vous sont proposées. Vous pouvez aussi décrire le lieu "
            "librement (« devant l’école », « parking du stade »)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    location_lat = forms.CharField(required=False, widget=forms.HiddenInput)
    location_lon = forms.CharField(required=False, widget=forms.HiddenInput)
    # Only on the citizen's form of a type that takes files: the consent the agents need before publishing a photo.
    photo_public = forms.BooleanField(
        label=_(
            "J’accepte que cette photo soit montrée publiquement, après vérification par la mairie, aux personnes "
            "qui signalent un problème au même endroit."
        ),
        help_text=_(
            "Facultatif. La mairie ne la publie que si elle ne montre ni visage, ni plaque d’immatriculation, "
            "ni l’intérieur d’un lieu privé ; elle peut la retirer à tout moment. Votre nom n’est jamais montré."
        ),
        required=False,
    )

    def __init__(self, *args: Any, mode: str, photo_consent: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.place: Place | None = None
        if not photo_consent:
            del self.fields["photo_public"]
        if mode in (LocationMode.ADDRESS, LocationMode.BOTH):
            self.fields["location_address"].required = True
        if mode == LocationMode.MAP:
            self.fields["location_address"].help_text = _(
                "Placez le point sur la carte, ou tapez l’adresse : des adresses vous sont proposées."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            position = parse_position(data.get("location_lat"), data.get("location_lon"))
        except ValidationError as error:
            self.add_error("location_address", error)
            return data
        address = data.get("location_address") or ""
        if not address.strip() and position is None:
            if self.mode == LocationMode.MAP:
                self.add_error("location_address", _("Indiquez le lieu : une adresse, ou un point placé sur la carte."))
            return data
        latitude, longitude = position if position else (None, None)
        self.place = place_from_form(address=address, latitude=latitude, longitude=longitude)
        return data

    @property
    def photos_public_consent(self) -> bool:
        return bool(self.cleaned_data.get("photo_public")) if "photo_public" in self.fields else False


def location_form_for(mode: str, data: Any = None, *, photo_consent: bool = False) -> LocationForm | None:
    """``photo_consent``: ask the citizen whether the form's photos may be shown publicly (types with files)."""
    return LocationForm(data, mode=mode, photo_consent=photo_consent) if mode else None
