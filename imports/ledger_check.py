"""``rebuild_ledger --check`` at the end of an import, with flat memory.

``loans.services.ledger.ledger_differences`` (what ``manage.py rebuild_ledger --check`` runs) holds the whole
ledger's derived figures twice in memory to compare them: at 10,000 imported loans, well over 100 MiB. This
makes the very same comparison inside PostgreSQL: the stored figures (the same columns: every field of the
loan positions, the instalments' settlement dates, the allocations' loan and date, the non-empty daily rows
with the ledger's ``FIELDS``) are copied to temporary tables, the ledger's own ``rebuild_ledger`` recomputes
them, the two are compared by ``EXCEPT ALL`` in both directions, and everything is rolled back. Another
database (SQLite in development) runs ``ledger_differences`` itself.
"""

from django.db import connection, transaction

from loans.models import Allocation, Instalment, Loan, LoanPosition, LoanTransition, Payment, PortfolioDay
from loans.services import ledger

SHOWN = 5


def _compared() -> dict[str, tuple[str, list[str], str]]:
    """{name: (table, columns, filter)} of the derived figures, as ``ledger._snapshot`` reads them."""
    return {
        "position": (LoanPosition._meta.db_table, [f.column for f in LoanPosition._meta.concrete_fields], ""),
        "instalment": (Instalment._meta.db_table, ["id", "settled_on"], ""),
        "allocation": (Allocation._meta.db_table, ["id", "loan_id", "paid_on"], ""),
        "day": (
            PortfolioDay._meta.db_table,
            ["day", "product_key", *ledger.FIELDS],
            " WHERE " + " OR ".join(f"{name} <> 0" for name in ledger.FIELDS),
        ),
    }


def analyze() -> None:
    """Give PostgreSQL's planner the sizes of the ledger's tables as the import fills them. Rows written in
    the import's own transaction are in no statistics yet, and without them the planner guesses hundreds of
    allocations per instalment and picks plans that scan a whole table for each row (the rebuild's
    ``MAX(paid_on)`` walked the date index backwards once per instalment: minutes at 10,000 loans). ANALYZE
    counts the transaction's own rows and may run inside it (its statistics go if the import rolls back)."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Loan, LoanTransition, Instalment, Payment, Allocation)]
    tables += [LoanPosition._meta.db_table, PortfolioDay._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


def ledger_check() -> list[str]:
    """At most ``SHOWN`` differences between the stored derived figures and the recomputed ones (none: the
    ledger agrees). Nothing is changed."""
    if connection.vendor != "postgresql":
        return ledger.ledger_differences()[:SHOWN]
    analyze()
    compared = _compared()
    differences = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, (table, columns, where) in compared.items():
                cursor.execute(
                    f"CREATE TEMP TABLE import_check_{name} ON COMMIT DROP AS "  # noqa: S608 (our own names)
                    f"SELECT {', '.join(columns)} FROM {table}{where}"
                )
        ledger.rebuild_ledger()
        with connection.cursor() as cursor:
            for name, (table, columns, where) in compared.items():
                listed = ", ".join(columns)
                cursor.execute(
                    f"""(SELECT 'stored', {listed} FROM import_check_{name}
                         EXCEPT ALL SELECT 'stored', {listed} FROM {table}{where})
                        UNION ALL
                        (SELECT 'expected', {listed} FROM {table}{where}
                         EXCEPT ALL SELECT 'expected', {listed} FROM import_check_{name})
                        LIMIT {SHOWN}"""  # noqa: S608
                )
                differences += [f"{name} {side} {tuple(row)}" for side, *row in cursor.fetchall()]
        transaction.set_rollback(True)
    return differences[:SHOWN]
