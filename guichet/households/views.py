"""Espace famille: the account holder lists, adds, edits and archives the members of their household."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.guards import citizen_login_required
from guichet.accounts.guards import posted as _posted
from guichet.accounts.requests import SignedInRequest
from guichet.accounts.services import account_citizen
from guichet.households import selectors, services
from guichet.households.forms import MemberForm
from guichet.households.models import HouseholdMember

MEMBER_FIELDS = ("first_name", "last_name", "birth_date", "relationship")


def _member(request: SignedInRequest, public_id: str) -> HouseholdMember:
    """The member, only if it belongs to the signed-in holder's household; 404 otherwise."""
    member = selectors.member_of(account_citizen(request.user), public_id)
    if member is None:
        raise Http404
    return member


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@require_GET
@citizen_login_required
def household(request: SignedInRequest) -> HttpResponse:
    members = selectors.household_of(account_citizen(request.user), include_archived=True)
    return render(request, "households/household.html", {"members": members})


@require_http_methods(["GET", "POST"])
@citizen_login_required
def member_add(request: SignedInRequest) -> HttpResponse:
    form = MemberForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(citizen=account_citizen(request.user), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s fait maintenant partie de votre foyer.") % {"name": member.full_name})
            return redirect(_next_or(request, "households:household"))
    status = 400 if form.is_bound else 200
    context = {"form": form, "next": _next_or(request, "")}
    return render(request, "households/member_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@citizen_login_required
def member_edit(request: SignedInRequest, public_id: str) -> HttpResponse:
    member = _member(request, public_id)
    form = MemberForm(_posted(request), initial={name: getattr(member, name) for name in MEMBER_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(member=member, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Les informations de %(name)s sont enregistrées.") % {"name": member.full_name})
            return redirect("households:household")
    status = 400 if form.is_bound else 200
    return render(request, "households/member_form.html", {"form": form, "member": member}, status=status)


@require_POST
@citizen_login_required
def member_archive(request: SignedInRequest, public_id: str) -> HttpResponse:
    member = services.member_archive(member=_member(request, public_id))
    messages.success(
        request,
        _("%(name)s est archivé : ses demandes passées restent, il n’est plus proposé pour les nouvelles.")
        % {"name": member.full_name},
    )
    return redirect("households:household")


@require_POST
@citizen_login_required
def member_restore(request: SignedInRequest, public_id: str) -> HttpResponse:
    member = services.member_restore(member=_member(request, public_id))
    messages.success(request, _("%(name)s fait de nouveau partie de votre foyer.") % {"name": member.full_name})
    return redirect("households:household")
