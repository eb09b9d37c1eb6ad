"""Writes about loans; views, forms, tasks and the admin call these, nothing else changes a loan. The
reads (what is owed, days past due, the tally...) are in ``loans.selectors``: import them from there."""

from loans.services.approval import (
    approver_roles,
    can_decide,
    decision_blocker,
    disbursement_check,
    loan_approve,
    loan_disburse,
    loan_refuse,
    others_who_may_decide,
    possible_approvers,
)
from loans.services.arrears import (
    guarantee_call_resolve,
    loan_mark_default,
    loan_write_off,
    loans_mark_defaults,
)
from loans.services.base import LOAN_STATES, can_transition
from loans.services.funding import disbursement_fund
from loans.services.payments import (
    payment_check,
    payment_record,
    payment_reverse,
    reallocate,
)
from loans.services.requests import (
    check_terms,
    circle_review_blocker,
    loan_request_create,
    loan_request_update,
    loan_submit,
    loan_withdraw,
)
from loans.services.review import (
    circle_decision_record,
    circle_review_record,
    circle_vote_record,
)

__all__ = [
    "LOAN_STATES",
    "approver_roles",
    "can_decide",
    "can_transition",
    "check_terms",
    "circle_decision_record",
    "circle_review_blocker",
    "circle_review_record",
    "circle_vote_record",
    "decision_blocker",
    "disbursement_check",
    "disbursement_fund",
    "guarantee_call_resolve",
    "loan_approve",
    "loan_disburse",
    "loan_mark_default",
    "loan_refuse",
    "loan_request_create",
    "loan_request_update",
    "loan_submit",
    "loan_withdraw",
    "loan_write_off",
    "loans_mark_defaults",
    "others_who_may_decide",
    "payment_check",
    "payment_record",
    "payment_reverse",
    "possible_approvers",
    "reallocate",
]
