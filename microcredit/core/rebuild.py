"""The one shape of a command that recomputes a derived table from its sources, or only checks it
(``--check``): the ledger's positions and daily rows (``rebuild_ledger``), the caseload positions
(``rebuild_caseload``)."""

from collections.abc import Mapping

from django.core.management.base import BaseCommand, CommandError


def differences(label: str, expected: Mapping, stored: Mapping, *, missing=None, order=None) -> list[str]:
    """``label key: stored …, expected …`` for each key whose stored value is not the expected one
    (``missing`` stands for a key one side lacks), the keys sorted (by ``order``, a sort key, when given)."""
    return [
        f"{label} {key}: stored {stored.get(key, missing)}, expected {expected.get(key, missing)}"
        for key in sorted(expected.keys() | stored.keys(), key=order)
        if expected.get(key, missing) != stored.get(key, missing)
    ]


class RebuildCommand(BaseCommand):
    """Subclasses say what they compare and rebuild (``differences`` and ``rebuild``, functions of no
    argument: ``staticmethod(…)``), and what to tell."""

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
