from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.consents import TEXTS
from microcredit.accounts.models import ConsentPurpose, Demographics, EntrepreneurProfile, Role, User

USER_FIELDS = ("first_name", "last_name", "email", "phone", "language")


def _label(model, field_name: str):
    """The model field's own (translated) name, capitalized as Django does for model forms."""
    return capfirst(model._meta.get_field(field_name).verbose_name)


class SearchableSelect(forms.Select):
    """A select that, with JavaScript, gets a box above it to filter its options as one types (by name,
    business or number; static/js/forms.js). Without JavaScript it is the plain select, and the box stays
    hidden."""

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        box = format_html(
            '<input type="search" class="form-control form-control-sm mb-1" data-filter-select="{}" '
            'placeholder="{}" aria-label="{}" aria-controls="{}" hidden>',
            select_id,
            gettext("Filter: name, business or number"),
            gettext("Filter the list"),
            select_id,
        )
        return box + select


class _ProfileChoices(forms.ModelChoiceField):
    """Entrepreneurs in a list, each labelled by name, business and file number, so namesakes differ (their
    users read with them)."""

    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else queryset.select_related("user"))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj: EntrepreneurProfile) -> str:
        return obj.choice_label


class PersonChoiceField(_ProfileChoices):
    """An entrepreneur chosen from a list: name, business and file number, so namesakes differ."""

    widget = SearchableSelect


class PeopleChoiceField(_ProfileChoices, forms.ModelMultipleChoiceField):
    """Several entrepreneurs ticked in a list, each told apart as in ``PersonChoiceField``."""

    widget = forms.CheckboxSelectMultiple


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class _ContactForm(forms.ModelForm):
    """An entrepreneur's form with the person's phone and language (kept on their user)."""

    phone = forms.CharField(label=_label(User, "phone"), max_length=30, required=False)
    language = forms.ChoiceField(
        label=_label(User, "language"), choices=User._meta.get_field("language").choices
    )


class EntrepreneurForm(_ContactForm):
    """An advisor registers or edits an entrepreneur: the person and their business in one form."""

    first_name = forms.CharField(label=_label(User, "first_name"), max_length=150)
    last_name = forms.CharField(label=_label(User, "last_name"), max_length=150)
    email = forms.EmailField(
        label=_label(User, "email"),
        required=False,
        help_text=_("Optional. Without one, notices go to the advisor, who passes them on."),
    )

    class Meta:
        model = EntrepreneurProfile
        fields = (
            "advisor",
            "intake_date",
            "address",
            "city",
            "postal_code",
            "business_name",
            "business_sector",
            "business_stage",
            "business_description",
        )
        widgets = {"intake_date": DateInput(), "business_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = User.objects.filter(role=Role.ADVISOR, is_active=True)
        self.order_fields(USER_FIELDS)
        if self.instance.pk:
            for name in USER_FIELDS:
                self.initial.setdefault(name, getattr(self.instance.user, name))

    def user_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in USER_FIELDS}

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MyContactForm(_ContactForm):
    """What entrepreneurs keep up to date themselves."""

    class Meta:
        model = EntrepreneurProfile
        fields = (
            "address",
            "city",
            "postal_code",
            "business_name",
            "business_description",
            "share_contact_with_circle",
        )
        widgets = {"business_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(("phone", "language"))
        self.initial.setdefault("phone", self.instance.user.phone)
        self.initial.setdefault("language", self.instance.user.language)


YES_NO_UNSAID = [("", _("Prefer not to say")), ("true", _("Yes")), ("false", _("No"))]


class DemographicsForm(forms.ModelForm):
    """Optional questions behind a separate consent box that is never ticked in advance."""

    consent = forms.BooleanField(
        label=TEXTS[ConsentPurpose.DEMOGRAPHICS],
        required=False,
        initial=False,
    )

    class Meta:
        model = Demographics
        fields = Demographics.ANSWER_FIELDS
        widgets = {
            "immigrant": forms.Select(choices=YES_NO_UNSAID),
            "anglophone": forms.Select(choices=YES_NO_UNSAID),
            "disability": forms.Select(choices=YES_NO_UNSAID),
        }
        labels = {
            "immigrant": _("Did you immigrate to Canada?"),
            "anglophone": _("Is English your first official language?"),
            "disability": _("Do you live with a disability?"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["consent"] = False  # never pre-ticked, even when consent already stands
        for name in ("immigrant", "anglophone", "disability"):
            self.fields[name] = forms.NullBooleanField(
                label=self.fields[name].label,
                required=False,
                widget=forms.Select(choices=YES_NO_UNSAID),
            )
        self.order_fields(("consent",))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("consent"):
            raise forms.ValidationError(
                _("Nothing was recorded: tick the consent box to record these answers."), code="no_consent"
            )
        return cleaned

    def answers(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in Demographics.ANSWER_FIELDS}


class PersonalPasswordResetForm(PasswordResetForm):
    """The form only checks the address typed; ``accounts.services.password_reset_request`` counts the
    request and queues ``accounts.send_password_reset``, which looks the address up and sends the email in
    the person's own language (their profile's, not the browser's) through ``render_email``."""
