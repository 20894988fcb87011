"""The satisfaction survey, without an account: ``/avis/<secret>/`` from an email or SMS, ``/avis/`` to type a
printed code. Unknown secrets are counted against the client like unknown references; every answer attempt
counts towards the submission limit."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guichet.organisation.models import Commune
from guichet.portal import throttle
from guichet.portal.forms import SurveyCodeForm, SurveyForm
from guichet.portal.views.errors import rate_limited
from guichet.surveys.models import Survey
from guichet.tickets.surveys import (
    Reopening,
    SurveyAnswer,
    SurveyClosed,
    SurveyState,
    survey_answer,
    survey_find,
    survey_refuse,
    survey_state,
)

STATE_STATUS = {SurveyState.ANSWERED: 200, SurveyState.EXPIRED: 410, SurveyState.IN_PROGRESS: 200}


@require_GET
def survey_code(request: HttpRequest) -> HttpResponse:
    form = SurveyCodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("portal:survey", token=form.cleaned_data["code"])
    return render(request, "portal/survey_code.html", {"form": form}, status=400 if form.is_bound else 200)


def _found(request: HttpRequest, token: str) -> Survey | HttpResponse:
    if throttle.lookups_blocked(request):
        return rate_limited(request)
    survey = survey_find(token)
    if survey is None:
        throttle.lookup_failed(request)
        return render(request, "portal/survey_not_found.html", {"form": SurveyCodeForm()}, status=404)
    return survey


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = _found(request, token)
    if isinstance(found, HttpResponse):
        return found
    state = survey_state(found)
    if state is not SurveyState.OPEN:
        context = {"survey": found, "ticket": found.ticket, "state": state.value, "days": settings.GUICHET_SURVEY_DAYS}
        return render(request, "portal/survey_closed.html", context, status=STATE_STATUS[state])
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if throttle.submission_blocked(request):
            return rate_limited(request)
        if form.is_valid():
            return _answer(request, found, token, form.cleaned_data)
    context = {"survey": found, "ticket": found.ticket, "form": form, "token": token}
    return render(request, "portal/survey.html", context, status=400 if form.is_bound else 200)


def _answer(request: HttpRequest, survey: Survey, token: str, data: dict) -> HttpResponse:
    try:
        reopening = survey_answer(survey=survey, answer=SurveyAnswer(**data))
    except SurveyClosed as closed:
        messages.error(request, closed.message)
        return redirect("portal:survey", token=token)
    messages.success(request, _("Merci : votre avis est enregistré."))
    if reopening is Reopening.REOPENED:
        messages.info(request, _("Votre demande est rouverte : l’agent qui la suit a reçu votre message."))
    elif reopening is Reopening.TOO_LATE:
        messages.warning(
            request,
            _(
                "Votre demande ne peut plus être rouverte : elle a été classée sans suite, ou clôturée il y a plus "
                "de %(days)s jours. Pour que la mairie reprenne le sujet, faites une nouvelle demande ou "
                "contactez-la en indiquant votre numéro de suivi %(reference)s."
            )
            % {"days": Commune.current().reopen_delay_days, "reference": survey.ticket.reference_display},
        )
    return redirect("portal:survey", token=token)


@require_http_methods(["GET", "POST"])
def survey_refuse_view(request: HttpRequest, token: str) -> HttpResponse:
    """No more surveys for this citizen: asked by a link in each invitation, confirmed by a button (POST)."""
    found = _found(request, token)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "POST":
        if throttle.submission_blocked(request):
            return rate_limited(request)
        refused = survey_refuse(survey=found)
        return render(request, "portal/survey_refused.html", {"ticket": found.ticket, "refused": refused})
    return render(request, "portal/survey_refuse.html", {"ticket": found.ticket, "token": token})
