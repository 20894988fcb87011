from django.contrib.auth import views as auth_views

from guichet.signin.forms import AgentSignInForm


class LoginView(auth_views.LoginView):
    # The form limits attempts per address and per account, and logs refusals (guichet.signin).
    authentication_form = AgentSignInForm
    template_name = "backoffice/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
