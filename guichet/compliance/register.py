"""The register of processing activities (GDPR art. 30.1), generated from the configuration.

Each activity states its purposes, legal basis (art. 6.1), people and categories of data, recipients and
retention. Requests are listed per request type (their fields say which data), grouped by service; the
retention comes from ``durations.py``.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.catalogue.models import FieldKind, RequestType
from guichet.compliance import durations
from guichet.organisation.models import Commune

PUBLIC_TASK = "public_task"
LEGAL_OBLIGATION = "legal_obligation"
CONSENT = "consent"


def legal_basis_label(basis: str) -> str:
    return {
        PUBLIC_TASK: _("Mission d’intérêt public (article 6.1.e du RGPD)"),
        LEGAL_OBLIGATION: _("Obligation légale (article 6.1.c du RGPD)"),
        CONSENT: _("Consentement (article 6.1.a du RGPD)"),
    }[basis]


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    purposes: str
    legal_basis: str
    data_subjects: str
    categories: list[str]
    recipients: list[str]
    retention: str
    service: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def legal_basis_label(self) -> str:
        return legal_basis_label(self.legal_basis)


IDENTITY = gettext_lazy("identité (nom, prénom)")


def _contact() -> list[str]:
    return [str(IDENTITY), _("coordonnées (courriel, téléphone, adresse postale)"), _("canal de contact préféré")]


FIELD_CATEGORIES: dict[str, Promise] = {  # lazy: read in the language of each request
    FieldKind.EMAIL: gettext_lazy("coordonnées (courriel, téléphone, adresse postale)"),
    FieldKind.PHONE: gettext_lazy("coordonnées (courriel, téléphone, adresse postale)"),
    FieldKind.ADDRESS: gettext_lazy("adresse ou lieu concerné"),
    FieldKind.FILE: gettext_lazy("pièces jointes"),
    FieldKind.DATE: gettext_lazy("dates indiquées dans la demande"),
}


def _type_categories(request_type: RequestType) -> list[str]:
    categories = [*_contact(), _("contenu de la demande et échanges avec la mairie")]
    for field_row in request_type.fields.all():
        category = FIELD_CATEGORIES.get(field_row.kind)
        if category is not None and str(category) not in categories:
            categories.append(str(category))
    if request_type.requires_family_member:
        categories.append(_("membre du foyer concerné (nom, prénom, date de naissance, lien)"))
    return [str(category) for category in categories]


def _partners(commune: Commune) -> list[str]:
    return [line.strip() for line in commune.privacy_recipients.splitlines() if line.strip()]


def request_activities(commune: Commune) -> list[Activity]:
    types = (
        RequestType.objects.filter(is_active=True)
        .select_related("service")
        .prefetch_related("fields")
        .order_by("service__name", "order", "name")
    )
    return [
        Activity(
            key=f"demarche:{request_type.slug}",
            name=_("Démarche « %(name)s »") % {"name": request_type.name},
            service=request_type.service.name,
            purposes=_("Recevoir, instruire et répondre à la demande de l’usager ; l’informer de son suivi."),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Usagers qui font la demande (et, le cas échéant, le membre du foyer concerné)"),
            categories=_type_categories(request_type),
            recipients=[
                _("Agents du service « %(service)s »") % {"service": request_type.service.name},
                _("Agents d’accueil et du service courrier, responsables, administrateurs"),
                *_partners(commune),
            ],
            retention=durations.request_retention_text(request_type),
        )
        for request_type in types
    ]


def other_activities(commune: Commune) -> list[Activity]:
    partners = _partners(commune)
    return [
        Activity(
            key="comptes",
            name=_("Comptes citoyens et espace famille"),
            purposes=_(
                "Permettre à l’usager de suivre ses demandes, de préremplir ses formulaires et de déclarer son foyer."
            ),
            legal_basis=CONSENT,
            data_subjects=_("Usagers qui créent un compte ; membres de leur foyer"),
            categories=[*_contact(), _("identité FranceConnect le cas échéant"), _("membres du foyer")],
            recipients=[_("Agents de la mairie pour les demandes de l’usager")],
            retention=_("Jusqu’à la suppression du compte par l’usager."),
        ),
        Activity(
            key="notifications",
            name=_("Notifications (courriel, SMS, courrier postal)"),
            purposes=_("Envoyer l’accusé de réception, les réponses et les rappels aux usagers ; alerter les agents."),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Usagers, agents"),
            categories=[_("coordonnées (courriel, téléphone, adresse postale)"), _("contenu des messages")],
            recipients=[_("Prestataire d’envoi des courriels"), _("Prestataire d’envoi des SMS"), *partners],
            retention=durations.notifications_retention_text(),
        ),
        Activity(
            key="courrier",
            name=_("Service courrier (lettres numérisées)"),
            purposes=_(
                "Enregistrer les lettres reçues et les rattacher aux demandes ; envoyer les réponses par la poste."
            ),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Usagers qui écrivent à la mairie"),
            categories=[*_contact(), _("contenu des lettres (image et texte reconnu)")],
            recipients=[_("Agents du service courrier et du service concerné")],
            retention=durations.requests_default_text(),
        ),
        Activity(
            key="courriels",
            name=_("Courriels reçus"),
            purposes=_(
                "Transformer les courriels des usagers en demandes ou en réponses ; trier ceux qui ne peuvent l’être."
            ),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Usagers qui écrivent à la mairie par courriel"),
            categories=[str(IDENTITY), _("adresse électronique"), _("contenu des courriels et pièces jointes")],
            recipients=[_("Agents d’accueil, responsables, administrateurs")],
            retention=durations.requests_default_text(),
        ),
        Activity(
            key="statistiques",
            name=_("Statistiques et résultats publics"),
            purposes=_("Mesurer la qualité du service (délais, volumes) et publier les résultats."),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Aucune personne identifiée : chiffres agrégés"),
            categories=[_("aucune donnée personnelle (type de demande, service, canal, dates)")],
            recipients=[_("Responsables, élus, public (résultats agrégés)")],
            retention=_("Sans limite : les chiffres ne désignent personne."),
        ),
        Activity(
            key="journal",
            name=_("Journal des accès aux données personnelles"),
            purposes=_("Tracer qui a consulté ou exporté les données des usagers (sécurité, article 32 du RGPD)."),
            legal_basis=LEGAL_OBLIGATION,
            data_subjects=_("Agents et partenaires (clés d’API)"),
            categories=[_("identité de l’agent"), _("identifiants des fiches consultées"), _("date et heure")],
            recipients=[_("Administrateurs, délégué à la protection des données")],
            retention=durations.days_text(settings.GUICHET_ACCESS_LOG_DAYS),
        ),
        Activity(
            key="agents",
            name=_("Comptes des agents et sécurité de la connexion"),
            purposes=_("Authentifier les agents, bloquer les tentatives de connexion répétées."),
            legal_basis=LEGAL_OBLIGATION,
            data_subjects=_("Agents de la mairie"),
            categories=[str(IDENTITY), _("identifiant, courriel professionnel"), _("échecs de connexion, adresse IP")],
            recipients=[_("Administrateurs")],
            retention=_("Pendant les fonctions de l’agent."),
        ),
        Activity(
            key="exports",
            name=_("Exports de demandes"),
            purposes=_("Permettre aux services de travailler sur des listes de demandes."),
            legal_basis=PUBLIC_TASK,
            data_subjects=_("Usagers"),
            categories=[*_contact(), _("contenu des demandes")],
            recipients=[_("Agent qui a demandé l’export")],
            retention=durations.hours_text(settings.GUICHET_EXPORT_FILE_HOURS),
        ),
    ]


def processing_register() -> list[Activity]:
    commune = Commune.current()
    return [*request_activities(commune), *other_activities(commune)]


CSV_HEADER = (
    "Traitement",
    "Service",
    "Finalités",
    "Base légale",
    "Personnes concernées",
    "Catégories de données",
    "Destinataires",
    "Durée de conservation",
)


def register_csv(activities: Iterable[Activity]) -> str:
    """UTF-8 CSV with a BOM and ";" (what a spreadsheet in French opens as is)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for activity in activities:
        writer.writerow(
            (
                activity.name,
                activity.service,
                activity.purposes,
                activity.legal_basis_label,
                activity.data_subjects,
                " ; ".join(activity.categories),
                " ; ".join(activity.recipients),
                activity.retention,
            )
        )
    return out.getvalue()
