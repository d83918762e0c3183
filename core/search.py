"""Word search over a model's text and array columns, on both databases.

PostgreSQL runs full-text search: every word of the query must start a word of the
document (`'word':*`), served by a GIN index on `search_document(...)`. SQLite has no
such index: every word must appear, in any case (ASCII letters; SQLite's `LIKE` folds
no other), somewhere in one of the columns. Both lower-case the query and split it
into runs of letters and digits, so `How-to` searches for `how` and `to`.
"""

import re
from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Func, TextField
from django.db.models.functions import Cast
from django.db.models.sql.compiler import SQLCompiler

__all__ = ["SEARCH_WORDS_MAX", "SearchMatch", "search_document", "search_words"]

# No stemming and no stop words: titles come in every language, like tags do.
SEARCH_CONFIG = "simple"
SEARCH_WORDS_MAX = 10
_WORD = re.compile(r"[^\W_]+")

CompiledSQL = tuple[str, list[Any]]

# SQLite: some item of a JSON array (`{array}`, compiled SQL) is LIKE the parameter.
_SQLITE_ARRAY_LIKE = (
    "EXISTS (SELECT 1 FROM json_each({array}) AS search_item "
    "WHERE search_item.value LIKE %s ESCAPE '\\')"
)


def search_words(text: str) -> list[str]:
    """The words a search for `text` looks for: runs of letters and digits, lower-cased,
    duplicates dropped, the first `SEARCH_WORDS_MAX` kept (so a query's cost is bounded)."""
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:SEARCH_WORDS_MAX]


def search_document(*text_fields: str, array_field: str | None = None) -> SearchVector:
    """The PostgreSQL `tsvector` of these columns, for a GIN index and for `SearchMatch`.

    The array's items go through the text parser like the text does (via their
    `tsvector`'s text, as every function in an index must be immutable and
    `array_to_string` is not), so a tag `how-to` is found by `how` and by `to`.
    Index it with `core.indexes.PostgresGinIndex(search_document(...), name=...)`:
    `SearchMatch` compiles the very same expression, so the planner can use the index.
    """
    parts: list[Any] = list(text_fields)
    if array_field is not None:
        items = Cast(F(array_field), ArrayField(TextField()))
        parts.append(
            Cast(
                Func(items, function="array_to_tsvector", output_field=SearchVectorField()),
                TextField(),
            )
        )
    return SearchVector(*parts, config=SEARCH_CONFIG)


class SearchMatch(Expression):
    """True for rows where every one of `words` (from `search_words`) is found.

    Use it as a filter: `queryset.filter(SearchMatch("title", array_field="tags",
    words=words))`. See the module docstring for what "found" means on each database.
    """

    output_field = BooleanField()

    def __init__(
        self, *text_fields: str, array_field: str | None = None, words: Sequence[str]
    ) -> None:
        super().__init__()
        if not words:
            raise ValueError("SearchMatch needs at least one word.")
        if any(not _WORD.fullmatch(word) for word in words):
            raise ValueError("SearchMatch takes the words search_words() returns.")
        self.words = list(words)
        self.columns: list[Any] = [F(name) for name in text_fields]
        self.array_column: Any = F(array_field) if array_field is not None else None
        self.document: Any = search_document(*text_fields, array_field=array_field)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(words={self.words!r})"

    def get_source_expressions(self) -> list[Any]:
        return [*self.columns, self.array_column, self.document]

    def set_source_expressions(self, expressions: Sequence[Any]) -> None:
        *self.columns, self.array_column, self.document = expressions

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        raise NotSupportedError("SearchMatch supports PostgreSQL and SQLite only.")

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        document_sql, document_params = compiler.compile(self.document)
        # Words are letters and digits only (checked above), so quoting them is safe.
        query = " & ".join(f"'{word}':*" for word in self.words)
        return (
            f"{document_sql} @@ to_tsquery(%s::regconfig, %s)",
            [*document_params, SEARCH_CONFIG, query],
        )

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> CompiledSQL:
        columns = [compiler.compile(column) for column in self.columns]
        array = compiler.compile(self.array_column) if self.array_column is not None else None
        clauses: list[str] = []
        params: list[Any] = []
        for word in self.words:
            pattern = f"%{connection.ops.prep_for_like_query(word)}%"
            alternatives = []
            for column_sql, column_params in columns:
                alternatives.append(f"{column_sql} LIKE %s ESCAPE '\\'")
                params.extend([*column_params, pattern])
            if array is not None:
                array_sql, array_params = array
                alternatives.append(_SQLITE_ARRAY_LIKE.format(array=array_sql))
                params.extend([*array_params, pattern])
            clauses.append(f"({' OR '.join(alternatives)})")
        return f"({' AND '.join(clauses)})", params
