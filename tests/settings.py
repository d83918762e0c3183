"""Settings for the test suite: the project's settings plus the test-only app.

The database comes from `DATABASE_URL` as everywhere else; `make test` runs the suite
once on SQLite and once on PostgreSQL.
"""

import os

# Tests check production behaviour: DEBUG is off whatever the shell says.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)
# The suite pays through the sandbox provider, which production refuses (core.E001).
os.environ.setdefault("PAYMENTS_SANDBOX_ALLOWED", "1")

from config.settings import *  # noqa: F403
from config.settings import DATABASE_ENGINE, DATABASES, INSTALLED_APPS, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]

# Tests never run collectstatic: serve static files through the finders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
TASKS_EAGER_RUN_DETACHED = False  # run inline, so tests observe what tasks did
# Each test process has its own in-memory cache, whatever CACHE_URL the shell names.
# Timed as config/settings.py times the one CACHE_URL names.
CACHES = {
    "default": {
        "BACKEND": "core.cache.TimedCache",
        "TIMED_BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}
# Nothing is collected in tests: WhiteNoise serves static files through the finders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Argon2 still (hashes start with "argon2"), at a cost tests can afford.
PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]

# SQLite tests use a file, as production does, not the shared in-memory database:
# its WAL journal, IMMEDIATE transactions and busy timeout then apply, so the
# concurrency tests meet the same locking as a real deployment.
if DATABASE_ENGINE == "django.db.backends.sqlite3":
    import tempfile

    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"videoplatform-test-{os.getpid()}.sqlite3")
    }
