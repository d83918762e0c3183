"""The query planner's statistics (`core.database`) and the beat entry that keeps them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.tasks import database_statistics_refresh_task
from tests.accounts.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_statistics_are_gathered_and_beat_keeps_them():
    UserFactory.create_batch(3)
    database_statistics_refresh_task.delay()

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'accounts_user' LIMIT 1")
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'accounts_user'")
        (gathered,) = cursor.fetchone()
    assert str(gathered).split()[0] in {"3", "3.0"}
    entry = settings.CELERY_BEAT_SCHEDULE["core-database-statistics"]
    assert entry["task"] == database_statistics_refresh_task.name
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == timedelta(hours=6)
