"""Loans in progress and closed ones, from an XLSX workbook of three sheets (or a ZIP of three CSV files):
the loans, their schedules (as they were given to the borrowers: stored as is, never recomputed) and the
payments made so far.

A file of 10,000 loans must import in minutes with flat memory, so nothing is done row by row that can be
done by chunk: the three sheets are read once, row by row, into a staging file (``Staging``, SQLite in a
temporary directory), then the loans come out of it by chunks of ``CHUNK`` with their schedules and payments.
For each chunk, what the loans refer to (borrowers, circles, products, loans imported before) is looked up in
a few queries; every loan is checked in full before anything of it is written (schedule, payments' dates and
amounts: a payment larger than what is still owed is refused on its row); then the valid loans of the chunk
are written at once, in one savepoint: created approved with the file's terms and disbursed with the file's
schedule (the one place where rows are written beside the loans' services, because ``loan_disburse``
computes a schedule and the file's must be kept), their history saying they were imported; their payments
created at once and allocated by the usual rule (``loans.services.reallocate``, once per loan); closed when
nothing is owed; written off by ``loan_write_off`` when the file says so. The ledger's derived figures are
recorded by ``loans.services.ledger`` as at any disbursement, payment and write-off, and checked once at the
end against the ledger (``imports.ledger_check``: what ``rebuild_ledger --check`` runs, inside the database
so that memory stays flat): any difference refuses the whole import.
"""

import datetime
import itertools
import os
import pickle
import sqlite3
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles.models import Circle
from imports.kinds import register
from imports.kinds.base import (
    Column,
    Kind,
    Report,
    RowOutcome,
    choice_parser,
    parse_date,
    parse_decimal,
    parse_int,
    parse_money,
)
from imports.ledger_check import analyze, ledger_check
from imports.readers import read_workbook
from loans import services as loans
from loans.models import (
    OPEN_STATUSES,
    Frequency,
    GuaranteeType,
    Instalment,
    Loan,
    LoanProduct,
    LoanStatus,
    LoanTransition,
    Payment,
    PaymentMethod,
)
from loans.selectors import guarantee_type_for, with_balances
from loans.services import ledger
from loans.services.base import lock, transition
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core import bilingual
from microcredit.core.formatting import format_money

LOANS = "loans"
CHUNK = 500  # loans checked, then written, together

parse_loan_status = choice_parser(
    LoanStatus,
    {"en cours": "active", "actif": "active", "rembourse": "repaid", "radie": "written_off"},
)


def _loan_columns():
    return (
        Column(
            "external_id",
            "identifiant du prêt",
            "loan id",
            gettext_lazy("Your own id for the loan."),
            required=True,
            example="P-001",
        ),
        Column(
            "borrower",
            "identifiant de l'emprunteur",
            "borrower id",
            gettext_lazy("Id of the entrepreneur, as in the entrepreneurs file."),
            required=True,
            example="E-001",
        ),
        Column(
            "product",
            "produit",
            "product",
            gettext_lazy("Name of an existing loan product (in French or English)."),
            required=True,
            example="Microcrédit cercle",
        ),
        Column(
            "amount",
            "montant",
            "amount",
            gettext_lazy("Amount lent (1 500,00)."),
            required=True,
            parse=parse_money,
            example="1 500,00",
        ),
        Column(
            "rate",
            "taux",
            "rate",
            gettext_lazy("Annual interest rate in % (6,5)."),
            required=True,
            parse=parse_decimal,
            example="6,5",
        ),
        Column(
            "frequency",
            "fréquence",
            "frequency",
            gettext_lazy("monthly, biweekly or weekly (the product's if empty)."),
            parse=choice_parser(Frequency, {"mensuel": "monthly"}),
            example="monthly",
        ),
        Column(
            "disbursed_on",
            "date de déboursement",
            "disbursement date",
            gettext_lazy("Date the money was released."),
            required=True,
            parse=parse_date,
            example="2024-01-15",
        ),
        Column(
            "circle",
            "identifiant du cercle",
            "circle id",
            gettext_lazy(
                "Id of the circle that guaranteed "
                "the loan, as in the circles file (empty: individual responsibility)."
            ),
            example="C-01",
        ),
        Column(
            "status",
            "statut",
            "status",
            gettext_lazy("active, repaid or written off (active if empty)."),
            parse=parse_loan_status,
            example="active",
        ),
        Column(
            "write_off_reason",
            "motif de radiation",
            "write-off reason",
            gettext_lazy("Why the loan was written off (required for a written-off loan)."),
            example="",
        ),
        Column(
            "written_off_on",
            "date de radiation",
            "write-off date",
            gettext_lazy(
                "Day the loan was written off (a written-off loan only; empty: the day of the import). The "
                "board report counts the loss in that day's period."
            ),
            parse=parse_date,
            example="",
        ),
        Column("purpose", "objet", "purpose", gettext_lazy("What the loan was for."), example="Équipement"),
    )


def _loan_id_column() -> Column:
    """The first column of the schedules' and the payments' files: the loan the row is about."""
    return Column(
        "loan",
        "identifiant du prêt",
        "loan id",
        gettext_lazy("The loan's id."),
        required=True,
        example="P-001",
    )


def _schedule_columns():
    return (
        _loan_id_column(),
        Column(
            "number",
            "numéro",
            "number",
            gettext_lazy("Instalment number: 1, 2, 3…"),
            required=True,
            parse=parse_int,
            example="1",
        ),
        Column(
            "due_date",
            "échéance",
            "due date",
            gettext_lazy("Due date of the instalment."),
            required=True,
            parse=lambda value: _any_date(value),
            example="2024-02-15",
        ),
        Column(
            "principal",
            "capital",
            "principal",
            gettext_lazy("Principal of the instalment."),
            required=True,
            parse=parse_money,
            example="125,00",
        ),
        Column(
            "interest",
            "intérêts",
            "interest",
            gettext_lazy("Interest of the instalment."),
            required=True,
            parse=parse_money,
            example="8,13",
        ),
    )


def _payment_columns():
    return (
        _loan_id_column(),
        Column(
            "paid_on",
            "date",
            "date",
            gettext_lazy("Date of the payment."),
            required=True,
            parse=parse_date,
            example="2024-02-15",
        ),
        Column(
            "amount",
            "montant",
            "amount",
            gettext_lazy("Amount paid."),
            required=True,
            parse=parse_money,
            example="133,13",
        ),
        Column(
            "method",
            "mode",
            "method",
            gettext_lazy("cash, cheque, transfer or pad (cash if empty)."),
            parse=choice_parser(
                PaymentMethod, {"comptant": "cash", "especes": "cash", "virement": "transfer", "dpa": "pad"}
            ),
            example="transfer",
        ),
        Column("reference", "référence", "reference", gettext_lazy("Reference of the payment."), example=""),
    )


def _any_date(value) -> datetime.date:
    """A due date may lie in the future (the rest of the schedule): only its form is checked."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(value)
    except ValidationError:
        from imports.kinds.base import text

        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d"):
            try:
                return datetime.datetime.strptime(text(value), pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
        raise


class SheetKind(Kind):
    """The columns of one sheet of the workbook (used to read its rows)."""

    def __init__(self, key, columns):
        self.key, self.columns = key, columns


SHEETS = {
    "loans": (("prets", "loans"), _loan_columns),
    "schedule": (("echeancier", "echeances", "schedule", "schedules"), _schedule_columns),
    "payments": (("paiements", "payments"), _payment_columns),
}
SHEET_TITLES = {
    "loans": ("Prêts", "Loans"),
    "schedule": ("Échéancier", "Schedule"),
    "payments": ("Paiements", "Payments"),
}


class LoansKind(Kind):
    key = LOANS
    workbook_only = True
    title = gettext_lazy("Loans, schedules and payments")
    description = gettext_lazy(
        "An XLSX workbook of three sheets: Prêts (one row per loan), Échéancier (one row per instalment, "
        "as given to the borrower) and Paiements (one row per payment made), or a ZIP archive of three CSV "
        "files with the same names. Import the entrepreneurs and circles first."
    )

    @property
    def columns(self):
        return _loan_columns()

    def template_sheets(self) -> list[tuple[str, Kind]]:
        sheets = self.sheets()
        return [(SHEET_TITLES[key][0], sheets[key]) for key in SHEETS]

    def sheets(self):
        return {key: SheetKind(f"{LOANS}-{key}", factory()) for key, (_names, factory) in SHEETS.items()}

    def process(self, name: str, data, context: dict, report: Report) -> None:
        """Read the three sheets once into a staging file, then bring the loans in by chunks of ``CHUNK``:
        a few queries and one savepoint per chunk, whatever its size; the ledger's derived figures are checked
        once at the end (``rebuild_ledger --check``, in the database)."""
        from imports.services import read_rows

        tables = read_workbook(name, data)
        sheets = self.sheets()
        found = {}
        for key, (names, _factory) in SHEETS.items():
            table = next((tables[n] for n in names if n in tables), None)
            if table is None:
                title = SHEET_TITLES[key][0]
                report.add_error(title, "", _("The workbook has no sheet named %(name)s.") % {"name": title})
            else:
                found[key] = table
        if len(found) < len(SHEETS):
            return
        with Staging() as staging, ledger.derived_rows_deferred():
            for key, table in found.items():
                title, loan_key = SHEET_TITLES[key][0], "external_id" if key == "loans" else "loan"
                sheet_report = Report(kind=key)
                staging.add(
                    key,
                    (
                        (f"{title} {number}", values[loan_key], values)
                        for number, values in read_rows(sheets[key], table, sheet_report)
                    ),
                )
                for problem in sheet_report.problems:
                    report.add_error(f"{title} {problem.row}", problem.column, problem.message)
                if key == "loans":
                    report.rows_total = sheet_report.rows_total
            staging.index()
            for label, values in staging.orphans():
                report.add_error(
                    label, values["_headers"].get("loan", ""), _("No loan with this id on the loans sheet.")
                )
            done = 0
            for chunks, chunk in enumerate(staging.loans(CHUNK), start=1):
                units = []
                for label, values, first in chunk:
                    if first is not None:
                        report.add_error(
                            label,
                            values["_headers"]["external_id"],
                            _("This id already appears on row %(row)s of the file.") % {"row": first},
                        )
                    else:
                        units.append((label, values))
                self._chunk(units, staging, context, report)
                if chunks & (chunks - 1) == 0:  # after chunks 1, 2, 4, 8…: the planner's sizes within half
                    analyze()
                done += len(chunk)
                if context.get("progress") is not None:
                    context["progress"](done)
        if report.is_valid:
            differences = ledger_check()
            if differences:
                report.add_error(
                    "",
                    "",
                    _("The ledger's derived figures do not agree with the ledger: %(first)s")
                    % {"first": differences[0]},
                )

    def _chunk(self, units, staging, context, report) -> None:
        """Check the loans of one chunk with their schedules and payments (their look-ups in a few queries),
        then write the valid ones at once."""
        from imports.services import conflict_message, report_refusal

        if not units:
            return
        ids = [values["external_id"] for _label, values in units]
        schedules, payments = staging.rows_of("schedule", ids), staging.rows_of("payments", ids)
        found = _Lookups(units, context)
        plans = []
        for label, values in units:
            try:
                plan = self._plan(
                    label,
                    values,
                    schedules[values["external_id"]],
                    payments[values["external_id"]],
                    found,
                    report,
                )
            except ValidationError as error:
                report_refusal(self, report, label, values, error)
                continue
            if plan is not None:
                plans.append(plan)
        if not plans:
            return
        try:
            with transaction.atomic():
                self._write(plans, context, report)
        except IntegrityError as error:  # a rule the database enforces and no check made first
            report.add_error(plans[0].label, "", conflict_message(error))

    def _plan(self, label, values, schedule, payments, found, report) -> "_Plan | None":
        """Everything checked on one loan before anything of it is written."""
        problems_before = len(report.problems)
        borrower = found.borrowers.get(values["borrower"])
        if borrower is None:
            raise ValidationError(
                {
                    "borrower": _("Unknown entrepreneur id “%(id)s”: import the entrepreneurs file first.")
                    % {"id": values["borrower"]}
                }
            )
        product = found.products.get(values["product"].lower())
        if product is None:
            raise ValidationError(
                {"product": _("Unknown loan product “%(name)s”.") % {"name": values["product"]}}
            )
        circle = None
        if values["circle"]:
            circle = found.circles.get(values["circle"])
            if circle is None:
                raise ValidationError(
                    {
                        "circle": _("Unknown circle id “%(id)s”: import the circles file first.")
                        % {"id": values["circle"]}
                    }
                )
        status = values["status"] or LoanStatus.ACTIVE
        if status not in (LoanStatus.ACTIVE, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF):
            raise ValidationError({"status": _("A loan is imported active, repaid or written off.")})
        if status == LoanStatus.WRITTEN_OFF and not values["write_off_reason"]:
            raise ValidationError({"write_off_reason": _("Give the reason for the write-off.")})
        if values["written_off_on"] and status != LoanStatus.WRITTEN_OFF:
            raise ValidationError({"written_off_on": _("Only a written-off loan has a write-off date.")})
        amount, disbursed_on = values["amount"], values["disbursed_on"]
        if amount <= 0:
            raise ValidationError({"amount": _("The amount must be positive.")})
        instalments = self._check_schedule(label, values, schedule, report)
        wanted_payments = sorted(
            (
                (v["paid_on"], v["amount"], v["method"] or PaymentMethod.CASH, v["reference"] or "", lab)
                for lab, v in payments
            ),
            key=lambda p: p[0],
        )
        for paid_on, pay_amount, _method, _ref, lab in wanted_payments:
            if paid_on < disbursed_on:
                report.add_error(lab, _("date"), _("The payment date cannot be before the disbursement."))
            if pay_amount <= 0:
                report.add_error(lab, _("amount"), _("The amount must be positive."))
        if instalments is None or len(report.problems) > problems_before:
            return None

        loan = found.loans.get(values["external_id"])
        recorded = []
        if loan is None:
            owed = sum((i["principal"] + i["interest"] for i in instalments), Decimal("0.00"))
        else:
            stored = found.schedules.get(loan.pk, [])
            if stored != [
                (i["number"], i["due_date"], i["principal"], i["interest"]) for i in instalments
            ] or (loan.final_amount != amount or loan.disbursed_on != disbursed_on):
                raise ValidationError(
                    {
                        "external_id": _(
                            "This loan was already imported with other terms or "
                            "another schedule: correct it in the application."
                        )
                    }
                )
            recorded, owed = found.payments.get(loan.pk, []), found.owed[loan.pk]
        wanted = [(p[0], p[1]) for p in wanted_payments]
        if wanted[: len(recorded)] != recorded:
            raise ValidationError(
                {
                    "external_id": _(
                        "The payments already imported for this loan differ from "
                        "the file's: correct them in the application."
                    )
                }
            )
        new_payments = wanted_payments[len(recorded) :]
        # What ``payment_check`` refuses, found here before anything is written so that the row is named:
        # each payment at most what is still owed then (``reallocate`` refuses it again as it allocates).
        for _paid_on, pay_amount, _method, _ref, lab in new_payments:
            if pay_amount > owed:
                report.add_error(
                    lab,
                    _("amount"),
                    _("This payment of %(amount)s is more than the %(owed)s still owed on this loan.")
                    % {"amount": format_money(pay_amount), "owed": format_money(owed)},
                )
                raise ValidationError(_("A payment of this loan was refused (see its row)."))
            owed -= pay_amount
        return _Plan(label, values, borrower, product, circle, status, instalments, loan, new_payments)

    def _write(self, plans, context, report) -> None:
        """The chunk's valid loans: created approved then disbursed with the file's schedule (their history
        says so), their new payments recorded and allocated by the usual rule (``reallocate``), closed when
        nothing is owed, written off by ``loan_write_off``."""
        from imports.models import ExternalId
        from imports.services import report_refusal

        actor, batch = context["actor"], context["batch"]
        new = [plan for plan in plans if plan.loan is None]
        created = Loan.objects.bulk_create(self._loan_row(plan, actor) for plan in new)
        for plan, loan in zip(new, created, strict=True):
            plan.loan, plan.action = loan, "create"
        LoanTransition.objects.bulk_create(
            LoanTransition(loan=plan.loan, from_status=before, to_status=after, changed_by=actor, note=reason)
            for plan in new
            for before, after, reason in (
                ("", LoanStatus.APPROVED, _("Imported from the organization's files.")),
                (
                    LoanStatus.APPROVED,
                    LoanStatus.ACTIVE,
                    _("Imported from the organization's files: the schedule as given to the borrower."),
                ),
            )
        )
        ExternalId.objects.bulk_create(
            (
                ExternalId(
                    kind=LOANS, external_id=plan.values["external_id"], object_id=plan.loan.pk, batch=batch
                )
                for plan in new
            ),
            update_conflicts=True,
            unique_fields=["kind", "external_id"],
            update_fields=["object_id", "batch"],
        )
        instalments = Instalment.objects.bulk_create(
            (
                Instalment(
                    loan=plan.loan,
                    number=item["number"],
                    due_date=item["due_date"],
                    principal_due=item["principal"],
                    interest_due=item["interest"],
                    settled_on=None if item["principal"] or item["interest"] else plan.values["disbursed_on"],
                )
                for plan in new
                for item in plan.instalments
            ),
            batch_size=2000,
        )
        for loan, rows in itertools.groupby(instalments, key=lambda instalment: instalment.loan):
            ledger.record_disbursement(loan, rows)  # its position opens, its instalments fall due
        paying = [plan for plan in plans if plan.new_payments]
        for plan in paying:
            if plan.action != "create":
                plan.loan, plan.action = lock(plan.loan), "update"
        Payment.objects.bulk_create(
            (
                Payment(
                    loan=plan.loan,
                    amount=amount,
                    paid_on=paid_on,
                    method=method,
                    reference=reference,
                    payer=plan.borrower,
                    recorded_by=actor,
                    submission_key=uuid.uuid4(),
                )
                for plan in paying
                for paid_on, amount, method, reference, _label in plan.new_payments
            ),
            batch_size=2000,
        )
        for plan in paying:
            loans.reallocate(plan.loan)
        owed = dict(
            with_balances(Loan.objects.filter(pk__in=[p.loan.pk for p in plans])).values_list("pk", "owed")
        )
        for plan in plans:
            try:
                self._settle(plan, owed[plan.loan.pk], actor)
            except ValidationError as error:
                report_refusal(self, report, plan.label, plan.values, error)
                continue
            amount = format_money(plan.values["amount"])
            report.add(RowOutcome(row=plan.label, action=plan.action, label=f"{plan.borrower} · {amount}"))

    def _settle(self, plan, owed, actor) -> None:
        """The loan's status as the file says, once its payments are allocated."""
        loan, status = plan.loan, plan.status
        if status == LoanStatus.REPAID and owed > 0:
            raise ValidationError(
                {
                    "status": _("The loan is marked repaid but %(owed)s is still owed on its schedule.")
                    % {"owed": format_money(owed)}
                }
            )
        if status == LoanStatus.ACTIVE and owed == 0:
            raise ValidationError({"status": _("Nothing is owed on this loan any more: mark it repaid.")})
        if owed == 0 and loan.status in OPEN_STATUSES:  # what a payment that clears a loan does
            transition(loan, LoanStatus.REPAID, actor=actor, reason=_("Nothing is owed any more."))
        if status == LoanStatus.WRITTEN_OFF and loan.status != LoanStatus.WRITTEN_OFF:
            loans.loan_write_off(
                loan=loan,
                written_off_by=actor,
                reason=plan.values["write_off_reason"],
                written_off_on=plan.values["written_off_on"],
            )
            plan.action = "create" if plan.action == "create" else "update"

    @staticmethod
    def _loan_row(plan, actor) -> Loan:
        """A loan with the file's terms, approved and disbursed (``_write`` records both transitions)."""
        values, instalments, amount = plan.values, plan.instalments, plan.values["amount"]
        return Loan(
            borrower=plan.borrower,
            product=plan.product,
            status=LoanStatus.ACTIVE,
            amount=amount,
            term=len(instalments),
            purpose=values["purpose"] or _("Imported loan"),
            prepared_by=actor,
            circle=plan.circle,
            # The guarantee rule as at a circle's acceptance: above the threshold, individual responsibility.
            guarantee_type=guarantee_type_for(amount) if plan.circle else GuaranteeType.INDIVIDUAL,
            approved_amount=amount,
            approved_term=len(instalments),
            annual_rate=values["rate"],
            frequency=values["frequency"] or plan.product.frequency,
            grace_periods=0,
            approved_by=actor,
            disbursed_on=values["disbursed_on"],
            disbursement_method="",
            disbursement_reference=_("Imported"),
        )

    @staticmethod
    def _check_schedule(label, values, schedule, report) -> list[dict] | None:
        """The schedule as given: consecutive numbers, due dates in order after the disbursement, and a
        principal that adds up to the amount lent."""
        if not schedule:
            report.add_error(label, values["_headers"]["external_id"], _("This loan has no schedule."))
            return None
        ok = True
        items = sorted(schedule, key=lambda item: item[1]["number"])
        previous = values["disbursed_on"]
        for position, (lab, item) in enumerate(items, start=1):
            if item["number"] != position:
                report.add_error(
                    lab,
                    item["_headers"]["number"],
                    _("Instalments are numbered 1, 2, 3… without gaps or repeats."),
                )
                ok = False
            if item["due_date"] <= previous:
                report.add_error(
                    lab,
                    item["_headers"]["due_date"],
                    _("Each due date must fall after the disbursement and the previous one."),
                )
                ok = False
            previous = max(previous, item["due_date"])
        principal = sum((item["principal"] for _lab, item in items), Decimal("0.00"))
        if principal != values["amount"]:
            report.add_error(
                label,
                values["_headers"]["amount"],
                _("The schedule's principal adds up to %(principal)s, not the %(amount)s lent.")
                % {"principal": format_money(principal), "amount": format_money(values["amount"])},
            )
            ok = False
        return [item for _lab, item in items] if ok else None


@dataclass
class _Plan:
    """One loan of the file, checked: what to write."""

    label: str
    values: dict
    borrower: EntrepreneurProfile
    product: LoanProduct
    circle: Circle | None
    status: str
    instalments: list[dict]
    loan: Loan | None  # the loan imported before (None: to create)
    new_payments: list[tuple]
    action: str = "unchanged"


class _Lookups:
    """What the loans of one chunk refer to, each found in one query: borrowers, circles and loans by their
    external ids, the products by name, and the schedules, payments and balance of the loans imported
    before."""

    def __init__(self, units, context):
        from imports.kinds.common import ENTREPRENEURS
        from imports.services import external_object_ids

        if "products" not in context:
            context["products"] = {}
            for product in LoanProduct.objects.order_by("pk"):
                for column in bilingual.columns("name"):  # a product is named in either language
                    if getattr(product, column):
                        context["products"].setdefault(getattr(product, column).lower(), product)
        self.products = context["products"]
        wanted = [values for _label, values in units]
        self.borrowers = _by_external_id(
            external_object_ids(ENTREPRENEURS, {v["borrower"] for v in wanted}),
            EntrepreneurProfile.objects.select_related("user"),
        )
        self.circles = _by_external_id(
            external_object_ids("circles", {v["circle"] for v in wanted if v["circle"]}), Circle.objects
        )
        self.loans = _by_external_id(
            external_object_ids(LOANS, {v["external_id"] for v in wanted}), Loan.objects
        )
        pks = [loan.pk for loan in self.loans.values()]
        self.schedules, self.payments, self.owed = defaultdict(list), defaultdict(list), {}
        if pks:
            for loan_id, *line in (
                Instalment.objects.filter(loan_id__in=pks)
                .order_by("loan_id", "number")
                .values_list("loan_id", "number", "due_date", "principal_due", "interest_due")
            ):
                self.schedules[loan_id].append(tuple(line))
            for loan_id, paid_on, amount in (
                Payment.objects.filter(loan_id__in=pks, reversal__isnull=True)
                .order_by("loan_id", "paid_on", "pk")
                .values_list("loan_id", "paid_on", "amount")
            ):
                self.payments[loan_id].append((paid_on, amount))
            self.owed = dict(with_balances(Loan.objects.filter(pk__in=pks)).values_list("pk", "owed"))


def _by_external_id(object_ids: dict[str, int], queryset) -> dict:
    """{external id: object} of those that still exist."""
    objects = queryset.in_bulk(set(object_ids.values()))
    return {key: objects[pk] for key, pk in object_ids.items() if pk in objects}


class Staging:
    """The rows of the three sheets, read once and kept in a temporary SQLite file rather than in memory,
    so that each loan's schedule and payments are found by its id wherever they sit in their sheets (memory
    stays flat however long the file; the file is deleted at the end)."""

    def __enter__(self):
        self._directory = tempfile.TemporaryDirectory(prefix="import-")
        self.db = sqlite3.connect(os.path.join(self._directory.name, "rows.sqlite3"))
        self.db.execute("CREATE TABLE rows (sheet TEXT, seq INTEGER, loan TEXT, label TEXT, data BLOB)")
        self._seq = 0
        return self

    def __exit__(self, *exc):
        self.db.close()
        self._directory.cleanup()

    def add(self, sheet: str, rows) -> None:
        """Keep ``rows`` ((label, loan id, values)) of ``sheet``, in their order."""
        while batch := list(itertools.islice(rows, 1000)):
            self.db.executemany(
                "INSERT INTO rows VALUES (?, ?, ?, ?, ?)",
                [
                    (sheet, self._seq + n, str(loan), label, pickle.dumps(values))
                    for n, (label, loan, values) in enumerate(batch)
                ],
            )
            self._seq += len(batch)

    def index(self) -> None:
        self.db.execute("CREATE INDEX rows_by_loan ON rows (sheet, loan, seq)")

    def orphans(self):
        """(label, values) of the schedule and payment rows whose loan is not on the loans sheet."""
        cursor = self.db.execute(
            """SELECT label, data FROM rows r WHERE sheet IN ('schedule', 'payments') AND NOT EXISTS
               (SELECT 1 FROM rows l WHERE l.sheet = 'loans' AND l.loan = r.loan) ORDER BY seq"""
        )
        for label, data in cursor:
            yield label, pickle.loads(data)  # noqa: S301 (this import's own file, written above)

    def loans(self, size: int):
        """The loans sheet's rows by chunks of ``size``: (label, values, label of the same id's first row
        if this one repeats it)."""
        cursor = self.db.execute(
            """SELECT label, data, (SELECT f.label FROM rows f WHERE f.sheet = 'loans' AND f.loan = r.loan
                                    AND f.seq < r.seq ORDER BY f.seq LIMIT 1)
               FROM rows r WHERE sheet = 'loans' ORDER BY seq"""
        )
        while chunk := cursor.fetchmany(size):
            yield [(label, pickle.loads(data), first) for label, data, first in chunk]  # noqa: S301

    def rows_of(self, sheet: str, loans: list[str]) -> dict[str, list]:
        """{loan id: [(label, values)]} of ``sheet`` for these loans, in the sheet's order."""
        found = defaultdict(list)
        marks = ", ".join("?" * len(loans))
        cursor = self.db.execute(
            f"SELECT loan, label, data FROM rows WHERE sheet = ? AND loan IN ({marks}) ORDER BY seq",  # noqa: S608
            [sheet, *map(str, loans)],
        )
        for loan, label, data in cursor:
            found[loan].append((label, pickle.loads(data)))  # noqa: S301
        return found


register(LoansKind())
