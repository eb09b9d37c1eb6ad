"""Create forms sent once (issue #13, 7), the way the payment form always was.

Three pieces, used together by every create form (coaching sessions, milestones, referrals, financing,
meetings, loan requests, entrepreneurs, circles, trainings, partners):

- ``OneTimeKeyField`` (``OneTimeKeyFormMixin`` on a form class, or added by the view mixin below) is a
  hidden ``submission_key``, a new random one each time the empty form is shown; a refused form shown again
  keeps the key it was sent with.
- ``submit_once(key=..., user=..., create=...)`` (the service helper) runs ``create`` only the first time a
  key is seen, in the caller's transaction: the key's row is inserted first, so a concurrent duplicate waits
  on the unique key and then finds it; a refused ``create`` (ValidationError) rolls the key back with it, so
  the corrected form can be sent again with the same key.
- ``OneTimeSubmissionViewMixin.create_once(form, create)`` for the views: the first time it returns the new
  object; for a replayed key the first object, with a message saying the form had already been sent (the
  view then shows that first result). Once the first sending has answered, its page is remembered
  (``Submission.result_url``), and sending the form again leads straight there, before any validation.
  ``CreateOnceViewMixin`` is a create view's whole flow built on it (the service call, its message once,
  the redirect).

The payment form uses the same key field; payments keep their own key column (``Payment.submission_key``),
checked under the loan's row lock."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microcredit.core.models import Submission
from microcredit.core.views_mixins import ServiceFormMixin

T = TypeVar("T", bound=models.Model)


class OneTimeKeyField(forms.UUIDField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault("label", gettext_lazy("One-time form key"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": gettext_lazy("This form has expired: open it again from its page."),
                "invalid": gettext_lazy("This form has expired: open it again from its page."),
            },
        )
        super().__init__(**kwargs)


class OneTimeKeyFormMixin(forms.Form):
    submission_key = OneTimeKeyField()


@transaction.atomic
def submit_once(*, key: uuid.UUID, user, create: Callable[[], T]) -> tuple[T, bool]:
    """``(object, True)`` when ``create`` ran now; ``(the first object, False)`` for a key already used."""
    try:
        with transaction.atomic():
            Submission.objects.create(key=key, user=user)
    except IntegrityError:
        # Sent before (or at the same moment: the insert waited for the other transaction to commit).
        first = Submission.objects.select_related("content_type").get(key=key)
        found = None
        if first.user_id == user.pk and first.content_type is not None:
            found = first.content_type.model_class()._default_manager.filter(pk=first.object_id).first()
        if found is None:
            raise ValidationError(
                _("This form was already sent. Open it again from its page to record something new."),
                code="replayed",
            ) from None
        return found, False
    created = create()
    Submission.objects.filter(key=key).update(
        content_type=ContentType.objects.get_for_model(created), object_id=created.pk
    )
    return created, True


def _as_key(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class OneTimeSubmissionViewMixin:
    """For create views: their form gets the one-time key (unless its class already has it)."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # Not required here: a form sent without any key (a page opened before the key existed, a script)
        # is recorded as before, unprotected; a key that is not one is refused.
        form.fields.setdefault("submission_key", OneTimeKeyField(required=False))
        return form

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        # A form sent again after it was recorded goes straight to the page its first sending led to, before
        # any validation (whose answer may have changed: the circle's name is now taken, by itself).
        key = _as_key(request.POST.get("submission_key"))
        first = (
            Submission.objects.filter(key=key, user=request.user).exclude(result_url="").first()
            if key
            else None
        )
        if first is not None:
            messages.info(request, _("This form had already been sent: here is what it recorded, only once."))
            return HttpResponseRedirect(first.result_url)
        response = super().dispatch(request, *args, **kwargs)
        if key and isinstance(response, HttpResponseRedirect):
            Submission.objects.filter(key=key, user=request.user, result_url="").update(
                result_url=response["Location"][:500]
            )
        return response

    def create_once(self, form, create: Callable[[], models.Model]):
        key = form.cleaned_data.get("submission_key")
        if key is None:
            return create(), True
        created, first = submit_once(key=key, user=self.request.user, create=create)
        if not first:
            messages.info(
                self.request, _("This form had already been sent: here is what it recorded, only once.")
            )
        return created, first


def without_key(cleaned_data: dict) -> dict:
    """What the form's fields hold, for the service, without the one-time key."""
    return {name: value for name, value in cleaned_data.items() if name != "submission_key"}


class CreateOnceViewMixin(ServiceFormMixin, OneTimeSubmissionViewMixin):
    """A create view sent once: ``create(form)`` calls the service, only the first time the form's key is
    seen; that first time ``created_message(created)`` is shown; then ``created_redirect(created)``, a
    replayed form too. A refusal is shown on the form."""

    def create(self, form) -> models.Model:
        raise NotImplementedError

    def created_message(self, created) -> str:
        raise NotImplementedError

    def created_redirect(self, created):
        raise NotImplementedError

    def perform(self, form):
        created, first = self.create_once(form, lambda: self.create(form))
        if first:
            messages.success(self.request, self.created_message(created))
        return self.created_redirect(created)
