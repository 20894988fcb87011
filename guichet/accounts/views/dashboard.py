from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts import selectors
from guichet.accounts.forms import ClaimForm
from guichet.accounts.guards import citizen_login_required
from guichet.accounts.guards import posted as _posted
from guichet.accounts.requests import SignedInRequest
from guichet.accounts.services import account_citizen, tickets_claim
from guichet.households.selectors import household_of
from guichet.organisation import roles

PAGE_SIZE = 20


@require_GET
@citizen_login_required
def dashboard(request: SignedInRequest) -> HttpResponse:
    citizen = account_citizen(request.user)
    tickets = selectors.account_tickets(request.user)
    context = {
        "citizen": citizen,
        "page": Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page")),
        "claimable_count": selectors.claimable_tickets(request.user).count(),
        "members": household_of(citizen),
        "is_agent": roles.is_agent(request.user),
    }
    return render(request, "accounts/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@citizen_login_required
def claim(request: SignedInRequest) -> HttpResponse:
    """Earlier requests sent from the account's verified email: listed, attached only once confirmed."""
    claimable = list(selectors.claimable_tickets(request.user)[:100])
    choices = [(t.reference, t.reference) for t in claimable]
    form = ClaimForm(_posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        claimed = tickets_claim(user=request.user, references=form.cleaned_data["references"])
        messages.success(
            request,
            ngettext(
                "%(count)d demande a été rattachée à votre compte.",
                "%(count)d demandes ont été rattachées à votre compte.",
                len(claimed),
            )
            % {"count": len(claimed)},
        )
        return redirect("accounts:dashboard")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/claim.html", {"form": form, "tickets": claimable}, status=status)
