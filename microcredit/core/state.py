"""State machines, written once: the allowed moves of a status, the refusal of the others, and the history
row every move leaves (an abstract model each app's history table extends)."""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class StateMachine:
    """The moves allowed from each status of ``statuses`` (a ``TextChoices``). ``refusal`` is the message
    for any other move, with ``%(from)s`` and ``%(to)s`` (the statuses' labels); ``field`` is the form field
    the refusal is shown next to (None: a message for the whole form)."""

    def __init__(
        self,
        statuses: type[models.TextChoices],
        moves: Mapping[str, Iterable[str]],
        *,
        refusal: str | Promise,
        field: str | None = "to_status",
        lower_labels: bool = False,
    ) -> None:
        unknown = (set(moves) | {target for targets in moves.values() for target in targets}) - set(
            statuses.values
        )
        if unknown:
            raise ValueError(f"Unknown statuses in the moves: {sorted(unknown)}")
        self.statuses = statuses
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}
        self.refusal = refusal
        self.field = field
        self.lower_labels = lower_labels

    def allows(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, frozenset())

    def next_statuses(self, current: str) -> list[str]:
        """The statuses one may move to from ``current``, in the order of their declaration."""
        allowed = self.moves.get(current, frozenset())
        return [value for value in self.statuses.values if value in allowed]

    def label(self, status: str) -> str:
        label = str(dict(self.statuses.choices).get(status, status))
        return label.lower() if self.lower_labels else label

    def check(self, current: str, target: str) -> None:
        """Raise a ``ValidationError`` (code ``invalid_transition``) unless the move is allowed."""
        if self.allows(current, target):
            return
        message = self.refusal % {"from": self.label(current), "to": self.label(target)}
        error = ValidationError(message, code="invalid_transition")
        raise ValidationError({self.field: error}) if self.field else error


class StatusChange(models.Model):
    """A history row: one per move, the first one when the record is created (``from_status`` empty).
    Never edited. Subclasses add the foreign key to their record, and give ``from_status``/``to_status``
    their choices and constraints."""

    from_status = models.CharField(_("previous status"), max_length=20, blank=True)
    to_status = models.CharField(_("new status"), max_length=20)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("date"), default=timezone.now)
    note = models.TextField(
        _("staff-only note"), blank=True, help_text=_("Seen by the organization's staff only.")
    )

    class Meta:
        abstract = True
        ordering = ["changed_at", "pk"]
