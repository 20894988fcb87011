"""Guichet settings: every value comes from the environment, with a zero-config default.

See .env.example for the documented variables.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from guichet.lib.env import env_bool, env_int, env_list, env_secret, env_str, persistent_secret_key
from guichet.lib.production import production_problems
from guichet.lib.storage import storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GUICHET_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or persistent_secret_key(VAR_DIR / "secret_key")
if not DEBUG and (SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured("SECRET_KEY is a default or too short: set a random value of 50 characters.")

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}")
HTTPS = _site.scheme == "https"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guichet.accounts",
    "guichet.accounts.franceconnect",
    "guichet.organisation",
    "guichet.catalogue",
    "guichet.citizens",
    "guichet.households",
    "guichet.places",
    "guichet.tickets",
    "guichet.surveys",
    "guichet.notifications",
    "guichet.intake",
    "guichet.mailroom",
    "guichet.portal",
    "guichet.backoffice",
    "guichet.signin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "guichet.api",
    "guichet.statistics",
    "guichet.exports",
    "guichet.operations",
    "guichet.retention",
    "guichet.compliance",
    "guichet.demo",
]

MIDDLEWARE = [
    # First, so that every answer is counted and every log line of a request carries its id.
    "guichet.operations.middleware.RequestIdMiddleware",
    "guichet.operations.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "guichet.lib.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in agent who must use a second factor types a code, or enrols, before anything else.
    "guichet.signin.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "guichet.backoffice.sessions.AgentIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a blocked rate limit into RATELIMIT_VIEW's French 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.organisation.context_processors.commune",
                "guichet.mailroom.context_processors.mail_room",
                "guichet.compliance.context_processors.accessibility",
            ],
        },
    },
]

# Widgets render with the project's templates too (templates/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: SQLite by default (zero set-up), PostgreSQL in production via DATABASE_URL.
_SQLITE_OPTIONS = {
    # IMMEDIATE avoids "database is locked" when a transaction reads then writes under load.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
IS_POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRESQL and env_bool("DATABASE_SERVER_SIDE_BINDING", True):
    # Parameters go to PostgreSQL beside the statement instead of being quoted into its text in Python, and a
    # statement a connection has run DATABASE_PREPARE_THRESHOLD times is prepared: PostgreSQL no longer parses
    # and plans it. A web submission: about 4 % less CPU in Python, 30 % less in PostgreSQL (docs/BENCHMARKS.md).
    # "none" keeps the binding without preparing (a PgBouncer older than 1.21 in transaction mode). What a schema
    # change does to prepared statements: guichet/lib/prepared_statements.py.
    _prepare = env_str("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", None if _prepare in ("none", "off") else env_int("DATABASE_PREPARE_THRESHOLD", 5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared between processes (rate limits must hold across gunicorn workers).
_CACHE_URL = env_str("CACHE_URL", "db://")
if _CACHE_URL.startswith("db://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "guichet_cache"}}
elif _CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "guichet.lib.cache.RedisCache", "LOCATION": _CACHE_URL}}
elif _CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must start with db://, redis:// or locmem://, got {_CACHE_URL!r}")

# django-tasks-db's backend, its rows inserted through lib.inserts (guichet/lib/tasks_backend.py).
TASKS = {"default": {"BACKEND": "guichet.lib.tasks_backend.DatabaseBackend", "QUEUES": ["default"]}}

# Operations (issue 18): production refusals, /sante/, /metrics, JSON logs, Sentry. See docs/INSTALL.md.
# DEBUG off with a SITE_URL other machines reach is production: no start without a shared secret key, an https
# SITE_URL and a shared cache (guichet/lib/production.py). The message names every variable to fix at once.
_PRODUCTION_PROBLEMS = production_problems(
    debug=DEBUG,
    site_url=SITE_URL,
    secret_key_given=bool(env_secret("SECRET_KEY")),
    caches=CACHES,
)
if _PRODUCTION_PROBLEMS:
    raise ImproperlyConfigured("Guichet refuses to start in production: " + " ".join(_PRODUCTION_PROBLEMS))
# /metrics (Prometheus): a scraper sends "Authorization: Bearer <token>" or comes from one of the addresses (as
# the app sees them: behind nginx, every client is 127.0.0.1, so use the token). Neither set: /metrics is a 404.
GUICHET_METRICS_TOKEN = env_secret("GUICHET_METRICS_TOKEN")
GUICHET_METRICS_ALLOWED_IPS = env_list("GUICHET_METRICS_ALLOWED_IPS", [])
# Load balancers and scrapers may reach a web server directly, over plain HTTP: no redirect to https for them.
SECURE_REDIRECT_EXEMPT = [r"^sante/$", r"^metrics$"]
# /sante/: the newest heartbeat of a running worker must be younger than this (default: when it is taken for dead).
GUICHET_HEALTH_WORKER_MAX_AGE_SECONDS = env_int("GUICHET_HEALTH_WORKER_MAX_AGE_SECONDS", 0) or None
# Logs: "plain" lines or "json" (one object a line: time, level, logger, message, request_id, exception).
GUICHET_LOG_FORMAT = env_str("GUICHET_LOG_FORMAT", "plain")
if GUICHET_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"GUICHET_LOG_FORMAT must be plain or json, got {GUICHET_LOG_FORMAT!r}")
# Errors to Sentry (or a compatible service such as GlitchTip) when a DSN is set; no personal data is sent.
SENTRY_DSN = env_secret("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # agents, by user name, at /agent/connexion/
    "allauth.account.auth_backends.AuthenticationBackend",  # citizens, by email, at /compte/connexion/
]
# The public signs in as citizens (allauth's pages send there); agent pages send to backoffice:login themselves.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "backoffice:inbox"  # after the agents' sign-in; citizens land on /compte/ (accounts.adapters)
LOGOUT_REDIRECT_URL = "backoffice:login"

# Citizen accounts (django-allauth): sign-in by email, verified before first use.
ACCOUNT_ADAPTER = "guichet.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "guichet.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "guichet.accounts.forms.SignupNamesForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # the link opens a page with a button: mail scanners cannot confirm
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True  # one address; a new one replaces it once verified
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_USER_DISPLAY = "guichet.accounts.adapters.user_display"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme
# Failed logins: 10 a minute per address and 5 per account every 5 minutes; resets: 5 a minute per address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("ACCOUNT_LOGIN_FAILED_RATE", "10/m/ip,5/300s/key"),
    "reset_password": env_str("ACCOUNT_RESET_PASSWORD_RATE", "5/m/ip,3/300s/key"),
    "signup": env_str("ACCOUNT_SIGNUP_RATE", "10/m/ip"),
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an identity provider never takes over an existing account
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST (CSRF-protected)


def _oidc_app(prefix: str, provider_id: str, name: str, **defaults: str) -> dict:
    scopes = env_str(f"{prefix}_SCOPES", defaults.get("scopes", "openid profile email"))
    app: dict = {
        "provider_id": provider_id,
        "name": env_str(f"{prefix}_NAME", name),
        "client_id": env_str(f"{prefix}_CLIENT_ID"),
        "secret": env_secret(f"{prefix}_SECRET"),
        "settings": {
            "server_url": env_str(f"{prefix}_SERVER_URL", defaults.get("server_url", "")).rstrip("/"),
            "scope": scopes.split(),
        },
    }
    if acr := env_str(f"{prefix}_ACR_VALUES", defaults.get("acr_values", "")):
        app["settings"]["auth_params"] = {"acr_values": acr}
    if not app["client_id"] or not app["settings"]["server_url"]:
        raise ImproperlyConfigured(f"{prefix}: set {prefix}_CLIENT_ID and {prefix}_SERVER_URL")
    return app


# FranceConnect (v2). Default: the integration (sandbox) platform; production: https://oidc.franceconnect.gouv.fr/api/v2
FRANCECONNECT_ENABLED = env_bool("FRANCECONNECT_ENABLED", False)
# Other OpenID Connect providers (a commune's own): OIDC_PROVIDERS=id1,id2 then OIDC_<ID>_CLIENT_ID… per provider.
OIDC_PROVIDERS = env_list("OIDC_PROVIDERS", [])
SOCIALACCOUNT_PROVIDERS: dict = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [_oidc_app(f"OIDC_{pid.upper().replace('-', '_')}", pid, pid.capitalize()) for pid in OIDC_PROVIDERS],
    },
    "franceconnect": {
        "APPS": [
            _oidc_app(
                "FRANCECONNECT",
                "franceconnect",
                "FranceConnect",
                server_url="https://fcp-low.sbx.dev-franceconnect.fr/api/v2",
                scopes="openid given_name family_name email birthdate",
                acr_values="eidas1",
            )
        ]
        if FRANCECONNECT_ENABLED
        else [],
    },
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files (attachments, scans, letters, exports…): the local disk, or an S3-compatible object store shared by every
# node with STORAGE_URL=s3://… (guichet/lib/storage.py, docs/INSTALL.md). Served only through the app's checks.
_DEFAULT_STORAGE, MEDIA_ROOT = storage_from_url(
    env_str("STORAGE_URL"),
    media_root=Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media"))),
    access_key=env_secret("GUICHET_S3_ACCESS_KEY"),
    secret_key=env_secret("GUICHET_S3_SECRET_KEY"),
)
MEDIA_URL = "/media-non-public/"  # never served directly: attachments go through permission checks
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Email: each message written as an .eml file under var/mail/ unless SMTP is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "guichet.lib.mail.EmlFileBackend")
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Mairie <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Citizens' replies go to this mailbox with the ticket's reference as a plus-address
# (mairie+K7Q2M9XDH@…), so that inbound mail lands in the right thread. Empty: no Reply-To.
EMAIL_REPLY_TO = env_str("EMAIL_REPLY_TO")
# The town hall's mailbox, polled by `manage.py fetch_mail` (or use receive_mail from the MTA).
IMAP_HOST = env_str("IMAP_HOST")
IMAP_PORT = env_int("IMAP_PORT", 993)
IMAP_SSL = env_bool("IMAP_SSL", True)
IMAP_USER = env_str("IMAP_USER")
IMAP_PASSWORD = env_secret("IMAP_PASSWORD")
IMAP_FOLDER = env_str("IMAP_FOLDER", "INBOX")
IMAP_FETCH_BATCH = env_int("IMAP_FETCH_BATCH", 200)  # messages imported per poll at most; the rest next time
# Request type (slug) of the tickets made from new emails; its service receives them.
EMAIL_DEFAULT_REQUEST_TYPE = env_str("EMAIL_DEFAULT_REQUEST_TYPE", "question-mairie")
if EMAIL_REPLY_TO and EMAIL_REPLY_TO.count("@") != 1:
    raise ImproperlyConfigured(f"EMAIL_REPLY_TO must be one email address, got {EMAIL_REPLY_TO!r}")

# SMS: a file per message under var/sms/ by default; real providers come with their transport.
SMS_BACKEND = env_str("SMS_BACKEND", "file")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms")))
SMS_SENDER = env_str("SMS_SENDER", "Mairie")  # Brevo: at most 11 alphanumeric characters
# Delivery reports reach /webhooks/sms/<provider>/<secret>/; empty: the webhook answers 404.
SMS_WEBHOOK_SECRET = env_secret("SMS_WEBHOOK_SECRET")
BREVO_API_URL = env_str("BREVO_API_URL", "https://api.brevo.com/v3").rstrip("/")
BREVO_API_KEY = env_secret("BREVO_API_KEY")
OVH_ENDPOINT = env_str("OVH_ENDPOINT", "https://eu.api.ovh.com/1.0").rstrip("/")
OVH_APPLICATION_KEY = env_str("OVH_APPLICATION_KEY")
OVH_APPLICATION_SECRET = env_secret("OVH_APPLICATION_SECRET")
OVH_CONSUMER_KEY = env_secret("OVH_CONSUMER_KEY")
OVH_SMS_SERVICE = env_str("OVH_SMS_SERVICE")  # the SMS account, e.g. sms-ab12345-1

# Security headers. Production values follow from an https SITE_URL.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the shared cache; signed-in ones written through to the database (guichet.lib.sessions).
SESSION_ENGINE = "guichet.lib.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading binds the whole domain (often the commune's own) to HTTPS for good: the commune's IT
# opts in with SECURE_HSTS_PRELOAD=true; it is not a defect of an install that has not.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Personal tracking links carry a secret: never leak them to other sites.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Forms may post to the identity providers' origins (their sign-in redirects follow a POST).
CSP_FORM_ACTION = sorted(
    {
        "{0.scheme}://{0.netloc}".format(urlsplit(app["settings"]["server_url"]))
        for provider in SOCIALACCOUNT_PROVIDERS.values()
        for app in provider["APPS"]
    }
)

# Rate limits (django-ratelimit) count per client address in the shared cache.
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY") or None
RATELIMIT_VIEW = "guichet.portal.views.errors.rate_limited"

# Open311 GeoReport v2: the jurisdiction this endpoint answers for (empty: any value is accepted).
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID")
# Service requests POSTed per API key (every attempt counts), in the shared cache.
OPEN311_POST_RATE = env_str("OPEN311_POST_RATE", "60/m")

# REST API under /api/v1/ (guichet.api.rest): API keys first, so that a missing key is a 401 with
# WWW-Authenticate; then the agent's own session (CSRF enforced on writes) for the browsable docs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "guichet.api.rest.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["guichet.api.rest.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["guichet.api.rest.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["guichet.api.rest.throttling.PerKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("GUICHET_API_RATE", "600/m")},
    "EXCEPTION_HANDLER": "guichet.api.rest.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": None,  # no OPTIONS description: the OpenAPI schema is the description
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guichet — API REST",
    "DESCRIPTION": (
        "API des agents et des logiciels partenaires : demandes, fil des échanges, actions, catalogue. "
        "Authentification : `Authorization: Bearer <clé>`. Voir docs/API.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "guichet.tickets.lifecycle.Status",
        "ChannelEnum": "guichet.tickets.lifecycle.Channel",
        "AuthorKindEnum": "guichet.tickets.models.AuthorKind",
        "ClosingOutcomeEnum": "guichet.tickets.lifecycle.ClosingOutcome",
        "TargetUnitEnum": "guichet.organisation.models.TargetUnit",  # a priority's two targets
    },
    # Swagger UI and Redoc come from drf-spectacular-sidecar, served by the app: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Guichet's own knobs.
GUICHET_ATTACHMENT_MAX_BYTES = env_int("GUICHET_ATTACHMENT_MAX_MB", 10) * 1024 * 1024
GUICHET_ATTACHMENT_MAX_COUNT = env_int("GUICHET_ATTACHMENT_MAX_COUNT", 5)
# All the files of one submission or one email together; an email's extra files are set aside for the agents.
GUICHET_ATTACHMENT_MAX_TOTAL_BYTES = env_int("GUICHET_ATTACHMENT_MAX_TOTAL_MB", 25) * 1024 * 1024
GUICHET_LOOKUP_RATE = env_str("GUICHET_LOOKUP_RATE", "20/m")
# Addresses and positions (issue 17, guichet.places): the BAN geocoding API, limited to the commune's (or its
# intercommunality's) INSEE codes; when it is unavailable, the offline index loaded by load_ban_addresses.
GUICHET_BAN_API_URL = env_str("GUICHET_BAN_API_URL", "https://api-adresse.data.gouv.fr")
GUICHET_BAN_CITYCODES = env_list("GUICHET_BAN_CITYCODES", [])
GUICHET_BAN_TIMEOUT_SECONDS = env_int("GUICHET_BAN_TIMEOUT_MS", 1500) / 1000
# After a failure the API is left alone this long (the index answers at once instead of after a timeout).
GUICHET_BAN_PAUSE_SECONDS = env_int("GUICHET_BAN_PAUSE_SECONDS", 30)
GUICHET_GEOCODE_RATE = env_str("GUICHET_GEOCODE_RATE", "60/m")
# The map's tiles (Leaflet): the server's URL template and the attribution its licence asks for.
GUICHET_MAP_TILES_URL = env_str("GUICHET_MAP_TILES_URL", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png")
GUICHET_MAP_ATTRIBUTION = env_str(
    "GUICHET_MAP_ATTRIBUTION",
    '&copy; les contributeurs d’<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)
# Where an empty map starts: the commune's centre, "latitude,longitude" (the default: the demo commune's).
GUICHET_MAP_CENTER = env_list("GUICHET_MAP_CENTER", ["47.7600", "2.3800"])
GUICHET_SUBMIT_RATE = env_str("GUICHET_SUBMIT_RATE", "10/m")
# Nearby open requests asked by the request form (issue 17): one call per move of the pin.
GUICHET_NEARBY_RATE = env_str("GUICHET_NEARBY_RATE", "60/m")
# The thumbnails of the photos agents published, shown in that panel: up to five per call of the panel.
GUICHET_PUBLIC_PHOTO_RATE = env_str("GUICHET_PUBLIC_PHOTO_RATE", "300/m")
# Personal links stop working after this many days without use; each use starts the count again.
GUICHET_ACCESS_LINK_DAYS = env_int("GUICHET_ACCESS_LINK_DAYS", 90)
# Satisfaction surveys: a link or a printed code works this many days after the answer or closing of its ticket.
GUICHET_SURVEY_DAYS = env_int("GUICHET_SURVEY_DAYS", 30)
# Access codes by SMS or email (POST /suivi/<ref>/code/envoyer/): a proof of work of N leading zero bits
# (about 2^N SHA-256 in the browser), a stricter per-address limit without it (no JavaScript), and caps per
# citizen (or address) and for the whole commune over the last 24 hours. 3 codes an hour per ticket, always.
GUICHET_ACCESS_CODE_POW_BITS = env_int("GUICHET_ACCESS_CODE_POW_BITS", 16)
GUICHET_ACCESS_CODE_NOPROOF_RATE = env_str("GUICHET_ACCESS_CODE_NOPROOF_RATE", "3/h")
GUICHET_ACCESS_CODE_CITIZEN_DAILY = env_int("GUICHET_ACCESS_CODE_CITIZEN_DAILY", 6)
GUICHET_ACCESS_CODE_DAILY = env_int("GUICHET_ACCESS_CODE_DAILY", 500)
# Agents' sign-in (/agent/connexion/ and /admin/login/, guichet.signin): attempts per client address, and per
# account a lock after N failures from any address, GUICHET_SIGNIN_LOCK_MINUTES doubling at each lock, capped.
GUICHET_SIGNIN_IP_RATE = env_str("GUICHET_SIGNIN_IP_RATE", "10/m")
GUICHET_SIGNIN_LOCK_AFTER = env_int("GUICHET_SIGNIN_LOCK_AFTER", 5)
GUICHET_SIGNIN_LOCK_MINUTES = env_int("GUICHET_SIGNIN_LOCK_MINUTES", 1)
GUICHET_SIGNIN_LOCK_MAX_MINUTES = env_int("GUICHET_SIGNIN_LOCK_MAX_MINUTES", 60)
# Two-factor authentication (TOTP app + recovery codes, django-otp): required for administrators, supervisors
# and /admin/ staff when on; any other agent may enrol. The authenticator app shows the issuer's name.
GUICHET_2FA_REQUIRED = env_bool("GUICHET_2FA_REQUIRED", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Guichet")
# How agents sign in (docs/INSTALL.md, « Annuaire de la commune »): "password" (local accounts, the default),
# "oidc" (the commune's OpenID Connect provider: a button on /agent/connexion/), "ldap" (the same form, checked
# against the directory). Groups become roles and services through the admin's « Groupes de l'annuaire », with
# GUICHET_AGENT_DIRECTORY_GROUPS as defaults: "group=role:service-slug,service-slug;other=role".
GUICHET_AGENT_SIGNIN_METHODS = env_list("GUICHET_AGENT_SIGNIN_METHODS", ["password"])
GUICHET_AGENT_DIRECTORY_GROUPS = env_str("GUICHET_AGENT_DIRECTORY_GROUPS")
GUICHET_AGENT_OIDC_SERVER_URL = env_str("GUICHET_AGENT_OIDC_SERVER_URL").rstrip("/")  # the issuer
GUICHET_AGENT_OIDC_CLIENT_ID = env_str("GUICHET_AGENT_OIDC_CLIENT_ID")
GUICHET_AGENT_OIDC_SECRET = env_secret("GUICHET_AGENT_OIDC_SECRET")
GUICHET_AGENT_OIDC_SCOPES = env_str("GUICHET_AGENT_OIDC_SCOPES", "openid profile email").split()
GUICHET_AGENT_OIDC_GROUPS_CLAIM = env_str("GUICHET_AGENT_OIDC_GROUPS_CLAIM", "groups")
GUICHET_AGENT_OIDC_USERNAME_CLAIM = env_str("GUICHET_AGENT_OIDC_USERNAME_CLAIM", "preferred_username")
GUICHET_AGENT_OIDC_ACR_VALUES = env_str("GUICHET_AGENT_OIDC_ACR_VALUES")
# The provider's word that the agent used a second factor skips Guichet's TOTP step: any of these amr values,
# or an acr among these.
GUICHET_AGENT_OIDC_TRUST_MFA = env_bool("GUICHET_AGENT_OIDC_TRUST_MFA", True)
GUICHET_AGENT_OIDC_MFA_AMR = env_list("GUICHET_AGENT_OIDC_MFA_AMR", ["mfa", "otp", "hwk", "fido"])
GUICHET_AGENT_OIDC_MFA_ACR = env_list("GUICHET_AGENT_OIDC_MFA_ACR", [])
# LDAP (django-auth-ldap): a search for the user (after a bind as GUICHET_AGENT_LDAP_BIND_DN, or anonymous), then
# a bind with their password; groups by name or DN. Group types: groupOfNames, groupOfUniqueNames, posixGroup,
# activeDirectory (nested membership).
GUICHET_AGENT_LDAP_URI = env_str("GUICHET_AGENT_LDAP_URI")  # ldap://… or ldaps://…
GUICHET_AGENT_LDAP_START_TLS = env_bool("GUICHET_AGENT_LDAP_START_TLS", False)
GUICHET_AGENT_LDAP_BIND_DN = env_str("GUICHET_AGENT_LDAP_BIND_DN")
GUICHET_AGENT_LDAP_BIND_PASSWORD = env_secret("GUICHET_AGENT_LDAP_BIND_PASSWORD")
GUICHET_AGENT_LDAP_USER_BASE = env_str("GUICHET_AGENT_LDAP_USER_BASE")
GUICHET_AGENT_LDAP_USER_FILTER = env_str("GUICHET_AGENT_LDAP_USER_FILTER", "(uid=%(user)s)")
GUICHET_AGENT_LDAP_GROUP_BASE = env_str("GUICHET_AGENT_LDAP_GROUP_BASE", GUICHET_AGENT_LDAP_USER_BASE)
GUICHET_AGENT_LDAP_GROUP_FILTER = env_str("GUICHET_AGENT_LDAP_GROUP_FILTER", "(objectClass=groupOfNames)")
GUICHET_AGENT_LDAP_GROUP_TYPE = env_str("GUICHET_AGENT_LDAP_GROUP_TYPE", "groupOfNames")
GUICHET_AGENT_LDAP_ATTR_FIRST_NAME = env_str("GUICHET_AGENT_LDAP_ATTR_FIRST_NAME", "givenName")
GUICHET_AGENT_LDAP_ATTR_LAST_NAME = env_str("GUICHET_AGENT_LDAP_ATTR_LAST_NAME", "sn")
GUICHET_AGENT_LDAP_ATTR_EMAIL = env_str("GUICHET_AGENT_LDAP_ATTR_EMAIL", "mail")
if "ldap" in GUICHET_AGENT_SIGNIN_METHODS:
    if not (GUICHET_AGENT_LDAP_URI and GUICHET_AGENT_LDAP_USER_BASE):
        raise ImproperlyConfigured("GUICHET_AGENT_SIGNIN_METHODS has ldap: set GUICHET_AGENT_LDAP_URI and _USER_BASE")
    AUTHENTICATION_BACKENDS.insert(0, "guichet.signin.ldap_directory.DirectoryLDAPBackend")  # needs python-ldap
if "oidc" in GUICHET_AGENT_SIGNIN_METHODS and not (GUICHET_AGENT_OIDC_SERVER_URL and GUICHET_AGENT_OIDC_CLIENT_ID):
    raise ImproperlyConfigured(
        "GUICHET_AGENT_SIGNIN_METHODS has oidc: set GUICHET_AGENT_OIDC_SERVER_URL and _CLIENT_ID"
    )
GUICHET_NOTIFICATION_MAX_ATTEMPTS = env_int("GUICHET_NOTIFICATION_MAX_ATTEMPTS", 6)
# Retention (guichet.retention, docs/RETENTION.md): a citizen with an email is told this many days before a
# ticket's personal data is erased (0: never), with a download link valid this many days.
GUICHET_RETENTION_NOTICE_DAYS = env_int("GUICHET_RETENTION_NOTICE_DAYS", 30)
GUICHET_RETENTION_LINK_DAYS = env_int("GUICHET_RETENTION_LINK_DAYS", 45)
# Agents (and admin staff) are signed out after this long without a request: a working day by default.
GUICHET_AGENT_IDLE_SECONDS = env_int("GUICHET_AGENT_IDLE_MINUTES", 8 * 60) * 60

# Recovery after a crash (guichet/notifications/sweep.py, run by `guichet_worker` and `requeue_stuck_notifications`).
# A guichet_worker records that it is alive every HEARTBEAT seconds; silent for DEAD_AFTER seconds, it is dead
# and the tasks it was running are put back in the queue. A worker that records nothing (plain db_worker)
# keeps a task for TASK_LEASE seconds. A task whose workers died MAX_RUNS times is marked failed.
GUICHET_WORKER_HEARTBEAT_SECONDS = env_int("GUICHET_WORKER_HEARTBEAT_SECONDS", 10)
GUICHET_WORKER_DEAD_AFTER_SECONDS = env_int("GUICHET_WORKER_DEAD_AFTER_SECONDS", 60)
GUICHET_TASK_LEASE_SECONDS = env_int("GUICHET_TASK_LEASE_SECONDS", 900)
GUICHET_TASK_MAX_RUNS = env_int("GUICHET_TASK_MAX_RUNS", 5)
GUICHET_SWEEP_INTERVAL_SECONDS = env_int("GUICHET_SWEEP_INTERVAL_SECONDS", 60)
if not 0 < GUICHET_WORKER_HEARTBEAT_SECONDS * 2 <= GUICHET_WORKER_DEAD_AFTER_SECONDS:
    raise ImproperlyConfigured(
        "GUICHET_WORKER_DEAD_AFTER_SECONDS must be at least twice GUICHET_WORKER_HEARTBEAT_SECONDS (and both > 0)"
    )
if GUICHET_SWEEP_INTERVAL_SECONDS <= 0 or GUICHET_TASK_LEASE_SECONDS <= 0 or GUICHET_TASK_MAX_RUNS <= 0:
    raise ImproperlyConfigured(
        "GUICHET_SWEEP_INTERVAL_SECONDS, GUICHET_TASK_LEASE_SECONDS and GUICHET_TASK_MAX_RUNS must be > 0"
    )
# Mail room: scanned letters (see guichet/mailroom). Without Tesseract the scans are kept, marked "OCR unavailable".
GUICHET_SCAN_MAX_BYTES = env_int("GUICHET_SCAN_MAX_MB", 50) * 1024 * 1024
GUICHET_SCAN_MAX_PAGES = env_int("GUICHET_SCAN_MAX_PAGES", 50)
GUICHET_TESSERACT_CMD = env_str("GUICHET_TESSERACT_CMD", "tesseract")
GUICHET_OCR_LANG = env_str("GUICHET_OCR_LANG", "fra")
# Statistics: a figure built from fewer tickets than this is withheld (docs/METRICS.md).
GUICHET_STATS_MIN_CELL = env_int("GUICHET_STATS_MIN_CELL", 10)
# Exports of tickets: above this many rows the worker builds the file (the agent downloads it when ready);
# the file is deleted this many hours after it is ready (``purge_exports``); rows read per database round trip.
GUICHET_EXPORT_STREAM_MAX_ROWS = env_int("GUICHET_EXPORT_STREAM_MAX_ROWS", 50_000)
GUICHET_EXPORT_FILE_HOURS = env_int("GUICHET_EXPORT_FILE_HOURS", 24)
GUICHET_EXPORT_CHUNK_ROWS = env_int("GUICHET_EXPORT_CHUNK_ROWS", 2_000)
# Personal data (issue 16): the access log keeps its entries this many days (``purge_access_log``). How long a
# closed request keeps its personal data is no setting: the retention policies, in the admin (guichet.retention).
GUICHET_ACCESS_LOG_DAYS = env_int("GUICHET_ACCESS_LOG_DAYS", 365)

# The public results page (/resultats/) is recomputed at most this often (seconds), per language.
GUICHET_PUBLIC_RESULTS_CACHE_SECONDS = env_int("GUICHET_PUBLIC_RESULTS_CACHE_SECONDS", 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Deepest nesting of arrays and objects in an API's JSON body (a real ticket needs 4).
GUICHET_API_JSON_MAX_DEPTH = env_int("GUICHET_API_JSON_MAX_DEPTH", 32)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "guichet.lib.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "guichet.lib.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": GUICHET_LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from guichet.lib.sentry import sentry_init  # sentry-sdk loads only where it is used

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
