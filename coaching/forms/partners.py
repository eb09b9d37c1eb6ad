from django import forms
from django.forms import inlineformset_factory
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coaching.models import Partner, PartnerContact
from coaching.services.partners import CONTACT_FIELDS, PARTNER_FIELDS
from microcredit.core.text_fields import LimitedTextField

SERVICES_MAX_LENGTH = 2000  # the services offered, in each language


def _label(name: str) -> str:
    return capfirst(Partner._meta.get_field(name).verbose_name)


class PartnerForm(forms.ModelForm):
    """The services offered in French and in English (empty: the French is shown)."""

    services_fr = LimitedTextField(
        label=lazy(_label, str)("services_fr"), max_length=SERVICES_MAX_LENGTH, rows=4
    )
    services_en = LimitedTextField(
        label=lazy(_label, str)("services_en"), max_length=SERVICES_MAX_LENGTH, rows=4
    )
    website = forms.URLField(
        label=capfirst(Partner._meta.get_field("website").verbose_name), required=False, assume_scheme="https"
    )

    class Meta:
        model = Partner
        fields = PARTNER_FIELDS

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PartnerContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = CONTACT_FIELDS


class BasePartnerContactFormSet(forms.BaseInlineFormSet):
    def contacts_data(self) -> list[dict]:
        """The whole list of contacts to keep, for ``services.partner_save``."""
        return [
            {"id": form.instance.pk, **{name: form.cleaned_data.get(name, "") for name in CONTACT_FIELDS}}
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not (self.can_delete and self._should_delete_form(form))
        ]


PartnerContactFormSet = inlineformset_factory(
    Partner,
    PartnerContact,
    form=PartnerContactForm,
    formset=BasePartnerContactFormSet,
    extra=2,
    can_delete=True,
    labels={"title": _("Role")},
)
