"""Borrowing circles ("cercles d'emprunt"), the trainings they come out of, and their meetings.

Trainings live here rather than in coaching: in this model a training's purpose is to form circles
(its completed participants become a circle in one step), and its attendance feeds that decision.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.bilingual import FrenchInPlainColumn
from microcredit.core.dates import BoundedDateField, DateKind


class CircleNetwork(models.Model):
    """A network of circles ("réseau de cercles"): circles of one area that meet and share contacts."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("circle network")
        verbose_name_plural = _("circle networks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CharacteristicKind(models.TextChoices):
    SECTOR = "sector", _("Business sector")
    GENDER = "gender", _("Gender")
    AFFINITY = "affinity", _("Affinity")
    SAVINGS = "savings", _("Savings")
    OTHER = "other", _("Other")


class CircleCharacteristic(FrenchInPlainColumn, models.Model):
    """A trait a circle takes on (women's circle, food sector, savings group...); coordinators add more."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CharacteristicKind.choices, default=CharacteristicKind.OTHER
    )

    class Meta:
        verbose_name = _("circle characteristic")
        verbose_name_plural = _("circle characteristics")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Training(models.Model):
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    advisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="trainings",
        verbose_name=_("advisor"),
        limit_choices_to={"role": "advisor"},
    )
    start_date = BoundedDateField(_("start date"), date_kind=DateKind.ANY)
    end_date = BoundedDateField(_("end date"), date_kind=DateKind.ANY)
    location = models.CharField(_("location"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="circles_training_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("training")
    )
    date = BoundedDateField(_("date"), date_kind=DateKind.ANY)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["date", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} · {self.topic}"


class ParticipantStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


class TrainingParticipant(models.Model):
    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="participants", verbose_name=_("training")
    )
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        related_name="trainings",
        verbose_name=_("entrepreneur"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ParticipantStatus.choices, default=ParticipantStatus.ENROLLED
    )

    class Meta:
        verbose_name = _("training participant")
        verbose_name_plural = _("training participants")
        ordering = ["profile__user__last_name", "profile__user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "profile"],
                name="circles_participant_once_per_training",
                violation_error_message=_("This person is already registered for this training."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.training}"


class SessionAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("session")
    )
    participant = models.ForeignKey(
        TrainingParticipant,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("participant"),
    )
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="circles_session_attendance_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.session}"


class CircleStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged")
    DISSOLVED = "dissolved", _("Dissolved")


class MeetingRhythm(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


def name_after_word_circle(name: str) -> str:
    """A circle's name as written after the word "circle" in a sentence ("le cercle %(name)s",
    "the circle %(name)s"): a name that already starts with the word ("Cercle Longueuil", "Circle of
    Hope") loses it, so no page writes "le cercle Cercle Longueuil". The one home of this rule."""
    first, _space, rest = name.strip().partition(" ")
    if rest and first.casefold() in ("cercle", "circle"):
        return rest.strip()
    return name


class Circle(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    advisor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="circles",
        verbose_name=_("advisor"),
        limit_choices_to={"role": "advisor"},
    )
    network = models.ForeignKey(
        CircleNetwork,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="circles",
        verbose_name=_("circle network"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CircleStatus.choices, default=CircleStatus.FORMING
    )
    characteristics = models.ManyToManyField(
        CircleCharacteristic, blank=True, related_name="circles", verbose_name=_("characteristics")
    )
    meeting_place = models.CharField(_("usual meeting place"), max_length=200, blank=True)
    meeting_rhythm = models.CharField(
        _("meeting rhythm"), max_length=20, choices=MeetingRhythm.choices, default=MeetingRhythm.MONTHLY
    )
    training = models.ForeignKey(
        Training,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="circles",
        verbose_name=_("training it came from"),
    )
    created_on = BoundedDateField(_("creation date"), default=datetime.date.today, date_kind=DateKind.PAST)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed_circles",
        verbose_name=_("merged into"),
    )
    closed_on = BoundedDateField(_("closing date"), null=True, blank=True, date_kind=DateKind.PAST)

    class Meta:
        verbose_name = _("borrowing circle")
        verbose_name_plural = _("borrowing circles")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CircleStatus.values), name="circles_circle_status_valid"
            ),
            # A merged circle always points to its successor, and only a merged circle does.
            models.CheckConstraint(
                condition=(Q(status=CircleStatus.MERGED) & Q(merged_into__isnull=False))
                | (~Q(status=CircleStatus.MERGED) & Q(merged_into__isnull=True)),
                name="circles_circle_merged_has_successor",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="circles_circle_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_name(self) -> str:
        """The name to write after the word "circle": see ``name_after_word_circle``."""
        return name_after_word_circle(self.name)

    @property
    def is_open(self) -> bool:
        """Forming or active: it can still take members and meet."""
        return self.status in (CircleStatus.FORMING, CircleStatus.ACTIVE)


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")
    TREASURER = "treasurer", _("Treasurer")
    SECRETARY = "secretary", _("Secretary")


class LeaveReason(models.TextChoices):
    LEFT = "left", _("Left the circle")
    MOVED = "moved", _("Moved to another circle")
    MERGED = "merged", _("Circle merged")
    DISSOLVED = "dissolved", _("Circle dissolved")
    REMOVED = "removed", _("Removed by the circle")


class Membership(models.Model):
    """One stay of a person in a circle. ``left_on`` empty means active. History is never deleted."""

    circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("circle")
    )
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        related_name="circle_memberships",
        verbose_name=_("member"),
    )
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = BoundedDateField(_("joined"), default=datetime.date.today, date_kind=DateKind.PAST)
    left_on = BoundedDateField(_("left"), null=True, blank=True, date_kind=DateKind.PAST)
    leave_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeaveReason.choices, blank=True
    )
    leave_note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["left_on", "profile__user__last_name", "profile__user__first_name"]
        constraints = [
            # A person is an active member of at most one circle at a time.
            models.UniqueConstraint(
                fields=["profile"],
                condition=Q(left_on__isnull=True),
                name="circles_one_active_circle_per_person",
                violation_error_message=_("This person is already an active member of a circle."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, leave_reason="")
                | (Q(left_on__isnull=False) & ~Q(leave_reason="") & Q(left_on__gte=models.F("joined_on"))),
                name="circles_membership_leave_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.circle}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class CircleEventKind(models.TextChoices):
    CREATED = "created", _("Circle created")
    ACTIVATED = "activated", _("Circle started")
    MEMBER_JOINED = "member_joined", _("Member joined")
    MEMBER_LEFT = "member_left", _("Member left")
    BELOW_MINIMUM = "below_minimum", _("Below the minimum number of members")
    BACK_TO_MINIMUM = "back_to_minimum", _("Back to the minimum number of members")
    ABSORBED = "absorbed", _("Merged into another circle")
    MERGED_IN = "merged_in", _("Another circle merged into this one")
    DISSOLVED = "dissolved", _("Circle dissolved")


class CircleEvent(models.Model):
    """The circle's history: one row per change, with who and why."""

    circle = models.ForeignKey(
        Circle, on_delete=models.CASCADE, related_name="events", verbose_name=_("circle")
    )
    kind = models.CharField(_("event"), max_length=20, choices=CircleEventKind.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member"),
    )
    other_circle = models.ForeignKey(
        Circle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other circle"),
    )
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("circle event")
        verbose_name_plural = _("circle history")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.circle} · {self.get_kind_display()}"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    circle = models.ForeignKey(
        Circle, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("circle")
    )
    date = BoundedDateField(_("date"), date_kind=DateKind.ANY)
    start_time = models.TimeField(_("time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    decisions = models.TextField(_("decisions"), blank=True)
    shared_notes = models.TextField(
        _("notes shared with members"), blank=True, help_text=_("Members of the circle can read these notes.")
    )
    advisor_notes = models.TextField(
        _("advisor's notes"), blank=True, help_text=_("Staff only: never shown to the members.")
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("circle meeting")
        verbose_name_plural = _("circle meetings")
        ordering = ["-date", "-start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="circles_meeting_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.circle} · {self.date:%Y-%m-%d}"

    @property
    def is_recordable(self) -> bool:
        """A meeting is recorded on or after its day, never before, and never once cancelled."""
        return self.status != MeetingStatus.CANCELLED and self.date <= timezone.localdate()

    @property
    def starts_at(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.date, self.start_time or datetime.time(18, 0))
        )


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        related_name="meeting_attendance",
        verbose_name=_("member"),
    )
    status = models.CharField(_("attendance"), max_length=20, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("meeting attendance")
        verbose_name_plural = _("meeting attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "profile"], name="circles_meeting_attendance_once"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="circles_attendance_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.meeting}"


class BusinessFollowUp(models.Model):
    """At each meeting, the circle's collective follow-up of one member's business."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("meeting")
    )
    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.PROTECT,
        related_name="business_follow_ups",
        verbose_name=_("member"),
    )
    progress = models.TextField(_("progress"), blank=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    help_offered = models.TextField(_("help or contacts offered by peers"), blank=True)

    class Meta:
        verbose_name = _("business follow-up")
        verbose_name_plural = _("business follow-ups")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "profile"], name="circles_follow_up_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.meeting}"


class CalendarFeed(models.Model):
    """A staff member's private calendar address: a random token (never the user id), which the person can
    replace (the old address stops working at once) or switch off, from the upcoming meetings page."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("person")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar address")
        verbose_name_plural = _("calendar addresses")

    def __str__(self) -> str:
        return str(self.user)
