"""Two writes the ORM spends two statements (and a savepoint) on, in one statement each,
the same SQL on SQLite and PostgreSQL: an insert that yields to a unique constraint and
says whether it went in, and an update that hands back what it wrote."""

from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery


def row_insert_unless_conflict(instance: Model) -> bool:
    """Insert `instance` unless a row already holds one of its unique values; returns
    whether it went in (`INSERT ... ON CONFLICT DO NOTHING`).

    Losing a race to a unique constraint is then an answer, not an `IntegrityError`:
    the caller's transaction stays usable without a savepoint around the insert
    (PostgreSQL aborts a transaction on a failed statement). Every other constraint
    still raises. Fields are filled as `save()` fills them (`auto_now_add`, defaults);
    `instance` counts as saved only when it went in."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    query = InsertQuery(model)
    query.insert_values(model._meta.local_concrete_fields, [instance])
    [(sql, params)] = query.get_compiler(using=using).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ON CONFLICT DO NOTHING", params)
        inserted = cursor.rowcount == 1
    if inserted:
        instance._state.adding, instance._state.db = False, using
    return inserted


def rows_update_returning(queryset: QuerySet, *, returning: str, **changes: Any) -> list:
    """`queryset.update(**changes)`, handing back the value of the column of field
    `returning` in each row it changed, as the update left it (`UPDATE ... RETURNING`):
    a counter moved with `F()` and its new count in one statement, exact under
    concurrency since the update holds the row until the transaction ends."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(changes)
    query.annotations = {}
    sql, params = query.get_compiler(queryset.db).as_sql()
    if not sql:
        return []
    connection = connections[queryset.db]
    column = connection.ops.quote_name(queryset.model._meta.get_field(returning).column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {column}", params)
        return [value for (value,) in cursor.fetchall()]
