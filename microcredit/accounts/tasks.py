"""Background work about people. Tasks take ids, never model instances."""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from microcredit.accounts.models import Invitation, InvitationStatus, User
from microcredit.core.emails import render_email
from microcredit.core.jobs import (
    SEND_ONCE_TASK,
    claim,
    deliver_with_retries,
    describe,
    finish,
    give_up,
    hand_back,
)

logger = logging.getLogger(__name__)


@shared_task(name="accounts.send_invitation", soft_time_limit=60, time_limit=90, **SEND_ONCE_TASK)
def send_invitation(self, user_id: int) -> bool | str:
    """Email a new person a link to choose their password, in their language. Sends at most once: True
    when this run sent it, False when it was sent already (or the person has no address or left); a
    failing mail server is retried with backoff, then ``"failed"``."""
    return deliver_with_retries(
        self,
        user_id,
        lambda: invitation_deliver(user_id=user_id),
        lambda error: give_up(Invitation, user_id, error=error),
    )


def invitation_deliver(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    # The row is the claim: of two runs (a retry racing a duplicate, two workers) only one gets it.
    if user is None or not claim(Invitation, Invitation.objects.get_or_create(user=user)[0].pk):
        logger.info("Invitation for user %s already sent or not applicable", user_id)
        return False
    try:
        _send_invitation_email(user)
    except Exception as error:
        # Release the claim so that the retry can send it.
        hand_back(Invitation, user_id, error=describe(error))
        raise
    finish(Invitation, user_id, InvitationStatus.SENT, sent_at=timezone.now())
    return True


def _password_link(user: User) -> str:
    """The one-time link to choose a password (invitations and resets)."""
    return settings.SITE_URL + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _send_invitation_email(user: User) -> None:
    context = {"person": user, "link": _password_link(user), "username": user.username}
    render_email("invitation", context, to=[user.email], language=user.language).send()


@shared_task(
    name="accounts.send_password_reset",
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=3,
)
def send_password_reset(email: str) -> int:
    """Look the address up and email each active account that has it (with a usable password) a reset
    link, in the person's language. The web request only queued this, whether or not anyone has the address.
    Returns how many emails went out."""
    from microcredit.accounts.forms import PersonalPasswordResetForm

    sent = 0
    for user in PersonalPasswordResetForm().get_users(email):
        render_email(
            "password_reset",
            {"person": user, "link": _password_link(user), "username": user.username},
            to=[user.email],
            language=user.language,
        ).send()
        sent += 1
    return sent
