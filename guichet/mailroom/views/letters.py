"""Letters waiting to be printed and posted: list, one batch PDF, mark as posted."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.compliance.access_log import access_list, access_ticket
from guichet.compliance.models import AccessAction, AccessObject
from guichet.mailroom.forms import LetterSelectionForm
from guichet.mailroom.guards import mail_room_required
from guichet.mailroom.letters import letter_render, letters_batch_pdf, letters_mark_sent
from guichet.mailroom.models import Letter
from guichet.mailroom.selectors import letters_to_print
from guichet.organisation.roles import is_supervisor

MAX_BATCH = 200


def _selection(request: HttpRequest) -> tuple[LetterSelectionForm, list[Letter]]:
    waiting = list(letters_to_print()[:MAX_BATCH])
    choices = [(letter.public_id, str(letter)) for letter in waiting]
    form = LetterSelectionForm(request.POST or None, choices=choices)
    if not form.is_bound or not form.is_valid():
        return form, []
    chosen = set(form.cleaned_data["letters"])
    return form, [letter for letter in waiting if letter.public_id in chosen]


@require_GET
@mail_room_required
def letter_list(request: SignedInRequest) -> HttpResponse:
    form, _chosen = _selection(request)
    context = {"letters": letters_to_print()[:MAX_BATCH], "form": form, "is_supervisor": is_supervisor(request.user)}
    return render(request, "mailroom/letters.html", context)


@require_POST
@mail_room_required
def print_batch(request: SignedInRequest) -> HttpResponse:
    _form, chosen = _selection(request)
    if not chosen:
        messages.error(request, _("Cochez au moins un courrier."))
        return redirect("backoffice:letters")
    access_list(
        request, AccessObject.TICKET, [letter.ticket.reference for letter in chosen], detail="courriers postaux"
    )
    response = HttpResponse(letters_batch_pdf(chosen), content_type="application/pdf")
    name = f"courriers-{timezone.localdate():%Y-%m-%d}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@require_POST
@mail_room_required
def mark_sent(request: SignedInRequest) -> HttpResponse:
    _form, chosen = _selection(request)
    if not chosen:
        messages.error(request, _("Cochez au moins un courrier."))
        return redirect("backoffice:letters")
    count = letters_mark_sent(letters=chosen, agent=request.user)
    messages.success(request, _("%(count)s courrier(s) marqué(s) comme posté(s).") % {"count": count})
    return redirect("backoffice:letters")


@require_GET
@mail_room_required
def letter_file(request: SignedInRequest, public_id: str) -> FileResponse:
    letter = Letter.objects.select_related("ticket").filter(public_id=public_id).first()
    if letter is None:
        raise Http404
    letter = letter_render(letter)
    access_ticket(request, letter.ticket, action=AccessAction.DOWNLOAD, detail="courrier postal")
    response = FileResponse(
        letter.pdf.open("rb"), content_type="application/pdf", filename=f"courrier-{letter.ticket.reference}.pdf"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
