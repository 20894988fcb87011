"""The supervisors' statistics page (issue 14): key figures, then charts, each with its data table.

Who: supervisors and administrators (every service), service agents (their services, through the metrics
layer's visibility). Reception and the mail room get a 403. Every number comes from ``guichet.statistics``;
this module only picks the filters and lays the figures out.
"""

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.forms import AgentChoiceField, agents_queryset
from guichet.backoffice.guards import role_required
from guichet.catalogue.models import RequestType
from guichet.exports.statistics_source import SOURCE as STATISTICS
from guichet.exports.views import export_response
from guichet.lib.dates import validate_in_range
from guichet.organisation.models import Service
from guichet.organisation.roles import may_export_citizen_data, may_see_statistics, sees_all_services, service_ids_of
from guichet.statistics.figures import Distribution, Share
from guichet.statistics.filters import Period, Preset, StatsFilter
from guichet.statistics.metrics import (
    AGE_BUCKETS,
    Backlog,
    Comparison,
    relative_change,
    ticket_backlog,
    ticket_stats_compared,
)
from guichet.statistics.outcomes import ticket_outcomes
from guichet.statistics.satisfaction import ticket_satisfaction
from guichet.statistics.series import (
    Step,
    durations_over_time,
    step_for,
    volume_by_channel_over_time,
    within_deadline_by_service,
)
from guichet.tickets.lifecycle import Channel, ClosingOutcome

DEFAULT_PRESET = Preset.LAST_12_MONTHS
# A longer custom period would only draw an unreadable chart (and a table of hundreds of months).
MAX_PERIOD_DAYS = 10 * 366
# The default comes first: a select with no choice made shows its first option, which must be the period shown.
PRESET_LABELS = {
    Preset.LAST_12_MONTHS: gettext_lazy("12 derniers mois"),
    Preset.LAST_30_DAYS: gettext_lazy("30 derniers jours"),
    Preset.THIS_YEAR: gettext_lazy("Depuis le 1er janvier"),
    Preset.CUSTOM: gettext_lazy("Dates choisies"),
}
AGE_LABELS = {
    "lt7": gettext_lazy("moins de 7 jours"),
    "7-30": gettext_lazy("7 à 30 jours"),
    "30-90": gettext_lazy("30 à 90 jours"),
    "gte90": gettext_lazy("90 jours et plus"),
}


def visible_services(user) -> QuerySet[Service]:
    services = Service.objects.order_by("name")
    return services if sees_all_services(user) else services.filter(pk__in=service_ids_of(user))


class PilotageForm(forms.Form):
    periode = forms.ChoiceField(
        label=gettext_lazy("Période"), choices=list(PRESET_LABELS.items()), required=False, initial=DEFAULT_PRESET
    )
    du = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    au = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.none(), required=False, empty_label=gettext_lazy("Tous")
    )
    demarche = forms.ModelChoiceField(
        label=gettext_lazy("Démarche"),
        queryset=RequestType.objects.none(),
        required=False,
        empty_label=gettext_lazy("Toutes"),
    )
    canal = forms.ChoiceField(
        label=gettext_lazy("Canal"), choices=[("", gettext_lazy("Tous"))] + Channel.choices, required=False
    )
    agent = AgentChoiceField(
        label=gettext_lazy("Agent en charge"),
        queryset=agents_queryset().none(),
        required=False,
        empty_label=gettext_lazy("Tous"),
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what the user may see: the choices are the visibility rule, not a hint.
        services = visible_services(user)
        cast(forms.ModelChoiceField, self.fields["service"]).queryset = services
        types = RequestType.objects.filter(service__in=services).order_by("name")
        cast(forms.ModelChoiceField, self.fields["demarche"]).queryset = types
        agents = agents_queryset()
        if not sees_all_services(user):
            agents = agents.filter(agent__services__in=services).distinct()
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = agents

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("periode") == Preset.CUSTOM:
            start, end = data.get("du"), data.get("au")
            if "du" not in self.errors and "au" not in self.errors:
                if not start or not end:
                    raise ValidationError(_("Indiquez les deux dates de la période choisie."))
                if end < start:
                    raise ValidationError(_("La date de fin précède la date de début."))
                if (end - start).days >= MAX_PERIOD_DAYS:
                    raise ValidationError(_("Choisissez une période de dix ans au plus."))
        return data

    def stats_filter(self) -> StatsFilter:
        data = self.cleaned_data if self.is_bound else {}
        preset = data.get("periode") or DEFAULT_PRESET
        period = Period.from_preset(preset, start=data.get("du"), end=data.get("au"))
        return StatsFilter(
            period=period,
            service=data.get("service"),
            request_type=data.get("demarche"),
            channel=data.get("canal") or "",
            assignee=data.get("agent"),
        )


statistics_required = role_required(may_see_statistics, "backoffice/pilotage_forbidden.html")


@statistics_required
def pilotage(request: SignedInRequest) -> HttpResponse:
    form = PilotageForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return render(request, "backoffice/pilotage.html", {"form": form}, status=400)
    filters = form.stats_filter()
    context = {
        "form": form,
        "filters": filters,
        "query_string": request.GET.urlencode(),
        "may_export_citizens": may_export_citizen_data(request.user),
        **_figures(request, filters),
        **_endings_and_satisfaction(request, filters),
    }
    return render(request, "backoffice/pilotage.html", context)


@require_POST
@statistics_required
def pilotage_export(request: SignedInRequest) -> HttpResponseBase:
    """The tickets received in the page's period, narrowed by its filters, in a file (the same export as the inbox's)."""
    query = request.GET.urlencode()
    back_url = reverse("backoffice:pilotage") + (f"?{query}" if query else "")
    form = PilotageForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Corrigez les filtres avant d'exporter."))
        return redirect(back_url)
    return export_response(request, source=STATISTICS, filters=export_filters(form.stats_filter()), back_url=back_url)


def export_filters(filters: StatsFilter) -> dict[str, list[str]]:
    """The page's filters as the statistics export source reads them (exports.statistics_source)."""
    chosen = {
        "debut": filters.period.start.isoformat(),
        "fin": filters.period.end.isoformat(),
        "service": str(filters.service.pk) if filters.service else "",
        "demarche": str(filters.request_type.pk) if filters.request_type else "",
        "canal": filters.channel,
        "agent": str(filters.assignee.pk) if filters.assignee else "",
    }
    return {key: [value] for key, value in chosen.items() if value}


def _figures(request: SignedInRequest, filters: StatsFilter) -> dict[str, Any]:
    user = request.user
    comparison = ticket_stats_compared(user=user, filters=filters, previous_in_full=False)
    backlog = ticket_backlog(user=user, filters=filters)
    step = step_for(filters.period)
    volume = volume_by_channel_over_time(user=user, filters=filters, step=step)
    channels = [(code, label) for code, label in Channel.choices if any(code in counts for _, counts in volume)]
    return {
        "previous_period": comparison.previous.period,
        "key_figures": key_figures(comparison, backlog),
        "step_is_week": step == Step.WEEK,
        "channels": channels,
        "volume_rows": [
            {
                "start": start,
                "label": step_label(start, step),
                "short": short_step_label(start, step),
                "counts": [counts.get(code, 0) for code, _ in channels],
                "total": sum(counts.values()),
            }
            for start, counts in volume
        ],
        "duration_rows": [
            {
                "label": step_label(row.start, step),
                "short": short_step_label(row.start, step),
                "first_response": row.first_response,
                "resolution": row.resolution,
            }
            for row in durations_over_time(user=user, filters=filters, step=step)
        ],
        "age_rows": [(AGE_LABELS[name], backlog.by_age[name]) for name, _, _ in AGE_BUCKETS],
        "deadline_rows": within_deadline_by_service(user=user, filters=filters),
    }


def _endings_and_satisfaction(request: SignedInRequest, filters: StatsFilter) -> dict[str, Any]:
    """How the tickets that ended in the period ended, and what the citizens said (statistics.outcomes, .satisfaction)."""
    outcomes = ticket_outcomes(user=request.user, filters=filters)
    satisfaction = ticket_satisfaction(user=request.user, filters=filters)
    return {
        "outcome_rows": [(label, outcomes.share(code)) for code, label in ClosingOutcome.choices],
        "outcomes_total": outcomes.n,
        "satisfaction": satisfaction,
        "satisfaction_groups": [
            (_("Par service"), _("Service"), satisfaction.by_service),
            (_("Par démarche"), _("Démarche"), satisfaction.by_request_type),
            (_("Par canal de la demande"), _("Canal"), satisfaction.by_channel),
            (_("Par agent en charge"), _("Agent"), satisfaction.by_agent),
        ],
    }


def step_label(start: datetime.date, step: str) -> str:
    if step == Step.WEEK:
        return _("sem. du %(day)s") % {"day": formats.date_format(start, "j b")}
    return formats.date_format(start, "b Y")


def short_step_label(start: datetime.date, step: str) -> str:
    """The chart's axis: the week's Monday or the month, short."""
    return formats.date_format(start, "j b" if step == Step.WEEK else "b y")


# Key figures ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One key figure: its text now and for the previous period, or the sample size when too small."""

    label: str
    value: str | None  # None: too few requests to show it
    n: int | None = None
    previous: str | None = None
    change: str | None = None
    note: str = ""


def key_figures(comparison: Comparison, backlog: Backlog) -> list[Figure]:
    now, before = comparison.current, comparison.previous
    change = relative_change(now.volume.total, before.volume.total)
    return [
        Figure(
            label=_("Demandes reçues"),
            value=formats.number_format(now.volume.total),
            previous=formats.number_format(before.volume.total),
            change=None if change is None else f"{change:+.0%}".replace("%", " %"),
        ),
        _days(_("Première réponse, médiane"), now.first_response.working_days, before.first_response.working_days),
        _days(
            _("Première réponse, 9 sur 10 en"),
            now.first_response.working_days,
            before.first_response.working_days,
            p90=True,
        ),
        _days(_("Résolution, médiane"), now.resolution.working_days, before.resolution.working_days),
        _days(_("Résolution, 9 sur 10 en"), now.resolution.working_days, before.resolution.working_days, p90=True),
        _share(_("Répondues dans le délai"), now.within_deadline, before.within_deadline),
        _share(_("Taux de réouverture"), now.reopened, before.reopened),
        Figure(label=_("En cours (stock)"), value=formats.number_format(backlog.open), note=_("aujourd’hui")),
        Figure(label=_("En retard"), value=formats.number_format(backlog.overdue), note=_("aujourd’hui")),
        _share(_("En attente de l’usager"), backlog.awaiting_citizen, None, note=_("part du stock, aujourd’hui")),
    ]


def days_text(value: float | None) -> str:
    days = int(value or 0)
    return ngettext("%(days)s jour ouvré", "%(days)s jours ouvrés", days) % {"days": days}


def percent_text(share: Share) -> str:
    return f"{formats.number_format(share.percent or 0, 0)} %"


def _days(label: str, now: Distribution, before: Distribution, *, p90: bool = False) -> Figure:
    def text(distribution: Distribution) -> str | None:
        if not distribution.publishable:
            return None
        return days_text(distribution.p90 if p90 else distribution.median)

    return Figure(label=label, value=text(now), n=now.n, previous=text(before) or "—")


def _share(label: str, now: Share, before: Share | None, note: str = "") -> Figure:
    def text(share: Share) -> str | None:
        return percent_text(share) if share.publishable else None

    previous = None if before is None else (text(before) or "—")
    return Figure(label=label, value=text(now), n=now.n, previous=previous, note=note)
