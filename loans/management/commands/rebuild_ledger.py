"""Recompute the derived ledger figures (loan positions, settlement dates, daily portfolio rows) from the
payments and the schedules: after a manual repair of the database, or to check them (``--check``). Payments
wait while it runs (about a minute at 100,000 loans): run it at a quiet time."""

from loans.services.ledger import ledger_differences, rebuild_ledger
from microcredit.core.rebuild import RebuildCommand


class Command(RebuildCommand):
    help = __doc__
    check_help = "Only compare the stored figures with the ledger; change nothing."
    differ = "The derived ledger figures differ from the ledger:"
    agree = "The derived ledger figures agree with the ledger."
    rebuilt = "Derived ledger figures rebuilt ({rows} daily rows)."

    differences = staticmethod(ledger_differences)
    rebuild = staticmethod(rebuild_ledger)
