"""Base classes for views: sign-in, role gates and object scoping all answer 404 to outsiders."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.views.generic.detail import SingleObjectMixin

from microcredit.accounts.models import Role
from microcredit.core.permissions import Action, has_role, scope


class RoleRequiredMixin(LoginRequiredMixin):
    """Signed-in people whose role is in ``allowed_roles``; anyone else is told the page does not exist."""

    allowed_roles: tuple[Role, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_role(request.user, *self.allowed_roles):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.COORDINATOR, Role.ADVISOR)


class CoordinatorRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.COORDINATOR,)


class AdvisorInitialMixin:
    """A form whose ``advisor`` is, by default, the advisor who opens it."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.user.role == Role.ADVISOR:
            initial["advisor"] = self.request.user
        return initial


class ScopedObjectMixin(LoginRequiredMixin):
    """For single-object views: the object is looked up inside the user's scope (see permissions.py)."""

    permission_action: Action = Action.VIEW

    def get_queryset(self):
        return scope(self.request.user, super().get_queryset(), self.permission_action)


class ObjectFormMixin(SingleObjectMixin):
    """A form about one object (with ``FormView``): the object is looked up, in the view's queryset, before
    the form is shown or read."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form, next to the field it concerns when there is one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """For a form view whose valid form calls a service: ``perform(form)`` calls it and returns the answer
    (a redirect, after its message). A refusal (ValidationError) is shown on the form, next to the field it
    concerns, and nothing typed is lost."""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            return self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)


def messages_from(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def report_outcome(request, call, success: str) -> None:
    """Call a service for a button (no form): its refusal is shown as messages, otherwise ``success``."""
    try:
        call()
    except ValidationError as error:
        for message in messages_from(error):
            messages.error(request, message)
    else:
        messages.success(request, success)
