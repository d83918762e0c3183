"""What the in-process benchmarks share: Django configured for a throwaway database of
their own, built (SQLite in a temporary folder, or a new PostgreSQL database beside the
given one), migrated, and removed afterwards."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def configure(database_url: str, **environment: str) -> None:
    """Set Django up on `database_url`, with the limits a benchmark must not meet."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["THROTTLE_ANONYMOUS_RATE"] = "1000000/min"
    os.environ["THROTTLE_USER_RATE"] = "1000000/min"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.update(environment)
    import django

    django.setup()


@contextmanager
def throwaway_database(
    database: str, *, postgres_url: str, name: str, **environment: str
) -> Iterator[None]:
    """A migrated database of `database` ("sqlite" or "postgres") for this process,
    Django configured on it, and gone when the block ends (a PostgreSQL one named
    `name`, replacing any left by an interrupted run)."""
    import psycopg

    admin_url = postgres_url.replace("postgres://", "postgresql://", 1)
    folder = None
    try:
        if database == "sqlite":
            folder = tempfile.mkdtemp(prefix=f"{name}-")
            configure(f"sqlite:///{folder}/bench.sqlite3", **environment)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            configure(postgres_url.rsplit("/", 1)[0] + f"/{name}", **environment)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.apps import apps

        if apps.ready:
            from django.db import connection, connections

            connections.close_all()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if database != "sqlite":
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
