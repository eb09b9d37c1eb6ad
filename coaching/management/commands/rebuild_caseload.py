"""Recompute the caseload positions (last contact, next follow-up, open referrals per entrepreneur) from the
coaching sessions and referrals, then the caseload counters the homes read (``coaching.services.counts``):
after a manual repair of the database or a change of the no-contact delay, or to check them (``--check``)."""

from django.core.management.base import BaseCommand, CommandError

from coaching.services.counts import caseload_count_differences
from coaching.services.positions import position_differences, rebuild_caseload


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare the stored positions with the sessions and referrals; change nothing.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            differences = position_differences()
            if differences:
                raise CommandError(
                    f"{len(differences)} caseload positions differ from the sessions and referrals:\n"
                    + "\n".join(differences[:50])
                )
            counts = caseload_count_differences()
            if counts:
                raise CommandError(
                    f"{len(counts)} caseload tallies or counters differ from a recount:\n"
                    + "\n".join(counts[:50])
                )
            self.stdout.write("The caseload positions and counters agree with a recount.")
            return
        rows = rebuild_caseload()
        self.stdout.write(f"Caseload positions rebuilt ({rows} entrepreneurs).")
