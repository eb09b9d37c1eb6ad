"""Demo loans in every state, built through the services. Called by ``manage.py seed_demo`` after the
circles; idempotent: it builds once, then leaves the data as it is.

The services stamp every row with the minute they run; ``_date_the_history`` then dates each request,
vote, step of the history, payment and guarantee call on the day it would have happened (a loan disbursed
seven months ago was requested, reviewed and approved in the weeks before), so the demo reads true."""

import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from loans import selectors, services
from loans.models import (
    CircleVote,
    Frequency,
    GuaranteeCall,
    Loan,
    LoanPosition,
    LoanProduct,
    LoanStatus,
    LoanTransition,
    Payment,
)
from microcredit.accounts.models import EntrepreneurProfile, User

D = Decimal
# (French, English) name and description, then the terms.
PRODUCTS = [
    (
        ("Microprêt de démarrage", "Start-up microloan"),
        ("Pour lancer son entreprise.", "To launch one's business."),
        D("500"),
        D("5000"),
        D("6.00"),
        6,
        36,
        Frequency.MONTHLY,
        0,
    ),
    (
        ("Prêt de croissance", "Growth loan"),
        ("Pour grandir : équipement, local, inventaire.", "To grow: equipment, premises, inventory."),
        D("2000"),
        D("15000"),
        D("7.50"),
        12,
        48,
        Frequency.MONTHLY,
        2,
    ),
    (
        ("Microprêt express", "Express microloan"),
        (
            "Un petit fonds de roulement, remboursé aux deux semaines.",
            "A little working capital, repaid every two weeks.",
        ),
        D("250"),
        D("1500"),
        D("4.00"),
        6,
        26,
        Frequency.BIWEEKLY,
        0,
    ),
]


def _profile(number: int) -> EntrepreneurProfile:
    return EntrepreneurProfile.objects.select_related("user").get(user__username=f"entrepreneur{number:02d}")


def seed() -> None:
    for names, descriptions, low, high, rate, min_term, max_term, frequency, grace in PRODUCTS:
        (name, name_en), (description, description_en) = names, descriptions
        product, _created = LoanProduct.objects.get_or_create(
            name_fr=name,
            defaults={
                "description_fr": description,
                "min_amount": low,
                "max_amount": high,
                "annual_rate": rate,
                "min_term": min_term,
                "max_term": max_term,
                "frequency": frequency,
                "grace_periods": grace,
            },
        )
        if not product.name_en:  # a demo seeded before the English names gets them
            product.name_en, product.description_en = name_en, description_en
            product.save(update_fields=["name_en", "description_en"])
    if not Loan.objects.exists():
        _seed_loans()
    # The month ends the daily task (``loans.snapshot_months``) would have taken by now: the board's report of
    # a closed month reads them, and keeps its figures, as in production.
    from loans.services.ledger import snapshot_closed_months

    snapshot_closed_months()


def _seed_loans() -> None:
    today = timezone.localdate()
    coordinator = User.objects.get(username="sophie")
    start = LoanProduct.objects.get(name_fr="Microprêt de démarrage")
    growth = LoanProduct.objects.get(name_fr="Prêt de croissance")

    def request(number, amount, term, purpose, product=start):
        borrower = _profile(number)
        return services.loan_request_create(
            borrower=borrower,
            prepared_by=borrower.user,
            product=product,
            amount=D(amount),
            term=term,
            purpose=purpose,
            plan_summary=f"{borrower.business_name} : {purpose.lower()}, pour faire croître l'entreprise.",
            plan_market="Clientèle du quartier et marchés publics.",
            plan_use_of_funds=f"{purpose} : devis obtenus, achat prévu dès le déblocage du prêt.",
            plan_projections="Ventes mensuelles prévues : 1 800 $ la première année.",
        )

    def reviewed(loan, outcome="circle_accepted", remarks=""):
        loan = services.loan_submit(loan=loan, submitted_by=loan.borrower.user)
        for member in selectors.eligible_voters(loan):
            services.circle_vote_record(loan=loan, member=member, vote="for", recorded_by=loan.circle.advisor)
        return services.circle_decision_record(
            loan=loan, outcome=outcome, decided_by=loan.circle.advisor, remarks=remarks
        )

    def disbursed(loan, months_ago):
        loan = services.loan_approve(loan=reviewed(loan), approved_by=coordinator)
        return services.loan_disburse(
            loan=loan,
            disbursed_by=coordinator,
            disbursed_on=today - relativedelta(months=months_ago),
            method="transfer",
            reference=f"VIR-{loan.pk:05d}",
        )

    def pay_due(loan, *, skip_last: int = 0):
        """Pay every instalment due so far, on its due date, except the last ``skip_last`` of them."""
        due = list(loan.instalments.filter(due_date__lte=today).order_by("number"))
        for instalment in due[: len(due) - skip_last] if skip_last else due:
            services.payment_record(
                loan=loan,
                amount=instalment.total_due,
                paid_on=instalment.due_date,
                method="pad",
                recorded_by=loan.circle.advisor,
            )

    # Les Bâtisseuses: a loan repaid on time so far, one repaid, one in review, a draft above the threshold.
    pay_due(disbursed(request(1, "1500.00", 12, "Achat d'équipement de cuisine"), months_ago=7))
    repaid = disbursed(request(4, "800.00", 6, "Petit inventaire de départ"), months_ago=8)
    pay_due(repaid)
    in_review = services.loan_submit(
        loan=request(7, "1800.00", 12, "Site web et affiches"), submitted_by=_profile(7).user
    )
    for member in selectors.eligible_voters(in_review)[:2]:
        services.circle_vote_record(
            loan=in_review, member=member, vote="for", recorded_by=in_review.circle.advisor
        )
    request(10, "2500.00", 24, "Camion réfrigéré d'occasion", product=growth)

    # Cercle Hochelaga: a loan 45 days late.
    late = disbursed(request(2, "1200.00", 12, "Produits d'entretien écologiques"), months_ago=5)
    pay_due(late, skip_last=2)

    # Cercle Rosemont: accepted awaiting the decision, approved awaiting disbursement, returned for changes.
    reviewed(request(3, "1200.00", 12, "Machine à coudre industrielle"))
    services.loan_approve(
        loan=reviewed(request(6, "900.00", 9, "Matériel de céramique")), approved_by=coordinator
    )
    reviewed(
        request(9, "2000.00", 18, "Réparation de vélos"),
        outcome="returned",
        remarks="Préciser le prix des pièces et le nombre de clients par semaine.",
    )

    # Cercle Longueuil: an individual loan written off, a circle-guaranteed one in default (call open).
    written_off = disbursed(request(22, "3000.00", 12, "Local commercial", product=growth), months_ago=11)
    pay_due(written_off, skip_last=8)
    services.loan_mark_default(loan=written_off)
    services.loan_write_off(
        loan=written_off, written_off_by=coordinator, reason="Entreprise fermée, aucun revenu."
    )
    defaulted = disbursed(request(19, "1600.00", 12, "Agrandissement de la serre"), months_ago=7)
    pay_due(defaulted, skip_last=4)
    services.loan_mark_default(loan=defaulted)
    _date_the_history(today)


# Days after the request was created on which each step happened (before the disbursement).
STEP_DAYS = {
    LoanStatus.DRAFT: 0,
    LoanStatus.SUBMITTED: 3,
    LoanStatus.RETURNED: 12,
    LoanStatus.CIRCLE_ACCEPTED: 12,
    LoanStatus.CIRCLE_REFUSED: 12,
    LoanStatus.APPROVED: 19,
    LoanStatus.REFUSED: 19,
    LoanStatus.WITHDRAWN: 19,
}
LEAD_DAYS = 28  # from the request to the disbursement


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """``hour`` o'clock that day, or an hour ago for what happened this morning (never in the future)."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return min(at, timezone.now() - datetime.timedelta(hours=1))


def _date_the_history(today: datetime.date) -> None:
    loans = Loan.objects.prefetch_related("transitions", "payments", "instalments")
    today = today - datetime.timedelta(days=1)  # the latest step of the demo happened yesterday at the latest
    for index, loan in enumerate(loans.order_by("pk")):
        if loan.disbursed_on:
            created = loan.disbursed_on - datetime.timedelta(days=LEAD_DAYS)
        else:
            created = today - datetime.timedelta(days=24 - 2 * (index % 5))  # requests of recent weeks
        payments = sorted(loan.payments.all(), key=lambda p: p.paid_on)
        # The demo pays one instalment per payment, in order: the first one not paid is the one the arrears
        # count from, and the loan went into default 91 days after its due date.
        instalments = sorted(loan.instalments.all(), key=lambda i: i.number)
        defaulted_on = None
        if len(instalments) > len(payments):
            defaulted_on = min(today, instalments[len(payments)].due_date + datetime.timedelta(days=91))
        previous = _at(created, 9)
        for transition in loan.transitions.all():
            status = transition.to_status
            if status in STEP_DAYS:
                day = min(today, created + datetime.timedelta(days=STEP_DAYS[status]))
            elif status == LoanStatus.ACTIVE:
                day = loan.disbursed_on
            elif status == LoanStatus.REPAID:
                day = payments[-1].paid_on if payments else today
            elif status == LoanStatus.DEFAULTED:
                day = defaulted_on or today
            elif status == LoanStatus.WRITTEN_OFF:
                day = min(today, (defaulted_on or today) + datetime.timedelta(days=21))
            else:
                day = today
            at = max(previous, _at(day))
            LoanTransition.objects.filter(pk=transition.pk).update(changed_at=at)
            previous = at
            if status == LoanStatus.DEFAULTED:
                GuaranteeCall.objects.filter(loan=loan).update(opened_at=at)
            if status == LoanStatus.WRITTEN_OFF:
                LoanPosition.objects.filter(loan=loan).update(written_off_at=at)
        Loan.objects.filter(pk=loan.pk).update(created_at=_at(created, 9))
        voted = min(today, created + datetime.timedelta(days=STEP_DAYS[LoanStatus.CIRCLE_ACCEPTED]))
        CircleVote.objects.filter(loan=loan).update(recorded_at=_at(voted, 19))
        for payment in payments:
            Payment.objects.filter(pk=payment.pk).update(recorded_at=_at(payment.paid_on, 11))
