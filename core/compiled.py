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
import functools
import math
import re
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import RelatedPopulator, get_related_populators
from django.db.models.query_utils import DeferredAttribute


def stored_id(model: type[Model], value: Any) -> Any:
    """`value` as the ORM passes `model`'s primary key to the database: how a stand-in
    id and a request's id are given to a `CompiledQuery`."""
    return model._meta.pk.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS])


class CompiledQuery:
    """The SQL of `queryset`, with the parameters equal to a value of `stand_ins`
    (stored values, as the ORM passes them: `field.get_db_prep_value`; a list, for an
    array, compares by its items) replaced, on each run, by the value of the same
    name. Safe to share between threads: a run
    copies nothing it changes.

    `prepared`: on PostgreSQL, the statement is prepared once it ran a few times on a
    connection (`_cursor`), and then planned once for any values of the stand-ins.
    Leave it off for a query whose plan depends on them (measure: a generic plan may
    be worse than the plans made for each run's values)."""

    def __init__(
        self, queryset: QuerySet, stand_ins: Mapping[str, Any], *, prepared: bool = True
    ) -> None:
        self.db = queryset.db
        self.prepared = prepared
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        self._names = {_key(value): name for name, value in stand_ins.items()}
        connection = connections[self.db]
        if connection.vendor in ("postgresql", "sqlite"):
            sql, params = _constants_inlined(connection, sql, params, self._is_stand_in)
        self.sql, self.params = sql, tuple(params)
        self._compiler = compiler
        self.model = queryset.model
        klass_info, select = compiler.klass_info, compiler.select
        if klass_info is None:  # `values()`: rows only
            return
        fields = klass_info["select_fields"]
        self._model_columns = slice(fields[0], fields[-1] + 1)
        init_list = [column[0].target.attname for column in select[self._model_columns]]
        self._make = instance_maker(self.model, init_list, self.db)
        self._related = [
            _Related(populator) for populator in get_related_populators(klass_info, select, self.db)
        ]
        self._annotations = tuple(compiler.annotation_col_map.items())

    def _is_stand_in(self, value: Any) -> bool:
        return _key(value) in self._names

    def bind(self, values: Mapping[str, Any]) -> list:
        """The parameters with `values` (stored values, by stand-in name) in place."""
        names = self._names
        return [
            values[names[_key(value)]] if self._is_stand_in(value) else value
            for value in self.params
        ]

    def rows(self, **values: Any) -> list[tuple]:
        """Run the query with `values` in place of the stand-ins: its rows as the
        database gives them (no converters)."""
        connection = connections[self.db]
        with _cursor(connection) if self.prepared else connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchall()

    def objects(self, **values: Any) -> list[Model]:
        """Run the query with `values` in place of the stand-ins: its rows as model
        instances (related objects and annotations set), as the query set gives them."""
        connection = connections[self.db]
        fetched = self.rows(**values)
        if not fetched:
            return []
        compiler = copy.copy(self._compiler)
        compiler.connection = connection  # this thread's, for the value converters
        found = []
        for row in compiler.results_iter([fetched]):
            instance = self._make(row[self._model_columns])
            for related in self._related:
                related.populate(row, instance)
            for name, column in self._annotations:
                setattr(instance, name, row[column])
            found.append(instance)
        return found


# What a fresh instance's attribute of a concrete field may be, for `instance_maker`
# to store its value directly: these descriptors store a value in the instance's
# `__dict__` under the field's `attname` and do nothing else on an instance with no
# value yet (a plain column, a foreign key's id, a file; an image with dimension fields
# connects `post_init`, which `instance_maker` checks).
_PLAIN_DESCRIPTORS = frozenset(
    (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor, ImageFileDescriptor)
)


def instance_maker(
    model: type[Model], attnames: Sequence[str], db: str
) -> Callable[[Sequence], Model]:
    """A function making the instance of `model` that `model.from_db(db, attnames,
    values)` makes from `values` (converted), without `Model.__init__`'s generic
    walk of every field (a feed page makes about 60 instances): the values go into
    the instance's `__dict__` by attname, as `__init__` sets them, and the fields not
    in `attnames` stay deferred. Only where that is all `__init__` would do: the model
    keeps Django's `__init__` and `from_db`, no `pre_init` or `post_init` receiver is
    connected, and each attribute is a plain field descriptor; elsewhere it is
    `from_db` itself."""
    names = tuple(attnames)
    plain = (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
        and all(type(getattr(model, name, None)) in _PLAIN_DESCRIPTORS for name in names)
    )
    if not plain:
        return lambda values: model.from_db(db, names, values)
    new = object.__new__

    def make(values: Sequence) -> Model:
        instance = new(model)
        state = ModelState()
        state.adding, state.db = False, db
        instance.__dict__.update(zip(names, values, strict=True))
        instance._state = state
        return instance

    return make


class _Related:
    """A `select_related` populator (Django's `RelatedPopulator`) that makes its
    instances with `instance_maker`."""

    def __init__(self, populator: RelatedPopulator) -> None:
        self.populator = populator
        self.make = instance_maker(populator.model_cls, populator.init_list, populator.db)
        self.related = [_Related(nested) for nested in populator.related_populators]

    def populate(self, row: Sequence, from_obj: Model) -> None:
        """`RelatedPopulator.populate`, with this maker."""
        populator = self.populator
        if populator.reorder_for_init:
            data = populator.reorder_for_init(row)
        else:
            data = row[populator.cols_start : populator.cols_end]
        if data[populator.pk_idx] is None:
            found = None
        else:
            found = self.make(data)
            for related in self.related:
                related.populate(row, found)
        populator.local_setter(from_obj, found)
        if found is not None:
            populator.remote_setter(found, from_obj)


def _key(value: Any) -> Hashable:
    """What a stored value is known by: itself, or for a list (an array on PostgreSQL)
    its items as a tuple; None for anything else unhashable (never a stand-in)."""
    if isinstance(value, list):
        return ("list", *value) if all(isinstance(item, Hashable) for item in value) else None
    return value if isinstance(value, Hashable) else None


_PLACEHOLDER = re.compile(r"%%|%s")


def _constants_inlined(
    connection, sql: str, params: Sequence, is_stand_in: Callable[[Any], bool]
) -> tuple[str, list]:
    """`sql` with every parameter but the stand-ins written into it as a literal, and
    the stand-ins left. The rule's constants (a video's status and visibility) must
    be in the SQL for the planner to use what they select:

    - PostgreSQL prepares the statement (`_cursor`) and makes a plan once for any
      values of its parameters; the partial indexes the constants select are used
      only where the plan sees them. Values are quoted by psycopg, as Django's own
      cursors quote them.
    - SQLite ran the for-you page's statement in 1.6 ms with its constants bound,
      0.5 ms with them written in (the same plan, as `EXPLAIN QUERY PLAN` shows it).
      Plain values are written (`_sqlite_literal`); any other stays bound."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        quoting = psycopg.ClientCursor(connection.connection)

        def literal(value: Any) -> str | None:
            return quoting.mogrify("%s", [value])

    else:
        literal = _sqlite_literal
    values, kept = iter(params), []

    def placeholder(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%"
        value = next(values)
        written = None if is_stand_in(value) else literal(value)
        if written is None:
            kept.append(value)
            return "%s"
        return written.replace("%", "%%")

    return _PLACEHOLDER.sub(placeholder, sql), kept


def _sqlite_literal(value: Any) -> str | None:
    """`value` as an SQLite literal of the value the driver would bind, for text,
    integers (booleans as 1 and 0, as bound), finite floats (their shortest exact
    form) and None; None for any other value, which stays bound."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(float(value))
    if isinstance(value, str) and "\x00" not in value:
        return "'" + str.__str__(value).replace("'", "''") + "'"  # a choice's value
    return None


def _cursor(connection):
    """A cursor to run a compiled query on. On PostgreSQL, one that binds values on
    the server (Django's own bind them on the client), so psycopg prepares the
    statement once it ran `prepare_threshold` times on a connection (settings): a
    compiled query's SQL is the same on every run, so PostgreSQL plans it once, where
    planning a feed's page (the privacy rule, the viewer's flags) took it 0.7 to 1.6 ms
    on every request. It goes through Django's wrappers as any cursor does (query
    logging, error translation, django-prometheus' counts). Elsewhere, the usual
    cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    factory = _server_binding_cursor(type(connection), connection.alias)
    with connection.wrap_database_errors:
        return connection._prepare_cursor(factory(connection.connection))


@functools.cache
def _server_binding_cursor(wrapper: type, alias: str) -> type:
    """Django's server-binding cursor class for PostgreSQL, counted by
    django-prometheus as its own cursors are when the backend is its."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Keeps the statement it ran as a prepared one, as psycopg keeps every other
        (`_execute_send` sets `_query`; `_send_query_prepared` does not): Django's
        query log (`connection.queries`, `CaptureQueriesContext`) reads its SQL from
        there, and had None for a prepared run."""

        def _send_query_prepared(self, name, pgq, *, binary=None):
            self._query = pgq
            super()._send_query_prepared(name, pgq, binary=binary)

    if wrapper.__module__.startswith("django_prometheus."):
        from django_prometheus.db.common import ExportingCursorWrapper

        return ExportingCursorWrapper(PreparingCursor, alias, "postgresql")
    return PreparingCursor


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
    stand_ins: Mapping[str, Any]
    values: Mapping[str, Any]
    prepared: bool = True  # as `CompiledQuery`'s
    # For an ordering no index serves (a score), where the database sorts every
    # candidate: the query set that reads the page's rows (what the list shows, and
    # the ordering's values), unfiltered. The page's keys are then picked by `build`'s
    # query alone, sorting narrow rows, and only the page's rows are read and joined.
    rows: Callable[[], QuerySet] | None = None
    # Where `build`'s ordering sorts every candidate but the list splits into disjoint
    # parts that cheaper orderings serve (an index walk, a short sort): the parts, each
    # a query set of `build`'s rows. Each part's page is picked on its own and the
    # page is the first of their union (needs `rows`): one statement, as exact as
    # sorting them all, since a list's first rows are among its parts' first rows.
    parts: Callable[[], Sequence["ListPart"]] | None = None


@dataclass(frozen=True)
class ListPart:
    """A part of a `QueryTemplate`'s list. `same_as` names, for an ordering term of the
    list (an annotation), a column (or an annotation of the part's) equal to it on
    every row of this part, which the part is ordered and positioned by instead (so
    that an index serves it). `bounded_by`: an earlier part's index; this part's rows
    past that part's page (by the first ordering term, a number) are left out, as
    they cannot be on the page, so that an index walk of this part stops there."""

    queryset: QuerySet
    same_as: Mapping[str, str] = field(default_factory=dict)
    bounded_by: int | None = None


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


def annotation_stand_in(index: int) -> float:
    """The stand-in of a cursor position's `index`th value when it orders by an
    annotation (a number: a score)."""
    return -5.7e-300 * (index + 1)


def position_stand_in(field, index: int) -> Any:
    """The stand-in of a cursor position's `index`th value, a value of `field`; None
    when its type has none (the page is then built and compiled as usual)."""
    make = _POSITION_STAND_INS.get(field.get_internal_type())
    return None if make is None else make(index)
