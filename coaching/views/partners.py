"""The directory of partners: staff read it, coordinators keep it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coaching import services
from coaching.filters import PartnerFilter
from coaching.forms import PartnerContactFormSet, PartnerForm
from coaching.models import Partner
from coaching.models.choices import REFERRAL_CLOSED
from coaching.views.base import show_service_errors
from microcredit.core.permissions import Action, get_object_or_404_for, scope
from microcredit.core.submissions import OneTimeSubmissionViewMixin
from microcredit.core.views_mixins import CoordinatorRequiredMixin, ScopedObjectMixin, StaffRequiredMixin


def _with_counts(queryset):
    return queryset.annotate(
        referral_count=Count("referrals", distinct=True),
        open_referral_count=Count(
            "referrals", filter=~Q(referrals__status__in=REFERRAL_CLOSED), distinct=True
        ),
    )


class PartnerListView(StaffRequiredMixin, FilterView):
    template_name = "coaching/partner_list.html"
    filterset_class = PartnerFilter
    paginate_by = 25

    def get_queryset(self):
        return (
            _with_counts(scope(self.request.user, Partner.objects.all()))
            .prefetch_related("contacts")
            .order_by("name")
        )


class PartnerDetailView(StaffRequiredMixin, ScopedObjectMixin, DetailView):
    model = Partner
    template_name = "coaching/partner_detail.html"
    context_object_name = "partner"

    def get_queryset(self):
        return _with_counts(super().get_queryset()).prefetch_related("contacts")


class PartnerFormView(CoordinatorRequiredMixin, OneTimeSubmissionViewMixin, FormView):
    """Create (no ``pk``) or edit a partner with its contacts, in one page."""

    template_name = "coaching/partner_form.html"
    form_class = PartnerForm

    def dispatch(self, request, *args, **kwargs):
        self.partner = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.partner = get_object_or_404_for(request.user, Partner, Action.CHANGE, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.partner}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("contacts", self._formset())
        return super().get_context_data(partner=self.partner, **kwargs)

    def _formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return PartnerContactFormSet(data, instance=self.partner or Partner(), prefix="contacts")

    def post(self, request, *args, **kwargs):
        form, contacts = self.get_form(), self._formset()
        if not (form.is_valid() and contacts.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, contacts=contacts))
        try:

            def save():
                return services.partner_save(
                    partner=self.partner, fields=form.service_data(), contacts=contacts.contacts_data()
                )

            # A new partner is created once however often the form is sent; an edit may be saved again.
            partner, first = self.create_once(form, save) if self.partner is None else (save(), True)
        except ValidationError as error:
            show_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form, contacts=contacts))
        if first:
            messages.success(request, _("The partner %(name)s is saved.") % {"name": partner.name})
        return redirect("coaching:partner_detail", pk=partner.pk)
