"""Trainings and their participants: one row per participant, the training's columns repeated on each of its
rows (a row without a participant creates the training alone). Saved by the circles app's training services
(``training_create``, ``training_enroll``, ``training_participant_set_status``)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles.models import ParticipantStatus, Training, TrainingParticipant
from circles.services.trainings import training_create, training_enroll, training_participant_set_status
from imports.kinds import register
from imports.kinds.base import Column, Kind, RowOutcome, choice_parser, parse_date
from imports.kinds.common import check_same_as_first, check_unique_in_file, find_advisor, find_entrepreneur
from imports.kinds.loans import _any_date

TRAININGS = "trainings"
TRAINING_FIELDS = ("title", "advisor", "start_date", "end_date", "location", "description")

parse_participant_status = choice_parser(
    ParticipantStatus,
    {
        "inscrit": "enrolled",
        "inscrite": "enrolled",
        "termine": "completed",
        "terminee": "completed",
        "reussi": "completed",
        "abandon": "dropped",
        "abandonne": "dropped",
    },
)


class TrainingsKind(Kind):
    key = TRAININGS
    title = gettext_lazy("Trainings and participants")
    description = gettext_lazy(
        "One row per participant of a training, the training's columns repeated on each of its rows (a row "
        "without a participant creates the training alone). Import the entrepreneurs first: participants are "
        "given by their id."
    )
    columns = (
        Column(
            "external_id",
            "identifiant de la formation",
            "training id",
            gettext_lazy("Your own id for the training."),
            required=True,
            example="F-2023-09",
        ),
        Column(
            "title",
            "titre",
            "title",
            gettext_lazy("Title of the training."),
            required=True,
            example="Démarrer son entreprise",
        ),
        Column(
            "advisor",
            "conseiller",
            "advisor",
            gettext_lazy("Login or email of the advisor who gave it."),
            required=True,
            example="amelie",
        ),
        Column(
            "start_date",
            "date de début",
            "start date",
            gettext_lazy("First day of the training."),
            required=True,
            parse=parse_date,
            example="2023-09-05",
        ),
        Column(
            "end_date",
            "date de fin",
            "end date",
            gettext_lazy("Last day of the training (may be in the future for one under way)."),
            required=True,
            parse=_any_date,
            example="2023-10-24",
        ),
        Column(
            "location", "lieu", "location", gettext_lazy("Where it is given."), example="Centre communautaire"
        ),
        Column("description", "description", "description", gettext_lazy("What it covers."), example=""),
        Column(
            "participant",
            "identifiant du participant",
            "participant id",
            gettext_lazy("Id of the entrepreneur, as in the entrepreneurs file."),
            example="E-001",
        ),
        Column(
            "participant_status",
            "statut du participant",
            "participant status",
            gettext_lazy("enrolled, completed or dropped out (enrolled if empty)."),
            parse=parse_participant_status,
            example="terminé",
        ),
    )
    field_columns = {"profile": "participant", "status": "participant_status"}

    def start(self, context: dict) -> None:
        context["trainings"] = {}  # external id → (first row, wanted fields, training)

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome:
        external_id = values["external_id"]
        wanted = {
            "title": values["title"],
            "advisor": find_advisor(values["advisor"], context),
            "start_date": values["start_date"],
            "end_date": values["end_date"],
            "location": values["location"] or "",
            "description": values["description"] or "",
        }
        if wanted["end_date"] < wanted["start_date"]:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        profile = None
        if values["participant"]:
            profile = find_entrepreneur(values["participant"], "participant")
            check_unique_in_file(
                context, "participant", (external_id, values["participant"]), row, "participant"
            )
        training, created = self._training(external_id, wanted, context)
        label = str(wanted["title"])
        # Remembered once the row went through (a refused row's savepoint takes its training back).
        context["trainings"].setdefault(external_id, (row, wanted, training))
        if profile is None:
            return RowOutcome(row=row, action="create" if created else "unchanged", label=label)
        status = values["participant_status"] or ParticipantStatus.ENROLLED
        participant = TrainingParticipant.objects.filter(training=training, profile=profile).first()
        action = "unchanged"
        if participant is None:
            participant = training_enroll(training=training, profile=profile)
            action = "create"
        if participant.status != status:
            training_participant_set_status(participant=participant, status=status)
            action = "update" if action == "unchanged" else action
        return RowOutcome(row=row, action="create" if created else action, label=f"{label} · {profile}")

    @staticmethod
    def _training(external_id: str, wanted: dict, context: dict) -> tuple[Training, bool]:
        """The training of this row: created at its first row, then the same for every row repeating it."""
        from imports.services import external_id_record, external_object_id

        seen = context["trainings"].get(external_id)
        if seen is not None:
            first_row, first_wanted, training = seen
            differs = _("Differs from row %(row)s for the same training.")
            check_same_as_first(wanted, first_wanted, TRAINING_FIELDS, first_row, differs)
            return training, False
        pk = external_object_id(TRAININGS, external_id)
        training = Training.objects.filter(pk=pk).first() if pk else None
        created = training is None
        if created:
            training = training_create(**wanted)
            external_id_record(TRAININGS, external_id, training.pk, context["batch"])
        elif any(getattr(training, name) != value for name, value in wanted.items()):
            raise ValidationError(
                {
                    "title": _(
                        "This training was imported before with other details: correct it on its page, "
                        "or give the same details as then."
                    )
                }
            )
        return training, created


register(TrainingsKind())
