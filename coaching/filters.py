import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coaching.models import Partner, PartnerKind, Referral, ReferralStatus
from coaching.models.choices import REFERRAL_CLOSED
from microcredit.accounts.models import Role, User


def _search(queryset, fields, value):
    terms = Q()
    for word in value.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        terms &= any_field
    return queryset.filter(terms)


class ReferralFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReferralStatus.choices)
    open = django_filters.ChoiceFilter(
        label=_("Open or closed"),
        choices=[("true", _("Open")), ("false", _("Closed"))],
        empty_label=_("All"),
        method="still_open",
    )
    partner__kind = django_filters.ChoiceFilter(label=_("Kind of partner"), choices=PartnerKind.choices)
    partner = django_filters.ModelChoiceFilter(label=_("Partner"), queryset=Partner.objects.order_by("name"))
    advisor = django_filters.ModelChoiceFilter(
        label=_("Advisor"),
        field_name="profile__advisor",
        queryset=User.objects.filter(role=Role.ADVISOR, is_active=True).order_by("first_name", "last_name"),
    )

    class Meta:
        model = Referral
        fields = ("q", "status", "open", "partner__kind", "partner", "advisor")

    def search(self, queryset, name, value):
        return _search(
            queryset,
            ("profile__user__first_name", "profile__user__last_name", "partner__name", "reason"),
            value,
        )

    def still_open(self, queryset, name, value):
        if value == "true":
            return queryset.exclude(status__in=REFERRAL_CLOSED)
        return queryset.filter(status__in=REFERRAL_CLOSED) if value == "false" else queryset


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PartnerKind.choices)
    is_active = django_filters.ChoiceFilter(
        label=_("Active or not"),
        choices=[("true", _("Active")), ("false", _("Inactive"))],
        empty_label=_("All"),
        method="active_or_not",
    )

    class Meta:
        model = Partner
        fields = ("q", "kind", "is_active")

    def search(self, queryset, name, value):
        return _search(queryset, ("name", "services_fr", "services_en", "contacts__name"), value).distinct()

    def active_or_not(self, queryset, name, value):
        return queryset.filter(is_active=value == "true") if value in ("true", "false") else queryset
