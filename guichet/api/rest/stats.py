"""/api/v1/stats/: the statistics layer's figures (docs/METRICS.md) for what the caller may see.

The view computes nothing: it validates the filters, asks ``guichet.statistics`` and serialises its
shapes as they are, with ``n`` and ``publishable`` beside every median, percentile and share.
"""

from typing import Any, TypeVar

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from guichet.accounts.models import User
from guichet.api.models import Scope
from guichet.api.rest.schema import errors
from guichet.api.rest.serializers import QueryDateField
from guichet.catalogue.models import RequestType
from guichet.organisation.models import Service
from guichet.statistics.filters import Period, Preset, StatsFilter
from guichet.statistics.metrics import Report, ticket_backlog, ticket_stats, ticket_stats_compared
from guichet.statistics.outcomes import ticket_outcomes
from guichet.statistics.satisfaction import ticket_satisfaction
from guichet.tickets.lifecycle import Channel

Found = TypeVar("Found")

# Filters ------------------------------------------------------------------------------------------------


class StatsFilterSerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=Preset.choices,
        required=False,
        default=Preset.LAST_30_DAYS,
        help_text=_("30j, 12m, annee, ou perso avec start et end (jours locaux inclus)."),
    )
    start = QueryDateField(required=False, help_text=_("Premier jour de la période (période perso)."))
    end = QueryDateField(required=False, help_text=_("Dernier jour de la période (période perso)."))
    service = serializers.SlugField(required=False, help_text=_("Identifiant (slug) du service."))
    request_type = serializers.SlugField(required=False, help_text=_("Identifiant (slug) de la démarche."))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    agent = serializers.CharField(
        required=False, max_length=150, help_text=_("Identifiant de l'agent en charge aujourd'hui.")
    )
    compare = serializers.BooleanField(
        required=False, default=False, help_text=_("Ajouter la période précédente de même durée (previous).")
    )

    def validate_service(self, slug: str) -> Service:
        return _known(Service.objects.filter(slug=slug).first(), gettext("Service inconnu."))

    def validate_request_type(self, slug: str) -> RequestType:
        return _known(RequestType.objects.filter(slug=slug).first(), gettext("Démarche inconnue."))

    def validate_agent(self, username: str) -> User:
        agent = User.objects.filter(username=username, agent__isnull=False).first()
        return _known(agent, gettext("Agent inconnu."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start or end:
            attrs["period"] = Preset.CUSTOM
        if attrs["period"] == Preset.CUSTOM:
            if not (start and end):
                raise serializers.ValidationError({"start": _("Une période perso demande start et end.")})
            if end < start:
                raise serializers.ValidationError({"end": _("La fin de la période précède son début.")})
        return attrs

    def stats_filter(self) -> StatsFilter:
        data = self.validated_data
        return StatsFilter(
            period=Period.from_preset(data["period"], start=data.get("start"), end=data.get("end")),
            service=data.get("service"),
            request_type=data.get("request_type"),
            channel=data.get("channel", ""),
            assignee=data.get("agent"),
        )


def _known(found: Found | None, message: str) -> Found:
    if found is None:
        raise serializers.ValidationError(message, code="unknown")
    return found


# Figures: the layer's shapes, field for field -------------------------------------------------------------


class ShareSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    n = serializers.IntegerField(help_text=_("Nombre de demandes sur lequel la part est calculée."))
    percent = serializers.FloatField(allow_null=True, help_text=_("Arrondi au dixième ; null quand n vaut 0."))
    publishable = serializers.BooleanField(help_text=_("n atteint GUICHET_STATS_MIN_CELL : publiable."))


class DistributionSerializer(serializers.Serializer):
    n = serializers.IntegerField()
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    buckets = serializers.DictField(child=serializers.IntegerField(), help_text=_("Vide pour les heures."))
    publishable = serializers.BooleanField()


class DurationsSerializer(serializers.Serializer):
    working_days = DistributionSerializer(help_text=_("En jours ouvrés, attente du citoyen déduite."))
    hours = DistributionSerializer(help_text=_("En heures, attente du citoyen déduite."))


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class NamedCountSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class VolumeSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_day = DayCountSerializer(many=True)
    by_week = DayCountSerializer(many=True, help_text=_("Le lundi de chaque semaine."))
    by_month = DayCountSerializer(many=True, help_text=_("Le premier jour de chaque mois."))
    by_channel = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_service = NamedCountSerializer(many=True)
    by_request_type = NamedCountSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ReportSerializer(serializers.Serializer):
    period = PeriodSerializer()
    volume = VolumeSerializer()
    first_response = DurationsSerializer()
    resolution = DurationsSerializer()
    within_deadline = ShareSerializer()
    reopened = ShareSerializer()


class BacklogSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    by_age = serializers.DictField(child=serializers.IntegerField(), help_text=_("lt7, 7-30, 30-90, gte90 jours."))
    overdue = serializers.IntegerField()
    awaiting_citizen = ShareSerializer()


class OutcomesSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text=_("Demandes clôturées ou classées sans suite sur la période."))
    by_outcome = serializers.DictField(
        source="shares", child=ShareSerializer(), help_text=_("resolved, not_for_town_hall, no_follow_up, duplicate.")
    )


class RatingsSerializer(serializers.Serializer):
    good = serializers.IntegerField()
    medium = serializers.IntegerField()
    bad = serializers.IntegerField()
    n = serializers.IntegerField()
    satisfied = ShareSerializer(help_text=_("Part des réponses « Très bien » (good)."))


class SatisfactionRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("Slug du service ou de la démarche, canal, identifiant de l'agent."))
    # "name", not "label": a serializer's own attribute.
    name = serializers.CharField(source="label")
    n = serializers.IntegerField(help_text=_("Nombre d'avis."))
    publishable = serializers.BooleanField()
    ease = RatingsSerializer()
    quality = RatingsSerializer()
    delay = RatingsSerializer()
    not_resolved = ShareSerializer()


class SatisfactionSerializer(serializers.Serializer):
    overall = SatisfactionRowSerializer()
    by_service = SatisfactionRowSerializer(many=True)
    by_request_type = SatisfactionRowSerializer(many=True)
    by_channel = SatisfactionRowSerializer(many=True)
    by_agent = SatisfactionRowSerializer(many=True)


class StatsSerializer(ReportSerializer):
    backlog = BacklogSerializer(help_text=_("Les demandes ouvertes aujourd'hui (la période ne s'applique pas)."))
    outcomes = OutcomesSerializer(help_text=_("Issue des demandes terminées sur la période."))
    satisfaction = SatisfactionSerializer(help_text=_("Avis des usagers reçus sur la période."))
    previous = ReportSerializer(required=False, help_text=_("Avec compare=true : la période précédente."))


def _report_data(report: Report) -> dict[str, Any]:
    volume = report.volume
    slugs = {
        "service": dict(
            Service.objects.filter(pk__in=[pk for pk, _n, _c in volume.by_service]).values_list("pk", "slug")
        ),
        "request_type": dict(
            RequestType.objects.filter(pk__in=[pk for pk, _n, _c in volume.by_request_type]).values_list("pk", "slug")
        ),
    }
    return {
        **{name: getattr(report, name) for name in ("period", "first_response", "resolution")},
        "within_deadline": report.within_deadline,
        "reopened": report.reopened,
        "volume": {
            "total": volume.total,
            "by_day": [{"date": day, "count": count} for day, count in volume.by_day],
            "by_week": [{"date": day, "count": count} for day, count in volume.by_week],
            "by_month": [{"date": day, "count": count} for day, count in volume.by_month],
            "by_channel": volume.by_channel,
            "by_status": volume.by_status,
            "by_service": [
                {"slug": slugs["service"][pk], "name": name, "count": count} for pk, name, count in volume.by_service
            ],
            "by_request_type": [
                {"slug": slugs["request_type"][pk], "name": name, "count": count}
                for pk, name, count in volume.by_request_type
            ],
        },
    }


class Stats(GenericAPIView):
    """Read-only aggregates. Scope ``stats:read``: a dashboard may read them without ``tickets:read``,
    which would also open every request's personal data; the key still acts as an agent, whose
    visibility (the inbox's rule) bounds every figure."""

    read_scope = Scope.STATS_READ
    pagination_class = None

    @extend_schema(
        operation_id="stats_retrieve",
        summary="Statistiques : volumes, délais, respect des délais, stock (docs/METRICS.md)",
        description=(
            "Les chiffres de la couche statistique (définitions : docs/METRICS.md) sur les demandes que l'agent "
            "de la clé peut voir. Chaque médiane, centile et part porte son effectif `n` et `publishable` "
            "(`n` ≥ GUICHET_STATS_MIN_CELL). Le stock (`backlog`) est celui d'aujourd'hui, hors période."
        ),
        parameters=[StatsFilterSerializer],
        responses={200: StatsSerializer, **errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        form = StatsFilterSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        filters, user = form.stats_filter(), request.user
        if not isinstance(user, User):  # HasScope lets only an active agent's key or session through
            raise NotAuthenticated()
        if form.validated_data["compare"]:
            comparison = ticket_stats_compared(user=user, filters=filters)
            data = {**_report_data(comparison.current), "previous": _report_data(comparison.previous)}
        else:
            data = _report_data(ticket_stats(user=user, filters=filters))
        data["backlog"] = ticket_backlog(user=user, filters=filters)
        data["outcomes"] = ticket_outcomes(user=user, filters=filters)
        data["satisfaction"] = ticket_satisfaction(user=user, filters=filters)
        return Response(StatsSerializer(data).data)
