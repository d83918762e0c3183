"""`core.compiled`: a query set's SQL made once from stand-in values, run with others."""

import uuid

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.compiled import CompiledQuery, _sqlite_literal
from tests.accounts.factories import UserFactory
from tests.videos.factories import VideoFactory
from videos.models import Video

pytestmark = pytest.mark.django_db

STAND_IN = uuid.UUID("00000000-5e7e-4000-8000-0000000000aa")


def stored(value: uuid.UUID):
    return User._meta.pk.get_db_prep_value(value, connection)


def by_key_among(names: list[str], *, prepared: bool = True) -> CompiledQuery:
    return CompiledQuery(
        User.objects.filter(username__in=names, pk=STAND_IN),
        stand_ins={"user": stored(STAND_IN)},
        prepared=prepared,
    )


@pytest.mark.parametrize("prepared", [True, False])
def test_each_run_finds_the_rows_of_its_own_values(prepared):
    quoted = [UserFactory(username=name) for name in ("a%b", "o'neil", "plain")]
    query = by_key_among(["a%b", "o'neil"], prepared=prepared)

    for user in quoted[:2]:
        [found] = query.objects(user=stored(user.pk))
        assert (found.pk, found.username, found._state.adding) == (user.pk, user.username, False)
    assert query.objects(user=stored(quoted[2].pk)) == []  # not among the names
    assert query.objects(user=stored(STAND_IN)) == []


def test_only_the_stand_ins_are_parameters_and_on_postgresql_the_statement_is_prepared():
    """The rule's constants are literals in the SQL (the planner sees them: partial
    indexes), the stand-ins are parameters (on PostgreSQL bound on the server, and
    after a few runs on a connection psycopg prepares the statement)."""
    user = UserFactory(username="a%b")
    query = by_key_among(["a%b", "o'neil"])
    assert query.params == (stored(STAND_IN),)
    assert "'a%%b'" in query.sql and "'o''neil'" in query.sql
    assert [found.pk for found in query.objects(user=stored(user.pk))] == [user.pk]
    if connection.vendor != "postgresql":
        return

    for _ in range(6):  # prepare_threshold is 5 (settings)
        assert [found.pk for found in query.objects(user=stored(user.pk))] == [user.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user"%neil%'],
        )
        assert cursor.fetchone() == (1,)


def test_instances_are_made_as_the_orm_makes_them():
    """`instance_maker` fills the instance's `__dict__` as `Model.__init__` does (a
    file's name, a foreign key's id, deferred fields left out); related objects and
    their reverse caches are set as `select_related` sets them."""
    video = VideoFactory(thumbnail="thumbnails/x.jpg")
    queryset = Video.objects.select_related("owner").defer("description", "owner__bio")
    query = CompiledQuery(queryset.filter(pk=STAND_IN), stand_ins={"video": stored(STAND_IN)})
    [made] = query.objects(video=stored(video.pk))
    [orm] = queryset.filter(pk=video.pk)

    def state(instance):
        return {name: value for name, value in vars(instance).items() if name != "_state"}

    assert state(made) == state(orm)
    assert "description" not in vars(made) and made.get_deferred_fields() == {"description"}
    assert (made._state.adding, made._state.db) == (False, orm._state.db)
    assert made.thumbnail.name == "thumbnails/x.jpg"
    assert state(made.owner) == state(orm.owner)
    assert made.owner.get_deferred_fields() == {"bio"}
    assert made.owner._state.adding is False


def test_a_model_with_init_receivers_is_made_by_from_db():
    """Where `__init__` does more than set the fields (a `post_init` receiver), the
    instances are made by `from_db`, so the receiver runs."""
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.username)

    user = UserFactory(username="received")
    post_init.connect(receiver, sender=User)
    try:
        query = by_key_among(["received"])
        assert [found.pk for found in query.objects(user=stored(user.pk))] == [user.pk]
    finally:
        post_init.disconnect(receiver, sender=User)
    assert seen == ["received"]


def test_the_query_log_has_the_sql_of_every_run_prepared_or_not():
    """Django's query log reads a statement's SQL from psycopg's cursor, which keeps
    none for a prepared run unless `core.compiled` sets it: every run is logged with
    its SQL, before the statement is prepared and after."""
    user = UserFactory(username="o'neil")
    query = by_key_among(["a%b", "o'neil"])
    with CaptureQueriesContext(connection) as captured:
        for _ in range(8):  # prepared after 5 runs on PostgreSQL
            assert [found.pk for found in query.objects(user=stored(user.pk))] == [user.pk]
    assert len(captured.captured_queries) == 8
    for logged in captured.captured_queries:
        assert logged["sql"] is not None and '"accounts_user"' in logged["sql"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, "NULL"),
        (True, "1"),
        (False, "0"),
        (-42, "-42"),
        (2**62, str(2**62)),
        (0.1, "0.1"),
        (0.30000000000000004, "0.30000000000000004"),
        (-1e300, "-1e+300"),
        ("o'neil", "'o''neil'"),
        (Video.Status.READY, "'ready'"),
        ("", "''"),
        ("nul\x00", None),
        (float("inf"), None),
        (b"bytes", None),
    ],
)
def test_sqlite_writes_plain_values_as_the_literals_it_would_bind(value, written):
    assert _sqlite_literal(value) == written
    if written is not None and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {written.replace('%', '%%')} IS %s", [value])
            assert cursor.fetchone() == (1,)
