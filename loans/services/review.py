"""Circle review: each eligible member's vote, then the circle's decision and, on acceptance,
the guarantee."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loans.models import CircleVote, GuaranteeType, Guarantor, Loan, LoanStatus, Vote
from loans.selectors import eligible_voters, guarantee_type_for, tally_words, vote_tally
from loans.services.base import lock, transition
from loans.services.requests import circle_review_blocker
from microcredit.accounts.models import EntrepreneurProfile, User


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
            % tally_words(tally),
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
