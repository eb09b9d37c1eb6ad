import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import BusinessSector, BusinessStage, EntrepreneurProfile, Role, User


class EntrepreneurFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    advisor = django_filters.ModelChoiceFilter(
        label=_("Advisor"), queryset=User.objects.filter(role=Role.ADVISOR, is_active=True)
    )
    business_stage = django_filters.ChoiceFilter(label=_("Business stage"), choices=BusinessStage.choices)
    business_sector = django_filters.ChoiceFilter(label=_("Business sector"), choices=BusinessSector.choices)
    no_email = django_filters.ChoiceFilter(
        label=_("Email address"),
        method="without_email",
        choices=[("true", _("Without email")), ("false", _("With email"))],
        empty_label=_("All"),
    )

    class Meta:
        model = EntrepreneurProfile
        fields = ("q", "advisor", "business_stage", "business_sector")

    def search(self, queryset, name, value):
        terms = Q()
        for word in value.split():
            terms &= (
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(business_name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(user__phone__icontains=word)
            )
        return queryset.filter(terms)

    def without_email(self, queryset, name, value):
        if value == "true":
            return queryset.filter(user__email="")
        if value == "false":
            return queryset.exclude(user__email="")
        return queryset
