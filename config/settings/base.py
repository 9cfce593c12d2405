"""Settings for every environment, read from environment variables (see README, Configuration)."""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.text("DEBTSIGNAL_VAR_DIR") or BASE_DIR / "var")

DEBUG = env.boolean("DEBUG", default=False)
SECRET_KEY = env.text("SECRET_KEY") or "django-insecure-demo-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = [host for host in env.text("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if host]
CSRF_TRUSTED_ORIGINS = [origin for origin in env.text("CSRF_TRUSTED_ORIGINS").split(",") if origin]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "tenancy",
    "thresholds",
    "intake",
    "signals",
    "workbaskets",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenancy.middleware.TwoFactorRequiredMiddleware",
    "tenancy.middleware.CurrentMunicipalityMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.current_municipality",
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", default_sqlite=VAR_DIR / "debtsignal.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Rate-limit counters, cached API tokens and covenants: with CACHE_URL (Redis) every web process shares
# them, so a limit holds across gunicorn workers and a revoked token stops at once everywhere.
CACHES = env.cache("CACHE_URL")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out users before a password check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenancy:start"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last request: inactivity, not login time
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.boolean("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Two-factor authentication (TOTP) for every user of the browser interface; API clients use tokens.
REQUIRE_TWO_FACTOR = env.boolean("REQUIRE_TWO_FACTOR", default=True)
OTP_TOTP_ISSUER = "debtsignal"
# Lock-out after repeated failed logins, per user name and address (django-axes).
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# No inline scripts anywhere (htmx and our own code come from static files); inline styles allowed
# (progress bars, the municipality's colour).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Third-party front-end packages are installed by npm (package-lock.json), never copied in.
    ("vendor/utrecht", BASE_DIR / "node_modules/@utrecht/component-library-css/dist"),
    ("vendor/utrecht-tokens", BASE_DIR / "node_modules/@utrecht/design-tokens/dist"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024 * 1024)

# Celery: without CELERY_BROKER_URL tasks run in-process (the embedded default for `make demo`).
CELERY_BROKER_URL = env.broker("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env.broker("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a killed worker's task is redelivered, so it must be idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
ROUTE_NEW_WORK_TASK = "workbaskets.tasks.route_new_work"  # asked for by name: see tenancy.new_work
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Safety net: runs and arrears assessments queue routing themselves; this catches a lost message.
    "route-all-new-work": {
        "task": "workbaskets.tasks.route_all_new_work",
        "schedule": crontab(minute="*/10"),
    },
    "start-due-evaluation-runs": {
        "task": "signals.tasks.start_due_runs",
        "schedule": crontab(hour=2, minute=15),
    },
    # Safety net: intake queues the assessment itself; this catches reports whose queueing failed.
    "assess-pending-arrears-reports": {
        "task": "intake.arrears.tasks.assess_arrears_reports",
        "schedule": crontab(minute="*"),
    },
    "requeue-pending-deliveries": {
        "task": "intake.tasks.requeue_pending_deliveries",
        "schedule": crontab(minute="*/5"),  # deliveries whose import message never reached a worker
    },
    "resume-stalled-evaluation-runs": {
        "task": "signals.tasks.resume_stalled_runs",
        "schedule": crontab(minute="*/5"),  # runs whose chunk messages were lost with the broker
    },
    "requeue-pending-reporting-jobs": {
        "task": "reporting.tasks.requeue_pending_jobs",
        "schedule": crontab(minute="*/5"),  # letter batches and reports started while the broker was down
    },
    "purge-personal-data": {
        "task": "reporting.tasks.purge_personal_data",
        "schedule": crontab(hour=3, minute=30),  # retention, domain.md section 9
    },
    "start-due-management-reports": {
        "task": "reporting.tasks.start_due_management_reports",
        "schedule": crontab(hour=6, minute=0),  # last month's report, once, after the night's runs
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenancy.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "debtsignal API",
    "DESCRIPTION": "Intake of debtor files and supplier arrears reports (vroegsignalering, DDAS-aligned).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DeliveryStatusEnum": "intake.models.deliveries.Delivery.Status",
        "DeliveryKindEnum": "intake.models.deliveries.Delivery.Kind",
        "ReportStatusEnum": "intake.api.arrears.FEEDBACK_STATUSES",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: every permission belongs to a real member

# Filled by each app: defaults of a new municipality and the steps of `manage.py demo_data`.
MUNICIPALITY_DEFAULTS = [
    "intake.partitions.create_income_partition",
    "intake.snapshot_partitions.create_snapshot_partition",
    "intake.known_copy.create_debtor_writes",
    "thresholds.services.create_default_thresholds",
    "workbaskets.services.create_default_baskets",
    "reporting.services.create_default_letter_templates",
    "reporting.retention.create_default_retention",
]
DEMO_DATA_STEPS = [
    "tenancy.demo.create_municipalities_and_users",
    "intake.demo.create_debtors_and_sources",
    "intake.arrears.demo.create_arrears_reports",
    "signals.demo.run_monthly_batch",
    "workbaskets.demo.route_demo_work",
    "reporting.demo.create_demo_letters",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # one INFO line per layout step and page
        "fontTools": {"level": "WARNING"},
    },
}
