from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.backoffice.inbox import DEFAULT_SORT, InboxFilters
from guichet.catalogue.models import RequestType
from guichet.lib.uploads import MultipleAttachmentField
from guichet.organisation.models import Priority, Service
from guichet.tickets.lifecycle import TRANSITIONS, Channel, Status

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
            escalation=data.get("escalade") or "",
            search=(data.get("q") or "").strip(),
            sort=data.get("tri") or DEFAULT_SORT,
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


class NoteForm(VersionedForm):
    body = forms.CharField(label=_("Note interne"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleAttachmentField(label=_("Pièces jointes"))  # type: ignore[assignment]  # a declared field, not BaseForm.files


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=Status.choices)
    reason = forms.CharField(label=_("Motif"), required=False, max_length=500)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            (s, Status(s).label) for s in Status if s in TRANSITIONS[current]
        ]


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
