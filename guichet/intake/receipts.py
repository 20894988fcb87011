"""The receipt handed to a citizen whose request an agent entered at the counter: a PDF to print.

Two layouts: an A4 sheet for the office printer and an 80 mm ticket for a thermal receipt printer.
WeasyPrint is imported on first use: it takes about 0.6 s, paid only by processes that print.
"""

import base64
import io
import math
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.constants
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from guichet.lib.pdf import weasyprint as weasyprint_module
from guichet.organisation.models import Commune
from guichet.tickets.acknowledgement import acknowledgement
from guichet.tickets.models import Ticket

if TYPE_CHECKING:
    import weasyprint

LAYOUTS = frozenset({"a4", "ticket80"})
MM_PER_CSS_PX = 25.4 / 96
# WeasyPrint ignores `@page { size: 80mm auto }` (not a valid `size`: it falls back to A4). So the ticket is
# laid out on a long strip first, then again on a page exactly as long as its content, like a till receipt.
TICKET_STRIP_MM = 1000
TICKET_BOTTOM_MM = 6  # the 4 mm page margin plus a little paper before the cutter


def counter_receipt_pdf(*, ticket: Ticket, access_url: str, layout: str = "a4", survey_code: str = "") -> bytes:
    """The receipt as PDF bytes; ``access_url`` is the citizen's personal link, printed as a QR code.

    ``survey_code``: the satisfaction survey's code, for a citizen who will not get it by email or SMS.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown receipt layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    weasyprint = weasyprint_module()
    context: dict[str, Any] = {
        "layout": layout,
        "commune": Commune.current(),
        "ticket": ticket,
        "answers": [answer for answer in ticket.answers if answer.get("kind") != "file"],
        "attachments": _attachment_names(ticket.answers),
        "tracking_url": settings.SITE_URL + reverse("portal:track"),
        "qr_data_uri": qr_png_data_uri(access_url),
        "survey_code": survey_code,
        "survey_url": settings.SITE_URL + reverse("portal:survey_code"),
    }
    # Citizen-facing, like the notifications: French whatever the agent's interface language.
    with translation.override("fr"):
        context["ack"] = acknowledgement(ticket)
        html = render_to_string("receipts/counter_receipt.html", context)
    # Everything is inline: refusing other schemes keeps any stray URL from reaching the network or the disk.
    document = weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols={"data"}))
    if layout == "a4":
        return document.write_pdf()
    return _ticket_pdf(document)


def _ticket_pdf(document: "weasyprint.HTML") -> bytes:
    weasyprint = weasyprint_module()

    def length(mm: int) -> Any:
        return weasyprint.CSS(string=f"@page {{ size: 80mm {mm}mm }}")

    strip = document.render(stylesheets=[length(TICKET_STRIP_MM)])
    if len(strip.pages) > 1:  # over a metre of answers: several strips rather than one endless page
        return strip.write_pdf()
    content_mm = strip.pages[0].anchors["receipt-end"][1] * MM_PER_CSS_PX
    return document.write_pdf(stylesheets=[length(math.ceil(content_mm + TICKET_BOTTOM_MM))])


def _attachment_names(answers: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(field label, file name) of the file answers: the receipt names the files, never shows them."""
    names = []
    for answer in answers:
        if answer.get("kind") == "file":
            value = answer.get("value")
            for name in value if isinstance(value, list) else [value]:
                if name:
                    names.append((str(answer.get("label", "")), str(name)))
    return names


def qr_png_data_uri(data: str) -> str:
    # 10 px per module keeps the image sharp at any printed size (the template also turns off smoothing).
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
