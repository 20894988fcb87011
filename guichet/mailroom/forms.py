"""Forms of the mail-room screens: they validate, the services act."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.backoffice.intake_forms import RequestTypeChoiceField
from guichet.catalogue.models import RequestType
from guichet.lib.uploads import MultipleAttachmentField, MultipleFileInput

MAX_FILES_PER_UPLOAD = 50
SCAN_ACCEPT = ".pdf,.tif,.tiff,.jpg,.jpeg,.png,application/pdf,image/tiff,image/jpeg,image/png"


class MultipleScanField(forms.FileField):
    """Several files in one input; their content is checked by the service (lib.uploads.check_scan)."""

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files:
            raise forms.ValidationError(_("Choisissez au moins un fichier."), code="required")
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise forms.ValidationError(
                _("%(max)s fichiers au plus à la fois ; pour un gros lot, utilisez le dossier du scanner."),
                params={"max": MAX_FILES_PER_UPLOAD},
                code="too_many",
            )
        return [super(MultipleScanField, self).clean(item, initial) for item in files]


class ScanUploadForm(forms.Form):
    files = MultipleScanField(  # type: ignore[assignment]  # a declared field, not BaseForm.files
        label=_("Scans (PDF, TIFF, JPEG, PNG ; plusieurs fichiers possibles)"),
        widget=MultipleFileInput(attrs={"accept": SCAN_ACCEPT, "multiple": True}),
    )
    received_on = forms.DateField(
        label=_("Date de réception"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )


class QualifyForm(forms.Form):
    demarche = RequestTypeChoiceField(
        label=_("Démarche"),
        queryset=RequestType.objects.active().select_related("theme").order_by("name"),
        to_field_name="slug",
        empty_label=_("— Choisir la démarche —"),
    )
    summary = forms.CharField(
        label=_("Résumé de la demande"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("La première ligne devient l’objet de la demande."),
    )
    files = MultipleAttachmentField(label=_("Autres pièces jointes (documents joints au courrier, scannés à part)"))  # type: ignore[assignment]  # a declared field, not BaseForm.files


class SplitForm(forms.Form):
    ranges = forms.CharField(label=_("Pages de chaque courrier"), max_length=200, help_text=_("Exemple : 1-2, 3, 4-6"))


class AttachForm(forms.Form):
    reference = forms.CharField(max_length=20, widget=forms.HiddenInput)


class LetterSelectionForm(forms.Form):
    letters = forms.MultipleChoiceField(label=_("Courriers"), choices=(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["letters"]).choices = choices
