"""Base classes for views: sign-in, role gates and object scoping all answer 404 to outsiders."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404

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


class ScopedObjectMixin(LoginRequiredMixin):
    """For single-object views: the object is looked up inside the user's scope (see permissions.py)."""

    permission_action: Action = Action.VIEW

    def get_queryset(self):
        return scope(self.request.user, super().get_queryset(), self.permission_action)


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form, next to the field it concerns when there is one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def messages_from(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]
