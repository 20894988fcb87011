"""Mail-room screens: the queue of scans, one scan beside its qualification form, the supervisor's backlog."""

import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.intake_forms import NewCitizenForm
from guichet.citizens.models import Citizen
from guichet.citizens.selectors import citizens_search
from guichet.compliance.access_log import access_list, access_mail_item
from guichet.compliance.models import AccessAction, AccessObject
from guichet.intake.channels.mail import mail_attach_to_thread, mail_submit
from guichet.lib.phones import display_phone
from guichet.lib.submission_keys import new_submission_key, parse_submission_key
from guichet.mailroom.forms import AttachForm, QualifyForm, ScanUploadForm, SplitForm
from guichet.mailroom.guards import get_item, mail_room_required, supervisor_required
from guichet.mailroom.models import MailItem, MailSource
from guichet.mailroom.selectors import mail_backlog, mail_items_to_qualify, tickets_by_reference
from guichet.mailroom.services import mail_item_receive, mail_item_reread, mail_item_split, parse_page_ranges
from guichet.mailroom.suggestions import suggest
from guichet.organisation.roles import is_supervisor
from guichet.tickets.exceptions import ReplyNotAllowed
from guichet.tickets.files import attachment_response

PAGE_SIZE = 25


@require_GET
@mail_room_required
def mail_list(request: SignedInRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(mail_items_to_qualify(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    access_list(request, AccessObject.MAIL_ITEM, [item.public_id for item in page.object_list])
    context = {
        "page": page,
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
        "upload_form": ScanUploadForm(),
        "backlog": mail_backlog(),
        "is_supervisor": is_supervisor(request.user),
    }
    return render(request, "mailroom/list.html", context)


@require_POST
@mail_room_required
def upload(request: SignedInRequest) -> HttpResponse:
    form = ScanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("backoffice:mail_list")
    added, known = 0, 0
    for upload_file in form.cleaned_data["files"]:
        try:
            _item, created = _receive_upload(upload_file, request, form.cleaned_data["received_on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            continue
        added, known = added + created, known + (not created)
    if added:
        messages.success(request, _("%(count)s scan(s) ajouté(s) à la file à qualifier.") % {"count": added})
    if known:
        messages.info(request, _("%(count)s scan(s) déjà reçu(s) : ignoré(s).") % {"count": known})
    return redirect("backoffice:mail_list")


def _receive_upload(upload_file, request: SignedInRequest, received_on) -> tuple[MailItem, bool]:
    with tempfile.NamedTemporaryFile(suffix=".scan") as spool:
        for chunk in upload_file.chunks():
            spool.write(chunk)
        spool.flush()
        return mail_item_receive(
            path=spool.name,
            name=upload_file.name or "scan",
            source=MailSource.UPLOAD,
            received_on=received_on,
            created_by=request.user,
        )


def _item_context(request: HttpRequest, item: MailItem, **forms) -> dict:
    found = suggest(item.ocr_text)
    chosen = (
        Citizen.objects.filter(public_id=request.GET.get("usager", "")).first() if "usager" in request.GET else None
    )
    query = request.GET.get("q", "").strip()[:100]
    first, last = found.names[0] if found.names else ("", "")
    postcode, city = found.postcodes[0] if found.postcodes else ("", "")
    initial = {
        "first_name": first, "last_name": last, "email": found.emails[0] if found.emails else "",
        "phone": display_phone(found.phones[0]) if found.phones else "", "postcode": postcode, "city": city,
        "street": found.streets[0] if found.streets else "",
    }  # fmt: skip
    # At most three of each (a letterhead may list many): a bounded number of indexed look-ups.
    known = [c for value in (*found.emails[:3], *found.phones[:3]) for c in citizens_search(query=value, limit=3)]
    return {
        "item": item,
        "pages": list(item.pages.all()),
        "suggestions": found,
        "matching_tickets": tickets_by_reference(found.references),
        "known_citizens": list({c.pk: c for c in known}.values())[:5],
        "citizen": chosen,
        "query": query,
        "results": citizens_search(query=query, limit=8) if query and chosen is None else [],
        "form": forms.get("form") or QualifyForm(),
        "citizen_form": forms.get("citizen_form") or NewCitizenForm(prefix="usager", initial=initial),
        "split_form": forms.get("split_form") or SplitForm(),
        "submission_key": new_submission_key(),
        "parts": list(item.parts.all()) if item.parent_id is None else [],
    }


@require_GET
@mail_room_required
def item_view(request: SignedInRequest, public_id: str) -> HttpResponse:
    item = get_item(public_id)
    access_mail_item(request, item)  # its page images are served to this page only: not logged one by one
    return render(request, "mailroom/item.html", _item_context(request, item))


@require_POST
@mail_room_required
def qualify(request: SignedInRequest, public_id: str) -> HttpResponse:
    item = get_item(public_id)
    citizen = Citizen.objects.filter(public_id=request.POST.get("usager", "")).first()
    form = QualifyForm(request.POST, request.FILES)
    citizen_form = None if citizen else NewCitizenForm(request.POST, prefix="usager")
    if item.is_open and form.is_valid() and (citizen_form is None or citizen_form.is_valid()):
        new_citizen = citizen_form.cleaned_data if citizen_form else None
        try:
            ticket = mail_submit(
                item=item,
                request_type=form.cleaned_data["demarche"],
                citizen=citizen,
                new_citizen=new_citizen,
                summary=form.cleaned_data["summary"],
                agent=request.user,
                uploads=form.cleaned_data["files"],
                submission_key=parse_submission_key(request.POST.get("submission_key")),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("backoffice:mail_item", public_id=item.public_id)
        messages.success(request, _("Demande %(ref)s créée à partir du courrier.") % {"ref": ticket.reference_display})
        return redirect("backoffice:ticket", reference=ticket.reference)
    if not item.is_open:
        messages.error(request, _("Ce courrier a déjà été traité."))
        return redirect("backoffice:mail_item", public_id=item.public_id)
    context = _item_context(request, item, form=form, citizen_form=citizen_form)
    context["citizen"] = citizen
    return render(request, "mailroom/item.html", context, status=400)


@require_POST
@mail_room_required
def attach(request: SignedInRequest, public_id: str) -> HttpResponse:
    item = get_item(public_id)
    form = AttachForm(request.POST)
    tickets = tickets_by_reference([form.data.get("reference", "")]) if form.is_valid() else []
    if not tickets:
        raise Http404
    try:
        ticket = mail_attach_to_thread(item=item, ticket=tickets[0], agent=request.user)
    except ReplyNotAllowed:
        messages.error(request, _("Cette demande est close depuis trop longtemps : créez une nouvelle demande."))
        return redirect("backoffice:mail_item", public_id=item.public_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("backoffice:mail_item", public_id=item.public_id)
    messages.success(request, _("Courrier ajouté au fil de la demande %(ref)s.") % {"ref": ticket.reference_display})
    return redirect("backoffice:ticket", reference=ticket.reference)


@require_POST
@mail_room_required
def split(request: SignedInRequest, public_id: str) -> HttpResponse:
    item = get_item(public_id)
    form = SplitForm(request.POST)
    if form.is_valid():
        try:
            ranges = parse_page_ranges(form.cleaned_data["ranges"], page_count=item.page_count)
            parts = mail_item_split(item=item, ranges=ranges, agent=request.user)
        except ValidationError as error:
            form.add_error("ranges", error)
        else:
            messages.success(request, _("Scan découpé en %(count)s courriers.") % {"count": len(parts)})
            return redirect("backoffice:mail_list")
    return render(request, "mailroom/item.html", _item_context(request, item, split_form=form), status=400)


@require_POST
@mail_room_required
def reread(request: SignedInRequest, public_id: str) -> HttpResponse:
    item = mail_item_reread(item=get_item(public_id))
    messages.info(request, _("Nouvelle lecture demandée pour « %(name)s ».") % {"name": item.original_name})
    return redirect("backoffice:mail_item", public_id=item.public_id)


@require_GET
@mail_room_required
def scan_file(request: SignedInRequest, public_id: str) -> FileResponse:
    item = get_item(public_id)
    stored = item.searchable_pdf or item.file
    access_mail_item(request, item, action=AccessAction.DOWNLOAD)
    return attachment_response(_Served(stored, item))


class _Served:
    """What attachment_response needs from a stored file."""

    def __init__(self, stored, item: MailItem) -> None:
        self.file = stored
        searchable = stored is item.searchable_pdf
        self.content_type = "application/pdf" if searchable else item.content_type
        self.original_name = item.original_name.rsplit(".", 1)[0] + ".pdf" if searchable else item.original_name


@require_GET
@mail_room_required
def page_image(request: SignedInRequest, public_id: str, number: int) -> FileResponse:
    page = get_item(public_id).pages.filter(number=number).first()
    if page is None:
        raise Http404
    response = FileResponse(page.image.open("rb"), content_type="image/png")
    response.headers["Cache-Control"] = "private, no-store"  # a citizen's letter: never left in a shared cache
    return response


@require_GET
@supervisor_required
def backlog(request: SignedInRequest) -> HttpResponse:
    page = Paginator(mail_items_to_qualify(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mailroom/backlog.html", {"backlog": mail_backlog(), "page": page, "query_string": ""})
