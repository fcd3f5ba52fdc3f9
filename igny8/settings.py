"""IGNY8 settings: one module, every value from the environment with a safe default."""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("IGNY8_DATA_DIR", BASE_DIR / ".data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

# pytest sets PYTEST_VERSION before Django starts; tests run jobs inline and mail in memory.
TESTING = "PYTEST_VERSION" in os.environ


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    # Development: a key generated once and kept in .data/, never committed.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", not TESTING)
# Production: served over HTTPS only, behind a proxy (see "security" at the end).
PRODUCTION = not DEBUG and not TESTING

IGNY8_BASE_DOMAIN = os.environ.get("IGNY8_BASE_DOMAIN", "igny8.localhost").strip(".").lower()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [IGNY8_BASE_DOMAIN, f".{IGNY8_BASE_DOMAIN}"])
# Where emails and jobs point people (no request to read the host and port from).
IGNY8_PUBLIC_URL = os.environ.get(
    "IGNY8_PUBLIC_URL",
    f"https://{IGNY8_BASE_DOMAIN}" if PRODUCTION else f"http://{IGNY8_BASE_DOMAIN}:8000",
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS",
    [f"http://*.{IGNY8_BASE_DOMAIN}", f"https://*.{IGNY8_BASE_DOMAIN}"]
    + [f"http://{IGNY8_BASE_DOMAIN}", f"https://{IGNY8_BASE_DOMAIN}"],
)

# --- tenancy -----------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "apps.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_q",
    "apps.catalog",
    "apps.billing",
    "apps.schedule",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "apps.workspace",
    "apps.planner",
    "apps.writer",
    "apps.automation",
    "apps.publisher",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "accounts.Account"
TENANT_DOMAIN_MODEL = "accounts.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New workspaces are cloned from this pre-migrated schema (see apps.accounts.provisioning).
IGNY8_TEMPLATE_SCHEMA = "ws_template"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("IGNY8_MIGRATE_PROCESSES", "4"))

ROOT_URLCONF = "igny8.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "igny8.urls_public"

MIDDLEWARE = [
    "igny8.middleware.RequestIdMiddleware",
    # Before the host lookup: http is redirected without a query, and the unknown-workspace
    # page gets the same headers as every other.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "igny8.middleware.WorkspaceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "igny8.middleware.MembershipMiddleware",
    "igny8.middleware.PlanStateMiddleware",
    "igny8.middleware.ResourceTrackingMiddleware",
    "igny8.middleware.HtmxMessagesMiddleware",
    "apps.billing.live.CreditsChangedMiddleware",
    "apps.workspace.notification_bell.NotificationsChangedMiddleware",
    "igny8.middleware.UserFacingErrorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.workspace.context.workspace",
                "igny8.middleware.plan_state",
            ],
        },
    }
]

WSGI_APPLICATION = "igny8.wsgi.application"

# Billing decides whether a workspace may change things (402 when lapsed).
IGNY8_PLAN_STATE_HOOK = "apps.billing.plans.account_plan_state"

# --- Stripe ---------------------------------------------------------------------------------
# Unset keys mean "payments not configured": billing pages say so, staff assign plans in admin.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Only for tests and local fakes: where the stripe client sends its API calls.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

# --- AI -------------------------------------------------------------------------------------
# The platform's default provider (any OpenAI-compatible endpoint). Unset: the built-in
# offline writer, so a fresh install runs the whole pipeline with no key.
AI_BASE_URL = os.environ.get("AI_BASE_URL", "")
AI_API_KEY = os.environ.get("AI_API_KEY", "")
AI_TEXT_MODEL = os.environ.get("AI_TEXT_MODEL", "")
AI_IMAGE_MODEL = os.environ.get("AI_IMAGE_MODEL", "")
AI_EMBEDDING_MODEL = os.environ.get("AI_EMBEDDING_MODEL", "")
AI_TIMEOUT_SECONDS = float(os.environ.get("AI_TIMEOUT_SECONDS", "60"))
AI_MAX_RETRIES = int(os.environ.get("AI_MAX_RETRIES", "3"))
# The most one AI call may take in all: every try, every wait between tries, every byte read
# (igny8/ai/providers/openai_compat.py). Inside a job it is also cut to what the job has left.
# Unset: 120 s, or two tries' worth when AI_TIMEOUT_SECONDS is raised for a slow model.
AI_CALL_DEADLINE_SECONDS = float(
    os.environ.get("AI_CALL_DEADLINE_SECONDS") or max(120.0, 2 * AI_TIMEOUT_SECONDS)
)
# A job over many items (ideas per cluster, images, a batch of articles) stops after this many
# provider failures in a row: the rest are left as they were, and nothing is charged for them.
AI_JOB_MAX_PROVIDER_FAILURES = int(os.environ.get("AI_JOB_MAX_PROVIDER_FAILURES", "3"))
# An article is accepted when it has at least this share of the words asked for (and every
# required part); else the AI is asked once to repair it, then the run fails and is refunded.
AI_MIN_WORDS_RATIO = float(os.environ.get("AI_MIN_WORDS_RATIO", "0.5"))
# Master keys for provider keys at rest, comma-separated, newest first (igny8.ai.crypto derives
# one key per workspace from each); unset: SECRET_KEY. Rotation: README, "AI providers".
IGNY8_ENCRYPTION_KEY = os.environ.get("IGNY8_ENCRYPTION_KEY", "")
# Still read secrets stored under the single key all workspaces shared before per-workspace
# keys; switch off once `manage.py secrets_rotate` has rewritten them.
IGNY8_ENCRYPTION_LEGACY = env_bool("IGNY8_ENCRYPTION_LEGACY", True)
# The egress guard (igny8/egress.py): may a workspace aim our servers at private or local
# addresses (a self-hosted Ollama on the same network)? Open under DEBUG, closed in production;
# or open only some networks, e.g. "10.0.5.0/24,192.168.1.20/32".
IGNY8_EGRESS_ALLOW_PRIVATE = env_bool("IGNY8_EGRESS_ALLOW_PRIVATE", DEBUG)
IGNY8_EGRESS_ALLOWED_NETWORKS = env_list("IGNY8_EGRESS_ALLOWED_NETWORKS", [])
for _network in IGNY8_EGRESS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"IGNY8_EGRESS_ALLOWED_NETWORKS: “{_network}” is not a network such as 10.0.5.0/24."
        ) from None
# Our calls to a site's WordPress (apps/publisher/client): each try waits at most
# WP_TIMEOUT_SECONDS; one call, its retries included, ends by WP_CALL_DEADLINE_SECONDS; a whole
# publish (every picture, term and the post) by WP_PUBLISH_DEADLINE_SECONDS (inside the publish
# job's 5 minutes); timeouts, 429 and 5xx are retried at most WP_MAX_RETRIES times per call.
WP_TIMEOUT_SECONDS = env_int("WP_TIMEOUT_SECONDS", 30)
WP_CALL_DEADLINE_SECONDS = env_int("WP_CALL_DEADLINE_SECONDS", 120)
WP_PUBLISH_DEADLINE_SECONDS = env_int("WP_PUBLISH_DEADLINE_SECONDS", 240)
WP_MAX_RETRIES = env_int("WP_MAX_RETRIES", 2)

# --- database ----------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    # Behind PgBouncer (session pooling, README "Scale-out") set IGNY8_CONN_MAX_AGE=0, so each
    # request hands its server connection back to the pool when it ends.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=env_int("IGNY8_CONN_MAX_AGE", 60)
        )
    }
    # django-tenants' backend, sending `SET search_path` once per schema switch (not per query).
    DATABASES["default"]["ENGINE"] = "igny8.db.backend"
else:
    from igny8 import embedded_db

    DATABASES = {"default": embedded_db.ensure_running(DATA_DIR / "pg")}
if os.environ.get("IGNY8_TEST_DB"):
    # Several test runs side by side (one per checkout or helper) each need their own.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["IGNY8_TEST_DB"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth (django-allauth) -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "apps.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("IGNY8_PROTOCOL", "https" if PRODUCTION else "http")
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IGNY8] "
# allauth's rate limits stay on (login failures, signup, password reset); tests get a fresh cache.
# Behind proxies, how many of them to trust in X-Forwarded-For: otherwise every client is the
# proxy's address and shares one allowance of the per-address limits.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("IGNY8_TRUSTED_PROXY_COUNT", "0"))
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# One login serves every workspace: the session cookie lives on the parent domain.
SESSION_COOKIE_DOMAIN = os.environ.get("SESSION_COOKIE_DOMAIN", f".{IGNY8_BASE_DOMAIN}")
SESSION_COOKIE_NAME = "igny8_session"
# Django's database sessions, read with one plain statement (the same rows; igny8/sessions.py).
SESSION_ENGINE = "igny8.sessions"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# The cache backs the rate limits (allauth's and ours), so it must be shared by every web
# process: the database by default (no extra service). Keys are prefixed by workspace schema,
# except rate-limit keys, which count the same on every host (igny8/cache.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "igny8_cache",
        "KEY_FUNCTION": "igny8.cache.make_key",
        "REVERSE_KEY_FUNCTION": "igny8.cache.reverse_key",
    }
}
if TESTING:
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.locmem.LocMemCache"

# The busiest read pages (dashboard, keywords, clusters, content) keep their answers in each web
# process while nothing they show has changed (apps/workspace/page_cache.py). The seconds bound
# how old any clock-dependent text may get; 0 turns the page cache off.
IGNY8_PAGE_CACHE_SECONDS = int(os.environ.get("IGNY8_PAGE_CACHE_SECONDS", "60"))
IGNY8_PAGE_CACHE_MB = int(os.environ.get("IGNY8_PAGE_CACHE_MB", "32"))

# --- email -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "IGNY8 <no-reply@igny8.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = os.environ.get("EMAIL_URL", "")
if TESTING:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
elif _email_url:
    from igny8.email_url import parse_email_url

    MAILERS = {"default": parse_email_url(_email_url)}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# --- static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded and generated files (article images) are never served under MEDIA_URL: no URL
# route or WhiteNoise root points at MEDIA_ROOT, and the app streams each file only to members
# who may see it (/writer/images/<id>/file/). With MEDIA_STORAGE=s3 they live in a private
# S3-compatible bucket instead (pip install "igny8[s3]").
if os.environ.get("MEDIA_STORAGE", "").lower() == "s3":
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None  # e.g. MinIO, R2
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None  # objects stay private: the bucket's policy decides, never public
    AWS_QUERYSTRING_AUTH = True  # any URL the storage hands out is signed and expires

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The product speaks English only (articles are written in each site's own language, a field of
# its own). Without translation machinery every value a template shows skips the active-language
# lookup: the same pages, ~7% less Python per request (bench/cpu_per_request.py). Number and date
# formats still come from LANGUAGE_CODE's locale ("2,000", "March 5, 2026").
USE_I18N = False
USE_TZ = True

# --- jobs (django-q2: ORM broker, or Redis) -----------------------------------------------
# Each job kind has its own time limit (igny8/jobs.py); `retry` must exceed the longest one,
# or a slow job would be handed to a second worker while the first still runs it.
JOBS_MAX_TIMEOUT = 1800
JOBS_SYNC = env_bool("IGNY8_JOBS_SYNC", TESTING)
# django-q2 warns when retry < timeout; with the broker's leases (igny8/queue_broker.py) a short
# retry is intended.
warnings.filterwarnings("ignore", message="Retry and timeout are misconfigured")
Q_CLUSTER = {
    "name": "igny8",
    "orm": "default",
    "workers": int(os.environ.get("IGNY8_WORKERS", "2")),
    "timeout": JOBS_MAX_TIMEOUT,
    # A task handed to a worker comes back to the queue after `retry` seconds unless its worker
    # finished it; a live worker keeps pushing that lock forward (igny8/queue_broker.py), so a
    # short retry only brings back the tasks of a worker that died.
    "retry": env_int("IGNY8_QUEUE_RETRY", JOBS_MAX_TIMEOUT + 300),
    "broker_class": "igny8.queue_broker.LeasedORM",
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 5,
    "poll": 0.5,
    "catch_up": False,
    "sync": JOBS_SYNC,
    "save_limit": 1000,
    "ack_failures": True,
}
# An operator's choice: django-q2's Redis broker instead of the leased ORM broker above, e.g.
# IGNY8_QUEUE_REDIS_URL=redis://queue.internal:6379/0 (or rediss://, or unix:///run/redis.sock).
# The queue then costs PostgreSQL nothing while workers wait, and a task starts one round trip
# after it is queued instead of up to `poll` later; but Redis hands a task out without a
# receipt, so the tasks a dead worker host had taken are not run again by another host
# (docs/scaling.md §4). Every host, web and worker, must get the same value.
QUEUE_REDIS_URL = os.environ.get("IGNY8_QUEUE_REDIS_URL", "").strip()
if QUEUE_REDIS_URL:
    if QUEUE_REDIS_URL.split("://", 1)[0] not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            # The value is not repeated: it may hold the Redis password.
            "IGNY8_QUEUE_REDIS_URL is not a Redis address such as redis://localhost:6379/0 "
            "(or rediss://…, unix:///path/to/redis.sock)."
        )
    try:
        import redis  # noqa: F401 - django-q2's Redis broker needs it; say so now, not at a job
    except ImportError:
        raise ImproperlyConfigured(
            "IGNY8_QUEUE_REDIS_URL is set, so the job queue runs on Redis, but the `redis` "
            'Python package is not installed. Install it with `pip install "igny8[redis]"`, '
            "or unset IGNY8_QUEUE_REDIS_URL to keep the queue in the database."
        ) from None
    for _key in ("orm", "broker_class"):  # django-q2 picks the first broker configured
        Q_CLUSTER.pop(_key)
    Q_CLUSTER["redis"] = QUEUE_REDIS_URL

# Publishing to WordPress: a failed publish is tried again after 1, 2, 4, 8… minutes, this
# many times, before its people are told it failed.
PUBLISH_RETRIES = int(os.environ.get("IGNY8_PUBLISH_RETRIES", "5"))
PUBLISH_RETRY_BASE_SECONDS = int(os.environ.get("IGNY8_PUBLISH_RETRY_BASE_SECONDS", "60"))

# --- the JSON API (apps/publisher/api) ------------------------------------------------------
# Calls a minute per connection key; refused keys a minute per client address.
IGNY8_API_RATE_LIMIT = env_int("IGNY8_API_RATE_LIMIT", 120)
IGNY8_API_BAD_KEY_LIMIT = env_int("IGNY8_API_BAD_KEY_LIMIT", 30)

# --- logging -----------------------------------------------------------------------------
LOG_DIR = Path(os.environ.get("IGNY8_LOG_DIR", DATA_DIR / "logs"))
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


def _channel(name: str) -> dict[str, object]:
    return {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(LOG_DIR / f"{name}.log"),
        "maxBytes": 5 * 1024 * 1024,
        "backupCount": 5,
        "formatter": "standard",
        "filters": ["context"],
        "encoding": "utf-8",
    }


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "igny8.logging.ContextFilter"}},
    "formatters": {
        "standard": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s %(schema)s] %(name)s: %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "standard",
            "filters": ["context"],
            "stream": sys.stderr,
        },
        "publishing_file": _channel("publishing"),
        "wordpress_api_file": _channel("wordpress_api"),
        "webhooks_file": _channel("webhooks"),
        "api_file": _channel("api"),
        "app_file": _channel("igny8"),
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "igny8": {"handlers": ["console", "app_file"], "level": LOG_LEVEL, "propagate": False},
        "apps": {"handlers": ["console", "app_file"], "level": LOG_LEVEL, "propagate": False},
        # propagate=False: root also writes to the console, so each line would appear twice.
        **{
            channel: {
                "handlers": ["console", f"{channel}_file"],
                "level": LOG_LEVEL,
                "propagate": False,
            }
            for channel in ("publishing", "wordpress_api", "webhooks", "api")
        },
        "django-q": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
if TESTING:
    LOGGING["loggers"]["igny8"]["handlers"] = ["app_file"]
    LOGGING["loggers"]["apps"]["handlers"] = ["app_file"]

# --- security -------------------------------------------------------------------------------
# Production is HTTPS only, behind a proxy that terminates TLS and says so in
# X-Forwarded-Proto (and overwrites whatever a client sent in it). Development (`make run`,
# plain http on igny8.localhost:8000) and tests keep these off. Each one can be overridden.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER", PRODUCTION) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Load balancers probe the health check over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
# Every workspace host lives under the base domain and the session cookie is shared across
# them; but HSTS for all subdomains (and the browsers' preload list, which is hard to leave)
# also binds any other host of that domain, so both wait until the operator says so.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# `check --deploy` reminds of the two above: they are left to the operator on purpose.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, chosen in [
        ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", SECURE_HSTS_PRELOAD),
    ]
    if not chosen
]
# In every mode: no MIME sniffing, no framing, no referrer outside the origin (links to
# customers' sites do not reveal which workspace page they were on), no window.opener.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy, in every mode so that the browser tests meet what production
# enforces. Scripts: our own files, each tag with the request's nonce (`csp_nonce`); no inline
# script or handler, no eval (htmx's is switched off in base.html). Styles: our files plus the
# templates' `style` attributes and page <style> blocks ('unsafe-inline', which a nonce would
# cancel); CSS can fetch nothing from elsewhere (img, font, connect stay 'self') and article
# HTML is sanitised of styles. Images: ours and data: URLs; the editor also shows an article's
# images from other https hosts (igny8.csp.allow_article_images). Forms, and the redirects
# after them (Chromium checks both), go to the platform's hosts (sign in on the public host,
# land in a workspace; any port, for dev and tests) and to Stripe Checkout and the Customer
# Portal (303 after "Upgrade" and "Manage cards & invoices").
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [
        CSP.SELF,
        f"{IGNY8_BASE_DOMAIN}:*",
        f"*.{IGNY8_BASE_DOMAIN}:*",
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ],
}

# Messages travel in a signed cookie (on the session cookie's domain, so they follow a redirect
# to a workspace host), falling back to the session only when too big. Kept in the session,
# every page that showed one rewrote the whole session, and a second tab that had loaded it
# before a site switch in the first saved its stale copy afterwards, undoing the switch.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
