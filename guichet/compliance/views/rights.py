"""A citizen's rights answered by the administrator or the data protection officer, from the citizen's page.

GET the page; JSON and PDF copies (right of access); POST a rectification; POST an erasure. Each is logged.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.requests import SignedInRequest
from guichet.backoffice.guards import role_required
from guichet.citizens.models import Citizen
from guichet.compliance.forms import EraseForm, RectifyForm
from guichet.compliance.rights import citizen_data_access, citizen_rectify, erase_citizen
from guichet.organisation.roles import may_answer_data_requests

FORBIDDEN = "compliance/forbidden.html"
RECORD_FIELDS = tuple(RectifyForm.base_fields)


def _page(request: SignedInRequest, citizen: Citizen, status: int = 200, **forms) -> HttpResponse:
    initial = {name: getattr(citizen, name) for name in RECORD_FIELDS}
    context = {
        "citizen": citizen,
        "rectify_form": forms.get("rectify_form") or RectifyForm(initial=initial),
        "erase_form": forms.get("erase_form") or EraseForm(),
    }
    return render(request, "compliance/citizen_rights.html", context, status=status)


@require_GET
@role_required(may_answer_data_requests, FORBIDDEN)
def citizen_rights(request: SignedInRequest, public_id: str) -> HttpResponse:
    return _page(request, get_object_or_404(Citizen, public_id=public_id))


@require_GET
@role_required(may_answer_data_requests, FORBIDDEN)
def citizen_data_json(request: SignedInRequest, public_id: str) -> HttpResponse:
    citizen = get_object_or_404(Citizen, public_id=public_id)
    data = citizen_data_access(citizen=citizen, actor=request.user, pdf=False, path=request.path)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donnees-{citizen.public_id}.json"'
    return response


@require_GET
@role_required(may_answer_data_requests, FORBIDDEN)
def citizen_data_pdf(request: SignedInRequest, public_id: str) -> HttpResponse:
    citizen = get_object_or_404(Citizen, public_id=public_id)
    pdf = citizen_data_access(citizen=citizen, actor=request.user, pdf=True, path=request.path)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="donnees-{citizen.public_id}.pdf"'
    return response


@require_POST
@role_required(may_answer_data_requests, FORBIDDEN)
def rectify(request: SignedInRequest, public_id: str) -> HttpResponse:
    citizen = get_object_or_404(Citizen, public_id=public_id)
    form = RectifyForm(request.POST)
    if not form.is_valid():
        return _page(request, citizen, status=400, rectify_form=form)
    try:
        changed = citizen_rectify(citizen=citizen, actor=request.user, changes=form.cleaned_data, path=request.path)
    except ValidationError as error:
        citizen.refresh_from_db()
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return _page(request, citizen, status=400, rectify_form=form)
    messages.success(request, _("Fiche rectifiée.") if changed else _("Aucune modification."))
    return redirect("backoffice:citizen_rights", public_id=citizen.public_id)


@require_POST
@role_required(may_answer_data_requests, FORBIDDEN)
def erase(request: SignedInRequest, public_id: str) -> HttpResponse:
    citizen = get_object_or_404(Citizen, public_id=public_id)
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _page(request, citizen, status=400, erase_form=form)
    try:
        erase_citizen(citizen, request.user, path=request.path)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("backoffice:citizen_rights", public_id=citizen.public_id)
    messages.success(request, _("Les données personnelles de l’usager ont été effacées."))
    return redirect("backoffice:citizen", public_id=citizen.public_id)
