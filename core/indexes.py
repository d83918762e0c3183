"""Index classes that only PostgreSQL builds, so one migration still serves SQLite."""

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.ddl_references import Statement
from django.db.models import Model

__all__ = ["PostgresGinIndex"]


class PostgresGinIndex(GinIndex):
    """A GIN index on PostgreSQL (it serves array `contains`, `contained_by`, `overlap`).

    Other databases get an SQL comment instead of the index: the schema editor executes
    whatever `create_sql`/`remove_sql` return, and a comment is a no-op everywhere.
    """

    def _skipped_sql(self, schema_editor: BaseDatabaseSchemaEditor) -> str | None:
        if schema_editor.connection.vendor == "postgresql":
            return None
        return f"-- GIN index {self.name} skipped: PostgreSQL only"

    def create_sql(
        self,
        model: type[Model],
        schema_editor: BaseDatabaseSchemaEditor,
        using: str = "",
        **kwargs: Any,
    ) -> Statement | str:
        return self._skipped_sql(schema_editor) or super().create_sql(
            model, schema_editor, using=using, **kwargs
        )

    def remove_sql(
        self, model: type[Model], schema_editor: BaseDatabaseSchemaEditor, **kwargs: Any
    ) -> Statement | str:
        return self._skipped_sql(schema_editor) or super().remove_sql(
            model, schema_editor, **kwargs
        )
