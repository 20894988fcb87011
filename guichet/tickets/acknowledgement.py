"""What an acknowledgement of receipt states, whatever the channel: one context for every template.

CRPA article R112-5 (read on Légifrance, LEGIARTI000031369981): the acknowledgement provided by L112-3
states (1°) the date of receipt and the date at which, without an express decision, the request will be
deemed accepted or rejected; (2°) the designation, postal address, email if any, and phone of the service in
charge; (3°) where relevant, the information of L114-5 (missing documents). It says whether the request may
give rise to an implicit rejection or acceptance: for a rejection, the appeal delays and routes; for an
acceptance, the possibility of the attestation of L232-3.

CRPA article R112-4: no acknowledgement is issued (1°) when a decision in the applicant's favour is acquired
within fifteen days of the receipt, or (2°) for a document or service the administration can only check the
conditions of. A request type marked ``acknowledgement_exempt`` is such a case: the citizen still gets the
receipt of their request (date, number, follow-up link), without the mentions below.

Every channel (email, the page an SMS links to, counter receipt, letter) renders ``ack`` through
``_partials/acknowledgement.html`` or ``.txt``; the checker (``acknowledgement_problems``) and the tests read
the same mentions.
"""

import html
from dataclasses import dataclass, field

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.catalogue.models import LegalRegime, RequestType
from guichet.notifications.models import Notification, NotificationChannel, Template, TemplateOverride
from guichet.notifications.rendering import render_notification
from guichet.organisation.models import Commune
from guichet.tickets.models import Ticket
from guichet.tickets.selectors import missing_documents


class Mention:
    """The keys of the required mentions (docs/LEGAL.md, « Accusé de réception »)."""

    RECEIVED_ON = "received_on"
    SERVICE = "service"
    SERVICE_ADDRESS = "service_address"
    SERVICE_EMAIL = "service_email"
    SERVICE_PHONE = "service_phone"
    MISSING_DOCUMENTS = "missing_documents"
    IMPLICIT_DECISION_DATE = "implicit_decision_date"
    SILENCE_MEANS = "silence_means"
    APPEAL = "appeal"
    ATTESTATION = "attestation"


CONTACT_MENTIONS = (Mention.SERVICE, Mention.SERVICE_ADDRESS, Mention.SERVICE_EMAIL, Mention.SERVICE_PHONE)


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    text: str
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Acknowledgement:
    exempt: bool
    lines: list[Line]

    def mention(self, key: str) -> Line | None:
        return next((line for line in self.lines if line.key == key), None)


def required_mentions(request_type: RequestType) -> list[str]:
    """The mentions every acknowledgement of this type must carry (the missing documents come on top, if any)."""
    if request_type.acknowledgement_exempt:
        return []
    mentions = [Mention.RECEIVED_ON, *CONTACT_MENTIONS]
    if request_type.legal_regime == LegalRegime.SVA:
        mentions += [Mention.IMPLICIT_DECISION_DATE, Mention.SILENCE_MEANS, Mention.ATTESTATION]
    elif request_type.legal_regime == LegalRegime.SVR:
        mentions += [Mention.IMPLICIT_DECISION_DATE, Mention.SILENCE_MEANS, Mention.APPEAL]
    return mentions


def acknowledgement(ticket: Ticket) -> Acknowledgement:
    """The mentions of ``ticket``'s acknowledgement, as French sentences (call inside the citizen's language)."""
    request_type = ticket.request_type
    if request_type.acknowledgement_exempt:
        return Acknowledgement(exempt=True, lines=[])
    commune = Commune.current()
    contact = ticket.service.contact
    received = timezone.localtime(ticket.created_at)
    lines = [
        Line(Mention.RECEIVED_ON, _("Date de réception de votre demande"), formats.date_format(received, "j F Y")),
        Line(Mention.SERVICE, _("Service chargé de votre demande"), contact.designation),
        Line(Mention.SERVICE_ADDRESS, _("Adresse postale du service"), ", ".join(contact.postal_address.split("\n"))),
        Line(Mention.SERVICE_EMAIL, _("Courriel du service"), contact.email),
        Line(Mention.SERVICE_PHONE, _("Téléphone du service"), contact.phone),
    ]
    if documents := missing_documents(ticket) if ticket.pk else []:
        text = _("Votre demande est incomplète. Pour que nous puissions l'instruire, envoyez-nous :")
        lines.append(Line(Mention.MISSING_DOCUMENTS, _("Pièces manquantes"), text, items=documents))
    if request_type.has_implicit_decision:
        lines += _implicit_decision_lines(ticket, request_type, commune)
    return Acknowledgement(exempt=False, lines=[line for line in lines if line.text])


def _implicit_decision_lines(ticket: Ticket, request_type: RequestType, commune: Commune) -> list[Line]:
    accepted = request_type.legal_regime == LegalRegime.SVA
    if ticket.implicit_decision_on:
        day = formats.date_format(ticket.implicit_decision_on, "j F Y")
        if accepted:
            date_text = _("Sans décision de la mairie le %(day)s, votre demande sera réputée acceptée à cette date.")
        else:
            date_text = _("Sans décision de la mairie le %(day)s, votre demande sera réputée rejetée à cette date.")
        date_text %= {"day": day}
    else:  # not computed (yet): the delay itself, from the receipt of the complete request
        delay = _delay(request_type)
        if accepted:
            date_text = _(
                "Sans décision de la mairie dans un délai de %(delay)s à compter de la réception de votre demande "
                "complète, elle sera réputée acceptée."
            )
        else:
            date_text = _(
                "Sans décision de la mairie dans un délai de %(delay)s à compter de la réception de votre demande "
                "complète, elle sera réputée rejetée."
            )
        date_text %= {"delay": delay}
    if accepted:
        silence = _(
            "Votre demande est susceptible de donner lieu à une décision implicite d'acceptation : le silence "
            "gardé par la mairie vaut acceptation."
        )
        # CRPA L232-3: the implicit acceptance is attested by the administration at the applicant's request.
        last = Line(
            Mention.ATTESTATION,
            _("Attestation"),
            _(
                "Si votre demande est acceptée implicitement, vous pourrez demander à la mairie une attestation "
                "de cette décision (article L232-3 du code des relations entre le public et l'administration)."
            ),
        )
    else:
        silence = _(
            "Votre demande est susceptible de donner lieu à une décision implicite de rejet : le silence gardé "
            "par la mairie vaut rejet."
        )
        last = Line(Mention.APPEAL, _("Délais et voies de recours"), _appeal_text(commune))
    return [
        Line(Mention.IMPLICIT_DECISION_DATE, _("Date de décision implicite"), date_text),
        Line(Mention.SILENCE_MEANS, _("Silence de la mairie"), silence),
        last,
    ]


def _appeal_text(commune: Commune) -> str:
    # Code de justice administrative R421-2: two months from the birth of the implicit rejection, to appeal.
    # CRPA L232-4: the reasons, asked within that delay, are given within a month, and the delay then runs
    # until two months after they are given. Télérecours citoyens: the administrative courts' online filing.
    court = " ".join(commune.administrative_court.split())
    court = (
        _("le tribunal administratif (%(court)s)") % {"court": court}
        if court
        else _("le tribunal administratif compétent")
    )
    return _(
        "Vous pourrez contester la décision implicite de rejet dans un délai de deux mois à compter de la date "
        "à laquelle elle sera née : par un recours gracieux adressé au maire, ou par un recours contentieux "
        "devant %(court)s, y compris par l'application Télérecours citoyens (www.telerecours.fr). Dans ce délai, "
        "vous pouvez aussi demander les motifs de la décision : ils vous seront communiqués dans le mois, et le "
        "délai de recours sera prolongé jusqu'à deux mois après cette communication (article L232-4 du code des "
        "relations entre le public et l'administration)."
    ) % {"court": court}


def _delay(request_type: RequestType) -> str:
    parts = []
    if months := request_type.implicit_decision_months:
        parts.append(ngettext("%(count)d mois", "%(count)d mois", months) % {"count": months})
    if days := request_type.implicit_decision_days:
        parts.append(ngettext("%(count)d jour", "%(count)d jours", days) % {"count": days})
    return _(" et ").join(parts)


# The checker ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    request_type: RequestType
    mention: str
    message: str

    def __str__(self) -> str:
        return f"{self.request_type.name} : {self.message}"


def acknowledgement_problems(request_type: RequestType) -> list[Problem]:
    """What an acknowledgement of this type would lack, from the commune's configuration (empty: complete)."""
    required = required_mentions(request_type)
    if not required:
        return []
    commune = Commune.current()
    contact = request_type.service.contact
    problems = []

    def missing(mention: str, message: str) -> None:
        problems.append(Problem(request_type, mention, message))

    service = request_type.service.name
    if not contact.postal_address:
        missing(
            Mention.SERVICE_ADDRESS,
            _("ni le service « %(service)s » ni la commune n'ont d'adresse postale.") % {"service": service},
        )
    if not contact.email:
        missing(
            Mention.SERVICE_EMAIL,
            _("ni le service « %(service)s » ni la commune n'ont de courriel.") % {"service": service},
        )
    if not contact.phone:
        missing(
            Mention.SERVICE_PHONE,
            _("ni le service « %(service)s » ni la commune n'ont de téléphone.") % {"service": service},
        )
    if request_type.has_implicit_decision and not (
        request_type.implicit_decision_months or request_type.implicit_decision_days
    ):
        missing(Mention.IMPLICIT_DECISION_DATE, _("le délai de décision implicite est nul (0 mois et 0 jour)."))
    if Mention.APPEAL in required and not commune.administrative_court.strip():
        missing(
            Mention.APPEAL,
            _("la commune n'a pas indiqué son tribunal administratif (voies de recours contre un rejet implicite)."),
        )
    return problems


def acknowledgement_configuration_problems() -> list[Problem]:
    """Every active request type whose acknowledgement would miss a required mention."""
    request_types = RequestType.objects.filter(is_active=True).select_related("service").order_by("name", "pk")
    overrides = list(TemplateOverride.objects.filter(template=Template.ACKNOWLEDGEMENT, is_active=True))
    problems = []
    for request_type in request_types:
        problems += acknowledgement_problems(request_type)
        for override in overrides:
            problems += _override_problems(override, request_type)
    return problems


def _override_problems(override: TemplateOverride, request_type: RequestType) -> list[Problem]:
    """The commune's own wording of the acknowledgement must still carry the mentions (or link to them, by SMS)."""
    required = required_mentions(request_type)
    if not required:
        return []
    now = timezone.now()
    sample = Ticket(
        reference="EXEMPLE00",
        request_type=request_type,
        service=request_type.service,
        subject=request_type.name,
        created_at=now,
        due_date=timezone.localdate(now),
    )
    notification = Notification(ticket=sample, template=override.template, channel=override.channel)
    with translation.override("fr"):
        rendered = render_notification(notification, access_token="exemple", override=override)
        if override.channel == NotificationChannel.SMS:
            if "/s/EXEMPLE00/exemple/" in rendered.text:
                return []
            message = _("le texte personnalisé du SMS d'accusé de réception n'a plus le lien vers la demande.")
            return [Problem(request_type, Mention.RECEIVED_ON, message)]
        ack = acknowledgement(sample)
        text = "".join(rendered.text.split())
        markup = "".join(html.unescape(rendered.html).split())
        problems = []
        for key in required:
            line = ack.mention(key)
            wording = "".join(line.text.split()) if line else ""
            if not wording or wording not in text or wording not in markup:
                message = _("le texte personnalisé du courriel d'accusé de réception omet « %(label)s ».") % {
                    "label": line.label if line else key
                }
                problems.append(Problem(request_type, key, message))
        return problems


def notification_context(ticket: Ticket) -> dict[str, Acknowledgement]:
    """The acknowledgement notification's extra context (registered with notifications)."""
    return {"ack": acknowledgement(ticket)}
