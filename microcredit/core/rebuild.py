"""The one shape of a command that recomputes a derived table from its sources, or only checks it
(``--check``): the ledger's positions and daily rows (``rebuild_ledger``), the caseload positions
(``rebuild_caseload``)."""

from django.core.management.base import BaseCommand, CommandError


class RebuildCommand(BaseCommand):
    """Subclasses say what they compare and rebuild, and what to tell."""

    check_help: str  # the ``--check`` option's help
    differ: str  # the refusal's first line, with ``{count}``
    agree: str
    rebuilt: str  # with ``{rows}``

    def differences(self) -> list[str]:
        raise NotImplementedError

    def rebuild(self) -> int:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help=self.check_help)

    def handle(self, *args, check=False, **options):
        if check:
            differences = self.differences()
            if differences:
                raise CommandError(
                    self.differ.format(count=len(differences)) + "\n" + "\n".join(differences[:50])
                )
            self.stdout.write(self.agree)
            return
        self.stdout.write(self.rebuilt.format(rows=self.rebuild()))
