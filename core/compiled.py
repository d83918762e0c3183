"""Query sets compiled once per process and shape, run with each request's values.

Building a query set and compiling it to SQL can cost a request more than the database
takes to answer it: one video by its key, with the privacy rule and the viewer's
flags, is about 1.5 ms of Python against 0.1 ms of SQLite. When a query's shape is
fixed and only values differ per request (the viewer's id, the row's), the ORM makes
its SQL once, from stand-in values no row has, and each request runs that SQL with its
own values in their places (`CompiledQuery`). The rows become model instances as the
ORM's own iterable makes them: `select_related` objects and annotations included.

Only values the ORM passes as parameters can be stand-ins (ids compared with `=` or
`IN (subquery)`); the caller keys its cache by everything else the query set read
(who is signed in, settings the rule reads), as `functools.cache` keys by arguments.
"""

import copy
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


class CompiledQuery:
    """The SQL of `queryset`, with the parameters equal to a value of `stand_ins`
    (stored values, as the ORM passes them: `field.get_db_prep_value`) replaced, on
    each run, by the value of the same name. Safe to share between threads: a run
    copies nothing it changes."""

    def __init__(self, queryset: QuerySet, stand_ins: Mapping[str, Hashable]) -> None:
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        self.params = tuple(params)
        self._names = {value: name for name, value in stand_ins.items()}
        self._compiler = compiler
        self.model = queryset.model
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        self._model_columns = slice(fields[0], fields[-1] + 1)
        self._init_list = [column[0].target.attname for column in select[self._model_columns]]
        self._related = get_related_populators(klass_info, select, self.db)
        self._annotations = tuple(compiler.annotation_col_map.items())

    def bind(self, values: Mapping[str, Any]) -> list:
        """The parameters with `values` (stored values, by stand-in name) in place."""
        names = self._names
        return [
            values[names[value]] if isinstance(value, Hashable) and value in names else value
            for value in self.params
        ]

    def objects(self, **values: Any) -> list[Model]:
        """Run the query with `values` in place of the stand-ins: its rows as model
        instances (related objects and annotations set), as the query set gives them."""
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            fetched = cursor.fetchall()
        if not fetched:
            return []
        compiler = copy.copy(self._compiler)
        compiler.connection = connection  # this thread's, for the value converters
        found = []
        for row in compiler.results_iter([fetched]):
            instance = self.model.from_db(self.db, self._init_list, row[self._model_columns])
            for related in self._related:
                related.populate(row, instance)
            for name, column in self._annotations:
                setattr(instance, name, row[column])
            found.append(instance)
        return found


@dataclass(frozen=True)
class QueryTemplate:
    """A query set to build from stand-in values, once per process and `shape`, and
    the values of one request: what a list view hands the cursor paginator
    (`core.pagination`) in place of a query set, so that each page's query is compiled
    once per shape and kind of page, and run with this request's values.

    `shape` names everything `build` reads besides the stand-ins (the viewer's kind,
    settings the rule reads); `stand_ins` and `values` are stored values by name, as
    for `CompiledQuery`."""

    model: type[Model]
    shape: Hashable
    build: Callable[[], QuerySet]
    stand_ins: Mapping[str, Hashable]
    values: Mapping[str, Any]


_compiled: dict[Hashable, CompiledQuery] = {}


def compiled_query(key: Hashable, make: Callable[[], CompiledQuery]) -> CompiledQuery:
    """The query compiled for `key`, made by `make` the first time (per process). Two
    threads may both make it once; either result is the same."""
    found = _compiled.get(key)
    if found is None:
        found = _compiled[key] = make()
    return found


# Stand-ins for a cursor's position, by the type of the ordering field: values no row
# holds, distinct per ordering term (`index`).
_POSITION_STAND_INS: dict[str, Callable[[int], Any]] = {
    "DateTimeField": lambda index: datetime(1970, 1, 1, 0, 0, 0, 57_000 + index, tzinfo=UTC),
    "UUIDField": lambda index: uuid.UUID(int=0x5E7E_0000_0000_4000_8000_0000_0000_0000 + index),
    "FloatField": lambda index: -5.7e-300 * (index + 1),
    "BigIntegerField": lambda index: -(2**62) - index,
    "IntegerField": lambda index: -(2**30) - index,
}


def position_stand_in(field, index: int) -> Any:
    """The stand-in of a cursor position's `index`th value, a value of `field`; None
    when its type has none (the page is then built and compiled as usual)."""
    make = _POSITION_STAND_INS.get(field.get_internal_type())
    return None if make is None else make(index)
