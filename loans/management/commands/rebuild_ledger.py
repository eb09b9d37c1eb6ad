"""Recompute the derived ledger figures (loan positions, settlement dates, daily portfolio rows) from the
payments and the schedules: after a manual repair of the database, or to check them (``--check``). Payments
wait while it runs (about a minute at 100,000 loans): run it at a quiet time."""

from django.core.management.base import BaseCommand, CommandError

from loans.services.ledger import ledger_differences, rebuild_ledger


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored figures with the ledger; change nothing.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            differences = ledger_differences()
            if differences:
                raise CommandError(
                    "The derived ledger figures differ from the ledger:\n" + "\n".join(differences[:50])
                )
            self.stdout.write("The derived ledger figures agree with the ledger.")
            return
        rows = rebuild_ledger()
        self.stdout.write(f"Derived ledger figures rebuilt ({rows} daily rows).")
