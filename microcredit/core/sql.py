"""Raw SQL that runs on PostgreSQL (production, the tests) and SQLite (the demo) alike."""

from django.db import connection


def text_rows(columns: tuple[str, ...], rows: list[tuple]) -> tuple[str, str, list]:
    """A list of text tuples as a table ``c`` with ``columns``, for a query that looks each up at once:
    (what goes before its SELECT, what goes after its FROM, the parameters). PostgreSQL reads them from
    arrays (``unnest``: one parameter per column, whatever the number of rows), SQLite from a ``VALUES``
    list."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(["%s::text[]"] * len(columns))
        return "", f"unnest({arrays}) AS c({names})", [list(column) for column in zip(*rows, strict=True)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    values = ", ".join([row] * len(rows))
    return f"WITH c({names}) AS (VALUES {values}) ", "c", [value for values_ in rows for value in values_]
