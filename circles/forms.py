from django import forms
from django.utils.translation import gettext_lazy as _

from circles import selectors
from circles.models import (
    AttendanceStatus,
    Circle,
    CircleCharacteristic,
    CircleNetwork,
    LeaveReason,
    Meeting,
    MemberRole,
    Training,
    TrainingParticipant,
)
from microcredit.accounts.forms import DateInput, PersonChoiceField
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.dates import DateFormField
from microcredit.core.text_fields import LimitedTextField

# What one member's follow-up and the meeting's notes may hold, stated next to each box.
FOLLOW_UP_LENGTH = 2000
NOTE_LENGTH = 5000


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _advisors():
    return User.objects.filter(role=Role.ADVISOR, is_active=True)


class CircleForm(forms.ModelForm):
    class Meta:
        model = Circle
        fields = ("name", "advisor", "network", "meeting_place", "meeting_rhythm", "characteristics")
        widgets = {"characteristics": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = _advisors()
        self.fields["characteristics"].queryset = selectors.characteristics_shown()


class MemberAddForm(forms.Form):
    profile = PersonChoiceField(
        label=_("Entrepreneur"),
        queryset=EntrepreneurProfile.objects.none(),
        help_text=_("Only people who are not an active member of another circle are listed."),
    )
    role = forms.ChoiceField(
        label=_("Role in the circle"), choices=MemberRole.choices, initial=MemberRole.MEMBER
    )

    def __init__(self, *args, circle: Circle | None = None, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["profile"]
        # Anyone available may be admitted; the list shows a bounded few (``entrepreneurs_to_offer``).
        field.queryset = selectors.entrepreneurs_available_for_circles()
        if circle is not None:
            field.widget.choices = [("", field.empty_label)] + [
                (profile.pk, profile.choice_label)
                for profile in selectors.entrepreneurs_to_offer(circle, search)
            ]


class MemberLeaveForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (LeaveReason.LEFT, LeaveReason.LEFT.label),
            (LeaveReason.REMOVED, LeaveReason.REMOVED.label),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=250, required=False)


class MemberMoveForm(forms.Form):
    to_circle = forms.ModelChoiceField(
        label=_("Move to the circle"), queryset=Circle.objects.none(), empty_label=_("— choose —")
    )
    note = forms.CharField(label=_("Note"), max_length=250, required=False)

    def __init__(self, *args, exclude_circle: Circle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_circle"].queryset = Circle.objects.filter(status__in=["forming", "active"]).exclude(
            pk=exclude_circle.pk
        )


class CircleMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Merge into the circle"),
        queryset=Circle.objects.none(),
        empty_label=_("— choose —"),
        help_text=_("The members of this circle join the chosen circle; this circle keeps its history."),
    )
    note = forms.CharField(label=_("Why"), max_length=250, required=False)

    def __init__(self, *args, circle: Circle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Circle.objects.filter(status__in=["forming", "active"]).exclude(
            pk=circle.pk
        )


class CircleDissolveForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=250)
    confirm = forms.BooleanField(label=_("I confirm: every member leaves and the circle closes."))


class MeetingPlanForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ("date", "start_time", "place", "agenda")
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}),
        }


class MeetingRecordForm(forms.Form):
    decisions = LimitedTextField(label=_("Decisions"), max_length=NOTE_LENGTH, rows=3)
    shared_notes = LimitedTextField(label=_("Notes shared with members"), max_length=NOTE_LENGTH, rows=3)
    advisor_notes = LimitedTextField(label=_("Advisor's notes (staff only)"), max_length=NOTE_LENGTH, rows=2)
    next_date = DateFormField(label=_("Next meeting: date"), widget=DateInput(), required=False)
    next_start_time = forms.TimeField(label=_("Next meeting: time"), widget=TimeInput(), required=False)
    next_place = forms.CharField(label=_("Next meeting: place"), max_length=200, required=False)


class MemberRecordForm(forms.Form):
    """One row of the meeting screen: a member's attendance and the follow-up of their business."""

    profile_id = forms.IntegerField(widget=forms.HiddenInput)
    # Starts empty: a forgotten row is refused, never recorded as present (issue #13, 6).
    attendance = forms.ChoiceField(
        label=_("Attendance"),
        choices=[("", _("— choose —")), *AttendanceStatus.choices],
        error_messages={"required": _("Choose this member's attendance.")},
    )
    progress = LimitedTextField(label=_("Progress"), max_length=FOLLOW_UP_LENGTH)
    difficulties = LimitedTextField(label=_("Difficulties"), max_length=FOLLOW_UP_LENGTH)
    help_offered = LimitedTextField(label=_("Help or contacts offered by peers"), max_length=FOLLOW_UP_LENGTH)


class BaseMemberRecordFormSet(forms.BaseFormSet):
    """One row per member of the circle, each member once: whatever the management form says, every row is
    validated (none may be left out as an empty "extra" form) and the rows must be exactly the members."""

    def __init__(self, *args, member_ids=(), **kwargs):
        self.member_ids = set(member_ids)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self):
        if any(self.errors):
            return
        sent = [form.cleaned_data.get("profile_id") for form in self.forms]
        if len(sent) != len(set(sent)) or set(sent) != self.member_ids:
            raise forms.ValidationError(
                _("The list of members has changed since the page was opened: reload it and record again."),
                code="members_changed",
            )


MemberRecordFormSet = forms.formset_factory(MemberRecordForm, formset=BaseMemberRecordFormSet, extra=0)


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ("title", "advisor", "start_date", "end_date", "location", "description")
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = _advisors()

    def clean(self):
        # Said at the end date, where it is fixed, rather than above the form (the model's constraint).
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned


class TrainingSessionForm(forms.Form):
    date = DateFormField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Time"), widget=TimeInput(), required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200)


class EnrollForm(forms.Form):
    profile = PersonChoiceField(label=_("Entrepreneur"), queryset=EntrepreneurProfile.objects.none())

    def __init__(self, *args, training: Training, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = (
            EntrepreneurProfile.objects.exclude(trainings__training=training)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )


class FormCircleForm(forms.Form):
    name = forms.CharField(label=_("Name of the new circle"), max_length=120)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants who completed the training"),
        queryset=TrainingParticipant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    advisor = forms.ModelChoiceField(
        label=_("Who will advise the circle"),
        queryset=User.objects.none(),
        empty_label=_("— choose —"),
        help_text=_("The management advisor who follows the circle and its members."),
    )
    network = forms.ModelChoiceField(
        label=_("Circle network"), queryset=CircleNetwork.objects.all(), required=False
    )
    meeting_place = forms.CharField(label=_("Usual meeting place"), max_length=200, required=False)
    characteristics = forms.ModelMultipleChoiceField(
        label=_("Characteristics"),
        queryset=CircleCharacteristic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, training: Training, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = User.objects.filter(role=Role.ADVISOR, is_active=True).order_by(
            "last_name", "first_name"
        )
        self.fields["advisor"].initial = training.advisor_id
        self.fields["characteristics"].queryset = selectors.characteristics_shown()
        self.fields["participants"].queryset = training.participants.filter(
            status="completed"
        ).select_related("profile__user")
        self.fields["participants"].label_from_instance = lambda p: p.profile.choice_label

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Circle.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("A circle already has this name."))
        return name
