"""Circle review: each eligible member's vote, then the circle's decision and, on acceptance,
the guarantee."""

import math
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circles.models import Membership
from loans.models import CircleVote, GuaranteeType, Guarantor, Loan, LoanStatus, Vote
from loans.services.base import lock, transition
from loans.services.requests import circle_review_blocker
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.models import OrganizationSettings


def guarantee_type_for(amount: Decimal) -> str:
    """The guarantee rule's one home: a request up to the organization's threshold (``2000.00`` by
    default; the threshold itself included) is guaranteed by the circle once it accepts it, and the members
    who voted for it are its guarantors; above it, the loan is the borrower's individual responsibility."""
    threshold = OrganizationSettings.load().circle_guarantee_threshold
    return GuaranteeType.CIRCLE if amount <= threshold else GuaranteeType.INDIVIDUAL


def guarantee_regime(loan: Loan) -> str:
    """The regime of a loan: the one decided at the circle's acceptance, or, before it, the one its amount
    requested would get (every request page states it, from the draft on)."""
    return loan.guarantee_type or guarantee_type_for(loan.amount)


def eligible_voters(loan: Loan) -> list[EntrepreneurProfile]:
    """The circle's active members, except the applicant: they never vote on their own request."""
    return [
        m.profile
        for m in Membership.objects.filter(circle=loan.circle, left_on__isnull=True)
        .exclude(profile=loan.borrower)
        .select_related("profile__user")
    ]


def vote_tally(loan: Loan) -> dict:
    eligible = eligible_voters(loan) if loan.circle_id else []
    eligible_ids = {p.pk for p in eligible}
    votes = [v for v in loan.votes.filter(review_round=loan.review_round) if v.member_id in eligible_ids]
    settings = OrganizationSettings.load()
    count = len(eligible)
    quorum = math.floor(count * settings.circle_vote_quorum_percent / 100) + 1 if count else 1
    needed = math.floor(count * settings.circle_vote_approval_percent / 100) + 1 if count else 1
    tally = {
        "eligible": count,
        "cast": len(votes),
        "for": sum(v.vote == Vote.FOR for v in votes),
        "against": sum(v.vote == Vote.AGAINST for v in votes),
        "abstain": sum(v.vote == Vote.ABSTAIN for v in votes),
        "quorum": min(quorum, count) if count else 1,
        "needed": min(needed, count) if count else 1,
    }
    tally["has_quorum"] = tally["cast"] >= tally["quorum"]
    tally["accepted"] = tally["has_quorum"] and tally["for"] >= tally["needed"]
    tally["summary"] = vote_tally_summary(tally)
    return tally


def vote_tally_summary(tally: dict) -> str:
    """The tally in words, each count agreeing with its noun: "1 vote for out of 4 members (3 needed),
    1 vote cast." / "1 vote pour sur 4 membres (3 requis), 1 vote exprimé." (the loan page)."""
    return _("%(for)s out of %(eligible)s (%(needed)s needed), %(cast)s.") % _tally_words(tally)


def _tally_words(tally: dict) -> dict:
    return {
        "for": ngettext("%(count)s vote for", "%(count)s votes for", tally["for"]) % {"count": tally["for"]},
        "eligible": ngettext("%(count)s member", "%(count)s members", tally["eligible"])
        % {"count": tally["eligible"]},
        "cast": ngettext("%(count)s vote cast", "%(count)s votes cast", tally["cast"])
        % {"count": tally["cast"]},
        "needed": tally["needed"],
        "quorum": tally["quorum"],
    }


@transaction.atomic
def circle_vote_record(
    *, loan: Loan, member: EntrepreneurProfile, vote: str, comment: str = "", recorded_by: User
) -> CircleVote:
    """A member's vote, cast in their own pages or recorded by the advisor during a meeting. Voting again
    in the same round changes the vote."""
    loan = lock(loan)
    if loan.status != LoanStatus.SUBMITTED:
        raise ValidationError(_("This request is not in circle review."))
    if member.pk == loan.borrower_id:
        raise ValidationError(_("The applicant does not vote on their own request."), code="own_request")
    if member.pk not in {p.pk for p in eligible_voters(loan)}:
        raise ValidationError(_("Only active members of the circle vote on this request."), code="not_member")
    if vote not in Vote.values:
        raise ValidationError(_("Choose for, against or abstain."))
    record, _created = CircleVote.objects.update_or_create(
        loan=loan,
        review_round=loan.review_round,
        member=member,
        defaults={"vote": vote, "comment": comment, "recorded_by": recorded_by},
    )
    return record


@transaction.atomic
def circle_decision_record(*, loan: Loan, outcome: str, decided_by: User, remarks: str = "") -> Loan:
    """The circle's decision: accepted (guaranteed by the circle up to the threshold, individual
    responsibility above it), returned for changes (with remarks), or refused."""
    loan = lock(loan)
    if loan.status != LoanStatus.SUBMITTED:
        raise ValidationError(_("This request is not in circle review."))
    loan.circle_remarks = remarks
    loan.circle_decided_by = decided_by
    fields = ("circle_remarks", "circle_decided_by")
    if outcome == LoanStatus.RETURNED:
        if not remarks.strip():
            raise ValidationError({"remarks": _("Say what the applicant should change.")})
        return transition(loan, LoanStatus.RETURNED, actor=decided_by, reason=remarks, fields=fields)
    if outcome == LoanStatus.CIRCLE_REFUSED:
        return transition(loan, LoanStatus.CIRCLE_REFUSED, actor=decided_by, reason=remarks, fields=fields)
    if outcome != LoanStatus.CIRCLE_ACCEPTED:
        raise ValidationError(_("Choose accepted, returned for changes or refused."))
    blocker = circle_review_blocker(loan.circle)
    if blocker:
        raise ValidationError(blocker, code="circle_cannot_review")
    tally = vote_tally(loan)
    if not tally["accepted"]:
        raise ValidationError(
            _(
                "The votes do not accept this request: %(for)s out of %(eligible)s, %(needed)s needed "
                "(%(cast)s, quorum %(quorum)s)."
            )
            % _tally_words(tally),
            code="not_accepted",
        )
    loan.guarantee_type = guarantee_type_for(loan.amount)
    transition(
        loan, LoanStatus.CIRCLE_ACCEPTED, actor=decided_by, reason=remarks, fields=(*fields, "guarantee_type")
    )
    if loan.guarantee_type == GuaranteeType.CIRCLE:
        backers = loan.votes.filter(
            review_round=loan.review_round, vote=Vote.FOR, member__in=[p.pk for p in eligible_voters(loan)]
        ).values_list("member", flat=True)
        Guarantor.objects.bulk_create([Guarantor(loan=loan, member_id=member) for member in backers])
    return loan


@transaction.atomic
def circle_review_record(
    *,
    loan: Loan,
    votes: list[tuple[EntrepreneurProfile, str, str]],
    outcome: str = "",
    remarks: str = "",
    recorded_by: User,
) -> Loan:
    """One sitting of the circle, as the advisor records it: the members' votes ((member, vote, comment)) and,
    if the circle has decided, its decision. All or nothing: a refused decision records no vote either, and
    the form shows what was typed with the reason."""
    for member, vote, comment in votes:
        circle_vote_record(loan=loan, member=member, vote=vote, comment=comment, recorded_by=recorded_by)
    if outcome:
        return circle_decision_record(loan=loan, outcome=outcome, decided_by=recorded_by, remarks=remarks)
    return loan
