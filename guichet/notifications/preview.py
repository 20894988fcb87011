"""What a notification looks like, for the administrator editing its wording: a sample ticket, never saved."""

import datetime

from django.utils import timezone

from guichet.catalogue.models import RequestType
from guichet.citizens.models import Citizen
from guichet.notifications.models import Notification, TemplateOverride
from guichet.notifications.rendering import Rendered, render_notification
from guichet.organisation.models import Service
from guichet.tickets.lifecycle import Channel, Status
from guichet.tickets.models import Message, Ticket


def sample_ticket() -> Ticket:
    now = timezone.now()
    request_type = RequestType(name="Signaler un nid-de-poule ou une chaussée dégradée", slug="exemple")
    return Ticket(
        reference="K7Q2M9XDH",
        request_type=request_type,
        service=Service(name="Voirie", slug="voirie"),
        citizen=Citizen(first_name="Hélène", last_name="Lefèvre", email="helene.lefevre@example.org"),
        channel=Channel.WEB,
        status=Status.AWAITING_CITIZEN,
        subject=request_type.name,
        answers=[
            {"code": "adresse", "label": "Adresse", "kind": "address",
             "value": {"street": "12 rue de l'Église", "postcode": "45270", "city": "Villebrune"}},
            {"code": "description", "label": "Description", "kind": "long_text", "value": "Un trou de 20 cm."},
        ],
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        due_date=timezone.localdate() + datetime.timedelta(days=14),
    )  # fmt: skip


def template_preview(override: TemplateOverride) -> Rendered:
    notification = Notification(ticket=sample_ticket(), template=override.template, channel=override.channel)
    message = Message(body="Bonjour, pouvez-vous nous envoyer une photo de l'endroit ?")
    return render_notification(
        notification,
        access_token="exemple-de-lien-personnel",
        access_code="123456",
        survey_token="K7Q2M9XDH3TP0ABC",
        override=override,
        extra_context={"message": message},
    )
