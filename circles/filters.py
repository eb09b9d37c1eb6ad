import django_filters
from django.utils.translation import gettext_lazy as _

from circles.models import Circle, CircleNetwork, CircleStatus
from circles.selectors import characteristics_shown
from microcredit.accounts.models import Role, User


class CircleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CircleStatus.choices)
    advisor = django_filters.ModelChoiceFilter(
        label=_("Advisor"), queryset=User.objects.filter(role=Role.ADVISOR, is_active=True)
    )
    network = django_filters.ModelChoiceFilter(label=_("Network"), queryset=CircleNetwork.objects.all())
    characteristic = django_filters.ModelChoiceFilter(
        label=_("Characteristic"),
        field_name="characteristics",
        queryset=lambda request: characteristics_shown(),
    )

    class Meta:
        model = Circle
        fields = ("q", "status", "advisor", "network", "characteristic")
