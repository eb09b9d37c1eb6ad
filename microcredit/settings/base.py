"""Settings shared by every environment. Environment-specific modules import from here."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bands, env_bool, env_int, env_list, env_str, ip_networks

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: content typed in French and English (see Translations in README)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "django_htmx",
    "microcredit.accounts",
    "microcredit.core",
    "documents",
    "funds",
    "circles",
    "loans",
    "coaching",
    "reports",
    "imports",
    "privacy",
]

MIDDLEWARE = [
    # First: the client's real address and scheme (from a trusted proxy only), and /healthz.
    "microcredit.core.middleware.TrustedProxyMiddleware",
    "microcredit.core.middleware.HealthCheckMiddleware",
    "microcredit.core.middleware.OrganizationSettingsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "microcredit.core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sign-in and role before any view reads its parameters (no oracle from a 302 against a 404).
    "microcredit.core.middleware.AccessGateMiddleware",
    "microcredit.accounts.middleware.UserLanguageMiddleware",
    "microcredit.core.middleware.PrivateCacheMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "microcredit.urls"
WSGI_APPLICATION = "microcredit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "microcredit.core.context_processors.organization",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:password@host:5432/name. Environment modules set the default.
def database_from_url(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0))
    config["ATOMIC_REQUESTS"] = False
    return config


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- People ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions expire: each page renews the session's age, so it only runs out when idle. A page writes the
# session only when it changed or when its last renewal is older than SESSION_RENEW_SECONDS (a tenth of the
# idle time, at most a minute; microcredit.core.middleware.SessionRenewalMiddleware): not on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_RENEW_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Lock-out after repeated failed logins (django-axes), per username and address, with a cool-off.
# Two limits (microcredit/accounts/lockout.py): 5 failures for one login from one address lock that login
# from that address; 20 failures from one address, whatever the logins, stop that address.
# Password reset (accounts.services.password_reset_request): at most so many requests per address typed and
# per client address in a window; over it, the same page is answered and nothing is sent.
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 3, minimum=1)
PASSWORD_RESET_CLIENT_LIMIT = env_int("PASSWORD_RESET_CLIENT_LIMIT", 10, minimum=1)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60, minimum=1)
AXES_HANDLER = "microcredit.accounts.lockout.LoginAndAddressHandler"
AXES_USERNAME_CALLABLE = "microcredit.accounts.lockout.login_username"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "fr-ca"
LANGUAGES = [
    ("fr-ca", _("French")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["microcredit.formats"]
LANGUAGE_COOKIE_NAME = "microcredit_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "America/Montreal"
USE_I18N = True
USE_TZ = True
# Content the organization types (product names, circle characteristics, partner services, fund terms) has a
# French and an English column (``name_fr``, ``name_en``), registered in each app's ``translation.py``. The
# reader's language picks one; an empty English falls back to the French, which is required.
MODELTRANSLATION_LANGUAGES = ("fr", "en")
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr",)
MODELTRANSLATION_AUTO_POPULATE = "default"  # ``create(name=...)`` without a language fills the French column


def _localized_label(name, lang):
    """The label of one language's column: "nom (anglais)", "name (English)"."""
    from microcredit.core.bilingual import localized_label

    return localized_label(name, lang)


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _localized_label


# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: files go through views that check permissions
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: a file stops being stored once it passes UPLOAD_MAX_BYTES (the form then says it is too large);
# the proxy refuses whole bodies over its own cap (deploy/nginx/microcredit.conf.template).
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "microcredit.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The form fields of one request, files excluded: as large as the proxy lets a whole body be (12 MiB), so
# that no text typed into a form (a meeting record with a long paste: é is 6 bytes once URL-encoded) is
# thrown away with a 400 before the form can say, at the field, which text is too long (issue #13, 6).
PROXY_MAX_BODY_BYTES = 12 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = PROXY_MAX_BODY_BYTES

# Dates in range (microcredit/core/dates.py): nothing typed before DATE_EARLIEST_YEAR (the organization's
# start, or 1990) nor more than DATE_YEARS_AHEAD years ahead; a disbursement at most
# LOAN_DISBURSEMENT_DAYS_AHEAD days ahead of today (0: not in the future).
DATE_EARLIEST_YEAR = env_int("DATE_EARLIEST_YEAR", 1990, minimum=1900)
DATE_YEARS_AHEAD = env_int("DATE_YEARS_AHEAD", 5, minimum=1)
LOAN_DISBURSEMENT_DAYS_AHEAD = env_int("LOAN_DISBURSEMENT_DAYS_AHEAD", 0, minimum=0)

# The loan-loss reserve (reports/capital.py): the share of the outstanding principal provisioned for each
# band of days past due, "first day of the band:percent". Current 0 %, 1-30 days 10 %, 31-90 25 %,
# 91-180 50 %, beyond 180 100 %.
LOAN_LOSS_RESERVE_BANDS = env_bands("LOAN_LOSS_RESERVE_BANDS", "0:0,1:10,31:25,91:50,181:100")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Proxy and browser security ----------------------------------------------------------------------
# Addresses (or networks) of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
# Empty: nobody's (the headers are dropped). Behind nginx on the same host: 127.0.0.1.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", [])
try:
    ip_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {exc}") from None
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # only ever set by a trusted proxy

# Content-Security-Policy (django-csp): scripts, styles and fonts from our own origin only; no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the app never uses are switched off (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: the folder emails are written to.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
# The address people reach the app at, for links in emails sent by background tasks.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Microcrédit <no-reply@microcredit.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------------
# Every Celery setting lives here under the CELERY_ namespace (see microcredit/celery.py).
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Separate queues, so that a long PDF build never delays a reminder (docker-compose.yml runs one worker
# for "default" and "reminders", and one with --prefetch-multiplier 1 --concurrency 1 for "documents").
CELERY_TASK_ROUTES = {
    "accounts.*": {"queue": "default"},
    "loans.scan*": {"queue": "reminders"},
    "loans.send_reminder*": {"queue": "reminders"},
    "documents.*": {"queue": "documents"},
}
# Short tasks (reminders) take a few messages ahead; the documents worker is started with
# --prefetch-multiplier 1, and its tasks are acknowledged late (documents/tasks.py).
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=1)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The one place for periodic tasks (times are America/Montreal, CELERY_TIMEZONE). Each task claims its work
# in the database, so a beat that fires twice, or two beats, do no harm.
CELERY_BEAT_SCHEDULE: dict = {
    "purge-documents": {"task": "documents.purge", "schedule": crontab(hour=3, minute=15)},
    # Business plan files that no loan points to (an interrupted upload, a failed change).
    "purge-orphan-plan-documents": {
        "task": "loans.purge_orphan_plan_documents",
        "schedule": crontab(hour=3, minute=30),
    },
    "mark-defaults": {"task": "loans.mark_defaults", "schedule": crontab(hour=6, minute=0)},
    # The monthly positions of the month just over (the board's report as of a past month end reads them).
    "snapshot-months": {"task": "loans.snapshot_months", "schedule": crontab(hour=2, minute=30)},
    # The board's reports of the last twelve closed months, kept again when a late payment forgot them.
    "keep-board-month": {"task": "reports.keep_board_month", "schedule": crontab(minute=40)},
    "scan-reminders": {"task": "loans.scan_reminders", "schedule": crontab(hour=7, minute=0)},
    # After the reminder scan: lists the people without an email address whom the scan found.
    "advisor-digests": {"task": "loans.scan_digests", "schedule": crontab(hour=7, minute=30)},
    # Uploaded import files (personal information) past IMPORT_FILE_RETENTION_DAYS, and stray ones.
    "purge-import-files": {"task": "imports.purge_files", "schedule": crontab(hour=3, minute=45)},
    # Law 25: the file-access log is kept for the organization's set time (organization settings).
    # Law 25: anonymizes the files past retention, once switched on in the privacy settings.
    "retention-pass": {"task": "privacy.retention_pass", "schedule": crontab(hour=4, minute=0)},
    "purge-file-access-log": {
        "task": "privacy.purge_file_access_log",
        "schedule": crontab(hour=3, minute=50),
    },
}

# --- Documents (PDF) ------------------------------------------------------------------------------
# Generated PDFs are deleted this many days after they were built (the record of the request stays).
DOCUMENT_RETENTION_DAYS = env_int("DOCUMENT_RETENTION_DAYS", 7, minimum=1)
# Days an uploaded import file (media/imports/) is kept before the nightly purge deletes it (Law 25: no
# longer than needed to check and import it).
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)
# Import files of at least this many bytes are checked and imported by a worker, with a progress page.
IMPORT_BACKGROUND_MIN_BYTES = env_int("IMPORT_BACKGROUND_MIN_BYTES", 256 * 1024, minimum=0)

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
