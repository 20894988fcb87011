"""Prepare the provider's database (RSA key, one client, one user) and serve it: ``serve.py PORT``.

Environment: OP_SITE_URL, OP_DATABASE, OP_REDIRECT_URIS and OP_POST_LOGOUT_REDIRECT_URIS (space-separated),
OP_CLIENT_ID, OP_CLIENT_SECRET, OP_USER_EMAIL, OP_USER_PASSWORD.
"""

import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_op.settings")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (wsgiref's signature)
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def prepare() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", verbosity=0)
    client = Client.objects.create(
        name="Guichet",
        client_id=os.environ["OP_CLIENT_ID"],
        client_secret=os.environ["OP_CLIENT_SECRET"],
        client_type="confidential",
        jwt_alg="RS256",
        require_consent=False,
    )
    client.redirect_uris = os.environ["OP_REDIRECT_URIS"].split()
    # end-session sends the browser back only to a registered address (any other gets a prompt page).
    client.post_logout_redirect_uris = os.environ.get("OP_POST_LOGOUT_REDIRECT_URIS", "").split()
    client.scope = ["openid", "email", "profile"]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    User.objects.create_user(
        username="eloise", email=os.environ["OP_USER_EMAIL"], password=os.environ["OP_USER_PASSWORD"]
    )


def main() -> None:
    import django

    django.setup()
    prepare()
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1",
        int(sys.argv[1]),
        get_wsgi_application(),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
