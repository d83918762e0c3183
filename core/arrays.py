"""Aggregates over the items of a `PortableArrayField`, the same on both databases.

PostgreSQL spreads an array into rows with `unnest`, SQLite with `json_each` over
the JSON text the field stores there; this module holds that difference, once.
"""

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError, connections
from django.db.models import F, QuerySet

from core.fields import PortableArrayField

__all__ = ["array_item_counts"]

# `{source}` is the queryset's SQL, selecting the array as `items`.
_ITEM_COUNTS_SQL = {
    "postgresql": (
        "SELECT element.value, COUNT(*) AS uses FROM ({source}) AS source "
        "CROSS JOIN LATERAL unnest(source.items) AS element(value) "
        "WHERE element.value IS NOT NULL "
        "GROUP BY element.value ORDER BY uses DESC, element.value LIMIT %s"
    ),
    "sqlite": (
        "SELECT element.value, COUNT(*) AS uses FROM ({source}) AS source "
        "CROSS JOIN json_each(source.items) AS element "
        "WHERE element.value IS NOT NULL "
        "GROUP BY element.value ORDER BY uses DESC, element.value LIMIT %s"
    ),
}


def array_item_counts(queryset: QuerySet, *, field: str, limit: int) -> list[tuple[Any, int]]:
    """The `limit` most frequent items of the array column `field` over `queryset`'s
    rows, as `(item, rows holding it)`, most frequent first, equal counts by item.

    An item repeated within one array counts once per repetition; NULL items and NULL
    arrays count for nothing. One query, whatever the number of rows.
    """
    model_field = queryset.model._meta.get_field(field)
    if not isinstance(model_field, PortableArrayField):
        raise TypeError(f"{field!r} is not a PortableArrayField.")
    connection = connections[queryset.db]
    template = _ITEM_COUNTS_SQL.get(connection.vendor)
    if template is None:
        raise NotSupportedError(f"array_item_counts does not support {connection.vendor}.")
    source = queryset.order_by().values(items=F(field))
    try:
        source_sql, source_params = source.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. `.none()`, or `pk__in=[]`
        return []
    with connection.cursor() as cursor:
        cursor.execute(template.format(source=source_sql), [*source_params, limit])
        rows = cursor.fetchall()
    to_python = model_field.base_field.to_python
    return [(to_python(value), uses) for value, uses in rows]
