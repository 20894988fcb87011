"""The attestation of an implicit acceptance (CRPA L232-3), as a PDF the citizen downloads from their page.

« La décision implicite d'acceptation fait l'objet, à la demande de l'intéressé, d'une attestation délivrée
par l'administration. » Delivered at once, to whoever holds access to the ticket, and only for a ticket whose
implicit acceptance was recorded (``tickets.services.implicit_decision_record``).
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from guichet.lib.pdf import weasyprint as weasyprint_module
from guichet.organisation.models import Commune
from guichet.tickets.models import Ticket


def implicit_acceptance_attestation_pdf(ticket: Ticket) -> bytes:
    """The attestation as PDF bytes; ``ticket`` must carry a recorded implicit acceptance."""
    if not ticket.implicitly_accepted:
        raise ValueError(f"Ticket {ticket.reference} has no implicit acceptance to attest")
    context = {"commune": Commune.current(), "ticket": ticket, "issued_on": timezone.localdate()}
    # Citizen-facing, like the notifications: French whatever the interface language.
    with translation.override("fr"):
        html = render_to_string("tickets/attestation.html", context)
    weasyprint = weasyprint_module()
    document = weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols={"data"}))
    return document.write_pdf()
