"""Keyset (cursor) pagination for every growing list.

A page is one query, `WHERE (ordering) is past (cursor position) ORDER BY ordering
LIMIT page_size + 1`, so its cost depends neither on how deep the page is nor on how
big the table is, given an index on the ordering. The ordering always ends with the
primary key, which makes it unique: no row is skipped or repeated when rows share a
timestamp. Cursors are signed, so a client cannot forge or tamper with one; a bad
cursor answers 400 with the code `invalid_cursor`.

A view may hand the paginator a `core.compiled.QueryTemplate` instead of a query set:
the page's query is then made by the ORM once per shape and kind of page (first or
later, forwards or back, page size), from stand-in values, and each request runs it
with its own (the viewer's id, the cursor's position).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.compiled import (
    CompiledQuery,
    ListPart,
    QueryTemplate,
    annotation_stand_in,
    compiled_query,
    position_stand_in,
)
from core.exceptions import FieldRejection

CURSOR_SALT = "core.pagination.cursor"
# Beyond any ordering value a bounded list part compares (a score): no bound.
_FAR = 1e300


def _union_of_keys(pages: Sequence[QuerySet]) -> RawSQL:
    """The keys of `pages` (sliced query sets of one model) as one `UNION ALL`, for
    `pk__in`: an index finds each key, where an OR of `IN`s would make PostgreSQL test
    every row of the table."""
    parts, params = [], []
    for number, page in enumerate(pages):
        sql, page_params = page.values("pk").query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS part{number}")  # noqa: S608 - the ORM's SQL
        params.extend(page_params)
    return RawSQL(" UNION ALL ".join(parts), params)  # noqa: S611 - the ORM's SQL, with its params


@dataclass(frozen=True)
class OrderingTerm:
    name: str
    descending: bool

    @classmethod
    def parse(cls, term: str) -> "OrderingTerm":
        return cls(name=term.lstrip("-"), descending=term.startswith("-"))

    def renamed(self, names: Mapping[str, str]) -> "OrderingTerm":
        """This term, named as `names` names it (if it does)."""
        return OrderingTerm(name=names.get(self.name, self.name), descending=self.descending)

    def as_order_by(self, *, reverse: bool = False) -> str:
        descending = self.descending != reverse
        return f"-{self.name}" if descending else self.name


INVALID_CURSOR = FieldRejection(
    "cursor",
    "invalid_cursor",
    "The cursor is invalid or has been tampered with.",
)
INVALID_PAGE_SIZE = FieldRejection(
    "page_size",
    "invalid_page_size",
    "page_size must be a whole number from 1 to {maximum}.",
    maximum=lambda: CursorPagination.max_page_size,
)


class CursorPagination(BasePagination):
    """Opaque-cursor pagination answering `{"next", "previous", "results"}`.

    The ordering comes from the view's `ordering` attribute, else this class's; the
    primary key is appended when absent. Ordering fields must not be NULL.
    """

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering: Sequence[str] = ("-created_at",)

    # What a page's query string may be refused for (core.openapi reads `raises`).
    raises = (INVALID_CURSOR, INVALID_PAGE_SIZE)

    # -- the DRF pagination interface ----------------------------------------------

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Model]:
        self.request = request
        self.model = queryset.model
        self.terms = self.get_ordering_terms(queryset, view)
        self.limit = self.get_page_size(request)
        position, backwards = self.decode_cursor(request)
        self.has_cursor = position is not None

        order_by = [term.as_order_by(reverse=backwards) for term in self.terms]
        if isinstance(queryset, QueryTemplate):
            rows = self._compiled_rows(queryset, position, backwards=backwards, order_by=order_by)
        else:
            if position is not None:
                queryset = queryset.filter(self.position_filter(position, backwards=backwards))
            rows = list(queryset.order_by(*order_by)[: self.limit + 1])
        has_more = len(rows) > self.limit
        rows = rows[: self.limit]

        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = True, has_more
        else:
            self.has_next, self.has_previous = has_more, position is not None
        self.page = rows
        return rows

    def _compiled_rows(
        self,
        template: QueryTemplate,
        position: list[Any] | None,
        *,
        backwards: bool,
        order_by: list[str],
    ) -> list[Model]:
        """The page's rows (one more than a page, to tell whether there is more) from
        `template`: its query set with this page's position filter, ordering and limit
        (the page's keys, read by the template's `rows` where it has them), compiled
        once per shape and kind of page (`core.compiled`), run with the request's
        values and position in place of the stand-ins."""
        connection = connections[router.db_for_read(template.model)]
        stand_ins, values = dict(template.stand_ins), dict(template.values)
        stand_in_position = None
        if position is not None:
            stand_in_position = []
            for index, (term, value) in enumerate(zip(self.terms, position, strict=True)):
                field = self._model_field(term.name)
                if field is None:  # an annotation: a number, as the cursor carries it
                    stand_in = annotation_stand_in(index)
                    stand_ins[f"position{index}"], values[f"position{index}"] = stand_in, value
                else:
                    stand_in = position_stand_in(field, index)
                    if stand_in is None:
                        raise ImproperlyConfigured(f"No stand-in for the cursor's {term.name!r}.")
                    stand_ins[f"position{index}"] = field.get_db_prep_value(stand_in, connection)
                    values[f"position{index}"] = field.get_db_prep_value(value, connection)
                stand_in_position.append(stand_in)

        def first_rows(queryset: QuerySet, same_as: Mapping[str, str]) -> QuerySet:
            """`queryset`'s first rows past the position, ordered by the page's
            ordering with each term named as `same_as` names it."""
            if stand_in_position is not None:
                queryset = queryset.filter(
                    self.position_filter(stand_in_position, backwards=backwards, same_as=same_as)
                )
            ordering = [term.renamed(same_as).as_order_by(reverse=backwards) for term in self.terms]
            return queryset.order_by(*ordering)[: self.limit + 1]

        def make() -> CompiledQuery:
            if template.parts is not None:  # each part's first rows, then the union's
                parts = list(template.parts())
                pages: list[QuerySet] = []
                for part in parts:
                    queryset = part.queryset
                    if part.bounded_by is not None:
                        queryset = queryset.filter(
                            self._bound(
                                part, parts[part.bounded_by], pages[part.bounded_by], backwards
                            )
                        )
                    pages.append(first_rows(queryset, part.same_as))
                page = template.rows().filter(pk__in=_union_of_keys(pages))
                page = page.order_by(*order_by)[: self.limit + 1]
            else:
                page = first_rows(template.build(), {})
                if template.rows is not None:  # the keys first, then their rows
                    page = template.rows().filter(pk__in=page.values("pk")).order_by(*order_by)
            return CompiledQuery(page, stand_ins, prepared=template.prepared)

        key = (template.shape, tuple(order_by), position is not None, backwards, self.limit)
        return compiled_query(key, make).objects(**values)

    def _bound(self, part: ListPart, other: ListPart, other_page: QuerySet, backwards: bool) -> Q:
        """`part`'s rows that may be on the page, given `other`'s first rows
        (`other_page`, one more than a page): those whose first ordering value is not
        past the last of them (all, when `other` has no more than a page)."""
        first = self.terms[0]
        mine, theirs = first.renamed(part.same_as).name, first.renamed(other.same_as).name
        descending = first.descending != backwards
        last = other_page.values(theirs)[self.limit : self.limit + 1]
        bound = Coalesce(Subquery(last), Value(-_FAR if descending else _FAR))
        return Q(**{f"{mine}__{'gte' if descending else 'lte'}": bound})

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self.link_for(self.page[-1], backwards=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            # Past the end (rows deleted since): step back from the start of the list.
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self.link_for(self.page[0], backwards=True)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque cursor from a previous page's `next` or "
                "`previous` link; absent or empty for the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (default {self.page_size}, at most "
                f"{self.max_page_size}; larger values are capped).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    # -- ordering and page size ------------------------------------------------------

    def get_ordering_terms(self, queryset: QuerySet, view: Any) -> list[OrderingTerm]:
        ordering = getattr(view, "ordering", None) or self.ordering
        if isinstance(ordering, str):
            ordering = (ordering,)
        terms = [OrderingTerm.parse(term) for term in ordering]
        pk_name = queryset.model._meta.pk.name
        if not any(term.name in ("pk", pk_name) for term in terms):
            terms.append(OrderingTerm(name=pk_name, descending=terms[-1].descending))
        return terms

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: `int()` would also take "\r6", "+6", "6_0" and other
        # scripts' digits, which are not the integer the schema says.
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if size < 1:
            raise INVALID_PAGE_SIZE.on(self.page_size_query_param).error(maximum=self.max_page_size)
        return min(size, self.max_page_size)

    # -- cursors ---------------------------------------------------------------------

    def position_filter(
        self, position: list[Any], *, backwards: bool, same_as: Mapping[str, str] | None = None
    ) -> Q:
        """Rows strictly after `position` in the ordering (before it, going backwards),
        with each term named as `same_as` names it (a column equal to an annotation
        on the rows filtered: `core.compiled.ListPart`).

        The leading `first <= value` term lets the database range-scan the index on
        the first ordering column; the rest breaks ties.
        """
        terms = [term.renamed(same_as or {}) for term in self.terms]
        ties = Q()
        after = Q()
        for term, value in zip(terms, position, strict=True):
            descending = term.descending != backwards
            after |= ties & Q(**{f"{term.name}__{'lt' if descending else 'gt'}": value})
            ties &= Q(**{term.name: value})
        first, value = terms[0], position[0]
        first_descending = first.descending != backwards
        return Q(**{f"{first.name}__{'lte' if first_descending else 'gte'}": value}) & after

    def link_for(self, row: Model, *, backwards: bool) -> str:
        payload = {
            "o": [term.as_order_by() for term in self.terms],
            "p": [self._encode_value(row, term.name) for term in self.terms],
            "b": backwards,
        }
        token = signing.dumps(payload, salt=CURSOR_SALT, compress=True)
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, token)

    def decode_cursor(self, request: Request) -> tuple[list[Any] | None, bool]:
        token = request.query_params.get(self.cursor_query_param)
        if not token:  # absent, or empty (`?cursor=`, as clients send "no cursor"): page 1
            return None, False
        try:
            payload = signing.loads(token, salt=CURSOR_SALT)
            ordering = [term.as_order_by() for term in self.terms]
            if not isinstance(payload, dict) or payload.get("o") != ordering:
                raise ValueError("cursor from another ordering")
            raw_position, backwards = payload["p"], payload["b"]
            if not isinstance(raw_position, list) or len(raw_position) != len(self.terms):
                raise ValueError("cursor of the wrong length")
            position = [
                self._decode_value(term.name, raw)
                for term, raw in zip(self.terms, raw_position, strict=True)
            ]
        except (signing.BadSignature, ValueError, KeyError, TypeError) as error:
            raise INVALID_CURSOR.on(self.cursor_query_param).error() from error
        return position, bool(backwards)

    def _model_field(self, name: str):
        if name == "pk":
            return self.model._meta.pk
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None  # an annotation: its value must be JSON-native

    def _encode_value(self, row: Model, name: str) -> Any:
        field = self._model_field(name)
        if field is None:
            return getattr(row, name)
        if not field.concrete:
            raise ImproperlyConfigured(f"Cannot paginate on the non-concrete field {name!r}.")
        return field.value_to_string(row)

    def _decode_value(self, name: str, raw: Any) -> Any:
        field = self._model_field(name)
        if field is None:
            if raw is not None and not isinstance(raw, (int, float, str)):
                raise ValueError("bad annotation value")
            return raw
        if not isinstance(raw, str):
            raise ValueError("bad field value")
        try:
            return field.to_python(raw)
        except Exception as error:  # to_python raises ValidationError and others
            raise ValueError("bad field value") from error
