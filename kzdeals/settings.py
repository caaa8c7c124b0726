"""Settings for kzdeals, read from the environment.

Safe defaults for a laptop (SQLite, debug on, local hosts); anything unsafe in
production (debug off) fails loudly at start-up instead of running half-secured.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105 - refused when debug is off


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY.strip() in ("", DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off; "
        "refusing to start in production with the default or an empty secret key."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# Where the admin lives (kzdeals/urls.py): a path relative to the site root, ending with "/".
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL") or "admin/"
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/") or ADMIN_URL.strip("/") == "":
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_URL must be a relative path ending with '/' (e.g. 'admin/'), not {ADMIN_URL!r}"
    )

# Behind a reverse proxy (nginx) that overwrites X-Forwarded-For with the client's address.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)

INSTALLED_APPS = [
    # First: the register's loaddata over modeltranslation's (kzdeals/commands/apps.py).
    "kzdeals.commands",
    # Before the admin: its TranslationAdmin and its loaddata (which agreements' own loaddata extends).
    "modeltranslation",
    "kzdeals.admin.AdminConfig",  # django.contrib.admin on the site of kzdeals/admin.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "corsheaders",
    "csp",
    "axes",
    "kzdeals",
    "agreements",
]

MIDDLEWARE = [
    # First, so it times and logs every answer, static files and errors included.
    "kzdeals.middleware.RequestLogMiddleware",
    # Next, the headers of every answer, so that an error answered by any middleware further in has them.
    "kzdeals.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # The language from the address (/ru/..., /kk/...; none is English) on the public pages; elsewhere (the
    # API, the admin) from the browser's Accept-Language. Before the rate limit, so a 429 speaks it too.
    "kzdeals.middleware.AddressOrBrowserLocaleMiddleware",
    # Inside CORS, so a 429 carries its headers too; before anything else that answers an API request.
    "agreements.api.throttling.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A 404 at a renamed record's old address becomes a 301 to its new one.
    "agreements.redirects.FormerAddressMiddleware",
    # The language of an API answer: `lang` or Accept-Language (agreements/api/language.py).
    "agreements.api.language.APILanguageMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kzdeals.urls"
WSGI_APPLICATION = "kzdeals.wsgi.application"

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
                "csp.context_processors.nonce",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an editor saves; the pragmas run on every new connection.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Full-text search of the register (agreements/search.py); SQLite falls back to word matching.
    INSTALLED_APPS.append("django.contrib.postgres")
    # Parameters bound by the server rather than written into the text by psycopg, so a statement has one text
    # for any values; one that has run 5 times on a connection is prepared there by psycopg and PostgreSQL no
    # longer parses and plans it (persistent connections, DJANGO_CONN_MAX_AGE, keep them). At 100,000
    # agreements this took the API list from 2.2 to 1.5 ms of PostgreSQL's CPU a request (README, Benchmarks).
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 5,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes checks every login first, so repeated failures lock out that username from that address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# The address the API rate limit counts too: X-Forwarded-For only with BEHIND_PROXY.
AXES_CLIENT_IP_CALLABLE = "kzdeals.clients.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Each named in its own language: the switcher offers them to readers of that language.
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("kk", "Қазақша")]
# The project's catalogues (.po committed, .mo built by `make` with compilemessages).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Kazakh formats (Django ships none) and the register's own date formats in every language.
FORMAT_MODULE_PATH = ["kzdeals.formats"]
# Content (agreements/translation.py): English is the original column every SQL reads; a missing
# translation falls back kk -> ru -> en and ru -> en.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en",), "kk": ("ru", "en"), "ru": ("en",)}
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"  # slugs come from the English title or name
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
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

# On a laptop whitenoise serves straight from the source folders; in production from collectstatic's output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Every absolute URL the site writes starts here (agreements/links.py), never with the request's Host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.path or _site.query or _site.fragment:
    raise ImproperlyConfigured(f"SITE_URL must be http(s)://host[:port] with no path, not {SITE_URL!r}")

# OCDS ocids start with a prefix registered with the Open Contracting Partnership; this default is
# a placeholder until the register has one.
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "ocds-kzdeals")

# The data's licence, an SPDX identifier: stated on /data/, in the data package and in OCDS.
REGISTER_DATA_LICENSE = os.environ.get("REGISTER_DATA_LICENSE", "CC-BY-4.0").strip()
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+-]{0,63}", REGISTER_DATA_LICENSE):
    raise ImproperlyConfigured(
        f"REGISTER_DATA_LICENSE must be an SPDX identifier such as CC-BY-4.0, not {REGISTER_DATA_LICENSE!r}"
    )

# A record last verified against its sources more than this many days ago is "stale" on every surface.
REGISTER_STALE_AFTER_DAYS = int(os.environ.get("REGISTER_STALE_AFTER_DAYS", "180"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis as an optimisation that can be lost: unreachable, it is answered without (kzdeals/cache.py).
            "BACKEND": "kzdeals.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kzdeals",
            # A Redis that does not answer costs a request at most this, and only once every few seconds.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions read from Redis, written through to the database (they survive a Redis restart or outage).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kzdeals"}}

# Seconds a public answer (API list/detail, totals) is kept; every save invalidates it at once. Off
# without a shared cache: a per-process cache could not hear about a save made in another process.
REGISTER_CACHE_TIMEOUT = int(os.environ.get("REGISTER_CACHE_TIMEOUT", "300" if REDIS_URL else "0"))

# Requests a client may make under /api/ (agreements/api/throttling.py), in DRF's notation.
API_THROTTLE_ANON = os.environ.get("API_THROTTLE_ANON", "120/minute")
if not re.fullmatch(r"[0-9]+/(s|m|h|d)[a-z]*", API_THROTTLE_ANON):
    raise ImproperlyConfigured(f"API_THROTTLE_ANON must be a rate such as 120/minute, not {API_THROTTLE_ANON!r}")

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "kzdeals API",
    "DESCRIPTION": "Read-only API of the register of agreements between Kazakhstan and the United States.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The downloads (plain Django views, streamed) described with the list's own parameters, and `lang` on
    # every operation, defined once (agreements/api/language.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "agreements.api.downloads.empty_is_no_filter",
        "agreements.api.downloads.add_downloads",
        "agreements.api.language.document_lang",
    ],
    # Kind/RelationKind and Status/MilestoneStatus share field names: name each enum after its model choice.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "agreements.models.Kind",
        "RelationKindEnum": "agreements.models.RelationKind",
        "StatusEnum": "agreements.models.Status",
        "MilestoneStatusEnum": "agreements.models.MilestoneStatus",
    },
}

CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
# So that a page calling the API from another origin can pace itself, and send its copy's ETag back
# (Last-Modified is readable without being listed).
CORS_EXPOSE_HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "ETag"]

# Content-Security-Policy (django-csp 4): nothing inline unless it carries this request's nonce
# (`{{ request.csp_nonce }}`); the nonce is in the header only on answers whose template used it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
    }
}

X_FRAME_OPTIONS = "DENY"
# Browser features the site never uses, denied to it and to anything it could be made to embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # axes announces itself at every start; its lockouts are warnings and still show.
    "loggers": {"axes": {"level": "WARNING"}},
}
