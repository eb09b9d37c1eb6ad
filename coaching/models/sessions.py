"""Individual follow-up sessions between an advisor and an entrepreneur."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coaching.models.choices import SessionMode, Topic
from coaching.models.fields import author_field
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.dates import BoundedDateField, DateKind

MAX_SESSION_MINUTES = 600


class CoachingSession(models.Model):
    """One follow-up session. ``staff_notes`` are for the organization's staff only: they never reach the
    entrepreneur or the board (pages, timeline, exports); ``shared_summary`` and ``next_steps`` do."""

    SHARED_FIELDS = (
        "held_on",
        "duration_minutes",
        "mode",
        "shared_summary",
        "next_steps",
        "next_follow_up_on",
    )

    profile = models.ForeignKey(
        EntrepreneurProfile,
        on_delete=models.CASCADE,
        related_name="coaching_sessions",
        verbose_name=_("entrepreneur"),
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coaching_sessions_held",
        verbose_name=_("held by"),
    )
    held_on = BoundedDateField(_("date"), date_kind=DateKind.PAST)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_MINUTES)]
    )
    mode = models.CharField(_("mode"), max_length=20, choices=SessionMode.choices)
    staff_notes = models.TextField(
        _("staff-only notes"),
        blank=True,
        help_text=_("Seen by the organization's staff only: never by the entrepreneur or the board."),
    )
    shared_summary = models.TextField(
        _("summary shared with the entrepreneur"),
        blank=True,
        help_text=_("The entrepreneur reads this summary in their space."),
    )
    next_steps = models.TextField(
        _("agreed next steps"), blank=True, help_text=_("The entrepreneur reads them too.")
    )
    next_follow_up_on = BoundedDateField(_("next follow-up"), null=True, blank=True, date_kind=DateKind.ANY)
    created_by = author_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["profile", "-held_on"], name="coaching_session_profile_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="coaching_session_duration_range",
                violation_error_message=_("A session lasts between 1 and 600 minutes."),
            ),
            models.CheckConstraint(
                condition=Q(mode__in=SessionMode.values), name="coaching_session_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(next_follow_up_on__isnull=True) | Q(next_follow_up_on__gte=F("held_on")),
                name="coaching_session_follow_up_after_session",
                violation_error_message=_("The next follow-up cannot be before the session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.held_on:%Y-%m-%d}"

    @property
    def topic_values(self) -> list[str]:
        """The topics' codes, from prefetched rows when there are (``prefetch_related("topics")``)."""
        return sorted(row.topic for row in self.topics.all())

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels[value]) for value in self.topic_values]


class SessionTopic(models.Model):
    """What a session was about: one row per topic."""

    session = models.ForeignKey(
        CoachingSession, on_delete=models.CASCADE, related_name="topics", verbose_name=_("session")
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)

    class Meta:
        verbose_name = _("session topic")
        verbose_name_plural = _("session topics")
        ordering = ["topic"]
        constraints = [
            models.UniqueConstraint(fields=["session", "topic"], name="coaching_topic_once_per_session"),
            models.CheckConstraint(condition=Q(topic__in=Topic.values), name="coaching_topic_valid"),
        ]

    def __str__(self) -> str:
        return self.get_topic_display()
