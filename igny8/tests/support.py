"""Helpers for the infrastructure tests."""

from __future__ import annotations

from django.db import connection


def rows_by_schema(table: str, column: str, value: str) -> dict[str, int]:
    """How many rows of `table` have `column = value`, in every schema that has the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s", [table]
        )
        schemas = [row[0] for row in cursor.fetchall()]
        counts = {}
        for schema in schemas:
            cursor.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE {column} = %s', [value]
            )
            counts[schema] = cursor.fetchone()[0]
    return {schema: n for schema, n in counts.items() if n}
