"""Loans in progress and closed ones, from an XLSX workbook of three sheets (or a ZIP of three CSV files):
the loans, their schedules (as they were given to the borrowers: stored as is, never recomputed) and the
payments made so far.

Each loan is one unit, applied in its own savepoint: the loan is created approved with the file's terms and
disbursed with the file's schedule (the one place where rows are written beside the loans' services,
because ``loan_disburse`` computes a schedule and the file's must be kept; the ledger's derived figures are
recorded by ``loans.services.ledger`` as at any disbursement), then its payments are recorded one by one by
``payment_record`` (the usual allocation, a payment larger than what is owed refused), then the loan is
written off by ``loan_write_off`` when the file says so. At the end the derived figures are checked against
the ledger (``rebuild_ledger --check``): any difference refuses the whole import.
"""

import datetime
from collections import defaultdict
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
from imports.kinds.common import find_entrepreneur
from imports.readers import read_workbook
from loans import services as loans
from loans.models import (
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
from loans.selectors import amount_owed, guarantee_type_for
from loans.services import ledger
from loans.services.base import lock, transition
from microcredit.core import bilingual
from microcredit.core.formatting import format_money

LOANS = "loans"

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


def _schedule_columns():
    return (
        Column(
            "loan",
            "identifiant du prêt",
            "loan id",
            gettext_lazy("The loan's id."),
            required=True,
            example="P-001",
        ),
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
        Column(
            "loan",
            "identifiant du prêt",
            "loan id",
            gettext_lazy("The loan's id."),
            required=True,
            example="P-001",
        ),
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

    def process(self, name: str, data: bytes, context: dict, report: Report) -> None:
        from imports.services import read_rows

        tables = read_workbook(name, data)
        sheets = self.sheets()
        rows = {}
        for key, (names, _factory) in SHEETS.items():
            table = next((tables[n] for n in names if n in tables), None)
            title = SHEET_TITLES[key][0]
            if table is None:
                report.add_error(title, "", _("The workbook has no sheet named %(name)s.") % {"name": title})
                continue
            sheet_report = Report(kind=key)
            rows[key] = [
                (f"{title} {number}", values)
                for number, values in read_rows(sheets[key], table, sheet_report)
            ]
            for problem in sheet_report.problems:
                report.add_error(f"{title} {problem.row}", problem.column, problem.message)
            if key == "loans":
                report.rows_total = sheet_report.rows_total
        if not report.is_valid and len(rows) < 3:
            return
        schedules, payments = defaultdict(list), defaultdict(list)
        for label, values in rows["schedule"]:
            schedules[values["loan"]].append((label, values))
        for label, values in rows["payments"]:
            payments[values["loan"]].append((label, values))
        known = {values["external_id"] for _label, values in rows["loans"]}
        for group in (schedules, payments):
            for loan_id, items in group.items():
                if loan_id not in known:
                    for label, values in items:
                        report.add_error(
                            label,
                            values["_headers"].get("loan", ""),
                            _("No loan with this id on the loans sheet."),
                        )
        seen = {}
        for count, (label, values) in enumerate(rows["loans"], start=1):
            external_id = values["external_id"]
            if external_id in seen:
                report.add_error(
                    label,
                    values["_headers"]["external_id"],
                    _("This id already appears on row %(row)s of the file.") % {"row": seen[external_id]},
                )
                continue
            seen[external_id] = label
            try:
                with transaction.atomic():
                    outcome = self._loan(
                        label,
                        values,
                        schedules[external_id],
                        payments[external_id],
                        context,
                        report,
                    )
                if outcome is not None:
                    report.rows.append(outcome)
            except ValidationError as error:
                from imports.services import report_refusal

                report_refusal(self, report, label, values, error)
            except IntegrityError as error:  # a rule the database enforces and no service checked first
                from imports.services import conflict_message

                report.add_error(label, "", conflict_message(error))
            if context.get("progress") is not None and count % 100 == 0:
                context["progress"](count)
        if report.is_valid:
            differences = ledger.ledger_differences()
            if differences:
                report.add_error(
                    "",
                    "",
                    _("The ledger's derived figures do not agree with the ledger: %(first)s")
                    % {"first": differences[0]},
                )

    def _loan(self, label, values, schedule, payments, context, report) -> RowOutcome | None:
        from imports.services import external_id_record, external_object_id

        borrower = find_entrepreneur(values["borrower"], "borrower")
        product = LoanProduct.objects.filter(bilingual.matches("name", values["product"])).first()
        if product is None:
            raise ValidationError(
                {"product": _("Unknown loan product “%(name)s”.") % {"name": values["product"]}}
            )
        circle = None
        if values["circle"]:
            pk = external_object_id("circles", values["circle"])
            circle = Circle.objects.filter(pk=pk).first() if pk else None
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
        for paid_on, _amount, _method, _ref, lab in wanted_payments:
            if paid_on < disbursed_on:
                report.add_error(lab, _("date"), _("The payment date cannot be before the disbursement."))
        refused = {problem.row for problem in report.problems}
        if instalments is None or label in refused or refused & {p[4] for p in wanted_payments}:
            return None

        pk = external_object_id(LOANS, values["external_id"])
        loan = Loan.objects.filter(pk=pk).first() if pk else None
        action = "unchanged"
        if loan is None:
            loan = self._create(values, borrower, product, circle, instalments, context)
            external_id_record(LOANS, values["external_id"], loan.pk, context["batch"])
            action = "create"
        else:
            stored = list(
                loan.instalments.order_by("number").values_list(
                    "number", "due_date", "principal_due", "interest_due"
                )
            )
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
        recorded = list(
            Payment.objects.filter(loan=loan, reversal__isnull=True)
            .order_by("paid_on", "pk")
            .values_list("paid_on", "amount")
        )
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
        for paid_on, pay_amount, method, reference, lab in wanted_payments[len(recorded) :]:
            try:
                with transaction.atomic():
                    loans.payment_record(
                        loan=loan,
                        amount=pay_amount,
                        paid_on=paid_on,
                        method=method,
                        reference=reference,
                        recorded_by=context["actor"],
                    )
            except ValidationError as error:
                for message in error.messages:
                    report.add_error(lab, _("amount"), message)
                raise ValidationError(_("A payment of this loan was refused (see its row).")) from None
            if action == "unchanged":
                action = "update"
        loan.refresh_from_db()
        owed = amount_owed(loan)
        if status == LoanStatus.REPAID and owed > 0:
            raise ValidationError(
                {
                    "status": _("The loan is marked repaid but %(owed)s is still owed on its schedule.")
                    % {"owed": format_money(owed)}
                }
            )
        if status == LoanStatus.ACTIVE and owed == 0:
            raise ValidationError({"status": _("Nothing is owed on this loan any more: mark it repaid.")})
        if status == LoanStatus.WRITTEN_OFF and loan.status != LoanStatus.WRITTEN_OFF:
            loans.loan_write_off(
                loan=loan,
                written_off_by=context["actor"],
                reason=values["write_off_reason"],
                written_off_on=values["written_off_on"],
            )
            action = "create" if action == "create" else "update"
        return RowOutcome(row=label, action=action, label=f"{borrower} · {format_money(amount)}")

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

    @staticmethod
    def _create(values, borrower, product, circle, instalments, context) -> Loan:
        """An approved loan with the file's terms, disbursed with the file's schedule, its history saying
        it was imported."""
        actor = context["actor"]
        loan = Loan.objects.create(
            borrower=borrower,
            product=product,
            status=LoanStatus.APPROVED,
            amount=values["amount"],
            term=len(instalments),
            purpose=values["purpose"] or _("Imported loan"),
            prepared_by=actor,
            circle=circle,
            # The guarantee rule as at a circle's acceptance: above the threshold, individual responsibility.
            guarantee_type=guarantee_type_for(values["amount"]) if circle else GuaranteeType.INDIVIDUAL,
            approved_amount=values["amount"],
            approved_term=len(instalments),
            annual_rate=values["rate"],
            frequency=values["frequency"] or product.frequency,
            grace_periods=0,
            approved_by=actor,
        )
        LoanTransition.objects.create(
            loan=loan,
            from_status="",
            to_status=LoanStatus.APPROVED,
            changed_by=actor,
            note=_("Imported from the organization's files."),
        )
        loan = lock(loan)
        rows = Instalment.objects.bulk_create(
            Instalment(
                loan=loan,
                number=item["number"],
                due_date=item["due_date"],
                principal_due=item["principal"],
                interest_due=item["interest"],
                settled_on=None if item["principal"] or item["interest"] else values["disbursed_on"],
            )
            for item in instalments
        )
        loan.disbursed_on = values["disbursed_on"]
        loan.disbursement_method = ""
        loan.disbursement_reference = _("Imported")
        ledger.record_disbursement(loan, rows)
        return transition(
            loan,
            LoanStatus.ACTIVE,
            actor=actor,
            reason=_("Imported from the organization's files: the schedule as given to the borrower."),
            fields=("disbursed_on", "disbursement_method", "disbursement_reference"),
        )


register(LoansKind())
