"""Expressions every app's selectors share."""

from django.db.models import BooleanField, Func, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def row_exists(queryset: QuerySet) -> Coalesce:
    """Whether `queryset` (correlated to the outer row by `OuterRef`) has a row, as a
    flag to annotate a list's rows with (`is_liked`): `EXISTS`, written as a scalar
    subquery that each row runs once (an index probe).

    PostgreSQL may run an `EXISTS` in the select list as one hashed subplan that reads
    every row the inner query matches for any outer row: all of a viewer's likes, to
    flag a page of 20 videos. It does so when it expects many outer rows, and under a
    page's `LIMIT` it counts those of the whole list: for a viewer with 40,635 likes
    among 1M videos, a feed page took 28 ms instead of 7. A scalar subquery is never
    hashed."""
    found = Subquery(queryset.values(found=Value(True))[:1], output_field=BooleanField())
    return Coalesce(found, Value(False), output_field=BooleanField())


class Unindexed(Func):
    """The expression as it is, which SQLite's planner then matches to no index: a
    unary `+` before it (SQLite's documented way to take a term of a `WHERE` off the
    indexes it weighs; the value is unchanged). Elsewhere, the expression itself.

    For a query whose best plan depends on the caller's data in a way SQLite's
    statistics (averages) cannot know, chosen by the caller: a term that would
    otherwise pick an index that reads many rows, where walking another index in
    the query's order stops after a page."""

    template = "%(expressions)s"
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)
