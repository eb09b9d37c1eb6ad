"""Check a spreadsheet (CSV or XLSX) of one kind and, with --commit, import it: the same checks and the same
single transaction as the coordinators' screen. Without --commit nothing is written."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from imports.kinds import all_kinds, get_kind
from imports.services import import_run
from microcredit.accounts.models import Role, User


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[kind.key for kind in all_kinds()])
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="Import the file if it is entirely valid.")
        parser.add_argument("--as", dest="username", help="Login of the coordinator doing the import.")
        parser.add_argument("--language", default="fr-ca", help="Language of the report (fr-ca or en).")

    def handle(self, *args, kind, path, commit=False, username=None, language="fr-ca", **options):
        translation.activate(language)
        coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
        actor = coordinators.filter(username=username).first() if username else coordinators.first()
        if actor is None:
            raise CommandError("No active coordinator to record the import under (use --as LOGIN).")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        with file.open("rb") as handle:  # read as a stream, never whole
            report = import_run(kind=get_kind(kind), name=file.name, data=handle, actor=actor, commit=commit)
        for problem in report.problems:
            self.stdout.write(f"row {problem.row} · {problem.column or '-'} · {problem.message}")
        counts = report.counts()
        summary = (
            f"{report.rows_total} rows: {counts['create']} to create, {counts['update']} to update, "
            f"{counts['unchanged']} unchanged, {len(report.problems)} errors"
        )
        if not report.is_valid:
            raise CommandError(summary + ". Nothing was imported.")
        self.stdout.write(summary + (". Imported." if commit else ". Dry run: nothing was written."))
