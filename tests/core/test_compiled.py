"""`core.compiled`: a query set's SQL made once from stand-in values, run with others."""

import uuid

import pytest
from django.db import connection

from accounts.models import User
from core.compiled import CompiledQuery
from tests.accounts.factories import UserFactory

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


def test_on_postgresql_only_the_stand_ins_are_parameters_and_the_statement_is_prepared():
    """The rule's constants are literals in the SQL (the planner sees them: partial
    indexes), the stand-ins are parameters, bound on the server; after a few runs on a
    connection psycopg prepares the statement. SQLite keeps the ORM's SQL as it is."""
    user = UserFactory(username="a%b")
    query = by_key_among(["a%b", "o'neil"])
    if connection.vendor != "postgresql":
        assert sorted(map(str, query.params)) == sorted([str(stored(STAND_IN)), "a%b", "o'neil"])
        return
    assert query.params == (stored(STAND_IN),)
    assert "'a%%b'" in query.sql and "'o''neil'" in query.sql

    for _ in range(6):  # prepare_threshold is 5 (settings)
        assert [found.pk for found in query.objects(user=stored(user.pk))] == [user.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user"%neil%'],
        )
        assert cursor.fetchone() == (1,)
