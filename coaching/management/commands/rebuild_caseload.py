"""Recompute the caseload positions (last contact, next follow-up, open referrals per entrepreneur) from the
coaching sessions and referrals: after a manual repair of the database, or to check them (``--check``)."""

from django.core.management.base import BaseCommand, CommandError

from coaching.services import caseload_differences, rebuild_caseload


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
            differences = caseload_differences()
            if differences:
                raise CommandError(
                    f"{len(differences)} caseload positions differ from the sessions and referrals:\n"
                    + "\n".join(differences[:50])
                )
            self.stdout.write("The caseload positions agree with the sessions and referrals.")
            return
        rows = rebuild_caseload()
        self.stdout.write(f"Caseload positions rebuilt ({rows} entrepreneurs).")
