from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import agent_required
from guichet.organisation.models import AlertMode
from guichet.organisation.services import agent_set_alert_mode


class PreferencesForm(forms.Form):
    alert_mode = forms.ChoiceField(
        label=gettext_lazy("Alertes par courriel (nouvelle demande dans mon service, réponse d’un usager)"),
        choices=AlertMode.choices,
        widget=forms.RadioSelect,
    )


@agent_required
def preferences(request: SignedInRequest) -> HttpResponse:
    agent = request.user.agent
    form = PreferencesForm(request.POST or None, initial={"alert_mode": agent.alert_mode})
    if request.method == "POST" and form.is_valid():
        agent_set_alert_mode(agent=agent, alert_mode=form.cleaned_data["alert_mode"])
        messages.success(request, _("Vos préférences sont enregistrées."))
        return redirect("backoffice:preferences")
    return render(request, "backoffice/preferences.html", {"form": form}, status=400 if form.errors else 200)
