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

from microcredit.accounts.models import User
from microcredit.core.emails import render_email

logger = logging.getLogger(__name__)


@shared_task(
    name="accounts.send_invitation",
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_invitation(self, user_id: int) -> bool:
    """Email a new person a link to choose their password, in their language. Sends at most once."""
    # Claim first: of two runs (a retry racing a duplicate, two workers) only one gets the row.
    claimed = (
        User.objects.filter(pk=user_id, invitation_sent_at__isnull=True, is_active=True)
        .exclude(email="")
        .update(invitation_sent_at=timezone.now())
    )
    if claimed != 1:
        logger.info("Invitation for user %s already sent or not applicable", user_id)
        return False
    user = User.objects.get(pk=user_id)
    try:
        _send_invitation_email(user)
    except Exception:
        # Release the claim so that the retry can send it.
        User.objects.filter(pk=user_id).update(invitation_sent_at=None)
        raise
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
