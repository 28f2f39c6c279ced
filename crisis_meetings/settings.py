"""Settings for crisis_meetings, read from the environment.

Every variable goes through a small parser that raises ImproperlyConfigured naming
the variable, so that a malformed value stops start-up instead of half-working.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item or " " in item for item in items):
        raise ImproperlyConfigured(
            f"{name} must be a comma-separated list without empty entries; got {raw!r}"
        )
    return items


def env_database(name: str, default: str) -> dict:
    """Parse DATABASE_URL (sqlite:///path or postgres://user:pw@host:port/db)."""
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    if parts.scheme == "sqlite":
        path = raw[len("sqlite:///") :] if raw.startswith("sqlite:///") else ""
        if not path:
            raise ImproperlyConfigured(
                f"{name} for SQLite must be sqlite:///relative/path or "
                f"sqlite:////absolute/path; got {raw!r}"
            )
        name_path = BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name_path),
            # Wait for a writer in another thread or process (a Celery worker, the
            # static-tree rebuild) instead of failing at once.
            "OPTIONS": {"timeout": 30},
            # The test database is a file beside the real one, not a shared-cache
            # in-memory database: with shared cache, SQLite answers a concurrent
            # write with "database table is locked" immediately and ignores the
            # timeout, which makes the tests that run a real worker thread flaky.
            # The process id keeps two test runs in one checkout apart.
            "TEST": {
                "NAME": str(name_path.with_name(f"test_{os.getpid()}_{name_path.name}"))
            },
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} has an invalid port; got {raw!r}"
            ) from None
        db_name = parts.path.lstrip("/")
        if not parts.hostname and not db_name:
            raise ImproperlyConfigured(
                f"{name} must name a host or a database; got {raw!r}"
            )
        if not db_name:
            raise ImproperlyConfigured(f"{name} must name a database; got {raw!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"{name} must start with sqlite:// or postgres://; got {raw!r}"
    )


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The public site's organisation, printed in the PDF running header and feed.
SITE_ORGANISATION = os.environ.get("SITE_ORGANISATION", "徳島県 危機管理部")
SITE_NAME = os.environ.get("SITE_NAME", "危機管理会議 開催結果")
# The prefecture whose 情報公開条例 withheld parts cite (部分公開 placeholders).
PREFECTURE_NAME = os.environ.get("PREFECTURE_NAME", "徳島県")
# Page titles end with the prefecture; the footer shows where to write and call.
SITE_PREFECTURE = os.environ.get("SITE_PREFECTURE", PREFECTURE_NAME)
SITE_ADDRESS = os.environ.get("SITE_ADDRESS", "〒770-8570 徳島県徳島市万代町1丁目1番地")
SITE_PHONE = os.environ.get("SITE_PHONE", "088-621-2280")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "django_otp",
    "crisis_meetings.accounts.apps.TOTPConfig",  # django_otp.plugins.otp_totp
    "crisis_meetings.accounts.apps.StaticConfig",  # django_otp.plugins.otp_static
    "csp",
    "crisis_meetings.accounts",
    "meetings",
    "meetings.site",
    "meetings.reading",
    "meetings.contributions",
    "incidents",
    "crisis_meetings.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Without a broker, notification jobs run after the response (not inside it).
    "crisis_meetings.notifications.middleware.InlineJobsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crisis_meetings.accounts.middleware.SlidingSessionMiddleware",
    # Django's and django-csp's middleware, with what does not change per request
    # done once (crisis_meetings/cached_middleware.py; the same responses).
    "crisis_meetings.cached_middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Unverified sessions of users who need a second factor reach no staff/admin page.
    "crisis_meetings.accounts.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crisis_meetings.cached_middleware.CSPMiddleware",
    # Inside CSPMiddleware: files get `sandbox` before the page policy is added.
    "crisis_meetings.accounts.middleware.SecurityHeadersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "crisis_meetings.middleware.BadInputMiddleware",
    # Public URLs answer from the publication tree when SERVE_PUBLIC_SITE is on
    # (inside the security headers and CSP middleware, so tree files get them too).
    "meetings.site.middleware.ServePublicSiteMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the 429 lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "crisis_meetings.urls"

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
                "meetings.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "crisis_meetings.wsgi.application"

DATABASES = {
    "default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Bootstrap comes from the npm package installed by `make` into .venv/vendor (never a CDN).
_BOOTSTRAP_DIST = Path(
    os.environ.get(
        "BOOTSTRAP_DIST", BASE_DIR / ".venv/vendor/node_modules/bootstrap/dist"
    )
)
if _BOOTSTRAP_DIST.is_dir():
    STATICFILES_DIRS.append(("vendor/bootstrap", _BOOTSTRAP_DIST))

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
if not MEDIA_ROOT.is_absolute():
    raise ImproperlyConfigured(
        f"MEDIA_ROOT must be an absolute path; got {str(MEDIA_ROOT)!r}"
    )

# Storage goes through STORAGES so that S3-compatible storage (django-storages) can be
# configured by setting FILE_STORAGE_BACKEND and its OPTIONS, without code changes.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Cache: small values of the dynamic pages (search, filtered lists); an unreachable
# cache means "compute it" (meetings.safe_cache). Public pages are files (below).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"CACHE_URL must start with redis:// or rediss://; got {CACHE_URL!r}"
    )
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        # Fail fast when Redis is down: the page is then computed, not stalled.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# The publication tree (meetings.site): every public page, the feed, sitemap.xml,
# robots.txt, official PDFs and attachments, written as files on every change and
# served by nginx (deploy/). Any Django storage: STORAGES["public_site"].
PUBLIC_SITE_ROOT = Path(os.environ.get("PUBLIC_SITE_ROOT", BASE_DIR / "public_site"))
if not PUBLIC_SITE_ROOT.is_absolute():
    PUBLIC_SITE_ROOT = BASE_DIR / PUBLIC_SITE_ROOT
STORAGES["public_site"] = {
    "BACKEND": os.environ.get(
        "PUBLIC_SITE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": {"location": str(PUBLIC_SITE_ROOT), "base_url": "/"}
    if "PUBLIC_SITE_STORAGE_BACKEND" not in os.environ
    else {},
}
# Absolute URLs in the tree (feed, sitemap.xml, robots.txt) use this origin.
PUBLIC_SITE_URL = os.environ.get(
    "PUBLIC_SITE_URL",
    "http://127.0.0.1:8000"
    if DEBUG or not ALLOWED_HOSTS
    else f"https://{ALLOWED_HOSTS[0].lstrip('.')}",
).rstrip("/")
if urlsplit(PUBLIC_SITE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(
        f"PUBLIC_SITE_URL must start with http:// or https://; got {PUBLIC_SITE_URL!r}"
    )
# Serve the tree through Django (make run): public URLs answer from the files,
# anything missing falls back to the views. Production serves it with nginx.
SERVE_PUBLIC_SITE = env_bool("SERVE_PUBLIC_SITE", DEBUG)
# Tree paths that build_site/verify_site leave alone: the Pagefind index, the static
# search page and the error pages (meetings.static_search writes them).
PUBLIC_SITE_KEEP = [
    "pagefind/",
    "search-static/",
    "404.html",
    "503.html",
    "data/.fingerprints.json",  # what the bulk files show (meetings.api.bulk)
    "withdrawn/.state.json",  # the withdrawn meetings the notices show
    "kana/.state.json",  # what the reading versions show (meetings.reading.tree)
    "audio/",  # spoken pages, written by meetings.reading.speech after each change
]
# Tree files written by generators rather than rendered per URL (meetings.site.generators).
PUBLIC_SITE_GENERATORS = [
    "meetings.api.bulk.tree_files",
    "meetings.site.withdrawn.tree_files",  # 410 notices of withdrawn meetings
    "meetings.reading.tree.kana_files",  # ふりがな: kana/<page>
]

# Background jobs (list rebuilds, full rebuilds, PDF ZIP exports): Celery with a
# Redis (or RabbitMQ) broker. Without a broker they run inline (make run).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# 読み上げ: after each publication, correction or withdrawal a Celery job writes the
# meeting page's text for speaking and, with Open JTalk (pyopenjtalk-plus) installed,
# its Ogg Opus audio under audio/ in the tree. Synthesis takes about a tenth of the
# speech's length (minutes for a long page): on by default only with a broker (a
# worker does it); off, the browser's own speech synthesis reads the page.
READING_SPEECH = env_bool("READING_SPEECH", bool(CELERY_BROKER_URL))
# The longest text one audio file speaks (characters, about 5 a second of speech):
# a longer page's audio stops there and says the rest is on the page, so one huge
# meeting cannot keep a worker for minutes (4000: ~12 min of speech, ~1 min of work;
# every real page so far is shorter). 0: no limit.
READING_SPEECH_MAX_CHARS = env_int("READING_SPEECH_MAX_CHARS", 4000)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Tokyo"
# Locks that keep two jobs off one target: Redis when there is one, else a file lock.
JOB_LOCK_REDIS_URL = os.environ.get(
    "JOB_LOCK_REDIS_URL",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else CACHE_URL,
)
JOB_LOCK_DIR = Path(os.environ.get("JOB_LOCK_DIR", BASE_DIR / ".locks"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:dashboard"
LOGOUT_REDIRECT_URL = "public:archive"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Attachment uploads (PDF only).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000
# Whether an approver may publish a meeting they edited themselves.
APPROVER_MAY_PUBLISH_OWN_EDITS = env_bool("APPROVER_MAY_PUBLISH_OWN_EDITS", False)

# ---------------------------------------------------------------------------
# Security: login throttling, second factor, headers, sessions (see SECURITY.md)
# ---------------------------------------------------------------------------
# django-axes: LOGIN_FAILURE_LIMIT failures for one user name, or from one client
# address, within LOGIN_LOCKOUT_MINUTES lock it for LOGIN_LOCKOUT_MINUTES after the
# last failure. While locked, the password is not even checked (no hashing cost).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not clear failures: with it, an insider's own logins would wipe the
# count of guesses at a colleague's account from the same address.
AXES_RESET_ON_SUCCESS = False
# Refused attempts while locked write nothing (cheap) and do not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "crisis_meetings.accounts.views.lockout"
AXES_HTTP_RESPONSE_CODE = 429
# Successful logins are in the security log (crisis_meetings.accounts.SecurityEvent).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # crisis_meetings.accounts.admin registers it in Japanese
# The client address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front (nginx)
# the address they appended to X-Forwarded-For. A client-sent header is never trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# django-otp: roles (editor, approver, admin) whose users must use a second factor.
# "admin" also covers superusers and every user allowed into the Django admin.
_MFA_ROLE_NAMES = {"editor", "approver", "admin"}
_mfa_roles_raw = os.environ.get("MFA_REQUIRED_ROLES", "approver,admin").strip()
MFA_REQUIRED_ROLES = (
    []
    if _mfa_roles_raw.lower() in {"", "none"}
    else [r.strip() for r in _mfa_roles_raw.split(",")]
)
if not set(MFA_REQUIRED_ROLES) <= _MFA_ROLE_NAMES:
    raise ImproperlyConfigured(
        "MFA_REQUIRED_ROLES must be a comma-separated subset of editor, approver, "
        f"admin (or none); got {_mfa_roles_raw!r}"
    )
OTP_TOTP_ISSUER = SITE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
MFA_BACKUP_CODES = 10

# django-csp 4: one strict policy for every page; files get `sandbox` instead.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Pages that must never be stored by a browser or a proxy.
NO_STORE_PATH_PREFIXES = ["/staff/", "/accounts/", "/admin/"]

# Staff sessions end after a working day without a request (sliding expiry).
# (crisis_meetings.accounts.middleware.SlidingSessionMiddleware moves the expiry on,
# writing the session at most every SESSION_REFRESH_SECONDS.)
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 9 * 60) * 60
SESSION_REFRESH_SECONDS = 60

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # One JSON line per login, lockout, second-factor or role change.
        "crisis_meetings.security": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
        "axes": {"level": "ERROR"},  # its lines repeat the security log's
    },
}
DEMO_LOADERS = [
    "incidents.demo.load",
    "crisis_meetings.accounts.demo.load",
    "crisis_meetings.notifications.demo.load",
    "meetings.contributions.demo.load",
    "meetings.reading.seed.ensure_seeded",  # the readings table (after a flush)
]
# sitemap.xml sections (meetings must not import incidents, so they are listed here).
PUBLIC_SITEMAPS = {
    "archive": "meetings.sitemaps.ArchiveSitemap",
    "meetings": "meetings.sitemaps.MeetingSitemap",
    "incidents": "incidents.sitemaps.IncidentSitemap",
    "data": "meetings.api.sitemaps.DataSitemap",
}

# Open-data API (/api/v1/, meetings.api): read-only JSON for anyone, per-client limit.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")
if not __import__("re").fullmatch(r"\d+/(second|minute|hour|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(
        f"API_RATE_LIMIT must look like 120/minute; got {API_RATE_LIMIT!r}"
    )
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["meetings.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_RATE_LIMIT},
    # The client address as for login throttling: REMOTE_ADDR, or the address the
    # last of TRUSTED_PROXY_COUNT proxies appended to X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "meetings.api.common.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "危機管理会議 開催結果 オープンデータAPI",
    "DESCRIPTION": "公開中の開催結果と事案(読み取り専用)。"
    "政府標準利用規約(第2.0版)/CC BY 4.0。v1の中では項目の追加だけが行われます。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": [],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": False,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "meetings.api.schema.postprocess",
    ],
}
# CORS: any origin may GET the API (public data, no cookies sent or read).
CORS_URLS_REGEX = r"^/(api|data)/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
# Backups (manage.py backup / verify_backup / restore; README "Operations"): generations
# kept in the destination folder, and the optional age key the archive is encrypted with
# (AGE-SECRET-KEY-1…: encrypts and decrypts) or to (age1… public keys: encrypt only).
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 3)
for _name, _kept in [
    ("BACKUP_KEEP_DAILY", BACKUP_KEEP_DAILY),
    ("BACKUP_KEEP_WEEKLY", BACKUP_KEEP_WEEKLY),
    ("BACKUP_KEEP_MONTHLY", BACKUP_KEEP_MONTHLY),
]:
    if _kept < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 or more; got {_kept}")
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "").strip()
if BACKUP_ENCRYPTION_KEY and not BACKUP_ENCRYPTION_KEY.startswith("AGE-SECRET-KEY-1"):
    raise ImproperlyConfigured(
        "BACKUP_ENCRYPTION_KEY must be an age secret key (AGE-SECRET-KEY-1…)"
    )
BACKUP_ENCRYPTION_RECIPIENTS = (
    env_list("BACKUP_ENCRYPTION_RECIPIENTS", [])
    if os.environ.get("BACKUP_ENCRYPTION_RECIPIENTS", "").strip()
    else []
)
if any(not key.startswith("age1") for key in BACKUP_ENCRYPTION_RECIPIENTS):
    raise ImproperlyConfigured(
        "BACKUP_ENCRYPTION_RECIPIENTS must be age public keys (age1…), comma-separated"
    )

# Staff dashboard (issue 14): a meeting is 公開遅れ when it was held in the last
# OVERDUE_WINDOW_DAYS days and is still unpublished 24 hours after it was held
# (an old meeting entered today is not late). Deleted drafts stay in the trash
# TRASH_DAYS days (an admin can restore them), then `purge_trash` removes them.
OVERDUE_WINDOW_DAYS = env_int("OVERDUE_WINDOW_DAYS", 30)
TRASH_DAYS = env_int("TRASH_DAYS", 30)

# Notifications and mail (crisis_meetings.notifications): Django's SMTP backend with
# EMAIL_HOST; with DEBUG and no EMAIL_HOST, mails are printed on the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Without a broker a notification mail is sent by the web process, after the
# response: its SMTP connection waits at most this long (a down server costs one
# such wait per request; the mail stays in the outbox for send_pending_mail).
EMAIL_INLINE_TIMEOUT = env_int("EMAIL_INLINE_TIMEOUT", 2)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "kikikanri-noreply@example.lg.jp"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A staff member's further mails within this many seconds of the last go as one digest.
NOTIFY_DIGEST_SECONDS = env_int("NOTIFY_DIGEST_SECONDS", 600)
NOTIFY_MAIL_MAX_ATTEMPTS = env_int("NOTIFY_MAIL_MAX_ATTEMPTS", 10)
NOTIFY_DIRECTIVE_DUE_SOON_DAYS = env_int("NOTIFY_DIRECTIVE_DUE_SOON_DAYS", 1)
NOTIFY_CONTRIBUTION_DUE_HOURS = env_int("NOTIFY_CONTRIBUTION_DUE_HOURS", 2)
# Public mail subscription: confirmation link lifetime and sign-up limits.
SUBSCRIPTION_CONFIRM_HOURS = env_int("SUBSCRIPTION_CONFIRM_HOURS", 24)
SUBSCRIBE_RATE_PER_IP = os.environ.get("SUBSCRIBE_RATE_PER_IP", "10/hour")
SUBSCRIBE_RATE_PER_ADDRESS = os.environ.get("SUBSCRIBE_RATE_PER_ADDRESS", "3/day")
for _name, _rate in [
    ("SUBSCRIBE_RATE_PER_IP", SUBSCRIBE_RATE_PER_IP),
    ("SUBSCRIBE_RATE_PER_ADDRESS", SUBSCRIBE_RATE_PER_ADDRESS),
]:
    if not __import__("re").fullmatch(r"\d+/(second|minute|hour|day)", _rate):
        raise ImproperlyConfigured(f"{_name} must look like 10/hour; got {_rate!r}")
CELERY_BEAT_SCHEDULE = {
    "notifications-send-pending-mail": {
        "task": "notifications.send_pending_mail",
        "schedule": 60.0,
    },
    "notifications-send-reminders": {
        "task": "notifications.send_reminders",
        "schedule": 300.0,
    },
}
