"""A list-of-scalars field: a native array on PostgreSQL, JSON text on SQLite.

One migration serves both databases, and every lookup returns the same rows on each.
"""

import json
import re
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.fields.array import (
    ArrayContainedBy,
    ArrayContains,
    ArrayExact,
    ArrayInLookup,
    ArrayLenTransform,
    ArrayOverlap,
    IndexTransform,
    IndexTransformFactory,
    SliceTransform,
    SliceTransformFactory,
)
from django.core import checks
from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field
from django.db.models.sql.compiler import SQLCompiler

__all__ = ["PortableArrayField"]

# A compiled piece of SQL and its parameters, as `compiler.compile()` returns them.
CompiledSQL = tuple[str, Sequence[Any]]


def _is_native(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database has real arrays (so Django's ArrayField code applies as is)."""
    return connection.vendor == "postgresql"


_SLOT = re.compile(r"\{(\w+)\}")


def _render(template: str, **parts: CompiledSQL) -> tuple[str, list[Any]]:
    """Fill the `{name}` slots of an SQL template with compiled parts.

    A part may fill several slots; its parameters are repeated in the order the slots
    appear, so the `%s` placeholders and the parameters always line up.
    """
    params: list[Any] = []

    def fill(match: re.Match[str]) -> str:
        sql, part_params = parts[match[1]]
        params.extend(part_params)
        return sql

    return _SLOT.sub(fill, template), params


def _compile_json_array(
    field: "PortableArrayField",
    value: Any,
    compiler: SQLCompiler,
    connection: BaseDatabaseWrapper,
) -> CompiledSQL:
    """Compile an array lookup's right-hand side (a list or an expression) to JSON text."""
    if hasattr(value, "as_sql"):
        return compiler.compile(value)
    if any(hasattr(item, "as_sql") for item in value):
        raise NotSupportedError(
            "Array lookups on SQLite take a list of values or an array expression, "
            "not a list containing expressions."
        )
    # The field's own serialisation, so the items are prepared exactly as stored ones.
    return "%s", [field.get_db_prep_value(value, connection)]


# SQLite templates. json_each() yields no rows for NULL, so NULL arrays are tested
# explicitly wherever PostgreSQL would answer NULL rather than true or false.
# json_each().value is an integer for a JSON number and text for a JSON string, and
# SQLite never equates 1 with '1': both sides are prepared by the base field first.

# Every element of {sub} is in {sup} (set semantics, as PostgreSQL's @> and <@).
_SUBSET_SQL = (
    "(CASE WHEN {sub} IS NOT NULL AND {sup} IS NOT NULL THEN NOT EXISTS ("
    "SELECT 1 FROM json_each({sub}) AS sub_item WHERE NOT EXISTS ("
    "SELECT 1 FROM json_each({sup}) AS sup_item WHERE sup_item.value = sub_item.value"
    ")) END)"
)
# At least one element in common (PostgreSQL's &&).
_OVERLAP_SQL = (
    "(CASE WHEN {lhs} IS NOT NULL AND {rhs} IS NOT NULL THEN EXISTS ("
    "SELECT 1 FROM json_each({lhs}) AS lhs_item JOIN json_each({rhs}) AS rhs_item "
    "ON lhs_item.value = rhs_item.value"
    ") END)"
)
# Same length and the same element at each position; like PostgreSQL's array equality,
# NULL elements equal each other (IS NOT) and a NULL array gives NULL (the length test).
_EXACT_SQL = (
    "(json_array_length({lhs}) = json_array_length({rhs}) AND NOT EXISTS ("
    "SELECT 1 FROM json_each({lhs}) AS lhs_item JOIN json_each({rhs}) AS rhs_item "
    "ON rhs_item.key = lhs_item.key WHERE lhs_item.value IS NOT rhs_item.value"
    "))"
)
# Elements whose 0-based key is in [first, stop); a slice of NULL is NULL.
_SLICE_SQL = (
    "(CASE WHEN {lhs} IS NOT NULL THEN ("
    "SELECT json_group_array(slice_item.value) FROM json_each({lhs}) AS slice_item "
    "WHERE slice_item.key >= {first} AND slice_item.key < {stop}"
    ") END)"
)


class PortableArrayField(ArrayField):
    """A list of `base_field` values: `ARRAY` on PostgreSQL, a JSON array in `text` elsewhere.

    It deconstructs to `core.fields.PortableArrayField`, so one migration builds either
    column. Lookups `exact`, `in`, `contains`, `contained_by`, `overlap`, `len`, `isnull`,
    index (`tags__0`) and slice (`tags__0_2`) give the same rows on PostgreSQL and SQLite;
    values read back as the base field's Python types on both. The base field must be a
    scalar whose database value JSON can hold (text, integer, UUID); arrays do not nest.
    """

    def __init__(self, base_field: Field, size: int | None = None, **kwargs: Any) -> None:
        super().__init__(base_field, size=size, **kwargs)
        # ArrayField sets from_db_value on the instance only when the base field has one;
        # JSON text always needs decoding, so that attribute must not hide the method below.
        self.__dict__.pop("from_db_value", None)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if isinstance(self.base_field, ArrayField):
            errors.append(
                checks.Error(
                    "PortableArrayField cannot nest arrays: SQLite stores a flat JSON array.",
                    obj=self,
                    id="core.E001",
                )
            )
        return errors

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return super().db_type(connection) if _is_native(connection) else "text"

    def cast_db_type(self, connection: BaseDatabaseWrapper) -> str:
        return super().cast_db_type(connection) if _is_native(connection) else "text"

    def db_check(self, connection: BaseDatabaseWrapper) -> str | None:
        if _is_native(connection):
            return super().db_check(connection)
        # JSON_VALID(NULL) is 0 on older SQLite versions, hence the explicit NULL case.
        column = connection.ops.quote_name(self.column)
        return f"({column} IS NULL OR (JSON_VALID({column}) AND json_type({column}) = 'array'))"

    def get_placeholder(
        self, value: Any, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> str:
        if _is_native(connection):
            return super().get_placeholder(value, compiler, connection)
        return "%s"

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        """Prepare each item with the base field; off PostgreSQL, encode the list as JSON.

        The JSON is canonical (no spaces, unescaped unicode), so equal lists are equal text.
        """
        value = super().get_db_prep_value(value, connection, prepared)
        if _is_native(connection) or not isinstance(value, list):
            return value
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def from_db_value(
        self, value: Any, expression: Expression, connection: BaseDatabaseWrapper
    ) -> list[Any] | None:
        if value is None:
            return None
        if _is_native(connection):
            if hasattr(self.base_field, "from_db_value"):
                return self._from_db_value(value, expression, connection)
            return value
        return [self.base_field.to_python(item) for item in json.loads(value)]

    def get_transform(self, name: str) -> Any:
        transform = super().get_transform(name)
        if isinstance(transform, IndexTransformFactory):
            return partial(PortableIndexTransform, transform.index, transform.base_field)
        if isinstance(transform, SliceTransformFactory):
            return partial(PortableSliceTransform, transform.start, transform.end)
        return transform

    def slice_expression(
        self, expression: Expression, start: int, length: int | None
    ) -> "PortableSliceTransform":
        transform = super().slice_expression(expression, start, length)
        return PortableSliceTransform(transform.start, transform.end, expression)


class _JSONArrayRHSMixin:
    """Keep the right-hand side as given, for SQLite.

    Django's ArrayRHSMixin turns a list into an `ARRAY[...]` expression when the lookup
    is built, before the database is known; SQLite gets the list as JSON text instead.
    """

    def __init__(self, lhs: Expression, rhs: Any) -> None:
        self.raw_rhs = rhs
        super().__init__(lhs, rhs)

    def process_json_sides(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[CompiledSQL, CompiledSQL]:
        """Compile both sides to SQL yielding JSON array text."""
        lhs = self.process_lhs(compiler, connection)
        # An expression (F(), Value) stays in self.rhs, where relabelling keeps it current.
        value = self.raw_rhs if isinstance(self.raw_rhs, (list, tuple)) else self.rhs
        rhs = _compile_json_array(self.lhs.output_field, value, compiler, connection)
        return lhs, rhs


@PortableArrayField.register_lookup
class PortableArrayContains(_JSONArrayRHSMixin, ArrayContains):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        lhs, rhs = self.process_json_sides(compiler, connection)
        return _render(_SUBSET_SQL, sub=rhs, sup=lhs)


@PortableArrayField.register_lookup
class PortableArrayContainedBy(_JSONArrayRHSMixin, ArrayContainedBy):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        lhs, rhs = self.process_json_sides(compiler, connection)
        return _render(_SUBSET_SQL, sub=lhs, sup=rhs)


@PortableArrayField.register_lookup
class PortableArrayOverlap(_JSONArrayRHSMixin, ArrayOverlap):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        lhs, rhs = self.process_json_sides(compiler, connection)
        return _render(_OVERLAP_SQL, lhs=lhs, rhs=rhs)


@PortableArrayField.register_lookup
class PortableArrayExact(_JSONArrayRHSMixin, ArrayExact):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        lhs, rhs = self.process_json_sides(compiler, connection)
        return _render(_EXACT_SQL, lhs=lhs, rhs=rhs)


@PortableArrayField.register_lookup
class PortableArrayIn(ArrayInLookup):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        if not self.rhs_is_direct_value():
            # A subquery of array columns yields their stored, canonical JSON text.
            return super().as_sql(compiler, connection)
        candidates = [value for value in self.rhs if value is not None]
        if not candidates:
            raise EmptyResultSet
        lhs = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        exacts = [
            _render(
                _EXACT_SQL,
                lhs=lhs,
                rhs=_compile_json_array(field, candidate, compiler, connection),
            )
            for candidate in candidates
        ]
        sql = " OR ".join(exact_sql for exact_sql, _ in exacts)
        return f"({sql})", [param for _, exact_params in exacts for param in exact_params]


@PortableArrayField.register_lookup
class PortableArrayLenTransform(ArrayLenTransform):
    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        # NULL for a NULL array and 0 for an empty one, as on PostgreSQL.
        return _render("json_array_length({lhs})", lhs=compiler.compile(self.lhs))


class PortableIndexTransform(IndexTransform):
    """`field__<n>`: the n-th element (0-based in the query), NULL when out of range."""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        if self.index < 1:
            # PostgreSQL arrays start at 1 and Django added 1: a negative name is out of range.
            return "NULL", []
        return _render(
            "json_extract({lhs}, {path})",
            lhs=compiler.compile(self.lhs),
            path=("%s", [f"$[{self.index - 1}]"]),
        )


class PortableSliceTransform(SliceTransform):
    """`field__<start>_<end>`: the elements from start up to, not including, end."""

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        lhs_sql, lhs_params = lhs = compiler.compile(self.lhs)
        # Django's start is 1-based and its end (1-based, inclusive) is the 0-based stop.
        if self.end is None:
            stop = (f"json_array_length({lhs_sql})", lhs_params)
        else:
            stop = ("%s", [self.end])
        return _render(_SLICE_SQL, lhs=lhs, first=("%s", [self.start - 1]), stop=stop)
