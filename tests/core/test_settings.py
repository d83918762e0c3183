"""Configuration read from the environment: safe defaults, loud failures."""

import pytest
from django.db import connection

from tests.core.subprocess_django import collected_static_root, run_django

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3j4-production-like-secret-WQp9zR7vX2mN8bL5cT1yH6fJ0sD4gA_e",
    "ALLOWED_HOSTS": "videos.example.com",
    "HTTPS": "1",
    "USE_X_FORWARDED_PROTO": "1",
    "PAYMENTS_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_settings",
    "STRIPE_WEBHOOK_SECRET": "whsec_settings",
}


def test_without_debug_a_missing_secret_key_refuses_to_start():
    result = run_django(["manage.py", "check"], env={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_runs_with_a_development_key():
    result = run_django(["manage.py", "check"], env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_checklist_passes_with_production_variables(tmp_path):
    env = {**PRODUCTION, "STATIC_ROOT": str(collected_static_root(tmp_path))}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deployment_checklist_flags_a_site_without_https():
    env = {**PRODUCTION, "HTTPS": "0"}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


SQLITE_PRAGMAS = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    values = []
    for pragma in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous"):
        cursor.execute(f"PRAGMA {pragma}")
        values.append(str(cursor.fetchone()[0]))
print(" ".join(values), connection.transaction_mode)
"""


def test_sqlite_is_configured_for_concurrent_web_use(tmp_path):
    result = run_django(
        ["-c", SQLITE_PRAGMAS],
        env={
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    assert result.returncode == 0, result.stderr
    # WAL journal, 20 s busy timeout, foreign keys on, synchronous=NORMAL (1).
    assert result.stdout.split() == ["wal", "20000", "1", "1", "IMMEDIATE"]


@pytest.mark.django_db
def test_the_database_in_use_is_configured_for_its_vendor():
    if connection.vendor == "postgresql":
        assert connection.pool is not None
        assert connection.settings_dict["CONN_MAX_AGE"] == 0
    else:
        assert connection.vendor == "sqlite"
        assert connection.transaction_mode == "IMMEDIATE"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1


def test_urls_in_variables_may_be_left_empty():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASE_ENGINE, settings.CACHES['default']['TIMED_BACKEND'],"
        " settings.EMAIL_BACKEND, settings.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = run_django(
        ["-c", script],
        env={
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "",
            "CACHE_URL": "",
            "EMAIL_URL": "",
            "CELERY_BROKER_URL": "",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LIVE_HLS_URL_TEMPLATE": "https://cdn.example.com/hls/index.m3u8"},
            "LIVE_HLS_URL_TEMPLATE must contain {public_id}.",
        ),
        ({"LIVE_PLAYBACK_SIGNATURE": "cookie"}, "LIVE_PLAYBACK_SIGNATURE must be path or query."),
        (
            {"LIVE_HLS_URL_TEMPLATE": "https://cdn.example.com/hls/{public_id}.m3u8"},
            "{public_id} must be a folder of LIVE_HLS_URL_TEMPLATE's path",
        ),
    ],
)
def test_live_playback_settings_that_cannot_work_refuse_to_start(env, message):
    result = run_django(["manage.py", "check"], env={"DEBUG": "1", **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_playback_address_without_a_folder_is_fine_when_signed_in_the_query():
    env = {
        "DEBUG": "1",
        "LIVE_HLS_URL_TEMPLATE": "https://cdn.example.com/hls/{public_id}.m3u8",
        "LIVE_PLAYBACK_SIGNATURE": "query",
    }
    result = run_django(["manage.py", "check"], env=env)
    assert result.returncode == 0, result.stderr
