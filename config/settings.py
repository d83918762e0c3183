"""Settings for every environment, read from environment variables (django-environ).

Read top to bottom: each variable is documented in the README with its default. A `.env`
file in the project root is read too, when present. Production needs at least
`SECRET_KEY`, `ALLOWED_HOSTS` and `DATABASE_URL`; `DEBUG` is off unless asked for.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")


def env_url(name: str, default: str) -> str:
    """A URL variable; set but empty counts as unset."""
    return env.str(name, default="") or default


def env_networks(name: str) -> list[str]:
    """A comma-separated list of addresses or networks (`10.0.0.0/8`), each checked."""
    networks = env.list(name, default=[])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from error
    return networks


# --- Core -------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="django-insecure-development-only-key-never-use-in-production"
    )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
            "random string (or set DEBUG=1 for local development)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Videoplatform")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Third party
    "corsheaders",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_prometheus",
    "django_otp",
    "accounts.otp_apps.TOTPConfig",  # django_otp.plugins.otp_totp, readably named
    "accounts.otp_apps.StaticConfig",  # django_otp.plugins.otp_static, readably named
    # Ours
    "core",
    "accounts",
    "videos",
    "social",
    "notifications",
    "payments",
    "ads",
    "livestream",
    # Developer tools: the top layer, above every domain app (see the README's architecture)
    "devtools",
]

# Outermost first. Prometheus' two halves wrap everything, so they time the whole
# request; the request id is set before anything logs; an oversized body is refused
# before anything reads it (after CORS, so browsers can read the 413).
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.ApiNotFoundMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.ApiResponseHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
# SQLite (the embedded default) is tuned for concurrent web use: WAL journal, IMMEDIATE
# transactions (a writer takes the lock at BEGIN, so two writers never deadlock on a
# lock upgrade), a busy timeout instead of "database is locked", and foreign keys
# (Django turns those on for every SQLite connection). PostgreSQL uses psycopg 3 with
# Django's connection pool.

DATABASES = {
    "default": env.db_url_config(env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
DATABASE_POOL = env.bool("DATABASE_POOL", default=True)
SQLITE_BUSY_TIMEOUT_SECONDS = 20

_default_db = DATABASES["default"]
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _default_db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
            ),
        }
    )
elif _default_db["ENGINE"] == "django.db.backends.postgresql":
    # Django's cursors bind values on the client and are never prepared; the queries
    # `core.compiled` made once per shape run on cursors that bind on the server, and
    # psycopg prepares each on a connection once it ran there this many times (None:
    # never, for a pooler that cannot keep prepared statements).
    _default_db.setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
    if DATABASE_POOL:
        # The pool keeps connections open itself; CONN_MAX_AGE must stay 0 with it.
        _default_db["CONN_MAX_AGE"] = 0
        _default_db["OPTIONS"]["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": 10,
        }

# django-prometheus' subclasses of the same backends count and time every query
# (`django_db_*` metrics); `DATABASE_ENGINE` keeps the backend the URL named.
DATABASE_ENGINE = _default_db["ENGINE"]
_default_db["ENGINE"] = {
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
}.get(DATABASE_ENGINE, DATABASE_ENGINE)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, e-mail, CORS ---------------------------------------------------------

# The cache behind DRF's throttles and cached values must be one that every worker
# process shares. The embedded default is Django's database cache (its table is
# created by `migrate`, see accounts.apps), shared by every process and host using the
# database; production sets CACHE_URL to Redis. Sign-in failure limits do not depend
# on it: they are counted in the database (accounts.throttling).
# core.cache.TimedCache builds the backend CACHE_URL names (TIMED_BACKEND) and times its
# operations (`videoplatform_cache_*` metrics).
_cache = env.cache_url_config(env_url("CACHE_URL", "dbcache://django_cache?max_entries=100000"))
CACHES = {
    "default": {**_cache, "BACKEND": "core.cache.TimedCache", "TIMED_BACKEND": _cache["BACKEND"]}
}

EMAIL_CONFIG = env.email_url_config(env_url("EMAIL_URL", "consolemail://"))
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# --- Accounts and authentication ----------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

# Access tokens are short-lived; refresh tokens rotate and are bound to a session row,
# so logging out or a moderation action ends them at once.
JWT_ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("JWT_ACCESS_TOKEN_SECONDS", default=900))
JWT_REFRESH_TOKEN_LIFETIME = timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=14))
# A refresh token presented again this soon after it was exchanged gets the same new
# pair (a client that refreshed twice at once keeps its session); later, reuse ends it.
JWT_REFRESH_GRACE_SECONDS = env.int("JWT_REFRESH_GRACE_SECONDS", default=5)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": JWT_ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": JWT_REFRESH_TOKEN_LIFETIME,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    "ROTATE_REFRESH_TOKENS": True,
    "LEEWAY": 0,
}

# New accounts are `pending` until their email is verified; with this on, pending
# accounts cannot sign in.
ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = env.bool("ACCOUNTS_REQUIRE_EMAIL_VERIFICATION", default=False)
# Failed sign-ins allowed per account in a window, whatever the client's address.
ACCOUNTS_SIGN_IN_FAILURE_LIMIT = env.int("ACCOUNTS_SIGN_IN_FAILURE_LIMIT", default=10)
ACCOUNTS_SIGN_IN_FAILURE_WINDOW_SECONDS = 15 * 60
ACCOUNTS_AVATAR_MAX_UPLOAD_MB = env.int("ACCOUNTS_AVATAR_MAX_UPLOAD_MB", default=5)
# Where the links in account emails point: the client app's pages, or this API.
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000")

OTP_TOTP_ISSUER = SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Videos -----------------------------------------------------------------------

VIDEO_MAX_UPLOAD_MB = env.int("VIDEO_MAX_UPLOAD_MB", default=500)
VIDEO_MAX_DURATION_SECONDS = env.int("VIDEO_MAX_DURATION_SECONDS", default=3 * 60 * 60)
# Recordings (a live stream's replay) become videos from the file the media server
# wrote, never through an upload; they may be longer and larger than uploads.
VIDEO_MAX_RECORDING_MB = env.int("VIDEO_MAX_RECORDING_MB", default=20 * 1024)
VIDEO_MAX_RECORDING_SECONDS = env.int("VIDEO_MAX_RECORDING_SECONDS", default=12 * 60 * 60)
# The largest frame accepted, in pixels (by the size the file declares, before decoding).
VIDEO_MAX_PIXELS = env.int("VIDEO_MAX_PIXELS", default=8192 * 4320)
# Without a broker, videos are processed beside the requests, at most this many at a
# time per process (the others wait their turn).
VIDEO_PROCESSING_CONCURRENCY = env.int("VIDEO_PROCESSING_CONCURRENCY", default=2)

# --- Payments ---------------------------------------------------------------------
# Coins are integers; real money is integer minor units of an ISO 4217 currency.
# COIN_PRICE is what one coin is worth, in minor units, then the currency: "1 USD" means
# 1 coin = 1 cent.
_coin_price = env.str("COIN_PRICE", default="1 USD").split()
if len(_coin_price) != 2 or not _coin_price[0].isdigit() or len(_coin_price[1]) != 3:
    raise ImproperlyConfigured('COIN_PRICE must be "<minor units> <ISO currency>", e.g. "1 USD".')
COIN_PRICE_MINOR = int(_coin_price[0])
COIN_CURRENCY = _coin_price[1].upper()
# "sandbox" (embedded default: a local checkout page) or "stripe".
PAYMENTS_PROVIDER = env.str("PAYMENTS_PROVIDER", default="sandbox")
if PAYMENTS_PROVIDER not in ("sandbox", "stripe"):
    raise ImproperlyConfigured('PAYMENTS_PROVIDER must be "sandbox" or "stripe".')
# The sandbox credits coins for nothing: without DEBUG it is refused at start-up (system
# check core.E001) unless this says the deployment is a test one.
PAYMENTS_SANDBOX_ALLOWED = env.bool("PAYMENTS_SANDBOX_ALLOWED", default=False)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Where the stripe package sends API requests (the tests point it at a fake on localhost).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
# The sandbox signs its events the Stripe way with this secret.
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="") or (
    "whsec_sandbox_" + SECRET_KEY
)
if PAYMENTS_PROVIDER == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET."
    )
# How old a signed webhook may be (Stripe's default tolerance).
PAYMENTS_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENTS_WEBHOOK_TOLERANCE_SECONDS", default=300)
# A checkout not paid within this long expires (Stripe Checkout's default is 24 h).
PAYMENTS_CHECKOUT_EXPIRY_HOURS = env.int("PAYMENTS_CHECKOUT_EXPIRY_HOURS", default=24)
# The platform's share of tips and subscriptions, in whole percent.
PLATFORM_FEE_PERCENT = env.int("PLATFORM_FEE_PERCENT", default=30)
if not 0 <= PLATFORM_FEE_PERCENT <= 100:
    raise ImproperlyConfigured("PLATFORM_FEE_PERCENT must be between 0 and 100.")
# Fees accrue to this many platform-revenue accounts, chosen by creator (payments/models.py).
PLATFORM_REVENUE_SHARDS = env.int("PLATFORM_REVENUE_SHARDS", default=16)
if not 1 <= PLATFORM_REVENUE_SHARDS <= 1024:
    raise ImproperlyConfigured("PLATFORM_REVENUE_SHARDS must be between 1 and 1024.")
# Only creators (users with the `creator` role, which admins grant) can be tipped.
TIPS_CREATORS_ONLY = env.bool("TIPS_CREATORS_ONLY", default=True)
TIP_MAX_COINS = env.int("TIP_MAX_COINS", default=1_000_000)
PAYOUT_MINIMUM_COINS = env.int("PAYOUT_MINIMUM_COINS", default=1000)
# A renewal that found no funds is retried for this long, then the subscription expires.
SUBSCRIPTION_GRACE_DAYS = env.int("SUBSCRIPTION_GRACE_DAYS", default=7)
# How long an Idempotency-Key is remembered (Stripe: 24 h).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)

# --- Livestream -------------------------------------------------------------------
# Encoders publish to LIVE_RTMP_URL with their stream key; the media server (nginx-rtmp
# or MediaMTX) asks the hooks under /api/v1/live/hooks/ whether a key may publish,
# authenticated by LIVE_HOOK_SECRET (and, when set, its address in LIVE_HOOK_ALLOWED_IPS),
# and writes HLS under the stream's public id, which LIVE_HLS_URL_TEMPLATE turns into
# the players' address.
LIVE_RTMP_URL = env.str("LIVE_RTMP_URL", default="rtmp://127.0.0.1:1935/live")
LIVE_HLS_URL_TEMPLATE = env.str(
    "LIVE_HLS_URL_TEMPLATE", default="http://127.0.0.1:8080/hls/{public_id}/index.m3u8"
)
if "{public_id}" not in LIVE_HLS_URL_TEMPLATE:
    raise ImproperlyConfigured("LIVE_HLS_URL_TEMPLATE must contain {public_id}.")
# Where the signed `hls_url` of a stream that is not public carries its signature
# (livestream/playback.py). `path` (nginx-rtmp): a folder before the public id,
# `/hls/<expires>.<signature>/<public id>/index.m3u8`, which the playlist's relative
# segment addresses inherit; `{public_id}` must then be a folder of the template's path.
# `query` (MediaMTX, which repeats the query on its segment addresses):
# `?expires=<expires>&token=<signature>`.
LIVE_PLAYBACK_SIGNATURE = env.str("LIVE_PLAYBACK_SIGNATURE", default="path")
if LIVE_PLAYBACK_SIGNATURE not in ("path", "query"):
    raise ImproperlyConfigured("LIVE_PLAYBACK_SIGNATURE must be path or query.")
if LIVE_PLAYBACK_SIGNATURE == "path" and "/{public_id}/" not in LIVE_HLS_URL_TEMPLATE:
    raise ImproperlyConfigured(
        "With LIVE_PLAYBACK_SIGNATURE=path, {public_id} must be a folder of "
        "LIVE_HLS_URL_TEMPLATE's path (.../{public_id}/index.m3u8)."
    )
# Empty: every hook call is refused (no media server is configured).
LIVE_HOOK_SECRET = env.str("LIVE_HOOK_SECRET", default="")
LIVE_HOOK_ALLOWED_IPS = env_networks("LIVE_HOOK_ALLOWED_IPS")
LIVE_STALE_SECONDS = env.int("LIVE_STALE_SECONDS", default=120)
# The chat stays open this long after a broadcast ends; each user may post at most
# LIVE_CHAT_RATE_MESSAGES messages per LIVE_CHAT_RATE_SECONDS in a stream's chat.
LIVE_CHAT_OPEN_AFTER_END_SECONDS = env.int("LIVE_CHAT_OPEN_AFTER_END_SECONDS", default=600)
LIVE_CHAT_RATE_MESSAGES = env.int("LIVE_CHAT_RATE_MESSAGES", default=20)
LIVE_CHAT_RATE_SECONDS = env.int("LIVE_CHAT_RATE_SECONDS", default=30)
# Followers of a scheduled stream are reminded this long before it (send_stream_reminders).
LIVE_REMINDER_MINUTES = env.int("LIVE_REMINDER_MINUTES", default=10)
# Where the media server writes its recordings of streams that keep replays; the hooks
# take only files inside it. Outside MEDIA_ROOT, so nothing serves it; on the same disk
# as MEDIA_ROOT, so a recording moves into the storage without a copy.
LIVE_RECORDINGS_ROOT = Path(env.str("LIVE_RECORDINGS_ROOT", default=str(BASE_DIR / "recordings")))
# Viewers (livestream/services/viewers.py): a player heartbeats every
# LIVE_HEARTBEAT_SECONDS and counts until LIVE_VIEWER_TIMEOUT_SECONDS after its last
# heartbeat; its viewer token lasts LIVE_VIEWER_TOKEN_SECONDS (then it asks `watch/`
# again). Counts reach the database at most every LIVE_VIEWER_FLUSH_SECONDS per stream.
LIVE_HEARTBEAT_SECONDS = env.int("LIVE_HEARTBEAT_SECONDS", default=15)
LIVE_VIEWER_TIMEOUT_SECONDS = env.int("LIVE_VIEWER_TIMEOUT_SECONDS", default=45)
LIVE_VIEWER_TOKEN_SECONDS = env.int("LIVE_VIEWER_TOKEN_SECONDS", default=6 * 3600)
LIVE_VIEWER_FLUSH_SECONDS = env.int("LIVE_VIEWER_FLUSH_SECONDS", default=15)
# The signed `hls_url` of a stream that is not public lasts this long (livestream/playback.py).
LIVE_PLAYBACK_URL_SECONDS = env.int("LIVE_PLAYBACK_URL_SECONDS", default=6 * 3600)

# --- Ads ---------------------------------------------------------------------------

# The feeds carry one promoted item every ADS_FEED_INTERVAL videos (0: none). A served
# ad's token (impression, click and player tracking) lasts ADS_TOKEN_SECONDS. A click
# counts once per viewer and creative within ADS_CLICK_DEDUP_SECONDS; a client address
# with more than ADS_CLICK_LIMIT_PER_DAY clicks in a UTC day is invalid traffic.
ADS_FEED_INTERVAL = env.int("ADS_FEED_INTERVAL", default=8)
ADS_TOKEN_SECONDS = env.int("ADS_TOKEN_SECONDS", default=3600)
ADS_CLICK_DEDUP_SECONDS = env.int("ADS_CLICK_DEDUP_SECONDS", default=3600)
ADS_CLICK_LIMIT_PER_DAY = env.int("ADS_CLICK_LIMIT_PER_DAY", default=50)
# The base of the absolute URLs in VAST documents and click URLs (players fetch them
# from other origins); empty: the request's own scheme and host.
ADS_PUBLIC_BASE_URL = env.str("ADS_PUBLIC_BASE_URL", default="")
# The request header a proxy or CDN sets to the client's country (e.g. "CF-IPCountry"
# behind Cloudflare): targeting reads it for viewers whose profile gives no country.
# Empty: no such header is trusted.
ADS_COUNTRY_HEADER = env.str("ADS_COUNTRY_HEADER", default="")

# --- Passwords --------------------------------------------------------------------

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": 128},
    },
]

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------

STATIC_URL = "static/"
# Where `collectstatic` puts the files WhiteNoise serves without DEBUG.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# How long the signed media URLs handed out for videos that are not public stay valid.
MEDIA_URL_SIGNATURE_SECONDS = env.int("MEDIA_URL_SIGNATURE_SECONDS", default=6 * 60 * 60)

# Media lives in MEDIA_ROOT unless S3_BUCKET names a bucket of an S3-compatible object
# store (AWS S3, MinIO, Ceph, Cloudflare R2, ...): then django-storages keeps every
# upload and processed file there, under S3_KEY_PREFIX. S3_URL_MODE says how clients
# reach the files: "signed" (the bucket stays private; every address is presigned and
# expires after MEDIA_URL_SIGNATURE_SECONDS, HLS playlists are rewritten by the app)
# or "public" (the bucket, or the CDN at S3_CUSTOM_DOMAIN, serves plain addresses).
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="")  # unset: AWS
S3_REGION = env.str("S3_REGION", default="")
# Unset keys: boto3 finds credentials itself (instance roles, AWS_* variables).
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_KEY_PREFIX = env.str("S3_KEY_PREFIX", default="").strip("/")
S3_URL_MODE = env.str("S3_URL_MODE", default="signed")
S3_CUSTOM_DOMAIN = env.str("S3_CUSTOM_DOMAIN", default="")
# "path" (https://host/bucket/key) or "virtual" (https://bucket.host/key); unset: boto3's choice.
S3_ADDRESSING_STYLE = env.str("S3_ADDRESSING_STYLE", default="")
if S3_ADDRESSING_STYLE not in ("", "path", "virtual"):
    raise ImproperlyConfigured('S3_ADDRESSING_STYLE must be "path" or "virtual".')
# AWS signature version 4 caps a presigned URL's life at 7 days.
S3_PRESIGNED_MAX_SECONDS = 7 * 24 * 60 * 60
if S3_URL_MODE not in ("signed", "public"):
    raise ImproperlyConfigured('S3_URL_MODE must be "signed" or "public".')
if S3_BUCKET and S3_URL_MODE == "signed" and S3_CUSTOM_DOMAIN:
    raise ImproperlyConfigured(
        "S3_CUSTOM_DOMAIN serves plain addresses: it needs S3_URL_MODE=public."
    )
if S3_BUCKET and S3_URL_MODE == "signed" and MEDIA_URL_SIGNATURE_SECONDS > S3_PRESIGNED_MAX_SECONDS:
    raise ImproperlyConfigured(
        "With S3_URL_MODE=signed, MEDIA_URL_SIGNATURE_SECONDS can be at most 604800 (7 days)."
    )
# The app serves MEDIA_URL from MEDIA_ROOT itself (embedded default); turn off when a
# web server serves media. With S3 the bucket serves it: the app never serves local files.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not S3_BUCKET)
if S3_BUCKET and SERVE_MEDIA:
    raise ImproperlyConfigured(
        "SERVE_MEDIA serves files from MEDIA_ROOT; with S3_BUCKET set the bucket serves "
        "media. Unset SERVE_MEDIA."
    )


def media_storage(**overrides) -> dict:
    """The default storage's STORAGES entry: the local folder, or the S3 bucket (what
    the tests call with the address of their local S3 server)."""
    s3 = {
        "bucket": S3_BUCKET,
        "url_mode": S3_URL_MODE,
        "custom_domain": S3_CUSTOM_DOMAIN,
        "endpoint_url": S3_ENDPOINT_URL,
        "region": S3_REGION,
        "access_key": S3_ACCESS_KEY_ID,
        "secret_key": S3_SECRET_ACCESS_KEY,
        "key_prefix": S3_KEY_PREFIX,
        "addressing_style": S3_ADDRESSING_STYLE,
        "signature_seconds": MEDIA_URL_SIGNATURE_SECONDS,
        **overrides,
    }
    if not s3["bucket"]:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    signed = s3["url_mode"] == "signed"
    return {
        "BACKEND": "videos.storage.MediaS3Storage",
        "OPTIONS": {
            "bucket_name": s3["bucket"],
            "endpoint_url": s3["endpoint_url"] or None,
            "region_name": s3["region"] or None,
            "access_key": s3["access_key"] or None,
            "secret_key": s3["secret_key"] or None,
            "location": s3["key_prefix"],
            "addressing_style": s3["addressing_style"] or None,
            "signature_version": "s3v4",
            "querystring_auth": signed,
            "querystring_expire": s3["signature_seconds"],
            "custom_domain": None if signed else (s3["custom_domain"] or None),
            # Processing writes every output at its exact name (playlists name them).
            "file_overwrite": True,
        },
    }


STORAGES = {
    "default": media_storage(),
    "staticfiles": {
        # Hashed, compressed files from `collectstatic` in production; the plain
        # finder-backed storage while developing, so no collectstatic is needed.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# --- HTTPS and security headers ---------------------------------------------------
# `HTTPS=1` turns on everything a site served only over HTTPS wants; behind a proxy
# that terminates TLS, also set `USE_X_FORWARDED_PROTO=1`.

HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp) on the pages a browser renders: the admin and
# the API docs (Swagger UI, ReDoc, served by drf-spectacular-sidecar from our own static
# files). Everything comes from this origin; inline styles are allowed because Swagger
# UI and ReDoc set styles from script; ReDoc renders in a blob: worker. JSON answers and
# media files have nothing to run, and the sandbox checkout page keeps its own rules.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/", "/media/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- REST framework ---------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    # JSON bodies only; views that take a file (multipart) or speak RFC 6749 (form)
    # name their parsers, so the schema declares one media type per body.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonymousRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": env.str("THROTTLE_ANONYMOUS_RATE", default="120/min"),
        "user": env.str("THROTTLE_USER_RATE", default="1200/min"),
        # Per client address, on top of the per-account sign-in failure limit.
        "sign_in": env.str("THROTTLE_SIGN_IN_RATE", default="30/min"),
        "register": env.str("THROTTLE_REGISTER_RATE", default="10/hour"),
        "account_email": env.str("THROTTLE_ACCOUNT_EMAIL_RATE", default="5/hour"),
        "share": env.str("THROTTLE_SHARE_RATE", default="30/min"),
        "upload": env.str("THROTTLE_UPLOAD_RATE", default="20/hour"),
        # Ad tracking (impressions, pixels, clicks), per client address: players and
        # browsers call it without credentials, several times per ad.
        "ads_tracking": env.str("THROTTLE_ADS_TRACKING_RATE", default="600/min"),
    },
    # drf-standardized-errors' schema, with the error codes our own exceptions answer.
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many proxies in front of the app append to X-Forwarded-For (0: none, use
    # the peer address). Throttles and sign-in logs read client addresses this way.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

DRF_STANDARDIZED_ERRORS = {
    # The library's handler, plus Django's request-body errors (too large, too many
    # fields, nested too deeply) as 4xx with stable codes (core/errors.py).
    "EXCEPTION_HANDLER_CLASS": "core.errors.ExceptionHandler",
    # 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (core.middleware).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "413", "415", "429"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "The REST API of a social video platform. Errors share one shape: "
        '`{"type": ..., "errors": [{"code", "detail", "attr"}]}`; `code` is stable.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # drf-standardized-errors documents its error codes as enums in the schema.
    "ENUM_NAME_OVERRIDES": {
        name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
        for name in (
            "ValidationErrorEnum",
            "ClientErrorEnum",
            "ServerErrorEnum",
            *(f"ErrorCode{code}Enum" for code in (405, 406, 415, 500)),
        )
    }
    # Client errors list the library's codes and our exceptions' (core/openapi.py).
    | {
        f"ErrorCode{code}Enum": f"core.openapi.error_codes_{code}"
        for code in (401, 402, 403, 404, 409, 413, 422, 429, 502)
    }
    | {"ClientErrorCode400Enum": "core.openapi.error_codes_400"}
    | {
        "ComponentStatusEnum": "core.views.ComponentStatus",
        "ServiceStatusEnum": "core.views.ServiceStatus",
        "UserStatusEnum": "accounts.models.User.Status",
        "UserRoleEnum": "accounts.models.User.Role",
        "NotificationTypeEnum": "notifications.models.NotificationType",
        "FollowStatusEnum": "core.relations.FOLLOW_STATUSES",
        "FollowRequestStatusEnum": "social.models.Follow.Status",
        "ReportStatusEnum": "social.models.Report.Status",
        "SubscriptionStatusEnum": "payments.models.Subscription.Status",
        "StreamStatusEnum": "livestream.models.Stream.Status",
        "StreamListStatusEnum": "livestream.serializers.streams.STREAM_LIST_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.openapi.postprocess_error_codes",
        "core.openapi.postprocess_shared_responses",
        "videos.schema.postprocess_request_patterns",
        "core.openapi_links.postprocess_links",
    ],
}

# --- Celery -----------------------------------------------------------------------
# Without a broker, tasks run eagerly in the calling process (and their errors
# propagate), so the embedded default needs no broker.

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Eager tasks whose duration must not show in a response run beside it, in a pool of
# threads per task of this many threads (TASKS_EAGER_DETACHED_THREADS by default).
TASKS_EAGER_RUN_DETACHED = True
TASKS_EAGER_DETACHED_THREADS = 4
TASKS_EAGER_DETACHED_THREADS_BY_TASK = {
    "videos.tasks.video_process_task": VIDEO_PROCESSING_CONCURRENCY,
}
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks, started by `celery -A config beat` (a worker runs them).
CELERY_BEAT_SCHEDULE = {
    # The query planner's statistics: SQLite gathers none by itself (core.database).
    "core-database-statistics": {
        "task": "core.tasks.database_statistics_refresh_task",
        "schedule": timedelta(hours=6),
    },
    # The trending feed reads stored scores: keep them fresh.
    "videos-trending-compute": {
        "task": "videos.tasks.trending_compute_task",
        "schedule": timedelta(minutes=10),
    },
    # Charge due creator subscriptions; expire those past their grace period.
    "payments-subscriptions-renew": {
        "task": "payments.tasks.subscriptions_renew_task",
        "schedule": timedelta(minutes=15),
    },
    # Forget Idempotency-Keys older than IDEMPOTENCY_KEY_HOURS; expire stale checkouts.
    "payments-housekeeping": {
        "task": "payments.tasks.payments_housekeeping_task",
        "schedule": timedelta(hours=1),
    },
    # Remind followers LIVE_REMINDER_MINUTES before a scheduled stream (once per schedule).
    "livestream-reminders-send": {
        "task": "livestream.tasks.stream_reminders_send_task",
        "schedule": timedelta(minutes=1),
    },
    # End live streams the media server stopped calling about (LIVE_STALE_SECONDS).
    "livestream-streams-end-stale": {
        "task": "livestream.tasks.streams_end_stale_task",
        "schedule": timedelta(minutes=1),
    },
    # Write live streams' viewer counts from the cache to their rows (and let them decay).
    "livestream-viewers-flush": {
        "task": "livestream.tasks.stream_viewers_flush_task",
        "schedule": timedelta(seconds=30),
    },
    # Move the whole coins of ad spend reserved since the last run to platform revenue.
    "ads-settle": {
        "task": "ads.tasks.ads_settle_task",
        "schedule": timedelta(minutes=10),
    },
    # Campaigns past their end stop serving and show `completed`.
    "ads-campaigns-complete": {
        "task": "ads.tasks.campaigns_complete_task",
        "schedule": timedelta(minutes=1),
    },
    # Recompute today's and yesterday's ads statistics (DailyStat) for the reports.
    "ads-aggregate": {
        "task": "ads.tasks.ads_aggregate_task",
        "schedule": timedelta(minutes=5),
    },
}

# --- Operations: metrics, logs, error reporting -------------------------------------
# Prometheus metrics at /metrics (core/metrics.py), for a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>` or comes from METRICS_ALLOWED_IPS (addresses or
# networks); with neither set, /metrics answers 404. Under gunicorn with several workers
# set PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself; config/gunicorn.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env_networks("METRICS_ALLOWED_IPS")
# django-prometheus: the request-latency buckets, in seconds.
PROMETHEUS_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# `plain` lines for people, or `json` (one object a line, python-json-logger) for a log
# pipeline. Both carry the request's id (`X-Request-ID`, core/middleware.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured('LOG_FORMAT must be "plain" or "json".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.log.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Error reporting to Sentry (or a Sentry-compatible service) when SENTRY_DSN is set:
# unhandled errors of requests and Celery tasks, without personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
