from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.backoffice.inbox import DEFAULT_NEAR_RADIUS_M, DEFAULT_SORT, MAX_NEAR_RADIUS_M, InboxFilters
from guichet.catalogue.models import RequestType
from guichet.lib.uploads import MultipleAttachmentField
from guichet.organisation.models import Priority, Service
from guichet.places.forms import LocationForm
from guichet.tickets.lifecycle import TRANSITIONS, Channel, ClosingOutcome, Status
from guichet.tickets.models import ENDED_STATUSES

SORT_CHOICES = [
    ("echeance", _("Échéance la plus proche")),
    ("recentes", _("Plus récentes")),
    ("anciennes", _("Plus anciennes")),
    ("activite", _("Dernière activité")),
]


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


def agents_queryset():
    return User.objects.filter(agent__isnull=False, is_active=True).order_by("last_name", "first_name")


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=200)
    statut = forms.MultipleChoiceField(
        label=_("Statut"), choices=Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    canal = forms.ChoiceField(label=_("Canal"), choices=[("", _("Tous"))] + Channel.choices, required=False)
    demarche = forms.ModelChoiceField(
        label=_("Démarche"), queryset=RequestType.objects.order_by("name"), required=False, empty_label=_("Toutes")
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.order_by("name"), required=False, empty_label=_("Tous")
    )
    agent = AgentChoiceField(label=_("Agent"), queryset=agents_queryset(), required=False, empty_label=_("Tous"))
    du = forms.DateField(label=_("Reçues à partir du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("Reçues jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    retard = forms.BooleanField(label=_("En retard"), required=False)
    bientot = forms.BooleanField(label=_("Échéance sous 2 jours"), required=False)
    implicite = forms.BooleanField(label=_("Décision implicite proche"), required=False)
    escalade = forms.ChoiceField(
        label=_("Escalade"),
        choices=[
            ("", _("Toutes")),
            ("bientot-depasse", _("Objectif bientôt dépassé")),
            ("depasse", _("Objectif dépassé")),
        ],
        required=False,
    )
    tri = forms.ChoiceField(label=_("Trier par"), choices=SORT_CHOICES, required=False)
    pres_de = forms.CharField(label=_("À proximité de la demande"), required=False, max_length=20)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    rayon = forms.IntegerField(
        label=_("Rayon (mètres)"),
        required=False,
        min_value=10,
        max_value=MAX_NEAR_RADIUS_M,
        initial=DEFAULT_NEAR_RADIUS_M,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = agents_queryset()

    def filters(self) -> InboxFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return InboxFilters(
            statuses=tuple(data.get("statut") or ()),
            channel=data.get("canal") or "",
            request_type_id=data["demarche"].pk if data.get("demarche") else None,
            service_id=data["service"].pk if data.get("service") else None,
            assignee_id=data["agent"].pk if data.get("agent") else None,
            created_from=data.get("du"),
            created_to=data.get("au"),
            overdue=bool(data.get("retard")),
            due_soon=bool(data.get("bientot")),
            implicit_decision_near=bool(data.get("implicite")),
            escalation=data.get("escalade") or "",
            search=(data.get("q") or "").strip(),
            sort=data.get("tri") or DEFAULT_SORT,
            near_reference=(data.get("pres_de") or "").strip(),
            near_point=(data["lat"], data["lon"])
            if data.get("lat") is not None and data.get("lon") is not None
            else None,
            near_radius_m=data.get("rayon") or DEFAULT_NEAR_RADIUS_M,
        )


class VersionedForm(forms.Form):
    """Every action form carries the version the agent saw, so concurrent edits are caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReplyForm(VersionedForm):
    body = forms.CharField(label=_("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleAttachmentField(label=_("Pièces jointes"))  # type: ignore[assignment]  # a declared field, not BaseForm.files
    then = forms.ChoiceField(
        label=_("Ensuite"),
        required=False,
        choices=[
            ("", _("Ne pas changer le statut")),
            (Status.AWAITING_CITIZEN, _("Demander un complément à l'usager")),
            (Status.ANSWERED, _("Marquer comme répondue")),
        ],
    )


class DocumentRequestForm(VersionedForm):
    """Missing documents (CRPA L114-5): one per line, and the time allowed to send them."""

    items = forms.CharField(
        label=_("Pièces ou informations manquantes"),
        help_text=_("Une par ligne. Elles sont envoyées à l'usager par le canal qu'il a choisi."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateField(
        label=_("À fournir au plus tard le"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_items(self) -> list[str]:
        items = [line.strip(" -•\t") for line in self.cleaned_data["items"].splitlines()]
        items = [item for item in items if item]
        if not items:
            raise forms.ValidationError(_("Indiquez au moins une pièce manquante."))
        if len(items) > 30:
            raise forms.ValidationError(_("30 pièces au plus par demande."))
        if any(len(item) > 300 for item in items):
            raise forms.ValidationError(_("Chaque pièce tient en 300 caractères au plus."))
        return items


class DocumentsReceivedForm(VersionedForm):
    received_on = forms.DateField(
        label=_("Pièces reçues le"),
        help_text=_("Le délai de décision implicite repart en entier de ce jour."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class NoteForm(VersionedForm):
    body = forms.CharField(label=_("Note interne"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleAttachmentField(label=_("Pièces jointes"))  # type: ignore[assignment]  # a declared field, not BaseForm.files


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=Status.choices)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)
    # Closing or rejecting: what happened (the citizen reads it on their page and in the notification).
    outcome = forms.ChoiceField(
        label=_("Issue de la demande"),
        required=False,
        choices=[("", _("— à choisir pour clôturer ou classer sans suite —")), *ClosingOutcome.choices],
    )
    competent_body = forms.CharField(
        label=_("Organisme compétent"),
        required=False,
        max_length=200,
        help_text=_("Si la demande ne relève pas de la mairie : vers qui l’usager doit se tourner."),
    )
    duplicate_reference = forms.CharField(
        label=_("Numéro de la demande conservée"),
        required=False,
        max_length=30,
        help_text=_("Si c’est un doublon : le numéro de suivi de la demande qui reste ouverte."),
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, Status(s).label) for s in Status if s in TRANSITIONS[current]
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") not in ENDED_STATUSES:
            return data
        outcome = data.get("outcome")
        if not outcome:
            self.add_error("outcome", _("Indiquez l’issue de la demande pour la clôturer ou la classer sans suite."))
        elif outcome == ClosingOutcome.NOT_FOR_TOWN_HALL and not data.get("competent_body", "").strip():
            self.add_error("competent_body", _("Indiquez l’organisme compétent vers lequel l’usager doit se tourner."))
        elif outcome == ClosingOutcome.DUPLICATE and not data.get("duplicate_reference", "").strip():
            self.add_error("duplicate_reference", _("Indiquez le numéro de suivi de la demande conservée."))
        return data


class AssignForm(VersionedForm):
    assignee = AgentChoiceField(label=_("Agent en charge"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        assignee.queryset = agents_queryset().filter(agent__services=service).distinct()
        assignee.empty_label = _("Personne")


class PriorityForm(VersionedForm):
    priority = forms.ModelChoiceField(
        label=_("Priorité"), queryset=Priority.objects.order_by("order", "name"), empty_label=None
    )


class TransferForm(VersionedForm):
    service = forms.ModelChoiceField(label=_("Vers le service"), queryset=Service.objects.none())
    reason = forms.CharField(label=_("Motif du transfert"), max_length=500)

    def __init__(self, *args: Any, current: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["service"]).queryset = Service.objects.filter(is_active=True).exclude(
            pk=current.pk
        )


class PlaceForm(LocationForm):
    """An agent corrects the place (issue 17): the citizen's location block, and the version the agent saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PhotoPublishForm(forms.Form):
    description = forms.CharField(
        label=_("Ce que montre la photo"),
        help_text=_("Texte lu à la place de l’image, par exemple « lampadaire penché au coin de la rue »."),
        max_length=150,
        required=False,
    )
