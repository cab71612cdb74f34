"""Settings, read from the environment only (see .env.example).

DEBUG defaults to False; a development SECRET_KEY is allowed only with DEBUG on.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _secret(name: str) -> str:
    """NAME from the environment, else the content of the file NAME_FILE names (a mounted
    Docker secret). The environment wins, unlike django-environ's FileAwareEnv, so that
    docker-compose.yml can always mount the file and an operator's environment still decides."""
    value = env.str(name, default="")
    path = env.str(f"{name}_FILE", default="")
    if value or not path:
        return value
    try:
        # A secret file usually ends with a newline, which is no part of the secret.
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}.") from None


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _secret("SECRET_KEY")
if not SECRET_KEY and "SECRET_KEY_FILE" not in os.environ:
    # The checkout's own key, which `make install` writes, so that commands work on a fresh
    # clone. An empty SECRET_KEY_FILE turns this off.
    _local_key = BASE_DIR / ".secret_key"
    SECRET_KEY = _local_key.read_text().strip() if _local_key.is_file() else ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is False (or "
                                   "SECRET_KEY_FILE, or run `make install`).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, whose site asks OTP_REQUIRED_ROLES for their second factor.
    "cadm.otp_admin.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "cadm",
    "cadm.api",
    "monitoring",
    "screening",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # High, before anything that answers on its own: CORS preflights for /cds-services only.
    "corsheaders.middleware.CorsMiddleware",
    # Outside WhiteNoise, so that static files carry them too.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside WhiteNoise: static files stay cacheable; every other response is no-store.
    "cadm.middleware_cache.NoStoreMiddleware",
    "cadm.middleware.RefuseNulMiddleware",  # before any view or session reads a parameter
    # Outside session and authentication: their database errors must reach it (a 503).
    "cadm.middleware_faults.DatabaseUnreachableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the admin asks it
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication (it logs out) and messages (it says why).
    "cadm.middleware_sessions.SessionLimitsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After authentication and messages: its page extends base.html, which reads the user.
    "cadm.middleware_rulesets.NoActiveRuleSetMiddleware",
    # Last, as django-axes asks: it must see the authentication outcome.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cadm.urls"
WSGI_APPLICATION = "cadm.wsgi.application"

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
                "cadm.context_processors.roles",
                "cadm.context_processors.jobs",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Shared by every web process with CACHE_URL=redis://... (the API's request counts); in-process
# memory for a single `make run`.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# The password may stay out of DATABASE_URL: DATABASE_PASSWORD or DATABASE_PASSWORD_FILE (the
# secret file the PostgreSQL container reads too, in docker-compose.yml).
if _database_password := _secret("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = _database_password
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # transactions are explicit in services
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits forever for an unreachable server; fail within seconds instead, so pages
    # answer 503 and /healthz answers at all. 2 is libpq's smallest timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cadm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions (cadm/middleware_sessions.py). A workstation left logged in on a ward is how a record
# gets read by the wrong person: a session ends after SESSION_IDLE_TIMEOUT_MINUTES without a
# request, and in any case SESSION_ABSOLUTE_LIFETIME_HOURS after its login. 12 hours is one
# clinical shift, the longest usual one, without a second login; no session then outlives its
# shift into the next user's (Django's default is 14 days).
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_LIFETIME_HOURS = env.int("SESSION_ABSOLUTE_LIFETIME_HOURS", default=12)
if SESSION_IDLE_TIMEOUT_MINUTES < 1 or SESSION_ABSOLUTE_LIFETIME_HOURS < 1:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT_MINUTES and SESSION_ABSOLUTE_LIFETIME_HOURS "
                               "must be at least 1.")
# Django's own expiry of the cookie and the session row counts from the session's last write,
# not from the login: the middleware enforces the lifetime, this only bounds stale rows.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME_HOURS * 3600
# A shared workstation's browser, once closed, no longer presents the session.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed logins (django-axes; counted over AXES_COOLOFF_TIME, cadm/login_throttle.py):
# - one username from one address is locked after AXES_FAILURE_LIMIT failures (guessing one
#   account's password);
# - one address is locked for every username after LOGIN_ADDRESS_FAILURE_LIMIT failures,
#   whatever usernames they named: password spraying (one common password tried across many
#   usernames) fails once per username, so the per-username count never sees it. Higher than
#   the first, because a hospital's network address translation may put many honest users
#   behind one address. Spraying spread over many addresses is not caught by either.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "cadm.login_throttle.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "cadm.login_throttle.client_address"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# HTTPS. Defaults are production's (DEBUG off); `make run` (DEBUG on) serves plain HTTP on
# 127.0.0.1 and gets none of them. `manage.py check --deploy` passes with the defaults.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container's health check asks over plain HTTP from inside (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a proxy that terminates TLS, Django sees plain HTTP: name the header in which the proxy
# says "https" (e.g. HTTP_X_FORWARDED_PROTO). Opt-in only: the proxy must set or strip that
# header on every request, or a client could claim HTTPS itself.
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    if not _proxy_ssl_header.startswith("HTTP_"):
        raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER names a request.META key, e.g. "
                                   "HTTP_X_FORWARDED_PROTO for X-Forwarded-Proto.")
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https")
# Proxies in front of the site that append the client's address to X-Forwarded-For: the client
# is then the address that many places from the right (login and API throttling). 0 (no proxy):
# REMOTE_ADDR, and an X-Forwarded-For sent by a client is ignored, as it could be forged.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# HSTS: one year, the usual value, once the site is HTTPS only. Subdomains by default: they are
# names under this site's own host name. Preload is the domain owner's decision (it reaches
# every browser's built-in list and is slow to undo): opt in with SECURE_HSTS_PRELOAD.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Page addresses carry patient ids: no other site learns them from a Referer.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp). No inline script and no inline style anywhere: every
# script and stylesheet is a static file of this site, so markup injected into a page (a
# stored field that escaped escaping) cannot run script or restyle the page. Swagger UI at
# /api/docs/ is served from drf-spectacular-sidecar's static files, its start script from
# its own URL (SpectacularSwaggerSplitView). data: images: Swagger UI's stylesheet draws its
# icons as data: URLs. No nonce is needed, so none is issued.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Second factor (django-otp; cadm/second_factor.py). A user may enrol a TOTP app from their
# account page; from then on the login asks for its code (or a recovery code) after the
# password. The roles named here (group names, e.g. "rules_admin,privacy_officer") must enrol:
# after the password they can only enrol, and the admin site refuses them unverified.
# Empty: optional for everyone.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = "CADM decision support"  # the name authenticator apps show
# Throttling of code attempts, per device: after n failures in a row the next attempt waits
# factor x 2^(n-1) seconds (django-otp's default factor is 1; 0 would turn throttling off).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# A superuser reading devices in the admin does not see their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# The REST API (cadm/api/): token first, so that a request without credentials gets a 401
# with `WWW-Authenticate: Token`; the session (CSRF enforced) serves the browser and the docs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cadm.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: a view is open only to holders of the Perm it names (required_perm).
    "DEFAULT_PERMISSION_CLASSES": ["cadm.api.permissions.RequiresPerm"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "cadm.api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "EXCEPTION_HANDLER": "cadm.api.errors.handler",
    "DEFAULT_SCHEMA_CLASS": "cadm.api.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_CLASSES": [
        "cadm.api.throttling.AnonThrottle",
        "cadm.api.throttling.UserThrottle",
    ],
}
# Requests per caller on the API ("N/second|minute|hour|day"; empty turns a scope off), counted
# in the default cache (cadm/api/throttling.py).
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="60/min") or None,
    "user": env.str("API_THROTTLE_USER", default="600/min") or None,
}
# django-rest-knox: the database keeps a SHA-512 digest of each token, never the secret.
KNOX_TOKEN_MODEL = "api.ApiToken"
# knox's own migrations create its default token table even though the model is swapped; that
# table's key to the user table makes PostgreSQL refuse TRUNCATE of users (the test flush).
# The swapped model needs no table: knox runs without its migrations.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=90)),
    "TOKEN_PREFIX": "cadm_",
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CADM decision support API",
    "DESCRIPTION": "Synthetic data only. Errors: one shape, see the Error component.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Schema and docs for logged-in users (session) or token holders only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "state": name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "JobStateEnum": "cadm.models.jobs.JobRun.State",
        "FlagStateEnum": "cadm.models.flags.Flag.State",
        # Result kinds whose fields share a name: each choice set named for its kind.
        "MuscleStudyKindEnum": "cadm.rules.vocabulary.MUSCLE_STUDY_KINDS",
        "AntibodyResultEnum": "cadm.rules.vocabulary.ANTIBODY_RESULTS",
        "CancerScreeningResultEnum": "screening.models.CancerScreeningRecord.Result",
        "LungScheduleStatusEnum": "cadm.api.derived.LUNG_SCHEDULE_STATUSES",
        "RecordStatusEnum": "cadm.models.status.RecordStatus",
    },
}

# Celery: without a broker, tasks run in-process when called (the embedded default), so a
# single `make run` needs nothing else. With CELERY_BROKER_URL a real worker and beat run them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="cadm")
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A broker that is down must not hold a request for long: the job row keeps the failure and
# the recovery task sends it again (cadm/jobs.py).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.5, "interval_max": 0.5}
# Jobs (cadm/jobs.py): a running job or chunk whose heartbeat is older than this is reclaimed;
# a queued one sent this long ago without being claimed (and whose job has not moved since) is
# sent again; a job, or one chunk of it, lost this many times fails.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=300)
JOB_REDISPATCH_SECONDS = env.int("JOB_REDISPATCH_SECONDS", default=600)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)
# Patients per chunk of a cohort job (cadm/job_chunks.py). Each chunk pays a fixed cost (a
# message, a claim, a commit under the job's row lock, the kind's set-up such as reading the
# rule set): at 200 that is a few per cent of the chunk's work, while 10,000 patients still
# make 50 chunks to share between workers (two end within one chunk of each other), and a
# killed worker loses seconds of work. A chunk cannot beat while it runs: keep its duration
# (size x time per patient) far below JOB_STALE_SECONDS.
COHORT_CHUNK_SIZE = env.int("COHORT_CHUNK_SIZE", default=200)
JOB_RECOVER_ON_WORKER_START = env.bool("JOB_RECOVER_ON_WORKER_START", default=True)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="cadm-demo")


def _cds_issuers() -> dict:
    """CDS_ISSUERS_FILE (a JSON file, e.g. a mounted secret) or CDS_ISSUERS (the JSON text):
    each trusted EHR's issuer, public keys, sites and local account (cadm/cds/config.py)."""
    path = env.str("CDS_ISSUERS_FILE", default="")
    text = Path(path).read_text() if path else env.str("CDS_ISSUERS", default="{}")
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise ImproperlyConfigured(f"CDS_ISSUERS{'_FILE' if path else ''} is not JSON: "
                                   f"{exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured("CDS_ISSUERS must be a JSON object: issuer -> settings.")
    return value


# HL7 CDS Hooks (cadm/cds/): EHRs call /cds-services with a JWT signed by a key listed here;
# keys are never fetched. Empty: every call is refused (401).
CDS_ISSUERS = _cds_issuers()
# Public base URL of this site (e.g. https://cadm.example.org): the JWT's `aud` must be it plus
# the path called, and cards link to it. Empty: taken from the request's own scheme and host.
CDS_BASE_URL = env.str("CDS_BASE_URL", default="")
CDS_JWT_LEEWAY = env.int("CDS_JWT_LEEWAY", default=30)  # seconds of clock skew allowed
CDS_JWT_MAX_LIFETIME = env.int("CDS_JWT_MAX_LIFETIME", default=300)  # longest exp - iat
CDS_FHIR_TIMEOUT = env.float("CDS_FHIR_TIMEOUT", default=3.0)  # seconds, per FHIR request
# Browser-based EHRs (sandboxes) call /cds-services directly; nothing else answers CORS.
CORS_URLS_REGEX = r"^/cds-services"
CORS_ALLOWED_ORIGINS = env.list("CDS_CORS_ALLOWED_ORIGINS", default=[])
# What CDS Hooks uses, no more: discovery (GET), calls and feedback (POST), the JWT header.
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type")

# Patient data never goes to logs: log levels and format only, no request bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces itself at INFO in every process, commands included.
    "loggers": {"axes": {"level": "WARNING"}},
}
