from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.lib import references
from guichet.surveys.models import Rating
from guichet.tickets.surveys import survey_secret_normalise


class TrackingForm(forms.Form):
    reference = forms.CharField(
        label=_("Numéro de suivi"),
        max_length=30,
        help_text=_("Il figure dans votre accusé de réception. Exemple : K7Q-2M9-XDH"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        reference = references.normalise(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _("Ce numéro de suivi n'est pas valide : vérifiez-le (9 caractères, lettres et chiffres)."),
                code="invalid",
            )
        return reference


class AccessCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu"),
        max_length=12,
        help_text=_("Six chiffres, valable 15 minutes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        code = "".join(c for c in self.cleaned_data["code"] if c.isdigit())
        if len(code) != 6:
            raise forms.ValidationError(_("Le code comporte six chiffres."), code="invalid")
        return code


class SurveyForm(forms.Form):
    """The three questions of the State's "Je donne mon avis" scale, a comment, and "not solved"."""

    ease = forms.ChoiceField(
        label=_("Vos échanges avec la mairie ont-ils été faciles ?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une réponse à cette question.")},
    )
    quality = forms.ChoiceField(
        label=_("Que pensez-vous de la réponse apportée ?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une réponse à cette question.")},
    )
    delay = forms.ChoiceField(
        label=_("Que pensez-vous du délai de réponse ?"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une réponse à cette question.")},
    )
    comment = forms.CharField(
        label=_("Votre commentaire"),
        required=False,
        max_length=2000,
        help_text=_("Ce que la mairie pourrait améliorer, ou ce qui reste à faire. 2 000 caractères au plus."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    not_resolved = forms.BooleanField(
        label=_("Mon problème n’est pas résolu"),
        required=False,
        help_text=_("Votre demande sera rouverte, avec votre commentaire, et l’agent qui la suit sera prévenu."),
    )


class SurveyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code du questionnaire"),
        max_length=30,
        help_text=_(
            "Il figure sur votre reçu ou votre courrier : 16 lettres et chiffres. Exemple : K7Q2-M9XD-H3TP-0ABC"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = survey_secret_normalise(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("Ce code n’est pas valide : vérifiez-le (16 lettres et chiffres)."), code="invalid"
            )
        return code
