from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from circles import selectors, services
from circles.filters import CircleFilter
from circles.forms import (
    CircleDissolveForm,
    CircleForm,
    CircleMergeForm,
    MemberAddForm,
    MemberLeaveForm,
    MemberMoveForm,
)
from circles.models import Circle, Membership
from microcredit.accounts.models import Role
from microcredit.accounts.selectors import own_profile_or_404
from microcredit.core.models import OrganizationSettings
from microcredit.core.panels import panels_for
from microcredit.core.permissions import Action, get_object_or_404_for
from microcredit.core.submissions import CreateOnceViewMixin
from microcredit.core.views_mixins import (
    AdvisorInitialMixin,
    RoleRequiredMixin,
    ScopedObjectMixin,
    ServiceFormMixin,
    StaffRequiredMixin,
    add_service_errors,
    report_outcome,
)


class CircleListView(StaffRequiredMixin, FilterView):
    """All circles, with filters (coordinators), or "my circles" (advisors: ``mine=True``)."""

    template_name = "circles/circle_list.html"
    filterset_class = CircleFilter
    paginate_by = 30
    mine = False

    def get_queryset(self):
        circles = selectors.circles_for(self.request.user).order_by("status", "name")
        if self.mine:
            circles = circles.filter(advisor=self.request.user)
        return circles

    def get_context_data(self, **kwargs):
        return super().get_context_data(mine=self.mine, settings=OrganizationSettings.load(), **kwargs)


class CircleCreateView(StaffRequiredMixin, AdvisorInitialMixin, CreateOnceViewMixin, FormView):
    template_name = "circles/circle_form.html"
    form_class = CircleForm

    def create(self, form):
        data = form.cleaned_data
        return services.circle_create(
            name=data["name"],
            advisor=data["advisor"],
            network=data["network"],
            meeting_place=data["meeting_place"],
            meeting_rhythm=data["meeting_rhythm"],
            characteristics=data["characteristics"],
            created_by=self.request.user,
        )

    def created_message(self, circle):
        return _("The circle %(name)s is created. Add its members.") % {"name": circle.phrase_name}

    def created_redirect(self, circle):
        return redirect("circles:circle_detail", pk=circle.pk)


class CircleUpdateView(StaffRequiredMixin, ScopedObjectMixin, SingleObjectMixin, ServiceFormMixin, FormView):
    model = Circle
    form_class = CircleForm
    template_name = "circles/circle_form.html"
    permission_action = Action.CHANGE
    context_object_name = "circle"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object() if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        data = form.cleaned_data
        services.circle_update(
            circle=self.object,
            changed_by=self.request.user,
            characteristics=data.pop("characteristics"),
            **data,
        )
        messages.success(self.request, _("The circle is saved."))
        return redirect("circles:circle_detail", pk=self.object.pk)


class CircleDetailView(ScopedObjectMixin, DetailView):
    """Staff see the whole circle; a member sees their circle as members do (names and businesses)."""

    model = Circle
    context_object_name = "circle"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("advisor", "network", "training", "merged_into")
            .prefetch_related(selectors.circle_characteristics())
        )

    def get_template_names(self):
        return [
            "circles/circle_detail.html" if self.request.user.is_staff_member else "circles/my_circle.html"
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.circle_detail(self.object, viewer=self.request.user))
        context["settings"] = OrganizationSettings.load()
        if self.request.user.is_staff_member:
            context["attendance_rate"] = selectors.attendance_rate(self.object)
            context["member_search"] = self.request.GET.get("member_search", "")[:100]
            context.setdefault("add_form", MemberAddForm(circle=self.object, search=context["member_search"]))
            context["merge_form"] = CircleMergeForm(circle=self.object)
            context["panels"] = panels_for("circle", user=self.request.user, circle=self.object)
        return context


class MyCircleView(RoleRequiredMixin, View):
    allowed_roles = (Role.ENTREPRENEUR,)

    def get(self, request):
        membership = selectors.current_membership(own_profile_or_404(request.user))
        if membership is None:
            return render(request, "circles/no_circle.html")
        return redirect("circles:circle_detail", pk=membership.circle_id)


class CircleActionView(StaffRequiredMixin, View):
    """Base for the POST actions on a circle: looks the circle up in the user's scope (404 otherwise)."""

    def get_circle(self) -> Circle:
        return get_object_or_404_for(self.request.user, Circle, Action.CHANGE, pk=self.kwargs["pk"])

    def back(self, circle: Circle):
        return redirect("circles:circle_detail", pk=circle.pk)


class CircleMemberAddView(CircleActionView):
    def post(self, request, pk):
        circle = self.get_circle()
        form = MemberAddForm(request.POST, circle=circle)
        if form.is_valid():
            try:
                membership = services.circle_member_add(
                    circle=circle,
                    profile=form.cleaned_data["profile"],
                    role=form.cleaned_data["role"],
                    added_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(person)s joined the circle.") % {"person": membership.profile})
                return self.back(circle)
        # The circle's page again, the form bound to what was typed and showing why it was refused.
        view = CircleDetailView()
        view.setup(request, pk=circle.pk)
        view.object = circle
        return view.render_to_response(view.get_context_data(object=circle, add_form=form))


class CircleActivateView(CircleActionView):
    def post(self, request, pk):
        circle = self.get_circle()
        report_outcome(
            request,
            lambda: services.circle_activate(circle=circle, activated_by=request.user),
            _("The circle %(name)s has started.") % {"name": circle.phrase_name},
        )
        return self.back(circle)


class CircleFormActionView(StaffRequiredMixin, FormView):
    """A confirmation page with a form, then a service call (merge, dissolve, member leave or move)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.target = self.get_target()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def form_valid(self, form):
        try:
            circle, message = self.perform(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect("circles:circle_detail", pk=circle.pk)


class CircleMergeView(CircleFormActionView):
    template_name = "circles/circle_merge.html"
    form_class = CircleMergeForm

    def get_target(self):
        return get_object_or_404_for(self.request.user, Circle, Action.CHANGE, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "circle": self.target}

    def perform(self, data):
        into = services.circle_merge(
            absorbed=self.target, into=data["into"], merged_by=self.request.user, note=data["note"]
        )
        return into, _("%(absorbed)s is merged into %(into)s.") % {
            "absorbed": self.target.name,
            "into": into.name,
        }


class CircleDissolveView(CircleFormActionView):
    template_name = "circles/circle_dissolve.html"
    form_class = CircleDissolveForm

    def get_target(self):
        return get_object_or_404_for(self.request.user, Circle, Action.CHANGE, pk=self.kwargs["pk"])

    def perform(self, data):
        circle = services.circle_dissolve(
            circle=self.target, dissolved_by=self.request.user, note=data["note"]
        )
        return circle, _("The circle %(name)s is dissolved.") % {"name": circle.phrase_name}


def _membership_for(user, pk) -> Membership:
    membership = Membership.objects.select_related("circle", "profile__user").filter(pk=pk).first()
    if membership is None:
        raise Http404
    get_object_or_404_for(user, Circle, Action.CHANGE, pk=membership.circle_id)
    return membership


class MembershipLeaveView(CircleFormActionView):
    template_name = "circles/membership_leave.html"
    form_class = MemberLeaveForm

    def get_target(self):
        return _membership_for(self.request.user, self.kwargs["pk"])

    def perform(self, data):
        services.circle_member_remove(
            membership=self.target, removed_by=self.request.user, reason=data["reason"], note=data["note"]
        )
        return self.target.circle, _("%(person)s left the circle.") % {"person": self.target.profile}


class MembershipMoveView(CircleFormActionView):
    template_name = "circles/membership_move.html"
    form_class = MemberMoveForm

    def get_target(self):
        return _membership_for(self.request.user, self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "exclude_circle": self.target.circle}

    def perform(self, data):
        membership = services.circle_member_move(
            membership=self.target, to_circle=data["to_circle"], moved_by=self.request.user, note=data["note"]
        )
        return membership.circle, _("%(person)s moved to %(name)s.") % {
            "person": membership.profile,
            "name": membership.circle.phrase_name,
        }
