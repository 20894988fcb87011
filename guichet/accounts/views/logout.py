"""Sign-out: local, then at the identity provider when the citizen signed in through one."""

from allauth.account.adapter import get_adapter
from allauth.account.internal import flows
from allauth.account.internal.decorators import login_not_required
from allauth.account.views import LogoutView as AllauthLogoutView
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from guichet.accounts import single_logout


@method_decorator(login_not_required, name="dispatch")
class LogoutView(AllauthLogoutView):
    """allauth's (GET: a confirmation page, POST: sign-out), which then sends the browser to the provider."""

    def post(self, *args, **kwargs) -> HttpResponse:
        login = single_logout.current_login(self.request)  # read before the session is flushed
        if login is None:
            return super().post(*args, **kwargs)
        next_url = self.get_redirect_url()
        # "You have signed out" waits for the provider's answer: see logout_return.
        flows.logout.logout(self.request, show_message=False)
        return redirect(single_logout.logout_redirect_url(self.request, login, next_url=next_url))


@require_GET
@login_not_required
def logout_return(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back (post_logout_redirect_uri); ``state`` must be ours."""
    next_url = single_logout.logout_return_checked(request, request.GET.get("state", ""))
    if next_url is None:
        return render(request, "accounts/logout_failed.html", status=400)
    get_adapter(request).add_message(request, messages.SUCCESS, "account/messages/logged_out.txt")
    return redirect(next_url)
